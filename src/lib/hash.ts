// Names derived from content, as upstream's controllers make them: the pod-template hash (FNV-32a
// of the template, printed in decimal, each digit mapped into the name alphabet) and the alphabet
// itself (no vowels, no confusable characters: names never spell words).

/** Upstream's rand.SafeEncodeString alphabet. */
export const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789'

/** FNV-1a, 32 bits, over the UTF-8 bytes of `s` (Go's hash/fnv New32a). */
export function fnv32a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** rand.SafeEncodeString: each byte mapped onto the alphabet. */
export function safeEncode(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) out += nameAlphabet[s.charCodeAt(i) % nameAlphabet.length]
  return out
}

/** JSON with object keys sorted at every level: equal objects always print the same. */
export function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJSON(x)}`).join(',')}}`
  }
  return JSON.stringify(v) ?? 'null'
}

/**
 * controller.ComputeHash: the `pod-template-hash` of a pod template, with the Deployment's
 * collisionCount mixed in when set. Up to 10 characters from 4-9 and b, c, d, f (the decimal
 * digits of a uint32 mapped onto the alphabet), e.g. `5bf4d5689b`.
 */
export function templateHash(template: unknown, collisionCount?: number | null): string {
  let h = fnv32a(canonicalJSON(template ?? {}))
  if (collisionCount !== undefined && collisionCount !== null) {
    // Upstream writes the count's 4 little-endian bytes into the same hasher.
    const b = Buffer.alloc(4)
    b.writeUInt32LE(collisionCount >>> 0)
    for (const byte of b) {
      h ^= byte
      h = Math.imul(h, 0x01000193) >>> 0
    }
  }
  return safeEncode(String(h >>> 0))
}
