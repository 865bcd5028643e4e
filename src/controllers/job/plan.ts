// The Job controller's decisions, pure (upstream pkg/controller/job/job_controller.go syncJob,
// manageJob, trackJobStatusAndRemoveFinalizers, backoff_utils.go, pod_failure_policy.go,
// indexed_job_utils.go). From a Job and the pods it owns it decides which pods to create or delete,
// which pods lose the `batch.kubernetes.io/job-tracking` finalizer, the status before and after
// they do (the uncountedTerminatedPods hand-over that makes every finished pod count once), the
// events, and when to look again.
import type { Job, JobCondition, JobSpec, JobStatus } from 'kubernetes-types/batch/v1.js'
import type { Container, PodTemplateSpec } from 'kubernetes-types/core/v1.js'
import type { KObject, Mutable, StoredObject } from '../../apis/meta.js'
import { rfc3339 } from '../../lib/duration.js'
import { newControllerRef } from '../runtime/controllerref.js'
import { sameJSON } from '../runtime/equal.js'
import { isPodReady, type PodObj } from '../runtime/pods.js'

export type JobObj = StoredObject & Mutable<Job>

export const jobTrackingFinalizer = 'batch.kubernetes.io/job-tracking'
export const completionIndexAnnotation = 'batch.kubernetes.io/job-completion-index'
export const completionIndexEnv = 'JOB_COMPLETION_INDEX'
export const indexFailureCountAnnotation = 'batch.kubernetes.io/job-index-failure-count'
export const indexIgnoredFailureCountAnnotation = 'batch.kubernetes.io/job-index-ignored-failure-count'

/** Upstream's pod failure back-off: 10 s after the first failure, doubling, at most 10 minutes. */
export const defaultPodFailureBackOffMs = 10_000
export const maxPodFailureBackOffMs = 10 * 60_000
/** At most this many pods created or deleted in one pass (MaxPodCreateDeletePerSync). */
export const maxPodCreateDeletePerSync = 500

export interface JobObserved {
  job: JobObj
  /** Every pod the Job owns: active, terminating and finished. */
  pods: PodObj[]
  now: Date
  /** False while pod creations or deletions of an earlier pass are still unseen. */
  expectationsSatisfied: boolean
  /** UIDs of pods whose finalizer this controller removed and whose update the cache has not shown yet. */
  expectedRmFinalizers: ReadonlySet<string>
}

export interface PlannedEvent {
  type: 'Normal' | 'Warning'
  reason: string
  message: string
}

export interface JobPlan {
  /** Active pods to delete (suspension, scale-down, a finished Job's leftovers). */
  deletes: PodObj[]
  /**
   * Pods to create: one entry each, with its completion index for Indexed Jobs and, with
   * backoffLimitPerIndex, the index's failure counts so far (from the failed pod it replaces).
   */
  creates: { index?: number; failureCount?: number; ignoredFailureCount?: number }[]
  /** Pods whose tracking finalizer goes (after interimStatus is written, before status). */
  removeFinalizers: PodObj[]
  /** The status with newly finished pods recorded in uncountedTerminatedPods, when that changed. */
  interimStatus?: JobStatus
  /** The status once removeFinalizers are done (uncounted pods moved into succeeded/failed). */
  status: JobStatus
  events: PlannedEvent[]
  requeueAfterMs?: number
}

// ---- pods ----------------------------------------------------------------------------------

const hasFinalizer = (p: PodObj) => (p.metadata.finalizers ?? []).includes(jobTrackingFinalizer)
const isTerminal = (p: PodObj) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed'

/** Jobs with a podFailurePolicy or podReplacementPolicy Failed replace a pod only once it has failed. */
export function onlyReplaceFailedPods(job: JobObj): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy != null
}

