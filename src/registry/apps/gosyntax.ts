// Upstream prints a field error's bad value with Go's `%#v` when it is neither a string, a number,
// a bool nor a fmt.Stringer (k8s.io/apimachinery/pkg/util/validation/field.Error.ErrorBody), so
// messages kubectl shows read `Invalid value: map[string]string{"app":"web"}: ...`. These helpers
// render the few Go values our validators report, byte for byte as Go does.
import type { FieldError } from '../../apis/validation.js'
import { isObj } from '../../lib/guards.js'

type Obj = Record<string, unknown>

/** Go's strconv.Quote for the characters that occur in practice (ASCII escapes, \u/\U for the rest). */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\x07') out += '\\a'
    else if (ch === '\b') out += '\\b'
    else if (ch === '\f') out += '\\f'
    else if (ch === '\v') out += '\\v'
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`
    else out += ch
  }
  return out + '"'
}

function goScalar(v: unknown): string {
  if (typeof v === 'string') return goQuote(v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return goQuote(v === undefined || v === null ? '' : JSON.stringify(v))
}

/** `map[string]string{"a":"1", "b":"2"}` (keys sorted, as fmt does), `map[string]string(nil)` when absent. */
export function goStringMap(m: unknown): string {
  if (!isObj(m)) return 'map[string]string(nil)'
  const keys = Object.keys(m).sort()
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goScalar(m[k])}`).join(', ')}}`
}

/** `[]string{"a", "b"}`, `[]string(nil)` when absent. */
export function goStringSlice(a: unknown): string {
  if (!Array.isArray(a)) return '[]string(nil)'
  return `[]string{${a.map(goScalar).join(', ')}}`
}

/** metav1.LabelSelector as `%#v` prints it (the pointer is dereferenced by ErrorBody). */
export function goLabelSelector(ls: unknown): string {
  if (!isObj(ls)) return 'null'
  const exprs = Array.isArray(ls.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${ls.matchExpressions
        .map((e) => {
          const r = isObj(e) ? e : {}
          return `v1.LabelSelectorRequirement{Key:${goScalar(r.key ?? '')}, Operator:${goScalar(r.operator ?? '')}, Values:${goStringSlice(r.values)}}`
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)'
  return `v1.LabelSelector{MatchLabels:${goStringMap(ls.matchLabels)}, MatchExpressions:${exprs}}`
}

/** intstr.IntOrString (its String method has a pointer receiver, so `%#v` applies). */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`
  const n = typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0
  return `intstr.IntOrString{Type:0, IntVal:${n}, StrVal:""}`
}

/**
 * A nil or non-nil Go pointer inside a `%#v` struct. Go prints the address of a non-nil one; any
 * fixed address stands in for it (the real value differs on every run anyway).
 */
export function goPointer(type: string, present: boolean): string {
  return present ? `(*${type})(0xc000010000)` : `(*${type})(nil)`
}

/** apps.DeploymentStrategy (internal type, as validation sees it). */
export function goDeploymentStrategy(s: unknown): string {
  const o = isObj(s) ? s : {}
  return `apps.DeploymentStrategy{Type:${goScalar(o.type ?? '')}, RollingUpdate:${goPointer('apps.RollingUpdateDeployment', o.rollingUpdate != null)}}`
}

/** `[]byte{0x7b, 0x7d}` for the raw JSON of a runtime.RawExtension. */
export function goRawExtension(data: unknown): string {
  if (data === undefined || data === null) return 'runtime.RawExtension{Raw:[]uint8(nil), Object:runtime.Object(nil)}'
  const bytes = Buffer.from(JSON.stringify(data), 'utf8')
  const hex = [...bytes].map((b) => `0x${b.toString(16)}`).join(', ')
  return `runtime.RawExtension{Raw:[]uint8{${hex}}, Object:runtime.Object(nil)}`
}

export function goInvalid(field: string, value: unknown, valueText: string, detail?: string): FieldError {
  return { type: 'FieldValueInvalid', field, value, valueText, detail }
}

export function goNotSupported(field: string, value: unknown, valueText: string, valid: readonly string[]): FieldError {
  const detail = valid.length ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}` : undefined
  return { type: 'FieldValueNotSupported', field, value, valueText, detail }
}
