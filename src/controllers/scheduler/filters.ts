// The scheduler's filters in upstream order (NodeUnschedulable, NodeName, TaintToleration,
// NodeAffinity, NodePorts, NodeResourcesFit, VolumeBinding) and its LeastAllocated score. Pure.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js'
import { cpu, ephemeralStorage, memory, podsResource, quantityValue, type HostPort, type Resources } from './resources.js'
import type { NodeUsage, PodUsage } from './snapshot.js'
import { filterVolumes, type PodClaims, type VolumeAction, type VolumeView } from './volumes.js'

/** A node a filter turned down: the reasons, and whether removing pods (preemption) could help. */
export interface Rejection {
  reasons: string[]
  /** Upstream Unschedulable (true) vs UnschedulableAndUnresolvable (false). */
  resolvable: boolean
}

export const reasons = {
  unschedulable: 'node(s) were unschedulable',
  nodeName: "node(s) didn't match the requested node name",
  affinity: "node(s) didn't match Pod's node affinity/selector",
  ports: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: 'Too many pods',
  taint: (t: Taint) => `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`,
  insufficient: (r: string) => `Insufficient ${r}`,
  noNodes: 'no nodes available to schedule pods',
  preemptionNotHelpful: 'Preemption is not helpful for scheduling',
  noVictims: 'No preemption victims found for incoming pod',
} as const

// ---- filters --------------------------------------------------------------------------------

/** Upstream Toleration.ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false
  if (t.key && t.key !== taint.key) return false
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '')
    case 'Exists':
      return true
    default:
      return false
  }
}

/**
 * The node's taints plus the ones upstream's node lifecycle controller would put on a node that
 * is not Ready (TaintNodesByCondition): not-ready when Ready is False, unreachable when Unknown or
 * missing.
 */
export function effectiveTaints(node: Node): Taint[] {
  const taints = node.spec?.taints ?? []
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status
  if (ready === 'True') return taints
  const key = ready === 'False' ? 'node.kubernetes.io/not-ready' : 'node.kubernetes.io/unreachable'
  if (taints.some((t) => t.key === key && t.effect === 'NoSchedule')) return taints
  return [...taints, { key, effect: 'NoSchedule' }]
}

function nodeUnschedulable(pod: Pod, node: Node): Rejection | undefined {
  if (!node.spec?.unschedulable) return undefined
  const taint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }
  if ((pod.spec?.tolerations ?? []).some((t) => tolerates(t, taint))) return undefined
  return { reasons: [reasons.unschedulable], resolvable: false }
}

function nodeName(pod: Pod, node: Node): Rejection | undefined {
  const want = pod.spec?.nodeName
  if (!want || want === node.metadata?.name) return undefined
  return { reasons: [reasons.nodeName], resolvable: false }
}

function taintToleration(pod: Pod, node: Node): Rejection | undefined {
  const tolerations = pod.spec?.tolerations ?? []
  for (const taint of effectiveTaints(node)) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue
    if (!tolerations.some((t) => tolerates(t, taint))) return { reasons: [reasons.taint(taint)], resolvable: false }
  }
  return undefined
}

function matchRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? []
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value)
    case 'NotIn':
      return value === undefined || !values.includes(value)
    case 'Exists':
      return value !== undefined
    case 'DoesNotExist':
      return value === undefined
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false
      const have = Number.parseInt(value, 10)
      const want = Number.parseInt(values[0], 10)
      if (!/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0])) return false
      return r.operator === 'Gt' ? have > want : have < want
    }
    default:
      return false
  }
}

/** A term matches when all its expressions and fields do; an empty term matches nothing. */
export function matchTerm(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? []
  const fields = term.matchFields ?? []
  if (exprs.length === 0 && fields.length === 0) return false
  const labels = node.metadata?.labels ?? {}
  return (
    exprs.every((e) => matchRequirement(e, Object.hasOwn(labels, e.key) ? labels[e.key] : undefined)) &&
    fields.every((f) => f.key === 'metadata.name' && matchRequirement(f, node.metadata?.name))
  )
}

