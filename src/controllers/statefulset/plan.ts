// The StatefulSet controller's decisions, pure (upstream pkg/controller/statefulset
// stateful_set_control.go updateStatefulSet, stateful_set_utils.go, controller_history.go): the
// ControllerRevision of the current template, then one step of pod work — with OrderedReady, pods
// `<set>-0`, `<set>-1`, ... are created in order, each only once the one before is Running and
// Ready, and removed from the highest ordinal down, one at a time; with Parallel all at once.
// RollingUpdate then replaces, from the highest ordinal down to the partition, one pod at a time,
// every pod not at the update revision; OnDelete only gives a deleted pod the new template.
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js'
import type { OwnerReference } from 'kubernetes-types/meta/v1.js'
import type { PersistentVolumeClaim, PodTemplateSpec } from 'kubernetes-types/core/v1.js'
import type { KObject, Mutable, StoredObject } from '../../apis/meta.js'
import { canonicalJSON, templateHash } from '../../lib/hash.js'
import { newControllerRef } from '../runtime/controllerref.js'
import { sameJSON } from '../runtime/equal.js'
import { isPodAvailable, isPodReady, type PodObj } from '../runtime/pods.js'

export type StatefulSetObj = StoredObject & Mutable<StatefulSet>
export type RevisionObj = StoredObject & Mutable<ControllerRevision>

export const revisionLabel = 'controller-revision-hash'
export const podNameLabel = 'statefulset.kubernetes.io/pod-name'
export const podIndexLabel = 'apps.kubernetes.io/pod-index'
export const hashLabel = 'controller.kubernetes.io/hash'

export type StatefulSetAction =
  | { kind: 'createRevision'; revision: KObject }
  | { kind: 'bumpRevision'; revision: RevisionObj; to: number }
  | { kind: 'createPod'; pod: KObject }
  | { kind: 'deletePod'; pod: PodObj }
  | { kind: 'deleteRevision'; revision: RevisionObj }
  /** A claim of a volumeClaimTemplate, made before the pod that mounts it (createPersistentVolumeClaims). */
  | { kind: 'createClaim'; claim: KObject; pod: string }
  /** The claim's owners as the retention policy wants them (updateClaimOwnerRefForSetAndPod). */
  | { kind: 'claimOwners'; claim: ClaimObj; ownerReferences: OwnerReference[] }

export type ClaimObj = StoredObject & Mutable<PersistentVolumeClaim>

export interface StatefulSetPlan {
  actions: StatefulSetAction[]
  status?: StatefulSetStatus
}

/** getPatch: what a revision records — the template, to be put back whole (`$patch: replace`). */
export function revisionData(set: StatefulSetObj): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(set.spec?.template ?? {}), $patch: 'replace' } } }
}

