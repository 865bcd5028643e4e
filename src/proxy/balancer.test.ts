import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { PortBalancer } from './balancer.js'
import type { Backend } from './endpoints.js'

const be = (n: number, group?: number): Backend => ({ key: `127.244.0.${n}:8080`, ip: `127.244.0.${n}`, port: 8080, ...(group !== undefined ? { group } : {}) })

const count = (picks: (Backend | undefined)[]) => {
  const m = new Map<string, number>()
  for (const p of picks) if (p) m.set(p.key, (m.get(p.key) ?? 0) + 1)
  return m
}

test('round-robin: exactly even across backends', () => {
  const b = new PortBalancer()
  b.setBackends([be(1), be(2), be(3)])
  const c = count(Array.from({ length: 300 }, () => b.pick('127.0.0.1')))
  assert.deepEqual([...c.values()], [100, 100, 100])
})

test('round-robin: skips endpoints already tried; undefined when all were', () => {
  const b = new PortBalancer()
  b.setBackends([be(1), be(2)])
  const tried = new Set([be(1).key])
  for (let i = 0; i < 5; i++) assert.equal(b.pick('c', tried)?.key, be(2).key)
  tried.add(be(2).key)
  assert.equal(b.pick('c', tried), undefined)
  b.setBackends([])
  assert.equal(b.pick('c'), undefined)
})

test('backend removal: the removed endpoint is never picked again', () => {
  const b = new PortBalancer()
  b.setBackends([be(1), be(2), be(3)])
  b.pick('c')
  b.setBackends([be(1), be(3)])
  const c = count(Array.from({ length: 10 }, () => b.pick('c')))
  assert.equal(c.get(be(2).key), undefined)
})

test('ClientIP affinity: a client sticks to its endpoint until the timeout, others spread', () => {
  let now = 0
  const b = new PortBalancer({ affinitySeconds: 10, now: () => now })
  b.setBackends([be(1), be(2), be(3)])
  const first = b.pick('127.0.0.7')!
  for (let i = 0; i < 20; i++) {
    now += 1000 // each use refreshes the timer
    assert.equal(b.pick('127.0.0.7')!.key, first.key)
  }
  assert.notEqual(b.pick('127.0.0.8')!.key, first.key)
  now += 10_000
  assert.notEqual(b.pick('127.0.0.7')!.key, first.key, 'expired: round-robin moves on')
})

test('ClientIP affinity: a departed or refused endpoint is replaced, and the new one sticks', () => {
  const b = new PortBalancer({ affinitySeconds: 100 })
  b.setBackends([be(1), be(2), be(3)])
  const first = b.pick('c')!
  b.setBackends([be(1), be(2), be(3)].filter((x) => x.key !== first.key))
  const second = b.pick('c')!
  assert.notEqual(second.key, first.key)
  assert.equal(b.pick('c')!.key, second.key)
  const third = b.pick('c', new Set([second.key]))!
  assert.notEqual(third.key, second.key)
  assert.equal(b.pick('c')!.key, third.key)
})

test('weights: smooth split 1:3 between groups, round-robin inside a group', () => {
  const b = new PortBalancer()
  b.setBackends([be(1, 0), be(2, 1), be(3, 1), be(4, 1)])
  b.setWeights([25, 75])
  const picks = Array.from({ length: 40 }, () => b.pick('c')!)
  const c = count(picks)
  assert.equal(c.get(be(1).key), 10)
  assert.deepEqual([c.get(be(2).key), c.get(be(3).key), c.get(be(4).key)], [10, 10, 10])
  // Smooth: the canary never gets two in a row at 25%.
  for (let i = 1; i < picks.length; i++) assert.ok(!(picks[i].key === be(1).key && picks[i - 1].key === be(1).key))
})

test('weights: a group with weight 0 or no endpoints gets nothing; no usable group falls back to all', () => {
  const b = new PortBalancer()
  b.setBackends([be(1, 0), be(2, 1), be(3)])
  b.setWeights([0, 100])
  assert.deepEqual([...count(Array.from({ length: 6 }, () => b.pick('c'))).keys()], [be(2).key])
  b.setWeights([100, 0])
  assert.deepEqual([...count(Array.from({ length: 6 }, () => b.pick('c'))).keys()], [be(1).key])
  // Neither group has an endpoint: every endpoint serves rather than none.
  b.setBackends([be(3), be(4)])
  assert.equal(count(Array.from({ length: 6 }, () => b.pick('c'))).size, 2)
  b.setWeights(undefined)
  b.setBackends([be(1, 0), be(2, 1), be(3)])
  assert.equal(count(Array.from({ length: 6 }, () => b.pick('c'))).size, 3)
})

test('weights with affinity: a sticky client moves when its group is weighted to 0', () => {
  const b = new PortBalancer({ affinitySeconds: 100 })
  b.setBackends([be(1, 0), be(2, 1)])
  b.setWeights([100, 0])
  assert.equal(b.pick('c')!.key, be(1).key)
  b.setWeights([0, 100])
  assert.equal(b.pick('c')!.key, be(2).key)
})

test('property: weighted picks match the weights exactly over a full cycle', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }), (weights, sizes) => {
      const b = new PortBalancer()
      const backends: Backend[] = []
      let n = 1
      weights.forEach((_, g) => {
        for (let i = 0; i < sizes[g]; i++) backends.push(be(n++, g))
      })
      b.setBackends(backends)
      b.setWeights(weights)
      const total = weights.reduce((a, w) => a + w, 0)
      const cycles = total === 0 ? backends.length : total
      const byGroup = new Map<number, number>()
      for (let i = 0; i < cycles; i++) {
        const p = b.pick('c')!
        byGroup.set(p.group!, (byGroup.get(p.group!) ?? 0) + 1)
      }
      if (total > 0) weights.forEach((w, g) => assert.equal(byGroup.get(g) ?? 0, w))
      else assert.equal([...byGroup.values()].reduce((a, x) => a + x, 0), backends.length)
    }),
  )
})
