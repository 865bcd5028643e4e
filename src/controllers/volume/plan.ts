// The persistent volume binder, provisioner and protection decisions (upstream:
// pkg/controller/volume/persistentvolume pv_controller.go syncClaim/syncVolume and index.go
// findMatchingVolume; the external provisioner's shouldProvision; pkg/controller/volume/
// {pvcprotection,pvprotection}). Pure: observed objects in, actions out.
import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus, PersistentVolumeStatus, Pod } from 'kubernetes-types/core/v1.js'
import type { StorageClass } from 'kubernetes-types/storage/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { parseQuantity } from '../../apis/core/quantity.js'
import {
  annBindCompleted,
  annBoundByController,
  annBetaStorageProvisioner,
  annDynamicallyProvisioned,
  annSelectedNode,
  annStorageProvisioner,
  noProvisioner,
  storageClassOf,
} from '../../apis/storage.js'
import { labelSelectorMatches } from '../../lib/selector.js'

export type ClaimObj = StoredObject & Omit<PersistentVolumeClaim, 'status'> & { status?: PersistentVolumeClaimStatus }
export type VolumeObj = StoredObject & Omit<PersistentVolume, 'status'> & { status?: PersistentVolumeStatus }
export type ClassObj = StoredObject & StorageClass
export type PodObj = StoredObject & Pod

export interface EventAction {
  kind: 'event'
  on: 'claim' | 'volume'
  type: 'Normal' | 'Warning'
  reason: string
  message: string
}

export type BinderAction =
  | EventAction
  /** Merge these annotations into the claim (provisioner hand-off, the selected node). */
  | { kind: 'annotateClaim'; annotations: Record<string, string> }
  /** Set the volume's claimRef to the claim (bindVolumeToClaim); `byController` adds the annotation. */
  | { kind: 'bindVolume'; volume: string; byController: boolean }
  /** Clear the volume's claimRef (a controller-made binding whose claim went to another volume). */
  | { kind: 'unbindVolume'; volume: string }
  | { kind: 'volumePhase'; volume: string; phase: string; message?: string; reason?: string }
  /** Set the claim's volumeName and the bind annotations (bindClaimToVolume). */
  | { kind: 'bindClaim'; volume: string; byController: boolean }
  | { kind: 'claimStatus'; phase: string; volume?: VolumeObj }

const storageOf = (q: unknown) => parseQuantity(q) ?? 0
const requestOf = (c: ClaimObj) => storageOf(c.spec?.resources?.requests?.storage)
const capacityOf = (v: VolumeObj) => storageOf(v.spec?.capacity?.storage)
const volumeModeOf = (s: { volumeMode?: string | null } | undefined | null) => s?.volumeMode || 'Filesystem'

/** IsVolumeBoundToClaim: the volume's claimRef names this claim (and, when set, its uid). */
export function isVolumeBoundToClaim(v: VolumeObj, c: ClaimObj): boolean {
  const ref = v.spec?.claimRef
  if (!ref) return false
  if (ref.name !== c.metadata.name || (ref.namespace ?? '') !== (c.metadata.namespace ?? '')) return false
  return !ref.uid || ref.uid === c.metadata.uid
}

/** The access modes of the volume contain every one the claim asks for (CheckAccessModes). */
export function hasAccessModes(v: VolumeObj, c: ClaimObj): boolean {
  const have = new Set(v.spec?.accessModes ?? [])
  return (c.spec?.accessModes ?? []).every((m) => have.has(m))
}

/**
 * findMatchingVolume: the volume pre-bound to the claim if one is; otherwise, when binding is not
 * delayed, the smallest Available volume of the claim's class, size at least the request, the same
 * volumeMode, labels matching the claim's selector and access modes containing the claim's. As
 * upstream's index, volumes are tried by their set of access modes, fewest modes first, and the
 * first set that has a match decides (a RWO claim takes a RWO volume before a RWO+RWX one).
 */
