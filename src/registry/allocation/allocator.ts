// Service ClusterIP and NodePort allocation (upstream pkg/registry/core/service/ipallocator and
// portallocator): two bitmaps, one over the ClusterIP range and one over the NodePort range.
//
// The store is the truth; the bitmaps are a cache of it. They are built from the stored Services
// at first use, and a value is marked the moment it is handed out (synchronously, so two requests
// in this process never get the same value). Nothing is released eagerly: a Service's values stay
// marked after it is deleted or after an update gives them up, until the next rebuild. A rebuild
// happens whenever a request would fail (a requested value that looks taken, or a full range), so
// a deleted Service's clusterIP or nodePort can be requested again at once, and a delete that
// fails never leaks anything. Values handed out for writes that are not yet visible in the store
// are kept through rebuilds as "pending" for a while (pendingTtlMs), so an in-flight create or
// update is never robbed of its IP. A pending value is dropped as soon as the store shows its
// owner's write landed (the owner is there, at another resourceVersion than when the value was
// handed out), when its owner is deleted, or when it expires (the write failed).
//
// With a store shared by several API servers (an HA pair on one etcd), every value handed out is
// also claimed in the store (claims.ts): the bitmaps pick candidates, the store's create-if-absent
// decides. A value another API server claimed is marked here and another one is tried.
import { randomInt } from 'node:crypto'
import { isObj } from '../../lib/guards.js'
import type { ClaimKind, StoreClaims } from './claims.js'

/** Why an allocation failed, with upstream's wording. */
export class AllocationError extends Error {
  constructor(
    readonly kind: 'Allocated' | 'NotInRange' | 'Full',
    message: string,
  ) {
    super(message)
    this.name = 'AllocationError'
  }
}

/** What the allocator needs of a stored Service. */
export interface ServiceLike {
  metadata: { uid?: string; name?: string; namespace?: string; resourceVersion?: string }
  spec?: unknown
}

export interface AllocatorOptions {
  /** All Services in the store (every namespace). */
  listServices(): Promise<ServiceLike[]>
  /** ClusterIP range, IPv4 CIDR. Default 127.96.0.0/16. */
  serviceCIDR?: string
  /** NodePort range. Default 30000-32767. */
  nodePorts?: { base: number; size: number }
  clock?: () => number
  /** How long a value handed out stays reserved while its write is not visible in the store. */
  pendingTtlMs?: number
  /** Random integer in [0, n) (tests inject a deterministic one). */
  random?: (n: number) => number
  /** Claims in a store shared with other API servers (absent: this process is the only one). */
  claims?: StoreClaims
}

export const defaultServiceCIDR = '127.96.0.0/16'
export const defaultNodePorts = { base: 30000, size: 2768 }

type Obj = Record<string, unknown>
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

export function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s)
  if (!m) return undefined
  const parts = m.slice(1).map(Number)
  if (parts.some((p) => p > 255)) return undefined
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3]
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

/** A set of offsets in [0, size) with random-start first-fit search (upstream's bitmap allocator). */
export class Bitmap {
  private bits: Uint8Array
  private used = 0

  constructor(readonly size: number) {
    this.bits = new Uint8Array(size)
  }

  has(i: number): boolean {
    return this.bits[i] === 1
  }

  set(i: number): void {
    if (this.bits[i] === 0) {
      this.bits[i] = 1
      this.used++
    }
  }

  clear(i: number): void {
    if (this.bits[i] === 1) {
      this.bits[i] = 0
      this.used--
    }
  }

  get count(): number {
    return this.used
  }

  /** A free offset, scanning from a random start and wrapping; `skip` offsets are never picked. */
  findFree(start: number, skip: (i: number) => boolean): number | undefined {
    for (let k = 0; k < this.size; k++) {
      const i = (start + k) % this.size
      if (this.bits[i] === 0 && !skip(i)) return i
    }
    return undefined
  }

  reset(): void {
    this.bits = new Uint8Array(this.size)
    this.used = 0
  }
}

