// Field errors and the name/label rules every kind shares, with upstream's exact wording
// (k8s.io/apimachinery/pkg/util/validation and .../validation/field).

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

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?'
const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const labelValueFmt = `(${qualifiedNameFmt})?`

const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`)
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`)
const dns1035LabelRe = new RegExp(`^${dns1035LabelFmt}$`)
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`)
const labelValueRe = new RegExp(`^${labelValueFmt}$`)

function regexError(msg: string, fmt: string, examples: string[]): string {
  let s = msg + ' (e.g. '
  s += examples.map((e) => `'${e}'`).join(',  or ')
  return `${s}, regex used for validation is '${fmt}')`
}

const maxLenMsg = (n: number) => `must be no more than ${n} characters`

/** Problems with a DNS-1123 label (max 63), as upstream words them; [] when valid. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = []
  if (value.length > 63) errs.push(maxLenMsg(63))
  if (!dns1123LabelRe.test(value))
    errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", dns1123LabelFmt, ['my-name', '123-abc']))
  return errs
}

/** Problems with a DNS-1123 subdomain (max 253). */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = []
  if (value.length > 253) errs.push(maxLenMsg(253))
  if (!dns1123SubdomainRe.test(value))
    errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", dns1123SubdomainFmt, ['example.com']))
  return errs
}

/** Problems with a DNS-1035 label (Service names: must start with a letter). */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = []
  if (value.length > 63) errs.push(maxLenMsg(63))
  if (!dns1035LabelRe.test(value))
    errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", dns1035LabelFmt, ['my-name', 'abc-123']))
  return errs
}

/** Label keys, annotation keys, finalizers: `[prefix/]name`. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = []
  const parts = value.split('/')
  let name: string
  if (parts.length === 1) name = parts[0]
  else if (parts.length === 2) {
    const [prefix] = parts
    name = parts[1]
    if (prefix.length === 0) errs.push('prefix part must be non-empty')
    else for (const e of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${e}`)
  } else {
    return [regexError("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", qualifiedNameFmt, ['MyName', 'my.name', '123-abc']) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
  }
  if (name.length === 0) errs.push('name part must be non-empty')
  else if (name.length > 63) errs.push(`name part ${maxLenMsg(63)}`)
  if (!qualifiedNameRe.test(name))
    errs.push(`name part ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", qualifiedNameFmt, ['MyName', 'my.name', '123-abc'])}`)
  return errs
}

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = []
  if (value.length > 63) errs.push(maxLenMsg(63))
  if (!labelValueRe.test(value))
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelValueFmt, ['MyValue', 'my_value', '12345']))
  return errs
}

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
