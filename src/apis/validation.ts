// Field errors and the name/label rules every kind shares, with upstream's exact wording
// (k8s.io/apimachinery/pkg/util/validation and .../validation/field). The string checks of names
// and label values are lib/names.ts's (label selectors use them too), re-exported here.
import { isQualifiedName, isValidLabelValue } from '../lib/names.js'

export { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../lib/names.js'

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueNotFound'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'InternalError'

export interface FieldError {
  type: FieldErrorType
  /** Dotted path as upstream prints it: `spec.template.spec.containers[0].image`. */
  field: string
  value?: unknown
  /**
   * The value as upstream prints it, when JSON would differ from Go's `%#v`
   * (e.g. `map[string]string{"app":"web"}`); wins over `value` in messages.
   */
  valueText?: string
  detail?: string
}

const typeText: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueNotFound: 'Not found',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
  InternalError: 'Internal error',
}

/** Types whose message never shows the value (upstream omits it). */
const omitValue = new Set<FieldErrorType>(['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong', 'InternalError'])

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  return JSON.stringify(value)
}

/** What follows `field: ` in upstream's `field.Error.Error()`. */
export function fieldErrorBody(err: FieldError): string {
  let s = typeText[err.type]
  if (!omitValue.has(err.type)) {
    if (err.valueText !== undefined) s += `: ${err.valueText}`
    else if (err.value !== undefined) s += `: ${formatValue(err.value)}`
  }
  if (err.detail) s += `: ${err.detail}`
  return s
}

export function fieldErrorMessage(err: FieldError): string {
  return `${err.field}: ${fieldErrorBody(err)}`
}

/** Upstream's aggregate: one error alone, or `[a, b]`. */
export function aggregateMessage(errs: FieldError[]): string {
  const msgs = errs.map(fieldErrorMessage)
  return msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`
}

export const required = (field: string, detail?: string): FieldError => ({ type: 'FieldValueRequired', field, detail })
export const notFound = (field: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field, value })
export const invalid = (field: string, value: unknown, detail?: string): FieldError => ({ type: 'FieldValueInvalid', field, value, detail })
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail })
export const duplicate = (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, value })
export const tooLong = (field: string, max: number): FieldError => ({ type: 'FieldValueTooLong', field, detail: `may not be more than ${max} bytes` })
export const tooMany = (field: string, actual: number, max: number): FieldError => ({ type: 'FieldValueTooMany', field, value: actual, detail: `must have at most ${max} items` })
export function notSupported(field: string, value: unknown, valid: readonly string[]): FieldError {
  const detail = valid.length ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}` : undefined
  return { type: 'FieldValueNotSupported', field, value, detail }
}

// ---- names and labels --------------------------------------------------------------------

export function validateLabels(labels: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const e of isQualifiedName(k)) errs.push(invalid(field, k, e))
    if (typeof v !== 'string') errs.push(invalid(`${field}[${k}]`, v, 'must be a string'))
    else for (const e of isValidLabelValue(v)) errs.push(invalid(field, v, e))
  }
  return errs
}

const totalAnnotationSizeLimit = 256 * 1024

export function validateAnnotations(annotations: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = []
  let total = 0
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const e of isQualifiedName(k.toLowerCase())) errs.push(invalid(field, k, e))
    total += k.length + (typeof v === 'string' ? v.length : 0)
  }
  if (total > totalAnnotationSizeLimit) errs.push(tooLong(field, totalAnnotationSizeLimit))
  return errs
}

/** A validator for object names: returns upstream's messages, [] when valid. */
export type NameValidator = (name: string) => string[]

export function isValidPortNumber(n: unknown): boolean {
  return Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535
}

export const portRangeMsg = 'must be between 1 and 65535, inclusive'
