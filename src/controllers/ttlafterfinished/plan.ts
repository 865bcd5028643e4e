// When a finished Job's time is up (upstream pkg/controller/ttlafterfinished): ttlSecondsAfterFinished
// after its Complete or Failed condition turned True. Pure.
import { isJobFinished, jobFinishTime, type JobObj } from '../job/plan.js'

export type TTLDecision = { kind: 'none' } | { kind: 'delete' } | { kind: 'wait'; ms: number }

/** 'none' for a Job without a TTL, not finished, or already being deleted. */
export function planTTL(job: JobObj, now: Date): TTLDecision {
  const ttl = job.spec?.ttlSecondsAfterFinished
  if (ttl == null || job.metadata.deletionTimestamp || !isJobFinished(job)) return { kind: 'none' }
  const finishedAt = jobFinishTime(job)
  if (finishedAt === undefined) return { kind: 'none' }
  const left = finishedAt + ttl * 1000 - now.getTime()
  return left <= 0 ? { kind: 'delete' } : { kind: 'wait', ms: left }
}
