// DNS messages on the wire (RFC 1035 §4, EDNS(0) from RFC 6891): reading one query, writing one
// response with name compression, and reading the address records of an upstream's answer. Pure:
// bytes in, values out; every malformed input is a value (`formerr`, `drop`), never a throw.
//
// Names are kept as their labels joined by '.', without the final dot, with the case and bytes
// they arrived with (latin1, so each byte is one char): the question goes back to the client
// exactly as asked. A label holding a '.' cannot be written back faithfully, so such a query is a
// FORMERR (no cluster name has one).
import { isIP } from 'node:net'

export const Type = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const
export const Class = { IN: 1, ANY: 255 } as const
export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const

const typeNames = new Map<number, string>(Object.entries(Type).map(([k, v]) => [v, k]))
/** `A`, `SRV`, ... or `TYPE65` (RFC 3597) for a type this server has no name for. */
export const typeName = (t: number): string => typeNames.get(t) ?? `TYPE${t}`

export interface Question {
  name: string
  type: number
  class: number
}

export interface Edns {
  /** The requestor's UDP payload size (RFC 6891 §6.2.3). */
  udpSize: number
  version: number
  dnssecOk: boolean
}

export interface Query {
  id: number
  opcode: number
  rd: boolean
  cd: boolean
  question: Question
  edns?: Edns
}

export type RData =
  | { type: 'A'; address: string }
  | { type: 'AAAA'; address: string }
  | { type: 'CNAME' | 'PTR' | 'NS'; target: string }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { type: 'SOA'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { type: 'TXT'; strings: string[] }

export interface ResourceRecord {
  name: string
  ttl: number
  data: RData
}

export interface Response {
  id: number
  opcode: number
  aa: boolean
  tc?: boolean
  rd: boolean
  ra: boolean
  cd?: boolean
  rcode: number
  question?: Question
  answers: ResourceRecord[]
  authorities: ResourceRecord[]
  additionals: ResourceRecord[]
  /** Present when the query had an OPT record: ours goes back with this payload size. */
  edns?: { udpSize: number }
}

export type ParsedQuery = { kind: 'query'; query: Query } | { kind: 'reject'; response: Buffer } | { kind: 'drop' }

const headerSize = 12
const maxNameLength = 255

class Malformed extends Error {}

/** Reads a (possibly compressed) name at `off`; returns it and the offset just past it in place. */
function readName(buf: Buffer, off: number): { name: string; next: number } {
  const labels: string[] = []
  let length = 1
  let next = -1
  let pos = off
  // Pointers must point strictly backwards (RFC 1035 §4.1.4: "a prior occurrence"), so a chain of
  // them always ends: no loop can be built.
  let limit = off
  for (;;) {
    if (pos >= buf.length) throw new Malformed('name runs past the message')
    const len = buf[pos]
    if (len === 0) {
      if (next < 0) next = pos + 1
      break
    }
    const kind = len & 0xc0
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) throw new Malformed('pointer runs past the message')
      const target = ((len & 0x3f) << 8) | buf[pos + 1]
      if (next < 0) next = pos + 2
      if (target >= limit) throw new Malformed('pointer does not point backwards')
      limit = target
      pos = target
      continue
    }
    if (kind !== 0) throw new Malformed('unknown label type')
    if (pos + 1 + len > buf.length) throw new Malformed('label runs past the message')
    length += len + 1
    if (length > maxNameLength) throw new Malformed('name longer than 255 bytes')
    const label = buf.toString('latin1', pos + 1, pos + 1 + len)
    if (label.includes('.')) throw new Malformed('label holds a dot')
    labels.push(label)
    pos += 1 + len
  }
  return { name: labels.join('.'), next }
}

function header(buf: Buffer): { id: number; flags: number; qd: number; an: number; ns: number; ar: number } {
  return { id: buf.readUInt16BE(0), flags: buf.readUInt16BE(2), qd: buf.readUInt16BE(4), an: buf.readUInt16BE(6), ns: buf.readUInt16BE(8), ar: buf.readUInt16BE(10) }
}

/** A header-only answer (FORMERR, NOTIMP): the id and opcode of the query, nothing else. */
function headerOnly(id: number, opcode: number, rcode: number): Buffer {
  const out = Buffer.alloc(headerSize)
  out.writeUInt16BE(id, 0)
  out.writeUInt16BE(0x8000 | (opcode << 11) | rcode, 2)
  return out
}

/**
 * One query from the wire. What miekg/dns (CoreDNS's server) accepts, this accepts: a header that
 * is not a response, opcode QUERY, exactly one question, no answers, at most one authority and two
 * additionals (OPT, TSIG). Shorter than a header or already a response: dropped (answering a
 * response is how reflection loops start). Any other malformation: FORMERR; another opcode: NOTIMP.
 */
