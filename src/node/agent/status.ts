// Pod status from what the agent observed of its containers (upstream generateAPIPodStatus,
// getPhase, convertToAPIContainerStatuses and status/generate.go), merged with the previous status
// the way the status manager does (lastTransitionTime kept while a condition's status holds).
// Pure: no clock, no I/O.
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js'
import { rfc3339 } from '../../lib/duration.js'
import { goList, reasons } from './messages.js'

/** One run of a container. */
export interface ContainerRun {
  containerID: string
  image: string
  imageID: string
  startedAt: Date
  /** Set once the run has ended. */
  finishedAt?: Date
  exitCode?: number
  reason?: string
  message?: string
  logPath: string
}

/** What the agent knows of one container of a pod. */
export interface ContainerObservation {
  name: string
  /** Runs before the current one (restartCount = number of runs - 1). */
  restartCount: number
  /** The latest run (running when it has no finishedAt). */
  current?: ContainerRun
  /** The run before it (lastState). */
  previous?: ContainerRun
  /** Why the last attempt to (re)start it failed or is held back (ErrImagePull, CrashLoopBackOff...). */
  waiting?: { reason: string; message?: string }
  /** Readiness probe result (true without a readiness probe once started). */
  ready: boolean
  /** Startup probe passed (true without one once running). */
  started: boolean
}

export interface PodObservation {
  pod: Pod
  containers: Map<string, ContainerObservation>
  hostIP: string
  podIP?: string
  /** The pod's sandbox (its IP) is set up and not torn down. */
  sandboxReady: boolean
  /** The pod is finished for good (deleted, or done under its restart policy) and nothing runs. */
  terminal: boolean
  /** Being deleted: every container reports not ready. */
  terminating: boolean
  /** When the agent first saw the pod. */
  startTime: Date
}

const isRestartableInit = (c: Container) => c.restartPolicy === 'Always'

function terminated(run: ContainerRun): ContainerState {
  const t: NonNullable<ContainerState['terminated']> = {
    exitCode: run.exitCode ?? 0,
    reason: run.reason ?? (run.exitCode ? 'Error' : 'Completed'),
    startedAt: rfc3339(run.startedAt),
    finishedAt: rfc3339(run.finishedAt ?? run.startedAt),
    containerID: run.containerID,
  }
  if (run.message) t.message = run.message
  return { terminated: t }
}

/** One containerStatuses entry. */
export function containerStatus(c: Container, o: ContainerObservation | undefined, defaultWaiting: string, terminating: boolean): ContainerStatus {
  let state: ContainerState
  let lastState: ContainerState = {}
  const cur = o?.current
  if (o?.waiting) {
    state = { waiting: o.waiting.message ? { reason: o.waiting.reason, message: o.waiting.message } : { reason: o.waiting.reason } }
    if (cur?.finishedAt) lastState = terminated(cur)
    else if (o.previous) lastState = terminated(o.previous)
  } else if (cur && !cur.finishedAt) {
    state = { running: { startedAt: rfc3339(cur.startedAt) } }
    if (o.previous) lastState = terminated(o.previous)
  } else if (cur) {
    state = terminated(cur)
    if (o.previous) lastState = terminated(o.previous)
  } else state = { waiting: { reason: defaultWaiting } }
  const isRunning = !!cur && !cur.finishedAt && !o?.waiting
  const s: ContainerStatus = {
    name: c.name,
    state,
    lastState,
    ready: isRunning && o!.started && o!.ready && !terminating,
    restartCount: o?.restartCount ?? 0,
    image: cur?.image ?? c.image ?? '',
    imageID: cur?.imageID ?? '',
    started: isRunning && o!.started,
  }
  if (cur) s.containerID = cur.containerID
  return s
}

interface Counts {
  pendingInit: number
  failedInit: number
  unknown: number
  running: number
  waiting: number
  stopped: number
  succeeded: number
}

