// The ReplicaSet controller's decisions, pure (upstream pkg/controller/replicaset): how many pods
// to create or which to delete, the batches creations go in, the pod built from the template, and
// the status the ReplicaSet should report.
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js'
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js'
import type { KObject, Mutable, StoredObject } from '../../apis/meta.js'
import { rfc3339 } from '../../lib/duration.js'
import { getCondition, removeCondition, setCondition } from '../runtime/conditions.js'
import { newControllerRef } from '../runtime/controllerref.js'
import { isPodActive, isPodAvailable, isPodReady, type PodObj } from '../runtime/pods.js'

export type ReplicaSetObj = StoredObject & Mutable<ReplicaSet>

/** Upstream's burstReplicas: at most this many creations or deletions in one pass. */
export const burstReplicas = 500

export const podDeletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost'

export type ReplicaPlan = { kind: 'none' } | { kind: 'create'; count: number } | { kind: 'delete'; pods: PodObj[] }

/**
 * manageReplicas: the difference between the active pods the ReplicaSet owns and spec.replicas,
 * capped at burstReplicas. Deletions pick the pods upstream would (see rankForDeletion).
 */
export function planReplicas(rs: ReplicaSetObj, owned: PodObj[], related: PodObj[], now: Date): ReplicaPlan {
  const want = rs.spec?.replicas ?? 1
  const diff = owned.length - want
  if (diff < 0) return { kind: 'create', count: Math.min(-diff, burstReplicas) }
  if (diff > 0) return { kind: 'delete', pods: podsToDelete(owned, related, Math.min(diff, burstReplicas), now) }
  return { kind: 'none' }
}

/** slowStartBatch's batch sizes: 1, 2, 4, ... until `count` are done (a failing batch stops the rest). */
export function slowStartBatches(count: number, initial = 1): number[] {
  const out: number[] = []
  let remaining = count
  for (let size = Math.min(remaining, initial); size > 0; size = Math.min(2 * size, remaining)) {
    out.push(size)
    remaining -= size
  }
  return out
}

