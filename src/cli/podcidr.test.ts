import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryStore } from '../store/memory/memory.js'
import { claimPodCIDRs, podCIDRSlices } from './podcidr.js'

const node = (name: string, podCIDR?: string) => ({ metadata: { name }, spec: podCIDR ? { podCIDR } : {} })

test('slices of 127.244.0.0/16: /24 for the process runtime, /20 for sim', () => {
  assert.equal(podCIDRSlices('process').length, 256)
  assert.deepEqual(podCIDRSlices('process').slice(0, 2), ['127.244.0.0/24', '127.244.1.0/24'])
  assert.deepEqual(podCIDRSlices('sim').slice(0, 3), ['127.244.0.0/20', '127.244.16.0/20', '127.244.32.0/20'])
  assert.equal(podCIDRSlices('sim').at(-1), '127.244.240.0/20')
})

test('two control planes starting at once on one store never give two nodes one range', async () => {
  const store = new MemoryStore()
  const [a, b] = await Promise.all([claimPodCIDRs(store, 'process', ['kubelite', 'kubelite-m02'], []), claimPodCIDRs(store, 'process', ['kubelite-b'], [])])
  const all = [...a, ...b]
  assert.equal(new Set(all).size, 3, all.join(' '))
  // A restart keeps its range (its Node has it, or only its claim does).
  assert.deepEqual(await claimPodCIDRs(store, 'process', ['kubelite-b'], [node('kubelite-b', b[0])]), b)
  assert.deepEqual(await claimPodCIDRs(store, 'process', ['kubelite-b'], []), b)
  // A node registered elsewhere with a range that overlaps a slice: that slice is skipped.
  const c = await claimPodCIDRs(store, 'sim', ['sim-node'], [node('old', '127.244.0.0/22')])
  assert.equal(c[0], '127.244.16.0/20')
  await store.close()
})
