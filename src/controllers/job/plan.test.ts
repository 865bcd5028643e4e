import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { JobSpec } from 'kubernetes-types/batch/v1.js'
import type { PodObj } from '../runtime/pods.js'
import {
  completionIndexAnnotation,
  formatIndexes,
  jobTrackingFinalizer,
  parseIndexes,
  planJob,
  podFailureBackoffRemainingMs,
  podForJob,
  type JobObj,
  type JobObserved,
} from './plan.js'

const t0 = Date.parse('2026-01-01T00:00:00Z')
const at = (s: number) => new Date(t0 + s * 1000)
const iso = (s: number) => at(s).toISOString().replace('.000', '')

function job(spec: Partial<JobSpec> = {}, status: JobObj['status'] = {}, name = 'pi'): JobObj {
  return Object.freeze({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', uid: 'job-uid', creationTimestamp: iso(0) },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } },
      template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
      ...spec,
    },
    status,
  }) as JobObj
}

let n = 0
function pod(phase: string, opts: { finalizer?: boolean; deleted?: boolean; ready?: boolean; index?: number; exitCode?: number; finishedAt?: number; uid?: string; created?: number } = {}): PodObj {
  const uid = opts.uid ?? `p${++n}`
  return Object.freeze({
    metadata: {
      name: `pi-${uid}`,
      namespace: 'default',
      uid,
      creationTimestamp: iso(opts.created ?? 0),
      ...(opts.finalizer === false ? {} : { finalizers: [jobTrackingFinalizer] }),
      ...(opts.deleted ? { deletionTimestamp: iso(1) } : {}),
      ...(opts.index !== undefined ? { annotations: { [completionIndexAnnotation]: String(opts.index) } } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true }],
    },
    status: {
      phase,
      conditions: opts.ready ? [{ type: 'Ready', status: 'True' }] : [],
      containerStatuses:
        phase === 'Succeeded' || phase === 'Failed'
          ? [{ name: 'main', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode: opts.exitCode ?? (phase === 'Failed' ? 1 : 0), finishedAt: iso(opts.finishedAt ?? 1) } } }]
          : [],
    },
  }) as unknown as PodObj
}

const observe = (j: JobObj, pods: PodObj[], now = at(2), extra: Partial<JobObserved> = {}): JobObserved => ({
  job: j,
  pods,
  now,
  expectationsSatisfied: true,
  expectedRmFinalizers: new Set(),
  ...extra,
})

