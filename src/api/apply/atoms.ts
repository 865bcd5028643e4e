// What the schema says a value is, in structured-merge-diff's terms (kube-openapi's schemaconv):
//
//  - scalar: a leaf, owned as a whole.
//  - map: a struct (`properties`) and/or a map (`additionalProperties`); granular (each key owned
//    on its own) unless `x-kubernetes-map-type: atomic`.
//  - list: `x-kubernetes-list-type` atomic | set | map (+ `x-kubernetes-list-map-keys`); without
//    it, `x-kubernetes-patch-strategy: merge` makes an associative list keyed by
//    `x-kubernetes-patch-merge-key` (a set if there is no key); anything else is atomic.
//  - a schema without a type ("deduced"): whatever the value is; its maps are granular, its lists
//    atomic.

import type { Schema, SchemaResolver } from '../../apis/schema.js'
import { fieldElement, isJsonObject, keyElement, valueElement, type Json } from './pathelement.js'

export interface MapAtom {
  kind: 'map'
  /** Struct fields (`properties`). */
  fields: Record<string, Schema>
  /** The schema of keys that are not struct fields; undefined when none are declared. */
  elem: Schema | undefined
  atomic: boolean
}

export interface ListAtom {
  kind: 'list'
  elem: Schema
  associative: boolean
  /** List-map keys; empty for a set of scalars. */
  keys: string[]
}

export type ScalarType = 'numeric' | 'string' | 'boolean' | 'untyped'

export interface Atoms {
  scalar: boolean
  /** What kind of scalar, for validation messages. */
  scalarType?: ScalarType
  map?: MapAtom
  list?: ListAtom
}

export interface SchemaContext {
  resolve: SchemaResolver
}

/** A schema that accepts anything: maps granular, lists atomic (upstream's `__untyped_deduced_`). */
export const deducedSchema: Schema = {}
/** Inside a deduced list everything is atomic (upstream's `__untyped_atomic_`). */
const untypedAtomic: Schema = { 'x-kubernetes-map-type': 'atomic' }

function resolveFully(schema: Schema, ctx: SchemaContext): Schema {
  let s = schema
  for (let i = 0; i < 32 && (s.$ref || (s.allOf && s.allOf.length === 1 && !s.type && !s.properties)); i++) {
    let next: Schema
    try {
      next = ctx.resolve(s)
    } catch {
      return deducedSchema
    }
    if (next === s) break
    s = next
  }
  return s
}

export function atomsOf(schema: Schema, ctx: SchemaContext): Atoms {
  // `x-kubernetes-map-type` next to a `$ref` overrides the referenced type's own relationship.
  const override = schema.$ref || schema.allOf ? schema['x-kubernetes-map-type'] : undefined
  const s = resolveFully(schema, ctx)
  if (s['x-kubernetes-int-or-string']) return { scalar: true, scalarType: 'untyped' }
  const mapType = override ?? s['x-kubernetes-map-type']
  switch (s.type) {
    case 'object':
      return { scalar: false, map: mapAtom(s, mapType) }
    case 'array':
      return { scalar: false, list: listAtom(s) }
    case 'integer':
    case 'number':
      return { scalar: true, scalarType: 'numeric' }
    case 'string':
      // Formats such as int-or-string and date-time are untyped scalars upstream.
      return { scalar: true, scalarType: !s.format || s.format === 'byte' ? 'string' : 'untyped' }
    case 'boolean':
      return { scalar: true, scalarType: 'boolean' }
  }
  if (s.properties || s.additionalProperties !== undefined) return { scalar: false, map: mapAtom(s, mapType) }
  if (s === untypedAtomic || mapType === 'atomic') {
    return {
      scalar: true,
      scalarType: 'untyped',
      map: { kind: 'map', fields: {}, elem: untypedAtomic, atomic: true },
      list: { kind: 'list', elem: untypedAtomic, associative: false, keys: [] },
    }
  }
  return {
    scalar: true,
    scalarType: 'untyped',
    map: { kind: 'map', fields: {}, elem: deducedSchema, atomic: false },
    list: { kind: 'list', elem: untypedAtomic, associative: false, keys: [] },
  }
}

