// OpenAPI-style schemas of the built-in kinds, as one source of truth for: strategic merge patch
// (patch merge keys and strategies), server-side apply (list types and map keys), strict field
// validation (unknown fields), OpenAPI v2/v3 documents and `kubectl explain`.
//
// Definitions are named as upstream names them (`io.k8s.api.apps.v1.Deployment`) and refer to each
// other with `$ref: '#/definitions/<name>'` (v2 style; the v3 documents rewrite refs).
import { readFileSync } from 'node:fs'
import { isObj as isPlainObject } from '../lib/guards.js'

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean'
  format?: string
  description?: string
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  additionalProperties?: Schema | boolean
  $ref?: string
  allOf?: Schema[]
  enum?: unknown[]
  default?: unknown
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[]
  'x-kubernetes-patch-merge-key'?: string
  'x-kubernetes-patch-strategy'?: string
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map'
  'x-kubernetes-list-map-keys'?: string[]
  'x-kubernetes-map-type'?: 'atomic' | 'granular'
  'x-kubernetes-int-or-string'?: boolean
  'x-kubernetes-preserve-unknown-fields'?: boolean
  'x-kubernetes-embedded-resource'?: boolean
  'x-kubernetes-unions'?: unknown[]
}

/** Follows `$ref`s (and single-element `allOf` wrappers) to the schema they name. */
export type SchemaResolver = (schema: Schema) => Schema

// ---------------------------------------------------------------------------------------------
// Runtime access to the generated definitions (src/apis/openapi/definitions.json, written by
// scripts/gen-openapi.ts). Loaded once, on first use.

let loaded: Record<string, Schema> | undefined
let byKind: Map<string, string> | undefined

/** Reads a JSON file of src/apis/openapi/ (from src/apis/ it sits beside this file; from dist/apis/ it stays in src/, package `files`). */
export function readOpenAPIJson(file: string): unknown {
  const candidates = [`./openapi/${file}`, `../../src/apis/openapi/${file}`]
  let lastError: unknown
  for (const c of candidates) {
    try {
      return JSON.parse(readFileSync(new URL(c, import.meta.url), 'utf8'))
    } catch (err) {
      lastError = err
    }
  }
  throw new Error(`OpenAPI definitions not found: ${String(lastError)}`)
}

/**
 * All definitions by upstream name: the built-in kinds' (definitions.json) and the argoproj.io
 * kinds' CRD schemas (argoproj.json, see apis/argoproj.ts). Read once; callers must not mutate
 * what they get.
 */
export function definitions(): Readonly<Record<string, Schema>> {
  if (!loaded) {
    const builtIn = readOpenAPIJson('definitions.json') as Record<string, Schema>
    const argo = readOpenAPIJson('argoproj.json') as { definitions: Record<string, Schema> }
    // apiextensions.k8s.io/v1 CustomResourceDefinition (written from upstream's Go types; the
    // schemas inside a CRD stay free-form here, validated by registry/apiextensions).
    const apiextensions = readOpenAPIJson('apiextensions.json') as Record<string, Schema>
    loaded = { ...builtIn, ...apiextensions, ...argo.definitions }
  }
  return loaded
}

/**
 * Adds (or replaces) definitions at run time: the schemas of the kinds a CustomResourceDefinition
 * serves, so strict field validation, patches, server-side apply and the OpenAPI documents see them
 * as they see the built-in kinds.
 */
export function registerDefinitions(defs: Record<string, Schema>): void {
  const all = definitions() as Record<string, Schema>
  for (const [name, def] of Object.entries(defs)) all[name] = def
  byKind = undefined
}

/** Removes definitions registered with registerDefinitions (a CustomResourceDefinition deleted). */
export function unregisterDefinitions(names: readonly string[]): void {
  const all = definitions() as Record<string, Schema>
  for (const name of names) delete all[name]
  byKind = undefined
}

