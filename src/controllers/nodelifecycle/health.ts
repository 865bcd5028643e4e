// Node health as upstream's node lifecycle controller judges it (pkg/controller/nodelifecycle:
// tryUpdateNodeHealth, processTaintBaseEviction, ComputeZoneState, and MarkPodsNotReady of
// pkg/controller/util/node). Pure: the controller's clock reading comes in as `now` (ms), and the
// health it keeps per node between passes comes in and goes out as a value.
//
// A kubelet proves it is alive two ways: it renews its Lease in kube-node-lease (every 10 s) and it
// posts NodeStatus (when something changed, at least every 5 minutes). The controller never trusts
// the timestamps they carry (clocks skew); it notes on its own clock when it last saw either move
// (`probeTimestamp`). When that is older than --node-monitor-grace-period (50 s in 1.32, 40 s
// before; --node-startup-grace-period, 60 s, for a node whose kubelet never posted a Ready
// condition), every condition the kubelet owns becomes Unknown with reason NodeStatusUnknown and
// message `Kubelet stopped posting node status.` — `kubectl get nodes` then prints NotReady.
import type { Node, NodeCondition, Pod, PodCondition, Taint } from 'kubernetes-types/core/v1.js'
import { rfc3339 } from '../../lib/duration.js'

export const notReadyTaintKey = 'node.kubernetes.io/not-ready'
export const unreachableTaintKey = 'node.kubernetes.io/unreachable'

/** Upstream's defaults (kube-controller-manager 1.32). */
export const defaultNodeMonitorGracePeriodMs = 50_000
export const defaultNodeStartupGracePeriodMs = 60_000
export const defaultNodeMonitorPeriodMs = 5_000
/** --node-eviction-rate, --secondary-node-eviction-rate, --large-cluster-size-threshold, --unhealthy-zone-threshold. */
export const evictionLimiterQPS = 0.1
export const secondaryEvictionLimiterQPS = 0.01
export const largeClusterThreshold = 50
export const unhealthyZoneThreshold = 0.55

/** The conditions that turn Unknown when the kubelet goes quiet (NetworkUnavailable is the network's). */
const kubeletConditionTypes = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']

/** What the controller remembers of a node between passes (upstream nodeHealthData). */
export interface NodeHealth {
  /** When (the controller's clock, ms) the kubelet was last seen alive: a new heartbeat or lease renewal. */
  probeTimestamp: number
  /** When the Ready condition last changed, as the controller saw it. */
  readyTransitionTimestamp: number
  /** The Ready condition as last seen (undefined: the node had none). */
  ready?: NodeCondition
  /** The Lease's renewTime as last seen. */
  leaseRenewTime?: string
}

export interface HealthInput {
  node: Node
  /** The node's Lease in kube-node-lease, if any. */
  leaseRenewTime?: string
  saved?: NodeHealth
  now: number
  gracePeriodMs: number
  startupGracePeriodMs: number
}

export interface HealthResult {
  health: NodeHealth
  /** The Ready condition the pass started from (a fake Unknown one when the kubelet never posted). */
  observedReady: NodeCondition
  /** The Ready condition after the pass (undefined: still none). */
  currentReady?: NodeCondition
  /** The node's conditions to write through /status, when the pass changed its Ready condition. */
  conditions?: NodeCondition[]
}

