// The scheduler's view of the cluster (upstream's scheduler cache and NodeInfo): per node, the sum
// of what its pods request, their host ports and how many pods of each owner it runs. Kept up to
// date one pod at a time, so deciding where a pod goes costs O(nodes), never O(pods).
import type { Node, Pod } from 'kubernetes-types/core/v1.js'
import { hostPorts, nonZeroRequests, podRequests, type HostPort, type Resources } from './resources.js'

/** One pod's contribution to its node. */
export interface PodUsage {
  node: string
  requests: Resources
  nonZero: { cpu: number; memory: number }
  ports: HostPort[]
  /** The controller owner's uid, for spreading. */
  owner?: string
  /** The pod itself (preemption weighs priorities, labels and start times). */
  pod?: Pod
}

/** A pending pod nominated to a node by preemption: the room it will take is held for it. */
export interface Nominated {
  node: string
  priority: number
  usage: PodUsage
}

export class NodeUsage {
  readonly requested: Resources = new Map()
  nonZeroCPU = 0
  nonZeroMemory = 0
  pods = 0
  /** `TCP/8080` → host IPs in use → how many pods. */
  readonly ports = new Map<string, Map<string, number>>()
  readonly owners = new Map<string, number>()

  apply(u: PodUsage, sign: 1 | -1): void {
    this.pods += sign
    for (const [k, v] of u.requests) {
      const n = (this.requested.get(k) ?? 0) + sign * v
      if (n === 0) this.requested.delete(k)
      else this.requested.set(k, n)
    }
    this.nonZeroCPU += sign * u.nonZero.cpu
    this.nonZeroMemory += sign * u.nonZero.memory
    for (const p of u.ports) {
      const key = `${p.protocol}/${p.port}`
      const ips = this.ports.get(key) ?? new Map<string, number>()
      const n = (ips.get(p.ip) ?? 0) + sign
      if (n <= 0) ips.delete(p.ip)
      else ips.set(p.ip, n)
      if (ips.size === 0) this.ports.delete(key)
      else this.ports.set(key, ips)
    }
    if (u.owner) {
      const n = (this.owners.get(u.owner) ?? 0) + sign
      if (n <= 0) this.owners.delete(u.owner)
      else this.owners.set(u.owner, n)
    }
  }

  /** Upstream HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every address. */
  portConflict(p: HostPort): boolean {
    const ips = this.ports.get(`${p.protocol}/${p.port}`)
    if (!ips || ips.size === 0) return false
    if (p.ip === '0.0.0.0') return true
    return ips.has(p.ip) || ips.has('0.0.0.0')
  }
}

export function controllerOwner(pod: Pod): string | undefined {
  return pod.metadata?.ownerReferences?.find((o) => o.controller)?.uid
}

/** What a pod bound to `node` adds to it. */
export function usageOf(pod: Pod, node: string): PodUsage {
  return { node, requests: podRequests(pod), nonZero: nonZeroRequests(pod), ports: hostPorts(pod), owner: controllerOwner(pod), pod }
}

/** Upstream corev1helpers.PodPriority: spec.priority, 0 when unset. */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0
}

const emptyUsage = new NodeUsage()

/** A node's usage rebuilt from its pods (all, or all but those `without`). */
export function usageFrom(pods: Iterable<PodUsage>): NodeUsage {
  const out = new NodeUsage()
  for (const u of pods) out.apply(u, 1)
  return out
}

function copyUsage(u: NodeUsage): NodeUsage {
  const out = new NodeUsage()
  for (const [k, v] of u.requested) out.requested.set(k, v)
  out.nonZeroCPU = u.nonZeroCPU
  out.nonZeroMemory = u.nonZeroMemory
  out.pods = u.pods
  for (const [k, ips] of u.ports) out.ports.set(k, new Map(ips))
  for (const [k, v] of u.owners) out.owners.set(k, v)
  return out
}

