// Argo Rollouts' hashes (utils/hash.ComputePodTemplateHash, conditions.ComputeStepHash): FNV-32a of
// Go's encoding/json output of the value, printed in decimal and mapped onto the name alphabet.
// Unlike the Deployment controller's hash (spew of the Go struct), Argo hashes JSON, so the exact
// bytes matter: keys in Go struct order, zero values of fields without omitempty written out
// (`"creationTimestamp":null`, `"resources":{}`), map keys sorted, `<`, `>`, `&` escaped.
// PodTemplateSpec's field order and omitempty flags come from the Go-type table in apis/gotypes.
import { messageSpec, type FieldSpec } from '../../apis/gotypes/schema.js'
import { fnv32a, safeEncode } from '../../lib/hash.js'
import { isObj } from '../../lib/guards.js'

type Json = Record<string, unknown>

/** JSON.stringify of a string as Go writes it (HTML-safe escaping). */
export function goString(s: string): string {
  return JSON.stringify(s).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

/** Go's json.Marshal of an untyped value (map[string]interface{}: keys sorted). */
export function goJSONValue(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'string') return goString(v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return `[${v.map(goJSONValue).join(',')}]`
  const keys = Object.keys(v as Json).sort()
  return `{${keys.map((k) => `${goString(k)}:${goJSONValue((v as Json)[k])}`).join(',')}}`
}

const zeroScalar = (type: string): unknown => (type === 'string' || type === 'bytes' ? '' : type === 'bool' ? false : 0)

function isEmptyScalar(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === 0 || v === false
}

function fieldValue(f: FieldSpec, v: unknown): string | undefined {
  if (f.label === 'repeated') {
    if (!Array.isArray(v) || v.length === 0) return f.omitempty ? undefined : Array.isArray(v) ? '[]' : 'null'
    return `[${v.map((x) => single(f, x)).join(',')}]`
  }
  if (f.label === 'map') {
    if (!isObj(v) || Object.keys(v).length === 0) return f.omitempty ? undefined : isObj(v) ? '{}' : 'null'
    const keys = Object.keys(v).sort()
    return `{${keys.map((k) => `${goString(k)}:${single(f, v[k])}`).join(',')}}`
  }
  if (f.pointer) return v === undefined || v === null ? (f.omitempty || true ? undefined : 'null') : single(f, v)
  if (f.kind === 'message') return goJSONMessage(isObj(v) ? v : {}, f.type)
  if (f.kind === 'special') {
    // Structs: omitempty never leaves them out.
    if (f.type === 'Time' || f.type === 'MicroTime') return typeof v === 'string' && v !== '' ? goString(v) : 'null'
    if (f.type === 'IntOrString') return v === undefined || v === null ? '0' : goJSONValue(v)
    if (f.type === 'Quantity') return v === undefined || v === null ? '"0"' : goJSONValue(String(v))
    return goJSONValue(v ?? null)
  }
  if (f.omitempty && isEmptyScalar(v)) return undefined
  return goJSONValue(v ?? zeroScalar(f.type))
}

function single(f: FieldSpec, v: unknown): string {
  if (f.kind === 'message') return isObj(v) ? goJSONMessage(v, f.type) : 'null'
  if (f.kind === 'special') {
    if (f.type === 'Quantity') return goJSONValue(v === undefined || v === null ? '0' : String(v))
    return goJSONValue(v ?? null)
  }
  return goJSONValue(v ?? zeroScalar(f.type))
}

/** Go's json.Marshal of `obj` as the Go type `message` of the table (`core.PodTemplateSpec`). */
export function goJSONMessage(obj: Json, message: string): string {
  const spec = messageSpec(message)
  if (!spec) return goJSONValue(obj)
  const parts: string[] = []
  for (const f of spec.fields) {
    if (f.inline) {
      const inner = goJSONMessage(obj, f.type)
      if (inner.length > 2) parts.push(inner.slice(1, -1))
      continue
    }
    const out = fieldValue(f, obj[f.json])
    if (out !== undefined) parts.push(`${goString(f.json)}:${out}`)
  }
  return `{${parts.join(',')}}`
}

function encodeHash(h: number): string {
  return safeEncode(String(h >>> 0))
}

/**
 * ComputePodTemplateHash: the `rollouts-pod-template-hash` of a Rollout's pod template, with
 * status.collisionCount mixed in when set (8 bytes: the count's 4 little-endian bytes and 4 zeros,
 * as Argo writes its whole 8-byte buffer).
 */
export function podTemplateHash(template: unknown, collisionCount?: number | null): string {
  let h = fnv32a(goJSONMessage(isObj(template) ? template : {}, 'core.PodTemplateSpec'))
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = Buffer.alloc(8)
    b.writeUInt32LE(collisionCount >>> 0)
    for (const byte of b) {
      h ^= byte
      h = Math.imul(h, 0x01000193) >>> 0
    }
  }
  return encodeHash(h)
}

/** ComputeStepHash: the hash of spec.strategy.canary.steps (status.currentStepHash). */
export function stepHash(steps: unknown): string {
  return encodeHash(fnv32a(Array.isArray(steps) ? goJSONValueOrdered(steps) : 'null'))
}

/** Go struct order of Argo's CanaryStep and the types inside it that steps commonly use. */
const stepOrder = ['setWeight', 'pause', 'experiment', 'analysis', 'setCanaryScale', 'setHeaderRoute', 'setMirrorRoute', 'plugin']

function goJSONValueOrdered(steps: unknown[]): string {
  return `[${steps
    .map((s) => {
      if (!isObj(s)) return 'null'
      const keys = [...stepOrder.filter((k) => s[k] !== undefined && s[k] !== null), ...Object.keys(s).filter((k) => !stepOrder.includes(k)).sort()]
      return `{${keys.map((k) => `${goString(k)}:${goJSONValue(s[k])}`).join(',')}}`
    })
    .join(',')}]`
}