/** True for a definition that comes from a CustomResourceDefinition's schema (not a Go type). */
export function isCustomResourceDefinitionName(name: string): boolean {
  return !name.startsWith('io.k8s.')
}

/** The definition named `name` (`io.k8s.api.apps.v1.Deployment`), if there is one. */
export function definition(name: string): Schema | undefined {
  const defs = definitions()
  return Object.hasOwn(defs, name) ? defs[name] : undefined
}

/** `#/definitions/X` or `#/components/schemas/X` → `X`. */
export function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1)
}

const gvkKey = (group: string, version: string, kind: string) => `${group}/${version}/${kind}`

/** The top-level schema of a kind (by its `x-kubernetes-group-version-kind`), if built in. */
export function schemaForKind(group: string, version: string, kind: string): Schema | undefined {
  if (!byKind) {
    byKind = new Map()
    for (const [name, def] of Object.entries(definitions()))
      for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) byKind.set(gvkKey(gvk.group, gvk.version, gvk.kind), name)
  }
  const name = byKind.get(gvkKey(group, version, kind))
  return name === undefined ? undefined : definition(name)
}

/** The definition name of a kind's schema (`io.k8s.api.apps.v1.Deployment`). */
export function definitionNameForKind(group: string, version: string, kind: string): string | undefined {
  schemaForKind(group, version, kind)
  return byKind!.get(gvkKey(group, version, kind))
}

/**
 * Follows `$ref`s and single-element `allOf` wrappers to the schema they name. What the referring
 * schema says beside the reference wins over the target: a property such as DeploymentSpec.strategy
 * (`$ref` DeploymentStrategy + `x-kubernetes-patch-strategy: retainKeys`) resolves to the
 * DeploymentStrategy schema carrying retainKeys. An unknown reference resolves to itself.
 */
export const resolve: SchemaResolver = (schema) => {
  let r = resolvedCache.get(schema)
  if (!r) {
    r = resolveUncached(schema)
    resolvedCache.set(schema, r)
  }
  return r
}

/** Schemas are static data: each is resolved once (callers never mutate what resolve returns). */
const resolvedCache = new WeakMap<Schema, Schema>()

function resolveUncached(schema: Schema): Schema {
  let current = schema
  let beside: Schema = {}
  for (let depth = 0; depth < 32; depth++) {
    let target: Schema | undefined
    if (current.$ref !== undefined) target = definition(refName(current.$ref))
    else if (current.allOf?.length === 1 && !current.properties && !current.type) target = current.allOf[0]
    if (!target) break
    const own: Schema = { ...current }
    delete own.$ref
    delete own.allOf
    beside = { ...own, ...beside }
    current = target
  }
  return Object.keys(beside).length ? { ...current, ...beside } : current
}

/** The resolved schema of `field` in an object schema, or of any value of a map schema. */
export function childSchema(schema: Schema, field: string): Schema | undefined {
  const s = resolve(schema)
  if (s.properties && Object.hasOwn(s.properties, field)) return resolve(s.properties[field])
  if (s.additionalProperties && typeof s.additionalProperties === 'object') return resolve(s.additionalProperties)
  return undefined
}

/** The resolved schema of the items of an array schema. */
export function itemSchema(schema: Schema): Schema | undefined {
  const s = resolve(schema)
  return s.items ? resolve(s.items) : undefined
}

/**
 * Paths of the fields in `obj` that the kind's schema does not know, as upstream's strict JSON
 * decoder names them (sigs.k8s.io/json): keys joined with `.`, list indexes as `[i]`, in document
 * order — `spec.template.spec.containers[0].bogus`. The API prints each one as
 * `unknown field "<path>"` (`strict decoding error: ...` for fieldValidation=Strict).
 * Unknown kinds, `x-kubernetes-preserve-unknown-fields` and free-form objects (RawExtension,
 * FieldsV1: `type: object` with neither properties nor additionalProperties) accept anything.
 */
