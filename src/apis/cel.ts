// The CEL validation rules of a CRD schema (`x-kubernetes-validations`), evaluated as the
// apiextensions-apiserver evaluates them: at every schema node that carries rules, `self` is the
// value there; transition rules (those naming `oldSelf`) run only on update and only where an old
// value correlates (same property, same map key); a false rule is
//   spec: Invalid value: "object": <message, or "failed rule: <rule>">
// at the node's path (plus the rule's fieldPath), or Required/Forbidden/Duplicate per its reason.
// Evaluation uses @marcbachmann/cel-js (the CEL standard library, macros and optionals) with
// Kubernetes' extension libraries (cel-libs.ts). Values are typed by the schema as upstream types
// them: integers are CEL ints, numbers doubles, date-time strings timestamps, duration strings
// durations; values without a schema (x-kubernetes-preserve-unknown-fields, metadata) take their
// JSON shape, whole numbers as ints.
import { Optional } from '@marcbachmann/cel-js'
import { isObj } from '../lib/guards.js'
import { kubernetesCelEnvironment } from './cel-libs.js'
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

type CelSchema = Schema & { 'x-kubernetes-validations'?: Rule[]; 'x-kubernetes-int-or-string'?: boolean; format?: string }

export type Program = (ctx: Json) => unknown
const programs = new Map<string, Program | Error>()

/** A compiled expression (cached), or why it does not compile. */
export function compileCel(expr: string): Program | Error {
  let p = programs.get(expr)
  if (!p) {
    try {
      p = kubernetesCelEnvironment().parse(rewriteOptionalValue(rewriteHas(expr))) as unknown as Program
    } catch (err) {
      p = err instanceof Error ? err : new Error(String(err))
    }
    programs.set(expr, p)
  }
  return p
}

/**
 * `has(e.f)` where `e` is not a plain field path (`has(self.items[0].name)`): valid CEL that
 * cel-js's macro refuses; the same test is written `(e).?f.hasValue()` for it. String literals
 * are skipped; nested calls are rewritten inside out.
 */
