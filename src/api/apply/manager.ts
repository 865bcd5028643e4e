// The field manager's name: where it comes from and what it may contain
// (apiserver handlers' managerOrUserAgent, apimachinery's ValidateFieldManager and
// ValidatePatchOptions).

import { forbidden, invalid, required, tooLong, type FieldError } from '../../apis/validation.js'

/** Upstream's FieldManagerMaxLength, in bytes. */
export const fieldManagerMaxLength = 128

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

/**
 * The manager name upstream derives when `fieldManager` is absent: the User-Agent up to its first
 * '/', without unprintable characters, cut to 128 bytes.
 * `kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9` → `kubectl`.
 */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const prefix = (userAgent ?? '').split('/')[0]
  let out = ''
  let bytes = 0
  for (const ch of prefix) {
    if (!printable.test(ch)) continue
    const n = Buffer.byteLength(ch)
    if (bytes + n > fieldManagerMaxLength) break
    out += ch
    bytes += n
  }
  return out
}

/** `fieldManager` when given, else the User-Agent's prefix (upstream's managerOrUserAgent). */
export function managerOrUserAgent(fieldManager: string | undefined, userAgent: string | undefined): string {
  return fieldManager ? fieldManager : managerFromUserAgent(userAgent)
}

/**
 * Upstream's ValidateFieldManager, plus the apply rule that the name is required. The API layer
 * reports these as `<Kind>Options.meta.k8s.io "" is invalid: ...` (PatchOptions for patches).
 */
export function validateFieldManager(fieldManager: string | undefined, opts: { apply?: boolean } = {}): FieldError[] {
  const errs: FieldError[] = []
  const name = fieldManager ?? ''
  if (opts.apply && name === '') errs.push(required('fieldManager', 'is required for apply patch'))
  if (Buffer.byteLength(name) > fieldManagerMaxLength) errs.push(tooLong('fieldManager', fieldManagerMaxLength))
  let position = 0
  for (const ch of name) {
    if (!printable.test(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
      errs.push(invalid('fieldManager', name, `invalid character U+${code} (at position ${position})`))
    }
    position += Buffer.byteLength(ch)
  }
  return errs
}

/** `force` belongs to apply only (upstream's ValidatePatchOptions). */
export function validateForce(forceGiven: boolean, isApply: boolean): FieldError[] {
  return !isApply && forceGiven ? [forbidden('force', 'may not be specified for non-apply patch')] : []
}