export function findUnknownFields(group: string, version: string, kind: string, obj: unknown): string[] {
  const schema = schemaForKind(group, version, kind)
  const out: string[] = []
  if (schema) walkUnknown(obj, schema, '', out)
  return out
}

/**
 * Makes `obj` what decoding into upstream's Go types leaves, in place and in one walk, and returns
 * the paths of the unknown fields it dropped (those `findUnknownFields` names):
 * - an unknown field never reaches storage (whatever fieldValidation says; it only decides
 *   whether the paths are an error, a warning or nothing), which also keeps arbitrarily deep
 *   unknown subtrees away from everything after decoding;
 * - a `null` field is dropped (a nil pointer, an omitted zero), a `null` list element or map value
 *   becomes the zero value of its type (`{}` for a struct, `''`, `0`, `false`): so
 *   `ownerReferences: [null]` is `[{}]`, which validation then judges as upstream does.
 * Free-form and preserve-unknown-fields values are left as they are.
 */
export function normalizeDecoded(group: string, version: string, kind: string, obj: unknown): string[] {
  const schema = schemaForKind(group, version, kind)
  const unknown: string[] = []
  if (schema) walkDecoded(obj, schema, '', unknown)
  return unknown
}

function zeroOf(schema: Schema | undefined): unknown {
  const s = schema ? resolve(schema) : undefined
  if (!s || s['x-kubernetes-int-or-string']) return 0
  switch (s.type) {
    case 'object':
      return {}
    case 'array':
      return []
    case 'string':
      return ''
    case 'integer':
    case 'number':
      return 0
    case 'boolean':
      return false
    default:
      return s.properties ? {} : ''
  }
}

function walkDecoded(value: unknown, schema: Schema, path: string, unknown: string[]): void {
  const s = resolve(schema)
  if (s['x-kubernetes-preserve-unknown-fields']) return
  if (Array.isArray(value)) {
    if (!s.items) return
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null) value[i] = zeroOf(s.items)
      else walkDecoded(value[i], s.items, `${path}[${i}]`, unknown)
    }
    return
  }
  if (!isPlainObject(value)) return
  const ap = s.additionalProperties
  if (!s.properties && ap === undefined) return
  for (const [key, v] of Object.entries(value)) {
    const p = path ? `${path}.${key}` : key
    const known = s.properties !== undefined && Object.hasOwn(s.properties, key)
    const child = known ? s.properties![key] : ap && typeof ap === 'object' ? ap : undefined
    if (!child) {
      if (ap !== true) {
        unknown.push(p)
        delete value[key]
      }
    } else if (v === null) {
      if (known) delete value[key]
      else value[key] = zeroOf(child)
    } else walkDecoded(v, child, p, unknown)
  }
}

function walkUnknown(value: unknown, schema: Schema, path: string, out: string[]): void {
  const s = resolve(schema)
  if (s['x-kubernetes-preserve-unknown-fields']) return
  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => walkUnknown(v, s.items!, `${path}[${i}]`, out))
    return
  }
  if (!isPlainObject(value)) return
  const ap = s.additionalProperties
  if (!s.properties && ap === undefined) return
  for (const [key, v] of Object.entries(value)) {
    const p = path ? `${path}.${key}` : key
    if (s.properties && Object.hasOwn(s.properties, key)) walkUnknown(v, s.properties[key], p, out)
    else if (ap && typeof ap === 'object') walkUnknown(v, ap, p, out)
    else if (ap !== true) out.push(p)
  }
}

/** Go's name for a JSON value's type in `json: cannot unmarshal <type> into ...`. */
function jsonTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string'
  if (typeof v === 'number') return 'number'
  if (typeof v === 'boolean') return 'bool'
  if (Array.isArray(v)) return 'array'
  return 'object'
}

