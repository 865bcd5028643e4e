// Which pod address range a new Node gets (upstream: pkg/controller/nodeipam, the range
// allocator: --cluster-cidr, --node-cidr-mask-size 24). kubelite's cluster CIDR is the loopback
// 127.244.0.0/16, so a node gets 127.244.N.0/24 (254 pods; upstream's default max is 110). Pure.

export const clusterCIDR = '127.244.0.0/16'
export const nodeMaskSize = 24

function toInt(ip: string): number | undefined {
  const p = ip.split('.').map(Number)
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined
  return ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3]
}

const toIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')

/** [first, last] addresses of a CIDR, or undefined when it is not one. */
export function cidrRange(cidr: string): [number, number] | undefined {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr)
  const base = m ? toInt(m[1]) : undefined
  const bits = m ? Number(m[2]) : NaN
  if (base === undefined || !(bits >= 0 && bits <= 32)) return undefined
  const size = 2 ** (32 - bits)
  const first = base - (base % size)
  return [first, first + size - 1]
}

/**
 * The first /24 of the cluster CIDR that overlaps none of `taken` (other nodes' podCIDRs), or
 * undefined when none is left (upstream: "CIDR allocation failed; there are no remaining CIDRs left
 * to allocate in the accepted range").
 */
export function nextPodCIDR(taken: string[], cluster = clusterCIDR, mask = nodeMaskSize): string | undefined {
  const [lo, hi] = cidrRange(cluster)!
  const used = taken.map(cidrRange).filter((r): r is [number, number] => r !== undefined)
  const size = 2 ** (32 - mask)
  for (let start = lo; start + size - 1 <= hi; start += size) {
    const end = start + size - 1
    if (!used.some(([a, b]) => a <= end && start <= b)) return `${toIp(start)}/${mask}`
  }
  return undefined
}