/** isPodFailed: phase Failed, or (unless only failed pods are replaced) being deleted before it succeeded. */
export function isPodFailed(p: PodObj, job: JobObj): boolean {
  if (onlyReplaceFailedPods(job)) return p.status?.phase === 'Failed'
  if (p.status?.phase === 'Failed') return true
  return p.metadata.deletionTimestamp != null && p.status?.phase !== 'Succeeded'
}

/** The completion index a pod carries in its annotation, or undefined. */
export function completionIndexOf(p: { metadata?: { annotations?: Record<string, string> } }): number | undefined {
  const v = p.metadata?.annotations?.[completionIndexAnnotation]
  if (v === undefined || !/^(0|[1-9][0-9]*)$/.test(v)) return undefined
  return Number(v)
}

/** getFinishedTime: when the Ready condition went False, else the last container's end, else deletion, else creation. */
export function podFinishedAt(p: PodObj): number {
  const ready = (p.status?.conditions ?? []).find((c) => c.type === 'Ready' && c.status === 'False')
  if (ready?.lastTransitionTime && isTerminal(p)) return Date.parse(ready.lastTransitionTime)
  const ends = [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])]
    .map((c) => c.state?.terminated?.finishedAt)
    .filter((t): t is string => typeof t === 'string')
    .map((t) => Date.parse(t))
  if (ends.length) return Math.max(...ends)
  if (p.metadata.deletionTimestamp) return Date.parse(p.metadata.deletionTimestamp)
  return Date.parse(p.metadata.creationTimestamp ?? '') || 0
}

/** matchPodFailurePolicy: the FailJob message (if any), whether the failure counts, and the action. */
export function matchPodFailurePolicy(job: JobObj, pod: PodObj): { message?: string; count: boolean; action?: string } {
  const rules = job.spec?.podFailurePolicy?.rules ?? []
  for (const [i, rule] of rules.entries()) {
    if (rule.onExitCodes) {
      const req = rule.onExitCodes
      const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]
      const hit = statuses.find((cs) => {
        const code = cs.state?.terminated?.exitCode
        if (code === undefined || code === 0) return false
        if (req.containerName != null && req.containerName !== cs.name) return false
        const inValues = (req.values ?? []).includes(code)
        return req.operator === 'In' ? inValues : req.operator === 'NotIn' ? !inValues : false
      })
      if (!hit) continue
      if (rule.action === 'Ignore') return { count: false, action: 'Ignore' }
      if (rule.action === 'Count') return { count: true, action: 'Count' }
      if (rule.action === 'FailJob')
        return {
          count: true,
          action: 'FailJob',
          message: `Container ${hit.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${hit.state!.terminated!.exitCode} matching FailJob rule at index ${i}`,
        }
      if (rule.action === 'FailIndex') return { count: true, action: 'FailIndex' }
    } else if (rule.onPodConditions?.length) {
      const cond = (pod.status?.conditions ?? []).find((c) => rule.onPodConditions!.some((p) => p.type === c.type && (p.status ?? 'True') === c.status))
      if (!cond) continue
      if (rule.action === 'Ignore') return { count: false, action: 'Ignore' }
      if (rule.action === 'Count') return { count: true, action: 'Count' }
      if (rule.action === 'FailJob')
        return { count: true, action: 'FailJob', message: `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${cond.type} matching FailJob rule at index ${i}` }
      if (rule.action === 'FailIndex') return { count: true, action: 'FailIndex' }
    }
  }
  return { count: true }
}

/**
 * The pod failure back-off (backoffRecord.getRemainingTime): 10 s after one failure since the
 * last success, doubled for each further one, at most 10 minutes, counted from the last failure.
 * 3 failures, the last 15 s ago: 40 s back-off → 25 s to wait.
 */
export function podFailureBackoffRemainingMs(failuresAfterLastSuccess: number, lastFailureAt: number | undefined, now: number): number {
  if (failuresAfterLastSuccess === 0 || lastFailureAt === undefined) return 0
  let backoff = defaultPodFailureBackOffMs
  for (let i = 1; i < failuresAfterLastSuccess; i++) {
    backoff *= 2
    if (backoff >= maxPodFailureBackOffMs) {
      backoff = maxPodFailureBackOffMs
      break
    }
  }
  const elapsed = now - lastFailureAt
  return backoff < elapsed ? 0 : backoff - elapsed
}

