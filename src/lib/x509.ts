// Just enough X.509 to make a CA, serving and client certificates, and PKCS #10 requests with node:crypto (ECDSA P-256,
// SHA-256). Hand-written instead of using @peculiar/x509: that library and its dependencies cost
// ~225 ms of start-up and ~10 MB of resident memory on every first start, against the goals of a
// cluster ready in under a second and idling under 80 MB (see docs/benchmarks.md). DER encoding of
// the handful of structures RFC 5280 needs here is small and fully tested against openssl.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto'
import { isIPv4, isIPv6 } from 'node:net'

// ---- DER ------------------------------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

const tlv = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), len(body.length), body])
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items))
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items))
const octets = (b: Buffer) => tlv(0x04, b)
const bitString = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]))
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]))
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'))
const explicit = (n: number, body: Buffer) => tlv(0xa0 + n, body)

/** A positive INTEGER from big-endian bytes (a leading 0 keeps the sign bit clear). */
function integer(b: Buffer): Buffer {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  const v = b.subarray(i)
  return tlv(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v)
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const out = [parts[0] * 40 + parts[1]]
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f]
    for (let v = p >>> 7; v > 0; v >>>= 7) chunk.unshift(0x80 | (v & 0x7f))
    out.push(...chunk)
  }
  return tlv(0x06, Buffer.from(out))
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) // YYYYMMDDHHMMSS
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2) + 'Z')) : tlv(0x18, Buffer.from(iso + 'Z'))
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
}

/** A Name in Go's pkix order (O before CN), one attribute per RDN. */
const name = (cn: string, organizations: string[] = []) =>
  seq(...organizations.map((o) => set(seq(oid(OID.organization), utf8(o)))), ...(cn ? [set(seq(oid(OID.commonName), utf8(cn)))] : []))
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value))

/** keyUsage bits, numbered as RFC 5280 numbers them (bit 0 = digitalSignature). */
function keyUsage(bits: number[]): Buffer {
  let v = 0
  for (const b of bits) v |= 0x80 >> b
  const unused = bits.length ? 7 - Math.max(...bits) : 0
  return tlv(0x03, Buffer.from([unused, v]))
}

function subjectAltNames(names: string[]): Buffer {
  return seq(
    ...names.map((n) => {
      if (isIPv4(n)) return tlv(0x87, Buffer.from(n.split('.').map(Number)))
      if (isIPv6(n)) return tlv(0x87, ipv6Bytes(n))
      return tlv(0x82, Buffer.from(n, 'ascii'))
    }),
  )
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail = ''] = ip.split('::')
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]))
}

// ---- certificates ---------------------------------------------------------------------------

export interface CertificateRequest {
  subject: string
  /** Issuer's common name and key; absent: self-signed with `keys`. */
  issuer?: { subject: string; privateKey: KeyObject; publicKey: KeyObject }
  /** The subject's key (only its public half is needed when an issuer signs). */
  keys: { privateKey?: KeyObject; publicKey: KeyObject }
  notBefore: Date
  notAfter: Date
  ca: boolean
  /** DNS names and IP addresses (server certificates). */
  altNames?: string[]
  /** The subject's Organizations (O): a client certificate's groups. */
  organizations?: string[]
  /** Extended key usages of a leaf (default serverAuth). */
  usages?: ('serverAuth' | 'clientAuth')[]
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1). */
function keyId(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  // The BIT STRING is the last element of the SPKI SEQUENCE (without its unused-bits byte).
  const bits = readDer(spki).children?.[1]
  return createHash('sha1').update(bits ? bits.content.subarray(1) : spki.subarray(spki.length - 65)).digest()
}

