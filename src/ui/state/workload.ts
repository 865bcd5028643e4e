// What a workload's page shows, computed from the objects the dashboard watches: its ReplicaSets
// by revision, each with its pods as dots, its revision history and its events. Pure.
import type { KubeObject } from './list.js'

export const revisionAnnotation = 'deployment.kubernetes.io/revision'
export const rolloutRevisionAnnotation = 'rollout.argoproj.io/revision'
export const changeCauseAnnotation = 'kubernetes.io/change-cause'

export type DotState = 'ready' | 'running' | 'pending' | 'failed' | 'terminating' | 'succeeded'

export interface PodDot {
  name: string
  state: DotState
  /** What kubectl's STATUS column would say (Running, ContainerCreating, ImagePullBackOff, Terminating, ...). */
  status: string
  ready: boolean
}

export interface ReplicaSetRow {
  name: string
  uid: string
  revision: number
  hash: string
  images: string[]
  desired: number
  ready: number
  /** The ReplicaSet of the workload's current template (the highest revision). */
  current: boolean
  /** For Rollouts: stable, canary, preview or active, as the Rollout's status names them. */
  role?: string
  pods: PodDot[]
  changeCause?: string
}

interface PodLike extends KubeObject {
  spec?: { containers?: { name: string; image?: string }[] }
  status?: {
    phase?: string
    reason?: string
    conditions?: { type: string; status: string }[]
    containerStatuses?: { name: string; ready?: boolean; state?: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number }; running?: object } }[]
  }
}

interface ReplicaSetLike extends KubeObject {
  spec?: { replicas?: number; template?: { spec?: { containers?: { name: string; image?: string }[] } } }
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number }
}

interface WorkloadLike extends KubeObject {
  status?: {
    stableRS?: string
    currentPodHash?: string
    blueGreen?: { activeSelector?: string; previewSelector?: string }
  }
}

const controllerOf = (o: KubeObject): string | undefined => o.metadata?.ownerReferences?.find((r) => r.controller)?.uid

export function revisionOf(o: KubeObject): number {
  const a = o.metadata?.annotations ?? {}
  const n = Number(a[revisionAnnotation] ?? a[rolloutRevisionAnnotation] ?? '0')
  return Number.isFinite(n) ? n : 0
}

