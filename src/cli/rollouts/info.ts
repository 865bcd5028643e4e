// What `get rollout` shows, computed from the objects alone (Argo's pkg/kubectl-argo-rollouts/info
// and the utils it calls: rollout phase, current step and set weight, ReplicaSet health, pod
// status). Pure: the clock is a parameter.
import { humanDuration } from '../../lib/duration.js'
import { keys, type AnalysisRun, type CanaryStep, type Deployment, type Experiment, type Pod, type ReplicaSet, type Rollout } from './types.js'

export const icons = {
  waiting: '◷',
  progressing: '◌',
  warning: '⚠',
  unknown: '?',
  ok: '✔',
  bad: '✖',
  paused: '॥',
  neutral: '•',
} as const

export const tags = { canary: 'canary', stable: 'stable', active: 'active', preview: 'preview', ping: 'ping', pong: 'pong' } as const

interface Meta {
  name: string
  namespace: string
  uid: string
  creationTimestamp?: string
}

export interface PodInfo {
  meta: Meta
  status: string
  icon: string
  ready: string
  restarts: number
}

export interface ReplicaSetInfo {
  meta: Meta
  status: string
  icon: string
  revision: number
  template: string
  scaleDownDeadline: string
  stable: boolean
  canary: boolean
  active: boolean
  preview: boolean
  ping: boolean
  pong: boolean
  replicas: number
  available: number
  images: string[]
  pods: PodInfo[]
}

export interface JobInfo {
  meta: Meta
  status: string
  icon: string
}

export interface AnalysisRunInfo {
  meta: Meta
  status: string
  icon: string
  revision: number
  successful: number
  failed: number
  inconclusive: number
  error: number
  jobs: JobInfo[]
}

export interface ExperimentInfo {
  meta: Meta
  status: string
  icon: string
  message: string
  revision: number
  replicaSets: ReplicaSetInfo[]
  analysisRuns: AnalysisRunInfo[]
}

export interface RolloutInfo {
  meta: Meta
  status: string
  message: string
  icon: string
  strategy: string
  step: string
  setWeight: string
  actualWeight: string
  containers: { name: string; image: string }[]
  desired: number
  current: number
  updated: number
  ready: number
  available: number
  replicaSets: ReplicaSetInfo[]
  experiments: ExperimentInfo[]
  analysisRuns: AnalysisRunInfo[]
}

export interface ImageInfo {
  image: string
  tags: string[]
}

type Obj = { metadata?: { name?: string; namespace?: string; uid?: string; creationTimestamp?: string; annotations?: Record<string, string>; labels?: Record<string, string>; ownerReferences?: readonly { uid: string }[] } }

function meta(o: Obj): Meta {
  const m = o.metadata ?? {}
  return { name: m.name ?? '', namespace: m.namespace ?? '', uid: m.uid ?? '', creationTimestamp: m.creationTimestamp }
}

const ownedBy = (o: Obj, uids: string[]): string | undefined => (o.metadata?.ownerReferences ?? []).find((r) => uids.includes(r.uid))?.uid

/** strconv.Atoi of the revision annotation, 0 when absent or not a number. */
function parseRevision(annotations: Record<string, string> | undefined): number {
  const v = annotations?.[keys.revision]
  return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : 0
}

const time = (ts: string | undefined): number => (ts ? Date.parse(ts) : Number.NEGATIVE_INFINITY)

/** Go's zero time (0001-01-01T00:00:00Z) in ms since the epoch: the age of an unset timestamp. */
const zeroTime = -62135596800000

/** info.Age: HumanDuration since the creation timestamp. */
export function age(ts: string | undefined, now: Date): string {
  const t = ts ? Date.parse(ts) : zeroTime
  return humanDuration(now.getTime() - (Number.isNaN(t) ? zeroTime : t))
}

export function analysisIcon(phase: string | undefined): string {
  switch (phase) {
    case 'Successful':
      return icons.ok
    case 'Inconclusive':
      return icons.unknown
    case 'Failed':
      return icons.bad
    case 'Error':
      return icons.warning
    case 'Running':
      return icons.progressing
    case 'Pending':
      return icons.waiting
  }
  return ' '
}

