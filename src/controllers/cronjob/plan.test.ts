import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { CronJobSpec } from 'kubernetes-types/batch/v1.js'
import { jobName, planCronJob, rfc1123z, rfc3339In, scheduledTimestampAnnotation, type CronJobObj, type JobObj } from './plan.js'

const cj = (spec: Partial<CronJobSpec> = {}, status: CronJobObj['status'] = {}): CronJobObj =>
  Object.freeze({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', uid: 'cj-uid', creationTimestamp: '2026-01-01T10:00:30Z' },
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: 'hello' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox' }] } } } },
      ...spec,
    },
    status,
  }) as CronJobObj

const job = (name: string, opts: { uid?: string; finished?: 'Complete' | 'Failed'; start?: string; completion?: string } = {}): JobObj =>
  ({
    metadata: { name, namespace: 'default', uid: opts.uid ?? name, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true }] },
    status: {
      ...(opts.start ? { startTime: opts.start } : {}),
      ...(opts.completion ? { completionTime: opts.completion } : {}),
      ...(opts.finished ? { conditions: [{ type: opts.finished, status: 'True' }] } : {}),
    },
  }) as unknown as JobObj

const at = (s: string) => new Date(s)
const ref = (j: JobObj) => ({ kind: 'Job', namespace: 'default', name: j.metadata.name, uid: j.metadata.uid, apiVersion: 'batch/v1' })

