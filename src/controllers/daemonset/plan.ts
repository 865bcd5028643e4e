// The DaemonSet controller's decisions, pure (upstream pkg/controller/daemon daemon_controller.go
// manage / podsShouldBeOnNode, update.go rollingUpdate, util): one pod on every node the template's
// nodeSelector selects and whose NoSchedule/NoExecute taints it tolerates; pods on other nodes,
// failed pods and duplicates go; RollingUpdate replaces old pods while at most maxUnavailable
// nodes are without an available pod; the ControllerRevision of the template keeps
// `kubectl rollout history|undo` working.
import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js'
import type { Node, Toleration } from 'kubernetes-types/core/v1.js'
import type { KObject, Mutable, StoredObject } from '../../apis/meta.js'
import { canonicalJSON, templateHash } from '../../lib/hash.js'
import { scaledValue } from '../../lib/intstr.js'
import { newControllerRef } from '../runtime/controllerref.js'
import { sameJSON } from '../runtime/equal.js'
import { isPodAvailable, isPodReady, type PodObj } from '../runtime/pods.js'
import { tolerates } from '../scheduler/plan.js'
import type { RevisionObj } from '../statefulset/plan.js'

export type DaemonSetObj = StoredObject & Mutable<DaemonSet>
export type NodeObj = StoredObject & Node

export const revisionHashLabel = 'controller-revision-hash'
export const templateGenerationLabel = 'pod-template-generation'

/** The tolerations every daemon pod gets (util.AddOrUpdateDaemonPodTolerations). */
export const daemonTolerations: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
]

export type DaemonSetAction =
  | { kind: 'createRevision'; revision: KObject }
  | { kind: 'bumpRevision'; revision: RevisionObj; to: number }
  | { kind: 'createPod'; pod: KObject; node: string }
  | { kind: 'deletePod'; pod: PodObj; failedOn?: string }
  | { kind: 'deleteRevision'; revision: RevisionObj }

export interface DaemonSetPlan {
  actions: DaemonSetAction[]
  status?: DaemonSetStatus
}

export function revisionData(ds: DaemonSetObj): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(ds.spec?.template ?? {}), $patch: 'replace' } } }
}