/** The values a Service holds: its ClusterIPs (in range or not) and node ports. */
export function heldValues(spec: unknown): { ips: string[]; ports: number[] } {
  const s = isObj(spec) ? spec : {}
  const ips = new Set<string>()
  for (const ip of list(s.clusterIPs)) if (typeof ip === 'string' && ip !== 'None' && ip !== '') ips.add(ip)
  if (typeof s.clusterIP === 'string' && s.clusterIP !== 'None' && s.clusterIP !== '') ips.add(s.clusterIP)
  const ports = new Set<number>()
  for (const p of list(s.ports)) if (isObj(p) && typeof p.nodePort === 'number' && p.nodePort > 0) ports.add(p.nodePort)
  if (typeof s.healthCheckNodePort === 'number' && s.healthCheckNodePort > 0) ports.add(s.healthCheckNodePort)
  return { ips: [...ips], ports: [...ports] }
}

interface Pending {
  uid: string
  /** The owner's resourceVersion when the value was handed out (none: a create). */
  resourceVersion?: string
  expires: number
}

/** The Service a value is handed out to: its uid, and for an update the resourceVersion it updates. */
export type Owner = string | { uid: string; resourceVersion?: string; namespace?: string; name?: string }

/** Values handed out by one admission call; undone together if a later step fails. */
export interface Reservation {
  ips: string[]
  ports: number[]
}

export class ServiceAllocator {
  readonly cidr: string
  readonly nodePortRange: { base: number; size: number }
  private readonly base: number
  private readonly ipBits: Bitmap
  private readonly portBits: Bitmap
  private readonly pendingIPs = new Map<number, Pending>()
  private readonly pendingPorts = new Map<number, Pending>()
  private loaded = false
  private rebuilding: Promise<void> | undefined
  private readonly clock: () => number
  private readonly random: (n: number) => number
  private readonly ttl: number

  constructor(private readonly opts: AllocatorOptions) {
    this.cidr = opts.serviceCIDR ?? defaultServiceCIDR
    const [addr, bitsText] = this.cidr.split('/')
    const base = parseIPv4(addr)
    const prefix = Number(bitsText)
    if (base === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`invalid service CIDR ${JSON.stringify(this.cidr)}: want an IPv4 CIDR from /8 to /30`)
    const size = 2 ** (32 - prefix)
    this.base = base - (base % size)
    this.ipBits = new Bitmap(size)
    this.nodePortRange = opts.nodePorts ?? defaultNodePorts
    this.portBits = new Bitmap(this.nodePortRange.size)
    this.clock = opts.clock ?? Date.now
    this.random = opts.random ?? ((n) => randomInt(n))
    this.ttl = opts.pendingTtlMs ?? 30_000
  }

  // ---- state ----------------------------------------------------------------------------------

  /** Offset of an IP in the range, or undefined (the network and broadcast addresses are out). */
  private ipOffset(ip: string): number | undefined {
    const n = parseIPv4(ip)
    if (n === undefined) return undefined
    const off = n - this.base
    if (off <= 0 || off >= this.ipBits.size - 1) return undefined
    return off
  }

  private portOffset(port: number): number | undefined {
    const off = port - this.nodePortRange.base
    return Number.isInteger(off) && off >= 0 && off < this.nodePortRange.size ? off : undefined
  }

  /** Load the bitmaps from the store once; concurrent callers share the first load. */
  async ensureLoaded(): Promise<void> {
    if (!this.loaded) await this.rebuild()
  }

