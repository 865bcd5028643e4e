import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js'
import { computePodStatus, type ContainerObservation, type ContainerRun, type PodObservation } from './status.js'

const t0 = new Date('2026-01-01T00:00:00Z')
const t1 = new Date('2026-01-01T00:00:05Z')
const now = new Date('2026-01-01T00:01:00Z')

function pod(extra: Partial<Pod['spec']> = {}, status: Pod['status'] = { phase: 'Pending', qosClass: 'BestEffort' }): Pod {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: { nodeName: 'kubelite', containers: [{ name: 'web', image: 'nginx' }], ...extra },
    status,
  }
}

const run = (id: string, finished?: { exitCode: number; at: Date }): ContainerRun => ({
  containerID: `process://${id}`,
  image: 'nginx',
  imageID: 'nginx@sha256:aa',
  startedAt: t0,
  finishedAt: finished?.at,
  exitCode: finished?.exitCode,
  reason: finished ? (finished.exitCode ? 'Error' : 'Completed') : undefined,
  logPath: `/logs/${id}`,
})

const obs = (name: string, o: Partial<ContainerObservation>): [string, ContainerObservation] => [name, { name, restartCount: 0, ready: false, started: false, ...o }]

function observe(p: Pod, containers: [string, ContainerObservation][], extra: Partial<PodObservation> = {}): PodObservation {
  return { pod: p, containers: new Map(containers), hostIP: '127.0.0.1', podIP: '127.244.0.2', sandboxReady: true, terminal: false, terminating: false, startTime: t0, ...extra }
}

const summary = (conds: PodCondition[] | undefined) => (conds ?? []).map((c) => [c.type, c.status, c.reason ?? '', c.message ?? ''])

