import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WorkQueue } from './workqueue.js'
import { FakeClock } from '../lib/clock.js'

/** Take the one queued key and mark it done, as a worker that failed would before requeueing. */
async function takeDone(q: WorkQueue, want: string): Promise<void> {
  assert.equal(q.length, 1, `expected ${want} alone in the queue`) // never await a get() that cannot return
  assert.equal(await q.get(), want)
  q.done(want)
}

/** Assert n keys become available exactly delayMs from now: not 1 ms before, and right at it. */
function assertDueIn(clock: FakeClock, q: WorkQueue, delayMs: number, msg: string, n = 1): void {
  const before = q.length
  clock.step(delayMs - 1)
  assert.equal(q.length, before, `${msg}: available before ${delayMs} ms`)
  clock.step(1)
  assert.equal(q.length, before + n, `${msg}: not available at ${delayMs} ms`)
}

test('a key is queued once and re-queued (once) when added during processing', async () => {
  const q = new WorkQueue({ clock: new FakeClock() })
  q.add('a')
  q.add('a')
  q.add('b')
  assert.equal(q.length, 2)
  const k = await q.get()
  assert.equal(k, 'a')
  q.add('a') // while processing: marked dirty, not queued twice
  q.add('a')
  assert.equal(q.length, 1)
  q.done('a')
  assert.equal(q.length, 2)
  assert.equal(await q.get(), 'b')
  assert.equal(await q.get(), 'a')
  q.done('a')
  q.done('b')
  assert.equal(q.length, 0) // the dirty mark was consumed: no third pass
})

test('rate-limited retries back off 5, 10, 20, 40 ms, then stay at the cap', async () => {
  const clock = new FakeClock()
  const q = new WorkQueue({ clock, maxDelayMs: 80 })
  const want = [5, 10, 20, 40, 80, 80, 80]
  for (const [i, ms] of want.entries()) {
    q.addRateLimited('x')
    assert.equal(q.retries('x'), i + 1)
    assertDueIn(clock, q, ms, `failure ${i + 1}`)
    await takeDone(q, 'x')
  }
})

test('the default cap is 60 s and the per-key back-off is per key', async () => {
  const clock = new FakeClock()
  const q = new WorkQueue({ clock })
  for (let i = 0; i < 20; i++) q.addRateLimited('slow') // 5 ms · 2^19 is far beyond the cap
  clock.step(5)
  await takeDone(q, 'slow')
  q.addRateLimited('slow')
  q.addRateLimited('fresh') // its own first failure: 5 ms, not slow's 60 s
  assertDueIn(clock, q, 5, 'fresh')
  await takeDone(q, 'fresh')
  assertDueIn(clock, q, 60_000 - 5, 'slow')
})

test('forget resets the back-off to the base delay', async () => {
  const clock = new FakeClock()
  const q = new WorkQueue({ clock, baseDelayMs: 1000, maxDelayMs: 10_000 })
  q.addRateLimited('x')
  assertDueIn(clock, q, 1000, 'first')
  await takeDone(q, 'x')
  q.addRateLimited('x')
  assertDueIn(clock, q, 2000, 'second')
  await takeDone(q, 'x')
  q.forget('x')
  assert.equal(q.retries('x'), 0)
  q.addRateLimited('x')
  assertDueIn(clock, q, 1000, 'after forget')
})

test('the bucket lets 100 retries through, then spaces them 100 ms apart at 10 qps', () => {
  const clock = new FakeClock()
  const q = new WorkQueue({ clock })
  for (let i = 0; i < 102; i++) q.addRateLimited(`k${i}`)
  // The first 100 wait only for their own first back-off (5 ms).
  assertDueIn(clock, q, 5, 'burst', 100)
  // The 101st waits for a token: 1 / 10 qps = 100 ms after the storm; the 102nd 200 ms.
  assertDueIn(clock, q, 100 - 5, '101st')
  assertDueIn(clock, q, 100, '102nd')
})

test('the bucket refills at qps: after 1 s, 10 more go at once', () => {
  const clock = new FakeClock()
  const q = new WorkQueue({ clock, qps: 10, burst: 100 })
  for (let i = 0; i < 100; i++) q.addRateLimited(`a${i}`)
  clock.step(1000) // the bucket is empty now; 1 s refills 10 tokens
  assert.equal(q.length, 100)
  for (let i = 0; i < 11; i++) q.addRateLimited(`b${i}`)
  assertDueIn(clock, q, 5, '10 refilled', 10)
  assertDueIn(clock, q, 100 - 5, '11th')
})

test('the bucket charges addRateLimited only, and qps Infinity turns it off', () => {
  const clock = new FakeClock()
  const q = new WorkQueue({ clock, burst: 1 })
  for (let i = 0; i < 500; i++) q.add(`plain${i}`)
  for (let i = 0; i < 500; i++) q.addAfter(`later${i}`, 1)
  clock.step(1)
  assert.equal(q.length, 1000)
  q.addRateLimited('first') // still gets the only token: 5 ms
  assertDueIn(clock, q, 5, 'first')
  const off = new WorkQueue({ clock, qps: Infinity, burst: 1 })
  for (let i = 0; i < 50; i++) off.addRateLimited(`k${i}`)
  clock.step(5)
  assert.equal(off.length, 50)
})

test('addAfter: the sooner due time wins, the later one is dropped', async () => {
  const clock = new FakeClock()
  const q = new WorkQueue({ clock })
  q.addAfter('k', 100)
  q.addAfter('k', 10) // sooner: replaces
  q.addAfter('k', 50) // later: ignored
  assertDueIn(clock, q, 10, 'sooner')
  await takeDone(q, 'k')
  clock.step(200)
  assert.equal(q.length, 0) // neither the 50 ms nor the 100 ms add fires later
  assert.equal(clock.waiters, 0)
  q.addAfter('now', 0)
  assert.equal(q.length, 1)
})

test('a get() waiting on an empty queue is woken when a delayed key falls due', async () => {
  const clock = new FakeClock()
  const q = new WorkQueue({ clock })
  const got = q.get()
  q.addAfter('k', 30)
  clock.step(30)
  assert.equal(await got, 'k')
})

test('shutdown releases waiting get() calls, cancels timers and ignores later adds', async () => {
  const clock = new FakeClock()
  const q = new WorkQueue({ clock })
  const waiting = [q.get(), q.get()]
  q.addAfter('later', 1000)
  q.addRateLimited('retry')
  assert.equal(clock.waiters, 2)
  q.shutdown()
  assert.deepEqual(await Promise.all(waiting), [undefined, undefined])
  assert.equal(clock.waiters, 0)
  q.add('x')
  q.addAfter('y', 1)
  clock.step(2000)
  assert.equal(q.length, 0)
  assert.equal(await q.get(), undefined)
})

test('options are checked on entry', () => {
  assert.throws(() => new WorkQueue({ baseDelayMs: 0 }), /^Error: WorkQueue: baseDelayMs must be a finite number > 0, got 0$/)
  assert.throws(() => new WorkQueue({ baseDelayMs: 10, maxDelayMs: 5 }), /^Error: WorkQueue: maxDelayMs must be >= baseDelayMs \(10\), got 5$/)
  assert.throws(() => new WorkQueue({ qps: 0 }), /^Error: WorkQueue: qps must be > 0 \(Infinity for no limit\), got 0$/)
  assert.throws(() => new WorkQueue({ burst: 0.5 }), /^Error: WorkQueue: burst must be an integer >= 1, got 0.5$/)
  assert.doesNotThrow(() => new WorkQueue({ baseDelayMs: 1000, maxDelayMs: 10_000 })) // the scheduler's shape
})
