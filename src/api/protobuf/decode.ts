// Decodes one protobuf message of the table into the JSON object upstream's Go types would marshal
// to (encoding/json over the struct gogo-protobuf filled in):
//
// * a pointer field is in the JSON exactly when it was on the wire (proto2 writes a set pointer even
//   when it points at zero: `replicas: 0` survives), a Go value with omitempty is left out when zero
//   (gogo writes `paused: false`, `stdin: false`, `""`, which JSON clients never see), and a Go value
//   without omitempty is always there (`containerPort: 0`);
// * a Go struct held by value is always there, `{}` when empty (`strategy: {}`, `resources: {}`),
//   exactly as `kubectl create --dry-run=client -o json` prints it; zero times are left out
//   (Go writes `null`); an absent repeated field or map is left out (Go writes `null` for some);
// * a non-pointer IntOrString with omitempty (ServicePort.targetPort) is left out when 0 or "",
//   which upstream treats as unset, rather than written as `0`;
// * a message field seen twice is merged (proto semantics: the encodings are concatenated), a
//   scalar seen twice keeps the last value, unknown fields are skipped;
// * int64 values become JS numbers, exact up to 2^53.
import { ProtobufError } from './errors.js'
import { isSpecialType, messageSpec, type FieldSpec, type MessageSpec } from '../../apis/gotypes/schema.js'
import { decodeSpecial, decodeString } from './special.js'
import { WireReader, WireType, i64ToNumber, u64ToNumber } from './wire.js'

/** Nesting guard; the deepest path in the table is about 15 messages. */
const maxDepth = 64

type Json = Record<string, unknown>

/** What was read for one field before conversion to JSON. */
interface Seen {
  /** single scalar: the last value */
  value?: unknown
  /** single message/special: every occurrence, merged at the end */
  chunks?: Uint8Array[]
  /** repeated: the converted elements */
  items?: unknown[]
  /** map: key → converted value */
  entries?: Map<string, unknown>
}

const varintTypes = new Set(['bool', 'int32', 'int64', 'uint32', 'uint64'])
const fixed64Types = new Set(['fixed64', 'sfixed64', 'double'])
const fixed32Types = new Set(['fixed32', 'sfixed32', 'float'])

function scalarWireType(type: string): number {
  if (varintTypes.has(type)) return WireType.varint
  if (fixed64Types.has(type)) return WireType.fixed64
  if (fixed32Types.has(type)) return WireType.fixed32
  return WireType.bytes
}

/** Go field names are the capitalised JSON names, near enough for an error message. */
function goName(f: FieldSpec): string {
  const name = f.json || 'Inline'
  return name[0].toUpperCase() + name.slice(1)
}

function wrongWire(f: FieldSpec, wire: number): ProtobufError {
  return new ProtobufError(`proto: wrong wireType = ${wire} for field ${goName(f)}`)
}

function shortName(spec: MessageSpec): string {
  return spec.name.slice(spec.name.indexOf('.') + 1)
}

function readScalar(r: WireReader, type: string): unknown {
  switch (type) {
    case 'bool': {
      const v = r.varint()
      return v.lo !== 0 || v.hi !== 0
    }
    case 'int32':
      return r.varint().lo | 0
    case 'uint32':
      return r.varint().lo
    case 'int64':
      return i64ToNumber(r.varint())
    case 'uint64':
      return u64ToNumber(r.varint())
    case 'fixed32':
      return r.fixed32()
    case 'sfixed32':
      return r.fixed32() | 0
    case 'float': {
      const dv = new DataView(new ArrayBuffer(4))
      dv.setUint32(0, r.fixed32(), true)
      return dv.getFloat32(0, true)
    }
    case 'fixed64':
      return u64ToNumber(r.fixed64())
    case 'sfixed64':
      return i64ToNumber(r.fixed64())
    case 'double': {
      const { lo, hi } = r.fixed64()
      const dv = new DataView(new ArrayBuffer(8))
      dv.setUint32(0, lo, true)
      dv.setUint32(4, hi, true)
      return dv.getFloat64(0, true)
    }
    case 'string':
      return decodeString(r.bytes())
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64')
    default:
      throw new Error(`protobuf schema: unknown scalar type ${type}`)
  }
}

function zeroScalar(type: string): unknown {
  if (type === 'string' || type === 'bytes') return ''
  if (type === 'bool') return false
  return 0
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false
}

/** Converts one complete element (message, special or scalar payload) of a field's type. */
function convertElement(type: string, b: Uint8Array, depth: number): unknown {
  if (isSpecialType(type)) return decodeSpecial(type, b)
  return decodeMessageBytes(b, type, depth + 1)
}

