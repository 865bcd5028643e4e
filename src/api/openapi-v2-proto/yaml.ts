// YAML for Any values, shaped like yaml.v3's block output (4-space indent; a mapping inside a
// sequence item starts after its "- "). Strings that would read back as something else are
// double-quoted; multi-line strings too (yaml.v3 would use a literal block; both read the same).
import { isObj as isObject } from '../../lib/guards.js'

const plainUnsafe = /^(?:\.\.\.|<<)|^[\s\-?:,[\]{}#&*!|>'"%@`]|[\s]$|: |:$| #|[\u0000-\u001f\u007f\u0085\u2028\u2029\ufeff]/
const otherScalar = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?)$/

function yamlScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : v > 0 ? '.inf' : v < 0 ? '-.inf' : '.nan'
  const s = String(v)
  if (s === '' || otherScalar.test(s) || s.includes('\n')) return JSON.stringify(s)
  if (plainUnsafe.test(s)) return /[\u0000-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(s) ? JSON.stringify(s) : `'${s.replaceAll("'", "''")}'`
  return s
}

function isEmptyCollection(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0)
}

/** Lines of `v` in block style at `indent`; `inSeq`: the first line follows a "- " already written. */
function yamlBlock(v: unknown, indent: number, out: string[], firstPrefix: string): void {
  const pad = ' '.repeat(indent)
  if (Array.isArray(v) && v.length > 0) {
    let prefix = firstPrefix
    for (const item of v) {
      const lead = prefix + '- '
      if (Array.isArray(item) && item.length > 0) yamlBlock(item, indent + 2, out, lead)
      else if (isObject(item) && Object.keys(item).length > 0) yamlBlock(item, indent + 2, out, lead)
      else out.push(lead + yamlInline(item))
      prefix = pad
    }
    return
  }
  if (isObject(v) && Object.keys(v).length > 0) {
    let prefix = firstPrefix
    const next = 4 * Math.floor((indent + 4) / 4)
    for (const [k, item] of Object.entries(v)) {
      const key = `${prefix}${yamlScalar(k)}:`
      if ((Array.isArray(item) || isObject(item)) && !isEmptyCollection(item)) {
        out.push(key)
        yamlBlock(item, next, out, ' '.repeat(next))
      } else out.push(`${key} ${yamlInline(item)}`)
      prefix = pad
    }
    return
  }
  out.push(firstPrefix + yamlInline(v))
}

function yamlInline(v: unknown): string {
  if (Array.isArray(v)) return '[]'
  if (isObject(v)) return '{}'
  return yamlScalar(v)
}

/** `v` as YAML text ending in a newline, as gnostic stores it in an Any. */
export function toYAML(v: unknown): string {
  const out: string[] = []
  yamlBlock(v, 0, out, '')
  return out.join('\n') + '\n'
}
