// What the apiextensions-apiserver does with a custom resource against its CRD's structural
// openAPIV3Schema, on every create and update: prune unknown fields and non-nullable nulls, apply
// `default`s, then validate (type, required, enum, minimum/maximum, pattern, int-or-string), with
// kube-openapi's wording as the API server reports it in a 422:
//   spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
//   spec.selector: Required value
// Pure: works on plain JSON values and the schema only.
import type { Schema } from './schema.js'
import { invalid, notSupported, required, type FieldError } from './validation.js'
import { isObj } from '../lib/guards.js'

type Json = Record<string, unknown>

interface CrdSchema extends Schema {
  anyOf?: Schema[]
  minimum?: number
  maximum?: number
  pattern?: string
  nullable?: boolean
  minItems?: number
  maxItems?: number
}

/** The JSON type name kube-openapi reports for a value (`"string"`, `"integer"`, `"boolean"`, ...). */
function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  if (typeof v === 'boolean') return 'boolean'
  return typeof v
}

/**
 * Drops fields the schema does not declare (except under x-kubernetes-preserve-unknown-fields and
 * at metadata, which ObjectMeta rules govern) and nulls of non-nullable fields, then fills
 * `default`s of absent fields. Mutates `obj`; the root's apiVersion, kind and metadata are kept.
 */
export function pruneAndDefault(obj: Json, schema: Schema): void {
  walk(obj, schema as CrdSchema, true)
}

function walk(value: unknown, schema: CrdSchema, root = false): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const v of value) walk(v, schema.items as CrdSchema)
    return
  }
  if (!isObj(value)) return
  const props = schema.properties
  const ap = schema.additionalProperties
  for (const [key, v] of Object.entries(value)) {
    if (root && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue
    const child = props && Object.hasOwn(props, key) ? (props[key] as CrdSchema) : isObj(ap) ? (ap as CrdSchema) : undefined
    if (!child) {
      if (!schema['x-kubernetes-preserve-unknown-fields'] && ap !== true && (props || ap !== undefined || schema.type === 'object')) delete value[key]
      continue
    }
    if (v === null && !child.nullable) {
      if (child.default !== undefined) value[key] = structuredClone(child.default)
      else delete value[key]
      continue
    }
    walk(v, child)
  }
  if (props)
    for (const [key, child] of Object.entries(props))
      if (value[key] === undefined && child.default !== undefined) value[key] = structuredClone(child.default)
}

/** Every schema violation of `value`, field paths from the root (`spec.strategy.canary.steps[0].setWeight`). */
export function validateAgainstSchema(value: unknown, schema: Schema, path = ''): FieldError[] {
  const errs: FieldError[] = []
  check(value, schema as CrdSchema, path, errs, true)
  return errs
}

function typeMatches(v: unknown, type: string | undefined): boolean {
  switch (type) {
    case undefined:
      return true
    case 'object':
      return isObj(v)
    case 'array':
      return Array.isArray(v)
    case 'string':
      return typeof v === 'string'
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v)
    case 'number':
      return typeof v === 'number'
    case 'boolean':
      return typeof v === 'boolean'
    default:
      return true
  }
}

function check(v: unknown, s: CrdSchema, path: string, errs: FieldError[], root = false): void {
  const at = path || '<root>'
  if (v === null) {
    if (!s.nullable && s.type) errs.push({ type: 'FieldValueTypeInvalid', field: path, value: 'null', detail: `${at} in body must be of type ${s.type}: "null"` })
    return
  }
  if (s['x-kubernetes-int-or-string']) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) {
      errs.push({ type: 'FieldValueTypeInvalid', field: path, value: typeName(v), detail: `${at} in body must be of type integer,string: "${typeName(v)}"` })
      return
    }
  } else if (!typeMatches(v, s.type)) {
    errs.push({ type: 'FieldValueTypeInvalid', field: path, value: typeName(v), detail: `${at} in body must be of type ${s.type}: "${typeName(v)}"` })
    return
  }
  if (s.enum && !s.enum.some((e) => e === v)) errs.push(notSupported(path, v, s.enum.map(String)))
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) errs.push(invalid(path, v, `${at} in body should be greater than or equal to ${s.minimum}`))
    if (s.maximum !== undefined && v > s.maximum) errs.push(invalid(path, v, `${at} in body should be less than or equal to ${s.maximum}`))
  }
  if (typeof v === 'string' && s.pattern !== undefined && !s['x-kubernetes-int-or-string']) {
    let re: RegExp | undefined
    try {
      re = new RegExp(s.pattern, 'u')
    } catch {
      re = undefined
    }
    if (re && !re.test(v)) errs.push(invalid(path, v, `${at} in body should match '${s.pattern}'`))
  }
  if (Array.isArray(v)) {
    if (s.items) v.forEach((x, i) => check(x, s.items as CrdSchema, `${path}[${i}]`, errs))
    return
  }
  if (!isObj(v)) return
  for (const r of s.required ?? []) if (v[r] === undefined) errs.push(required(path ? `${path}.${r}` : r))
  for (const [key, x] of Object.entries(v)) {
    if (root && (key === 'metadata' || key === 'apiVersion' || key === 'kind')) continue
    const child = s.properties && Object.hasOwn(s.properties, key) ? s.properties[key] : isObj(s.additionalProperties) ? s.additionalProperties : undefined
    if (child) check(x, child as CrdSchema, path ? `${path}.${key}` : key, errs)
  }
}

/**
 * A CRD schema as kube-apiserver publishes it in OpenAPI v2 (apiextensions' ToStructuralOpenAPIV2):
 * Swagger 2.0 has no `anyOf`/`oneOf`/`not` and no `nullable`, so those go; CEL rules
 * (`x-kubernetes-validations`) are not published in v2 either.
 */
export function crdSchemaV2(schema: Schema): Schema {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'anyOf' || k === 'oneOf' || k === 'not' || k === 'nullable' || k === 'x-kubernetes-validations') continue
    if (k === 'properties' && isObj(v)) out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, crdSchemaV2(s as Schema)]))
    else if ((k === 'items' || k === 'additionalProperties') && isObj(v)) out[k] = crdSchemaV2(v as Schema)
    else out[k] = v
  }
  return out as Schema
}
