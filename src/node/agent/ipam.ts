// Pod IPs from the node's podCIDR (a slice of 127.244.0.0/16), handed out round-robin after the
// last one given (like CNI host-local), so an address just released (a pod still draining from a
// proxy's endpoint list) is the last to be reused. The network and broadcast addresses are skipped.

export class PodCIDRError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PodCIDRError'
  }
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.')
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined
    n = n * 256 + Number(p)
  }
  return n
}

export const intToIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')

/** Parses `a.b.c.d/n` (IPv4). Throws PodCIDRError. */
export function parseCIDR(cidr: string): { base: number; size: number } {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr)
  const ip = m ? ipToInt(m[1]) : undefined
  const bits = m ? Number(m[2]) : NaN
  if (ip === undefined || !(bits >= 0 && bits <= 32)) throw new PodCIDRError(`invalid CIDR address: ${cidr}`)
  const size = 2 ** (32 - bits)
  return { base: ip - (ip % size), size }
}

export class PodIPAllocator {
  private readonly base: number
  private readonly size: number
  /** ip → owner (pod uid). */
  private readonly used = new Map<string, string>()
  /** owner → ip (one address a pod). */
  private readonly owners = new Map<string, string>()
  private last = -1

  /**
   * `hostBusy(ip)`: the host already has a listener on that address (another cluster's pod, a
   * leftover process); such addresses are skipped rather than handed to a pod that would crash.
   */
  constructor(
    readonly cidr: string,
    private readonly hostBusy: (ip: string) => boolean = () => false,
  ) {
    const { base, size } = parseCIDR(cidr)
    this.base = base
    this.size = size
  }

  /** First and last usable offsets: skip network and broadcast unless the range is tiny. */
  private get range(): [number, number] {
    return this.size <= 2 ? [0, this.size - 1] : [1, this.size - 2]
  }

  contains(ip: string): boolean {
    const n = ipToInt(ip)
    if (n === undefined) return false
    const [lo, hi] = this.range
    return n >= this.base + lo && n <= this.base + hi
  }

  /** The address held by `owner`, if any. */
  ipOf(owner: string): string | undefined {
    return this.owners.get(owner)
  }

  /** Reserve a specific address for owner (adoption). False if it is outside the range or taken by another. */
  reserve(ip: string, owner: string): boolean {
    if (!this.contains(ip)) return false
    const cur = this.used.get(ip)
    if (cur !== undefined && cur !== owner) return false
    this.release(owner)
    this.used.set(ip, owner)
    this.owners.set(owner, ip)
    return true
  }

  /** An address for owner (the one it already holds, if any). Throws PodCIDRError when full. */
  allocate(owner: string): string {
    const held = this.ipOf(owner)
    if (held) return held
    const [lo, hi] = this.range
    const count = hi - lo + 1
    for (let i = 1; i <= count; i++) {
      const off = lo + ((((this.last < lo ? lo - 1 : this.last) - lo + i) % count) + count) % count
      const ip = intToIp(this.base + off)
      if (!this.used.has(ip) && !this.hostBusy(ip)) {
        this.used.set(ip, owner)
        this.owners.set(owner, ip)
        this.last = off
        return ip
      }
    }
    throw new PodCIDRError(`no IP addresses available in range set: ${intToIp(this.base + lo)}-${intToIp(this.base + hi)}`)
  }

  release(owner: string): void {
    const ip = this.owners.get(owner)
    if (ip === undefined) return
    this.owners.delete(owner)
    this.used.delete(ip)
  }

  get inUse(): number {
    return this.used.size
  }
}
