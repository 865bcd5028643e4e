// The Swagger 2.0 document (JSON) → gnostic's openapi.v2.Document in protobuf, driven by the
// message tables in messages.ts (see openapi-v2-proto.ts for the rules gnostic's compiler follows).
import { isObj as isObject } from '../../lib/guards.js'
import { WireType } from '../protobuf/wire.js'
import { WireWriter } from '../protobuf/writer.js'
import { messages, oneofs, type FieldType, type MessageName } from './messages.js'
import { toYAML } from './yaml.js'

type Json = Record<string, unknown>

/** Encodes `value` as message `name`; undefined when it does not fit (the field is left out). */
function encodeMessage(name: MessageName, value: unknown): Uint8Array | undefined {
  const w = new WireWriter()
  switch (name) {
    case 'AdditionalPropertiesItem':
      if (typeof value === 'boolean') w.bool(2, value) // a oneof member: written even when false
      else if (isObject(value)) w.bytes(1, encodeMessage('Schema', value)!)
      else return undefined
      return w.finish()
    case 'TypeItem':
      if (typeof value === 'string') w.string(1, value)
      else if (Array.isArray(value) && value.every((t) => typeof t === 'string')) for (const t of value) w.string(1, t)
      else return undefined
      return w.finish()
    case 'ItemsItem':
      for (const s of Array.isArray(value) ? value : [value]) {
        const b = isObject(s) ? encodeMessage('Schema', s) : undefined
        if (!b) return undefined
        w.bytes(1, b)
      }
      return w.finish()
    case 'StringArray':
      if (!Array.isArray(value)) return undefined
      for (const s of value) w.string(1, typeof s === 'string' ? s : '')
      return w.finish()
  }
  if (Object.hasOwn(oneofs, name)) {
    const pick = oneofs[name](value)
    if (!pick) return undefined
    const b = encodeMessage(pick[1], value)
    if (!b) return undefined
    w.bytes(pick[0], b)
    return w.finish()
  }
  if (!isObject(value)) return undefined
  if (!Object.hasOwn(messages, name)) return undefined
  const desc = messages[name]
  const entries = Object.entries(value)
  // One pass per field number, in order, as Go's proto.Marshal writes them.
  const slots: [number, () => void][] = []
  for (const [key, [field, type]] of Object.entries(desc.fields ?? {})) {
    if (!Object.hasOwn(value, key) || value[key] === undefined) continue
    slots.push([field, () => writeField(w, field, type, value[key])])
  }
  if (desc.ext !== undefined) {
    const ext = desc.ext
    slots.push([ext, () => {
      for (const [k, v] of entries) if (k.startsWith('x-') && v !== undefined) w.bytes(ext, named(k, encodeAny(v)))
    }])
  }
  if (desc.named) {
    const { field, value: type, pattern } = desc.named
    slots.push([field, () => {
      for (const [k, v] of entries) {
        if (v === undefined || (pattern && !pattern.test(k))) continue
        const inner = new WireWriter()
        inner.string(1, k)
        writeField(inner, 2, type, v)
        w.bytes(field, inner.finish())
      }
    }])
  }
  slots.sort((a, b) => a[0] - b[0])
  for (const [, write] of slots) write()
  return w.finish()
}

function named(name: string, value: Uint8Array): Uint8Array {
  const w = new WireWriter()
  w.string(1, name)
  w.bytes(2, value)
  return w.finish()
}

/** gnostic's Any: the value as YAML in field 2 (`google.protobuf.Any value = 1` stays unset). */
function encodeAny(v: unknown): Uint8Array {
  const w = new WireWriter()
  w.string(2, toYAML(v))
  return w.finish()
}

function writeField(w: WireWriter, field: number, type: FieldType, v: unknown): void {
  if (type.endsWith('[]')) {
    if (!Array.isArray(v)) return
    const one = type.slice(0, -2)
    for (const item of v) {
      if (one === 'string') {
        if (typeof item === 'string') w.string(field, item)
      } else writeField(w, field, one, item)
    }
    return
  }
  switch (type) {
    case 'string':
      if (typeof v === 'string' && v !== '') w.string(field, v)
      return
    case 'bool':
      if (v === true) w.bool(field, true)
      return
    case 'double':
      if (typeof v === 'number' && !Object.is(v, 0)) w.double(field, v)
      return
    case 'int64':
      if (typeof v === 'number' && Number.isInteger(v) && v !== 0) {
        w.tag(field, WireType.varint)
        w.int64(v)
      }
      return
    case 'any':
      w.bytes(field, encodeAny(v))
      return
    default: {
      const b = encodeMessage(type, v)
      if (b) w.bytes(field, b)
    }
  }
}

/** Encodes a Swagger 2.0 document (as JSON) as gnostic's `openapi.v2.Document`. */
export function encodeOpenAPIV2(doc: Json): Buffer {
  const b = encodeMessage('Document', doc) ?? new Uint8Array(0)
  return Buffer.from(b.buffer, b.byteOffset, b.length)
}
