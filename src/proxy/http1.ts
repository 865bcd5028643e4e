// HTTP/1.x framing for the proxy's HTTP mode: is this connection HTTP (a request line), where does a
// request's head end, how is its body framed, and the same for responses. Pure: bytes in, facts out.
//
// The proxy forwards heads and bodies as the bytes it received (no re-serialisation), so it only
// needs to agree with the backend on where each message ends. To keep that agreement it is strict
// (RFC 9112): anything it does not understand — obs-fold, a Transfer-Encoding other than chunked,
// conflicting Content-Lengths, Content-Length with Transfer-Encoding, bare LF line ends — is
// `invalid`, and the caller hands the connection to the plain TCP relay, which never interprets
// a byte: no request smuggling through a disagreement, and no worse than the L4 relay.

/** Request methods llhttp knows (a request line must start with one). */
const methods = new Set([
  'ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK', 'M-SEARCH', 'MERGE', 'MKACTIVITY',
  'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'QUERY',
  'REBIND', 'REPORT', 'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE',
])
const longestMethod = 11

/** RFC 9110 §9.2.2: a request with one of these methods can be sent again with the same effect. */
export const idempotentMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

/** Longest request line the sniffer waits for, and longest head the parsers accept. */
export const maxRequestLine = 16 * 1024
export const maxHeadBytes = 64 * 1024

const CR = 0x0d
const LF = 0x0a
const SP = 0x20

/**
 * The first bytes of a connection: `http` when they start an HTTP/1.0 or 1.1 request line
 * (`GET / HTTP/1.1\r\n`), `other` when they cannot (TLS, a database's handshake, HTTP/2's
 * preface), `more` when too few bytes have arrived to tell.
 */
export function sniffRequest(buf: Buffer): 'http' | 'other' | 'more' {
  let i = 0
  for (; i < buf.length && i <= longestMethod; i++) {
    const c = buf[i]
    if (c === SP) break
    if (!((c >= 0x41 && c <= 0x5a) || c === 0x2d)) return 'other' // A-Z or '-'
  }
  if (i === buf.length) return i > longestMethod ? 'other' : 'more'
  if (buf[i] !== SP || !methods.has(buf.toString('latin1', 0, i))) return 'other'
  const eol = buf.indexOf(LF, i)
  if (eol < 0) return buf.length > maxRequestLine ? 'other' : 'more'
  if (eol === 0 || buf[eol - 1] !== CR) return 'other'
  return /^[A-Z-]+ [^\s]+ HTTP\/1\.[01]$/.test(buf.toString('latin1', 0, eol - 1)) ? 'http' : 'other'
}

export type BodyKind = 'none' | 'length' | 'chunked' | 'close'

export interface RequestHead {
  method: string
  /** Bytes of the head, including the blank line. */
  headLength: number
  body: BodyKind
  contentLength: number
  /** The client wants the connection kept after this exchange. */
  keepAlive: boolean
  /** CONNECT, Upgrade or Expect: the rest of the connection goes through a plain tunnel. */
  tunnel: boolean
}

export interface ResponseHead {
  status: number
  headLength: number
  body: BodyKind
  contentLength: number
  /** The backend keeps the connection after this response. */
  keepAlive: boolean
  /** The backend's `Keep-Alive: timeout=N` hint, in ms. */
  keepAliveTimeoutMs?: number
}

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

interface Fields {
  version: 0 | 1
  contentLength: string[]
  transferEncoding: string[]
  connection: string
  upgrade: boolean
  expect: boolean
  keepAliveHint?: string
}

/** Where the head ends (after its blank line), `more`, or `invalid` (too long, or bare-LF line ends). */
function headEnd(buf: Buffer): number | 'more' | 'invalid' {
  const end = buf.indexOf('\r\n\r\n', 0, 'latin1')
  if (end >= 0) return end + 4 > maxHeadBytes ? 'invalid' : end + 4
  if (buf.indexOf('\n\n', 0, 'latin1') >= 0 || buf.indexOf('\n\r\n', 0, 'latin1') >= 0) return 'invalid'
  return buf.length > maxHeadBytes ? 'invalid' : 'more'
}

