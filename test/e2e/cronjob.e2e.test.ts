// batch/v1 CronJobs through the real kubectl: `kubectl create cronjob` on a one-minute schedule
// fires a Job named `<cronjob>-<minutes>` (bounded: at most ~75 s), `kubectl create job
// --from=cronjob/NAME` runs one by hand, status and printer columns, and upstream's messages.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

describe('batch/v1 CronJobs', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('a one-minute schedule fires a Job named by its minute; create job --from runs one by hand', async () => {
    assert.equal(await c.k('create', 'cronjob', 'hello', '--image=busybox', '--schedule=*/1 * * * *', '--', 'echo', 'hello'), 'cronjob.batch/hello created\n')
    const [row] = parseTable(await c.k('get', 'cj', 'hello', '-o', 'wide'))
    assert.deepEqual([row.SCHEDULE, row.TIMEZONE, row.SUSPEND, row.ACTIVE, row['LAST SCHEDULE'], row.IMAGES], ['*/1 * * * *', '<none>', 'false', '0', '<none>', 'busybox'])

    assert.equal(await c.k('create', 'job', 'manual', '--from=cronjob/hello'), 'job.batch/manual created\n')
    await c.k('wait', '--for=condition=complete', 'job/manual', '--timeout=60s')
    assert.equal(await c.k('logs', 'job/manual'), 'hello\n')
    const manual = await json('get', 'job', 'manual')
    assert.equal(manual.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual')

    const cj = await json('get', 'cj', 'hello')
    const fired = await until(
      'the scheduled Job',
      async () => ((await json('get', 'jobs')).items as Obj[]).find((j) => j.metadata.name.startsWith('hello-')),
      80_000,
    )
    const scheduled = Date.parse(fired.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'])
    assert.equal(scheduled % 60_000, 0, 'on a minute boundary')
    assert.equal(fired.metadata.name, `hello-${scheduled / 60_000}`)
    assert.deepEqual(fired.metadata.ownerReferences.map((r: Obj) => [r.kind, r.name, r.uid, r.controller]), [['CronJob', 'hello', cj.metadata.uid, true]])
    await c.k('wait', '--for=condition=complete', `job/${fired.metadata.name}`, '--timeout=60s')
    assert.equal(await c.k('logs', `job/${fired.metadata.name}`), 'hello\n')
    const status = await until('lastSuccessfulTime', async () => {
      const s = (await json('get', 'cj', 'hello')).status
      return s.lastSuccessfulTime && !s.active ? s : undefined
    })
    assert.equal(Date.parse(status.lastScheduleTime), scheduled)
    const describe = await c.k('describe', 'cronjob', 'hello')
    assert.match(describe, new RegExp(`Normal\\s+SuccessfulCreate\\s+.*cronjob-controller\\s+Created job ${fired.metadata.name}`))
    assert.match(describe, new RegExp(`Normal\\s+SawCompletedJob\\s+.*cronjob-controller\\s+Saw completed job: ${fired.metadata.name}, condition: Complete`))
    assert.match(parseTable(await c.k('get', 'cj', 'hello'))[0]['LAST SCHEDULE'], /^\d+s$/)
  })

  test('bad schedules and time zones get upstream messages', async () => {
    const bad = await c.kubectl(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=61 * * * *'])
    assert.equal(bad.code, 1)
    assert.equal(bad.stderr, 'error: failed to create cronjob: CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61\n')
    const tz = await c.kubectl(['apply', '-f', c.file('tz.yaml', 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: tz}\nspec:\n  schedule: "0 9 * * *"\n  timeZone: Mars/Olympus\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: c, image: busybox}]\n')])
    assert.equal(tz.stderr, 'The CronJob "tz" is invalid: spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus\n')
    assert.match(await c.k('explain', 'cronjob.spec.concurrencyPolicy'), /^FIELD: concurrencyPolicy <string>$/m)
  })
})