export function parseQuery(buf: Buffer): ParsedQuery {
  if (buf.length < headerSize) return { kind: 'drop' }
  const h = header(buf)
  if (h.flags & 0x8000) return { kind: 'drop' }
  const opcode = (h.flags >> 11) & 0xf
  if (opcode !== 0) return { kind: 'reject', response: headerOnly(h.id, opcode, Rcode.NOTIMP) }
  const formerr = { kind: 'reject' as const, response: headerOnly(h.id, opcode, Rcode.FORMERR) }
  if (h.qd !== 1 || h.an !== 0 || h.ns > 1 || h.ar > 2) return formerr
  try {
    const { name, next } = readName(buf, headerSize)
    if (next + 4 > buf.length) return formerr
    const question = { name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) }
    let pos = next + 4
    let edns: Edns | undefined
    for (let i = 0; i < h.ns + h.ar; i++) {
      const rr = readName(buf, pos)
      pos = rr.next
      if (pos + 10 > buf.length) return formerr
      const type = buf.readUInt16BE(pos)
      const cls = buf.readUInt16BE(pos + 2)
      const ttl = buf.readUInt32BE(pos + 4)
      const rdlength = buf.readUInt16BE(pos + 8)
      pos += 10 + rdlength
      if (pos > buf.length) return formerr
      if (type === Type.OPT) {
        // One OPT, owned by the root, in the additional section (RFC 6891 §6.1.1).
        if (edns || rr.name !== '' || i < h.ns) return formerr
        edns = { udpSize: Math.max(512, cls), version: (ttl >>> 16) & 0xff, dnssecOk: (ttl & 0x8000) !== 0 }
      }
    }
    return { kind: 'query', query: { id: h.id, opcode, rd: (h.flags & 0x0100) !== 0, cd: (h.flags & 0x0010) !== 0, question, ...(edns ? { edns } : {}) } }
  } catch (err) {
    if (err instanceof Malformed) return formerr
    throw err
  }
}

/** Writes messages with name compression (RFC 1035 §4.1.4). Throws on a name it cannot write. */
class Writer {
  private buf = Buffer.alloc(512)
  len = 0
  private readonly names = new Map<string, number>()

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n))
    this.buf.copy(next, 0, 0, this.len)
    this.buf = next
  }

  u8(v: number): void {
    this.room(1)
    this.buf.writeUInt8(v, this.len)
    this.len += 1
  }

  u16(v: number): void {
    this.room(2)
    this.buf.writeUInt16BE(v, this.len)
    this.len += 2
  }

  u32(v: number): void {
    this.room(4)
    this.buf.writeUInt32BE(v >>> 0, this.len)
    this.len += 4
  }

  bytes(b: Buffer): void {
    this.room(b.length)
    b.copy(this.buf, this.len)
    this.len += b.length
  }

  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at)
  }

  name(name: string, compress = true): void {
    const labels = name === '' || name === '.' ? [] : name.replace(/\.$/, '').split('.')
    let total = 1
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase()
      const at = compress ? this.names.get(suffix) : undefined
      if (at !== undefined) {
        this.u16(0xc000 | at)
        return
      }
      const label = Buffer.from(labels[i], 'latin1')
      if (label.length === 0 || label.length > 63) throw new RangeError(`cannot write name ${JSON.stringify(name)}: label of ${label.length} bytes`)
      total += label.length + 1
      if (total > maxNameLength) throw new RangeError(`cannot write name ${JSON.stringify(name)}: longer than 255 bytes`)
      if (compress && this.len < 0x3fff) this.names.set(suffix, this.len)
      this.u8(label.length)
      this.bytes(label)
    }
    this.u8(0)
  }

  done(): Buffer {
    return this.buf.subarray(0, this.len)
  }
}

