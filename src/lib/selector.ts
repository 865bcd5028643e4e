// Label and field selectors: the string forms clients send (`app=web,tier in (a,b),!canary`),
// metav1.LabelSelector objects, matching, and upstream's string formatting.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js'
import { isQualifiedName, isValidLabelValue } from './names.js'

export type Operator = 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=' | 'gt' | 'lt'

export interface Requirement {
  key: string
  operator: Operator
  values: string[]
}

/** A parsed label selector: every requirement must hold. Empty matches everything. */
export type Selector = Requirement[]

export class SelectorError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SelectorError'
  }
}

function matchRequirement(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key)
  const v = labels[r.key]
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(v)
    case '!=':
    case 'notin':
      return !has || !r.values.includes(v)
    case 'exists':
      return has
    case '!':
      return !has
    case 'gt':
    case 'lt': {
      if (!has) return false
      const n = Number(v)
      if (!Number.isInteger(n)) return false
      const bound = Number(r.values[0])
      return r.operator === 'gt' ? n > bound : n < bound
    }
  }
}

export function matches(selector: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {}
  return selector.every((r) => matchRequirement(r, l))
}

// ---- parsing the string form (k8s.io/apimachinery/pkg/labels.Parse) -------------------------

type Token = { kind: 'id' | 'op' | '(' | ')' | ',' | '!'; text: string }

function tokenize(s: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const isIdChar = (c: string) => !' \t\n,()!=<>'.includes(c)
  while (i < s.length) {
    const c = s[i]
    if (c === ' ' || c === '\t' || c === '\n') { i++; continue }
    if (c === '(' || c === ')' || c === ',') { tokens.push({ kind: c, text: c }); i++; continue }
    if (c === '!' && s[i + 1] === '=') { tokens.push({ kind: 'op', text: '!=' }); i += 2; continue }
    if (c === '!') { tokens.push({ kind: '!', text: '!' }); i++; continue }
    if (c === '=' && s[i + 1] === '=') { tokens.push({ kind: 'op', text: '==' }); i += 2; continue }
    if (c === '=' || c === '<' || c === '>') { tokens.push({ kind: 'op', text: c }); i++; continue }
    let j = i
    while (j < s.length && isIdChar(s[j])) j++
    tokens.push({ kind: 'id', text: s.slice(i, j) })
    i = j
  }
  return tokens
}

function validateKey(key: string): void {
  const errs = isQualifiedName(key)
  if (errs.length) throw new SelectorError(`unable to parse requirement: key: Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}`)
}

function validateValue(key: string, value: string, index: number): void {
  const errs = isValidLabelValue(value)
  if (errs.length) throw new SelectorError(`unable to parse requirement: values[${index}][${key}]: Invalid value: ${JSON.stringify(value)}: ${errs.join('; ')}`)
}

