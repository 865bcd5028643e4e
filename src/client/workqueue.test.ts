import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setWorkQueueMetricsProvider, WorkQueue, type WorkQueueMetricsProvider } from './workqueue.js'
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

/** A provider that records what each named queue reports, and which observers were asked for. */
function recordingProvider() {
  const q: Record<string, { depth: number; adds: number; retries: number; waits: number[]; works: number[] }> = {}
  const asked: string[] = []
  const of = (name: string, what: string) => {
    asked.push(`${what} ${name}`)
    return (q[name] ??= { depth: 0, adds: 0, retries: 0, waits: [], works: [] })
  }
  const provider: WorkQueueMetricsProvider = {
    depth: (name) => {
      const x = of(name, 'depth')
      return (d) => void (x.depth += d)
    },
    adds: (name) => {
      const x = of(name, 'adds')
      return () => void x.adds++
    },
    retries: (name) => {
      const x = of(name, 'retries')
      return () => void x.retries++
    },
    queueDuration: (name) => {
      const x = of(name, 'queueDuration')
      return (s) => void x.waits.push(s)
    },
    workDuration: (name) => {
      const x = of(name, 'workDuration')
      return (s) => void x.works.push(s)
    },
  }
  return { provider, queues: q, asked }
}

test('metrics: depth, adds, waits, work and retries as client-go counts them', async (t) => {
  const m = recordingProvider()
  setWorkQueueMetricsProvider(m.provider)
  t.after(() => setWorkQueueMetricsProvider(undefined))
  const clock = new FakeClock()
  const q = new WorkQueue({ clock, name: 'q' })
  assert.deepEqual(m.asked.sort(), ['adds q', 'depth q', 'queueDuration q', 'retries q', 'workDuration q']) // once each, at naming
  const x = m.queues.q!
  q.add('a')
  q.add('a') // already waiting: not an add
  q.add('b')
  assert.deepEqual([x.adds, x.depth], [2, 2])
  clock.step(30)
  assert.equal(await q.get(), 'a')
  assert.equal(x.depth, 1)
  q.add('a') // while processed: an add, waiting again
  q.add('a')
  assert.deepEqual([x.adds, x.depth], [3, 2])
  clock.step(20)
  q.done('a') // back in the queue without counting again
  assert.deepEqual([x.adds, x.depth, q.length], [3, 2, 2])
  assert.equal(await q.get(), 'b')
  assert.equal(await q.get(), 'a')
  assert.equal(x.depth, 0)
  clock.step(5)
  q.done('b')
  q.done('a')
  assert.deepEqual(x.waits, [0.03, 0.05, 0.02]) // a: 30 ms; b: 50 ms; a again: from its add while processed
  assert.deepEqual(x.works, [0.02, 0.005, 0.005])
  q.addRateLimited('c')
  q.addAfter('d', 10)
  q.addAfter('e', 0) // at once, still a retry as client-go's AddAfter counts it
  assert.deepEqual([x.retries, x.adds, x.depth], [3, 4, 1])
  clock.step(10)
  assert.deepEqual([x.adds, x.depth], [6, 3])
})

test('metrics: a queue named late reports what it counted before its name; an unnamed one nothing', async (t) => {
  const m = recordingProvider()
  setWorkQueueMetricsProvider(m.provider)
  t.after(() => setWorkQueueMetricsProvider(undefined))
  const clock = new FakeClock()
  const q = new WorkQueue({ clock })
  q.add('a')
  q.add('b')
  q.addAfter('c', 5)
  assert.equal(await q.get(), 'a')
  assert.deepEqual(m.asked, []) // no name yet: nothing asked
  q.nameForMetrics('late')
  q.nameForMetrics('other') // the first name stays
  const x = m.queues.late!
  assert.deepEqual([x.adds, x.retries, x.depth], [2, 1, 1])
  assert.equal(m.queues.other, undefined)
  clock.step(5)
  assert.deepEqual([x.adds, x.depth], [3, 2])
  q.done('a')
  assert.equal(await q.get(), 'b')
  assert.deepEqual(x.waits, [0.005]) // b waited from its add (before the name) to its get
  assert.equal(x.works.length, 0) // a was taken before the queue had a name

  setWorkQueueMetricsProvider(undefined)
  const plain = new WorkQueue({ clock, name: 'plain' }) // made without a provider: never reports
  setWorkQueueMetricsProvider(m.provider)
  plain.add('k')
  assert.equal(await plain.get(), 'k')
  plain.done('k')
  assert.equal(m.queues.plain, undefined)
})

test('cancelAfter drops a pending delayed add; an add that is queued already stays', async () => {
  const clock = new FakeClock()
  const q = new WorkQueue({ clock })
  q.addAfter('a', 100)
  q.addAfter('b', 100)
  q.cancelAfter('a')
  assert.equal(clock.waiters, 1)
  clock.step(100)
  assert.equal(q.length, 1)
  assert.equal(await q.get(), 'b')
  q.add('c')
  q.cancelAfter('c')
  assert.equal(q.length, 1)
})