function ipBytes(address: string, family: 4 | 6): Buffer {
  if (isIP(address) !== family) throw new RangeError(`not an IPv${family} address: ${address}`)
  if (family === 4) return Buffer.from(address.split('.').map(Number))
  // Expand '::' and an embedded IPv4 tail, then write eight 16-bit groups.
  let s = address
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (v4) {
    const b = v4[1].split('.').map(Number)
    s = s.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`
  }
  const [head, tail] = s.split('::')
  const h = head ? head.split(':') : []
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : []
  const groups = tail !== undefined ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h
  const out = Buffer.alloc(16)
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2))
  return out
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  const d = rr.data
  w.name(rr.name)
  w.u16(Type[d.type])
  w.u16(Class.IN)
  w.u32(rr.ttl)
  const lenAt = w.len
  w.u16(0)
  const start = w.len
  switch (d.type) {
    case 'A':
      w.bytes(ipBytes(d.address, 4))
      break
    case 'AAAA':
      w.bytes(ipBytes(d.address, 6))
      break
    case 'CNAME':
    case 'PTR':
    case 'NS':
      w.name(d.target)
      break
    case 'SRV':
      w.u16(d.priority)
      w.u16(d.weight)
      w.u16(d.port)
      w.name(d.target, false) // RFC 2782: the target is not compressed
      break
    case 'SOA':
      w.name(d.mname)
      w.name(d.rname)
      for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(v)
      break
    case 'TXT':
      for (const s of d.strings) {
        const b = Buffer.from(s, 'utf8')
        if (b.length > 255) throw new RangeError('TXT string longer than 255 bytes')
        w.u8(b.length)
        w.bytes(b)
      }
      break
  }
  w.setU16(lenAt, w.len - start)
}

function writeMessage(r: Response, withRecords: boolean): Buffer {
  const w = new Writer()
  const tc = r.tc || !withRecords
  const flags = 0x8000 | (r.opcode << 11) | (r.aa ? 0x0400 : 0) | (tc ? 0x0200 : 0) | (r.rd ? 0x0100 : 0) | (r.ra ? 0x0080 : 0) | (r.cd ? 0x0010 : 0) | (r.rcode & 0xf)
  const sections = withRecords ? [r.answers, r.authorities, r.additionals] : [[], [], []]
  w.u16(r.id)
  w.u16(flags)
  w.u16(r.question ? 1 : 0)
  w.u16(sections[0].length)
  w.u16(sections[1].length)
  w.u16(sections[2].length + (r.edns ? 1 : 0))
  if (r.question) {
    w.name(r.question.name)
    w.u16(r.question.type)
    w.u16(r.question.class)
  }
  for (const section of sections) for (const rr of section) writeRecord(w, rr)
  if (r.edns) {
    w.u8(0) // root
    w.u16(Type.OPT)
    w.u16(r.edns.udpSize)
    w.u32(0) // extended rcode 0, version 0, no DO
    w.u16(0)
  }
  return w.done()
}

/**
 * A response on the wire, at most `maxSize` bytes: when the records do not fit (a UDP answer past
 * 512 bytes, or past the client's EDNS size) they are all left out and TC is set, so the client
 * asks again over TCP (RFC 1035 §4.2.1, RFC 7766).
 */
export function encodeResponse(r: Response, maxSize = 65535): Buffer {
  const full = writeMessage(r, true)
  return full.length <= maxSize ? full : writeMessage(r, false)
}

/** The largest UDP response a client takes: 512 without EDNS, else its size up to 1232 (DNS flag day 2020). */
export function udpLimit(q: Query): number {
  return q.edns ? Math.min(Math.max(q.edns.udpSize, 512), 1232) : 512
}

/** A query message for `name`/`type` (the forwarder's CNAME chase), recursion desired. */
export function encodeQuery(id: number, q: Question): Buffer {
  const w = new Writer()
  for (const v of [id, 0x0100, 1, 0, 0, 0]) w.u16(v)
  w.name(q.name, false)
  w.u16(q.type)
  w.u16(q.class)
  return w.done()
}

/** The id and rcode of a message (an upstream's answer), or undefined if it has no header. */
export function responseHeader(buf: Buffer): { id: number; rcode: number; tc: boolean; qr: boolean } | undefined {
  if (buf.length < headerSize) return undefined
  const h = header(buf)
  return { id: h.id, rcode: h.flags & 0xf, tc: (h.flags & 0x0200) !== 0, qr: (h.flags & 0x8000) !== 0 }
}

/**
 * The A, AAAA and CNAME records in the answer section of a response (an upstream's), in order;
 * other types are skipped. Undefined when the message is malformed.
 */
export function parseAnswers(buf: Buffer): ResourceRecord[] | undefined {
  if (buf.length < headerSize) return undefined
  const h = header(buf)
  try {
    let pos = headerSize
    for (let i = 0; i < h.qd; i++) {
      pos = readName(buf, pos).next + 4
      if (pos > buf.length) return undefined
    }
    const out: ResourceRecord[] = []
    for (let i = 0; i < h.an; i++) {
      const owner = readName(buf, pos)
      pos = owner.next
      if (pos + 10 > buf.length) return undefined
      const type = buf.readUInt16BE(pos)
      const ttl = buf.readUInt32BE(pos + 4)
      const rdlength = buf.readUInt16BE(pos + 8)
      const rd = pos + 10
      pos = rd + rdlength
      if (pos > buf.length) return undefined
      if (type === Type.A && rdlength === 4) out.push({ name: owner.name, ttl, data: { type: 'A', address: [...buf.subarray(rd, rd + 4)].join('.') } })
      else if (type === Type.AAAA && rdlength === 16) {
        const groups: string[] = []
        for (let g = 0; g < 8; g++) groups.push(buf.readUInt16BE(rd + g * 2).toString(16))
        out.push({ name: owner.name, ttl, data: { type: 'AAAA', address: groups.join(':') } })
      } else if (type === Type.CNAME) out.push({ name: owner.name, ttl, data: { type: 'CNAME', target: readName(buf, rd).name } })
    }
    return out
  } catch (err) {
    if (err instanceof Malformed) return undefined
    throw err
  }
}

/** The same message with another id (the forwarder's rewrite on the way out and back). */
export function withId(buf: Buffer, id: number): Buffer {
  const out = Buffer.from(buf)
  if (out.length >= 2) out.writeUInt16BE(id, 0)
  return out
}
