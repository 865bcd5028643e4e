// batch/v1 Jobs through the real kubectl: `kubectl create job`, `wait --for=condition=complete`,
// `logs job/NAME`, `describe job`, a Job failing to its backoffLimit after the 10 s pod failure
// back-off, an Indexed Job with its completion index and hostname, ttlSecondsAfterFinished,
// suspend/resume, upstream's validation message, and `kubectl explain`.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

const failing = `apiVersion: batch/v1
kind: Job
metadata:
  name: fail
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, "echo failing; exit 3"]
`

const indexed = `apiVersion: batch/v1
kind: Job
metadata:
  name: idx
spec:
  completions: 3
  parallelism: 2
  completionMode: Indexed
  ttlSecondsAfterFinished: 5
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, "echo index=$JOB_COMPLETION_INDEX host=$(hostname)"]
`

const noRestartPolicy = `apiVersion: batch/v1
kind: Job
metadata:
  name: bad
spec:
  template:
    spec:
      containers:
      - name: main
        image: busybox
`

describe('batch/v1 Jobs', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('kubectl create job runs to completion; wait, logs, get and describe read it as upstream', async () => {
    assert.equal(await c.k('create', 'job', 'hi', '--image=busybox', '--', 'echo', 'hi'), 'job.batch/hi created\n')
    assert.equal(await c.k('wait', '--for=condition=complete', 'job/hi', '--timeout=60s'), 'job.batch/hi condition met\n')
    assert.equal(await c.k('logs', 'job/hi'), 'hi\n')
    const [row] = parseTable(await c.k('get', 'job', 'hi', '-o', 'wide'))
    assert.equal(row.STATUS, 'Complete')
    assert.equal(row.COMPLETIONS, '1/1')
    assert.match(row.DURATION, /^\d+s$/)
    const job = await json('get', 'job', 'hi')
    assert.equal(row.SELECTOR, `batch.kubernetes.io/controller-uid=${job.metadata.uid}`)
    assert.equal(job.metadata.labels['batch.kubernetes.io/job-name'], 'hi')
    assert.equal(job.status.succeeded, 1)
    assert.deepEqual(job.status.uncountedTerminatedPods, {})
    assert.deepEqual(
      job.status.conditions.map((x: Obj) => [x.type, x.status, x.reason, x.message]),
      [
        ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
        ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ],
    )
    const pods = (await json('get', 'pods', '-l', 'job-name=hi')).items as Obj[]
    assert.equal(pods.length, 1)
    assert.equal(pods[0].status.phase, 'Succeeded')
    // The tracking finalizer is gone once the pod is counted.
    assert.equal(pods[0].metadata.finalizers, undefined)
    assert.equal(pods[0].metadata.ownerReferences[0].kind, 'Job')
    const describe = await c.k('describe', 'job', 'hi')
    assert.match(describe, /^Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed$/m)
    assert.match(describe, /Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: hi-\w{5}/)
    assert.match(describe, /Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/)
  })

  test('the Kubernetes docs Job example (pi to 2000 digits with perl:5.34.0) runs unchanged and prints what the docs show', async () => {
    // https://kubernetes.io/examples/controllers/job.yaml, verbatim.
    const docsJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
`
    assert.equal(await c.k('apply', '-f', c.file('job.yaml', docsJob)), 'job.batch/pi created\n')
    assert.equal(await c.k('wait', '--for=condition=complete', 'job/pi', '--timeout=50s'), 'job.batch/pi condition met\n')
    const digits = await c.k('logs', 'job/pi')
    assert.match(digits, /^3\.14159265358979323846264338327950288419716939937510582097494459\d{1937}\n$/)
    assert.ok(digits.endsWith('3904780275901\n'))
    const [row] = parseTable(await c.k('get', 'job', 'pi'))
    assert.deepEqual([row.STATUS, row.COMPLETIONS], ['Complete', '1/1'])
    assert.match(await c.k('describe', 'job', 'pi'), /^Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed$/m)
  })

  test('a failing Job is retried after the 10 s back-off, then fails with BackoffLimitExceeded', async () => {
    assert.equal(await c.k('apply', '-f', c.file('fail.yaml', failing)), 'job.batch/fail created\n')
    const started = Date.now()
    assert.equal(await c.k('wait', '--for=condition=failed', 'job/fail', '--timeout=90s'), 'job.batch/fail condition met\n')
    assert.ok(Date.now() - started >= 9_000, 'the second pod waited for the back-off')
    const pods = (await json('get', 'pods', '-l', 'job-name=fail')).items as Obj[]
    assert.equal(pods.length, 2)
    const created = pods.map((p) => Date.parse(p.metadata.creationTimestamp)).sort()
    assert.ok(created[1] - created[0] >= 10_000, `second pod ${(created[1] - created[0]) / 1000}s after the first`)
    const [row] = parseTable(await c.k('get', 'job', 'fail'))
    assert.equal(row.STATUS, 'Failed')
    assert.equal(row.COMPLETIONS, '0/1')
    const job = await json('get', 'job', 'fail')
    assert.equal(job.status.failed, 2)
    const failed = job.status.conditions.find((x: Obj) => x.type === 'Failed')
    assert.deepEqual([failed.reason, failed.message], ['BackoffLimitExceeded', 'Job has reached the specified backoff limit'])
    assert.match(await c.k('describe', 'job', 'fail'), /Warning\s+BackoffLimitExceeded\s+\S+\s+job-controller\s+Job has reached the specified backoff limit/)
    assert.equal(await c.k('logs', pods[0].metadata.name), 'failing\n')
  })

  test('an Indexed Job gives each pod its index and hostname, records completedIndexes, and goes after its TTL', async () => {
    await c.k('apply', '-f', c.file('idx.yaml', indexed))
    await c.k('wait', '--for=condition=complete', 'job/idx', '--timeout=50s')
    // Read at once: its TTL starts now.
    assert.equal((await json('get', 'job', 'idx')).status.completedIndexes, '0-2')
    const pods = (await json('get', 'pods', '-l', 'job-name=idx')).items as Obj[]
    const logs = (await Promise.all(pods.map((p) => c.k('logs', p.metadata.name)))).sort()
    assert.deepEqual(logs, ['index=0 host=idx-0\n', 'index=1 host=idx-1\n', 'index=2 host=idx-2\n'])
    for (const p of pods) {
      const ix = p.metadata.annotations['batch.kubernetes.io/job-completion-index']
      assert.equal(p.metadata.labels['batch.kubernetes.io/job-completion-index'], ix)
      assert.match(p.metadata.name, new RegExp(`^idx-${ix}-\\w{5}$`))
    }
    // ttlSecondsAfterFinished: 5 — the Job and its pods are deleted.
    await c.k('wait', '--for=delete', 'job/idx', '--timeout=30s')
    await until('the indexed pods are gone', async () => ((await json('get', 'pods', '-l', 'job-name=idx')).items.length === 0 ? true : undefined), 30_000)
  })

  test('backoffLimitPerIndex: a failing index is retried once after its back-off, then failed; the others finish and the Job fails with FailedIndexes', async () => {
    const perIndex = `apiVersion: batch/v1
kind: Job
metadata:
  name: per-index
spec:
  completions: 3
  parallelism: 3
  completionMode: Indexed
  backoffLimitPerIndex: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, 'echo index $JOB_COMPLETION_INDEX; [ "$JOB_COMPLETION_INDEX" != 1 ]']
`
    await c.k('apply', '-f', c.file('per-index.yaml', perIndex))
    const waited = await c.kubectl(['wait', '--for=condition=failed', 'job/per-index', '--timeout=110s'], { timeoutMs: 120_000 })
    assert.equal(waited.stdout, 'job.batch/per-index condition met\n', waited.stderr)
    const job = await json('get', 'job', 'per-index')
    assert.equal(job.spec.backoffLimit, 2147483647) // defaulted to MaxInt32 with backoffLimitPerIndex
    assert.deepEqual([job.status.completedIndexes, job.status.failedIndexes, job.status.succeeded, job.status.failed], ['0,2', '1', 2, 2])
    const failed = job.status.conditions.find((x: Obj) => x.type === 'Failed')
    assert.deepEqual([failed.reason, failed.message], ['FailedIndexes', 'Job has failed indexes'])
    const retries = ((await json('get', 'pods', '-l', 'batch.kubernetes.io/job-completion-index=1,job-name=per-index')).items as Obj[]).sort((a, b) => Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp))
    assert.deepEqual(
      retries.map((p) => p.metadata.annotations['batch.kubernetes.io/job-index-failure-count']),
      ['0', '1'],
    )
    const gap = Date.parse(retries[1].metadata.creationTimestamp) - Date.parse(retries[0].metadata.creationTimestamp)
    assert.ok(gap >= 10_000, `the retry waited the index's back-off (${gap / 1000}s)`)
    const describe = await c.k('describe', 'job', 'per-index')
    assert.match(describe, /Completed Indexes:\s+0,2\n/)
    assert.match(describe, /Warning\s+FailedIndexes\s+\S+\s+job-controller\s+Job has failed indexes/)
  })

  test('suspend deletes the running pod, resume starts a new one; deleting the Job lets its pods go', async () => {
    await c.k('create', 'job', 'sl', '--image=busybox', '--', 'sleep', '300')
    const first = await until('a running pod', async () => {
      const items = (await json('get', 'pods', '-l', 'job-name=sl')).items as Obj[]
      return items.find((p) => p.status.phase === 'Running')?.metadata.name as string | undefined
    })
    await c.k('patch', 'job', 'sl', '--type=merge', '-p', '{"spec":{"suspend":true}}')
    await until('Suspended', async () => (parseTable(await c.k('get', 'job', 'sl'))[0].STATUS === 'Suspended' ? true : undefined))
    await until('the pod is gone', async () => ((await json('get', 'pods', '-l', 'job-name=sl')).items.length === 0 ? true : undefined), 30_000)
    await c.k('patch', 'job', 'sl', '--type=merge', '-p', '{"spec":{"suspend":false}}')
    const second = await until('a new pod', async () => ((await json('get', 'pods', '-l', 'job-name=sl')).items as Obj[])[0]?.metadata.name as string | undefined)
    assert.notEqual(second, first)
    const describe = await c.k('describe', 'job', 'sl')
    assert.match(describe, /Normal\s+Suspended\s+\S+\s+job-controller\s+Job suspended/)
    assert.match(describe, /Normal\s+Resumed\s+\S+\s+job-controller\s+Job resumed/)
    await c.k('delete', 'job', 'sl')
    await until('the pods of the deleted Job are gone', async () => ((await json('get', 'pods', '-l', 'job-name=sl')).items.length === 0 ? true : undefined), 30_000)
  })

  test('bad input gets upstream messages; explain knows the kind', async () => {
    const r = await c.kubectl(['apply', '-f', c.file('bad.yaml', noRestartPolicy)])
    assert.equal(r.code, 1)
    assert.equal(r.stderr, 'The Job "bad" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"\n')
    const explain = await c.k('explain', 'job.spec.backoffLimit')
    assert.match(explain, /^KIND:\s+Job$/m)
    assert.match(explain, /^FIELD: backoffLimit <integer>$/m)
    assert.match(await c.k('api-resources', '--api-group=batch'), /^jobs\s+batch\/v1\s+true\s+Job$/m)
  })
})