export class Snapshot {
  private readonly nodes = new Map<string, Node>()
  private sorted: Node[] | undefined
  private readonly usage = new Map<string, NodeUsage>()
  private readonly pods = new Map<string, PodUsage>()
  /** node → pod key → its usage (preemption looks at the pods of one node). */
  private readonly byNode = new Map<string, Map<string, PodUsage>>()
  private readonly nominated = new Map<string, Nominated>()

  setNode(node: Node): void {
    const name = node.metadata?.name ?? ''
    if (!this.nodes.has(name)) this.sorted = undefined
    else if (this.sorted) this.sorted = this.sorted.map((n) => (n.metadata?.name === name ? node : n))
    this.nodes.set(name, node)
  }

  removeNode(name: string): void {
    if (this.nodes.delete(name)) this.sorted = undefined
  }

  /** Nodes in name order (deterministic plans). */
  nodeList(): Node[] {
    this.sorted ??= [...this.nodes.values()].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))
    return this.sorted
  }

  usageOf(node: string): NodeUsage {
    return this.usage.get(node) ?? emptyUsage
  }

  /** Count (or re-count) the pod `key` on its node; undefined usage removes it. */
  setPod(key: string, u: PodUsage | undefined): void {
    const old = this.pods.get(key)
    if (old) {
      const nu = this.usage.get(old.node)!
      nu.apply(old, -1)
      if (nu.pods === 0) this.usage.delete(old.node)
      this.pods.delete(key)
      const on = this.byNode.get(old.node)
      on?.delete(key)
      if (on?.size === 0) this.byNode.delete(old.node)
    }
    if (u) {
      let nu = this.usage.get(u.node)
      if (!nu) this.usage.set(u.node, (nu = new NodeUsage()))
      nu.apply(u, 1)
      this.pods.set(key, u)
      let on = this.byNode.get(u.node)
      if (!on) this.byNode.set(u.node, (on = new Map()))
      on.set(key, u)
    }
  }

  /** Keep the counted pod's object current (preemption reads its deletion, conditions, labels). */
  refreshPod(key: string, pod: Pod): void {
    const u = this.pods.get(key)
    if (u) u.pod = pod
  }

  /** The pods counted on `node`, by key. */
  podsOn(node: string): ReadonlyMap<string, PodUsage> {
    return this.byNode.get(node) ?? new Map()
  }

  /** Record (or forget) that the pending pod `key` is nominated to a node. */
  setNominated(key: string, n: Nominated | undefined): void {
    if (n) this.nominated.set(key, n)
    else this.nominated.delete(key)
  }

  nominatedNode(key: string): string | undefined {
    return this.nominated.get(key)?.node
  }

  /**
   * The usage of `node` with the pods nominated to it at priority `atLeast` or more added (all but
   * `except`): upstream's RunFilterPluginsWithNominatedPods, so a lower-priority pod does not take
   * the room a preemptor is waiting for.
   */
  usageWithNominated(node: string, atLeast: number, except: string, base: NodeUsage = this.usageOf(node)): NodeUsage {
    let out: NodeUsage | undefined
    for (const [key, n] of this.nominated) {
      if (n.node !== node || key === except || n.priority < atLeast) continue
      out ??= copyUsage(base)
      out.apply(n.usage, 1)
    }
    return out ?? base
  }

  hasPod(key: string): boolean {
    return this.pods.has(key)
  }

  /** The node the pod `key` is counted on, if any. */
  podNode(key: string): string | undefined {
    return this.pods.get(key)?.node
  }

  /** For tests: a snapshot of these nodes and the pods already bound to them. */
  static of(nodes: Node[], pods: Pod[]): Snapshot {
    const s = new Snapshot()
    for (const n of nodes) s.setNode(n)
    for (const p of pods) {
      const node = p.spec?.nodeName
      const phase = p.status?.phase
      const key = `${p.metadata?.namespace}/${p.metadata?.name}`
      if (node && phase !== 'Succeeded' && phase !== 'Failed') s.setPod(key, usageOf(p, node))
      const nominated = p.status?.nominatedNodeName
      if (!node && nominated) s.setNominated(key, { node: nominated, priority: podPriority(p), usage: usageOf(p, nominated) })
    }
    return s
  }
}
