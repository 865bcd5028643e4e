import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FairTurns } from './turns.js'

/** A hand-driven loop: `defer`red functions run when the test calls turn(); time moves by hand. */
function fakeLoop() {
  let time = 0
  let pending: (() => void)[] = []
  return {
    now: () => time,
    defer: (fn: () => void) => void pending.push(fn),
    advance: (ms: number) => void (time += ms),
    /** One loop turn: runs what was deferred before it, then lets promise continuations settle. */
    async turn() {
      const run = pending
      pending = []
      for (const fn of run) fn()
      for (let i = 0; i < 20; i++) await undefined
    },
  }
}

test('an idle process runs a request at once, in the same call', async () => {
  const loop = fakeLoop()
  const turns = new FairTurns({ sliceMs: 5, now: loop.now, defer: loop.defer })
  let ran = false
  const p = turns.run('a', async () => {
    ran = true
    return 42
  })
  assert.equal(ran, true)
  assert.equal(await p, 42)
  assert.equal(turns.length, 0)
})

test('past the slice, requests wait for the next turn, then go round-robin across flows, in order within each', async () => {
  const loop = fakeLoop()
  const turns = new FairTurns({ sliceMs: 5, now: loop.now, defer: loop.defer })
  const order: string[] = []
  // Each request costs 2 ms, as the clock sees it once it has run.
  const req = (name: string) => async () => {
    order.push(name)
    loop.advance(2)
    return name
  }
  const results = [
    turns.run('kubelet', req('k1')), // opens the slice at 0: runs (now 2)
    turns.run('kubelet', req('k2')), // 2 < 5: runs (now 4)
    turns.run('kubelet', req('k3')), // 4 < 5: runs (now 6)
    turns.run('kubelet', req('k4')), // 6: waits
    turns.run('kubelet', req('k5')),
    turns.run('kubelet', req('k6')),
    turns.run('deployment', req('d1')),
    turns.run('deployment', req('d2')),
  ]
  assert.deepEqual(order, ['k1', 'k2', 'k3'])
  assert.equal(turns.length, 5)
  await loop.turn() // the slice ends with the turn; the pump admits k4 (2 ms), d1 (4 ms), k5 (6 ms: the slice is used)
  assert.deepEqual(order, ['k1', 'k2', 'k3', 'k4', 'd1', 'k5'])
  assert.equal(turns.length, 2)
  await loop.turn()
  assert.deepEqual(order, ['k1', 'k2', 'k3', 'k4', 'd1', 'k5', 'd2', 'k6'])
  assert.equal(turns.length, 0)
  assert.deepEqual(await Promise.all(results), ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'd1', 'd2'])
})

test('a request that waits, then fails, rejects its caller (thrown or rejected alike)', async () => {
  const loop = fakeLoop()
  const turns = new FairTurns({ sliceMs: 1, now: loop.now, defer: loop.defer })
  await turns.run('a', async () => loop.advance(5))
  const rejected = turns.run('a', () => Promise.reject(new Error('conflict')))
  const thrown = turns.run('b', () => {
    throw new Error('bad request')
  })
  await loop.turn()
  await assert.rejects(rejected, /conflict/)
  await assert.rejects(thrown, /bad request/)
})

test('a new turn opens a new slice: the next request after a quiet turn runs at once', async () => {
  const loop = fakeLoop()
  const turns = new FairTurns({ sliceMs: 5, now: loop.now, defer: loop.defer })
  await turns.run('a', async () => loop.advance(10))
  await loop.turn() // the turn ends, and its slice with it
  let ran = false
  void turns.run('a', async () => void (ran = true))
  assert.equal(ran, true)
})

test('a slice lasts as long as the rest of the loop took since the last one, within [sliceMs, maxSliceMs]', async () => {
  const loop = fakeLoop()
  const turns = new FairTurns({ sliceMs: 5, maxSliceMs: 12, now: loop.now, defer: loop.defer })
  const ran: number[] = []
  const req = (i: number) => async () => {
    ran.push(i)
    loop.advance(2)
  }
  const all = Array.from({ length: 20 }, (_, i) => turns.run('a', req(i)))
  assert.equal(ran.length, 3) // 0, 2, 4 ms: a 5 ms slice (nothing ran before it)
  loop.advance(9) // the rest of the loop (a slow fsync): 15 - 5 = 10 ms since the slice ran out
  await loop.turn()
  assert.equal(ran.length, 3 + 5) // a 10 ms slice
  loop.advance(30)
  await loop.turn()
  assert.equal(ran.length, 3 + 5 + 6) // capped at 12 ms
  await loop.turn()
  assert.equal(ran.length, 3 + 5 + 6 + 3) // nothing else ran: back to 5 ms
  for (let i = 0; i < 3; i++) await loop.turn()
  await Promise.all(all)
})

test('sliceMs must be positive', () => {
  assert.throws(() => new FairTurns({ sliceMs: 0 }), /sliceMs must be > 0, got 0/)
})