test('computePodStatus: table of pod states', () => {
  const cases: { name: string; o: PodObservation; phase: string; conditions: string[][]; state: Record<string, unknown>; init?: Record<string, unknown> }[] = [
    {
      name: 'new pod, nothing started, no sandbox yet',
      o: observe(pod(), [], { sandboxReady: false, podIP: undefined }),
      phase: 'Pending',
      conditions: [
        ['PodReadyToStartContainers', 'False', '', ''],
        ['Initialized', 'True', '', ''],
        ['Ready', 'False', 'ContainersNotReady', 'containers with unready status: [web]'],
        ['ContainersReady', 'False', 'ContainersNotReady', 'containers with unready status: [web]'],
        ['PodScheduled', 'True', '', ''],
      ],
      state: { waiting: { reason: 'ContainerCreating' } },
    },
    {
      name: 'running and ready',
      o: observe(pod(), [obs('web', { current: run('a'), ready: true, started: true })]),
      phase: 'Running',
      conditions: [
        ['PodReadyToStartContainers', 'True', '', ''],
        ['Initialized', 'True', '', ''],
        ['Ready', 'True', '', ''],
        ['ContainersReady', 'True', '', ''],
        ['PodScheduled', 'True', '', ''],
      ],
      state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
    },
    {
      name: 'terminating: ready goes false while still running',
      o: observe(pod(), [obs('web', { current: run('a'), ready: true, started: true })], { terminating: true }),
      phase: 'Running',
      conditions: [
        ['PodReadyToStartContainers', 'True', '', ''],
        ['Initialized', 'True', '', ''],
        ['Ready', 'False', 'ContainersNotReady', 'containers with unready status: [web]'],
        ['ContainersReady', 'False', 'ContainersNotReady', 'containers with unready status: [web]'],
        ['PodScheduled', 'True', '', ''],
      ],
      state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
    },
    {
      name: 'init container running',
      o: observe(pod({ initContainers: [{ name: 'init', image: 'busybox' }] }), [obs('init', { current: run('i'), started: true, ready: false })]),
      phase: 'Pending',
      conditions: [
        ['PodReadyToStartContainers', 'True', '', ''],
        ['Initialized', 'False', 'ContainersNotInitialized', 'containers with incomplete status: [init]'],
        ['Ready', 'False', 'ContainersNotReady', 'containers with unready status: [web]'],
        ['ContainersReady', 'False', 'ContainersNotReady', 'containers with unready status: [web]'],
        ['PodScheduled', 'True', '', ''],
      ],
      state: { waiting: { reason: 'PodInitializing' } },
      init: { running: { startedAt: '2026-01-01T00:00:00Z' } },
    },
    {
      name: 'crash loop: waiting with the last termination',
      o: observe(pod(), [
        obs('web', {
          restartCount: 2,
          current: run('b', { exitCode: 1, at: t1 }),
          previous: run('a', { exitCode: 1, at: t0 }),
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=web pod=web_default(u1)' },
        }),
      ]),
      phase: 'Running',
      conditions: [
        ['PodReadyToStartContainers', 'True', '', ''],
        ['Initialized', 'True', '', ''],
        ['Ready', 'False', 'ContainersNotReady', 'containers with unready status: [web]'],
        ['ContainersReady', 'False', 'ContainersNotReady', 'containers with unready status: [web]'],
        ['PodScheduled', 'True', '', ''],
      ],
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=web pod=web_default(u1)' } },
    },
    {
      name: 'restartPolicy Never, exit 0: Succeeded',
      o: observe(pod({ restartPolicy: 'Never' }), [obs('web', { current: run('a', { exitCode: 0, at: t1 }) })]),
      phase: 'Succeeded',
      conditions: [
        ['PodReadyToStartContainers', 'True', '', ''],
        ['Initialized', 'True', 'PodCompleted', ''],
        ['Ready', 'False', 'PodCompleted', ''],
        ['ContainersReady', 'False', 'PodCompleted', ''],
        ['PodScheduled', 'True', '', ''],
      ],
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'process://a' } },
    },
    {
      name: 'restartPolicy Never, exit 1: Failed',
      o: observe(pod({ restartPolicy: 'Never' }), [obs('web', { current: run('a', { exitCode: 1, at: t1 }) })], { sandboxReady: false }),
      phase: 'Failed',
      conditions: [
        ['PodReadyToStartContainers', 'False', '', ''],
        ['Initialized', 'True', '', ''],
        ['Ready', 'False', 'PodFailed', ''],
        ['ContainersReady', 'False', 'PodFailed', ''],
        ['PodScheduled', 'True', '', ''],
      ],
      state: { terminated: { exitCode: 1, reason: 'Error', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'process://a' } },
    },
    {
      name: 'restartPolicy Always, deleted and stopped (terminal): Succeeded when all exited 0',
      o: observe(pod(), [obs('web', { current: run('a', { exitCode: 0, at: t1 }) })], { terminal: true, sandboxReady: false }),
      phase: 'Succeeded',
      conditions: [
        ['PodReadyToStartContainers', 'False', '', ''],
        ['Initialized', 'True', 'PodCompleted', ''],
        ['Ready', 'False', 'PodCompleted', ''],
        ['ContainersReady', 'False', 'PodCompleted', ''],
        ['PodScheduled', 'True', '', ''],
      ],
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'process://a' } },
    },
    {
      name: 'image pull error',
      o: observe(pod(), [obs('web', { waiting: { reason: 'ErrImagePull', message: 'not found' } })]),
      phase: 'Pending',
      conditions: [
        ['PodReadyToStartContainers', 'True', '', ''],
        ['Initialized', 'True', '', ''],
        ['Ready', 'False', 'ContainersNotReady', 'containers with unready status: [web]'],
        ['ContainersReady', 'False', 'ContainersNotReady', 'containers with unready status: [web]'],
        ['PodScheduled', 'True', '', ''],
      ],
      state: { waiting: { reason: 'ErrImagePull', message: 'not found' } },
    },
  ]
  for (const tc of cases) {
    const s = computePodStatus(tc.o, now)
    assert.equal(s.phase, tc.phase, tc.name)
    assert.deepEqual(summary(s.conditions), tc.conditions, tc.name)
    assert.deepEqual(s.containerStatuses?.[0].state, tc.state, tc.name)
    if (tc.init) assert.deepEqual(s.initContainerStatuses?.[0].state, tc.init, tc.name)
    assert.equal(s.qosClass, 'BestEffort', tc.name)
    assert.equal(s.startTime, '2026-01-01T00:00:00Z', tc.name)
  }
})

