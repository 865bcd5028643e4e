import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContainerStatus } from 'kubernetes-types/core/v1.js'
import { restartCountFromLogPath, seedObservation } from './adopt.js'

const now = new Date('2026-01-01T01:00:00Z')
const term = { exitCode: 1, reason: 'Error', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'process://old' }

test('seedObservation: table', () => {
  const running: ContainerStatus = { name: 'web', image: 'img', imageID: 'img@x', ready: true, restartCount: 2, containerID: 'process://cur', state: { running: { startedAt: '2026-01-01T00:10:00Z' } }, lastState: { terminated: term } }
  const adopted = seedObservation('web', running, { id: 'process://cur', startedAt: new Date('2026-01-01T00:10:00Z'), logPath: '/l/web/2.log' }, now)!
  assert.equal(adopted.restartCount, 2)
  assert.equal(adopted.current!.containerID, 'process://cur')
  assert.equal(adopted.current!.finishedAt, undefined)
  assert.equal(adopted.previous!.containerID, 'process://old')

  const vanished = seedObservation('web', running, undefined, now)!
  assert.equal(vanished.current!.reason, 'ContainerStatusUnknown')
  assert.equal(vanished.current!.exitCode, 137)
  assert.equal(vanished.restartCount, 2)

  const crashLoop: ContainerStatus = { name: 'web', image: 'img', imageID: 'img@x', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: term } }
  const cl = seedObservation('web', crashLoop, undefined, now)!
  assert.equal(cl.current!.finishedAt!.toISOString(), '2026-01-01T00:00:05.000Z')
  assert.equal(cl.restartCount, 3)

  const creating: ContainerStatus = { name: 'web', image: 'img', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }
  assert.equal(seedObservation('web', creating, undefined, now), undefined)
  assert.equal(seedObservation('web', undefined, undefined, now), undefined)

  // The runtime restarted it after the last status was written: the count comes from the log file.
  const newer = seedObservation('web', running, { id: 'process://newer', startedAt: now, logPath: '/l/web/3.log' }, now)!
  assert.equal(newer.restartCount, 3)
  assert.equal(restartCountFromLogPath('/x/0.log'), 0)
})
