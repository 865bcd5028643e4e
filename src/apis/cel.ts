// The CEL validation rules of a CRD schema (`x-kubernetes-validations`), evaluated as the
// apiextensions-apiserver evaluates them: at every schema node that carries rules, `self` is the
// value there; transition rules (those naming `oldSelf`) run only on update and only where an old
// value correlates (same property, same map key); a false rule is
//   spec: Invalid value: "object": <message, or "failed rule: <rule>">
// at the node's path (plus the rule's fieldPath), or Required/Forbidden/Duplicate per its reason.
// Evaluation uses @marcbachmann/cel-js (the CEL standard library and macros); Kubernetes' extension
// libraries (quantity, url, ip...) are not there, and a rule using them fails with its error.
import { parse } from '@marcbachmann/cel-js'
import { isObj } from '../lib/guards.js'
import type { Schema } from './schema.js'
import type { FieldError } from './validation.js'

type Json = Record<string, unknown>

interface Rule {
  rule: string
  message?: string
  messageExpression?: string
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate'
  fieldPath?: string
  optionalOldSelf?: boolean
}

type CelSchema = Schema & { 'x-kubernetes-validations'?: Rule[] }


type Program = (ctx: Json) => unknown
const programs = new Map<string, Program | Error>()

function compile(expr: string): Program | Error {
  let p = programs.get(expr)
  if (!p) {
    try {
      p = parse(expr) as unknown as Program
    } catch (err) {
      p = err instanceof Error ? err : new Error(String(err))
    }
    programs.set(expr, p)
  }
  return p
}

/** Every failed rule in `value` (and, on update, against `old`). */
export function validateCelRules(value: unknown, schema: Schema, old?: unknown): FieldError[] {
  const errs: FieldError[] = []
  walk(value, schema as CelSchema, old, '', errs, true)
  return errs
}

function walk(v: unknown, s: CelSchema, old: unknown, path: string, errs: FieldError[], root = false): void {
  if (v === undefined || v === null) return
  for (const r of s['x-kubernetes-validations'] ?? []) check(v, s, old, r, path, errs)
  if (Array.isArray(v)) {
    const items = s.items as CelSchema | undefined
    if (!items) return
    // Old items correlate only in map lists (by their keys) and sets (by value), as upstream.
    const keys = s['x-kubernetes-list-map-keys']
    const oldList = Array.isArray(old) ? old : []
    v.forEach((x, i) => {
      let o: unknown
      if (s['x-kubernetes-list-type'] === 'map' && keys?.length && isObj(x))
        o = oldList.find((y) => isObj(y) && keys.every((k) => JSON.stringify(y[k]) === JSON.stringify(x[k])))
      else if (s['x-kubernetes-list-type'] === 'set') o = oldList.find((y) => JSON.stringify(y) === JSON.stringify(x))
      walk(x, items, o, `${path}[${i}]`, errs)
    })
    return
  }
  if (!isObj(v)) return
  const props = s.properties ?? {}
  const ap = isObj(s.additionalProperties) ? (s.additionalProperties as CelSchema) : undefined
  const o = isObj(old) ? old : undefined
  for (const [k, x] of Object.entries(v)) {
    if (root && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue
    const child = (Object.hasOwn(props, k) ? props[k] : ap) as CelSchema | undefined
    if (child) walk(x, child, o?.[k], path ? `${path}.${k}` : k, errs)
  }
}

function typeText(s: Schema, v: unknown): string {
  if (s.type) return s.type
  return Array.isArray(v) ? 'array' : isObj(v) ? 'object' : typeof v === 'number' ? 'number' : typeof v
}

function check(v: unknown, s: Schema, old: unknown, r: Rule, path: string, errs: FieldError[]): void {
  if (!r || typeof r.rule !== 'string') return
  const transition = /\boldSelf\b/.test(r.rule)
  if (transition && old === undefined && !r.optionalOldSelf) return
  const at = r.fieldPath ? `${path}${r.fieldPath.startsWith('.') || r.fieldPath.startsWith('[') ? '' : '.'}${r.fieldPath}`.replace(/^\./, '') : path
  const field = at || '<nil>'
  const program = compile(r.rule)
  let result: unknown
  try {
    if (program instanceof Error) throw program
    result = program({ self: v, ...(old !== undefined ? { oldSelf: old } : {}) })
  } catch (err) {
    errs.push({ type: 'FieldValueInvalid', field, value: typeText(s, v), detail: `${(err as Error).message.split('\n')[0]} evaluating rule: ${r.rule}` })
    return
  }
  if (result === true) return
  let message = r.message || `failed rule: ${r.rule}`
  if (r.messageExpression) {
    const m = compile(r.messageExpression)
    try {
      const out = m instanceof Error ? undefined : m({ self: v, ...(old !== undefined ? { oldSelf: old } : {}) })
      if (typeof out === 'string' && out.trim() !== '') message = out
    } catch {
      // upstream falls back to the message
    }
  }
  switch (r.reason) {
    case 'FieldValueRequired':
      errs.push({ type: 'FieldValueRequired', field, detail: message })
      break
    case 'FieldValueForbidden':
      errs.push({ type: 'FieldValueForbidden', field, detail: message })
      break
    case 'FieldValueDuplicate':
      errs.push({ type: 'FieldValueDuplicate', field, value: typeText(s, v), detail: message })
      break
    default:
      errs.push({ type: 'FieldValueInvalid', field, value: typeText(s, v), detail: message })
  }
}
