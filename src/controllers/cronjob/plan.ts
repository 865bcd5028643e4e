// The CronJob controller's decisions, pure (upstream pkg/controller/cronjob cronjob_controllerv2.go
// syncCronJob and cleanupFinishedJobs, utils.go): from a CronJob, the Jobs it owns and the time,
// the status (active Jobs, lastScheduleTime, lastSuccessfulTime), the Job to create for the most
// recent unmet schedule (named `<cronjob>-<scheduled time in minutes>`, so a retried create is
// idempotent), the Jobs to delete (Replace, history limits), the events, and when to look again.
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.js'
import type { ObjectReference } from 'kubernetes-types/core/v1.js'
import type { KObject, Mutable, StoredObject } from '../../apis/meta.js'
import { isKnownTimeZone, mostRecentActivation, nextActivation, parseSchedule, type Schedule } from '../../lib/cron.js'
import { rfc3339 } from '../../lib/duration.js'
import { newControllerRef } from '../runtime/controllerref.js'
import { sameJSON } from '../runtime/equal.js'

export type CronJobObj = StoredObject & Mutable<CronJob>
export type JobObj = StoredObject & Mutable<Job>

export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp'
/** Upstream looks again 100 ms after the next activation. */
export const nextScheduleDeltaMs = 100

export interface PlannedEvent {
  type: 'Normal' | 'Warning'
  reason: string
  message: string
}

export interface CronJobPlan {
  status: CronJobStatus
  /** The Job to create (its name is deterministic). */
  create?: KObject
  /** Jobs to delete (Replace, then the history limits), each with a SuccessfulDelete event. */
  deletes: JobObj[]
  events: PlannedEvent[]
  requeueAfterMs?: number
}

const condTrue = (j: JobObj, type: string) => (j.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True')
/** The finished condition type (Complete or Failed) of a Job, if finished. */
export const finishedType = (j: JobObj): string | undefined => (condTrue(j, 'Complete') ? 'Complete' : condTrue(j, 'Failed') ? 'Failed' : undefined)

/** getJobName: `<cronjob>-<scheduled time in minutes since the epoch>`. */
export function jobName(cjName: string, scheduled: Date): string {
  return `${cjName}-${Math.floor(scheduled.getTime() / 60_000)}`
}

/** RFC 3339 of `t` in time zone `tz` (Go's t.In(loc).Format(time.RFC3339)); UTC prints `Z`. */
export function rfc3339In(t: Date, tz: string | undefined): string {
  if (!tz || tz === 'UTC') return rfc3339(t)
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(t)
      .map((p) => [p.type, p.value]),
  )
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second))
  const offsetMin = Math.round((local - Math.floor(t.getTime() / 1000) * 1000) / 60_000)
  if (offsetMin === 0) return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}Z`
  const sign = offsetMin < 0 ? '-' : '+'
  const abs = Math.abs(offsetMin)
  const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${off}`
}

/** Go's time.RFC1123Z of a UTC time: `Mon, 02 Jan 2006 15:04:05 +0000`. */
export function rfc1123z(t: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const p = (n: number) => String(n).padStart(2, '0')
  return `${days[t.getUTCDay()]}, ${p(t.getUTCDate())} ${months[t.getUTCMonth()]} ${t.getUTCFullYear()} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} +0000`
}

/** getJobFromTemplate2: the Job for one scheduled time, owned by the CronJob. */
export function jobFromTemplate(cj: CronJobObj, scheduled: Date): KObject {
  const tmpl = cj.spec?.jobTemplate ?? {}
  const labels = { ...(tmpl.metadata?.labels ?? {}) }
  const annotations: Record<string, string> = { ...(tmpl.metadata?.annotations ?? {}), [scheduledTimestampAnnotation]: rfc3339In(scheduled, cj.spec?.timeZone ?? undefined) }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj.metadata.name ?? '', scheduled),
      namespace: cj.metadata.namespace,
      ...(Object.keys(labels).length ? { labels } : {}),
      annotations,
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: structuredClone(tmpl.spec ?? {}),
  }
}

/** The reference the CronJob keeps in status.active (ref.GetReference). */
export function jobReference(j: StoredObject): ObjectReference {
  return { kind: 'Job', namespace: j.metadata.namespace, name: j.metadata.name, uid: j.metadata.uid, apiVersion: 'batch/v1', resourceVersion: j.metadata.resourceVersion }
}

/** byJobStartTime: Jobs with a start time first, oldest first; then by name. */
function byStartTime(a: JobObj, b: JobObj): number {
  const sa = a.status?.startTime
  const sb = b.status?.startTime
  if (!sa && sb) return 1
  if (sa && !sb) return -1
  if (sa === sb || (!sa && !sb)) return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')
  return Date.parse(sa!) - Date.parse(sb!)
}