/** The back-off record from the pods themselves: failures that finished after the last success. */
export function backoffRecord(job: JobObj, pods: PodObj[]): { failuresAfterLastSuccess: number; lastFailureAt?: number } {
  const succeededAt = pods.filter((p) => p.status?.phase === 'Succeeded').map(podFinishedAt)
  const lastSuccess = succeededAt.length ? Math.max(...succeededAt) : -Infinity
  const failedAt = pods
    .filter((p) => p.status?.phase === 'Failed' && (job.spec?.podFailurePolicy == null || matchPodFailurePolicy(job, p).count))
    .map(podFinishedAt)
    .filter((t) => t > lastSuccess)
  return { failuresAfterLastSuccess: failedAt.length, lastFailureAt: failedAt.length ? Math.max(...failedAt) : undefined }
}

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts of running pods count. */
export function pastBackoffLimitOnFailure(job: JobObj, pods: PodObj[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false
  let restarts = 0
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue
    for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += cs.restartCount ?? 0
  }
  const limit = job.spec?.backoffLimit ?? 6
  return limit === 0 ? restarts > 0 : restarts >= limit
}

// ---- indexes -------------------------------------------------------------------------------

/** `1,3-5,7` → [1,3,4,5,7] (parseIndexesFromString; out of range or malformed parts are skipped). */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>()
  for (const part of (s ?? '').split(',')) {
    if (!part) continue
    const m = /^(\d+)(?:-(\d+))?$/.exec(part)
    if (!m) continue
    const a = Number(m[1])
    const b = m[2] === undefined ? a : Number(m[2])
    for (let i = a; i <= b && i < completions; i++) out.add(i)
  }
  return out
}

/** [0,1,2,4,6,7,9] → `0-2,4,6,7,9` (orderedIntervals.String: two in a row are listed, not a range). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++
    parts.push(i === j ? String(sorted[i]) : j === i + 1 ? `${sorted[i]},${sorted[j]}` : `${sorted[i]}-${sorted[j]}`)
    i = j + 1
  }
  return parts.join(',')
}

// ---- backoffLimitPerIndex -------------------------------------------------------------------

function annotationCount(p: PodObj, key: string): number {
  const v = p.metadata.annotations?.[key]
  if (v === undefined || !/^[0-9]+$/.test(v)) return 0
  const n = Number(v)
  return n > 2147483647 ? 0 : n
}

/** isIndexFailed: a counted failure of a pod whose index had already failed backoffLimitPerIndex times (or a FailIndex rule). */
export function isIndexFailed(job: JobObj, p: PodObj): boolean {
  if (!isPodFailed(p, job)) return false
  let counted = true
  if (job.spec?.podFailurePolicy != null) {
    const m = matchPodFailurePolicy(job, p)
    if (m.action === 'FailIndex') return true
    counted = m.count
  }
  return counted && annotationCount(p, indexFailureCountAnnotation) >= (job.spec?.backoffLimitPerIndex ?? 0)
}

/** getNewIndexFailureCounts: the counts a replacement of `replaced` starts with. */
export function newIndexFailureCounts(job: JobObj, replaced: PodObj | undefined): { failureCount: number; ignoredFailureCount: number } {
  if (!replaced) return { failureCount: 0, ignoredFailureCount: 0 }
  let failureCount = annotationCount(replaced, indexFailureCountAnnotation)
  let ignoredFailureCount = annotationCount(replaced, indexIgnoredFailureCountAnnotation)
  if (job.spec?.podFailurePolicy != null && !matchPodFailurePolicy(job, replaced).count) ignoredFailureCount++
  else failureCount++
  return { failureCount, ignoredFailureCount }
}