export function rewriteHas(expr: string): string {
  return rewriteCode(expr, (i) => {
    if (!expr.startsWith('has(', i) || /[\w.]/.test(expr[i - 1] ?? '')) return undefined
    const close = matchingParen(expr, i + 3)
    if (close < 0) return undefined
    const arg = rewriteHas(expr.slice(i + 4, close))
    const m = /^([\s\S]*?)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(arg)
    const plainPath = /^\s*[A-Za-z_][A-Za-z0-9_]*(\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*\s*$/
    return { text: m && !plainPath.test(arg) ? `((${m[1]}).?${m[2]}.hasValue())` : `has(${arg})`, end: close + 1 }
  })
}

/**
 * `opt.value()`: cel-js cannot compare what it returns (`self >= oldSelf.value()` fails on its
 * operator overloads), so it is read as `opt.__value__()`, the same value typed dyn.
 */
export function rewriteOptionalValue(expr: string): string {
  return rewriteCode(expr, (i) => {
    const m = /^\.\s*value\s*\(\s*\)/.exec(expr.slice(i, i + 40))
    return m ? { text: '.__value__()', end: i + m[0].length } : undefined
  })
}

/** `expr` with what `at(i)` replaces, tried at every position outside string literals. */
function rewriteCode(expr: string, at: (i: number) => { text: string; end: number } | undefined): string {
  let out = ''
  for (let i = 0; i < expr.length; ) {
    const c = expr[i]
    const hit = c === '"' || c === "'" ? { text: expr.slice(i, stringEnd(expr, i)), end: stringEnd(expr, i) } : at(i)
    if (hit) {
      out += hit.text
      i = hit.end
    } else out += expr[i++]
  }
  return out
}

function stringEnd(s: string, start: number): number {
  const q = s[start]
  const triple = s.startsWith(q.repeat(3), start)
  const raw = /[rR]/.test(s[start - 1] ?? '')
  for (let i = start + (triple ? 3 : 1); i < s.length; i++) {
    if (s[i] === '\\' && !raw) i++
    else if (triple ? s.startsWith(q.repeat(3), i) : s[i] === q) return i + (triple ? 3 : 1)
  }
  return s.length
}

function matchingParen(s: string, open: number): number {
  let depth = 0
  for (let i = open; i < s.length; i++) {
    const c = s[i]
    if (c === '"' || c === "'") i = stringEnd(s, i) - 1
    else if (c === '(' || c === '[' || c === '{') depth++
    else if (c === ')' || c === ']' || c === '}') {
      depth--
      if (depth === 0) return c === ')' ? i : -1
    }
  }
  return -1
}

// Property names CEL cannot spell are escaped as upstream's (apiserver/pkg/cel/escaping.go).
const celReserved = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while'])

/** The name a schema property has in CEL (`namespace` → `__namespace__`, `a-b` → `a__dash__b`). */
export function escapeCelProperty(name: string): string {
  if (celReserved.has(name)) return `__${name}__`
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return name
  return name.replace(/__|\.|-|\//g, (m) => ({ __: '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' })[m]!)
}

/** Why a rule does not compile (a syntax error), or undefined: CRD validation refuses such rules. */
export function celCompileError(expr: string): string | undefined {
  const p = compileCel(expr)
  return p instanceof Error ? p.message.split('\n')[0] : undefined
}

/** A JSON value as CEL sees it under its schema (see the header). */
export function toCel(v: unknown, s: CelSchema | undefined): unknown {
  if (v === null || v === undefined) return v
  if (typeof v === 'number') {
    if (s?.type === 'number') return v
    return Number.isInteger(v) ? BigInt(v) : v
  }
  if (typeof v === 'string') {
    if (s?.type === 'string' && s.format === 'date-time') {
      const t = Date.parse(v)
      if (!Number.isNaN(t)) return new Date(t)
    }
    if (s?.type === 'string' && s.format === 'duration') {
      try {
        return kubernetesCelEnvironment().evaluate('duration(d)', { d: v })
      } catch {
        return v
      }
    }
    return v
  }
  if (Array.isArray(v)) return v.map((x) => toCel(x, s?.items as CelSchema | undefined))
  if (isObj(v)) {
    const props = s?.properties ?? {}
    const ap = isObj(s?.additionalProperties) ? (s.additionalProperties as CelSchema) : undefined
    const out: Json = {}
    for (const [k, x] of Object.entries(v)) {
      if (Object.hasOwn(props, k)) out[escapeCelProperty(k)] = toCel(x, props[k] as CelSchema)
      else out[k] = toCel(x, ap)
    }
    return out
  }
  return v
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

function vars(v: unknown, s: Schema, old: unknown, optionalOldSelf = false): Json {
  // With optionalOldSelf, oldSelf is an optional: none on create or where nothing correlates.
  if (optionalOldSelf) return { self: toCel(v, s), oldSelf: old === undefined ? Optional.none() : Optional.of(toCel(old, s)) }
  return { self: toCel(v, s), ...(old !== undefined ? { oldSelf: toCel(old, s) } : {}) }
}

function check(v: unknown, s: Schema, old: unknown, r: Rule, path: string, errs: FieldError[]): void {
  if (!r || typeof r.rule !== 'string') return
  const transition = /\boldSelf\b/.test(r.rule)
  if (transition && old === undefined && !r.optionalOldSelf) return
  const at = r.fieldPath ? `${path}${r.fieldPath.startsWith('.') || r.fieldPath.startsWith('[') ? '' : '.'}${r.fieldPath}`.replace(/^\./, '') : path
  const field = at || '<nil>'
  const program = compileCel(r.rule)
  let result: unknown
  try {
    if (program instanceof Error) throw program
    result = program(vars(v, s, old, r.optionalOldSelf === true))
  } catch (err) {
    errs.push({ type: 'FieldValueInvalid', field, value: typeText(s, v), detail: `${(err as Error).message.split('\n')[0]} evaluating rule: ${r.rule}` })
    return
  }
  if (result === true) return
  let message = r.message || `failed rule: ${r.rule}`
  if (r.messageExpression) {
    const m = compileCel(r.messageExpression)
    try {
      const out = m instanceof Error ? undefined : m(vars(v, s, old, r.optionalOldSelf === true))
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
