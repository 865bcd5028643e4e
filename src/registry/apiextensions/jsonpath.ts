// The JSONPath subset CRDs use in additionalPrinterColumns and the scale subresource, evaluated as
// k8s.io/client-go/util/jsonpath does: `.spec.replicas`, `.items[0].name`, `.spec['a.b']`,
// `.list[*].x`, and filters `.status.conditions[?(@.type=="Ready")].status`. Returns every match,
// in order; a missing field matches nothing.

import { isObj } from '../../lib/guards.js'

type Json = Record<string, unknown>

type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string[]; op: '==' | '!='; value: unknown } | { path: string[]; exists: true } }

/** Parses a path (with or without the `{...}` braces kubectl shows); throws on syntax it does not know. */
export function parseJsonPath(path: string): Step[] {
  let p = path.trim()
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1)
  const steps: Step[] = []
  let i = 0
  while (i < p.length) {
    const c = p[i]
    if (c === '.') {
      i++
      let j = i
      while (j < p.length && p[j] !== '.' && p[j] !== '[') j++
      const field = p.slice(i, j)
      if (field === '*') steps.push({ all: true })
      else if (field) steps.push({ field })
      i = j
    } else if (c === '[') {
      const end = matchingBracket(p, i)
      const inner = p.slice(i + 1, end).trim()
      i = end + 1
      if (inner === '*') steps.push({ all: true })
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) })
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) })
      else if (inner.startsWith('?(') && inner.endsWith(')')) steps.push({ filter: parseFilter(inner.slice(2, -1)) })
      else throw new Error(`unrecognized JSONPath subscript [${inner}]`)
    } else if (c === '$' || c === '@') i++
    else throw new Error(`unrecognized character in JSONPath at ${i}: ${c}`)
  }
  return steps
}

function matchingBracket(p: string, open: number): number {
  let depth = 0
  let quote: string | undefined
  for (let i = open; i < p.length; i++) {
    const c = p[i]
    if (quote) {
      if (c === quote) quote = undefined
      continue
    }
    if (c === '"' || c === "'") quote = c
    else if (c === '[') depth++
    else if (c === ']' && --depth === 0) return i
  }
  throw new Error('unterminated [ in JSONPath')
}

function parseFilter(expr: string): { path: string[]; op: '==' | '!='; value: unknown } | { path: string[]; exists: true } {
  const m = /^@((?:\.[^.=!\s]+)+)\s*(==|!=)\s*(.+)$/.exec(expr.trim())
  if (!m) {
    const e = /^@((?:\.[^.=!\s]+)+)$/.exec(expr.trim())
    if (e) return { path: e[1].slice(1).split('.'), exists: true }
    throw new Error(`unrecognized JSONPath filter ${expr}`)
  }
  const raw = m[3].trim()
  let value: unknown
  if (/^'.*'$/.test(raw)) value = raw.slice(1, -1)
  else if (/^".*"$/.test(raw)) value = raw.slice(1, -1)
  else if (raw === 'true' || raw === 'false') value = raw === 'true'
  else if (!Number.isNaN(Number(raw))) value = Number(raw)
  else value = raw
  return { path: m[1].slice(1).split('.'), op: m[2] as '==' | '!=', value }
}

function get(v: unknown, path: string[]): unknown {
  let cur = v
  for (const p of path) {
    if (!isObj(cur)) return undefined
    cur = cur[p]
  }
  return cur
}

const cache = new Map<string, Step[] | Error>()

/** Every value `path` selects in `obj` ([] when nothing matches or the path cannot be parsed). */
export function evalJsonPath(obj: unknown, path: string): unknown[] {
  let steps = cache.get(path)
  if (!steps) {
    try {
      steps = parseJsonPath(path)
    } catch (err) {
      steps = err as Error
    }
    cache.set(path, steps)
  }
  if (steps instanceof Error) return []
  let cur: unknown[] = [obj]
  for (const s of steps) {
    const next: unknown[] = []
    for (const v of cur) {
      if ('field' in s) {
        if (isObj(v) && v[s.field] !== undefined) next.push(v[s.field])
      } else if ('index' in s) {
        if (Array.isArray(v)) {
          const i = s.index < 0 ? v.length + s.index : s.index
          if (i >= 0 && i < v.length) next.push(v[i])
        }
      } else if ('all' in s) {
        if (Array.isArray(v)) next.push(...v)
        else if (isObj(v)) next.push(...Object.values(v))
      } else {
        const items = Array.isArray(v) ? v : isObj(v) ? Object.values(v) : []
        for (const item of items) {
          const f = s.filter
          const x = get(item, f.path)
          if ('exists' in f ? x !== undefined : f.op === '==' ? x === f.value : x !== undefined && x !== f.value) next.push(item)
        }
      }
    }
    cur = next
  }
  return cur
}
