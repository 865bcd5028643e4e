// The disruption controller's arithmetic (upstream pkg/controller/disruption/disruption.go:
// trySync, getExpectedPodCount, getExpectedScale, buildDisruptedPodMap, countHealthyPods,
// updatePdbStatus, failSafe). Pure: the shell reads the caches, plans, and writes what it says.
//
// A budget of `minAvailable: 2` over a 2-replica Deployment with both pods ready:
// expectedPods 2 (the pods found), desiredHealthy 2, currentHealthy 2, disruptionsAllowed 0.
// With `maxUnavailable: 50%` instead: expectedPods 2 (the Deployment's spec.replicas),
// 50% of 2 rounded up is 1, desiredHealthy 1, disruptionsAllowed 1.
import type { LabelSelector, OwnerReference, StoredObject } from '../../apis/meta.js'
import { conditionsAreUpToDate, deletionTimeoutMs, disruptionAllowedCondition, isPodReady, pdbReasons, setStatusCondition, updateDisruptionAllowedCondition, type PDB, type PDBStatus } from '../../apis/policy/pdb.js'
import { rfc3339 } from '../../lib/duration.js'
import { fromLabelSelector, type Selector } from '../../lib/selector.js'
import { scaledValue } from '../../lib/intstr.js'
import { controllerOf } from '../runtime/controllerref.js'
import { sameJSON } from '../runtime/equal.js'

/** What a controller finder returns: the top-level controller's uid and desired scale. */
export interface ControllerScale {
  uid: string
  scale: number
}

/**
 * The workload objects the finders read (replicasets, deployments, statefulsets), by kind,
 * namespace and name; undefined when not in the cache.
 */
export type WorkloadLookup = (kind: 'ReplicaSet' | 'Deployment' | 'StatefulSet', namespace: string, name: string) => StoredObject | undefined

export interface DisruptionEvent {
  type: 'Normal' | 'Warning'
  reason: string
  message: string
}

export interface DisruptionPlan {
  /** The status to write through /status; undefined when the stored one is up to date. */
  status?: PDBStatus
  events: DisruptionEvent[]
  /** Look again this much later (an evicted pod's DeletionTimeout falls due). */
  recheckAfterMs?: number
}

const replicasOf = (obj: StoredObject): number => {
  const r = (obj.spec as { replicas?: number } | undefined)?.replicas
  return typeof r === 'number' ? r : 1
}

/**
 * The finders, in upstream's order (Deployment, ReplicaSet, StatefulSet; ReplicationControllers
 * are not served): a pod's ReplicaSet counts with the Deployment's replicas when a Deployment
 * controls it, else with its own.
 */
export function findControllerScale(ref: OwnerReference, namespace: string, lookup: WorkloadLookup): ControllerScale | undefined {
  if (ref.kind === 'ReplicaSet' && ref.apiVersion.startsWith('apps/')) {
    const rs = lookup('ReplicaSet', namespace, ref.name)
    if (!rs || rs.metadata.uid !== ref.uid) return undefined
    const owner = controllerOf(rs)
    if (owner && owner.kind === 'Deployment') {
      const d = lookup('Deployment', namespace, owner.name)
      if (!d || d.metadata.uid !== owner.uid) return undefined
      return { uid: d.metadata.uid!, scale: replicasOf(d) }
    }
    return { uid: rs.metadata.uid!, scale: replicasOf(rs) }
  }
  if (ref.kind === 'StatefulSet' && ref.apiVersion.startsWith('apps/')) {
    const ss = lookup('StatefulSet', namespace, ref.name)
    if (!ss || ss.metadata.uid !== ref.uid) return undefined
    return { uid: ss.metadata.uid!, scale: replicasOf(ss) }
  }
  return undefined
}

export class ExpectedCountError extends Error {}

/**
 * getScaleController's answer for a controller the built-in finders do not know (a custom kind
 * with a scale subresource, a Deployment controlling pods directly...), read by the shell from
 * the owner's /scale: its scale, none (gone, or another object of that name), or the error.
 */
export type ScaleAnswer = ControllerScale | { none: true } | { error: string }