/** The template a revision records. */
export function templateOf(rev: RevisionObj): PodTemplateSpec {
  const t = structuredClone(((rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {}) as Record<string, unknown>)
  delete t.$patch
  return t as PodTemplateSpec
}

/** NewControllerRevision: `<set>-<hash>`, labelled with the template's labels and the hash. */
export function newRevision(set: StatefulSetObj, revision: number): KObject {
  const data = revisionData(set)
  const hash = templateHash(data, set.status?.collisionCount ?? undefined)
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${set.metadata.name}-${hash}`,
      namespace: set.metadata.namespace,
      labels: { ...(set.spec?.template?.metadata?.labels ?? {}), [hashLabel]: hash },
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    data,
    revision,
  }
}

/** The ordinal in a pod name `<set>-<n>`, or undefined. */
export function ordinalOf(set: StatefulSetObj, pod: PodObj): number | undefined {
  const prefix = `${set.metadata.name}-`
  const name = pod.metadata.name ?? ''
  if (!name.startsWith(prefix)) return undefined
  const rest = name.slice(prefix.length)
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined
}

/** getPersistentVolumeClaimName: `<template>-<set>-<ordinal>`. */
export function claimName(set: StatefulSetObj, template: string, ordinal: number): string {
  return `${template}-${set.metadata.name}-${ordinal}`
}

/** getPersistentVolumeClaims: one claim a template, labelled with the template's and the set selector's labels. */
export function claimsFor(set: StatefulSetObj, ordinal: number): KObject[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(set, t.metadata?.name ?? '', ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
    },
    spec: structuredClone(t.spec ?? {}),
  }))
}

const sameRef = (a: OwnerReference, b: { uid?: string }) => a.uid === b.uid

/**
 * updateClaimOwnerRefForSetAndPod: with whenDeleted Delete the set owns the claim (deleting the set
 * deletes it); with whenScaled Delete the pod of a condemned ordinal owns it instead (deleting that
 * pod deletes it); Retain on both leaves neither reference. Other owners are kept.
 */
export function claimOwnerRefs(set: StatefulSetObj, claim: { metadata: { ownerReferences?: OwnerReference[] } }, pod: PodObj | undefined, scaledDown: boolean): OwnerReference[] {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy
  const whenDeleted = policy?.whenDeleted ?? 'Retain'
  const whenScaled = policy?.whenScaled ?? 'Retain'
  const setRef: OwnerReference = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name!, uid: set.metadata.uid!, controller: true, blockOwnerDeletion: true }
  const podRef: OwnerReference | undefined = pod ? { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name!, uid: pod.metadata.uid! } : undefined
  const others = (claim.metadata.ownerReferences ?? []).filter((r) => !sameRef(r, set.metadata) && !(r.kind === 'Pod' && r.apiVersion === 'v1'))
  const want: OwnerReference[] = []
  const ownByPod = whenScaled === 'Delete' && scaledDown && podRef
  if (whenDeleted === 'Delete' && !ownByPod) want.push(setRef)
  if (ownByPod) want.push(podRef)
  return [...others, ...want]
}

const refsEqual = (a: OwnerReference[] | undefined, b: OwnerReference[]) => (a ?? []).map((r) => r.uid).join() === b.map((r) => r.uid).join()

/** newStatefulSetPod: `<set>-<ordinal>`, its identity labels, hostname and subdomain, at a revision. */
export function podFor(set: StatefulSetObj, template: PodTemplateSpec, ordinal: number, revision: string): KObject {
  const name = `${set.metadata.name}-${ordinal}`
  const spec = structuredClone(template.spec ?? { containers: [] }) as Mutable<NonNullable<PodTemplateSpec['spec']>>
  spec.hostname = name
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName
  // updateStorage: each claim template becomes the pod's volume of that name, its claim `<template>-<pod>`.
  const templates = set.spec?.volumeClaimTemplates ?? []
  if (templates.length > 0) {
    const names = new Set(templates.map((t) => t.metadata?.name ?? ''))
    spec.volumes = [
      ...templates.map((t) => ({ name: t.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimName(set, t.metadata?.name ?? '', ordinal) } })),
      ...(spec.volumes ?? []).filter((v) => !names.has(v.name)),
    ]
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [podNameLabel]: name, [podIndexLabel]: String(ordinal), [revisionLabel]: revision },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    spec,
  }
}

const isTerminating = (p: PodObj) => p.metadata.deletionTimestamp != null
const isFinished = (p: PodObj) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded'
const isHealthy = (p: PodObj) => p.status?.phase === 'Running' && isPodReady(p) && !isTerminating(p)
const revisionOf = (p: PodObj) => p.metadata.labels?.[revisionLabel]

export function planStatefulSet(set: StatefulSetObj, pods: PodObj[], revisions: RevisionObj[], now: Date, claims: ReadonlyMap<string, ClaimObj> = new Map()): StatefulSetPlan {
  const spec = set.spec!
  // ---- revisions: find or make the one of the current template
  const data = revisionData(set)
  const sorted = [...revisions].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))
  const latest = sorted.length ? (sorted[sorted.length - 1].revision ?? 0) : 0
  const equal = sorted.filter((r) => canonicalJSON(r.data) === canonicalJSON(data))
  const update = equal[equal.length - 1]
  if (!update) return { actions: [{ kind: 'createRevision', revision: newRevision(set, latest + 1) }] }
  // A rollback to an older template makes that revision the newest (rollout undo).
  if (update !== sorted[sorted.length - 1]) return { actions: [{ kind: 'bumpRevision', revision: update, to: latest + 1 }] }
  const current = sorted.find((r) => r.metadata.name === set.status?.currentRevision) ?? update
  const updateName = update.metadata.name!
  const currentName = current.metadata.name!

  const replicas = spec.replicas ?? 1
  const start = spec.ordinals?.start ?? 0
  const monotonic = spec.podManagementPolicy !== 'Parallel'
  const rolling = spec.updateStrategy?.type !== 'OnDelete'
  const partition = rolling ? (spec.updateStrategy?.rollingUpdate?.partition ?? 0) : 0
  const minReady = spec.minReadySeconds ?? 0

  const byOrdinal = new Map<number, PodObj>()
  for (const p of pods) {
    const o = ordinalOf(set, p)
    if (o !== undefined) byOrdinal.set(o, p)
  }
  const inRange = (o: number) => o >= start && o < start + replicas
  const condemned = [...byOrdinal.keys()].filter((o) => !inRange(o)).sort((a, b) => b - a)

  // ---- status from what is there
  const counted = [...byOrdinal.values()]
  const status: Mutable<StatefulSetStatus> = {
    observedGeneration: set.metadata.generation,
    replicas: counted.filter((p) => !isTerminating(p)).length,
    readyReplicas: counted.filter((p) => isHealthy(p)).length,
    currentReplicas: counted.filter((p) => !isTerminating(p) && revisionOf(p) === currentName).length,
    updatedReplicas: counted.filter((p) => !isTerminating(p) && revisionOf(p) === updateName).length,
    availableReplicas: counted.filter((p) => isHealthy(p) && isPodAvailable(p, minReady, now)).length,
    currentRevision: currentName,
    updateRevision: updateName,
    collisionCount: set.status?.collisionCount ?? 0,
  }
  // completeRollingUpdate: once every replica is updated and ready, the update revision is current.
  if (rolling && status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
    status.currentRevision = updateName
    status.currentReplicas = status.updatedReplicas
  }
  if (status.currentRevision === status.updateRevision) status.currentReplicas = status.updatedReplicas

  const actions: StatefulSetAction[] = []
  const plan: StatefulSetPlan = { actions, status }
  // Ordinals below the partition stay at the current revision (newVersionedStatefulSetPod).
  const podAt = (o: number): KObject =>
    rolling && o < start + partition && current !== update ? podFor(set, templateOf(current), o, currentName) : podFor(set, templateOf(update), o, updateName)

  // ---- pods in range, ascending
  for (let o = start; o < start + replicas; o++) {
    const p = byOrdinal.get(o)
    if (!p) {
      const pod = podAt(o)
      for (const c of claimsFor(set, o)) {
        const have = claims.get(c.metadata!.name!)
        if (!have) actions.push({ kind: 'createClaim', claim: { ...c, metadata: { ...c.metadata, ownerReferences: claimOwnerRefs(set, c as ClaimObj, undefined, false) } }, pod: pod.metadata!.name! })
        else if (!refsEqual(have.metadata.ownerReferences, claimOwnerRefs(set, have, undefined, false)))
          actions.push({ kind: 'claimOwners', claim: have, ownerReferences: claimOwnerRefs(set, have, undefined, false) })
      }
      actions.push({ kind: 'createPod', pod })
      if (monotonic) return plan
      continue
    }
    if (isFinished(p) && !isTerminating(p)) {
      // A failed (or completed) pod is deleted and made again.
      actions.push({ kind: 'deletePod', pod: p })
      if (monotonic) return plan
      continue
    }
    if (monotonic && !isHealthy(p)) return plan
  }
  // ---- pods beyond replicas, highest first
  for (const o of condemned) {
    const p = byOrdinal.get(o)!
    if (isTerminating(p)) {
      if (monotonic) return plan
      continue
    }
    if (monotonic && counted.some((x) => x !== p && !isHealthy(x) && inRange(ordinalOf(set, x)!))) return plan
    // A condemned pod's claims pass to it first when whenScaled is Delete, so they go with it.
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const have = claims.get(claimName(set, t.metadata?.name ?? '', o))
      const want = have && claimOwnerRefs(set, have, p, true)
      if (have && want && !refsEqual(have.metadata.ownerReferences, want)) actions.push({ kind: 'claimOwners', claim: have, ownerReferences: want })
    }
    actions.push({ kind: 'deletePod', pod: p })
    if (monotonic) return plan
  }
  if (actions.length) return plan

  // ---- RollingUpdate: highest ordinal first, down to the partition, one at a time
  if (rolling) {
    for (let o = start + replicas - 1; o >= start + partition; o--) {
      const p = byOrdinal.get(o)
      if (!p) return plan
      if (revisionOf(p) !== updateName && !isTerminating(p)) {
        actions.push({ kind: 'deletePod', pod: p })
        return plan
      }
      if (!isHealthy(p)) return plan
    }
  }

  // ---- history: keep revisionHistoryLimit revisions no pod and neither status names
  const live = new Set([currentName, updateName, ...counted.map(revisionOf)])
  const old = sorted.filter((r) => !live.has(r.metadata.name!))
  const limit = spec.revisionHistoryLimit ?? 10
  for (const r of old.slice(0, Math.max(0, old.length - limit))) actions.push({ kind: 'deleteRevision', revision: r })
  return plan
}

/** True when the status differs from the StatefulSet's. */
export function statefulSetStatusChanged(set: StatefulSetObj, status: StatefulSetStatus): boolean {
  const { conditions: _c, ...old } = (set.status ?? {}) as Mutable<StatefulSetStatus>
  void _c
  return !sameJSON(old, status)
}
