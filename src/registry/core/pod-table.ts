// The pods printer (upstream printPod in pkg/printers/internalversion/printers.go, 1.32): READY,
// the STATUS reason logic, RESTARTS with `(5m ago)`, and the wide columns.
import type { ContainerStatus } from 'kubernetes-types/core/v1.js'
import { age } from '../../lib/duration.js'
import type { TableDef } from '../types.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import { docs } from './docs.js'
import type { PodObj } from '../../apis/core/pod.js'

const arr = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : [])

const isRestartableInit = (c: { restartPolicy?: string } | undefined): boolean => c?.restartPolicy === 'Always'

/** Later of two RFC 3339 times (undefined counts as the zero time). */
function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a
  if (!a) return b
  return Date.parse(b) > Date.parse(a) ? b : a
}

function terminatedAt(s: ContainerStatus): string | undefined {
  return s.lastState?.terminated?.finishedAt ?? undefined
}

export interface PodSummary {
  ready: string
  status: string
  restarts: string
}

/** READY, STATUS and RESTARTS exactly as upstream computes them. */
export function summarizePod(pod: PodObj, now: Date): PodSummary {
  const spec = pod.spec ?? { containers: [] }
  const status = pod.status ?? {}
  let restarts = 0
  let restartableInitRestarts = 0
  let totalContainers = arr(spec.containers).length
  let readyContainers = 0
  let lastRestart: string | undefined
  let lastRestartableInitRestart: string | undefined

  const phase = status.phase ?? ''
  let reason: string = phase
  if (status.reason) reason = status.reason
  for (const c of arr(status.conditions)) if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated'

  const initContainers = new Map<string, { restartPolicy?: string }>()
  for (const c of arr(spec.initContainers)) {
    initContainers.set(c.name, c)
    if (isRestartableInit(c)) totalContainers++
  }

  let initializing = false
  const initStatuses = arr(status.initContainerStatuses)
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]
    restarts += c.restartCount ?? 0
    lastRestart = later(lastRestart, terminatedAt(c))
    const restartable = isRestartableInit(initContainers.get(c.name))
    if (restartable) {
      restartableInitRestarts += c.restartCount ?? 0
      lastRestartableInitRestart = later(lastRestartableInitRestart, terminatedAt(c))
    }
    const term = c.state?.terminated
    const waiting = c.state?.waiting
    if (term && (term.exitCode ?? 0) === 0) continue
    if (restartable && c.started === true) {
      if (c.ready) readyContainers++
      continue
    }
    if (term) {
      if (!term.reason) reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode ?? 0}`
      else reason = `Init:${term.reason}`
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`
    } else {
      reason = `Init:${i}/${arr(spec.initContainers).length}`
    }
    initializing = true
    break
  }

  const initializedTrue = arr(status.conditions).some((c) => c.type === 'Initialized' && c.status === 'True')
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts
    lastRestart = lastRestartableInitRestart
    let hasRunning = false
    const statuses = arr(status.containerStatuses)
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]
      restarts += c.restartCount ?? 0
      lastRestart = later(lastRestart, terminatedAt(c))
      const waiting = c.state?.waiting
      const term = c.state?.terminated
      if (waiting && waiting.reason) reason = waiting.reason
      else if (term && term.reason) reason = term.reason
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode ?? 0}`
      else if (c.ready && c.state?.running) {
        hasRunning = true
        readyContainers++
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = arr(status.conditions).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady'
    }
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown'
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating'

  let restartsStr = String(restarts)
  if (restarts !== 0 && lastRestart) restartsStr = `${restarts} (${age(lastRestart, now)} ago)`
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsStr }
}

export const podTable: TableDef<PodObj> = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn,
    column('IP', 'string', docs.podIP, true),
    column('Node', 'string', docs.nodeName, true),
    column('Nominated Node', 'string', docs.nominatedNodeName, true),
    column('Readiness Gates', 'string', docs.readinessGates, true),
  ],
  cells(pod, now) {
    const s = summarizePod(pod, now)
    const status = pod.status ?? {}
    const gates = arr(pod.spec?.readinessGates)
    let readinessGates = '<none>'
    if (gates.length > 0) {
      let trueConditions = 0
      for (const g of gates) {
        const cond = arr(status.conditions).find((c) => c.type === g.conditionType)
        if (cond?.status === 'True') trueConditions++
      }
      readinessGates = `${trueConditions}/${gates.length}`
    }
    return [
      pod.metadata.name,
      s.ready,
      s.status,
      s.restarts,
      age(pod.metadata.creationTimestamp, now),
      arr(status.podIPs)[0]?.ip || '<none>',
      pod.spec?.nodeName || '<none>',
      status.nominatedNodeName || '<none>',
      readinessGates,
    ]
  },
}