export function rolloutIcon(status: string): string {
  switch (status) {
    case 'Progressing':
      return icons.progressing
    case 'Error':
    case 'InvalidSpec':
      return icons.warning
    case 'Paused':
      return icons.paused
    case 'Healthy':
      return icons.ok
    case 'Degraded':
      return icons.bad
    case 'Unknown':
      return icons.unknown
    case 'ScaledDown':
      return icons.neutral
  }
  return ' '
}

function replicaSetIcon(status: string): string {
  switch (status) {
    case 'Progressing':
      return icons.progressing
    case 'Healthy':
      return icons.ok
    case 'ReplicaFailure':
      return icons.bad
    case 'ScaledDown':
      return icons.neutral
  }
  return ' '
}

function podIcon(status: string): string {
  if (status.startsWith('Init:')) return icons.progressing
  if (status.startsWith('Signal:') || status.startsWith('ExitCode:')) return icons.bad
  if (status.endsWith('Error') || status.startsWith('Err')) return icons.warning
  switch (status) {
    case 'Pending':
    case 'Terminating':
    case 'ContainerCreating':
      return icons.progressing
    case 'Running':
    case 'Completed':
      return icons.ok
    case 'Failed':
    case 'InvalidImageName':
    case 'CrashLoopBackOff':
      return icons.bad
    case 'ImagePullBackOff':
    case 'RegistryUnavailable':
      return icons.warning
    case 'Unknown':
      return icons.unknown
  }
  return ' '
}

// ---- rollout utils (utils/replicaset, utils/rollout, utils/weightutil) ----

export function maxTrafficWeight(ro: Rollout): number {
  return ro.spec.strategy?.canary?.trafficRouting?.maxTrafficWeight ?? 100
}

/** GetCurrentCanaryStep: the step and its index; no step past the last one; nothing without steps. */
export function currentCanaryStep(ro: Rollout): { step?: CanaryStep; index?: number } {
  const steps = ro.spec.strategy?.canary?.steps
  if (!ro.spec.strategy?.canary || !steps || steps.length === 0) return {}
  const index = ro.status?.currentStepIndex ?? 0
  if (steps.length <= index) return { index }
  return { step: steps[index], index }
}

/** GetCurrentSetWeight: 0 when aborted; the last setWeight at or before the current step. */
export function currentSetWeight(ro: Rollout): number {
  if (ro.status?.abort) return 0
  const { step, index } = currentCanaryStep(ro)
  if (!step || index === undefined) return maxTrafficWeight(ro)
  const steps = ro.spec.strategy!.canary!.steps!
  for (let i = index; i >= 0; i--) if (steps[i].setWeight !== undefined && steps[i].setWeight !== null) return steps[i].setWeight!
  return 0
}

const replicasOrDefault = (n: number | undefined) => n ?? 1

function isGenerationObserved(ro: Rollout): boolean {
  const og = ro.status?.observedGeneration
  const s = og === undefined || og === null ? '' : String(og)
  if (!/^[+-]?\d+$/.test(s)) return true
  const observed = Number(s)
  const generation = ro.metadata.generation ?? 0
  return observed >= generation
}

function isWorkloadGenerationObserved(ro: Rollout): boolean {
  const a = ro.metadata.annotations?.[keys.workloadGeneration]
  if (a === undefined || !/^[+-]?\d+$/.test(a)) return true
  const s = ro.status?.workloadObservedGeneration ?? ''
  if (!/^[+-]?\d+$/.test(s)) return true
  return Number(s) === Number(a)
}

const completed = (phase: string | undefined) => phase === 'Successful' || phase === 'Failed' || phase === 'Error' || phase === 'Inconclusive'

