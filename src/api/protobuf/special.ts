// Messages whose JSON form differs from their protobuf form (each has a custom MarshalJSON
// upstream): metav1.Time and MicroTime, intstr.IntOrString, resource.Quantity, metav1.FieldsV1.
import { ProtobufError } from './errors.js'
import type { SpecialType } from '../../apis/gotypes/kinds.js'
import { WireReader, WireType, i64ToNumber } from './wire.js'

/** Unix seconds of Go's zero time.Time (0001-01-01T00:00:00Z), which marshals as null. */
const goZeroTimeSeconds = -62135596800
/** Go's Time.MarshalJSON refuses years outside [0, 9999]. */
const minSeconds = -62167219200 // 0000-01-01T00:00:00Z
const maxSeconds = 253402300799 // 9999-12-31T23:59:59Z

const utf8 = new TextDecoder('utf-8')

export function decodeString(b: Uint8Array): string {
  return utf8.decode(b)
}

function expectWire(field: string, wire: number, want: number): void {
  if (wire !== want) throw new ProtobufError(`proto: wrong wireType = ${wire} for field ${field}`)
}

/** Reads a small message of varint/string fields: field number → last value. */
function readFields(msg: string, b: Uint8Array, kinds: Record<number, ['varint' | 'bytes', string]>): Map<number, unknown> {
  const r = new WireReader(b)
  const out = new Map<number, unknown>()
  while (!r.done) {
    const { field, wire, key } = r.tag()
    if (wire === WireType.endGroup) throw new ProtobufError(`proto: ${msg}: wiretype end group for non-group`)
    if (field <= 0) throw new ProtobufError(`proto: ${msg}: illegal tag ${field} (wire type ${key})`)
    const k = kinds[field]
    if (!k) {
      r.skip(wire)
      continue
    }
    if (k[0] === 'varint') {
      expectWire(k[1], wire, WireType.varint)
      out.set(field, r.varint())
    } else {
      expectWire(k[1], wire, WireType.bytes)
      out.set(field, r.bytes())
    }
  }
  return out
}

interface Timestamp {
  seconds: number
  nanos: number
}

function readTimestamp(b: Uint8Array): Timestamp {
  const f = readFields('Timestamp', b, { 1: ['varint', 'Seconds'], 2: ['varint', 'Nanos'] })
  const s = f.get(1) as { lo: number; hi: number } | undefined
  const n = f.get(2) as { lo: number; hi: number } | undefined
  return { seconds: s ? i64ToNumber(s) : 0, nanos: n ? n.lo | 0 : 0 }
}

function checkYear(seconds: number): void {
  if (seconds < minSeconds || seconds > maxSeconds) throw new ProtobufError('Time.MarshalJSON: year outside of range [0,9999]')
}

/** metav1.Time: seconds only (upstream drops nanos on decode); empty = zero time = left out. */
export function decodeTime(b: Uint8Array): string | undefined {
  if (b.length === 0) return undefined
  const { seconds } = readTimestamp(b)
  if (seconds === goZeroTimeSeconds) return undefined
  checkYear(seconds)
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** metav1.MicroTime: nanos truncated to microseconds; RFC 3339 with 6 fraction digits. */
export function decodeMicroTime(b: Uint8Array): string | undefined {
  if (b.length === 0) return undefined
  const t = readTimestamp(b)
  let nanos = t.nanos - (t.nanos % 1000) // Duration.Truncate rounds toward zero
  let seconds = t.seconds
  // time.Unix normalizes nanos into [0, 1e9).
  if (nanos < 0 || nanos >= 1e9) {
    const carry = Math.trunc(nanos / 1e9)
    seconds += carry
    nanos -= carry * 1e9
    if (nanos < 0) {
      nanos += 1e9
      seconds--
    }
  }
  if (seconds === goZeroTimeSeconds && nanos === 0) return undefined
  checkYear(seconds)
  const micros = String(Math.trunc(nanos / 1000)).padStart(6, '0')
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`)
}

/** intstr.IntOrString{type, intVal, strVal} → the number or the string. */
export function decodeIntOrString(b: Uint8Array): number | string {
  const f = readFields('IntOrString', b, { 1: ['varint', 'Type'], 2: ['varint', 'IntVal'], 3: ['bytes', 'StrVal'] })
  const type = f.has(1) ? i64ToNumber(f.get(1) as { lo: number; hi: number }) : 0
  if (type === 0) return f.has(2) ? (f.get(2) as { lo: number }).lo | 0 : 0
  if (type === 1) return f.has(3) ? decodeString(f.get(3) as Uint8Array) : ''
  throw new ProtobufError('impossible IntOrString.Type')
}

/** resource.splitREString: the shape ParseQuantity accepts (it checks the suffix further). */
const quantityShape = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/

/**
 * resource.Quantity{string} → its string, as sent (canonical form is the registry's business, as
 * for JSON bodies); a Quantity with no string is zero, "0". A malformed string fails as upstream's
 * ParseQuantity does.
 */
export function decodeQuantity(b: Uint8Array): string {
  const f = readFields('Quantity', b, { 1: ['bytes', 'String_'] })
  const raw = f.get(1) as Uint8Array | undefined
  if (!raw) return '0'
  const s = decodeString(raw)
  if (!quantityShape.test(s)) throw new ProtobufError(`quantities must match the regular expression '${quantityShape.source}'`)
  return s
}

/** metav1.FieldsV1{Raw}: Raw is JSON (the managed-fields set), returned parsed. */
export function decodeFieldsV1(b: Uint8Array): unknown {
  const f = readFields('FieldsV1', b, { 1: ['bytes', 'Raw'] })
  const raw = f.get(1) as Uint8Array | undefined
  if (!raw || raw.length === 0) return undefined
  try {
    return JSON.parse(decodeString(raw)) as unknown
  } catch {
    throw new ProtobufError('json: error calling MarshalJSON for type *v1.FieldsV1: invalid JSON in FieldsV1 raw')
  }
}

/** Decodes a special message; undefined means Go would write null (a zero time), so leave it out. */
export function decodeSpecial(type: SpecialType, b: Uint8Array): unknown {
  switch (type) {
    case 'Time':
      return decodeTime(b)
    case 'MicroTime':
      return decodeMicroTime(b)
    case 'IntOrString':
      return decodeIntOrString(b)
    case 'Quantity':
      return decodeQuantity(b)
    case 'FieldsV1':
      return decodeFieldsV1(b)
    case 'ExtraValue':
    case 'AuthenticationExtraValue':
      return decodeExtraValue(b)
  }
}

/** authorization/v1 and authentication/v1 ExtraValue: `repeated string items = 1` → the list itself. */
function decodeExtraValue(b: Uint8Array): string[] {
  const r = new WireReader(b)
  const out: string[] = []
  while (!r.done) {
    const { field, wire, key } = r.tag()
    if (wire === WireType.endGroup) throw new ProtobufError('proto: ExtraValue: wiretype end group for non-group')
    if (field <= 0) throw new ProtobufError(`proto: ExtraValue: illegal tag ${field} (wire type ${key})`)
    if (field !== 1) {
      r.skip(wire)
      continue
    }
    expectWire('Items', wire, WireType.bytes)
    out.push(decodeString(r.bytes()))
  }
  return out
}