function mapAtom(s: Schema, mapType: string | undefined): MapAtom {
  const fields = s.properties ?? {}
  let elem: Schema | undefined
  if (typeof s.additionalProperties === 'object') elem = s.additionalProperties
  else if (s.additionalProperties === true) elem = deducedSchema
  else if (s.additionalProperties === undefined && (Object.keys(fields).length === 0 || s['x-kubernetes-preserve-unknown-fields'])) elem = deducedSchema
  return { kind: 'map', fields, elem, atomic: mapType === 'atomic' }
}

function listAtom(s: Schema): ListAtom {
  const elem = s.items ?? untypedAtomic
  const listType = s['x-kubernetes-list-type']
  const mergeKey = s['x-kubernetes-patch-merge-key']
  if (listType === 'atomic') return { kind: 'list', elem, associative: false, keys: [] }
  if (listType === 'set') return { kind: 'list', elem, associative: true, keys: [] }
  if (listType === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? (mergeKey ? [mergeKey] : [])
    return { kind: 'list', elem, associative: true, keys }
  }
  const strategy = s['x-kubernetes-patch-strategy']
  if (listType === undefined && (strategy === 'merge' || strategy === 'merge,retainKeys')) {
    return { kind: 'list', elem, associative: true, keys: mergeKey ? [mergeKey] : [] }
  }
  return { kind: 'list', elem, associative: false, keys: [] }
}

/** The schema of a map entry, and whether it is a declared struct field. */
export function childSchema(atom: MapAtom, key: string): { schema: Schema | undefined; declared: boolean } {
  if (Object.prototype.hasOwnProperty.call(atom.fields, key)) return { schema: atom.fields[key], declared: true }
  return { schema: atom.elem, declared: false }
}

export type Shape = 'scalar' | 'map' | 'list'

/**
 * Which of the schema's shapes a value takes (upstream's deduceAtom). `null` and absent values take
 * the shape of the other side when there is one. 'mismatch' when the value fits none of them.
 */
export function shapeOf(atoms: Atoms, value: Json | undefined, other?: Json | undefined): Shape | 'mismatch' {
  const own = shapeOfValue(atoms, value)
  if (own) return own
  const theirs = shapeOfValue(atoms, other)
  if (theirs && theirs !== 'mismatch') return theirs
  // Both null or absent: the first shape the schema offers (upstream's handleAtom order).
  return atoms.map ? 'map' : atoms.scalar ? 'scalar' : atoms.list ? 'list' : 'scalar'
}

function shapeOfValue(atoms: Atoms, v: Json | undefined): Shape | 'mismatch' | undefined {
  if (v === undefined || v === null) return undefined
  if (Array.isArray(v)) return atoms.list ? 'list' : 'mismatch'
  if (isJsonObject(v)) return atoms.map ? 'map' : 'mismatch'
  return atoms.scalar ? 'scalar' : 'mismatch'
}

/** The path element of a list item, or an error in upstream's words. */
export function listItemElement(list: ListAtom, item: Json, ctx: SchemaContext): { pe: string } | { error: string } {
  if (!list.associative) return { error: 'invalid indexing of non-associative list' }
  if (list.keys.length > 0) {
    if (item === null) return { error: 'associative list with keys may not have a null element' }
    if (!isJsonObject(item)) return { error: 'associative list with keys may not have non-map elements' }
    const elemMap = atomsOf(list.elem, ctx).map
    const fields: [string, Json][] = []
    for (const key of list.keys) {
      if (Object.prototype.hasOwnProperty.call(item, key)) {
        fields.push([key, item[key]])
        continue
      }
      // A missing key field takes its schema default (e.g. a container port's protocol "TCP").
      const def = elemMap?.fields[key]?.default
      if (def !== undefined && def !== null) fields.push([key, def as Json])
    }
    if (fields.length === 0) {
      const quoted = list.keys.map((k) => JSON.stringify(k)).join(' ')
      return { error: `associative list with keys has an element that omits all key fields [${quoted}] (and doesn't have default values for any key fields)` }
    }
    return { pe: keyElement(fields) }
  }
  if (isJsonObject(item)) return { error: "associative list without keys has an element that's a map type" }
  if (Array.isArray(item)) return { error: 'not supported: associative list with lists as elements' }
  if (item === null) return { error: "associative list without keys has an element that's an explicit null" }
  return { pe: valueElement(item) }
}

export { fieldElement }
