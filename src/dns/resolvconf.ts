// The host's resolvers, for names outside the cluster (CoreDNS: `forward . /etc/resolv.conf`).
// Pure parsing here; the server reads the file.
import { isIP } from 'node:net'

export interface Upstream {
  host: string
  port: number
}

/** `nameserver` lines of a resolv.conf, in order (resolv.conf(5): comments start with # or ;). */
export function parseResolvConf(text: string): string[] {
  const out: string[] = []
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim()
    const m = /^nameserver\s+(\S+)$/.exec(line)
    if (!m) continue
    const host = m[1].replace(/%.*$/, '') // an IPv6 zone (fe80::1%eth0) names an interface, not a server
    if (isIP(host) !== 0) out.push(host)
  }
  return out
}

/**
 * The resolvers to forward to: the host's nameservers less those that would send the query back
 * here (the cluster DNS Service's addresses and the server's own), which would loop until timeout
 * (CoreDNS's `loop` plugin exists for that case). Other loopback resolvers stay: kubelite's pods share
 * the host's network, so systemd-resolved at 127.0.0.53 is the host's resolver, not the pod itself.
 */
export function upstreamsFrom(nameservers: string[], own: string[]): Upstream[] {
  const ownSet = new Set(own)
  return nameservers.filter((ns) => !ownSet.has(ns)).map((host) => ({ host, port: 53 }))
}

/** `HOST` or `HOST:PORT` or `[V6]:PORT` (the --dns-upstream style) → an upstream; undefined if malformed. */
export function parseUpstream(s: string): Upstream | undefined {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s)
  const [host, port] = v6 ? [v6[1], v6[2]] : isIP(s) === 6 ? [s, undefined] : (s.split(':') as [string, string | undefined])
  const n = port === undefined ? 53 : Number(port)
  if (isIP(host) === 0 || !Number.isInteger(n) || n < 1 || n > 65535 || (port !== undefined && !/^\d+$/.test(port))) return undefined
  return { host, port: n }
}
