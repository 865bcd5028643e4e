// Path elements as managedFields writes them (structured-merge-diff's fieldpath package):
//
//   f:<name>            a field of a struct or a key of a map          `f:replicas`
//   k:<json object>     an item of a list-map, by its key fields       `k:{"name":"web"}`
//   v:<json value>      an item of a set list, by its value            `v:"example.com/protect"`
//   i:<index>           an item of an atomic list (never owned alone)  `i:0`
//
// The serialized string is canonical (key fields sorted by name, Go-style JSON), so two elements
// are equal exactly when their strings are equal; the string is what we keep everywhere.

/** A JSON value as it travels on the wire. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export function isJsonObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * JSON as Go's encoder writes it: compact, and `<`, `>`, `&`, U+2028, U+2029 escaped
 * (json-iterator in "compatible with the standard library" mode does the same). Object keys keep
 * the caller's order, so callers sort them first where upstream sorts.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

export const fieldElement = (name: string): string => `f:${name}`

/** `k:{...}` with the key fields sorted by name, as upstream's FieldList.Sort does. */
export function keyElement(fields: [string, Json][]): string {
  const sorted = [...fields].sort((a, b) => compareBytes(a[0], b[0]))
  return `k:{${sorted.map(([n, v]) => `${goJson(n)}:${goJson(v)}`).join(',')}}`
}

export const valueElement = (value: Json): string => `v:${goJson(value)}`

export type ParsedElement =
  | { type: 'field'; name: string }
  | { type: 'key'; fields: [string, Json][] }
  | { type: 'value'; value: Json }
  | { type: 'index'; index: number }

/** Parses a serialized element; undefined for kinds this version does not know (upstream drops those). */
export function parseElement(pe: string): ParsedElement | undefined {
  const body = pe.slice(2)
  try {
    switch (pe.slice(0, 2)) {
      case 'f:':
        return { type: 'field', name: body }
      case 'k:': {
        const obj: unknown = JSON.parse(body)
        if (!isJsonObject(obj)) return undefined
        return { type: 'key', fields: Object.entries(obj).sort((a, b) => compareBytes(a[0], b[0])) }
      }
      case 'v:':
        return { type: 'value', value: JSON.parse(body) as Json }
      case 'i:': {
        if (!/^-?\d+$/.test(body)) return undefined
        return { type: 'index', index: Number(body) }
      }
    }
  } catch {
    return undefined
  }
  return undefined
}

/** Upstream's PathElement.String(): `.name`, `[name="web"]`, `[="x"]`, `[0]`. */
export function elementToString(pe: string): string {
  const p = parseElement(pe)
  if (!p) return '{{invalid path element}}'
  switch (p.type) {
    case 'field':
      return `.${p.name}`
    case 'key':
      return `[${p.fields.map(([n, v]) => `${n}=${valueToString(v)}`).join(',')}]`
    case 'value':
      return `[=${valueToString(p.value)}]`
    case 'index':
      return `[${p.index}]`
  }
}

/** A path as upstream prints it in conflicts: `.spec.template.spec.containers[name="web"].image`. */
export function pathToString(path: readonly string[]): string {
  return path.map(elementToString).join('')
}

/** Upstream's value.ToString: Go `%q` for strings, `%v` for numbers, maps as concatenated k=v. */
function valueToString(v: Json): string {
  if (v === null) return 'null'
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`
  return Object.keys(v)
    .sort(compareBytes)
    .map((k) => `${k}=${valueToString(v[k])}`)
    .join('')
}

/** Go compares strings byte-wise (UTF-8); JavaScript compares UTF-16 units. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

const typeRank = { field: 0, key: 1, value: 2, index: 3 } as const

/** Upstream's PathElement.Compare: fields < keys < values < indexes, then by content. */
export function compareElements(a: string, b: string): number {
  if (a === b) return 0
  const pa = parseElement(a)
  const pb = parseElement(b)
  if (!pa || !pb) return compareBytes(a, b)
  if (pa.type !== pb.type) return typeRank[pa.type] - typeRank[pb.type]
  switch (pa.type) {
    case 'field':
      return compareBytes(pa.name, (pb as { name: string }).name)
    case 'key':
      return compareFieldLists(pa.fields, (pb as { fields: [string, Json][] }).fields)
    case 'value':
      return compareValues(pa.value, (pb as { value: Json }).value)
    case 'index':
      return Math.sign(pa.index - (pb as { index: number }).index)
  }
}

function compareFieldLists(a: [string, Json][], b: [string, Json][]): number {
  for (let i = 0; ; i++) {
    if (i >= a.length && i >= b.length) return 0
    if (i >= a.length) return -1
    if (i >= b.length) return 1
    const c = compareBytes(a[i][0], b[i][0]) || compareValues(a[i][1], b[i][1])
    if (c !== 0) return c
  }
}

/** Upstream's total order on values: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: Json, b: Json): number {
  const rank = (v: Json): number =>
    typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : Array.isArray(v) ? 3 : v === null ? 5 : 4
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return ra - rb
  if (typeof a === 'number') return Math.sign(a - (b as number))
  if (typeof a === 'string') return compareBytes(a, b as string)
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1
  if (Array.isArray(a)) {
    const bl = b as Json[]
    for (let i = 0; ; i++) {
      if (i >= a.length && i >= bl.length) return 0
      if (i >= a.length) return -1
      if (i >= bl.length) return 1
      const c = compareValues(a[i], bl[i])
      if (c !== 0) return c
    }
  }
  if (a === null) return 0
  const bm = b as { [k: string]: Json }
  return compareFieldLists(
    Object.entries(a).sort((x, y) => compareBytes(x[0], y[0])),
    Object.entries(bm).sort((x, y) => compareBytes(x[0], y[0])),
  )
}

/** Deep equality of JSON values (map key order does not matter; 1 and 1.0 are equal). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => jsonEqual(v, b[i]))
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false
    const ka = Object.keys(a)
    if (ka.length !== Object.keys(b).length) return false
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]))
  }
  return false
}
