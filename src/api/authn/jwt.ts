// Compact JWS (RFC 7515) with ES256, the form of upstream's service-account tokens: node:crypto
// signs and verifies; this file only frames. Verification checks the algorithm and signature and
// nothing else; what the claims must say is the caller's business.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url')

/** Upstream's key id: the SHA-256 of the public key's DER (PKIX), base64url. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url')
}

export function signJwt(claims: object, privateKey: KeyObject): string {
  const header = { alg: 'ES256', kid: keyId(createPublicKey(privateKey)) }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
  const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
  return `${input}.${b64url(sig)}`
}

/** The claims of a token this key signed, or undefined for anything else (malformed, other key, other alg). */
export function verifyJwt(token: string, publicKey: KeyObject): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: unknown }
    if (header.alg !== 'ES256') return undefined
    const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'))
    if (!ok) return undefined
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