// ---- conditions ----------------------------------------------------------------------------

type Cond = Mutable<JobCondition>

const findCondition = (conds: readonly JobCondition[] | undefined, type: string) => (conds ?? []).find((c) => c.type === type)
const isTrue = (conds: readonly JobCondition[] | undefined, type: string) => findCondition(conds, type)?.status === 'True'

export function isJobFinished(job: JobObj): boolean {
  return isTrue(job.status?.conditions, 'Complete') || isTrue(job.status?.conditions, 'Failed')
}

/** The time a finished Job finished (its Complete or Failed condition's lastTransitionTime). */
export function jobFinishTime(job: JobObj): number | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True')
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : undefined
}

/**
 * ensureJobConditionStatus: set a condition to a status; a missing condition is added only when
 * the status is True. Returns the new list and whether anything changed.
 */
function ensureCondition(conds: Cond[], type: string, status: 'True' | 'False', reason: string, message: string, now: string): boolean {
  const i = conds.findIndex((c) => c.type === type)
  if (i < 0) {
    if (status !== 'True') return false
    conds.push({ type, status, reason, message, lastProbeTime: now, lastTransitionTime: now })
    return true
  }
  const c = conds[i]
  if (c.status === status && c.reason === reason && c.message === message) return false
  conds[i] = { ...c, status, reason, message, lastProbeTime: now, ...(c.status !== status ? { lastTransitionTime: now } : {}) }
  return true
}

// ---- the plan ------------------------------------------------------------------------------

function activePodsForRemoval(job: JobObj, active: PodObj[], n: number): PodObj[] {
  if (n <= 0) return []
  const indexed = job.spec?.completionMode === 'Indexed'
  const rank = (p: PodObj) => [p.spec?.nodeName ? 1 : 0, p.status?.phase === 'Pending' ? 0 : p.status?.phase === 'Running' ? 2 : 1, isPodReady(p) ? 1 : 0]
  const sorted = [...active].sort((a, b) => {
    const ra = rank(a)
    const rb = rank(b)
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i]
    if (indexed) return (completionIndexOf(b) ?? -1) - (completionIndexOf(a) ?? -1)
    return Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? '')
  })
  return sorted.slice(0, n)
}

