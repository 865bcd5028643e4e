// Which fields differ between two versions of an object (structured-merge-diff's typed Compare).
//
// A leaf (scalar, atomic list or map, or an empty list or map) is added, removed or modified as a
// whole. A granular node that appears or disappears entirely is also itself added or removed; a
// node that is merely `null` on one side is not (`containers: null` → `[...]` adds the items only).

import type { Schema } from '../../apis/schema.js'
import { atomsOf, childSchema, deducedSchema, listItemElement, shapeOf, type ListAtom, type MapAtom, type SchemaContext } from './atoms.js'
import { emptyTree, insertPath, type PathTree } from './fieldset.js'
import { fieldElement, isJsonObject, jsonEqual, type Json } from './pathelement.js'

export interface Comparison {
  added: PathTree
  modified: PathTree
  removed: PathTree
}

/** Compares `lhs` (before) with `rhs` (after). */
export function compareObjects(lhs: Json, rhs: Json, schema: Schema, ctx: SchemaContext): Comparison {
  const c: Comparison = { added: emptyTree(), modified: emptyTree(), removed: emptyTree() }
  compareNode(c, ctx, [], lhs, rhs, schema)
  return c
}

/** `undefined` means absent; `null` is a present null. */
function compareNode(c: Comparison, ctx: SchemaContext, path: string[], lhs: Json | undefined, rhs: Json | undefined, schema: Schema): void {
  const atoms = atomsOf(schema, ctx)
  const ls = lhs === undefined ? undefined : shapeOf(atoms, lhs, rhs)
  const rs = rhs === undefined ? undefined : shapeOf(atoms, rhs, lhs)
  const shape = ls ?? rs
  let leaf = false
  if (shape === 'mismatch' || (ls && rs && ls !== rs) || shape === 'scalar') leaf = true
  else if (shape === 'list') leaf = compareList(c, ctx, path, lhs, rhs, atoms.list!)
  else if (shape === 'map') leaf = compareMap(c, ctx, path, lhs, rhs, atoms.map!)
  if (leaf) compareLeaf(c, path, lhs, rhs)
  else if (lhs === undefined) insertPath(c.added, path)
  else if (rhs === undefined) insertPath(c.removed, path)
}

function compareLeaf(c: Comparison, path: string[], lhs: Json | undefined, rhs: Json | undefined): void {
  if (lhs === undefined) insertPath(c.added, path)
  else if (rhs === undefined) insertPath(c.removed, path)
  else if (!jsonEqual(lhs, rhs)) insertPath(c.modified, path)
}

const asList = (v: Json | undefined): Json[] | undefined => (Array.isArray(v) ? v : undefined)
const asMap = (v: Json | undefined): { [k: string]: Json } | undefined => (isJsonObject(v) ? v : undefined)

/** Returns true when the list is to be compared as a leaf. */
function compareList(c: Comparison, ctx: SchemaContext, path: string[], lhs: Json | undefined, rhs: Json | undefined, list: ListAtom): boolean {
  const l = asList(lhs)
  const r = asList(rhs)
  // Both empty or null: a leaf, which keeps the empty/null distinction.
  if (!list.associative || ((!l || l.length === 0) && (!r || r.length === 0))) return true
  const lValues = indexItems(l ?? [], list, ctx)
  const rValues = indexItems(r ?? [], list, ctx)
  const all = [...lValues.keys()]
  for (const pe of rValues.keys()) if (!lValues.has(pe)) all.push(pe)
  for (const pe of all) {
    const lList = lValues.get(pe) ?? []
    const rList = rValues.get(pe) ?? []
    const itemPath = [...path, pe]
    if (lList.length <= 1 && rList.length <= 1) {
      compareNode(c, ctx, itemPath, lList[0], rList[0], list.elem)
    } else if (lList.length >= 2 && rList.length >= 2) {
      // Duplicated on both sides (allowed outside apply): compared as a whole.
      if (!jsonEqual(lList, rList)) insertPath(c.modified, itemPath)
    } else if (lList.length >= 2) {
      if (rList.length) compareNode(c, ctx, itemPath, undefined, rList[0], list.elem)
      insertPath(c.removed, itemPath)
    } else {
      if (lList.length) compareNode(c, ctx, itemPath, lList[0], undefined, list.elem)
      insertPath(c.added, itemPath)
    }
  }
  return false
}

/** Items by path element, in first-seen order; items whose element cannot be built are skipped. */
export function indexItems(items: Json[], list: ListAtom, ctx: SchemaContext): Map<string, Json[]> {
  const out = new Map<string, Json[]>()
  for (const item of items) {
    const r = listItemElement(list, item, ctx)
    if ('error' in r) continue
    const existing = out.get(r.pe)
    if (existing) existing.push(item)
    else out.set(r.pe, [item])
  }
  return out
}

function compareMap(c: Comparison, ctx: SchemaContext, path: string[], lhs: Json | undefined, rhs: Json | undefined, map: MapAtom): boolean {
  const l = asMap(lhs)
  const r = asMap(rhs)
  if (map.atomic || ((!l || Object.keys(l).length === 0) && (!r || Object.keys(r).length === 0))) return true
  const keys = new Set([...Object.keys(l ?? {}), ...Object.keys(r ?? {})])
  for (const key of keys) {
    const { schema } = childSchema(map, key)
    compareNode(c, ctx, [...path, fieldElement(key)], l?.[key], r?.[key], schema ?? deducedSchema)
  }
  return false
}