/** The answers by the controllerRef's uid. */
export type ScaleLookup = ReadonlyMap<string, ScaleAnswer>

/** The finders in upstream's order: the built-in ones, then the owner's scale subresource. */
function findScale(ref: OwnerReference, namespace: string, lookup: WorkloadLookup, scales: ScaleLookup): ControllerScale | undefined {
  const found = findControllerScale(ref, namespace, lookup)
  if (found) return found
  const answer = scales.get(ref.uid)
  if (answer && 'error' in answer) throw new ExpectedCountError(answer.error)
  return answer && 'scale' in answer ? answer : undefined
}

/** getExpectedScale: the sum of the scales of the pods' controllers; pods without one are unmanaged. */
export function expectedScale(pods: readonly StoredObject[], lookup: WorkloadLookup, ownerScales: ScaleLookup = new Map()): { expectedCount: number; unmanaged: string[] } {
  const scales = new Map<string, number>()
  const seenRefs = new Set<string>()
  const unmanaged: string[] = []
  for (const pod of pods) {
    const ref = controllerOf(pod)
    if (!ref) {
      unmanaged.push(pod.metadata.name!)
      continue
    }
    if (seenRefs.has(ref.uid)) continue
    const found = findScale(ref, pod.metadata.namespace ?? '', lookup, ownerScales)
    if (!found) throw new ExpectedCountError(`found no controllers for pod ${JSON.stringify(pod.metadata.name)}`)
    seenRefs.add(ref.uid)
    scales.set(found.uid, found.scale)
  }
  let expectedCount = 0
  for (const n of scales.values()) expectedCount += n
  return { expectedCount, unmanaged }
}

/** getExpectedPodCount: how many pods there should be, and how many must stay healthy. */
export function expectedPodCount(pdb: PDB, pods: readonly StoredObject[], lookup: WorkloadLookup, scales: ScaleLookup = new Map()): { expectedCount: number; desiredHealthy: number; unmanaged: string[] } {
  const spec = pdb.spec ?? {}
  if (spec.maxUnavailable != null) {
    const { expectedCount, unmanaged } = expectedScale(pods, lookup, scales)
    const maxUnavailable = scaled(spec.maxUnavailable, expectedCount)
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable), unmanaged }
  }
  if (spec.minAvailable != null) {
    if (typeof spec.minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: spec.minAvailable, unmanaged: [] }
    const { expectedCount, unmanaged } = expectedScale(pods, lookup, scales)
    return { expectedCount, desiredHealthy: scaled(spec.minAvailable, expectedCount), unmanaged }
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanaged: [] }
}

/** GetScaledValueFromIntOrPercent rounding up (both fields round up upstream). */
function scaled(v: number | string, total: number): number {
  try {
    return scaledValue(v, total, true)
  } catch (err) {
    throw new ExpectedCountError((err as Error).message)
  }
}

/**
 * buildDisruptedPodMap: the evicted pods still expected to go (within DeletionTimeout of their
 * eviction), and when the earliest of them falls due. Pods already terminating drop out.
 */
export function disruptedPodMap(pods: readonly StoredObject[], pdb: PDB, now: Date): { disrupted: Record<string, string>; recheckAt?: number; notDeleted: string[] } {
  const listed = pdb.status?.disruptedPods
  const disrupted: Record<string, string> = {}
  const notDeleted: string[] = []
  let recheckAt: number | undefined
  if (!listed) return { disrupted, notDeleted }
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue
    const at = listed[pod.metadata.name!]
    if (at === undefined) continue
    const due = Date.parse(at) + deletionTimeoutMs
    if (due < now.getTime()) notDeleted.push(pod.metadata.name!)
    else {
      if (recheckAt === undefined || due < recheckAt) recheckAt = due
      disrupted[pod.metadata.name!] = at
    }
  }
  return { disrupted, recheckAt, notDeleted }
}

/** countHealthyPods: ready pods that are neither terminating nor evicted moments ago. */
export function countHealthyPods(pods: readonly StoredObject[], disrupted: Record<string, string>, now: Date): number {
  let healthy = 0
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue
    const at = disrupted[pod.metadata.name!]
    if (at !== undefined && Date.parse(at) + deletionTimeoutMs > now.getTime()) continue
    if (isPodReady(pod)) healthy++
  }
  return healthy
}

