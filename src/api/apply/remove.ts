// Removing a set of fields from an object (structured-merge-diff's RemoveItems): a member path
// goes with everything below it; a path with members below it is descended into.

import type { Schema } from '../../apis/schema.js'
import { atomsOf, childSchema, deducedSchema, listItemElement, shapeOf, type SchemaContext } from './atoms.js'
import { hasPath, isEmptyTree, subtree, type PathTree } from './fieldset.js'
import { fieldElement, isJsonObject, type Json } from './pathelement.js'

/**
 * `value` without the fields in `toRemove`. A map or list left empty by the removal disappears
 * (undefined): upstream leaves a null there, which its typed objects then drop.
 */
export function removeFields(value: Json, toRemove: PathTree, schema: Schema, ctx: SchemaContext): Json | undefined {
  if (isEmptyTree(toRemove)) return value
  const atoms = atomsOf(schema, ctx)
  const shape = shapeOf(atoms, value)
  if (shape === 'list' && Array.isArray(value)) {
    const list = atoms.list!
    if (value.length === 0 || !list.associative) return value
    const out: Json[] = []
    for (const item of value) {
      const r = listItemElement(list, item, ctx)
      if ('error' in r) {
        out.push(item)
        continue
      }
      if (hasPath(toRemove, [r.pe])) continue
      const below = subtree(toRemove, r.pe)
      const kept = isEmptyTree(below) ? item : removeFields(item, below, list.elem, ctx)
      if (kept !== undefined) out.push(kept)
    }
    return out.length > 0 ? out : undefined
  }
  if (shape === 'map' && isJsonObject(value)) {
    const map = atoms.map!
    if (Object.keys(value).length === 0 || map.atomic) return value
    const out: { [k: string]: Json } = {}
    for (const [key, child] of Object.entries(value)) {
      const pe = fieldElement(key)
      if (hasPath(toRemove, [pe])) continue
      const below = subtree(toRemove, pe)
      const kept = isEmptyTree(below) ? child : removeFields(child, below, childSchema(map, key).schema ?? deducedSchema, ctx)
      if (kept !== undefined) out[key] = kept
    }
    return Object.keys(out).length > 0 ? out : undefined
  }
  return value
}