/** A map entry: key = 1 (string), value = 2 (the field's type). Missing parts are zero values. */
function readMapEntry(b: Uint8Array, f: FieldSpec, depth: number): [string, unknown] {
  const r = new WireReader(b)
  let key = ''
  let value: unknown
  let chunks: Uint8Array[] | undefined
  while (!r.done) {
    const { field, wire } = r.tag()
    if (field === 1) {
      if (wire !== WireType.bytes) throw new ProtobufError(`proto: wrong wireType = ${wire} for field key`)
      key = decodeString(r.bytes())
    } else if (field === 2) {
      if (f.kind === 'scalar') {
        if (wire !== scalarWireType(f.type)) throw new ProtobufError(`proto: wrong wireType = ${wire} for field value`)
        value = readScalar(r, f.type)
      } else {
        if (wire !== WireType.bytes) throw new ProtobufError(`proto: wrong wireType = ${wire} for field value`)
        ;(chunks ??= []).push(r.bytes())
      }
    } else {
      if (wire === WireType.endGroup) throw new ProtobufError('proto: wiretype end group for non-group')
      r.skip(wire)
    }
  }
  if (f.kind === 'scalar') return [key, value ?? zeroScalar(f.type)]
  const merged = chunks ? lastOrMerged(f.type, chunks) : new Uint8Array(0)
  const converted = convertElement(f.type, merged, depth)
  // A zero Time in a map would be null in Go; keep the key with null rather than dropping it.
  return [key, converted === undefined ? null : converted]
}

/** Messages merge (concatenated encodings); upstream's custom special decoders keep the last. */
function lastOrMerged(type: string, chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]
  if (isSpecialType(type) && type !== 'IntOrString') return chunks[chunks.length - 1]
  return Buffer.concat(chunks)
}

function readField(r: WireReader, f: FieldSpec, wire: number, seen: Seen, depth: number): void {
  if (f.label === 'map') {
    if (wire !== WireType.bytes) throw wrongWire(f, wire)
    const [k, v] = readMapEntry(r.bytes(), f, depth)
    ;(seen.entries ??= new Map()).set(k, v)
    return
  }
  if (f.kind !== 'scalar') {
    if (wire !== WireType.bytes) throw wrongWire(f, wire)
    const b = r.bytes()
    if (f.label === 'repeated') {
      const v = convertElement(f.type, b, depth)
      ;(seen.items ??= []).push(v === undefined ? null : v)
    } else (seen.chunks ??= []).push(b)
    return
  }
  const want = scalarWireType(f.type)
  if (wire === want) {
    const v = readScalar(r, f.type)
    if (f.label === 'repeated') (seen.items ??= []).push(v)
    else seen.value = v
    return
  }
  // Repeated numbers may come packed in one length-delimited field.
  if (f.label === 'repeated' && wire === WireType.bytes && want !== WireType.bytes) {
    const b = r.bytes()
    const inner = new WireReader(b)
    const items = (seen.items ??= [])
    while (!inner.done) items.push(readScalar(inner, f.type))
    return
  }
  throw wrongWire(f, wire)
}

/** The JSON value of a field, or undefined when the JSON leaves it out. */
function fieldValue(f: FieldSpec, seen: Seen | undefined, depth: number): unknown {
  if (f.label === 'repeated') return seen?.items
  if (f.label === 'map') {
    if (!seen?.entries) return undefined
    const out: Json = {}
    for (const k of [...seen.entries.keys()].sort()) out[k] = seen.entries.get(k)
    return out
  }
  if (f.kind === 'scalar') {
    if (seen && 'value' in seen) {
      if (f.pointer) return seen.value
      return f.omitempty && isZero(seen.value) ? undefined : seen.value
    }
    return f.pointer || f.omitempty ? undefined : zeroScalar(f.type)
  }
  if (!seen?.chunks) {
    if (f.pointer) return undefined
    // A Go value that was not on the wire is its zero value.
    if (f.kind === 'special') {
      if (f.type === 'Quantity') return '0'
      if (f.type === 'IntOrString') return f.omitempty ? undefined : 0
      return undefined
    }
    return decodeMessageBytes(new Uint8Array(0), f.type, depth + 1)
  }
  const v = convertElement(f.type, lastOrMerged(f.type, seen.chunks), depth)
  if (f.type === 'IntOrString' && f.omitempty && !f.pointer && (v === 0 || v === '')) return undefined
  return v
}

function decodeWithSpec(b: Uint8Array, spec: MessageSpec, depth: number): Json {
  if (depth > maxDepth) throw new ProtobufError(`proto: ${shortName(spec)}: message nested too deeply`)
  const r = new WireReader(b)
  const seen = new Map<number, Seen>()
  while (!r.done) {
    const { field, wire, key } = r.tag()
    if (wire === WireType.endGroup) throw new ProtobufError(`proto: ${shortName(spec)}: wiretype end group for non-group`)
    if (field <= 0) throw new ProtobufError(`proto: ${shortName(spec)}: illegal tag ${field} (wire type ${key})`)
    const f = spec.byNumber.get(field)
    if (!f) {
      r.skip(wire)
      continue
    }
    let s = seen.get(field)
    if (!s) seen.set(field, (s = {}))
    readField(r, f, wire, s, depth)
  }
  const out: Json = {}
  const inlined: Json[] = []
  for (const f of spec.fields) {
    const v = fieldValue(f, seen.get(f.num), depth)
    if (v === undefined) continue
    if (f.inline) inlined.push(v as Json)
    else out[f.json] = v
  }
  // Go promotes an embedded struct's fields; the outer struct's own fields win a name clash.
  for (const inner of inlined) for (const [k, v] of Object.entries(inner)) if (!(k in out)) out[k] = v
  return out
}

/** Decodes `b` as the table message `name` (e.g. 'apps.Deployment') into its JSON object. */
export function decodeMessageBytes(b: Uint8Array, name: string, depth = 0): Json {
  const spec = messageSpec(name)
  if (!spec) throw new ProtobufError(`protobuf: no schema for message ${name}`)
  return decodeWithSpec(b, spec, depth)
}