test('container status fields and lastState', () => {
  const s = computePodStatus(observe(pod(), [obs('web', { restartCount: 1, current: run('b'), previous: run('a', { exitCode: 137, at: t1 }), ready: true, started: true })]), now)
  assert.deepEqual(s.containerStatuses, [
    {
      name: 'web',
      state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
      lastState: { terminated: { exitCode: 137, reason: 'Error', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'process://a' } },
      ready: true,
      restartCount: 1,
      image: 'nginx',
      imageID: 'nginx@sha256:aa',
      started: true,
      containerID: 'process://b',
    },
  ])
  assert.deepEqual(s.podIPs, [{ ip: '127.244.0.2' }])
  assert.deepEqual(s.hostIPs, [{ ip: '127.0.0.1' }])
})

test('lastTransitionTime is kept while a condition holds, scheduler conditions preserved', () => {
  const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-12-31T23:59:59Z' } as unknown as PodCondition
  const p = pod({}, { phase: 'Pending', conditions: [scheduled, { type: 'example.com/gate', status: 'True' }] })
  const first = computePodStatus(observe(p, [obs('web', { current: run('a'), ready: false, started: true })]), t1)
  assert.equal(first.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime, '2025-12-31T23:59:59Z')
  assert.equal(first.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, '2026-01-01T00:00:05Z')
  assert.equal(first.conditions![0].type, 'example.com/gate')
  const second = computePodStatus(observe({ ...p, status: first }, [obs('web', { current: run('a'), ready: true, started: true })]), now)
  assert.equal(second.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, '2026-01-01T00:01:00Z')
  assert.equal(second.conditions!.find((c) => c.type === 'Initialized')!.lastTransitionTime, '2026-01-01T00:00:05Z')
  assert.deepEqual(computePodStatus(observe({ ...p, status: second }, [obs('web', { current: run('a'), ready: true, started: true })]), new Date()), second, 'no change → same status')
})

test('readiness gates', () => {
  const p = pod({ readinessGates: [{ conditionType: 'example.com/lb' }] })
  const s = computePodStatus(observe(p, [obs('web', { current: run('a'), ready: true, started: true })]), now)
  const ready = s.conditions!.find((c) => c.type === 'Ready')!
  assert.equal(ready.reason, 'ReadinessGatesNotReady')
  assert.equal(ready.message, 'corresponding condition of pod readiness gate "example.com/lb" does not exist.')
})

test('a terminal phase is sticky', () => {
  const p = pod({ restartPolicy: 'Never' }, { phase: 'Failed' })
  assert.equal(computePodStatus(observe(p, []), now).phase, 'Failed')
})

test('ephemeral containers: a status each (waiting, running, terminated), never ready, no `started`, no effect on phase or readiness', () => {
  const p = pod({ ephemeralContainers: [{ name: 'debugger-a', image: 'busybox' }, { name: 'debugger-b', image: 'busybox' }, { name: 'debugger-c', image: 'busybox' }] })
  const s = computePodStatus(
    observe(p, [
      obs('web', { current: run('w'), ready: true, started: true }),
      obs('debugger-a', { current: { ...run('a'), image: 'busybox', imageID: 'docker.io/library/busybox@sha256:bb' }, ready: true, started: true }),
      obs('debugger-b', { current: { ...run('b', { exitCode: 0, at: t1 }), image: 'busybox', imageID: 'docker.io/library/busybox@sha256:bb' } }),
    ]),
    now,
  )
  assert.equal(s.phase, 'Running')
  assert.deepEqual(summary(s.conditions).find((c) => c[0] === 'Ready'), ['Ready', 'True', '', ''])
  assert.deepEqual(s.ephemeralContainerStatuses, [
    {
      name: 'debugger-a',
      state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: 'busybox',
      imageID: 'docker.io/library/busybox@sha256:bb',
      containerID: 'process://a',
    },
    {
      name: 'debugger-b',
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'process://b' } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: 'busybox',
      imageID: 'docker.io/library/busybox@sha256:bb',
      containerID: 'process://b',
    },
    { name: 'debugger-c', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: 'busybox', imageID: '' },
  ])
  assert.equal(computePodStatus(observe(pod(), [obs('web', { current: run('w') })]), now).ephemeralContainerStatuses, undefined)
})
