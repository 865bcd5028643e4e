// Go `%#v` renderings for the few non-scalar values core validation reports, carried as
// `valueText` on a field error (the same convention as registry/apps/gosyntax.ts; the shared
// fieldErrorBody is asked to print valueText instead of the JSON value when present).
import type { FieldError } from '../../apis/validation.js'

export type GoFieldError = FieldError & { valueText: string }

export function withGoValue(err: FieldError, valueText: string): GoFieldError {
  return { ...err, valueText }
}

export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, (_m, h: string) => `\\x${h.slice(2)}`)
}

/** `[]string{"a", "b"}`, `[]string(nil)` when absent. */
export function goStringSlice(a: unknown): string {
  if (!Array.isArray(a)) return '[]string(nil)'
  return `[]string{${a.map((x) => goQuote(String(x))).join(', ')}}`
}

/** core.ServicePort as the duplicate-port error prints its (protocol, port) key. */
export function goServicePortKey(protocol: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`
}