export function newRevision(ds: DaemonSetObj, revision: number): KObject {
  const data = revisionData(ds)
  const hash = templateHash(data, ds.status?.collisionCount ?? undefined)
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${ds.metadata.name}-${hash}`,
      namespace: ds.metadata.namespace,
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [revisionHashLabel]: hash },
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    data,
    revision,
  }
}

/** The node a daemon pod is for: its required node affinity on metadata.name, else spec.nodeName. */
export function podNode(p: PodObj): string | undefined {
  for (const term of p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [])
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0]
  return p.spec?.nodeName
}

/**
 * NodeShouldRunDaemonPod: a new daemon pod goes where the nodeSelector matches and every
 * NoSchedule/NoExecute taint is tolerated; a running one stays while only NoExecute taints are
 * tolerated (a NoSchedule taint added later does not evict it).
 */
export function nodeShouldRun(ds: DaemonSetObj, node: NodeObj): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const sel = ds.spec?.template?.spec?.nodeSelector ?? {}
  const labels = node.metadata?.labels ?? {}
  if (Object.entries(sel).some(([k, v]) => labels[k] !== v)) return { shouldRun: false, shouldContinueRunning: false }
  const tolerations = [...(ds.spec?.template?.spec?.tolerations ?? []), ...daemonTolerations]
  const untolerated = (node.spec?.taints ?? []).filter((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerations.some((x) => tolerates(x, t)))
  return { shouldRun: untolerated.length === 0, shouldContinueRunning: !untolerated.some((t) => t.effect === 'NoExecute') }
}

export const shouldRunOn = (ds: DaemonSetObj, node: NodeObj): boolean => nodeShouldRun(ds, node).shouldRun

/** The daemon pod for one node: bound there by required node affinity, with the daemon tolerations. */
export function podForNode(ds: DaemonSetObj, node: string, hash: string): KObject {
  const template = structuredClone(ds.spec?.template ?? {})
  const spec = (template.spec ?? { containers: [] }) as Mutable<NonNullable<typeof template.spec>>
  const tolerations = [...(spec.tolerations ?? [])]
  for (const t of daemonTolerations) if (!tolerations.some((x) => x.key === t.key && x.effect === t.effect)) tolerations.push(t)
  spec.tolerations = tolerations
  spec.affinity = {
    ...(spec.affinity ?? {}),
    nodeAffinity: {
      ...(spec.affinity?.nodeAffinity ?? {}),
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] },
    },
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [revisionHashLabel]: hash, [templateGenerationLabel]: String(ds.metadata.generation ?? 1) },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    spec,
  }
}

const isTerminating = (p: PodObj) => p.metadata.deletionTimestamp != null

export function planDaemonSet(ds: DaemonSetObj, nodes: NodeObj[], pods: PodObj[], revisions: RevisionObj[], now: Date): DaemonSetPlan {
  // ---- the revision of the current template
  const data = revisionData(ds)
  const sorted = [...revisions].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))
  const latest = sorted.length ? (sorted[sorted.length - 1].revision ?? 0) : 0
  const equal = sorted.filter((r) => canonicalJSON(r.data) === canonicalJSON(data))
  const update = equal[equal.length - 1]
  if (!update) return { actions: [{ kind: 'createRevision', revision: newRevision(ds, latest + 1) }] }
  if (update !== sorted[sorted.length - 1]) return { actions: [{ kind: 'bumpRevision', revision: update, to: latest + 1 }] }
  const hash = update.metadata.labels?.[revisionHashLabel] ?? update.metadata.name!.slice(`${ds.metadata.name}-`.length)
  const minReady = ds.spec?.minReadySeconds ?? 0
  const isUpdated = (p: PodObj) => p.metadata.labels?.[revisionHashLabel] === hash
  const available = (p: PodObj) => !isTerminating(p) && p.status?.phase === 'Running' && isPodAvailable(p, minReady, now)

  const actions: DaemonSetAction[] = []
  const byNode = new Map<string, PodObj[]>()
  for (const p of pods) {
    const n = podNode(p)
    if (n === undefined) continue
    byNode.set(n, [...(byNode.get(n) ?? []), p])
  }
  const status: Mutable<DaemonSetStatus> = {
    currentNumberScheduled: 0,
    desiredNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    observedGeneration: ds.metadata.generation,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
  }
  // Nodes whose daemon pod is old, and how many nodes lack an available pod (for the rolling update).
  const oldOnNode: PodObj[] = []
  let unavailableNodes = 0
  const nodeNames = new Set(nodes.map((n) => n.metadata.name!))
  for (const node of [...nodes].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    const name = node.metadata.name!
    const here = (byNode.get(name) ?? []).filter((p) => !isTerminating(p))
    const { shouldRun, shouldContinueRunning } = nodeShouldRun(ds, node)
    if (!shouldRun) {
      if (here.length) status.numberMisscheduled!++
      if (!shouldContinueRunning) for (const p of here) actions.push({ kind: 'deletePod', pod: p })
      continue
    }
    status.desiredNumberScheduled++
    const failed = here.filter((p) => p.status?.phase === 'Failed')
    for (const p of failed) actions.push({ kind: 'deletePod', pod: p, failedOn: name })
    const live = here.filter((p) => p.status?.phase !== 'Failed')
    if (live.length === 0) {
      // A pod still terminating on the node holds its place.
      if (!(byNode.get(name) ?? []).some(isTerminating) && failed.length === 0) actions.push({ kind: 'createPod', pod: podForNode(ds, name, hash), node: name })
      unavailableNodes++
      continue
    }
    status.currentNumberScheduled++
    // More than one: keep the oldest (upstream keeps the one created first).
    const keep = [...live].sort((a, b) => Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? ''))
    for (const extra of keep.slice(1)) actions.push({ kind: 'deletePod', pod: extra })
    const p = keep[0]
    if (isPodReady(p)) status.numberReady++
    if (available(p)) status.numberAvailable!++
    else unavailableNodes++
    if (isUpdated(p)) status.updatedNumberScheduled!++
    else oldOnNode.push(p)
  }
  // Daemon pods on nodes that are gone go too.
  for (const [n, ps] of byNode) if (!nodeNames.has(n)) for (const p of ps) if (!isTerminating(p)) actions.push({ kind: 'deletePod', pod: p })
  status.numberUnavailable = status.desiredNumberScheduled - status.numberAvailable!
  if (status.numberUnavailable === 0) delete status.numberUnavailable
  for (const k of ['numberMisscheduled', 'numberAvailable', 'updatedNumberScheduled'] as const) if (status[k] === 0) delete status[k]
  status.collisionCount = ds.status?.collisionCount ?? undefined
  if (status.collisionCount === undefined) delete status.collisionCount

  // ---- RollingUpdate (maxSurge 0): old pods go while at most maxUnavailable nodes lack an available pod.
  if (ds.spec?.updateStrategy?.type !== 'OnDelete' && actions.length === 0) {
    const maxUnavailable = Math.max(1, scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, status.desiredNumberScheduled, true))
    let budget = maxUnavailable - unavailableNodes
    // Old pods that are not available anyway go first: they cost nothing.
    const ordered = [...oldOnNode].sort((a, b) => Number(available(a)) - Number(available(b)))
    for (const p of ordered) {
      if (!available(p)) actions.push({ kind: 'deletePod', pod: p })
      else if (budget > 0) {
        actions.push({ kind: 'deletePod', pod: p })
        budget--
      }
    }
  }

  // ---- history
  const live = new Set([update.metadata.name, ...pods.map((p) => `${ds.metadata.name}-${p.metadata.labels?.[revisionHashLabel]}`)])
  const old = sorted.filter((r) => !live.has(r.metadata.name!))
  const limit = ds.spec?.revisionHistoryLimit ?? 10
  for (const r of old.slice(0, Math.max(0, old.length - limit))) actions.push({ kind: 'deleteRevision', revision: r })
  return { actions, status }
}

export function daemonSetStatusChanged(ds: DaemonSetObj, status: DaemonSetStatus): boolean {
  const { conditions: _c, ...old } = (ds.status ?? {}) as Mutable<DaemonSetStatus>
  void _c
  return !sameJSON(old, status)
}