/** A Go-ish name for the type a schema decodes into (`string`, `int32`, `map[string]string`, `v1.Container`). */
function goTypeName(schema: Schema): string {
  if (schema.$ref) {
    const name = refName(schema.$ref)
    const parts = name.split('.')
    return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`
  }
  if (schema.allOf?.length === 1) return goTypeName(schema.allOf[0])
  const s = schema
  switch (s.type) {
    case 'integer':
      return s.format === 'int64' ? 'int64' : 'int32'
    case 'number':
      return 'float64'
    case 'boolean':
      return 'bool'
    case 'array':
      return `[]${s.items ? goTypeName(s.items) : 'interface {}'}`
    case 'object':
      return s.additionalProperties && typeof s.additionalProperties === 'object' ? `map[string]${goTypeName(s.additionalProperties)}` : 'struct'
    default:
      return 'string'
  }
}

function structName(schemaRefName: string | undefined): string {
  if (!schemaRefName) return ''
  return schemaRefName.slice(schemaRefName.lastIndexOf('.') + 1)
}

/**
 * The first value whose JSON type cannot decode into the kind's Go type, worded as Go's
 * encoding/json does (`json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels
 * of type string`), or undefined. `null` decodes into anything (the zero value), int-or-string and
 * Quantity accept numbers and strings.
 */
export function findTypeError(group: string, version: string, kind: string, obj: unknown): string | undefined {
  const name = definitionNameForKind(group, version, kind)
  if (name === undefined) return undefined
  // Custom resources decode into unstructured objects: their types are checked by schema
  // validation (registry), which answers 422 rather than a decoding error. Their metadata is an
  // ObjectMeta all the same (the API server decodes it into one), so it is checked here.
  if (isCustomResourceDefinitionName(name)) {
    const meta = definition('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')
    const m = (obj as { metadata?: unknown } | null)?.metadata
    return meta && m !== undefined ? walkTypes(m, meta, 'metadata', 'ObjectMeta', 'metadata') : undefined
  }
  const schema = definition(name)
  return schema ? walkTypes(obj, schema, '', structName(name), '') : undefined
}

function walkTypes(value: unknown, schema: Schema, path: string, struct: string, field: string): string | undefined {
  if (value === null || value === undefined) return undefined
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0].$ref : undefined)
  const s = resolve(schema)
  if (s['x-kubernetes-preserve-unknown-fields']) return undefined
  const fail = () => `json: cannot unmarshal ${jsonTypeName(value)}${typeof value === 'number' && (s.type === 'integer') ? ` ${value}` : ''} into Go struct field ${struct}.${field || path} of type ${goTypeName(ref ? { $ref: ref } : s)}`
  const flexible = s['x-kubernetes-int-or-string'] || (ref !== undefined && refName(ref).endsWith('resource.Quantity'))
  if (flexible) return typeof value === 'string' || typeof value === 'number' ? undefined : fail()
  switch (s.type) {
    case 'string':
      return typeof value === 'string' ? undefined : fail()
    case 'boolean':
      return typeof value === 'boolean' ? undefined : fail()
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : fail()
    case 'number':
      return typeof value === 'number' ? undefined : fail()
    case 'array':
      if (!Array.isArray(value)) return fail()
      if (!s.items) return undefined
      for (const [i, v] of value.entries()) {
        const err = walkTypes(v, s.items, `${path}[${i}]`, struct, field ? `${field}[${i}]` : '')
        if (err) return err
      }
      return undefined
    case 'object': {
      if (!isPlainObject(value)) return fail()
      const inner = ref ? structName(refName(ref)) : struct
      for (const [key, v] of Object.entries(value)) {
        const p = path ? `${path}.${key}` : key
        let child: Schema | undefined
        let nextStruct = inner
        let nextField = ''
        if (s.properties && Object.hasOwn(s.properties, key)) child = s.properties[key]
        else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
          child = s.additionalProperties
          nextStruct = struct
          nextField = path // a map value's field is the map itself
        }
        if (!child) continue
        const err = walkTypes(v, child, p, nextStruct, nextField)
        if (err) return err
      }
      return undefined
    }
    default:
      return undefined
  }
}