const readyOf = (conditions: readonly NodeCondition[] | undefined) => (conditions ?? []).find((c) => c.type === 'Ready')
const time = (s: string | undefined) => (s ? Date.parse(s) : NaN)
const sameCondition = (a: NodeCondition | undefined, b: NodeCondition | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

/** tryUpdateNodeHealth. */
export function computeNodeHealth({ node, leaseRenewTime, saved, now, gracePeriodMs, startupGracePeriodMs }: HealthInput): HealthResult {
  const created = time(node.metadata?.creationTimestamp)
  const conditions = node.status?.conditions ?? []
  const current = readyOf(conditions)
  let gracePeriod: number
  let observedReady: NodeCondition
  let health = saved
  if (!current) {
    // The kubelet never posted: judge from the node's creation, with the longer startup grace.
    observedReady = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: node.metadata?.creationTimestamp }
    gracePeriod = startupGracePeriodMs
    health = health ? { ...health, ready: undefined } : { probeTimestamp: created, readyTransitionTimestamp: created }
  } else {
    observedReady = { ...current }
    gracePeriod = gracePeriodMs
  }
  const savedReady = saved?.ready
  if (!health) {
    // First sight of this node (or of this controller): it gets a full grace period from now.
    health = { probeTimestamp: now, readyTransitionTimestamp: now, ready: current }
  } else if (!savedReady && current) {
    health = { probeTimestamp: now, readyTransitionTimestamp: now, ready: current, leaseRenewTime: health.leaseRenewTime }
  } else if (savedReady && current && savedReady.lastHeartbeatTime !== current.lastHeartbeatTime) {
    const transition = savedReady.lastTransitionTime !== current.lastTransitionTime ? now : health.readyTransitionTimestamp
    health = { probeTimestamp: now, readyTransitionTimestamp: transition, ready: current, leaseRenewTime: health.leaseRenewTime }
  }
  // A renewed Lease is a heartbeat too (a kubelet that renews it but never posts status is trusted).
  if (leaseRenewTime && (!health.leaseRenewTime || time(health.leaseRenewTime) < time(leaseRenewTime))) {
    health = { ...health, leaseRenewTime, probeTimestamp: now }
  }

  if (now <= health.probeTimestamp + gracePeriod) return { health, observedReady, currentReady: current }

  // Silent for longer than the grace period: every kubelet condition becomes Unknown.
  const stamp = rfc3339(new Date(now))
  const next = conditions.map((c) => ({ ...c }))
  for (const type of kubeletConditionTypes) {
    const c = next.find((x) => x.type === type)
    if (!c) {
      next.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: stamp })
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: stamp })
    }
  }
  const currentReady = readyOf(next)
  if (sameCondition(currentReady, observedReady)) return { health, observedReady, currentReady: current }
  // Written: the controller now remembers the status it wrote.
  return { health: { ...health, ready: currentReady, readyTransitionTimestamp: now }, observedReady, currentReady, conditions: next }
}

// ---- NoExecute taints ------------------------------------------------------------------------

export type TaintDecision =
  /** Swap at once: the node already carries the opposite NoExecute taint. */
  | { kind: 'swap'; add: string; remove: string }
  /** Queue the node for tainting (rate limited per zone). */
  | { kind: 'queue'; status: 'False' | 'Unknown' }
  /** Ready: both NoExecute taints off, out of the queue. */
  | { kind: 'reachable' }

export function hasNoExecuteTaint(node: Node, key: string): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === key && t.effect === 'NoExecute')
}

/** processTaintBaseEviction, by the Ready condition the pass started from. */
export function planTaintBasedEviction(node: Node, observedReady: NodeCondition): TaintDecision | undefined {
  switch (observedReady.status) {
    case 'False':
      return hasNoExecuteTaint(node, unreachableTaintKey) ? { kind: 'swap', add: notReadyTaintKey, remove: unreachableTaintKey } : { kind: 'queue', status: 'False' }
    case 'Unknown':
      return hasNoExecuteTaint(node, notReadyTaintKey) ? { kind: 'swap', add: unreachableTaintKey, remove: notReadyTaintKey } : { kind: 'queue', status: 'Unknown' }
    case 'True':
      return { kind: 'reachable' }
    default:
      return undefined
  }
}

/**
 * The node's taints with NoExecute `add` (stamped with timeAdded) and without NoExecute `remove`
 * (upstream SwapNodeControllerTaint); undefined when they are right already.
 */