/** CalculateRolloutPhase: Argo 0.10's client-side phase, used when the controller wrote none. */
export function calculateRolloutPhase(ro: Rollout): [string, string] {
  const st = ro.status ?? {}
  for (const c of st.conditions ?? []) {
    if (c.type === 'InvalidSpec') return ['Degraded', `InvalidSpec: ${c.message ?? ''}`]
    if (c.reason === 'RolloutAborted' || c.reason === 'ProgressDeadlineExceeded') return ['Degraded', `${c.reason}: ${c.message ?? ''}`]
  }
  if (ro.spec.paused) return ['Paused', 'manually paused']
  for (const pc of st.pauseConditions ?? []) return ['Paused', pc.reason]
  if (ro.spec.restartAt && (!st.restartedAt || Date.parse(ro.spec.restartAt) !== Date.parse(st.restartedAt))) return ['Progressing', 'rollout is restarting']
  if ((st.updatedReplicas ?? 0) < replicasOrDefault(ro.spec.replicas)) return ['Progressing', 'more replicas need to be updated']
  if ((st.availableReplicas ?? 0) < (st.updatedReplicas ?? 0)) return ['Progressing', 'updated replicas are still becoming available']
  const fullyPromoted = (st.stableRS ?? '') === (st.currentPodHash ?? '')
  if (ro.spec.strategy?.blueGreen) {
    const active = st.blueGreen?.activeSelector ?? ''
    if (active === '' || active !== (st.currentPodHash ?? '')) return ['Progressing', 'active service cutover pending']
    if (!st.stableRS || !fullyPromoted) {
      if (ro.spec.strategy.blueGreen.postPromotionAnalysis && !completed(st.blueGreen?.postPromotionAnalysisRunStatus?.status)) return ['Progressing', 'waiting for analysis to complete']
      return ['Progressing', 'waiting for post-promotion verification to complete']
    }
  } else if (ro.spec.strategy?.canary) {
    if (!ro.spec.strategy.canary.trafficRouting && (st.replicas ?? 0) > (st.updatedReplicas ?? 0)) return ['Progressing', 'old replicas are pending termination']
    if (!st.stableRS || !fullyPromoted) return ['Progressing', 'waiting for all steps to complete']
  }
  return ['Healthy', '']
}

/** GetRolloutPhase: the controller's phase and message, unless it has not caught up yet. */
export function rolloutPhase(ro: Rollout): [string, string] {
  if (!isGenerationObserved(ro)) return ['Progressing', 'waiting for rollout spec update to be observed']
  if (ro.status?.controllerPause && (ro.status.pauseConditions ?? []).length === 0) return ['Progressing', 'waiting for rollout to unpause']
  if (ro.spec.templateResolvedFromRef && !isWorkloadGenerationObserved(ro)) return ['Progressing', 'waiting for rollout spec update to be observed for the reference workload']
  if (ro.status?.phase) return [ro.status.phase, ro.status.message ?? '']
  return calculateRolloutPhase(ro)
}

// ---- ReplicaSets and pods ----

function replicaSetHealth(rs: ReplicaSet): string {
  const generation = rs.metadata?.generation ?? 0
  const observed = rs.status?.observedGeneration ?? 0
  const specReplicas = rs.spec?.replicas
  if (generation <= observed) {
    const failure = (rs.status?.conditions ?? []).find((c) => c.type === 'ReplicaFailure')
    if (failure && failure.status === 'True') return 'ReplicaFailure'
    if (specReplicas !== undefined && (rs.status?.availableReplicas ?? 0) < specReplicas) return 'Progressing'
  } else {
    return 'Progressing'
  }
  if (specReplicas === 0) return 'ScaledDown'
  return 'Healthy'
}

