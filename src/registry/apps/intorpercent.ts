// intstr.IntOrString fields of rolling updates (maxSurge, maxUnavailable): upstream's
// ValidatePositiveIntOrPercent, getIntOrPercentValue and IsNotMoreThan100Percent
// (pkg/apis/apps/validation).
import type { FieldError } from '../../apis/validation.js'
import { invalid } from '../../apis/validation.js'
import { goIntOrString, goInvalid } from './gosyntax.js'
import { percentValue } from '../../lib/intstr.js'
import { negativeMsg } from './workload.js'

const percentFmt = '[0-9]+%'
const percentRe = /^[0-9]+%$/
const percentMsg = `a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '${percentFmt}')`

export function validatePositiveIntOrPercent(v: unknown, field: string): FieldError[] {
  if (typeof v === 'string') return percentRe.test(v) ? [] : [goInvalid(field, v, goIntOrString(v), percentMsg)]
  if (typeof v === 'number') return v < 0 ? [invalid(field, Math.trunc(v), negativeMsg)] : []
  // Upstream's `%%` is not a format verb here: the message really has two percent signs.
  return [goInvalid(field, v, goIntOrString(v), "must be an integer or percentage (e.g '5%%')")]
}

/** getIntOrPercentValue: the percent number, the int, or strconv.Atoi of another string (0 on error). */
export function intOrPercentValue(v: unknown): number {
  const p = percentValue(v)
  if (p !== undefined) return p
  if (typeof v === 'number') return Math.trunc(v)
  if (typeof v === 'string' && /^[+-]?[0-9]+$/.test(v)) return Number.parseInt(v, 10)
  return 0
}

export function isNotMoreThan100Percent(v: unknown, field: string): FieldError[] {
  const p = percentValue(v)
  return p === undefined || p <= 100 ? [] : [goInvalid(field, v, goIntOrString(v), 'must not be greater than 100%')]
}