function nodeAffinity(pod: Pod, node: Node): Rejection | undefined {
  const labels = node.metadata?.labels ?? {}
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) {
    if (labels[k] !== v) return { reasons: [reasons.affinity], resolvable: false }
  }
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
  if (terms && !terms.some((t) => matchTerm(t, node))) return { reasons: [reasons.affinity], resolvable: false }
  return undefined
}

function nodePorts(ports: HostPort[], usage: NodeUsage): Rejection | undefined {
  return ports.some((p) => usage.portConflict(p)) ? { reasons: [reasons.ports], resolvable: true } : undefined
}

/** What the node can give: allocatable, else capacity. A node that states no pod limit has none. */
function allocatable(node: Node, resource: string): number | undefined {
  const a = (node.status?.allocatable ?? node.status?.capacity) as Record<string, unknown> | undefined
  if (!a || !(resource in a)) return resource === podsResource ? undefined : 0
  return resource === podsResource ? Math.floor(Number(a[resource])) : quantityValue(resource, a[resource])
}

/** Upstream NodeResourcesFit (fitsRequest). */
function resourcesFit(requests: Resources, node: Node, usage: NodeUsage): Rejection | undefined {
  const out: string[] = []
  const maxPods = allocatable(node, podsResource)
  if (maxPods !== undefined && usage.pods + 1 > maxPods) out.push(reasons.tooManyPods)
  for (const r of [cpu, memory, ephemeralStorage]) {
    const want = requests.get(r) ?? 0
    if (want > 0 && want > (allocatable(node, r) ?? 0) - (usage.requested.get(r) ?? 0)) out.push(reasons.insufficient(r))
  }
  for (const [r, want] of requests) {
    if (r === cpu || r === memory || r === ephemeralStorage || r === podsResource) continue
    if (want > (allocatable(node, r) ?? 0) - (usage.requested.get(r) ?? 0)) out.push(reasons.insufficient(r))
  }
  return out.length ? { reasons: out, resolvable: true } : undefined
}

// ---- scoring --------------------------------------------------------------------------------

/** Upstream LeastAllocated over cpu and memory (non-zero requests), 0-100. */
export function leastAllocated(node: Node, usage: NodeUsage, nonZero: { cpu: number; memory: number }): number {
  const score = (cap: number, used: number) => (cap <= 0 || used > cap ? 0 : ((cap - used) * 100) / cap)
  return (score(allocatable(node, cpu) ?? 0, usage.nonZeroCPU + nonZero.cpu) + score(allocatable(node, memory) ?? 0, usage.nonZeroMemory + nonZero.memory)) / 2
}


// ---- one node -------------------------------------------------------------------------------

/** What every node is checked against: the pod, what it asks for, and its claims (PreFilter's state). */
export interface FilterInput {
  pod: Pod
  usage: PodUsage
  claims?: PodClaims
  volumes?: VolumeView
}

export type FilterResult = { ok: true; actions: VolumeAction[] } | { ok: false; rejection: Rejection }

/** Runs the filters in order; the first that turns the node down decides (upstream RunFilterPlugins). */
export function filterNode(input: FilterInput, node: Node, usage: NodeUsage): FilterResult {
  const { pod, usage: u } = input
  const rejected =
    nodeUnschedulable(pod, node) ??
    nodeName(pod, node) ??
    taintToleration(pod, node) ??
    nodeAffinity(pod, node) ??
    nodePorts(u.ports, usage) ??
    resourcesFit(u.requests, node, usage)
  if (rejected) return { ok: false, rejection: rejected }
  if (!input.claims || !input.volumes) return { ok: true, actions: [] }
  const v = filterVolumes(input.claims, node, input.volumes, matchTerm)
  // Every VolumeBinding rejection is UnschedulableAndUnresolvable: removing pods cannot help.
  if ('reasons' in v) return { ok: false, rejection: { reasons: v.reasons, resolvable: false } }
  return { ok: true, actions: v.actions }
}
