// The one error the protobuf decoder throws. `code`/`reason` say which metav1.Status to answer:
// a body we cannot read is the client's mistake (400 BadRequest); a well-formed envelope naming a
// kind we have no protobuf schema for is answered like upstream answers protobuf for a custom
// resource (415 UnsupportedMediaType).

export type ProtobufErrorReason = 'BadRequest' | 'UnsupportedMediaType'

/** Media types accepted for a request body whose kind has no protobuf schema here. */
export const acceptedMediaTypes = ['application/json', 'application/yaml'] as const

export class ProtobufError extends Error {
  override readonly name = 'ProtobufError'
  readonly code: 400 | 415
  readonly reason: ProtobufErrorReason
  /** The envelope's apiVersion and kind, once they have been read. */
  readonly apiVersion?: string
  readonly kind?: string

  constructor(message: string, opts: { reason?: ProtobufErrorReason; apiVersion?: string; kind?: string } = {}) {
    super(message)
    this.reason = opts.reason ?? 'BadRequest'
    this.code = this.reason === 'UnsupportedMediaType' ? 415 : 400
    if (opts.apiVersion !== undefined) this.apiVersion = opts.apiVersion
    if (opts.kind !== undefined) this.kind = opts.kind
  }
}

/** Upstream's negotiation.errUnsupportedMediaType wording. */
export function unsupportedMediaTypeMessage(accepted: readonly string[] = acceptedMediaTypes): string {
  return `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`
}

// gogo-protobuf's own error texts (generated.pb.go), so messages read like upstream's.
export const wireErrors = {
  unexpectedEOF: 'unexpected EOF',
  intOverflow: 'proto: integer overflow',
  negativeLength: 'proto: negative length found during unmarshaling',
  unexpectedEndOfGroup: 'proto: unexpected end of group',
} as const

/** Upstream handlers.summarizeData: the start of a body, as text if it looks like JSON, else hex. */
export function summarizeBody(body: Uint8Array, maxLength = 30): string {
  if (body.length === 0) return '<empty>'
  const head = Buffer.from(body.subarray(0, maxLength))
  const more = body.length > maxLength ? ' ...' : ''
  return body[0] === 0x7b ? head.toString('utf8') + more : head.toString('hex') + more
}

/**
 * The message of the 400 BadRequest Status for a body that failed to decode, as upstream's
 * handlers.transformDecodeError words it. `targetKind` is the kind the endpoint serves.
 */
export function decodeErrorMessage(err: ProtobufError, body: Uint8Array, targetKind: string): string {
  if (err.kind) {
    const version = err.apiVersion?.slice(err.apiVersion.indexOf('/') + 1) ?? ''
    return `${err.kind} in version ${JSON.stringify(version)} cannot be handled as a ${targetKind}: ${err.message}`
  }
  return `the object provided is unrecognized (must be of type ${targetKind}): ${err.message} (${summarizeBody(body)})`
}