export function findMatchingVolume(claim: ClaimObj, volumes: readonly VolumeObj[], delayBinding: boolean): VolumeObj | undefined {
  const requested = requestOf(claim)
  const cls = storageClassOf(claim)
  const candidates = volumes.filter((v) => hasAccessModes(v, claim))
  const groups = new Map<string, VolumeObj[]>()
  for (const v of candidates) {
    const key = [...new Set(v.spec?.accessModes ?? [])].sort().join(',')
    groups.set(key, [...(groups.get(key) ?? []), v])
  }
  const ordered = [...groups.entries()].sort((a, b) => a[0].split(',').length - b[0].split(',').length || (a[0] < b[0] ? -1 : 1))
  for (const [, group] of ordered) {
    let smallest: VolumeObj | undefined
    for (const v of [...group].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1))) {
      if (capacityOf(v) < requested) continue
      if (volumeModeOf(v.spec) !== volumeModeOf(claim.spec)) continue
      if (v.metadata.deletionTimestamp) continue
      if (isVolumeBoundToClaim(v, claim)) return v
      if (delayBinding) continue
      if (v.status?.phase !== 'Available' || v.spec?.claimRef) continue
      if (claim.spec?.selector && !labelSelectorMatches(claim.spec.selector, v.metadata.labels)) continue
      if (storageClassOf(v) !== cls) continue
      if (!smallest || capacityOf(smallest) > capacityOf(v)) smallest = v
    }
    if (smallest) return smallest
  }
  return undefined
}

/** The node of a scheduled, still running pod that mounts the claim (the scheduler's choice upstream). */
export function consumerNode(claim: ClaimObj, pods: readonly PodObj[]): string | undefined {
  for (const p of pods) {
    if (!p.spec?.nodeName || p.metadata.deletionTimestamp) continue
    if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue
    if ((p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim.metadata.name)) return p.spec.nodeName
  }
  return undefined
}

function bindActions(claim: ClaimObj, v: VolumeObj): BinderAction[] {
  const out: BinderAction[] = []
  if (!isVolumeBoundToClaim(v, claim) || !v.spec?.claimRef?.uid) out.push({ kind: 'bindVolume', volume: v.metadata.name!, byController: !v.spec?.claimRef })
  if (v.status?.phase !== 'Bound') out.push({ kind: 'volumePhase', volume: v.metadata.name!, phase: 'Bound' })
  const a = claim.metadata.annotations ?? {}
  if (claim.spec?.volumeName !== v.metadata.name || a[annBindCompleted] !== 'yes') out.push({ kind: 'bindClaim', volume: v.metadata.name!, byController: !claim.spec?.volumeName })
  const st = claim.status
  if (st?.phase !== 'Bound' || st.capacity?.storage !== v.spec?.capacity?.storage || (st.accessModes ?? []).join() !== (v.spec?.accessModes ?? []).join())
    out.push({ kind: 'claimStatus', phase: 'Bound', volume: v })
  return out
}

/**
 * syncClaim. `cls` is the claim's class (undefined when it names none or one that does not exist),
 * `consumer` the node of a scheduled pod that uses it.
 */