/** One pod as a dot: its colour and the word kubectl would print for it (a simplified printPod). */
export function podDot(pod: PodLike): PodDot {
  const name = pod.metadata?.name ?? ''
  const st = pod.status ?? {}
  const ready = (st.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  if (pod.metadata?.deletionTimestamp) return { name, state: 'terminating', status: 'Terminating', ready }
  let reason = st.reason ?? st.phase ?? 'Pending'
  let failed = st.phase === 'Failed'
  for (const c of st.containerStatuses ?? []) {
    const w = c.state?.waiting?.reason
    const t = c.state?.terminated
    if (w && w !== 'ContainerCreating' && w !== 'PodInitializing') {
      reason = w
      failed = true
    } else if (w) reason = w
    else if (t) {
      reason = t.reason ?? `ExitCode:${t.exitCode ?? 0}`
      if ((t.exitCode ?? 0) !== 0) failed = true
    }
  }
  if (failed) return { name, state: 'failed', status: reason, ready }
  if (st.phase === 'Succeeded') return { name, state: 'succeeded', status: reason, ready }
  if (st.phase === 'Running') return { name, state: ready ? 'ready' : 'running', status: reason === 'Running' || !reason ? 'Running' : reason, ready }
  return { name, state: 'pending', status: reason, ready }
}

/**
 * The workload's ReplicaSets, newest revision first, each with its pods. `all` keeps ReplicaSets
 * scaled to 0 with no pods left (the revision history); without it only those that hold pods or
 * want some, plus the current one, are rows.
 */
export function replicaSetRows(workload: WorkloadLike, replicaSets: Iterable<ReplicaSetLike>, pods: Iterable<PodLike>, all = false): ReplicaSetRow[] {
  const uid = workload.metadata?.uid
  const owned = [...replicaSets].filter((rs) => uid && controllerOf(rs) === uid)
  const byOwner = new Map<string, PodDot[]>()
  for (const p of pods) {
    const owner = controllerOf(p)
    if (!owner) continue
    let list = byOwner.get(owner)
    if (!list) byOwner.set(owner, (list = []))
    list.push(podDot(p))
  }
  const maxRevision = Math.max(0, ...owned.map(revisionOf))
  const st = workload.status ?? {}
  const rows = owned.map((rs): ReplicaSetRow => {
    const labels = rs.metadata?.labels ?? {}
    const hash = labels['rollouts-pod-template-hash'] ?? labels['pod-template-hash'] ?? ''
    const revision = revisionOf(rs)
    const dots = (byOwner.get(rs.metadata?.uid ?? '') ?? []).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    let role: string | undefined
    if (st.stableRS !== undefined || st.currentPodHash !== undefined) {
      if (hash && hash === st.blueGreen?.activeSelector) role = 'active'
      else if (hash && hash === st.blueGreen?.previewSelector) role = 'preview'
      else if (hash && hash === st.stableRS) role = 'stable'
      else if (hash && hash === st.currentPodHash) role = 'canary'
    }
    const changeCause = rs.metadata?.annotations?.[changeCauseAnnotation]
    return {
      name: rs.metadata?.name ?? '',
      uid: rs.metadata?.uid ?? '',
      revision,
      hash,
      images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''),
      desired: rs.spec?.replicas ?? 0,
      ready: rs.status?.readyReplicas ?? 0,
      current: revision === maxRevision,
      ...(role ? { role } : {}),
      pods: dots,
      ...(changeCause ? { changeCause } : {}),
    }
  })
  rows.sort((a, b) => b.revision - a.revision || (a.name < b.name ? -1 : 1))
  return all ? rows : rows.filter((r) => r.current || r.desired > 0 || r.pods.length > 0)
}

export interface EventLike extends KubeObject {
  involvedObject?: { kind?: string; name?: string; uid?: string; namespace?: string }
  reason?: string
  message?: string
  type?: string
  count?: number
  firstTimestamp?: string
  lastTimestamp?: string
  eventTime?: string
  series?: { lastObservedTime?: string; count?: number }
}

export interface TimelineEntry {
  key: string
  time: string
  type: string
  reason: string
  object: string
  message: string
  count: number
}

export const eventTime = (e: EventLike): string => e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? ''

/**
 * The events about these objects (matched by uid, or by kind and name for events written before
 * the object's uid was known), newest first, at most `limit`.
 */
export function timeline(events: Iterable<EventLike>, about: { kind: string; name: string; uid?: string }[], limit = 200): TimelineEntry[] {
  const uids = new Set(about.map((a) => a.uid).filter(Boolean))
  const names = new Set(about.map((a) => `${a.kind}/${a.name}`))
  const out: TimelineEntry[] = []
  for (const e of events) {
    const io = e.involvedObject ?? {}
    if (!(io.uid && uids.has(io.uid)) && !names.has(`${io.kind}/${io.name}`)) continue
    out.push({
      key: e.metadata?.uid ?? `${e.metadata?.namespace}/${e.metadata?.name}`,
      time: eventTime(e),
      type: e.type ?? 'Normal',
      reason: e.reason ?? '',
      object: `${(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`,
      message: e.message ?? '',
      count: e.series?.count ?? e.count ?? 1,
    })
  }
  out.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.key < b.key ? 1 : -1))
  return out.slice(0, limit)
}

/** A matchLabels selector as a labelSelector query value (`app=web,tier=front`); matchExpressions as upstream's string form. */
export function selectorString(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`)
  for (const e of sel?.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`)
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`)
    else if (e.operator === 'Exists') parts.push(e.key)
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`)
  }
  return parts.join(',')
}

/** Whether a Service's selector picks pods with these labels (a Service with no selector picks none). */
export function serviceSelects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector ?? {})
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v)
}