/** metav1.LabelSelector's String() as `%v` prints the pointer (gogo-generated). */
export function goSelectorString(sel: unknown): string {
  if (sel === undefined || sel === null) return 'nil'
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }
  const labels = Object.keys(s.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${s.matchLabels![k]},`)
    .join('')
  const exprs = (s.matchExpressions ?? []).map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`).join('')
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`
}

/** failSafe: no disruptions while the budget cannot be computed, and say why. */
export function failSafeStatus(pdb: PDB, message: string, now: Date): PDBStatus {
  const status: PDBStatus = { ...(pdb.status ?? {}), disruptionsAllowed: 0 }
  status.conditions = setStatusCondition(
    status.conditions,
    { type: disruptionAllowedCondition, status: 'False', reason: pdbReasons.syncFailed, message, observedGeneration: status.observedGeneration ?? 0 },
    rfc3339(now),
  )
  return status
}

/** trySync + updatePdbStatus for one budget over the pods its selector matches. */
export function planDisruption(pdb: PDB, pods: readonly StoredObject[], lookup: WorkloadLookup, now: Date, scales: ScaleLookup = new Map()): DisruptionPlan {
  const events: DisruptionEvent[] = []
  if (pods.length === 0) events.push({ type: 'Normal', reason: 'NoPods', message: 'No matching pods found' })
  let counts: ReturnType<typeof expectedPodCount>
  try {
    counts = expectedPodCount(pdb, pods, lookup, scales)
  } catch (err) {
    if (!(err instanceof ExpectedCountError)) throw err
    events.push({ type: 'Warning', reason: 'CalculateExpectedPodCountFailed', message: `Failed to calculate the number of expected pods: ${err.message}` })
    const status = failSafeStatus(pdb, err.message, now)
    return { status: sameJSON(status, pdb.status ?? {}) ? undefined : status, events }
  }
  if (counts.unmanaged.length > 0) {
    events.push({
      type: 'Warning',
      reason: 'UnmanagedPods',
      message:
        `Pods selected by this PodDisruptionBudget (selector: ${goSelectorString(pdb.spec?.selector)}) were found to be unmanaged. ` +
        'As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. ' +
        'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
    })
  }
  const { disrupted, recheckAt } = disruptedPodMap(pods, pdb, now)
  const currentHealthy = countHealthyPods(pods, disrupted, now)
  const { expectedCount, desiredHealthy } = counts
  // expectedPods must be > 0: a budget that matched nothing when its first pods appear stays safe
  // until this controller has counted them.
  let disruptionsAllowed = currentHealthy - desiredHealthy
  if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0
  const old = pdb.status ?? {}
  const generation = pdb.metadata.generation ?? 0
  const recheckAfterMs = recheckAt === undefined ? undefined : Math.max(0, recheckAt - now.getTime())
  if (
    (old.currentHealthy ?? 0) === currentHealthy &&
    (old.desiredHealthy ?? 0) === desiredHealthy &&
    (old.expectedPods ?? 0) === expectedCount &&
    (old.disruptionsAllowed ?? 0) === disruptionsAllowed &&
    sameJSON(old.disruptedPods ?? {}, disrupted) &&
    (old.observedGeneration ?? 0) === generation &&
    conditionsAreUpToDate(pdb)
  )
    return { events, recheckAfterMs }
  const status: PDBStatus = {
    observedGeneration: generation,
    ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods: expectedCount,
    conditions: old.conditions,
  }
  status.conditions = updateDisruptionAllowedCondition(status, rfc3339(now))
  return { status, events, recheckAfterMs }
}

/**
 * metav1.LabelSelectorAsSelector for the pods of a budget: nil matches nothing (undefined), an
 * empty selector every pod of the namespace (policy/v1), a broken one nothing.
 */
export function convertSelector(ls: unknown): Selector | undefined {
  try {
    return fromLabelSelector(ls as LabelSelector | undefined)
  } catch {
    return undefined
  }
}
