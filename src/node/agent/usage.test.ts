import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContainerHandle, ContainerUsage } from '../runtime/types.js'
import { UsageSampler, usageBetween } from './usage.js'

test('usageBetween: CPU rate in nanocores over the window, memory of the newer sample', () => {
  const u = usageBetween({ at: 1_000_000, cpuSeconds: 10, memoryBytes: 1 }, { at: 1_015_000, cpuSeconds: 13, memoryBytes: 2048 })
  assert.deepEqual(u, { timestamp: '1970-01-01T00:16:55Z', windowSeconds: 15, cpuNanoCores: 200_000_000, memoryBytes: 2048 })
  // A counter that went back reads as idle; no window, no figure.
  assert.equal(usageBetween({ at: 0, cpuSeconds: 5, memoryBytes: 0 }, { at: 1000, cpuSeconds: 4, memoryBytes: 0 })?.cpuNanoCores, 0)
  assert.equal(usageBetween({ at: 1000, cpuSeconds: 5, memoryBytes: 0 }, { at: 1000, cpuSeconds: 6, memoryBytes: 0 }), undefined)
})

const handle = (id: string): ContainerHandle => ({ id, startedAt: new Date(0), logPath: '', exited: new Promise(() => {}), stop: async () => ({ exitCode: 0, reason: 'Completed', startedAt: new Date(0), finishedAt: new Date(0) }) })

test('UsageSampler: a pod has figures once every running container has two samples; the node adds this process', () => {
  let now = 0
  const used = new Map<string, ContainerUsage>()
  const a = handle('a')
  const b = handle('b')
  let pods = [{ namespace: 'default', name: 'web', uid: 'u1', containers: [{ name: 'app', handle: a }] }]
  let own = { cpuSeconds: 1, memoryBytes: 100 }
  const sampler = new UsageSampler({ measure: (hs) => hs.map((h) => used.get(h.id)) }, () => pods, () => new Date(now), () => own)
  used.set('a', { cpuSeconds: 2, memoryBytes: 1000 })
  sampler.sample()
  assert.deepEqual(sampler.usage(), { pods: [] })
  now = 15_000
  used.set('a', { cpuSeconds: 5, memoryBytes: 2000 })
  own = { cpuSeconds: 2.5, memoryBytes: 300 }
  sampler.sample()
  const u = sampler.usage()
  assert.equal(u.pods.length, 1)
  assert.equal(u.pods[0].containers[0].cpuNanoCores, 200_000_000)
  assert.equal(u.pods[0].containers[0].memoryBytes, 2000)
  assert.equal(u.node?.cpuNanoCores, 300_000_000) // (3 s of the pod + 1.5 s of this process) / 15 s
  assert.equal(u.node?.memoryBytes, 2300)

  // A second container starts: the pod waits for its second sample.
  pods = [{ namespace: 'default', name: 'web', uid: 'u1', containers: [{ name: 'app', handle: a }, { name: 'side', handle: b }] }]
  used.set('b', { cpuSeconds: 0, memoryBytes: 10 })
  now = 30_000
  sampler.sample()
  assert.deepEqual(sampler.usage().pods, [])
  // The first one exits: the node's counter does not go back.
  pods = [{ namespace: 'default', name: 'web', uid: 'u1', containers: [{ name: 'side', handle: b }] }]
  used.delete('a')
  used.set('b', { cpuSeconds: 1.5, memoryBytes: 10 })
  now = 45_000
  sampler.sample()
  const after = sampler.usage()
  assert.equal(after.pods[0].containers[0].name, 'side')
  assert.equal(after.pods[0].containers[0].cpuNanoCores, 100_000_000)
  assert.equal(after.node?.cpuNanoCores, 100_000_000)
})
