// What the agent knows of a pod's containers when it first sees the pod: from the status it (or
// an earlier life of it) published, plus the containers the runtime still runs. Lets a restarted
// agent carry on (restart counts, last states, back-off) instead of starting over. Pure.
import type { ContainerStatus } from 'kubernetes-types/core/v1.js'
import type { ContainerObservation, ContainerRun } from './status.js'

export interface AdoptedContainer {
  id: string
  startedAt: Date
  logPath: string
}

function runFromTerminated(s: ContainerStatus, t: NonNullable<NonNullable<ContainerStatus['state']>['terminated']>): ContainerRun {
  return {
    containerID: t.containerID ?? s.containerID ?? '',
    image: s.image,
    imageID: s.imageID,
    startedAt: new Date(t.startedAt ?? t.finishedAt ?? 0),
    finishedAt: new Date(t.finishedAt ?? t.startedAt ?? 0),
    exitCode: t.exitCode,
    reason: t.reason,
    message: t.message,
    logPath: '',
  }
}

/** `<dir>/<n>.log` → n (the runtime names log files by restart count). */
export function restartCountFromLogPath(path: string): number | undefined {
  const m = /(\d+)\.log$/.exec(path)
  return m ? Number(m[1]) : undefined
}

/**
 * The observation to start from. `adopted`: the runtime's still-running container of that name.
 * A status that says running without a live container means the container vanished while the
 * agent was away: it counts as terminated (ContainerStatusUnknown, 137), so the restart policy decides.
 */
export function seedObservation(name: string, status: ContainerStatus | undefined, adopted: AdoptedContainer | undefined, now: Date): ContainerObservation | undefined {
  if (!status && !adopted) return undefined
  const o: ContainerObservation = { name, restartCount: status?.restartCount ?? 0, ready: false, started: false }
  const st = status?.state ?? {}
  const last = status?.lastState?.terminated
  if (adopted) {
    const sameRun = status?.containerID === adopted.id
    o.restartCount = sameRun ? (status?.restartCount ?? 0) : (restartCountFromLogPath(adopted.logPath) ?? status?.restartCount ?? 0)
    o.current = { containerID: adopted.id, image: status?.image ?? '', imageID: status?.imageID ?? '', startedAt: adopted.startedAt, logPath: adopted.logPath }
    if (sameRun && last && status) o.previous = runFromTerminated(status, last)
    else if (!sameRun && st.terminated && status) o.previous = runFromTerminated(status, st.terminated)
    return o
  }
  if (!status) return undefined
  if (st.terminated) {
    o.current = runFromTerminated(status, st.terminated)
    if (last) o.previous = runFromTerminated(status, last)
  } else if (st.running) {
    o.current = {
      containerID: status.containerID ?? '',
      image: status.image,
      imageID: status.imageID,
      startedAt: new Date(st.running.startedAt ?? now),
      finishedAt: now,
      exitCode: 137,
      reason: 'ContainerStatusUnknown',
      message: 'The container could not be located when the pod was terminated',
      logPath: '',
    }
    if (last) o.previous = runFromTerminated(status, last)
  } else if (last) {
    // Waiting after a run (CrashLoopBackOff...): the last run is the current one.
    o.current = runFromTerminated(status, last)
  } else return undefined
  return o
}