  /** Recompute the bitmaps from the stored Services plus the values still pending. */
  rebuild(): Promise<void> {
    this.rebuilding ??= (async () => {
      try {
        const services = await this.opts.listServices()
        const visible = new Map<string, string | undefined>() // uid → resourceVersion
        this.ipBits.reset()
        this.portBits.reset()
        for (const svc of services) {
          const v = heldValues(svc.spec)
          for (const ip of v.ips) {
            const off = this.ipOffset(ip)
            if (off !== undefined) this.ipBits.set(off)
          }
          for (const port of v.ports) {
            const off = this.portOffset(port)
            if (off !== undefined) this.portBits.set(off)
          }
          if (svc.metadata.uid) visible.set(svc.metadata.uid, svc.metadata.resourceVersion)
        }
        const now = this.clock()
        // The owner's write is visible in the store: the store governs from now on.
        const landed = (p: Pending) => visible.has(p.uid) && (p.resourceVersion === undefined || visible.get(p.uid) !== p.resourceVersion)
        for (const [pending, bits] of [
          [this.pendingIPs, this.ipBits],
          [this.pendingPorts, this.portBits],
        ] as const) {
          for (const [off, p] of pending) {
            // With a shared store the claims there guard writes in flight (and another API server
            // may have deleted the owner): the local marks are only a hint, dropped here.
            if (p.expires <= now || landed(p) || this.opts.claims) pending.delete(off)
            else bits.set(off)
          }
        }
        this.loaded = true
      } finally {
        this.rebuilding = undefined
      }
    })()
    return this.rebuilding
  }

  // ---- allocation -----------------------------------------------------------------------------

  private reserve(pending: Map<number, Pending>, bits: Bitmap, off: number, owner: Owner, dryRun: boolean): void {
    if (dryRun) return
    bits.set(off)
    const o = typeof owner === 'string' ? { uid: owner } : owner
    pending.set(off, { uid: o.uid, resourceVersion: o.resourceVersion, expires: this.clock() + this.ttl })
  }

  /** Revisions of this process's latest claims in the shared store, by kind/value, for undo. */
  private readonly claimed = new Map<string, number>()

  /**
   * After a local reservation: claim the value in the shared store. False when another API server
   * holds it: the local reservation is dropped and the value stays marked as taken.
   */
  private async claim(kind: ClaimKind, pending: Map<number, Pending>, off: number, value: string | number, owner: Owner, dryRun: boolean): Promise<boolean> {
    const claims = this.opts.claims
    if (!claims || dryRun) return true
    const o = typeof owner === 'string' ? { uid: owner } : owner
    let rev: number | undefined
    try {
      rev = await claims.claim(kind, value, o)
    } catch (err) {
      pending.delete(off)
      ;(kind === 'ip' ? this.ipBits : this.portBits).clear(off)
      throw err
    }
    if (rev === undefined) {
      pending.delete(off)
      return false
    }
    this.claimed.set(`${kind}/${value}`, rev)
    // Only an undo within the same admission call needs the revision: keep the newest few thousand.
    if (this.claimed.size > 4096) for (const key of [...this.claimed.keys()].slice(0, 2048)) this.claimed.delete(key)
    return true
  }

  /**
   * The Service with this uid is being deleted: nothing of it is in flight any more, so its values
   * are no longer pending (the next rebuild frees them once the delete is visible).
   */
  forget(uid: string): void {
    for (const pending of [this.pendingIPs, this.pendingPorts]) {
      for (const [off, p] of pending) if (p.uid === uid) pending.delete(off)
    }
  }

  /** Undo values handed out by a call whose later step failed. */
  undo(r: Reservation): void {
    for (const ip of r.ips) {
      const off = this.ipOffset(ip)
      if (off !== undefined && this.pendingIPs.delete(off)) this.ipBits.clear(off)
      this.unclaim('ip', ip)
    }
    for (const port of r.ports) {
      const off = this.portOffset(port)
      if (off !== undefined && this.pendingPorts.delete(off)) this.portBits.clear(off)
      this.unclaim('port', port)
    }
  }

  private unclaim(kind: ClaimKind, value: string | number): void {
    const rev = this.claimed.get(`${kind}/${value}`)
    if (rev === undefined || !this.opts.claims) return
    this.claimed.delete(`${kind}/${value}`)
    // Best effort: a claim left behind lapses after pendingTtlMs.
    this.opts.claims.unclaim(kind, value, rev).catch(() => undefined)
  }

