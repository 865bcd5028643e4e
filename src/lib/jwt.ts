// Compact JWS with HS256 (RFC 7515/7519), enough for kubelite's own service-account tokens:
// node:crypto only. Verification checks the algorithm, the signature (constant time) and nothing
// else; the caller checks the claims.
import { createHmac, timingSafeEqual } from 'node:crypto'

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url')

export function signHS256(claims: Record<string, unknown>, key: Buffer): string {
  const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const body = b64(JSON.stringify(claims))
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url')
  return `${head}.${body}.${sig}`
}

/** The claims of a token signed with `key`, or undefined (malformed, other algorithm, bad signature). */
export function verifyHS256(token: string, key: Buffer): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [head, body, sig] = parts
  try {
    const h = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string }
    if (h.alg !== 'HS256') return undefined
    const want = createHmac('sha256', key).update(`${head}.${body}`).digest()
    const got = Buffer.from(sig, 'base64url')
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
