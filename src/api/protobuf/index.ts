// Kubernetes protobuf request bodies (`Content-Type: application/vnd.kubernetes.protobuf`), which
// `kubectl create deployment|service|namespace|configmap|secret|serviceaccount` sends with no way to
// ask for JSON. The body is the magic `k8s\0`, then a runtime.Unknown envelope
// {typeMeta{apiVersion=1, kind=2}=1, raw=2, contentEncoding=3, contentType=4} whose `raw` is the
// object's own message. We decode it into the JSON object a JSON client would have sent.
import type { KObject } from '../../apis/meta.js'
import { decodeMessageBytes } from './decode.js'
import { ProtobufError, unsupportedMediaTypeMessage } from './errors.js'
import { messageForKind } from '../../apis/gotypes/schema.js'
import { decodeString } from './special.js'
import { WireReader, WireType } from './wire.js'

export {
  ProtobufError,
  acceptedMediaTypes,
  decodeErrorMessage,
  summarizeBody,
  unsupportedMediaTypeMessage,
  type ProtobufErrorReason,
} from './errors.js'

export const protobufMediaType = 'application/vnd.kubernetes.protobuf'

/** `k8s\0`, the prefix of every Kubernetes protobuf body. */
const magic = [0x6b, 0x38, 0x73, 0x00]

export interface TypeMeta {
  apiVersion: string
  kind: string
}

/** runtime.Unknown, the envelope. */
export interface ProtobufEnvelope {
  typeMeta: TypeMeta
  raw: Uint8Array
  contentEncoding: string
  contentType: string
}

function readString(r: WireReader, wire: number, field: string): string {
  if (wire !== WireType.bytes) throw new ProtobufError(`proto: wrong wireType = ${wire} for field ${field}`)
  return decodeString(r.bytes())
}

function readTypeMeta(b: Uint8Array): TypeMeta {
  const r = new WireReader(b)
  const out: TypeMeta = { apiVersion: '', kind: '' }
  while (!r.done) {
    const { field, wire, key } = r.tag()
    if (wire === WireType.endGroup) throw new ProtobufError('proto: TypeMeta: wiretype end group for non-group')
    if (field <= 0) throw new ProtobufError(`proto: TypeMeta: illegal tag ${field} (wire type ${key})`)
    if (field === 1) out.apiVersion = readString(r, wire, 'APIVersion')
    else if (field === 2) out.kind = readString(r, wire, 'Kind')
    else r.skip(wire)
  }
  return out
}

/** Checks the magic and reads the runtime.Unknown envelope (upstream protobuf.Serializer.Decode). */
export function readEnvelope(body: Uint8Array): ProtobufEnvelope {
  if (body.length === 0) throw new ProtobufError('empty data')
  if (body.length < magic.length || magic.some((b, i) => body[i] !== b)) {
    throw new ProtobufError(`provided data does not appear to be a protobuf message, expected prefix [${magic.join(' ')}]`)
  }
  if (body.length === magic.length) throw new ProtobufError('empty body')
  const r = new WireReader(body, magic.length)
  const env: ProtobufEnvelope = { typeMeta: { apiVersion: '', kind: '' }, raw: new Uint8Array(0), contentEncoding: '', contentType: '' }
  while (!r.done) {
    const { field, wire, key } = r.tag()
    if (wire === WireType.endGroup) throw new ProtobufError('proto: Unknown: wiretype end group for non-group')
    if (field <= 0) throw new ProtobufError(`proto: Unknown: illegal tag ${field} (wire type ${key})`)
    switch (field) {
      case 1:
        if (wire !== WireType.bytes) throw new ProtobufError(`proto: wrong wireType = ${wire} for field TypeMeta`)
        env.typeMeta = readTypeMeta(r.bytes())
        break
      case 2:
        if (wire !== WireType.bytes) throw new ProtobufError(`proto: wrong wireType = ${wire} for field Raw`)
        env.raw = r.bytes()
        break
      case 3:
        env.contentEncoding = readString(r, wire, 'ContentEncoding')
        break
      case 4:
        env.contentType = readString(r, wire, 'ContentType')
        break
      default:
        r.skip(wire)
    }
  }
  return env
}

function goTypeMeta(t: TypeMeta): string {
  return `runtime.TypeMeta{APIVersion:${JSON.stringify(t.apiVersion)}, Kind:${JSON.stringify(t.kind)}}`
}

/** True for a value made only of empty objects (`{}`, `{loadBalancer: {}}`). */
function isHollow(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isHollow)
}

/**
 * Decodes a protobuf request body into the JSON object (with apiVersion and kind). `defaults` fills
 * an envelope's missing apiVersion/kind, as upstream does from the request's resource. An empty
 * top-level `status` (Go always writes the struct) is left out. Throws ProtobufError: code 400 for
 * an unreadable body, 415 for a kind we have no protobuf schema for.
 */
export function decodeProtobufObject(body: Uint8Array, defaults?: TypeMeta): KObject {
  const env = readEnvelope(body)
  const typeMeta = { ...env.typeMeta }
  if (defaults) {
    if (!typeMeta.kind) typeMeta.kind = defaults.kind
    if (!typeMeta.apiVersion) typeMeta.apiVersion = defaults.apiVersion
  }
  const { apiVersion, kind } = typeMeta
  if (!kind) throw new ProtobufError(`Object 'Kind' is missing in '${goTypeMeta(env.typeMeta)}'`, { apiVersion })
  if (!apiVersion) throw new ProtobufError(`Object 'apiVersion' is missing in '${goTypeMeta(env.typeMeta)}'`, { kind })
  const message = messageForKind(apiVersion, kind)
  if (!message) throw new ProtobufError(unsupportedMediaTypeMessage(), { reason: 'UnsupportedMediaType', apiVersion, kind })
  let fields: Record<string, unknown>
  try {
    fields = decodeMessageBytes(env.raw, message)
  } catch (err) {
    if (err instanceof ProtobufError) throw new ProtobufError(err.message, { apiVersion, kind })
    throw err
  }
  if (isHollow(fields.status)) delete fields.status
  return { apiVersion, kind, ...fields }
}