describe('planCronJob', () => {
  it('creates the Job of the most recent activation, named by its minute, and wakes after the next', () => {
    const p = planCronJob(cj(), [], at('2026-01-01T10:01:02Z'))
    const t = at('2026-01-01T10:01:00Z')
    assert.equal(p.create?.metadata?.name, `hello-${t.getTime() / 60000}`)
    assert.equal(p.create?.metadata?.name, jobName('hello', t))
    assert.deepEqual(p.create?.metadata?.labels, { app: 'hello' })
    assert.equal(p.create?.metadata?.annotations?.[scheduledTimestampAnnotation], '2026-01-01T10:01:00Z')
    assert.equal(p.create?.metadata?.ownerReferences?.[0].kind, 'CronJob')
    assert.equal(p.status.lastScheduleTime, '2026-01-01T10:01:00Z')
    assert.equal(p.requeueAfterMs, 58_000 + 100)
  })

  it('before the first activation it only asks to be woken then', () => {
    const p = planCronJob(cj(), [], at('2026-01-01T10:00:40Z'))
    assert.equal(p.create, undefined)
    assert.equal(p.requeueAfterMs, 20_000 + 100)
  })

  it('does not run the same activation twice', () => {
    const p = planCronJob(cj({}, { lastScheduleTime: '2026-01-01T10:01:00Z' }), [], at('2026-01-01T10:01:30Z'))
    assert.equal(p.create, undefined)
  })

  it('Forbid skips while a Job runs; Replace deletes the running one; Allow runs both', () => {
    const running = job('hello-old', { uid: 'old' })
    const status = { active: [ref(running)], lastScheduleTime: '2026-01-01T10:01:00Z' }
    const now = at('2026-01-01T10:02:01Z')
    const forbid = planCronJob(cj({ concurrencyPolicy: 'Forbid' }, status), [running], now)
    assert.equal(forbid.create, undefined)
    assert.deepEqual(forbid.events, [{ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' }])
    const replace = planCronJob(cj({ concurrencyPolicy: 'Replace' }, status), [running], now)
    assert.deepEqual(
      replace.deletes.map((j) => j.metadata.name),
      ['hello-old'],
    )
    assert.ok(replace.create)
    assert.equal(replace.status.active, undefined)
    const allow = planCronJob(cj({}, status), [running], now)
    assert.ok(allow.create)
    assert.equal(allow.status.active?.length, 1)
  })

  it('a finished active Job leaves the active list; successes move lastSuccessfulTime', () => {
    const done = job('hello-1', { finished: 'Complete', start: '2026-01-01T10:01:00Z', completion: '2026-01-01T10:01:05Z' })
    const p1 = planCronJob(cj({}, { active: [ref(done)], lastScheduleTime: '2026-01-01T10:01:00Z' }), [done], at('2026-01-01T10:01:30Z'))
    assert.equal(p1.status.active, undefined)
    assert.deepEqual(p1.events, [{ type: 'Normal', reason: 'SawCompletedJob', message: 'Saw completed job: hello-1, condition: Complete' }])
    const p2 = planCronJob(cj({}, p1.status), [done], at('2026-01-01T10:01:31Z'))
    assert.equal(p2.status.lastSuccessfulTime, '2026-01-01T10:01:05Z')
  })

  it('an active Job that went missing is dropped with an event', () => {
    const p = planCronJob(cj({}, { active: [{ kind: 'Job', name: 'hello-9', uid: 'gone' }], lastScheduleTime: '2026-01-01T10:01:00Z' }), [], at('2026-01-01T10:01:30Z'))
    assert.equal(p.status.active, undefined)
    assert.deepEqual(p.events, [{ type: 'Normal', reason: 'MissingJob', message: 'Active job went missing: hello-9' }])
  })

  it('keeps successfulJobsHistoryLimit and failedJobsHistoryLimit finished Jobs, deleting the oldest', () => {
    const ok = [1, 2, 3, 4].map((i) => job(`ok-${i}`, { finished: 'Complete', start: `2026-01-01T10:0${i}:00Z` }))
    const bad = [1, 2].map((i) => job(`bad-${i}`, { finished: 'Failed', start: `2026-01-01T10:0${i}:30Z` }))
    const p = planCronJob(cj({ suspend: true }), [...ok, ...bad], at('2026-01-01T10:09:00Z'))
    assert.deepEqual(
      p.deletes.map((j) => j.metadata.name),
      ['ok-1', 'bad-1'],
    )
    assert.deepEqual(
      p.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message),
      ['Deleted job ok-1', 'Deleted job bad-1'],
    )
  })

  it('suspend creates nothing; startingDeadlineSeconds turns a late start into MissSchedule', () => {
    assert.equal(planCronJob(cj({ suspend: true }), [], at('2026-01-01T10:05:00Z')).create, undefined)
    const late = planCronJob(cj({ schedule: '0 * * * *', startingDeadlineSeconds: 3600 }), [], at('2026-01-01T11:00:20Z'))
    assert.ok(late.create, 'within the deadline it starts')
    const missed = planCronJob(cj({ schedule: '0 * * * *', startingDeadlineSeconds: 10 }, { lastScheduleTime: '2026-01-01T10:00:00Z' }), [], at('2026-01-01T11:00:20Z'))
    assert.equal(missed.create, undefined)
  })

  it('warns after more than 100 missed start times', () => {
    const p = planCronJob(cj({}, { lastScheduleTime: '2026-01-01T00:00:00Z' }), [], at('2026-01-01T10:00:30Z'))
    assert.deepEqual(
      p.events.filter((e) => e.reason === 'TooManyMissedTimes'),
      [{ type: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times: 600. Set or decrease .spec.startingDeadlineSeconds or check clock skew' }],
    )
    assert.ok(p.create, 'it still starts the most recent one')
  })

  it('a timeZone schedules in that zone and stamps the Job in it', () => {
    const p = planCronJob(cj({ schedule: '0 9 * * *', timeZone: 'Asia/Seoul' }, { lastScheduleTime: '2026-01-01T00:00:00Z' }), [], at('2026-01-02T00:00:05Z'))
    assert.equal(p.create?.metadata?.annotations?.[scheduledTimestampAnnotation], '2026-01-02T09:00:00+09:00')
    assert.equal(rfc3339In(new Date('2026-07-01T12:00:00Z'), 'America/New_York'), '2026-07-01T08:00:00-04:00')
    assert.equal(rfc1123z(new Date('2026-01-02T00:00:00Z')), 'Fri, 02 Jan 2026 00:00:00 +0000')
    const bad = planCronJob(cj({ timeZone: 'Mars/Olympus' }), [], at('2026-01-02T00:00:05Z'))
    assert.deepEqual(bad.events, [{ type: 'Warning', reason: 'UnknownTimeZone', message: 'invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus' }])
  })
})
