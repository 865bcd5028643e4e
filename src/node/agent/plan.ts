// What a pod's containers need next (upstream computePodActions, simplified to what a local
// runtime needs): init containers in order, then the regular containers; restarts per
// restartPolicy; kills for failed liveness/startup probes and changed images; ephemeral
// containers started once each, never restarted. Pure.
import type { Container, EphemeralContainer, Pod } from 'kubernetes-types/core/v1.js'
import type { ContainerObservation } from './status.js'

export type KillCause = 'liveness' | 'startup' | 'definition'

export interface ContainerFlags {
  /** The liveness probe has failed failureThreshold times in a row. */
  livenessFailed?: boolean
  startupFailed?: boolean
}

export interface PodActions {
  /** Containers to (re)start now, in order; at most one init container. */
  start: { container: Container; init: boolean }[]
  kill: { name: string; cause: KillCause }[]
  /**
   * Ephemeral containers (kubectl debug) never started yet: started whatever state the init
   * containers are in (upstream starts them first, so a debugger gets in even then).
   */
  startEphemeral: EphemeralContainer[]
  /** Every container is done for good under the restart policy: the pod is finished. */
  podDone: boolean
}

const exitedRun = (o: ContainerObservation | undefined) => !!o?.current?.finishedAt
const runningRun = (o: ContainerObservation | undefined) => !!o?.current && !o.current.finishedAt

/** Upstream ShouldContainerBeRestarted for an exited container. */
export function shouldRestart(policy: string | undefined, exitCode: number | undefined): boolean {
  if (policy === 'Never') return false
  if (policy === 'OnFailure') return exitCode !== 0
  return true
}

export function planPodActions(pod: Pod, containers: Map<string, ContainerObservation>, flags: Map<string, ContainerFlags>): PodActions {
  const spec = pod.spec!
  const policy = spec.restartPolicy ?? 'Always'
  const out: PodActions = { start: [], kill: [], startEphemeral: planEphemeral(pod, containers), podDone: false }
  const regular = spec.containers ?? []

  // Containers to kill: running ones whose probes failed or whose image changed.
  for (const c of [...(spec.initContainers ?? []), ...regular]) {
    const o = containers.get(c.name)
    if (!runningRun(o)) continue
    const f = flags.get(c.name) ?? {}
    if (f.startupFailed) out.kill.push({ name: c.name, cause: 'startup' })
    else if (f.livenessFailed) out.kill.push({ name: c.name, cause: 'liveness' })
    else if (o!.current!.image !== c.image) out.kill.push({ name: c.name, cause: 'definition' })
  }

  const initialized = regular.some((c) => containers.get(c.name)?.current)
  if (!initialized) {
    for (const c of spec.initContainers ?? []) {
      const o = containers.get(c.name)
      if (!o?.current) {
        out.start.push({ container: c, init: true })
        return out
      }
      if (runningRun(o)) {
        // A sidecar (restartPolicy Always) counts as done once started; a plain init container must exit.
        if (c.restartPolicy === 'Always' && o.started) continue
        return out
      }
      const code = o.current.exitCode ?? 0
      if (c.restartPolicy === 'Always') {
        out.start.push({ container: c, init: true })
        return out
      }
      if (code === 0) continue
      if (policy === 'Never') {
        out.podDone = true
        return out
      }
      out.start.push({ container: c, init: true })
      return out
    }
  } else {
    // Sidecars keep running once the pod is initialized.
    for (const c of spec.initContainers ?? []) {
      if (c.restartPolicy !== 'Always') continue
      const o = containers.get(c.name)
      if (!o?.current || exitedRun(o)) out.start.push({ container: c, init: true })
    }
  }

  let finished = 0
  for (const c of regular) {
    const o = containers.get(c.name)
    if (!o?.current) out.start.push({ container: c, init: false })
    else if (exitedRun(o)) {
      if (shouldRestart(policy, o.current.exitCode)) out.start.push({ container: c, init: false })
      else finished++
    }
  }
  out.podDone = regular.length > 0 && finished === regular.length
  // Sidecars are not restarted once the regular containers are done; nor does a debugger start then.
  if (out.podDone) {
    out.start = []
    out.startEphemeral = []
  }
  return out
}

/** Ephemeral containers without a run yet (one whose image pull failed is tried again). */
export function planEphemeral(pod: Pod, containers: Map<string, ContainerObservation>): EphemeralContainer[] {
  return (pod.spec?.ephemeralContainers ?? []).filter((c) => !containers.get(c.name)?.current)
}