/** newPodInfo: the STATUS kubectl's printer would show (reason, init progress, Terminating). */
export function podInfo(pod: Pod): PodInfo {
  const spec = pod.spec ?? { containers: [] }
  const st = pod.status ?? {}
  let restarts = 0
  const restartable = new Map<string, boolean>()
  for (const c of spec.initContainers ?? []) restartable.set(c.name, c.restartPolicy === 'Always')
  const total = (spec.containers ?? []).length
  let readyContainers = 0
  let reason = st.phase ?? ''
  if (st.reason) reason = st.reason

  let initializing = false
  const inits = st.initContainerStatuses ?? []
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i]
    restarts += c.restartCount ?? 0
    const term = c.state?.terminated
    const wait = c.state?.waiting
    if (term && term.exitCode === 0) continue
    if (term) {
      if (!term.reason) reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`
      else reason = `Init:${term.reason}`
      initializing = true
    } else if (restartable.get(c.name) && c.started) {
      if (c.ready) continue
    } else if (wait && wait.reason && wait.reason !== 'PodInitializing') {
      reason = `Init:${wait.reason}`
      initializing = true
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`
      initializing = true
    }
    break
  }
  if (!initializing) {
    restarts = 0
    let hasRunning = false
    const cs = st.containerStatuses ?? []
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]
      restarts += c.restartCount ?? 0
      const wait = c.state?.waiting
      const term = c.state?.terminated
      if (wait && wait.reason) reason = wait.reason
      else if (term && term.reason) reason = term.reason
      else if (term && !term.reason) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`
      else if (c.ready && c.state?.running) {
        hasRunning = true
        readyContainers++
      }
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running'
  }
  if (pod.metadata?.deletionTimestamp && st.reason === 'NodeLost') reason = 'Unknown'
  else if (pod.metadata?.deletionTimestamp) reason = 'Terminating'

  return { meta: meta(pod as Obj), status: reason, icon: podIcon(reason), ready: `${readyContainers}/${total}`, restarts }
}

function addPodInfos(rsInfos: ReplicaSetInfo[], pods: Pod[]): ReplicaSetInfo[] {
  const uids = rsInfos.map((r) => r.meta.uid)
  for (const pod of pods) {
    const owner = ownedBy(pod as Obj, uids)
    if (owner === undefined) continue
    rsInfos[uids.indexOf(owner)].pods.push(podInfo(pod))
  }
  for (const rs of rsInfos) {
    rs.pods.sort((a, b) => {
      const ta = time(a.meta.creationTimestamp)
      const tb = time(b.meta.creationTimestamp)
      if (ta !== tb) return ta < tb ? -1 : 1
      return a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0
    })
  }
  return rsInfos
}

/** GetReplicaSetInfo: the ReplicaSets `ownerUID` owns, newest revision first, with their pods. */
export function replicaSetInfos(ownerUID: string, ro: Rollout | undefined, replicaSets: ReplicaSet[], pods: Pod[]): ReplicaSetInfo[] {
  const out: ReplicaSetInfo[] = []
  for (const rs of replicaSets) {
    if (ownedBy(rs as Obj, [ownerUID]) === undefined) continue
    const status = replicaSetHealth(rs)
    const annotations = rs.metadata?.annotations ?? {}
    const info: ReplicaSetInfo = {
      meta: meta(rs as Obj),
      status,
      icon: replicaSetIcon(status),
      revision: parseRevision(annotations),
      template: annotations[keys.experimentTemplateName] ?? '',
      scaleDownDeadline: annotations[keys.scaleDownDeadline] ?? '',
      stable: false,
      canary: false,
      active: false,
      preview: false,
      ping: false,
      pong: false,
      replicas: rs.status?.replicas ?? 0,
      available: rs.status?.availableReplicas ?? 0,
      images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''),
      pods: [],
    }
    if (ro) {
      const hash = rs.metadata?.labels?.[keys.podTemplateHash] ?? ''
      const st = ro.status ?? {}
      const canary = ro.spec.strategy?.canary
      if (canary) {
        const stableIsPing = st.canary?.stablePingPong === 'ping'
        const pingPong = canary.pingPong !== undefined && canary.pingPong !== null
        if ((st.stableRS ?? '') === hash) {
          info.stable = true
          if (pingPong) {
            info.ping = stableIsPing
            info.pong = !stableIsPing
          }
        } else if ((st.currentPodHash ?? '') === hash) {
          info.canary = true
          if (pingPong) {
            info.ping = !stableIsPing
            info.pong = stableIsPing
          }
        }
      }
      if (ro.spec.strategy?.blueGreen) {
        if ((st.stableRS ?? '') === hash) info.stable = true
        if ((st.blueGreen?.activeSelector ?? '') === hash) info.active = true
        else if ((st.blueGreen?.previewSelector ?? '') === hash) info.preview = true
      }
    }
    out.push(info)
  }
  out.sort((a, b) => (a.revision !== b.revision ? b.revision - a.revision : a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0))
  return addPodInfos(out, pods)
}

/** The AnalysisRuns `ownerUID` owns: newest revision first, then oldest first, then name descending. */
export function analysisRunInfos(ownerUID: string, runs: AnalysisRun[]): AnalysisRunInfo[] {
  const out: AnalysisRunInfo[] = []
  for (const run of runs) {
    if (ownedBy(run as Obj, [ownerUID]) === undefined) continue
    const info: AnalysisRunInfo = {
      meta: meta(run as Obj),
      status: run.status?.phase ?? '',
      icon: analysisIcon(run.status?.phase),
      revision: parseRevision(run.metadata.annotations),
      successful: 0,
      failed: 0,
      inconclusive: 0,
      error: 0,
      jobs: [],
    }
    for (const mr of run.status?.metricResults ?? []) {
      info.successful += mr.successful ?? 0
      info.failed += mr.failed ?? 0
      info.inconclusive += mr.inconclusive ?? 0
      info.error += mr.error ?? 0
      for (const m of mr.measurements ?? []) {
        const job = m.metadata?.[keys.jobName]
        if (m.metadata && job !== undefined) {
          info.jobs.push({
            meta: { name: job, namespace: m.metadata[keys.jobNamespace] ?? run.metadata.namespace ?? '', uid: '', creationTimestamp: m.startedAt },
            status: m.phase ?? '',
            icon: analysisIcon(m.phase),
          })
        }
      }
    }
    out.push(info)
  }
  out.sort((a, b) => {
    if (a.revision !== b.revision) return b.revision - a.revision
    const ta = time(a.meta.creationTimestamp)
    const tb = time(b.meta.creationTimestamp)
    if (ta !== tb) return ta < tb ? -1 : 1
    return a.meta.name > b.meta.name ? -1 : a.meta.name < b.meta.name ? 1 : 0
  })
  return out
}

export function experimentInfo(exp: Experiment, replicaSets: ReplicaSet[], runs: AnalysisRun[], pods: Pod[]): ExperimentInfo {
  return {
    meta: meta(exp as Obj),
    status: exp.status?.phase ?? '',
    icon: analysisIcon(exp.status?.phase),
    message: exp.status?.message ?? '',
    revision: parseRevision(exp.metadata.annotations),
    replicaSets: replicaSetInfos(exp.metadata.uid ?? '', undefined, replicaSets, pods),
    analysisRuns: analysisRunInfos(exp.metadata.uid ?? '', runs),
  }
}

export interface RolloutObjects {
  rollout: Rollout
  replicaSets: ReplicaSet[]
  pods: Pod[]
  experiments: Experiment[]
  analysisRuns: AnalysisRun[]
  /** The Deployment of spec.workloadRef, when there is one. */
  workload?: Deployment
}

/** NewRolloutInfo. */
export function rolloutInfo(o: RolloutObjects): RolloutInfo {
  const ro = o.rollout
  const uid = ro.metadata.uid ?? ''
  const st = ro.status ?? {}
  const replicaSets = replicaSetInfos(uid, ro, o.replicaSets, o.pods)
  const experiments = o.experiments
    .filter((e) => ownedBy(e as Obj, [uid]) !== undefined)
    .map((e) => experimentInfo(e, o.replicaSets, o.analysisRuns, o.pods))
    .sort((a, b) => (a.revision !== b.revision ? b.revision - a.revision : time(a.meta.creationTimestamp) - time(b.meta.creationTimestamp)))
  const info: RolloutInfo = {
    meta: meta(ro as Obj),
    status: '',
    message: '',
    icon: ' ',
    strategy: '',
    step: '',
    setWeight: '',
    actualWeight: '',
    containers: [],
    desired: replicasOrDefault(ro.spec.replicas),
    current: st.replicas ?? 0,
    updated: st.updatedReplicas ?? 0,
    ready: st.readyReplicas ?? 0,
    available: st.availableReplicas ?? 0,
    replicaSets,
    experiments,
    analysisRuns: analysisRunInfos(uid, o.analysisRuns),
  }
  const canary = ro.spec.strategy?.canary
  if (canary) {
    info.strategy = 'Canary'
    const steps = canary.steps ?? []
    if (st.currentStepIndex !== undefined && st.currentStepIndex !== null && steps.length > 0) info.step = `${st.currentStepIndex}/${steps.length}`
    info.setWeight = String(currentSetWeight(ro))
    info.actualWeight = '0'
    const { step } = currentCanaryStep(ro)
    if (!step) {
      info.actualWeight = String(maxTrafficWeight(ro))
    } else if ((st.availableReplicas ?? 0) > 0) {
      if (!canary.trafficRouting && !st.canary?.weights) {
        for (const rs of replicaSets) if (rs.canary) info.actualWeight = String(Math.trunc((rs.available * maxTrafficWeight(ro)) / st.availableReplicas!))
      } else {
        const w = st.canary?.weights?.canary?.weight
        info.actualWeight = st.canary?.weights ? String(w ?? 0) : info.setWeight
      }
    }
  } else if (ro.spec.strategy?.blueGreen) {
    info.strategy = 'BlueGreen'
  }
  const [phase, message] = rolloutPhase(ro)
  info.status = phase
  info.message = message
  info.icon = rolloutIcon(phase)
  const template = o.workload ? o.workload.spec?.template : ro.spec.template
  info.containers = (template?.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image ?? '' }))
  return info
}

function mergeImage(image: ImageInfo, images: ImageInfo[]): ImageInfo[] {
  const found = images.findIndex((i) => i.image === image.image)
  if (found < 0) images.push(image)
  else images[found] = { image: images[found].image, tags: [...new Set([...image.tags, ...images[found].tags])].sort() }
  return images.sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0))
}

/** info.Images: the images of ReplicaSets that have replicas, tagged canary/stable/active/preview. */
export function images(ri: RolloutInfo): ImageInfo[] {
  let out: ImageInfo[] = []
  for (const rs of ri.replicaSets) {
    if (rs.replicas <= 0) continue
    for (const image of rs.images) {
      const t: string[] = []
      if (rs.canary) t.push(tags.canary)
      if (rs.stable) t.push(tags.stable)
      if (rs.active) t.push(tags.active)
      if (rs.preview) t.push(tags.preview)
      if (rs.ping) t.push(tags.ping)
      if (rs.pong) t.push(tags.pong)
      out = mergeImage({ image, tags: t }, out)
    }
  }
  for (const exp of ri.experiments) for (const img of experimentImages(exp)) out = mergeImage(img, out)
  return out
}

export function experimentImages(exp: ExperimentInfo): ImageInfo[] {
  let out: ImageInfo[] = []
  for (const rs of exp.replicaSets) {
    if (rs.replicas <= 0) continue
    for (const image of rs.images) out = mergeImage({ image, tags: rs.template ? [`Σ:${rs.template}`] : [] }, out)
  }
  return out
}

/** The revisions of ReplicaSets, Experiments and AnalysisRuns, newest first. */
export function revisions(ri: RolloutInfo): number[] {
  const set = new Set<number>([...ri.replicaSets.map((r) => r.revision), ...ri.experiments.map((e) => e.revision), ...ri.analysisRuns.map((a) => a.revision)])
  return [...set].sort((a, b) => b - a)
}

/** ScaleDownDelay: the time left before a ReplicaSet scales down, or `passed`. */
export function scaleDownDelay(rs: ReplicaSetInfo, now: Date): string {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(rs.scaleDownDeadline)) return ''
  const deadline = Date.parse(rs.scaleDownDeadline)
  if (Number.isNaN(deadline)) return ''
  if (deadline < now.getTime()) return 'passed'
  return humanDuration(deadline - now.getTime())
}
