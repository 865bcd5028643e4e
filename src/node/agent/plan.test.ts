import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Pod } from 'kubernetes-types/core/v1.js'
import { planPodActions, shouldRestart, type ContainerFlags } from './plan.js'
import type { ContainerObservation } from './status.js'

const t = new Date(0)
const running = (name: string, image = 'img'): ContainerObservation => ({ name, restartCount: 0, ready: true, started: true, current: { containerID: 'x://' + name, image, imageID: '', startedAt: t, logPath: '' } })
const exited = (name: string, exitCode: number): ContainerObservation => ({ ...running(name), current: { ...running(name).current!, finishedAt: t, exitCode } })

function pod(policy: string, init: string[] = [], regular = ['web']): Pod {
  return { metadata: { name: 'p' }, spec: { restartPolicy: policy, initContainers: init.map((name) => ({ name, image: 'img' })), containers: regular.map((name) => ({ name, image: 'img' })) } }
}

const plan = (p: Pod, obs: ContainerObservation[], flags: [string, ContainerFlags][] = []) => {
  const a = planPodActions(p, new Map(obs.map((o) => [o.name, o])), new Map(flags))
  return { start: a.start.map((s) => s.container.name), kill: a.kill.map((k) => `${k.name}:${k.cause}`), done: a.podDone }
}

test('shouldRestart', () => {
  assert.deepEqual(
    [['Always', 0], ['Always', 1], ['OnFailure', 0], ['OnFailure', 2], ['Never', 0], ['Never', 1]].map(([p, c]) => shouldRestart(p as string, c as number)),
    [true, true, false, true, false, false],
  )
})

test('planPodActions: table', () => {
  const cases: { name: string; got: ReturnType<typeof plan>; want: ReturnType<typeof plan> }[] = [
    { name: 'fresh pod starts its containers', got: plan(pod('Always', [], ['a', 'b']), []), want: { start: ['a', 'b'], kill: [], done: false } },
    { name: 'init containers first, one at a time', got: plan(pod('Always', ['i1', 'i2']), []), want: { start: ['i1'], kill: [], done: false } },
    { name: 'waits for a running init container', got: plan(pod('Always', ['i1', 'i2']), [running('i1')]), want: { start: [], kill: [], done: false } },
    { name: 'next init after success', got: plan(pod('Always', ['i1', 'i2']), [exited('i1', 0)]), want: { start: ['i2'], kill: [], done: false } },
    { name: 'regular after all init', got: plan(pod('Always', ['i1', 'i2']), [exited('i1', 0), exited('i2', 0)]), want: { start: ['web'], kill: [], done: false } },
    { name: 'failed init is retried (Always)', got: plan(pod('Always', ['i1']), [exited('i1', 1)]), want: { start: ['i1'], kill: [], done: false } },
    { name: 'failed init fails the pod (Never)', got: plan(pod('Never', ['i1']), [exited('i1', 1)]), want: { start: [], kill: [], done: true } },
    { name: 'Always restarts after success', got: plan(pod('Always'), [exited('web', 0)]), want: { start: ['web'], kill: [], done: false } },
    { name: 'OnFailure: success is final', got: plan(pod('OnFailure'), [exited('web', 0)]), want: { start: [], kill: [], done: true } },
    { name: 'OnFailure: failure restarts', got: plan(pod('OnFailure'), [exited('web', 1)]), want: { start: ['web'], kill: [], done: false } },
    { name: 'Never: all exited is done', got: plan(pod('Never', [], ['a', 'b']), [exited('a', 1), exited('b', 0)]), want: { start: [], kill: [], done: true } },
    { name: 'Never: one still running', got: plan(pod('Never', [], ['a', 'b']), [exited('a', 1), running('b')]), want: { start: [], kill: [], done: false } },
    { name: 'liveness failure kills', got: plan(pod('Always'), [running('web')], [['web', { livenessFailed: true }]]), want: { start: [], kill: ['web:liveness'], done: false } },
    { name: 'startup failure kills', got: plan(pod('Always'), [running('web')], [['web', { startupFailed: true, livenessFailed: true }]]), want: { start: [], kill: ['web:startup'], done: false } },
    { name: 'changed image kills', got: plan(pod('Always'), [running('web', 'old')]), want: { start: [], kill: ['web:definition'], done: false } },
    { name: 'initialized pods do not rerun init containers', got: plan(pod('Always', ['i1']), [running('web')]), want: { start: [], kill: [], done: false } },
  ]
  for (const c of cases) assert.deepEqual(c.got, c.want, c.name)
})

test('sidecar init containers (restartPolicy Always) start and stay up', () => {
  const p: Pod = { metadata: { name: 'p' }, spec: { initContainers: [{ name: 'side', image: 'img', restartPolicy: 'Always' }], containers: [{ name: 'web', image: 'img' }] } }
  const start = (obs: ContainerObservation[]) => planPodActions(p, new Map(obs.map((o) => [o.name, o])), new Map()).start.map((s) => s.container.name)
  assert.deepEqual(start([]), ['side'])
  assert.deepEqual(start([running('side')]), ['web'])
  assert.deepEqual(start([exited('side', 1), running('web')]), ['side'])
})

test('ephemeral containers start once each, whatever the init containers do, and never again', () => {
  const p: Pod = { ...pod('Always', ['i1']), spec: { ...pod('Always', ['i1']).spec!, ephemeralContainers: [{ name: 'dbg', image: 'busybox' }, { name: 'dbg2', image: 'busybox' }] } }
  const eph = (obs: ContainerObservation[]) => planPodActions(p, new Map(obs.map((o) => [o.name, o])), new Map()).startEphemeral.map((c) => c.name)
  assert.deepEqual(eph([]), ['dbg', 'dbg2'])
  assert.deepEqual(eph([exited('i1', 1), running('dbg')]), ['dbg2'])
  assert.deepEqual(eph([running('web'), exited('dbg', 0), exited('dbg2', 1)]), [])
  // A pull that failed left no run: tried again.
  assert.deepEqual(eph([running('web'), { name: 'dbg', restartCount: 0, ready: false, started: false, waiting: { reason: 'ErrImagePull' } }, running('dbg2')]), ['dbg'])
  // Nothing starts in a pod that is done.
  const done: Pod = { ...p, spec: { ...p.spec!, restartPolicy: 'Never' } }
  assert.deepEqual(planPodActions(done, new Map([['i1', exited('i1', 0)], ['web', exited('web', 0)]]), new Map()).startEphemeral, [])
})