export function planJob(o: JobObserved): JobPlan {
  const { job, pods, now } = o
  const nowS = rfc3339(now)
  const spec: Partial<JobSpec> = job.spec ?? {}
  const old = job.status ?? {}
  const status: Mutable<JobStatus> = structuredClone(old) as Mutable<JobStatus>
  const conds: Cond[] = structuredClone((old.conditions ?? []) as Cond[])
  const events: PlannedEvent[] = []
  const plan: JobPlan = { deletes: [], creates: [], removeFinalizers: [], status, events }

  // A finished Job only lets go of its pods (syncOrphanPod does this upstream).
  if (isJobFinished(job)) {
    plan.removeFinalizers = pods.filter((p) => hasFinalizer(p) && !o.expectedRmFinalizers.has(p.metadata.uid!))
    return plan
  }

  const indexed = spec.completionMode === 'Indexed'
  const completions = spec.completions ?? undefined
  const parallelism = spec.parallelism ?? 1
  const perIndex = indexed && spec.backoffLimitPerIndex != null
  const backoffLimit = spec.backoffLimit ?? (perIndex ? 2147483647 : 6)
  const suspended = spec.suspend === true
  const uncountedS = new Set<string>(old.uncountedTerminatedPods?.succeeded ?? [])
  const uncountedF = new Set<string>(old.uncountedTerminatedPods?.failed ?? [])

  const activePods = pods.filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp)
  const terminating = pods.filter((p) => !isTerminal(p) && p.metadata.deletionTimestamp).length
  const tracked = pods.filter((p) => hasFinalizer(p) && !o.expectedRmFinalizers.has(p.metadata.uid!))
  const newSucceeded = tracked.filter((p) => p.status?.phase === 'Succeeded' && !uncountedS.has(p.metadata.uid!) && !uncountedF.has(p.metadata.uid!))
  const newFailed = tracked.filter((p) => p.status?.phase !== 'Succeeded' && isPodFailed(p, job) && !uncountedF.has(p.metadata.uid!) && !uncountedS.has(p.metadata.uid!))
  const countsAsFailure = (p: PodObj) => spec.podFailurePolicy == null || p.status?.phase !== 'Failed' || matchPodFailurePolicy(job, p).count
  let succeeded = (old.succeeded ?? 0) + newSucceeded.length + uncountedS.size
  const failed = (old.failed ?? 0) + newFailed.filter(countsAsFailure).length + uncountedF.size
  const ready = activePods.filter(isPodReady).length

  // Indexed: the indexes done so far, from the status and from succeeded pods not yet counted.
  let succeededIndexes = new Set<number>()
  if (indexed) {
    succeededIndexes = parseIndexes(old.completedIndexes, completions ?? 0)
    for (const p of pods) {
      const ix = completionIndexOf(p)
      if (p.status?.phase === 'Succeeded' && ix !== undefined && ix < (completions ?? 0) && (hasFinalizer(p) || uncountedS.has(p.metadata.uid!))) succeededIndexes.add(ix)
    }
    succeeded = succeededIndexes.size
  }
  // backoffLimitPerIndex: failed indexes, and per index the failed pod the next one replaces (its
  // finalizer stays until then, so the count it carries is not lost: getPodsWithDelayedDeletionPerIndex).
  const failedIndexes = new Set<number>()
  const delayed = new Map<number, PodObj>()
  if (perIndex) {
    for (const ix of parseIndexes(old.failedIndexes, completions ?? 0)) failedIndexes.add(ix)
    for (const p of tracked) {
      const ix = completionIndexOf(p)
      if (ix !== undefined && ix < (completions ?? 0) && isIndexFailed(job, p)) failedIndexes.add(ix)
    }
    const activeIndexes = new Set(activePods.map(completionIndexOf))
    for (const p of pods) {
      const ix = completionIndexOf(p)
      if (ix === undefined || ix >= (completions ?? 0) || !isPodFailed(p, job)) continue
      if (succeededIndexes.has(ix) || failedIndexes.has(ix) || activeIndexes.has(ix)) continue
      const last = delayed.get(ix)
      const abs = (x: PodObj) => annotationCount(x, indexFailureCountAnnotation) + annotationCount(x, indexIgnoredFailureCountAnnotation)
      if (!last || (abs(last) <= abs(p) && podFinishedAt(p) >= podFinishedAt(last))) delayed.set(ix, p)
    }
  }

  if (status.startTime == null && !suspended) status.startTime = nowS

  // ---- is the Job finishing? (FailureTarget / SuccessCriteriaMet first, the terminal condition
  // once no pod is left running or uncounted)
  let finished: { type: string; reason: string; message: string } | undefined
  const failureTarget = findCondition(conds, 'FailureTarget')
  const criteriaMet = findCondition(conds, 'SuccessCriteriaMet')
  if (failureTarget?.status === 'True') finished = { type: 'FailureTarget', reason: failureTarget.reason ?? '', message: failureTarget.message ?? '' }
  else if (criteriaMet?.status === 'True') finished = { type: 'SuccessCriteriaMet', reason: criteriaMet.reason ?? '', message: criteriaMet.message ?? '' }
  else if (spec.podFailurePolicy) {
    for (const p of pods) {
      if (!isPodFailed(p, job)) continue
      const m = matchPodFailurePolicy(job, p)
      if (m.message) {
        finished = { type: 'FailureTarget', reason: 'PodFailurePolicy', message: m.message }
        break
      }
    }
  }
  let requeueAfterMs: number | undefined
  const adsMs = spec.activeDeadlineSeconds != null ? spec.activeDeadlineSeconds * 1000 : undefined
  if (!finished) {
    if (failed > backoffLimit || pastBackoffLimitOnFailure(job, pods)) {
      finished = { type: 'FailureTarget', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
    } else if (adsMs !== undefined && status.startTime && !suspended) {
      const left = Date.parse(status.startTime) + adsMs - now.getTime()
      if (left <= 0) finished = { type: 'FailureTarget', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }
      else requeueAfterMs = left
    }
  }
  if (!finished && perIndex) {
    if (spec.maxFailedIndexes != null && failedIndexes.size > spec.maxFailedIndexes)
      finished = { type: 'FailureTarget', reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' }
    else if (failedIndexes.size > 0 && failedIndexes.size + succeededIndexes.size >= (completions ?? 0))
      finished = { type: 'FailureTarget', reason: 'FailedIndexes', message: 'Job has failed indexes' }
  }

  let active = activePods.length
  if (finished) {
    // Failing (or done by a success policy): every active pod goes.
    plan.deletes = activePods
    active = 0
  } else if (o.expectationsSatisfied && !job.metadata.deletionTimestamp) {
    // ---- manageJob
    if (suspended) {
      plan.deletes = activePods
      active = 0
    } else {
      let wantActive: number
      if (completions == null) wantActive = succeeded > 0 ? active : parallelism
      else wantActive = Math.max(0, Math.min(parallelism, completions - succeeded))
      const toDelete: PodObj[] = []
      let keep = activePods
      if (indexed) {
        // Pods outside [0, completions), of an index already done, or a second pod of one index.
        const seen = new Set<number>()
        keep = []
        for (const p of [...activePods].sort((a, b) => Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? ''))) {
          const ix = completionIndexOf(p)
          if (ix === undefined || ix >= (completions ?? 0) || succeededIndexes.has(ix) || seen.has(ix)) toDelete.push(p)
          else {
            seen.add(ix)
            keep.push(p)
          }
        }
      }
      toDelete.push(...activePodsForRemoval(job, keep, keep.length - wantActive))
      plan.deletes = toDelete.slice(0, maxPodCreateDeletePerSync)
      active = activePods.length - plan.deletes.length
      if (active < wantActive) {
        const record = perIndex ? { failuresAfterLastSuccess: 0 } : backoffRecord(job, pods)
        const wait = podFailureBackoffRemainingMs(record.failuresAfterLastSuccess, record.lastFailureAt, now.getTime())
        if (wait > 0) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, wait)
        else {
          let diff = Math.min(wantActive - active, maxPodCreateDeletePerSync)
          if (indexed) {
            // firstPendingIndexes: not done and not held by a pod that still runs (or, when only
            // failed pods are replaced, by one still terminating).
            const held = new Set<number>()
            for (const p of pods) {
              const ix = completionIndexOf(p)
              if (ix === undefined || isTerminal(p)) continue
              if (!p.metadata.deletionTimestamp || onlyReplaceFailedPods(job)) {
                if (!plan.deletes.includes(p)) held.add(ix)
              }
            }
            const indexes: number[] = []
            for (let i = 0; i < (completions ?? 0) && indexes.length < diff; i++) {
              if (succeededIndexes.has(i) || held.has(i) || failedIndexes.has(i)) continue
              // Per index, a failed pod's replacement waits its own back-off (getRemainingTimePerIndex).
              const last = delayed.get(i)
              if (last) {
                const counts = newIndexFailureCounts(job, last)
                const left = podFailureBackoffRemainingMs(counts.failureCount + counts.ignoredFailureCount, podFinishedAt(last), now.getTime())
                if (left > 0) {
                  requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, left)
                  continue
                }
              }
              indexes.push(i)
            }
            plan.creates = indexes.map((index) => (perIndex ? { index, ...newIndexFailureCounts(job, delayed.get(index)) } : { index }))
            diff = indexes.length
          } else {
            // Pods still terminating hold their place when only failed pods are replaced.
            if (onlyReplaceFailedPods(job)) diff = Math.max(0, Math.min(diff, wantActive - active - terminating))
            plan.creates = Array.from({ length: diff }, () => ({}))
          }
          active += diff
        }
      }
    }
    const complete = completions == null ? succeeded > 0 && active === 0 : succeeded >= completions && active === 0
    if (complete) finished = { type: 'SuccessCriteriaMet', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }
    else if (suspended) {
      if (ensureCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', nowS)) events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' })
    } else if (ensureCondition(conds, 'Suspended', 'False', 'JobResumed', 'Job resumed', nowS)) {
      events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' })
      // A resumed Job's active deadline counts from now.
      status.startTime = nowS
    }
  }

  // ---- trackJobStatusAndRemoveFinalizers
  const addS: string[] = []
  const addF: string[] = []
  const failingFinish = finished !== undefined && finished.type !== 'SuccessCriteriaMet'
  const awaitingPods = new Set(delayed.values())
  for (const p of tracked) {
    const uid = p.metadata.uid!
    const considerFailed = isPodFailed(p, job)
    // A failed pod waiting for its index's replacement keeps its finalizer (and is counted then).
    const awaitingReplacement = perIndex && finished === undefined && job.metadata.deletionTimestamp == null && awaitingPods.has(p) && !plan.creates.some((c) => c.index === completionIndexOf(p))
    const canRemove = !awaitingReplacement && (job.metadata.deletionTimestamp != null || finished !== undefined || p.status?.phase === 'Succeeded' || considerFailed)
    if (!canRemove) continue
    plan.removeFinalizers.push(p)
    if (p.status?.phase === 'Succeeded' && !uncountedF.has(uid)) {
      if (!uncountedS.has(uid)) addS.push(uid)
    } else if (considerFailed || failingFinish) {
      const ix = completionIndexOf(p)
      if (!uncountedF.has(uid) && (!indexed || (ix !== undefined && ix < (completions ?? 0)))) {
        if (spec.podFailurePolicy == null || p.status?.phase !== 'Failed' || matchPodFailurePolicy(job, p).count) addF.push(uid)
      }
    }
  }
  if (indexed) status.completedIndexes = formatIndexes(succeededIndexes)
  if (status.completedIndexes === '') delete status.completedIndexes
  if (perIndex) status.failedIndexes = formatIndexes(failedIndexes)
  status.active = active
  status.ready = ready
  status.terminating = terminating
  if (finished?.type === 'FailureTarget' || finished?.type === 'SuccessCriteriaMet') ensureCondition(conds, finished.type, 'True', finished.reason, finished.message, nowS)
  status.conditions = conds
  const interimUncounted = { succeeded: [...uncountedS, ...addS], failed: [...uncountedF, ...addF] }
  status.uncountedTerminatedPods = withoutEmpty(interimUncounted)
  if (addS.length || addF.length) plan.interimStatus = structuredClone(status)

  // Once the finalizers are gone, every uncounted pod whose finalizer is gone (or that is gone) counts.
  const removing = new Set(plan.removeFinalizers.map((p) => p.metadata.uid!))
  const byUID = new Map(pods.map((p) => [p.metadata.uid!, p]))
  const settled = (uid: string) => {
    const p = byUID.get(uid)
    return !p || !hasFinalizer(p) || removing.has(uid) || o.expectedRmFinalizers.has(uid)
  }
  const final = status
  const restS = interimUncounted.succeeded.filter((u) => !settled(u))
  const restF = interimUncounted.failed.filter((u) => !settled(u))
  final.succeeded = (old.succeeded ?? 0) + (interimUncounted.succeeded.length - restS.length)
  final.failed = (old.failed ?? 0) + (interimUncounted.failed.length - restF.length)
  final.uncountedTerminatedPods = withoutEmpty({ succeeded: restS, failed: restF })

  // enactJobFinished: the terminal condition once nothing is uncounted or terminating.
  const terminatingAfter = terminating + plan.deletes.length
  if (finished && restS.length + restF.length === 0 && terminatingAfter === 0) {
    const type = finished.type === 'SuccessCriteriaMet' ? 'Complete' : 'Failed'
    ensureCondition(conds, type, 'True', finished.reason, finished.message, nowS)
    if (type === 'Complete') {
      final.completionTime = nowS
      events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' })
    } else events.push({ type: 'Warning', reason: finished.reason, message: finished.message })
    final.conditions = conds
    final.active = 0
    final.ready = 0
  }
  // omitempty: zero counts are not written.
  if (final.succeeded === 0) delete final.succeeded
  if (final.failed === 0) delete final.failed
  if (final.active === 0) delete final.active
  if (plan.interimStatus) for (const k of ['succeeded', 'failed', 'active'] as const) if (plan.interimStatus[k] === 0) delete (plan.interimStatus as Mutable<JobStatus>)[k]
  if (requeueAfterMs !== undefined && !isTrue(final.conditions, 'Complete') && !isTrue(final.conditions, 'Failed')) plan.requeueAfterMs = requeueAfterMs
  return plan
}

