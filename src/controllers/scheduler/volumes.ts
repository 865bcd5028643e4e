// The VolumeBinding filter (upstream pkg/scheduler/framework/plugins/volumebinding, 1.32, cut down
// to what kubelite's volumes need): a pod's claims are looked up before any node is tried
// (PreFilter), a claim bound to a volume with nodeAffinity keeps the pod on matching nodes, and a
// claim of a WaitForFirstConsumer class is bound for the node the scheduler picks: to an Available
// static volume reachable from that node, or by its provisioner, told the node through the
// `volume.kubernetes.io/selected-node` annotation. Pure.
import type { Node, NodeSelectorTerm, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js'
import type { StorageClass } from 'kubernetes-types/storage/v1.js'
import { parseQuantity } from '../../apis/core/quantity.js'
import { annSelectedNode, noProvisioner, storageClassOf } from '../../apis/storage.js'
import { findMatchingVolume, type ClaimObj, type VolumeObj } from '../volume/plan.js'

export type ClassObj = StorageClass & { metadata: { name?: string } }

/** What the scheduler reads of the volume objects (informer caches in the controller). */
export interface VolumeView {
  claim(namespace: string, name: string): ClaimObj | undefined
  volume(name: string): VolumeObj | undefined
  storageClass(name: string): ClassObj | undefined
  volumes(): readonly VolumeObj[]
}

export const volumeReasons = {
  unboundImmediate: 'pod has unbound immediate PersistentVolumeClaims',
  nodeConflict: 'node(s) had volume node affinity conflict',
  bindConflict: "node(s) didn't find available persistent volumes to bind",
  pvNotExist: 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
  claimNotFound: (name: string) => `persistentvolumeclaim "${name}" not found`,
  claimDeleting: (name: string) => `persistentvolumeclaim "${name}" is being deleted`,
} as const

/** The pod's claims sorted out once per scheduling attempt (PreFilter's podVolumeClaims). */
export interface PodClaims {
  bound: { claim: ClaimObj; volume: VolumeObj | undefined }[]
  /** Unbound claims of a WaitForFirstConsumer class: bound for the chosen node. */
  delayed: { claim: ClaimObj; cls: ClassObj }[]
}

/** What binding the pod's volumes for a node takes (upstream's AssumePodVolumes/BindPodVolumes). */
export type VolumeAction =
  /** Set the volume's claimRef to the claim (the PV controller completes the bind). */
  | { kind: 'bindVolume'; volume: string; namespace: string; claim: string }
  /** Hand the claim to its provisioner for this node. */
  | { kind: 'selectNode'; namespace: string; claim: string; node: string }

export type PreFilterResult = { type: 'none' } | { type: 'claims'; claims: PodClaims } | { type: 'reject'; message: string }

function claimNames(pod: Pod): string[] {
  const out: string[] = []
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName)
    else if (v.ephemeral) out.push(`${pod.metadata?.name}-${v.name}`)
  }
  return out
}

const isWaitForFirstConsumer = (cls: ClassObj | undefined) => cls?.volumeBindingMode === 'WaitForFirstConsumer'

/** PreFilter: a missing or deleted claim, or an unbound claim that binds at once, rejects every node. */
export function preFilterVolumes(pod: Pod, view: VolumeView): PreFilterResult {
  const names = claimNames(pod)
  if (names.length === 0) return { type: 'none' }
  const ns = pod.metadata?.namespace ?? 'default'
  const claims: PodClaims = { bound: [], delayed: [] }
  let immediate = false
  for (const name of names) {
    const claim = view.claim(ns, name)
    if (!claim) return { type: 'reject', message: volumeReasons.claimNotFound(name) }
    if (claim.metadata.deletionTimestamp) return { type: 'reject', message: volumeReasons.claimDeleting(name) }
    const volumeName = claim.spec?.volumeName
    if (volumeName) {
      claims.bound.push({ claim, volume: view.volume(volumeName) })
      continue
    }
    const className = storageClassOf(claim)
    const cls = className ? view.storageClass(className) : undefined
    if (isWaitForFirstConsumer(cls)) claims.delayed.push({ claim, cls: cls! })
    else immediate = true
  }
  if (immediate) return { type: 'reject', message: volumeReasons.unboundImmediate }
  return { type: 'claims', claims }
}

/** storagehelpers.CheckNodeAffinity: a volume without nodeAffinity is reachable from every node. */
export function volumeReachable(v: PersistentVolume, node: Node, matchTerm: (t: NodeSelectorTerm, n: Node) => boolean): boolean {
  const terms = v.spec?.nodeAffinity?.required?.nodeSelectorTerms
  if (!terms) return true
  return terms.some((t) => matchTerm(t, node))
}

/** MatchTopologySelectorTerms of a class's allowedTopologies (none: every node). */
function topologyAllows(cls: ClassObj, node: Node): boolean {
  const terms = cls.allowedTopologies ?? []
  if (terms.length === 0) return true
  const labels = node.metadata?.labels ?? {}
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e) => Object.hasOwn(labels, e.key) && e.values.includes(labels[e.key])))
}

const requestOf = (c: PersistentVolumeClaim) => parseQuantity(c.spec?.resources?.requests?.storage) ?? 0

/**
 * Filter (FindPodVolumes): the reasons the node cannot serve the pod's claims, or the actions that
 * bind them for it. Delayed claims take the smallest Available matching volume reachable from the
 * node (one volume per claim), else are provisioned when their class has a provisioner and allows
 * the node's topology.
 */
export function filterVolumes(claims: PodClaims, node: Node, view: VolumeView, matchTerm: (t: NodeSelectorTerm, n: Node) => boolean): { reasons: string[] } | { actions: VolumeAction[] } {
  const reasons: string[] = []
  for (const b of claims.bound) {
    if (!b.volume) {
      reasons.push(volumeReasons.pvNotExist)
      break
    }
    if (!volumeReachable(b.volume, node, matchTerm)) {
      reasons.push(volumeReasons.nodeConflict)
      break
    }
  }
  const actions: VolumeAction[] = []
  if (claims.delayed.length) {
    const nodeName = node.metadata?.name ?? ''
    const taken = new Set<string>()
    let satisfied = true
    // Smallest requests first, as upstream sorts the claims to bind.
    const delayed = [...claims.delayed].sort((a, b) => requestOf(a.claim) - requestOf(b.claim))
    for (const { claim, cls } of delayed) {
      const candidates = view.volumes().filter((v) => !taken.has(v.metadata.name!) && volumeReachable(v, node, matchTerm))
      const match = findMatchingVolume(claim, candidates, false)
      const ns = claim.metadata.namespace ?? ''
      if (match) {
        taken.add(match.metadata.name!)
        if (!match.spec?.claimRef) actions.push({ kind: 'bindVolume', volume: match.metadata.name!, namespace: ns, claim: claim.metadata.name! })
        continue
      }
      if (cls.provisioner === noProvisioner || !topologyAllows(cls, node)) {
        satisfied = false
        continue
      }
      if (claim.metadata.annotations?.[annSelectedNode] !== nodeName) actions.push({ kind: 'selectNode', namespace: ns, claim: claim.metadata.name!, node: nodeName })
    }
    if (!satisfied) reasons.push(volumeReasons.bindConflict)
  }
  return reasons.length ? { reasons } : { actions }
}