/** The header fields the framing depends on; undefined when a line is malformed. */
function fields(lines: string[], version: 0 | 1): Fields | undefined {
  const f: Fields = { version, contentLength: [], transferEncoding: [], connection: '', upgrade: false, expect: false }
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]
    if (line === '') continue
    const colon = line.indexOf(':')
    if (colon <= 0) return undefined
    const name = line.slice(0, colon)
    if (!tokenRe.test(name)) return undefined // also rejects obs-fold (a line starting with SP/HTAB)
    if (/[\r\n\0]/.test(line)) return undefined
    const value = line.slice(colon + 1).trim()
    switch (name.toLowerCase()) {
      case 'content-length':
        f.contentLength.push(...value.split(',').map((v) => v.trim()))
        break
      case 'transfer-encoding':
        f.transferEncoding.push(...value.split(',').map((v) => v.trim().toLowerCase()))
        break
      case 'connection':
        f.connection += `,${value.toLowerCase()}`
        break
      case 'upgrade':
        f.upgrade = true
        break
      case 'expect':
        f.expect = true
        break
      case 'keep-alive':
        f.keepAliveHint = value
        break
    }
  }
  return f
}

const connectionHas = (f: Fields, token: string) => f.connection.split(',').some((t) => t.trim() === token)
const keepsAlive = (f: Fields) => (f.version === 1 ? !connectionHas(f, 'close') : connectionHas(f, 'keep-alive'))

/** One Content-Length value (repeats must agree), or undefined when malformed. */
function contentLength(values: string[]): number | undefined {
  if (values.some((v) => v !== values[0]) || !/^[0-9]{1,15}$/.test(values[0])) return undefined
  return Number(values[0])
}

/** Parse a request head at the start of `buf`. */
export function parseRequestHead(buf: Buffer): RequestHead | 'more' | 'invalid' {
  const end = headEnd(buf)
  if (typeof end !== 'number') return end
  const lines = buf.toString('latin1', 0, end - 4).split('\r\n')
  const m = /^([A-Z-]+) [^\s]+ HTTP\/1\.([01])$/.exec(lines[0])
  if (!m || !methods.has(m[1])) return 'invalid'
  const f = fields(lines, m[2] === '1' ? 1 : 0)
  if (!f) return 'invalid'
  const head: RequestHead = { method: m[1], headLength: end, body: 'none', contentLength: 0, keepAlive: keepsAlive(f), tunnel: m[1] === 'CONNECT' || f.upgrade || f.expect }
  if (f.transferEncoding.length) {
    // RFC 9112 §6.1: chunked must be the final coding of a request; with Content-Length too, or in
    // HTTP/1.0, the message is one a proxy must not forward as is.
    if (f.version === 0 || f.contentLength.length || f.transferEncoding.length !== 1 || f.transferEncoding[0] !== 'chunked') return 'invalid'
    head.body = 'chunked'
  } else if (f.contentLength.length) {
    const n = contentLength(f.contentLength)
    if (n === undefined) return 'invalid'
    head.body = n > 0 ? 'length' : 'none'
    head.contentLength = n
  }
  return head
}

/** Parse a response head at the start of `buf`, for a request made with `method`. */
export function parseResponseHead(buf: Buffer, method: string): ResponseHead | 'more' | 'invalid' {
  const end = headEnd(buf)
  if (typeof end !== 'number') return end
  const lines = buf.toString('latin1', 0, end - 4).split('\r\n')
  const m = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: [^\r\n]*)?$/.exec(lines[0])
  if (!m) return 'invalid'
  const f = fields(lines, m[1] === '1' ? 1 : 0)
  if (!f) return 'invalid'
  const status = Number(m[2])
  const head: ResponseHead = { status, headLength: end, body: 'none', contentLength: 0, keepAlive: keepsAlive(f) }
  const hint = f.keepAliveHint && /(?:^|[,;\s])timeout\s*=\s*([0-9]{1,6})/i.exec(f.keepAliveHint)
  if (hint) head.keepAliveTimeoutMs = Number(hint[1]) * 1000
  // RFC 9112 §6.3: no body after HEAD, 1xx, 204 and 304; chunked last wins over Content-Length;
  // another coding, or no length at all, runs until the backend closes.
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) return head
  if (f.transferEncoding.length) {
    head.body = f.transferEncoding[f.transferEncoding.length - 1] === 'chunked' ? 'chunked' : 'close'
  } else if (f.contentLength.length) {
    const n = contentLength(f.contentLength)
    if (n === undefined) return 'invalid'
    head.body = n > 0 ? 'length' : 'none'
    head.contentLength = n
  } else {
    head.body = 'close'
  }
  if (head.body === 'close') head.keepAlive = false
  return head
}