describe('planJob', () => {
  it('a new Job starts parallelism pods, bounded by the completions left', () => {
    const cases: [Partial<JobSpec>, number][] = [
      [{}, 1],
      [{ completions: 5, parallelism: 2 }, 2],
      [{ completions: 2, parallelism: 4 }, 2],
      [{ completions: undefined, parallelism: 3 }, 3], // a work queue: parallelism pods
    ]
    for (const [spec, want] of cases) {
      const p = planJob(observe(job(spec), []))
      assert.equal(p.creates.length, want, JSON.stringify(spec))
      assert.equal(p.status.active, want)
      assert.equal(p.status.startTime, iso(2))
    }
  })

  it('waits for its earlier creations to be seen', () => {
    const p = planJob(observe(job({ completions: 3, parallelism: 3 }), [], at(2), { expectationsSatisfied: false }))
    assert.equal(p.creates.length, 0)
  })

  it('a succeeded pod goes uncounted, loses its finalizer, then counts; the Job then completes', () => {
    const done = pod('Succeeded', { uid: 'a' })
    const p = planJob(observe(job({}, { startTime: iso(0) }), [done]))
    assert.deepEqual(p.interimStatus?.uncountedTerminatedPods, { succeeded: ['a'] })
    assert.deepEqual(
      p.removeFinalizers.map((x) => x.metadata.uid),
      ['a'],
    )
    assert.equal(p.status.succeeded, 1)
    assert.deepEqual(p.status.uncountedTerminatedPods, {})
    const types = (p.status.conditions ?? []).map((c) => `${c.type}:${c.reason}`)
    assert.deepEqual(types, ['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached'])
    assert.equal(p.status.conditions![1].message, 'Reached expected number of succeeded pods')
    assert.equal(p.status.completionTime, iso(2))
    assert.deepEqual(p.events, [{ type: 'Normal', reason: 'Completed', message: 'Job completed' }])
  })

  it('counts a pod only once: a pod whose finalizer removal is pending is not counted again', () => {
    const done = pod('Succeeded', { uid: 'a' })
    const j = job({}, { startTime: iso(0), succeeded: 1, uncountedTerminatedPods: {} })
    const p = planJob(observe(j, [done], at(2), { expectedRmFinalizers: new Set(['a']) }))
    assert.equal(p.interimStatus, undefined)
    assert.equal(p.status.succeeded, 1)
  })

  it('a failed pod is replaced only after the back-off: 10 s, then doubling', () => {
    const failed = pod('Failed', { finalizer: false, finishedAt: 10 })
    const j = job({}, { startTime: iso(0), failed: 1 })
    const early = planJob(observe(j, [failed], at(15)))
    assert.equal(early.creates.length, 0)
    assert.equal(early.requeueAfterMs, 5000)
    const late = planJob(observe(j, [failed], at(20)))
    assert.equal(late.creates.length, 1)
    assert.equal(podFailureBackoffRemainingMs(3, t0, t0 + 15_000), 25_000)
    assert.equal(podFailureBackoffRemainingMs(9, t0, t0), 600_000) // capped at 10 minutes
    assert.equal(podFailureBackoffRemainingMs(0, undefined, t0), 0)
  })

  it('fails with BackoffLimitExceeded once failures pass backoffLimit (FailureTarget, then Failed)', () => {
    const j = job({ backoffLimit: 1 }, { startTime: iso(0), failed: 1 })
    const p = planJob(observe(j, [pod('Failed', { finalizer: false }), pod('Failed', { uid: 'b' })]))
    assert.equal(p.status.failed, 2)
    const conds = (p.status.conditions ?? []).map((c) => [c.type, c.reason, c.message])
    assert.deepEqual(conds, [
      ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ])
    assert.deepEqual(p.events, [{ type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }])
    assert.equal(p.status.completionTime, undefined)
  })

  it('past activeDeadlineSeconds: active pods go, and Failed waits until they are gone', () => {
    const j = job({ activeDeadlineSeconds: 5 }, { startTime: iso(0), active: 1 })
    const running = pod('Running', { uid: 'r', ready: true })
    const p = planJob(observe(j, [running], at(6)))
    assert.deepEqual(
      p.deletes.map((x) => x.metadata.uid),
      ['r'],
    )
    assert.deepEqual(
      (p.status.conditions ?? []).map((c) => `${c.type}:${c.reason}`),
      ['FailureTarget:DeadlineExceeded'],
    )
    // Before the deadline it asks to be woken at the deadline.
    assert.equal(planJob(observe(j, [running], at(3))).requeueAfterMs, 2000)
  })

  it('a FailJob rule of the podFailurePolicy fails the Job with the container, pod and rule', () => {
    const j = job({ podReplacementPolicy: 'Failed', podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [1] } }, { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } }] } }, { startTime: iso(0) })
    const p = planJob(observe(j, [pod('Failed', { uid: 'x', exitCode: 42 })]))
    const c = (p.status.conditions ?? []).find((x) => x.type === 'Failed')
    assert.equal(c?.reason, 'PodFailurePolicy')
    assert.equal(c?.message, 'Container main for pod default/pi-x failed with exit code 42 matching FailJob rule at index 1')
    // An Ignore'd failure neither counts nor fails the Job, and the pod is replaced at once.
    const ignored = planJob(observe(j, [pod('Failed', { uid: 'y', exitCode: 1 })]))
    assert.equal(ignored.status.failed, undefined)
    assert.equal(ignored.creates.length, 1)
    assert.deepEqual(
      ignored.removeFinalizers.map((x) => x.metadata.uid),
      ['y'],
    )
  })

  it('suspend deletes the active pods and sets Suspended; resume resets startTime', () => {
    const running = pod('Running', { uid: 'r' })
    const s = planJob(observe(job({ suspend: true }, { startTime: iso(0), active: 1 }), [running]))
    assert.deepEqual(
      s.deletes.map((x) => x.metadata.uid),
      ['r'],
    )
    assert.deepEqual(
      (s.status.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]),
      [['Suspended', 'True', 'JobSuspended', 'Job suspended']],
    )
    assert.deepEqual(s.events, [{ type: 'Normal', reason: 'Suspended', message: 'Job suspended' }])
    const resumed = planJob(observe(job({}, { startTime: iso(0), conditions: s.status.conditions }), [], at(9)))
    assert.equal(resumed.status.startTime, iso(9))
    assert.equal(resumed.creates.length, 1)
    assert.deepEqual(resumed.events, [{ type: 'Normal', reason: 'Resumed', message: 'Job resumed' }])
    // A Job created suspended has no startTime.
    assert.equal(planJob(observe(job({ suspend: true }), [])).status.startTime, undefined)
  })

  it('Indexed: creates the lowest pending indexes and records completed ones', () => {
    const j = job({ completionMode: 'Indexed', completions: 5, parallelism: 2 }, { startTime: iso(0) })
    const p = planJob(observe(j, [pod('Succeeded', { index: 0, uid: 'a' }), pod('Running', { index: 2, uid: 'b' })]))
    assert.deepEqual(p.creates, [{ index: 1 }])
    assert.equal(p.status.completedIndexes, '0')
    assert.equal(p.status.succeeded, 1)
  })

  it('Indexed: a second pod of one index and a pod of a done index are deleted', () => {
    const j = job({ completionMode: 'Indexed', completions: 2, parallelism: 2 }, { startTime: iso(0), completedIndexes: '0', succeeded: 1 })
    const dup1 = pod('Running', { index: 1, uid: 'old', created: 0 })
    const dup2 = pod('Running', { index: 1, uid: 'new', created: 1 })
    const stale = pod('Running', { index: 0, uid: 'done' })
    const p = planJob(observe(j, [dup1, dup2, stale]))
    assert.deepEqual(p.deletes.map((x) => x.metadata.uid).sort(), ['done', 'new'])
    assert.equal(p.creates.length, 0)
  })

  it('backoffLimitPerIndex: a failed pod is replaced after its index back-off, carrying the failure count; a twice-failed index is failed', () => {
    const spec = { completionMode: 'Indexed' as const, completions: 3, parallelism: 3, backoffLimit: 2147483647, backoffLimitPerIndex: 1 }
    const j = job(spec, { startTime: iso(0), completedIndexes: '0', succeeded: 1, failedIndexes: '' })
    const failed0 = pod('Failed', { index: 1, uid: 'f0', finishedAt: 5 })
    const running = pod('Running', { index: 2, uid: 'r' })
    // 5 s after the failure: the index's 10 s back-off is not over; the failed pod keeps its finalizer.
    let p = planJob(observe(j, [failed0, running], at(10)))
    assert.deepEqual(p.creates, [])
    assert.equal(p.requeueAfterMs, 5000)
    assert.ok(!p.removeFinalizers.includes(failed0))
    assert.equal(p.status.failedIndexes, '')
    // After it: index 1 comes back with job-index-failure-count 1.
    p = planJob(observe(j, [failed0, running], at(16)))
    assert.deepEqual(p.creates, [{ index: 1, failureCount: 1, ignoredFailureCount: 0 }])
    const replacement = podForJob(j, 1, p.creates[0]) as PodObj
    assert.equal(replacement.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'], '1')
    // The replacement fails too: its count (1) reached backoffLimitPerIndex, so index 1 is failed and not retried.
    const failed1 = Object.freeze({ ...pod('Failed', { index: 1, uid: 'f1', finishedAt: 20 }), metadata: { ...pod('Failed', { index: 1, uid: 'f1' }).metadata, annotations: { [completionIndexAnnotation]: '1', 'batch.kubernetes.io/job-index-failure-count': '1' } } }) as PodObj
    p = planJob(observe(j, [failed0, failed1, running], at(40)))
    assert.deepEqual(p.creates, [])
    assert.equal(p.status.failedIndexes, '1')
    assert.equal(p.status.conditions?.find((c) => c.type === 'FailureTarget'), undefined) // index 2 still runs
    // Index 2 succeeds: every index is done or failed → FailedIndexes.
    p = planJob(observe(j, [failed0, failed1, pod('Succeeded', { index: 2, uid: 'r' })], at(41)))
    assert.deepEqual(
      p.status.conditions?.filter((c) => c.status === 'True').map((c) => [c.type, c.reason, c.message]),
      [
        ['FailureTarget', 'FailedIndexes', 'Job has failed indexes'],
        ['Failed', 'FailedIndexes', 'Job has failed indexes'],
      ],
    )
    assert.equal(p.status.completedIndexes, '0,2')
    // maxFailedIndexes 0: the first failed index fails the Job at once.
    const strict = job({ ...spec, maxFailedIndexes: 0 }, { startTime: iso(0), failedIndexes: '' })
    p = planJob(observe(strict, [failed1, running], at(40)))
    assert.equal(p.status.conditions?.find((c) => c.type === 'FailureTarget')?.reason, 'MaxFailedIndexesExceeded')
    assert.deepEqual(p.deletes, [running])
  })

  it('a finished Job only lets go of its pods', () => {
    const j = job({}, { conditions: [{ type: 'Complete', status: 'True' }] })
    const p = planJob(observe(j, [pod('Running', { uid: 'r' })]))
    assert.deepEqual(p.deletes, [])
    assert.deepEqual(p.creates, [])
    assert.deepEqual(
      p.removeFinalizers.map((x) => x.metadata.uid),
      ['r'],
    )
  })

  it('restartPolicy OnFailure: container restarts count towards backoffLimit', () => {
    const j = job({ backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main' }] } } }, { startTime: iso(0) })
    const restarting = { ...pod('Running', { uid: 'r' }), status: { phase: 'Running', containerStatuses: [{ name: 'main', restartCount: 2, ready: false, image: '', imageID: '' }] } } as unknown as PodObj
    const p = planJob(observe(j, [restarting]))
    assert.equal((p.status.conditions ?? [])[0]?.reason, 'BackoffLimitExceeded')
  })
})

describe('indexes', () => {
  it('parse and format as upstream (ranges, out of range dropped)', () => {
    assert.equal(formatIndexes([0, 1, 2, 4, 6, 7]), '0-2,4,6,7') // two in a row are listed, as upstream's orderedIntervals.String
    assert.deepEqual([...parseIndexes('0-2,4,9', 5)], [0, 1, 2, 4])
    assert.equal(formatIndexes([]), '')
  })
})

describe('podForJob', () => {
  it('owns the pod and adds the tracking finalizer; Indexed adds index annotation, label, env and hostname', () => {
    const plain = podForJob(job())
    assert.equal(plain.metadata!.generateName, 'pi-')
    assert.deepEqual(plain.metadata!.finalizers, [jobTrackingFinalizer])
    assert.equal(plain.metadata!.ownerReferences![0].kind, 'Job')
    const p = podForJob(job({ completionMode: 'Indexed', completions: 3 }), 2) as { metadata: Record<string, any>; spec: Record<string, any> }
    assert.equal(p.metadata.generateName, 'pi-2-')
    assert.equal(p.metadata.annotations[completionIndexAnnotation], '2')
    assert.equal(p.metadata.labels[completionIndexAnnotation], '2')
    assert.equal(p.spec.hostname, 'pi-2')
    assert.deepEqual(p.spec.containers[0].env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${completionIndexAnnotation}']` } } }])
  })
})
