// Endpoint picking for one Service port: round-robin across connections, ClientIP session affinity,
// and optional weights per endpoint group (canaries). Only the clock is injected; no I/O.
//
// Upstream's userspace proxier (pkg/proxy/userspace/roundrobin.go, removed in 1.26) did the same:
// round-robin per service port, affinity per client IP with a timeout, an affinity reset when a
// dial fails. Weights are kubelite's own: smooth weighted round-robin (nginx's algorithm) between
// groups, plain round-robin inside a group, so 10:90 sends exactly one connection in ten to the
// canary, evenly spread, rather than about one in ten at random. A request can ask for a group (a
// header route, a sticky cookie), or a hash of the client address can choose it (sticky clientIP);
// copies for mirrors are picked on a round-robin of their own, so they never move the main picks.
import type { Backend } from './endpoints.js'

export interface BalancerOptions {
  /** ClientIP session affinity timeout; undefined = no affinity. */
  affinitySeconds?: number
  /** Milliseconds clock (tests inject one). */
  now?: () => number
}

interface Sticky {
  key: string
  last: number
}

/** Sweep expired affinity entries every this many picks. */
const sweepEvery = 1024

export class PortBalancer {
  private backends: Backend[] = []
  private byKey = new Map<string, Backend>()
  private rr = 0
  private affinityMs: number | undefined
  private readonly sticky = new Map<string, Sticky>()
  private picks = 0
  private weights: number[] | undefined
  private groupRr: number[] = []
  private current: number[] = []
  private mirrorRr = 0
  private hashSticky = false
  private readonly now: () => number

  constructor(opts: BalancerOptions = {}) {
    this.now = opts.now ?? Date.now
    this.setAffinity(opts.affinitySeconds)
  }

  get size(): number {
    return this.backends.length
  }

  list(): readonly Backend[] {
    return this.backends
  }

  /** Whether picks depend on the client's address (ClientIP affinity is on). */
  get usesClientIp(): boolean {
    return this.affinityMs !== undefined || this.hashSticky
  }

  /** Sticky clientIP of the traffic annotation: a hash of the client address picks the group. */
  setClientIpHash(on: boolean): void {
    this.hashSticky = on
  }

  has(key: string): boolean {
    return this.byKey.has(key)
  }

  /** Replace the usable endpoints. Round-robin position and affinity survive the change. */
  setBackends(backends: Backend[]): void {
    this.backends = backends
    this.byKey = new Map(backends.map((b) => [b.key, b]))
  }

  setAffinity(seconds: number | undefined): void {
    const ms = seconds === undefined ? undefined : seconds * 1000
    if (ms !== this.affinityMs) this.sticky.clear()
    this.affinityMs = ms
  }

  /**
   * Weight per group index (Backend.group). undefined turns weighting off. Backends in no group
   * take no traffic while weights are on, unless no weighted group has a usable backend: then
   * every backend does, so a canary step never turns into an outage.
   */
  setWeights(weights: number[] | undefined): void {
    this.weights = weights?.slice()
    this.groupRr = weights ? weights.map((_, i) => this.groupRr[i] ?? 0) : []
    this.current = weights ? weights.map(() => 0) : []
  }

  /**
   * The endpoint for a new connection from `clientIp`, skipping `exclude` (endpoints that already
   * refused this connection). undefined when none is left.
   */
  pick(clientIp: string, exclude?: ReadonlySet<string>, group?: number): Backend | undefined {
    if (this.backends.length === 0) return undefined
    if (this.weights) {
      const g = group ?? (this.hashSticky ? this.groupOfHash(hashString(clientIp)) : undefined)
      if (g !== undefined) {
        const members = this.backends.filter((b) => b.group === g && !exclude?.has(b.key))
        if (members.length) return this.pickRoundRobin(members, undefined, g)
      }
    }
    const now = this.now()
    if (this.affinityMs !== undefined) {
      if (++this.picks % sweepEvery === 0) this.sweep(now)
      const s = this.sticky.get(clientIp)
      if (s && now - s.last < this.affinityMs && !exclude?.has(s.key)) {
        const b = this.byKey.get(s.key)
        if (b && this.inRotation(b)) {
          s.last = now
          return b
        }
      }
    }
    const b = this.pickWeighted(exclude) ?? this.pickRoundRobin(this.backends, exclude)
    if (b && this.affinityMs !== undefined) this.sticky.set(clientIp, { key: b.key, last: now })
    return b
  }

  /**
   * An endpoint of `group` for a mirror copy, on a round-robin of its own (the main picks do not
   * move); undefined when the group has none.
   */
  pickMirror(group: number): Backend | undefined {
    const members = this.backends.filter((b) => b.group === group)
    return members.length ? members[this.mirrorRr++ % members.length] : undefined
  }

  /** The weighted group a hash in [0, 2^32) falls in, over the groups that have endpoints. */
  private groupOfHash(h: number): number | undefined {
    const weights = this.weights!
    let total = 0
    const live: number[] = []
    for (let g = 0; g < weights.length; g++) {
      if (weights[g] > 0 && this.backends.some((b) => b.group === g)) {
        live.push(g)
        total += weights[g]
      }
    }
    if (!live.length) return undefined
    let point = (h / 2 ** 32) * total
    for (const g of live) {
      point -= weights[g]
      if (point < 0) return g
    }
    return live[live.length - 1]
  }

  private inRotation(b: Backend): boolean {
    if (!this.weights) return true
    if (b.group !== undefined && (this.weights[b.group] ?? 0) > 0) return true
    // Outside the weighted groups: only while no weighted group can take traffic.
    return !this.weights.some((w, g) => w > 0 && this.backends.some((x) => x.group === g))
  }

  private pickRoundRobin(list: readonly Backend[], exclude: ReadonlySet<string> | undefined, group?: number): Backend | undefined {
    const n = list.length
    for (let i = 0; i < n; i++) {
      const idx = group === undefined ? this.rr++ % n : this.groupRr[group]++ % n
      const b = list[idx]
      if (!exclude?.has(b.key)) return b
    }
    return undefined
  }

  private pickWeighted(exclude: ReadonlySet<string> | undefined): Backend | undefined {
    const weights = this.weights
    if (!weights) return undefined
    const members: Backend[][] = weights.map(() => [])
    for (const b of this.backends) if (b.group !== undefined && b.group < weights.length && !exclude?.has(b.key)) members[b.group].push(b)
    let total = 0
    let best = -1
    for (let g = 0; g < weights.length; g++) {
      const w = weights[g]
      if (!(w > 0) || members[g].length === 0) continue
      this.current[g] += w
      total += w
      if (best < 0 || this.current[g] > this.current[best]) best = g
    }
    if (best < 0) return undefined
    this.current[best] -= total
    return this.pickRoundRobin(members[best], undefined, best)
  }

  private sweep(now: number): void {
    for (const [ip, s] of this.sticky) if (now - s.last >= this.affinityMs! || !this.byKey.has(s.key)) this.sticky.delete(ip)
  }
}

/** FNV-1a, 32 bits, then murmur3's finalizer so that the high bits (which choose) are mixed too. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