  /** The Service with this uid is being deleted (not a dry run): see forget() and StoreClaims.release. */
  async release(uid: string, spec: unknown): Promise<void> {
    this.forget(uid)
    await this.opts.claims?.release(uid, spec).catch(() => undefined)
  }

  /** Allocate the requested IP, or throw AllocationError (Allocated / NotInRange). */
  async allocateIP(ip: string, owner: Owner, dryRun = false): Promise<void> {
    await this.ensureLoaded()
    const off = this.ipOffset(ip)
    if (off === undefined) {
      throw new AllocationError('NotInRange', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr}`)
    }
    if (this.ipBits.has(off)) {
      await this.rebuild()
      if (this.ipBits.has(off)) throw new AllocationError('Allocated', 'provided IP is already allocated')
    }
    this.reserve(this.pendingIPs, this.ipBits, off, owner, dryRun)
    if (!(await this.claim('ip', this.pendingIPs, off, ip, owner, dryRun))) throw new AllocationError('Allocated', 'provided IP is already allocated')
  }

  /**
   * A free IP, chosen at random. The first address after the network one (127.96.0.1) is kept
   * for the `kubernetes` Service and is only given when requested.
   */
  async allocateNextIP(owner: Owner, dryRun = false): Promise<string> {
    await this.ensureLoaded()
    const tried = new Set<number>() // held by another API server (shared store)
    const skip = (i: number) => i <= 1 || i >= this.ipBits.size - 1 || tried.has(i)
    for (let rebuilt = false; ; ) {
      const off = this.ipBits.findFree(this.random(this.ipBits.size), skip)
      if (off === undefined) {
        if (rebuilt) throw new AllocationError('Full', 'range is full')
        await this.rebuild()
        rebuilt = true
        continue
      }
      this.reserve(this.pendingIPs, this.ipBits, off, owner, dryRun)
      const ip = formatIPv4(this.base + off)
      if (await this.claim('ip', this.pendingIPs, off, ip, owner, dryRun)) return ip
      tried.add(off)
    }
  }

  async allocatePort(port: number, owner: Owner, dryRun = false): Promise<void> {
    await this.ensureLoaded()
    const off = this.portOffset(port)
    if (off === undefined) {
      const last = this.nodePortRange.base + this.nodePortRange.size - 1
      throw new AllocationError('NotInRange', `provided port is not in the valid range. The range of valid ports is ${this.nodePortRange.base}-${last}`)
    }
    if (this.portBits.has(off)) {
      await this.rebuild()
      if (this.portBits.has(off)) throw new AllocationError('Allocated', 'provided port is already allocated')
    }
    this.reserve(this.pendingPorts, this.portBits, off, owner, dryRun)
    if (!(await this.claim('port', this.pendingPorts, off, port, owner, dryRun))) throw new AllocationError('Allocated', 'provided port is already allocated')
  }

  async allocateNextPort(owner: Owner, dryRun = false, avoid: Set<number> = new Set()): Promise<number> {
    await this.ensureLoaded()
    const tried = new Set<number>() // held by another API server (shared store)
    const skip = (i: number) => avoid.has(this.nodePortRange.base + i) || tried.has(i)
    for (let rebuilt = false; ; ) {
      const off = this.portBits.findFree(this.random(this.portBits.size), skip)
      if (off === undefined) {
        if (rebuilt) throw new AllocationError('Full', 'range is full')
        await this.rebuild()
        rebuilt = true
        continue
      }
      this.reserve(this.pendingPorts, this.portBits, off, owner, dryRun)
      const port = this.nodePortRange.base + off
      if (await this.claim('port', this.pendingPorts, off, port, owner, dryRun)) return port
      tried.add(off)
    }
  }

  /** For tests and metrics: how many values are marked. */
  usage(): { ips: number; ports: number } {
    return { ips: this.ipBits.count, ports: this.portBits.count }
  }
}