const enum St {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  Trailer,
  TrailerLf,
  FinalLf,
  Done,
}

const hexValue = (c: number): number => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1)

/**
 * Finds the end of a chunked body without decoding it (the bytes are forwarded as they are):
 * sizes, extensions, data, and the trailer section. Feed it consecutive slices.
 */
export class ChunkedScanner {
  private st = St.Size
  private size = 0
  private digits = 0
  private left = 0

  get done(): boolean {
    return this.st === St.Done
  }

  /**
   * Scan `buf` from `start`: the index just past the end of the body when it ends inside `buf`,
   * -1 when it needs more bytes, throws on malformed framing.
   */
  scan(buf: Buffer, start = 0): number {
    let i = start
    while (i < buf.length) {
      const c = buf[i]
      switch (this.st) {
        case St.Size: {
          const h = hexValue(c)
          if (h >= 0) {
            if (++this.digits > 13) throw new Error('chunk size too large')
            this.size = this.size * 16 + h
          } else if (this.digits === 0) {
            throw new Error('chunk size expected')
          } else if (c === 0x3b) {
            this.st = St.Ext
          } else if (c === CR) {
            this.st = St.SizeLf
          } else {
            throw new Error('malformed chunk size line')
          }
          i++
          break
        }
        case St.Ext:
          if (c === CR) this.st = St.SizeLf
          else if (c === LF) throw new Error('bare LF in chunk extension')
          i++
          break
        case St.SizeLf:
          if (c !== LF) throw new Error('CRLF expected after chunk size')
          i++
          if (this.size === 0) this.st = St.TrailerStart
          else {
            this.left = this.size
            this.st = St.Data
          }
          this.size = 0
          this.digits = 0
          break
        case St.Data: {
          const n = Math.min(this.left, buf.length - i)
          this.left -= n
          i += n
          if (this.left === 0) this.st = St.DataCr
          break
        }
        case St.DataCr:
          if (c !== CR) throw new Error('CRLF expected after chunk data')
          this.st = St.DataLf
          i++
          break
        case St.DataLf:
          if (c !== LF) throw new Error('CRLF expected after chunk data')
          this.st = St.Size
          i++
          break
        case St.TrailerStart:
          this.st = c === CR ? St.FinalLf : St.Trailer
          if (c === LF) throw new Error('bare LF in trailer section')
          i++
          break
        case St.Trailer:
          if (c === CR) this.st = St.TrailerLf
          else if (c === LF) throw new Error('bare LF in trailer section')
          i++
          break
        case St.TrailerLf:
          if (c !== LF) throw new Error('CRLF expected after a trailer field')
          this.st = St.TrailerStart
          i++
          break
        case St.FinalLf:
          if (c !== LF) throw new Error('CRLF expected at the end of a chunked body')
          this.st = St.Done
          return i + 1
        case St.Done:
          return i
      }
    }
    return -1
  }
}

/** Tracks where a body ends, whatever its framing. */
export class BodyTracker {
  private left: number
  private readonly chunked?: ChunkedScanner

  constructor(
    readonly kind: BodyKind,
    length = 0,
  ) {
    this.left = kind === 'length' ? length : 0
    if (kind === 'chunked') this.chunked = new ChunkedScanner()
  }

  get done(): boolean {
    return this.kind === 'none' || (this.kind === 'length' && this.left === 0) || (this.chunked?.done ?? false)
  }

  /**
   * How many bytes of `buf` (from `start`) belong to the body; the body is complete when `done`.
   * Throws on malformed chunked framing. A `close` body takes everything.
   */
  take(buf: Buffer, start = 0): number {
    const avail = buf.length - start
    switch (this.kind) {
      case 'none':
        return 0
      case 'close':
        return avail
      case 'length': {
        const n = Math.min(this.left, avail)
        this.left -= n
        return n
      }
      case 'chunked': {
        const end = this.chunked!.scan(buf, start)
        return end < 0 ? avail : end - start
      }
    }
  }
}