/** formatSchedule: the timeZone field becomes a TZ= prefix (a TZ in the schedule itself gets a warning). */
function scheduleOf(cj: CronJobObj, events: PlannedEvent[]): Schedule {
  let s = cj.spec?.schedule ?? ''
  if (s.includes('TZ')) {
    events.push({
      type: 'Warning',
      reason: 'UnsupportedSchedule',
      message: `CRON_TZ or TZ used in schedule ${JSON.stringify(s)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
    })
  } else if (cj.spec?.timeZone) s = `TZ=${cj.spec.timeZone} ${s}`
  return parseSchedule(s)
}

export function planCronJob(cj: CronJobObj, jobs: JobObj[], now: Date): CronJobPlan {
  const status: Mutable<CronJobStatus> = structuredClone(cj.status ?? {}) as Mutable<CronJobStatus>
  const events: PlannedEvent[] = []
  const plan: CronJobPlan = { status, deletes: [], events }
  let active: ObjectReference[] = [...(status.active ?? [])]
  const inActive = (uid?: string) => active.some((a) => a.uid === uid)

  // ---- what happened to the Jobs it started
  for (const j of jobs) {
    const found = inActive(j.metadata.uid)
    const finished = finishedType(j)
    if (!found && !finished) {
      events.push({ type: 'Warning', reason: 'UnexpectedJob', message: `Saw a job that the controller did not create or forgot: ${j.metadata.name}` })
    } else if (found && finished) {
      active = active.filter((a) => a.uid !== j.metadata.uid)
      events.push({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${j.metadata.name}, condition: ${finished}` })
    } else if (finished === 'Complete' && j.status?.completionTime) {
      // A Job need not be active to count: any success moves lastSuccessfulTime forward.
      if (!status.lastSuccessfulTime || Date.parse(j.status.completionTime) > Date.parse(status.lastSuccessfulTime)) status.lastSuccessfulTime = j.status.completionTime
    }
  }
  for (const ref of [...active]) {
    if (!jobs.some((j) => j.metadata.uid === ref.uid)) {
      events.push({ type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${ref.name}` })
      active = active.filter((a) => a !== ref)
    }
  }
  const finish = (): CronJobPlan => {
    status.active = active.length ? active : undefined
    if (!status.active) delete status.active
    plan.deletes.push(...historyToDelete(cj, jobs, plan.deletes))
    const deleted = new Set(plan.deletes.map((d) => d.metadata.uid))
    if (status.active) {
      status.active = status.active.filter((a) => !deleted.has(a.uid))
      if (!status.active.length) delete status.active
    }
    for (const d of plan.deletes) events.push({ type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${d.metadata.name}` })
    return plan
  }

  if (cj.metadata.deletionTimestamp) return finish()
  const tz = cj.spec?.timeZone
  if (tz != null && !isKnownTimeZone(tz)) {
    events.push({ type: 'Warning', reason: 'UnknownTimeZone', message: `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}` })
    return finish()
  }
  if (cj.spec?.suspend) return finish()

  let schedule: Schedule
  try {
    schedule = scheduleOf(cj, events)
  } catch (err) {
    events.push({ type: 'Warning', reason: 'UnparseableSchedule', message: `unparseable schedule: ${JSON.stringify(cj.spec?.schedule ?? '')} : ${(err as Error).message}` })
    return finish()
  }

  // ---- the most recent unmet activation
  const created = new Date(Date.parse(cj.metadata.creationTimestamp ?? '') || now.getTime())
  let earliest = status.lastScheduleTime ? new Date(status.lastScheduleTime) : created
  const sds = cj.spec?.startingDeadlineSeconds
  if (sds != null) {
    const deadline = new Date(now.getTime() - sds * 1000)
    if (deadline > earliest) earliest = deadline
  }
  const recent = mostRecentActivation(schedule, earliest, now)
  if (recent.missed > 100)
    events.push({ type: 'Warning', reason: 'TooManyMissedTimes', message: `too many missed start times: ${recent.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew` })
  // nextScheduleTimeDuration: after the most recent activation (or the last known start).
  const base = recent.time ?? (status.lastScheduleTime ? new Date(status.lastScheduleTime) : created)
  const requeue = Math.max(0, nextActivation(schedule, base).getTime() + nextScheduleDeltaMs - now.getTime())
  plan.requeueAfterMs = requeue
  const scheduled = recent.time
  if (!scheduled) return finish()

  if (sds != null && scheduled.getTime() + sds * 1000 < now.getTime()) {
    events.push({ type: 'Warning', reason: 'MissSchedule', message: `Missed scheduled time to start a job: ${rfc1123z(scheduled)}` })
    return finish()
  }
  const name = jobName(cj.metadata.name ?? '', scheduled)
  if (active.some((a) => a.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled.getTime())) return finish()
  if (cj.spec?.concurrencyPolicy === 'Forbid' && active.length > 0) {
    events.push({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' })
    return finish()
  }
  if (cj.spec?.concurrencyPolicy === 'Replace') {
    for (const ref of active) {
      const j = jobs.find((x) => x.metadata.uid === ref.uid)
      if (j) plan.deletes.push(j)
    }
    active = []
  }
  plan.create = jobFromTemplate(cj, scheduled)
  status.lastScheduleTime = rfc3339(scheduled)
  return finish()
}

/** cleanupFinishedJobs: finished Jobs beyond successful/failedJobsHistoryLimit, oldest first. */
function historyToDelete(cj: CronJobObj, jobs: JobObj[], already: JobObj[]): JobObj[] {
  const ok = cj.spec?.successfulJobsHistoryLimit
  const bad = cj.spec?.failedJobsHistoryLimit
  if (ok == null && bad == null) return []
  const skip = new Set(already.map((j) => j.metadata.uid))
  const live = jobs.filter((j) => !skip.has(j.metadata.uid) && !j.metadata.deletionTimestamp)
  const out: JobObj[] = []
  for (const [type, limit] of [
    ['Complete', ok],
    ['Failed', bad],
  ] as const) {
    if (limit == null) continue
    const done = live.filter((j) => finishedType(j) === type).sort(byStartTime)
    out.push(...done.slice(0, Math.max(0, done.length - limit)))
  }
  return out
}

/** True when the status differs from the CronJob's. */
export function cronJobStatusChanged(cj: CronJobObj, status: CronJobStatus): boolean {
  return !sameJSON(cj.status ?? {}, status)
}