/** Parse a label selector string. Throws SelectorError with upstream-like wording. */
export function parseLabelSelector(s: string): Selector {
  const tokens = tokenize(s)
  const reqs: Requirement[] = []
  let i = 0
  const peek = () => tokens[i]
  const next = () => tokens[i++]
  const fail = (msg: string): never => { throw new SelectorError(msg) }
  while (i < tokens.length) {
    let t = next()
    if (t.kind === '!') {
      const k = next()
      if (!k || k.kind !== 'id') fail(`found '${k?.text ?? ''}', expected: identifier after '!'`)
      validateKey(k.text)
      reqs.push({ key: k.text, operator: '!', values: [] })
    } else if (t.kind === 'id') {
      const key = t.text
      validateKey(key)
      const op = peek()
      if (!op || op.kind === ',') {
        reqs.push({ key, operator: 'exists', values: [] })
      } else if (op.kind === 'op') {
        next()
        const v = peek()
        let value = ''
        if (v && v.kind === 'id') { value = v.text; next() }
        const operator: Operator = op.text === '>' ? 'gt' : op.text === '<' ? 'lt' : (op.text as Operator)
        if (operator === 'gt' || operator === 'lt') {
          if (!/^-?\d+$/.test(value)) fail(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`)
        } else validateValue(key, value, 0)
        reqs.push({ key, operator, values: [value] })
      } else if (op.kind === 'id' && (op.text === 'in' || op.text === 'notin')) {
        next()
        if (next()?.kind !== '(') fail(`found '${tokens[i - 1]?.text ?? ''}', expected: '('`)
        const values: string[] = []
        for (;;) {
          t = next()
          if (!t) fail(`found '', expected: ')'`)
          if (t.kind === ')') break
          if (t.kind === ',') { if (values.length === 0 || tokens[i - 2]?.kind === ',') values.push(''); continue }
          if (t.kind !== 'id') fail(`found '${t.text}', expected: ',', ')' or identifier`)
          validateValue(key, t.text, values.length)
          values.push(t.text)
        }
        if (op.text === 'in' && values.length === 0) fail(`unable to parse requirement: values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`)
        reqs.push({ key, operator: op.text as Operator, values })
      } else {
        fail(`found '${op.text}', expected: '=', '!=', '==', 'in', notin'`)
      }
    } else {
      fail(`found '${t.text}', expected: !, identifier, or 'end of string'`)
    }
    const sep = peek()
    if (sep) {
      if (sep.kind !== ',') fail(`found '${sep.text}', expected: ',' or 'end of string'`)
      next()
      if (!peek()) fail(`found '', expected: identifier after ','`)
    }
  }
  return reqs
}

/** metav1.LabelSelector → Selector. An absent selector matches nothing; an empty one, everything. */
export function fromLabelSelector(ls: LabelSelector | undefined | null): Selector | undefined {
  if (!ls) return undefined
  const reqs: Requirement[] = []
  for (const [key, value] of Object.entries(ls.matchLabels ?? {})) reqs.push({ key, operator: '=', values: [String(value)] })
  for (const e of ls.matchExpressions ?? []) {
    const op = e.operator
    if (op === 'In') reqs.push({ key: e.key, operator: 'in', values: [...(e.values ?? [])] })
    else if (op === 'NotIn') reqs.push({ key: e.key, operator: 'notin', values: [...(e.values ?? [])] })
    else if (op === 'Exists') reqs.push({ key: e.key, operator: 'exists', values: [] })
    else if (op === 'DoesNotExist') reqs.push({ key: e.key, operator: '!', values: [] })
    else throw new SelectorError(`${JSON.stringify(op)} is not a valid label selector operator`)
  }
  return reqs
}

/** True if the LabelSelector matches the labels (nil selector: false; empty: true). */
export function labelSelectorMatches(ls: LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  const sel = fromLabelSelector(ls)
  return sel !== undefined && matches(sel, labels)
}

function formatRequirement(r: Requirement): string {
  const vals = [...r.values].sort()
  switch (r.operator) {
    case 'exists': return r.key
    case '!': return `!${r.key}`
    case 'in': return `${r.key} in (${vals.join(',')})`
    case 'notin': return `${r.key} notin (${vals.join(',')})`
    case 'gt': return `${r.key}>${r.values[0]}`
    case 'lt': return `${r.key}<${r.values[0]}`
    case '==': return `${r.key}==${r.values[0]}`
    default: return `${r.key}${r.operator}${r.values[0]}`
  }
}

/** Upstream's Selector.String(): requirements sorted by key, joined by commas. */
export function formatSelector(sel: Selector): string {
  return [...sel].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(formatRequirement).join(',')
}

/** metav1.FormatLabelSelector: `<none>` for an empty or absent selector. */
export function formatLabelSelector(ls: LabelSelector | undefined | null): string {
  if (!ls) return '<none>'
  const s = formatSelector(fromLabelSelector(ls) ?? [])
  return s === '' ? '<none>' : s
}

/** `k=v,k2=v2` sorted by key (upstream labels.Set.String / FormatLabels without `<none>`). */
export function formatLabels(labels: Record<string, string> | undefined): string {
  return Object.keys(labels ?? {}).sort().map((k) => `${k}=${labels![k]}`).join(',')
}

// ---- field selectors (k8s.io/apimachinery/pkg/fields) ------------------------------------------

export interface FieldRequirement {
  field: string
  operator: '=' | '!='
  value: string
}

/** Parse `a=b,c!=d` (also `==`), with `\` escapes for `,`, `=` and `!`. */
export function parseFieldSelector(s: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = []
  if (s.trim() === '') return reqs
  const parts: string[] = []
  let cur = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '\\' && i + 1 < s.length) { cur += c + s[i + 1]; i++; continue }
    if (c === ',') { parts.push(cur); cur = ''; continue }
    cur += c
  }
  parts.push(cur)
  const unescape = (x: string) => x.replace(/\\(.)/g, '$1')
  for (const part of parts) {
    const m = /^((?:\\.|[^=!\\])*)(==|=|!=)(.*)$/s.exec(part)
    if (!m) throw new SelectorError(`invalid selector: '${s}'; can't understand '${part}'`)
    reqs.push({ field: unescape(m[1].trim()), operator: m[2] === '!=' ? '!=' : '=', value: unescape(m[3].trim()) })
  }
  return reqs
}

export function fieldsMatch(reqs: FieldRequirement[], get: (field: string) => string | undefined): boolean {
  return reqs.every((r) => {
    const v = get(r.field) ?? ''
    return r.operator === '=' ? v === r.value : v !== r.value
  })
}
