// Where a pod goes (upstream kube-scheduler's default profile, cut down): the filters in upstream
// order — NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit,
// VolumeBinding (filters.ts) — then a score that spreads a controller's replicas across nodes and
// prefers the least requested node. Pure: the snapshot holds every number needed, so a decision costs O(nodes).
//
// When nothing fits, the message is upstream's FitError text plus the default preemption
// plugin's, e.g. for one node and a nodeSelector nobody matches:
//   0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption:
//   0/1 nodes are available: 1 Preemption is not helpful for scheduling.
// When pods of lower priority stand in the way, the decision names the victims and the node the
// pod is nominated to (preemption.ts).
import type { Pod } from 'kubernetes-types/core/v1.js'
import type { PDB } from '../../apis/policy/pdb.js'
import { filterNode, leastAllocated, reasons, type FilterInput, type Rejection } from './filters.js'
import { planPreemption } from './preemption.js'
import { controllerOwner, podPriority, usageOf, type Snapshot } from './snapshot.js'
import { preFilterVolumes, type VolumeAction, type VolumeView } from './volumes.js'

export { effectiveTaints, matchTerm, reasons, tolerates } from './filters.js'

export type Decision =
  | { type: 'bind'; node: string; volumes?: VolumeAction[] }
  | {
      type: 'unschedulable'
      reason: 'Unschedulable' | 'SchedulerError'
      message: string
      /** Pods to evict so the pod fits on `node` (it is nominated there). */
      preempt?: { node: string; victims: Pod[] }
      /** The pod's status.nominatedNodeName from now on ('' clears it); absent: leave it. */
      nominatedNodeName?: string
    }

export interface ScheduleContext {
  /** The snapshot key of the pod (`namespace/name`), so its own nomination is not counted against it. */
  key?: string
  volumes?: VolumeView
  pdbs?: readonly PDB[]
}

// ---- the plan -------------------------------------------------------------------------------

function histogram(items: string[]): string {
  const counts = new Map<string, number>()
  for (const r of items) counts.set(r, (counts.get(r) ?? 0) + 1)
  return [...counts].map(([r, n]) => `${n} ${r}`).sort().join(', ')
}

/** Upstream FitError.Error(): the PreFilter message or the per-node histogram, then the PostFilter's. */
function fitError(total: number, rejections: Rejection[], preFilter?: string): string {
  return `0/${total} nodes are available: ${preFilter ?? histogram(rejections.flatMap((r) => r.reasons))}.`
}

/** Decide where `pod` goes, given the cluster `snapshot` (which must not count the pod itself). */
export function planSchedule(pod: Pod, snapshot: Snapshot, ctx: ScheduleContext = {}): Decision {
  const nodes = snapshot.nodeList()
  if (nodes.length === 0) return { type: 'unschedulable', reason: 'SchedulerError', message: reasons.noNodes }
  const key = ctx.key ?? `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`
  const input: FilterInput = { pod, usage: usageOf(pod, ''), volumes: ctx.volumes }
  const priority = podPriority(pod)
  const owner = controllerOwner(pod)
  const rejections = new Map<string, Rejection>()
  let preFilter: string | undefined
  let best: { node: string; spread: number; free: number; actions: VolumeAction[] } | undefined
  const pre = ctx.volumes ? preFilterVolumes(pod, ctx.volumes) : ({ type: 'none' } as const)
  if (pre.type === 'reject') preFilter = pre.message
  else {
    if (pre.type === 'claims') input.claims = pre.claims
    for (const node of nodes) {
      const name = node.metadata?.name ?? ''
      const usage = snapshot.usageWithNominated(name, priority, key)
      const r = filterNode(input, node, usage)
      if (!r.ok) {
        rejections.set(name, r.rejection)
        continue
      }
      const spread = owner ? (usage.owners.get(owner) ?? 0) : 0
      const free = leastAllocated(node, usage, input.usage.nonZero)
      if (!best || spread < best.spread || (spread === best.spread && free > best.free)) best = { node: name, spread, free, actions: r.actions }
    }
  }
  if (best) return best.actions.length ? { type: 'bind', node: best.node, volumes: best.actions } : { type: 'bind', node: best.node }

  // PostFilter: default preemption. After a PreFilter rejection no node was tried: none can help.
  const message = fitError(nodes.length, [...rejections.values()], preFilter)
  const unschedulable = (msg: string, extra: Partial<Extract<Decision, { type: 'unschedulable' }>> = {}): Decision => ({ type: 'unschedulable', reason: 'Unschedulable', message: msg, ...extra })
  const clear = pod.status?.nominatedNodeName ? { nominatedNodeName: '' } : {}
  const result = planPreemption(input, key, snapshot, rejections, ctx.pdbs ?? [])
  switch (result.type) {
    case 'ineligible':
      return unschedulable(`${message} preemption: ${result.message}`)
    case 'none': {
      const all = preFilter ? nodes.map(() => ({ reasons: [reasons.preemptionNotHelpful], resolvable: false })) : result.rejections
      return unschedulable(`${message} preemption: ${fitError(nodes.length, all)}`, clear)
    }
    case 'preempt':
      return unschedulable(message, { preempt: { node: result.candidate.node, victims: result.candidate.victims }, nominatedNodeName: result.candidate.node })
  }
}
