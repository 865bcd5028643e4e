// Go's fmt rendering of decoded JSON values, so error messages read exactly as upstream's: the
// strategicpatch errors format maps and lists with %v (`map: map[image:nginx] does not contain
// declared merge key: name`) and directive values with %s (`unknown patch type: %!s(int64=1) in map:
// ...`). Upstream decodes JSON integers as int64 and other numbers as float64 (sigs.k8s.io/json
// UnmarshalCaseSensitivePreserveInts), so a JS integer prints as int64 here.

/** The Go dynamic type a decoded JSON value has on the server. */
export type GoType = 'nil' | 'string' | 'bool' | 'int64' | 'float64' | 'map' | 'slice'

export function goTypeOf(v: unknown): GoType {
  if (v === null || v === undefined) return 'nil'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64'
  if (Array.isArray(v)) return 'slice'
  return 'map'
}

/** reflect.TypeOf(v) printed with %s, as mergepatch.ErrBadArgType does. */
export function goTypeName(v: unknown): string {
  switch (goTypeOf(v)) {
    case 'nil':
      return '%!s(<nil>)'
    case 'map':
      return 'map[string]interface {}'
    case 'slice':
      return '[]interface {}'
    default:
      return goTypeOf(v)
  }
}

/** strconv.FormatFloat(f, 'g', -1, 64), which is what %v prints for a float64. */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN'
  if (f === Infinity) return '+Inf'
  if (f === -Infinity) return '-Inf'
  // toExponential() gives the shortest digits that round-trip, like Go's shortest formatting.
  const [mant, expStr] = f.toExponential().split('e')
  const exp = Number(expStr)
  const neg = mant.startsWith('-')
  const digits = mant.replace('-', '').replace('.', '')
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp))
    return `${neg ? '-' : ''}${m}e${exp < 0 ? '-' : '+'}${e}`
  }
  let out: string
  if (exp < 0) out = `0.${'0'.repeat(-exp - 1)}${digits}`
  else if (digits.length <= exp + 1) out = digits + '0'.repeat(exp + 1 - digits.length)
  else out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`
  return (neg ? '-' : '') + out
}

function goNumber(n: number): string {
  return Number.isInteger(n) ? BigInt(n).toString() : goFloat(n)
}

/** fmt's %v of a decoded JSON value: `map[a:1 b:[x y]]`, `<nil>`. Map keys print sorted, as fmt sorts them. */
export function goV(v: unknown): string {
  switch (goTypeOf(v)) {
    case 'nil':
      return '<nil>'
    case 'string':
      return v as string
    case 'bool':
      return String(v)
    case 'int64':
    case 'float64':
      return goNumber(v as number)
    case 'slice':
      return `[${(v as unknown[]).map(goV).join(' ')}]`
    case 'map': {
      const m = v as Record<string, unknown>
      return `map[${sortedKeys(m).map((k) => `${k}:${goV(m[k])}`).join(' ')}]`
    }
  }
}

/** fmt's %s of a decoded JSON value: non-strings print as `%!s(int64=1)`. */
export function goS(v: unknown): string {
  switch (goTypeOf(v)) {
    case 'nil':
      return '%!s(<nil>)'
    case 'string':
      return v as string
    case 'slice':
      return `[${(v as unknown[]).map(goS).join(' ')}]`
    case 'map': {
      const m = v as Record<string, unknown>
      return `map[${sortedKeys(m).map((k) => `${k}:${goS(m[k])}`).join(' ')}]`
    }
    default:
      return `%!s(${goTypeOf(v)}=${goV(v)})`
  }
}

function sortedKeys(m: Record<string, unknown>): string[] {
  // Go compares strings bytewise; for UTF-16 this differs only past the BMP, which is fine here.
  return Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
