// OpenAPI-style schemas of the built-in kinds, as one source of truth for: strategic merge patch
// (patch merge keys and strategies), server-side apply (list types and map keys), strict field
// validation (unknown fields), OpenAPI v2/v3 documents and `kubectl explain`.
//
// Definitions are named as upstream names them (`io.k8s.api.apps.v1.Deployment`) and refer to each
// other with `$ref: '#/definitions/<name>'` (v2 style; the v3 documents rewrite refs).
import { readFileSync } from 'node:fs'

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

/** All definitions by upstream name. Read once; callers must not mutate what they get. */
export function definitions(): Readonly<Record<string, Schema>> {
  if (!loaded) {
    // From src/apis/ the JSON sits beside this file; from dist/apis/ it stays in src/ (package `files`).
    const candidates = ['./openapi/definitions.json', '../../src/apis/openapi/definitions.json']
    let lastError: unknown
    for (const c of candidates) {
      try {
        loaded = JSON.parse(readFileSync(new URL(c, import.meta.url), 'utf8')) as Record<string, Schema>
        break
      } catch (err) {
        lastError = err
      }
    }
    if (!loaded) throw new Error(`OpenAPI definitions not found: ${String(lastError)}`)
  }
  return loaded
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
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
