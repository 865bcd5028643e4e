// Small network helpers.
import { createServer } from 'node:net'

/** A TCP port free on 127.0.0.1 right now (the kernel's pick; another process may take it after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/**
 * The 16 bytes of an IPv6 address in text form (already known to be valid: `::` shortening and an
 * embedded dotted IPv4 tail allowed), as Go's net.ParseIP holds it.
 */
export function ipv6Bytes(s: string): number[] {
  const gap = s.indexOf('::')
  const groups = (part: string): number[] => {
    if (!part) return []
    const out: number[] = []
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const b = g.split('.').map(Number)
        out.push((b[0] << 8) | b[1], (b[2] << 8) | b[3])
      } else out.push(Number.parseInt(g, 16))
    }
    return out
  }
  const h = groups(gap < 0 ? s : s.slice(0, gap))
  const t = gap < 0 ? [] : groups(s.slice(gap + 2))
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t].flatMap((g) => [g >> 8, g & 0xff])
}
