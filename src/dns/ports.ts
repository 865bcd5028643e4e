// Whether this process may bind a port below 1024 (the DNS Service's 53): root, the
// CAP_NET_BIND_SERVICE capability, or a host whose net.ipv4.ip_unprivileged_port_start is low
// enough. Decided up front so `kubelite up` can say once, clearly, that pods will not reach the
// cluster DNS at its ClusterIP and where it answers instead.
import { readFileSync } from 'node:fs'

export interface LowPortAccess {
  allowed: boolean
  /** Why not, in a sentence that says what to change; undefined when allowed. */
  reason?: string
}

const capNetBindService = 10n

/** Pure: the decision from what the host says (uid, effective capabilities as hex, the sysctl). */
export function decideLowPortAccess(port: number, facts: { uid?: number; capEff?: string; unprivilegedPortStart?: number }): LowPortAccess {
  if (port >= 1024) return { allowed: true }
  if (facts.uid === 0) return { allowed: true }
  if (facts.capEff !== undefined && /^[0-9a-f]+$/i.test(facts.capEff) && (BigInt(`0x${facts.capEff}`) >> capNetBindService) & 1n) return { allowed: true }
  if (facts.unprivilegedPortStart !== undefined && facts.unprivilegedPortStart <= port) return { allowed: true }
  if (facts.uid === undefined) return { allowed: true } // not a Unix host we can inspect: try, and let the bind say
  const start = facts.unprivilegedPortStart === undefined ? '' : ` (net.ipv4.ip_unprivileged_port_start is ${facts.unprivilegedPortStart})`
  return {
    allowed: false,
    reason: `port ${port} needs root, CAP_NET_BIND_SERVICE, or net.ipv4.ip_unprivileged_port_start <= ${port}${start}`,
  }
}

/** The decision for this process (Linux: /proc; elsewhere only the uid). */
export function lowPortAccess(port: number): LowPortAccess {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8')
    } catch {
      return undefined
    }
  }
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(read('/proc/self/status') ?? '')?.[1]
  const sysctl = read('/proc/sys/net/ipv4/ip_unprivileged_port_start')
  return decideLowPortAccess(port, {
    uid: process.getuid?.(),
    capEff,
    unprivilegedPortStart: sysctl === undefined ? undefined : Number(sysctl.trim()),
  })
}