export function swapNoExecuteTaints(node: Node, add: string | undefined, remove: readonly string[], now: number): Taint[] | undefined {
  const taints = node.spec?.taints ?? []
  const kept = taints.filter((t) => !(t.effect === 'NoExecute' && remove.includes(t.key)))
  const adding = add !== undefined && !kept.some((t) => t.key === add && t.effect === 'NoExecute')
  if (!adding && kept.length === taints.length) return undefined
  return adding ? [...kept, { key: add, effect: 'NoExecute', timeAdded: rfc3339(new Date(now)) }] : kept
}

/**
 * The tainting pass for one queued node (doNoExecuteTaintingPass): by its Ready condition now, the
 * taint to add and its opposite to remove, or undefined when it is Ready again (drop it).
 */
export function planNoExecuteTaint(node: Node): { add: string; remove: string } | undefined {
  const ready = readyOf(node.status?.conditions)
  if (ready?.status === 'False') return { add: notReadyTaintKey, remove: unreachableTaintKey }
  if (ready?.status === 'Unknown') return { add: unreachableTaintKey, remove: notReadyTaintKey }
  return undefined
}

// ---- zones -------------------------------------------------------------------------------------

export type ZoneState = 'Initial' | 'Normal' | 'FullDisruption' | 'PartialDisruption'

/** nodetopology.GetZoneKey: region and zone labels, '' when the node has neither. */
export function zoneKey(node: Node): string {
  const l = node.metadata?.labels ?? {}
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? ''
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? ''
  return region === '' && zone === '' ? '' : `${region}:\x00:${zone}`
}

/** Nodes labelled so are left out of the zone's health (upstream's labelNodeDisruptionExclusion). */
export function excludedFromDisruption(node: Node): boolean {
  return (node.metadata?.labels ?? {})['node.kubernetes.io/exclude-disruption'] !== undefined
}

/**
 * ComputeZoneState: no Ready node at all is a full disruption (the control plane, not the nodes, is
 * probably the one cut off); more than 2 not-ready nodes making up at least 55% is a partial one.
 */
export function computeZoneState(readyConditions: readonly (NodeCondition | undefined)[]): { notReady: number; state: ZoneState } {
  let ready = 0
  let notReady = 0
  for (const c of readyConditions) {
    if (c?.status === 'True') ready++
    else notReady++
  }
  if (ready === 0 && notReady > 0) return { notReady, state: 'FullDisruption' }
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyZoneThreshold) return { notReady, state: 'PartialDisruption' }
  return { notReady, state: 'Normal' }
}

/** The tainting rate of a zone in a state (setLimiterInZone, ReducedQPSFunc, HealthyQPSFunc). */
export function zoneEvictionQPS(state: ZoneState, zoneSize: number): number {
  if (state === 'PartialDisruption') return zoneSize > largeClusterThreshold ? secondaryEvictionLimiterQPS : 0
  return evictionLimiterQPS
}

/** A token bucket of burst 1 (flowcontrol.NewTokenBucketRateLimiter(qps, 1)): the time of its last token. */
export function takeToken(lastTaken: number | undefined, qps: number, now: number): boolean {
  if (qps <= 0) return false
  return lastTaken === undefined || now - lastTaken >= 1000 / qps
}

// ---- pods --------------------------------------------------------------------------------------

/**
 * MarkPodsNotReady for one pod: its Ready condition turned False (reason and message as they were,
 * the transition stamped now), so Endpoints drop it; undefined when it has no Ready condition, is
 * False already, or is not on this node.
 */
export function planPodNotReady(pod: Pod, nodeName: string, now: number): PodCondition[] | undefined {
  if (pod.spec?.nodeName !== nodeName) return undefined
  const conditions = pod.status?.conditions ?? []
  const i = conditions.findIndex((c) => c.type === 'Ready')
  if (i < 0 || conditions[i].status === 'False') return undefined
  const next = { ...conditions[i], status: 'False', lastTransitionTime: rfc3339(new Date(now)) }
  return conditions.map((c, j) => (j === i ? next : c))
}