export function createCertificate(req: CertificateRequest): string {
  const issuer = req.issuer ?? { subject: req.subject, privateKey: req.keys.privateKey!, publicKey: req.keys.publicKey }
  // ECDSA P-256 keys (kubelite's own PKI); RSA for a certificate served beside users' RSA ones (the Ingress fallback).
  const sigAlg = issuer.privateKey.asymmetricKeyType === 'rsa' ? seq(oid(OID.sha256WithRSAEncryption), tlv(0x05, Buffer.alloc(0))) : seq(oid(OID.ecdsaWithSHA256))
  const exts: Buffer[] = [
    extension(OID.basicConstraints, true, req.ca ? seq(bool(true)) : seq()),
    extension(OID.keyUsage, true, keyUsage(req.ca ? [0, 5, 6] : [0, 2])),
  ]
  if (!req.ca) exts.push(extension(OID.extKeyUsage, false, seq(...(req.usages ?? ['serverAuth']).map((u) => oid(OID[u])))))
  if (req.altNames?.length) exts.push(extension(OID.subjectAltName, false, subjectAltNames(req.altNames)))
  exts.push(extension(OID.subjectKeyIdentifier, false, octets(keyId(req.keys.publicKey))))
  if (req.issuer) exts.push(extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, keyId(issuer.publicKey)))))
  const serial = randomBytes(16)
  serial[0] &= 0x7f
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    sigAlg,
    name(issuer.subject),
    seq(time(req.notBefore), time(req.notAfter)),
    name(req.subject, req.organizations),
    req.keys.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...exts)),
  )
  const signature = sign('sha256', tbs, { key: issuer.privateKey, dsaEncoding: 'der' })
  return pem('CERTIFICATE', seq(tbs, sigAlg, bitString(signature)))
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`
}

// ---- certificate signing requests (PKCS #10, RFC 2986) ----------------------------------------

/** A PKCS #10 request for `subject` (CN) and `organizations` (O), signed with the key (ECDSA P-256). */
export function createCertificateRequest(req: { subject: string; organizations?: string[]; keys: { privateKey: KeyObject; publicKey: KeyObject } }): string {
  const info = seq(integer(Buffer.from([0])), name(req.subject, req.organizations), req.keys.publicKey.export({ type: 'spki', format: 'der' }), tlv(0xa0, Buffer.alloc(0)))
  const signature = sign('sha256', info, { key: req.keys.privateKey, dsaEncoding: 'der' })
  return pem('CERTIFICATE REQUEST', seq(info, seq(oid(OID.ecdsaWithSHA256)), bitString(signature)))
}

export interface ParsedCertificateRequest {
  commonName: string
  organizations: string[]
  publicKey: KeyObject
}

/**
 * Go's x509.ParseCertificateRequest + CheckSignature, as upstream's CSR validation applies them:
 * the first PEM block must be a CERTIFICATE REQUEST whose signature its own key verifies. Throws an
 * Error with upstream's wording.
 */
export function parseCertificateRequest(pemText: string): ParsedCertificateRequest {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pemText)
  if (!m || m[1] !== 'CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST')
  const der = Buffer.from(m[2].replace(/\s+/g, ''), 'base64')
  let top: DerNode
  try {
    top = readDer(der)
  } catch {
    throw new Error('asn1: syntax error: data truncated')
  }
  const [info, alg, sig] = top.children ?? []
  const [, subject, spki] = info?.children ?? []
  if (!info || !alg || !sig || !subject || !spki || sig.tag !== 0x03) throw new Error('asn1: structure error: tags don\'t match')
  let publicKey: KeyObject
  try {
    publicKey = createPublicKey({ key: spki.raw, format: 'der', type: 'spki' })
  } catch {
    throw new Error('x509: unsupported public key algorithm')
  }
  const algOid = alg.children?.[0] ? oidText(alg.children[0].content) : ''
  if (algOid !== OID.ecdsaWithSHA256 && algOid !== OID.sha256WithRSAEncryption) throw new Error('x509: cannot verify signature: algorithm unimplemented')
  if (!verify('sha256', info.raw, { key: publicKey, dsaEncoding: 'der' }, sig.content.subarray(1))) {
    throw new Error(publicKey.asymmetricKeyType === 'ec' ? 'x509: ECDSA verification failure' : 'crypto/rsa: verification error')
  }
  const attrs = (subject.children ?? []).flatMap((rdn) => rdn.children ?? [])
  const values = (id: string) => attrs.filter((a) => a.children?.[0] && oidText(a.children[0].content) === id).map((a) => a.children?.[1]?.content.toString('utf8') ?? '')
  return { commonName: values(OID.commonName)[0] ?? '', organizations: values(OID.organization), publicKey }
}

interface DerNode {
  tag: number
  /** The whole element, header included. */
  raw: Buffer
  content: Buffer
  children?: DerNode[]
}

/** One DER element (and, for constructed ones, its children). Throws on truncated input. */
function readDer(buf: Buffer, at = 0): DerNode {
  const tag = buf[at]
  let length = buf[at + 1]
  let head = 2
  if (tag === undefined || length === undefined) throw new Error('truncated')
  if (length & 0x80) {
    const n = length & 0x7f
    if (n === 0 || n > 4) throw new Error('bad length')
    length = 0
    for (let i = 0; i < n; i++) length = length * 256 + buf[at + 2 + i]
    head += n
  }
  if (at + head + length > buf.length) throw new Error('truncated')
  const content = buf.subarray(at + head, at + head + length)
  const node: DerNode = { tag, raw: buf.subarray(at, at + head + length), content }
  if (tag & 0x20) {
    node.children = []
    for (let off = 0; off < content.length; ) {
      const child = readDer(content, off)
      node.children.push(child)
      off += child.raw.length
    }
  }
  return node
}

function oidText(b: Buffer): string {
  const out = [Math.floor(b[0] / 40), b[0] % 40]
  let v = 0
  for (const byte of b.subarray(1)) {
    v = v * 128 + (byte & 0x7f)
    if (!(byte & 0x80)) {
      out.push(v)
      v = 0
    }
  }
  return out.join('.')
}

export function newKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
}

export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString()
}
