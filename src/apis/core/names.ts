// Value rules of k8s.io/apimachinery/pkg/util/validation that the shared validation.ts does not
// carry yet (port names, config keys, env var names), with upstream's exact messages.
import { invalid, type FieldError } from '../validation.js'

/** Upstream RegexError: `msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')`. */
export function regexError(msg: string, fmt: string, examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`
}

export function isValidPortName(port: string): string[] {
  const errs: string[] = []
  if (port.length > 15) errs.push('must be no more than 15 characters')
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)')
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)')
  if (port.includes('--')) errs.push('must not contain consecutive hyphens')
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen')
  return errs
}

function hasChDirPrefix(value: string): string[] {
  if (value === '.') return ["must not be '.'"]
  if (value === '..') return ["must not be '..'"]
  if (value.startsWith('..')) return ["must not start with '..'"]
  return []
}

const configMapKeyFmt = '[-._a-zA-Z0-9]+'

/** Keys of ConfigMap/Secret data (upstream IsConfigMapKey). */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = []
  if (value.length > 253) errs.push('must be no more than 253 characters')
  if (!new RegExp(`^${configMapKeyFmt}$`).test(value))
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", configMapKeyFmt, ['key.name', 'KEY_NAME', 'key-name']))
  errs.push(...hasChDirPrefix(value))
  return errs
}

const envVarNameFmt = '[-._a-zA-Z][-._a-zA-Z0-9]*'

export function isEnvVarName(value: string): string[] {
  const errs: string[] = []
  if (!new RegExp(`^${envVarNameFmt}$`).test(value))
    errs.push(regexError("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit", envVarNameFmt, ['my.env-name', 'MY_ENV.NAME', 'MyEnvName1']))
  errs.push(...hasChDirPrefix(value))
  return errs
}