/** getPhase (kubelet_pods.go), for the statuses just built. */
export function computePhase(pod: Pod, init: ContainerStatus[], regular: ContainerStatus[], terminal: boolean): NonNullable<PodStatus['phase']> {
  const spec = pod.spec!
  const n: Counts = { pendingInit: 0, failedInit: 0, unknown: 0, running: 0, waiting: 0, stopped: 0, succeeded: 0 }
  for (const c of spec.initContainers ?? []) {
    const s = init.find((x) => x.name === c.name)
    if (!s) {
      n.pendingInit++
      continue
    }
    if (isRestartableInit(c)) {
      if (!s.state?.running || !s.started) n.pendingInit++
      continue
    }
    if (s.state?.running) n.pendingInit++
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) n.failedInit++
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated && s.lastState.terminated.exitCode !== 0) n.failedInit++
      else n.pendingInit++
    }
  }
  for (const c of spec.containers ?? []) {
    const s = regular.find((x) => x.name === c.name)
    if (!s) {
      n.unknown++
      continue
    }
    if (s.state?.running) n.running++
    else if (s.state?.terminated) {
      n.stopped++
      if (s.state.terminated.exitCode === 0) n.succeeded++
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) n.stopped++
      else n.waiting++
    } else n.unknown++
  }
  const policy = spec.restartPolicy ?? 'Always'
  if (n.failedInit > 0 && policy === 'Never') return 'Failed'
  const anyRegularStarted = regular.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated)
  if (n.pendingInit > 0 && !anyRegularStarted) return 'Pending'
  if (n.waiting > 0) return 'Pending'
  if (n.running > 0 && n.unknown === 0) return 'Running'
  if (n.running === 0 && n.stopped > 0 && n.unknown === 0) {
    if (terminal) return n.stopped === n.succeeded ? 'Succeeded' : 'Failed'
    if (policy === 'Always') return 'Running'
    if (n.stopped === n.succeeded) return 'Succeeded'
    if (policy === 'Never') return 'Failed'
    return 'Running'
  }
  return 'Pending'
}

function cond(type: string, status: 'True' | 'False', reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status }
  if (reason) c.reason = reason
  if (message) c.message = message
  return c
}

function containersReady(pod: Pod, statuses: ContainerStatus[], phase: string): PodCondition {
  const spec = pod.spec!
  const unknown: string[] = []
  const unready: string[] = []
  for (const c of (spec.initContainers ?? []).filter(isRestartableInit)) {
    const s = statuses.find((x) => x.name === c.name)
    if (!s) unknown.push(c.name)
    else if (!s.ready) unready.push(c.name)
  }
  for (const c of spec.containers ?? []) {
    const s = statuses.find((x) => x.name === c.name)
    if (!s) unknown.push(c.name)
    else if (!s.ready) unready.push(c.name)
  }
  if (phase === 'Succeeded' && unknown.length === 0) return cond('ContainersReady', 'False', reasons.podCompleted)
  if (phase === 'Failed') return cond('ContainersReady', 'False', reasons.podFailed)
  const msgs: string[] = []
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`)
  if (unready.length) msgs.push(`containers with unready status: ${goList(unready)}`)
  if (msgs.length) return cond('ContainersReady', 'False', reasons.containersNotReady, msgs.join(', '))
  return cond('ContainersReady', 'True')
}

function podReady(pod: Pod, containersReadyCond: PodCondition, conditions: PodCondition[]): PodCondition {
  if (containersReadyCond.status !== 'True') return { ...containersReadyCond, type: 'Ready' }
  const msgs: string[] = []
  for (const rg of pod.spec?.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === rg.conditionType)
    if (!c) msgs.push(`corresponding condition of pod readiness gate "${rg.conditionType}" does not exist.`)
    else if (c.status !== 'True') msgs.push(`the status of pod readiness gate "${rg.conditionType}" is not "True", but ${c.status}`)
  }
  if (msgs.length) return cond('Ready', 'False', 'ReadinessGatesNotReady', msgs.join(', '))
  return cond('Ready', 'True')
}

function initialized(pod: Pod, init: ContainerStatus[], regular: ContainerStatus[], phase: string): PodCondition {
  const unknown: string[] = []
  const incomplete: string[] = []
  for (const c of pod.spec?.initContainers ?? []) {
    const s = init.find((x) => x.name === c.name)
    if (!s) {
      unknown.push(c.name)
      continue
    }
    if (isRestartableInit(c)) {
      if (!s.started) incomplete.push(c.name)
      continue
    }
    if (!s.state?.terminated || s.state.terminated.exitCode !== 0) incomplete.push(c.name)
  }
  if (phase === 'Succeeded' && unknown.length === 0) return cond('Initialized', 'True', reasons.podCompleted)
  if (regular.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated)) return cond('Initialized', 'True')
  const msgs: string[] = []
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`)
  if (incomplete.length) msgs.push(`containers with incomplete status: ${goList(incomplete)}`)
  if (msgs.length) return cond('Initialized', 'False', reasons.containersNotInitialized, msgs.join(', '))
  return cond('Initialized', 'True')
}

