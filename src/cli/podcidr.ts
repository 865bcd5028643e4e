// Pod address ranges for the nodes of control planes that share one store (an HA pair on etcd).
// Alone, `kubelite up` slices 127.244.0.0/16 among its own nodes (up.ts podCIDR). With a shared
// store, every process's nodes draw their slices from the same /16: each slice is claimed in the
// store with create-if-absent (key /kubelite/podcidrs/<cidr>, value the node's name), so two
// processes starting at once never give two nodes one range, as kube-controller-manager's node IPAM
// (--allocate-node-cidrs) never does. A node keeps its range across restarts (the agent reuses its
// Node's spec.podCIDR, and its claim names it). A slice is a /24 with the process runtime (254
// pods, upstream's default limit is 110), a /20 with the sim one (16 slices of 4094).
import { isStoreError, type Store } from '../store/types.js'

export const podCIDRClaimPrefix = '/kubelite/podcidrs/'

const base = (127 << 24) + (244 << 16)

function parseCIDR(cidr: string): { start: number; size: number } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr)
  if (!m) return undefined
  const [a, b, c, d, bits] = m.slice(1).map(Number)
  const size = 2 ** (32 - bits!)
  const n = a! * 2 ** 24 + (b! << 16) + (c! << 8) + d!
  return { start: n - (n % size), size }
}

const overlaps = (x: string, y: string): boolean => {
  const [p, q] = [parseCIDR(x), parseCIDR(y)]
  return !!p && !!q && p.start < q.start + q.size && q.start < p.start + p.size
}

/** Every slice of 127.244.0.0/16 of this runtime's size, in order. */
export function podCIDRSlices(runtime: 'process' | 'sim'): string[] {
  const prefix = runtime === 'process' ? 24 : 20
  const size = 2 ** (32 - prefix)
  const out: string[] = []
  for (let start = base; start < base + 65536; start += size) out.push(`127.244.${(start >> 8) & 255}.0/${prefix}`)
  return out
}

/**
 * A range for each of `names`: the one its Node already has (among `nodes`, the stored Nodes),
 * else the first slice that no other node holds or claims. Throws when the /16 is used up.
 */
export async function claimPodCIDRs(store: Store, runtime: 'process' | 'sim', names: string[], nodes: { metadata: { name?: string }; spec?: unknown }[]): Promise<string[]> {
  const existing = new Map<string, string>()
  for (const n of nodes) {
    const cidr = (n.spec as { podCIDR?: unknown } | undefined)?.podCIDR
    if (n.metadata.name && typeof cidr === 'string' && cidr) existing.set(n.metadata.name, cidr)
  }
  const out: string[] = []
  const key = (cidr: string) => podCIDRClaimPrefix + cidr.replace('/', '-')
  // Slices other nodes claimed (of either size), whether or not their Node is registered yet.
  const claimed = (await store.list(podCIDRClaimPrefix)).items.map((kv) => ({ cidr: kv.key.slice(podCIDRClaimPrefix.length).replace('-', '/'), name: kv.value }))
  for (const name of names) {
    const held = existing.get(name)
    if (held) {
      await store.create(key(held), name).catch((err) => {
        if (!isStoreError(err, 'AlreadyExists')) throw err
      })
      out.push(held)
      continue
    }
    let chosen: string | undefined
    for (const cidr of podCIDRSlices(runtime)) {
      const taken = [...existing].some(([n, c]) => n !== name && overlaps(c, cidr)) || claimed.some((c) => c.name !== name && overlaps(c.cidr, cidr)) || out.some((c) => overlaps(c, cidr))
      if (taken) continue
      try {
        await store.create(key(cidr), name)
        chosen = cidr
        break
      } catch (err) {
        if (!isStoreError(err, 'AlreadyExists')) throw err
        if ((await store.get(key(cidr)))?.value === name) {
          chosen = cidr // claimed by an earlier life of this node
          break
        }
      }
    }
    if (!chosen) throw new Error(`no pod address range left for node ${name}: every slice of 127.244.0.0/16 is held by another node`)
    out.push(chosen)
  }
  return out
}