function withoutEmpty(u: { succeeded: string[]; failed: string[] }): { succeeded?: string[]; failed?: string[] } {
  return { ...(u.succeeded.length ? { succeeded: u.succeeded } : {}), ...(u.failed.length ? { failed: u.failed } : {}) }
}

/** True when the status differs from the Job's (only then is it written). */
export function jobStatusChanged(job: JobObj, status: JobStatus): boolean {
  return !sameJSON(job.status ?? {}, status)
}

// ---- the pods it creates -------------------------------------------------------------------

/**
 * The pod for one completion (GetPodFromTemplate plus the Job's additions): owned by the Job, with
 * the tracking finalizer; for Indexed Jobs the completion index as annotation, label and
 * JOB_COMPLETION_INDEX (from the annotation, in every container), hostname `<job>-<index>` and
 * name `<job>-<index>-<random>`.
 */
export function podForJob(job: JobObj, index?: number, counts?: { failureCount?: number; ignoredFailureCount?: number }): KObject {
  const template: PodTemplateSpec = structuredClone(job.spec?.template ?? {})
  const meta = template.metadata ?? {}
  const labels: Record<string, string> = { ...(meta.labels ?? {}) }
  const annotations: Record<string, string> = { ...(meta.annotations ?? {}) }
  const podSpec = structuredClone(template.spec ?? { containers: [] }) as Mutable<NonNullable<PodTemplateSpec['spec']>>
  let generateName = `${job.metadata.name}-`
  if (index !== undefined) {
    annotations[completionIndexAnnotation] = String(index)
    if (counts?.failureCount !== undefined) annotations[indexFailureCountAnnotation] = String(counts.failureCount)
    if (counts?.ignoredFailureCount) annotations[indexIgnoredFailureCountAnnotation] = String(counts.ignoredFailureCount)
    labels[completionIndexAnnotation] = String(index)
    const addEnv = (c: Container): Container => {
      if ((c.env ?? []).some((e) => e.name === completionIndexEnv)) return c
      return { ...c, env: [...(c.env ?? []), { name: completionIndexEnv, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${completionIndexAnnotation}']` } } }] }
    }
    podSpec.containers = (podSpec.containers ?? []).map(addEnv)
    if (podSpec.initContainers) podSpec.initContainers = podSpec.initContainers.map(addEnv)
    if (!podSpec.hostname) podSpec.hostname = `${job.metadata.name}-${index}`
    // podGenerateNameWithIndex: the prefix is cut so a generated name stays within 63 characters.
    const suffix = `-${index}-`
    generateName = `${(job.metadata.name ?? '').slice(0, 58 - suffix.length)}${suffix}`
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      namespace: job.metadata.namespace,
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
      finalizers: [...(meta.finalizers ?? []), jobTrackingFinalizer],
      ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
    },
    spec: podSpec,
  }
}