export function planClaim(claim: ClaimObj, volumes: readonly VolumeObj[], cls: ClassObj | undefined, consumer: string | undefined): BinderAction[] {
  if (claim.metadata.deletionTimestamp) return []
  const annotations = claim.metadata.annotations ?? {}
  const volumeName = claim.spec?.volumeName ?? ''
  const className = storageClassOf(claim)
  if (volumeName === '') {
    // A WaitForFirstConsumer claim binds here only to a volume pre-bound to it: the scheduler puts
    // the claim into the claimRef of a volume reachable from the node it picked, or selects the
    // node for the provisioner (upstream syncUnboundClaim with IsDelayBindingMode).
    const waitForConsumer = cls?.volumeBindingMode === 'WaitForFirstConsumer'
    const delay = waitForConsumer && !annotations[annSelectedNode]
    const match = findMatchingVolume(claim, volumes, waitForConsumer)
    if (match) return bindActions(claim, match)
    const out: BinderAction[] = []
    if (claim.status?.phase !== 'Pending') out.push({ kind: 'claimStatus', phase: 'Pending' })
    if (delay) {
      // The scheduler selects the node before it binds the pod; a pod placed by spec.nodeName
      // skips the scheduler, so its node is taken here.
      if (consumer) out.push({ kind: 'annotateClaim', annotations: { [annSelectedNode]: consumer } })
      else out.push({ kind: 'event', on: 'claim', type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' })
      return out
    }
    if (cls && cls.provisioner !== noProvisioner) {
      if (annotations[annStorageProvisioner] !== cls.provisioner)
        out.push({ kind: 'annotateClaim', annotations: { [annStorageProvisioner]: cls.provisioner, [annBetaStorageProvisioner]: cls.provisioner } })
      out.push({
        kind: 'event',
        on: 'claim',
        type: 'Normal',
        reason: 'ExternalProvisioning',
        message: `Waiting for a volume to be created either by the external provisioner '${cls.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      })
      return out
    }
    if (className !== '' && !cls) out.push({ kind: 'event', on: 'claim', type: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${className}" not found` })
    else out.push({ kind: 'event', on: 'claim', type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' })
    return out
  }
  const v = volumes.find((x) => x.metadata.name === volumeName)
  if (!v) {
    if (claim.status?.phase === 'Bound' || claim.status?.phase === 'Lost')
      return claim.status.phase === 'Lost' ? [] : [{ kind: 'claimStatus', phase: 'Lost' }, { kind: 'event', on: 'claim', type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' }]
    return claim.status?.phase === 'Pending' ? [] : [{ kind: 'claimStatus', phase: 'Pending' }]
  }
  if (!v.spec?.claimRef || isVolumeBoundToClaim(v, claim)) return bindActions(claim, v)
  // The volume belongs to another claim.
  if (annotations[annBindCompleted] === 'yes')
    return claim.status?.phase === 'Lost' ? [] : [{ kind: 'claimStatus', phase: 'Lost' }, { kind: 'event', on: 'claim', type: 'Warning', reason: 'ClaimMisbound', message: 'Two claims are bound to the same volume, this one is bound incorrectly' }]
  return claim.status?.phase === 'Pending' ? [] : [{ kind: 'claimStatus', phase: 'Pending' }]
}

/** syncVolume. `claim` is the claim its claimRef names, if it exists. `provisioners` are those that delete their own volumes. */
export function planVolume(v: VolumeObj, claim: ClaimObj | undefined, externalProvisioners: readonly string[]): BinderAction[] {
  if (v.metadata.deletionTimestamp) return []
  const name = v.metadata.name!
  const ref = v.spec?.claimRef
  const phase = v.status?.phase
  if (!ref) return phase === 'Available' ? [] : [{ kind: 'volumePhase', volume: name, phase: 'Available' }]
  if (!ref.uid) {
    // Pre-bound by the user to a claim that may not exist yet: available to that claim only.
    return phase === 'Available' ? [] : [{ kind: 'volumePhase', volume: name, phase: 'Available' }]
  }
  if (claim && claim.metadata.uid === ref.uid) {
    const volumeName = claim.spec?.volumeName ?? ''
    if (volumeName === name || volumeName === '') return phase === 'Bound' || volumeName === '' ? [] : [{ kind: 'volumePhase', volume: name, phase: 'Bound' }]
    // The claim went to another volume: a binding the controller made is undone, a user's is Released.
    if (v.metadata.annotations?.[annBoundByController] === 'yes') return [{ kind: 'unbindVolume', volume: name }]
  }
  // The claim is gone: Released, then the reclaim policy.
  const out: BinderAction[] = []
  if (phase !== 'Released' && phase !== 'Failed') out.push({ kind: 'volumePhase', volume: name, phase: 'Released' })
  const policy = v.spec?.persistentVolumeReclaimPolicy ?? 'Retain'
  if (policy === 'Retain' || phase === 'Failed') return out
  const provisionedBy = v.metadata.annotations?.[annDynamicallyProvisioned]
  if (policy === 'Delete' && provisionedBy && externalProvisioners.includes(provisionedBy)) return out // its provisioner deletes it
  const message = policy === 'Delete' ? `error getting deleter volume plugin for volume "${name}": no deletable volume plugin matched` : 'no volume plugin matched'
  out.push({ kind: 'volumePhase', volume: name, phase: 'Failed', message })
  out.push({ kind: 'event', on: 'volume', type: 'Warning', reason: policy === 'Delete' ? 'VolumeFailedDelete' : 'VolumeFailedRecycle', message })
  return out
}

/** The volume kubelite's local-path provisioner makes for a claim: `pvc-<claim uid>`. */
export function provisionedVolumeName(claim: ClaimObj): string {
  return `pvc-${claim.metadata.uid}`
}

export type ProvisionDecision =
  | { kind: 'none' }
  /** Create the directory and the volume. */
  | { kind: 'provision'; volume: VolumeObj; path: string }

/**
 * The external provisioner's shouldProvision + provision for a hostPath directory per claim: a
 * claim handed to `provisioner` (the binder's annotation), unbound, of a class it serves, with a
 * node picked when the class waits for the first consumer.
 */
export function planProvision(claim: ClaimObj, cls: ClassObj | undefined, provisioner: string, existing: ReadonlySet<string>, root: string): ProvisionDecision {
  const a = claim.metadata.annotations ?? {}
  if (claim.metadata.deletionTimestamp || claim.spec?.volumeName) return { kind: 'none' }
  if ((a[annStorageProvisioner] ?? a[annBetaStorageProvisioner]) !== provisioner) return { kind: 'none' }
  if (!cls || cls.provisioner !== provisioner) return { kind: 'none' }
  const node = a[annSelectedNode]
  if (cls.volumeBindingMode === 'WaitForFirstConsumer' && !node) return { kind: 'none' }
  const name = provisionedVolumeName(claim)
  if (existing.has(name)) return { kind: 'none' }
  const ns = claim.metadata.namespace ?? ''
  // kind's local-path-provisioner: <root>/<pv>_<namespace>_<claim>.
  const path = `${root}/${name}_${ns}_${claim.metadata.name}`
  const volume = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { [annDynamicallyProvisioned]: provisioner } },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
      accessModes: claim.spec?.accessModes ?? [],
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
      persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
      storageClassName: cls.metadata.name,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      hostPath: { path, type: 'DirectoryOrCreate' },
      ...(node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } } } : {}),
    },
  } as unknown as VolumeObj
  return { kind: 'provision', volume, path }
}

/** A released volume of this provisioner with the Delete policy: its directory and then the volume go. */
export function shouldDeleteProvisioned(v: VolumeObj, provisioner: string): boolean {
  return (
    !v.metadata.deletionTimestamp &&
    v.metadata.annotations?.[annDynamicallyProvisioned] === provisioner &&
    v.status?.phase === 'Released' &&
    (v.spec?.persistentVolumeReclaimPolicy ?? 'Delete') === 'Delete'
  )
}

/** pvcprotection: a deleted claim keeps its finalizer while a scheduled pod mounts it. */
export function claimInUse(claim: ClaimObj, pods: readonly PodObj[]): boolean {
  return pods.some((p) => p.spec?.nodeName && (p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim.metadata.name))
}

/** pvprotection: a deleted volume keeps its finalizer while it is Bound. */
export function volumeInUse(v: VolumeObj): boolean {
  return v.status?.phase === 'Bound'
}
