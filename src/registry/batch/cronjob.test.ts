import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { cronJobCells, defaultCronJob, validateCronJob, validateCronJobUpdate } from './cronjob.js'

function cronJob(spec: Record<string, unknown>, name = 'hello'): StoredObject {
  const obj = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec },
  } as StoredObject
  defaultCronJob(obj)
  return obj
}
const messages = (obj: StoredObject) => validateCronJob(obj).map(fieldErrorMessage)

describe('batch/v1 CronJob', () => {
  it('defaults as SetDefaults_CronJob', () => {
    const s = (cronJob({}) as any).spec
    assert.deepEqual([s.concurrencyPolicy, s.suspend, s.successfulJobsHistoryLimit, s.failedJobsHistoryLimit], ['Allow', false, 3, 1])
    assert.deepEqual(messages(cronJob({})), [])
  })

  it('rejects with upstream field paths and words', () => {
    assert.deepEqual(messages(cronJob({ schedule: '61 * * * *' })), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'])
    assert.deepEqual(messages(cronJob({ schedule: 'CRON_TZ=UTC * * * * *' })), ['spec.schedule: Invalid value: "CRON_TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'])
    assert.deepEqual(messages(cronJob({ timeZone: 'Mars/Olympus' })), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'])
    assert.deepEqual(messages(cronJob({ timeZone: 'Local' })), ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'])
    assert.deepEqual(messages(cronJob({ concurrencyPolicy: 'Sometimes' })), ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'])
    assert.deepEqual(messages(cronJob({ jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } })), [
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ])
    assert.deepEqual(messages(cronJob({}, 'x'.repeat(53))), [`metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`])
    assert.deepEqual(messages(cronJob({ timeZone: 'Asia/Seoul' })), [])
  })

  it('an update may keep a TZ its schedule already had', () => {
    const old = cronJob({})
    ;(old as any).spec.schedule = 'TZ=UTC * * * * *'
    const next = structuredClone(old)
    assert.deepEqual(validateCronJobUpdate(next, old), [])
  })

  it('prints as printCronJob', () => {
    const c = cronJob({}) as any
    c.status = { active: [{ name: 'a' }], lastScheduleTime: '2026-01-01T00:00:50Z' }
    assert.deepEqual(cronJobCells(c, new Date('2026-01-01T00:01:00Z')), ['hello', '*/1 * * * *', '<none>', 'false', 1, '10s', '60s', 'c', 'busybox', '<none>'])
  })
})