const kubeletConditions = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'])

/** The status to publish for the pod (conditions carry lastTransitionTime from `old` when unchanged). */
export function computePodStatus(o: PodObservation, now: Date): PodStatus {
  const { pod } = o
  const spec = pod.spec!
  const old = pod.status ?? {}
  const hasInit = (spec.initContainers ?? []).length > 0
  const defaultWaiting = hasInit ? reasons.podInitializing : reasons.containerCreating
  const init = (spec.initContainers ?? []).map((c) => containerStatus(c, o.containers.get(c.name), reasons.podInitializing, o.terminating))
  const regular = spec.containers.map((c) => containerStatus(c, o.containers.get(c.name), defaultWaiting, o.terminating))
  let phase = computePhase(pod, init, regular, o.terminal)
  // A pod that reached a terminal phase stays there.
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase

  const conditions: PodCondition[] = (old.conditions ?? []).filter((c) => !kubeletConditions.has(c.type))
  conditions.push(cond('PodReadyToStartContainers', o.sandboxReady ? 'True' : 'False'))
  const all = [...init, ...regular]
  conditions.push(initialized(pod, init, regular, phase))
  const cr = containersReady(pod, all, phase)
  conditions.push(podReady(pod, cr, old.conditions ?? []))
  conditions.push(cr)
  conditions.push(cond('PodScheduled', 'True'))
  const ts = rfc3339(now)
  for (const c of conditions) {
    if (!kubeletConditions.has(c.type)) continue
    const prev = (old.conditions ?? []).find((x) => x.type === c.type)
    c.lastProbeTime = null as unknown as string
    c.lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : ts
  }

  const status: PodStatus = { ...old, phase, conditions }
  status.hostIP = o.hostIP
  status.hostIPs = [{ ip: o.hostIP }]
  if (o.podIP) {
    status.podIP = o.podIP
    status.podIPs = [{ ip: o.podIP }]
  }
  status.startTime = old.startTime ?? rfc3339(o.startTime)
  if (init.length) status.initContainerStatuses = init
  else delete status.initContainerStatuses
  status.containerStatuses = regular
  // Ephemeral containers: one status each, never ready and without `started` (the prober manager
  // never sees them upstream); they count for neither the phase nor the conditions.
  const ephemeral = (spec.ephemeralContainers ?? []).map((c) => {
    const s = containerStatus(c as Container, o.containers.get(c.name), reasons.containerCreating, o.terminating)
    delete s.started
    s.ready = false
    return s
  })
  if (ephemeral.length) status.ephemeralContainerStatuses = ephemeral
  else delete status.ephemeralContainerStatuses
  return status
}
