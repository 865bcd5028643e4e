// Upstream kubelet wording (1.32) for events, waiting reasons and condition messages, in one place
// so texts never drift. Sources: pkg/kubelet/events, images/image_manager.go,
// kuberuntime/kuberuntime_container.go, prober/prober.go, status/generate.go.

/** Go's time.Duration.String() for a whole number of milliseconds: `0s`, `12ms`, `1.393s`, `1m20s`, `5m0s`. */
export function goDuration(ms: number): string {
  ms = Math.max(0, Math.trunc(ms))
  if (ms === 0) return '0s'
  if (ms < 1000) return `${ms}ms`
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor((ms % 3_600_000) / 60_000)
  const restMs = ms % 60_000
  const sec = Math.floor(restMs / 1000)
  const frac = restMs % 1000
  const s = frac ? `${sec}.${String(frac).padStart(3, '0').replace(/0+$/, '')}s` : `${sec}s`
  if (h) return `${h}h${m}m${s}`
  if (m) return `${m}m${s}`
  return s
}

/** format.Pod: `name_namespace(uid)`. */
export function podDesc(pod: { metadata?: { name?: string; namespace?: string; uid?: string } }): string {
  const m = pod.metadata ?? {}
  return `${m.name ?? ''}_${m.namespace ?? ''}(${m.uid ?? ''})`
}

export const reasons = {
  // events
  pulling: 'Pulling',
  pulled: 'Pulled',
  failed: 'Failed',
  backOff: 'BackOff',
  created: 'Created',
  started: 'Started',
  killing: 'Killing',
  unhealthy: 'Unhealthy',
  errImageNeverPull: 'ErrImageNeverPull',
  failedPreStopHook: 'FailedPreStopHook',
  failedPostStartHook: 'FailedPostStartHook',
  // waiting reasons
  containerCreating: 'ContainerCreating',
  podInitializing: 'PodInitializing',
  errImagePull: 'ErrImagePull',
  imagePullBackOff: 'ImagePullBackOff',
  crashLoopBackOff: 'CrashLoopBackOff',
  createContainerConfigError: 'CreateContainerConfigError',
  createContainerError: 'CreateContainerError',
  // conditions
  containersNotReady: 'ContainersNotReady',
  containersNotInitialized: 'ContainersNotInitialized',
  podCompleted: 'PodCompleted',
  podFailed: 'PodFailed',
} as const

export const msg = {
  pulling: (image: string) => `Pulling image "${image}"`,
  pulled: (image: string, ms: number, waitedMs: number, size: number) =>
    `Successfully pulled image "${image}" in ${goDuration(ms)} (${goDuration(waitedMs)} including waiting). Image size: ${size} bytes.`,
  alreadyPresent: (image: string) => `Container image "${image}" already present on machine`,
  neverPull: (image: string) => `Container image "${image}" is not present with pull policy of Never`,
  failedPull: (image: string, err: string) => `Failed to pull image "${image}": ${err}`,
  backOffPull: (image: string) => `Back-off pulling image "${image}"`,
  error: (what: string) => `Error: ${what}`,
  created: (container: string) => `Created container: ${container}`,
  started: (container: string) => `Started container ${container}`,
  stopping: (container: string) => `Stopping container ${container}`,
  backOffRestart: (container: string, podDescription: string) => `Back-off restarting failed container ${container} in pod ${podDescription}`,
  crashLoopWaiting: (delayMs: number, container: string, podDescription: string) =>
    `back-off ${goDuration(delayMs)} restarting failed container=${container} pod=${podDescription}`,
  probeFailed: (kind: ProbeKind, output: string) => `${probeKindTitle[kind]} probe failed: ${output}`,
  probeErrored: (kind: ProbeKind, err: string) => `${probeKindTitle[kind]} probe errored: ${err}`,
  probeKill: (container: string, kind: 'liveness' | 'startup') => `Container ${container} failed ${kind} probe, will be restarted`,
  definitionChanged: (container: string) => `Container ${container} definition changed, will be restarted`,
  // Upstream leaves the hook's error out of the event so that secrets do not leak.
  preStopFailed: 'PreStopHook failed',
  postStartFailed: 'PostStartHook failed',
}

export type ProbeKind = 'readiness' | 'liveness' | 'startup'
const probeKindTitle: Record<ProbeKind, string> = { readiness: 'Readiness', liveness: 'Liveness', startup: 'Startup' }

/** Go's `%s` of a []string: `[a b]`. */
export const goList = (names: string[]) => `[${names.join(' ')}]`