/** The pod a controller creates from its template (controller.GetPodFromTemplate). */
export function podFromTemplate(template: PodTemplateSpec | undefined, owner: StoredObject, apiVersion: string, kind: string): KObject {
  const meta = template?.metadata ?? {}
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${owner.metadata.name}-`,
      namespace: owner.metadata.namespace,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [newControllerRef(owner, apiVersion, kind)],
    },
    spec: structuredClone(template?.spec ?? {}),
  }
  return pod
}

// ---- which pods go first --------------------------------------------------------------------

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 }

function deletionCost(pod: PodObj): number {
  const v = pod.metadata.annotations?.[podDeletionCostAnnotation]
  if (v === undefined) return 0
  const n = Number(v)
  return Number.isInteger(n) ? n : 0
}

const maxRestarts = (pod: PodObj) => Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0))

function readySince(pod: PodObj): number | undefined {
  const c = (pod.status?.conditions ?? []).find((x) => x.type === 'Ready' && x.status === 'True')
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : undefined
}

/** Upstream's LogarithmicScaleDown: times within the same power-of-two age (in ns) rank equal. */
function logRank(t: number, now: number): number {
  const ns = (now - t) * 1e6
  return ns > 0 ? Math.floor(Math.log2(ns)) : -1
}

/** afterOrZero / logarithmic compare of two times: negative when `a` should be deleted first. */
function compareTimes(a: number | undefined, b: number | undefined, now: number, uidA: string, uidB: string): number {
  if (a === b) return 0
  if (a === undefined) return -1 // a zero time goes first
  if (b === undefined) return 1
  const diff = logRank(a, now) - logRank(b, now)
  if (diff === 0) return uidA < uidB ? -1 : uidA > uidB ? 1 : 0
  return diff // younger (smaller rank) first
}

/**
 * ActivePodsWithRanks.Less: unassigned before assigned; Pending before Unknown before Running;
 * not ready before ready; lower pod-deletion-cost first; more pods of the same owner family on
 * the node first; ready for less time first; more restarts first; newer first.
 */
export function comparePodsForDeletion(a: PodObj, b: PodObj, rankA: number, rankB: number, now: Date): number {
  const na = a.spec?.nodeName ?? ''
  const nb = b.spec?.nodeName ?? ''
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1
  const pa = phaseOrdinal[a.status?.phase ?? ''] ?? 0
  const pb = phaseOrdinal[b.status?.phase ?? ''] ?? 0
  if (pa !== pb) return pa - pb
  const ra = isPodReady(a)
  const rb = isPodReady(b)
  if (ra !== rb) return ra ? 1 : -1
  const ca = deletionCost(a)
  const cb = deletionCost(b)
  if (ca !== cb) return ca - cb
  if (rankA !== rankB) return rankB - rankA
  const t = now.getTime()
  if (ra && rb) {
    const c = compareTimes(readySince(a), readySince(b), t, a.metadata.uid ?? '', b.metadata.uid ?? '')
    if (c !== 0) return c
  }
  const xa = maxRestarts(a)
  const xb = maxRestarts(b)
  if (xa !== xb) return xb - xa
  const created = (p: PodObj) => (p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : undefined)
  return compareTimes(created(a), created(b), t, a.metadata.uid ?? '', b.metadata.uid ?? '')
}

/** getPodsToDelete: the first `count` pods in deletion order. */
export function podsToDelete(owned: PodObj[], related: PodObj[], count: number, now: Date): PodObj[] {
  if (count >= owned.length) return [...owned]
  // Rank: how many active pods of the same family (the owner's siblings too) share the pod's node.
  // Active as controller.IsPodActive: a Failed (evicted) or Succeeded pod crowds no node.
  const onNode = new Map<string, number>()
  for (const p of related) {
    const n = p.spec?.nodeName
    if (n && isPodActive(p)) onNode.set(n, (onNode.get(n) ?? 0) + 1)
  }
  const ranked = owned.map((p) => ({ p, rank: onNode.get(p.spec?.nodeName ?? '') ?? 0 }))
  ranked.sort((x, y) => comparePodsForDeletion(x.p, y.p, x.rank, y.rank, now))
  return ranked.slice(0, count).map((x) => x.p)
}

// ---- status -----------------------------------------------------------------------------------

/**
 * calculateStatus: counts over the owned active pods; a failed create or delete sets
 * ReplicaFailure (FailedCreate / FailedDelete), a clean pass removes it.
 */
export function computeReplicaSetStatus(rs: ReplicaSetObj, owned: PodObj[], manageError: string | undefined, now: Date): Mutable<ReplicaSetStatus> {
  const minReady = rs.spec?.minReadySeconds ?? 0
  const templateLabels = Object.entries(rs.spec?.template?.metadata?.labels ?? {})
  let fullyLabeled = 0
  let ready = 0
  let available = 0
  for (const p of owned) {
    const labels = p.metadata.labels ?? {}
    if (templateLabels.every(([k, v]) => labels[k] === v)) fullyLabeled++
    if (isPodReady(p)) {
      ready++
      if (minReady === 0 || isPodAvailable(p, minReady, now)) available++ // ready is available at once without minReadySeconds
    }
  }
  let conditions = (rs.status?.conditions ?? []) as ReplicaSetCondition[]
  const failure = getCondition(conditions as { type: string; status: 'True' }[], 'ReplicaFailure')
  if (manageError !== undefined && !failure) {
    const diff = owned.length - (rs.spec?.replicas ?? 1)
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : ''
    conditions = setCondition(conditions as never[], { type: 'ReplicaFailure', status: 'True', reason, message: manageError, lastTransitionTime: rfc3339(now) }) as ReplicaSetCondition[]
  } else if (manageError === undefined && failure) {
    conditions = removeCondition(conditions as never[], 'ReplicaFailure')
  }
  const status: Mutable<ReplicaSetStatus> = { replicas: owned.length }
  // Zero counts are omitted on the wire (omitempty), as upstream's objects print them.
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled
  if (ready) status.readyReplicas = ready
  if (available) status.availableReplicas = available
  status.observedGeneration = rs.metadata.generation ?? rs.status?.observedGeneration
  if (conditions.length) status.conditions = conditions
  return status
}

/** updateReplicaSetStatus's test: nothing to write when counts, generation and conditions agree. */
export function replicaSetStatusChanged(rs: ReplicaSetObj, next: ReplicaSetStatus): boolean {
  const s: Partial<ReplicaSetStatus> = rs.status ?? {}
  return (
    (s.replicas ?? 0) !== (next.replicas ?? 0) ||
    (s.fullyLabeledReplicas ?? 0) !== (next.fullyLabeledReplicas ?? 0) ||
    (s.readyReplicas ?? 0) !== (next.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) !== (next.availableReplicas ?? 0) ||
    (rs.metadata.generation ?? 0) !== (s.observedGeneration ?? 0) ||
    JSON.stringify(s.conditions ?? []) !== JSON.stringify(next.conditions ?? [])
  )
}
