import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FakeClock, realClock } from './clock.js'

test('FakeClock fires a timer exactly when its due time is reached', () => {
  const clock = new FakeClock(1000)
  const fired: number[] = []
  clock.setTimeout(() => fired.push(clock.now()), 10)
  clock.step(9)
  assert.deepEqual(fired, [])
  assert.equal(clock.now(), 1009)
  clock.step(1)
  assert.deepEqual(fired, [1010])
  assert.equal(clock.waiters, 0)
})

test('FakeClock fires due timers in due order, ties in the order they were set', () => {
  const clock = new FakeClock()
  const fired: string[] = []
  clock.setTimeout(() => fired.push('c@30'), 30)
  clock.setTimeout(() => fired.push('a@10'), 10)
  clock.setTimeout(() => fired.push('b1@20'), 20)
  clock.setTimeout(() => fired.push('b2@20'), 20)
  clock.setTimeout(() => fired.push('d@31'), 31)
  clock.step(30)
  assert.deepEqual(fired, ['a@10', 'b1@20', 'b2@20', 'c@30'])
  assert.equal(clock.waiters, 1)
  assert.equal(clock.now(), 30)
})

test('a timer set by a firing timer fires in the same step if it falls due within it', () => {
  const clock = new FakeClock()
  const fired: [string, number][] = []
  clock.setTimeout(() => {
    fired.push(['outer', clock.now()])
    clock.setTimeout(() => fired.push(['inner', clock.now()]), 5)
    clock.setTimeout(() => fired.push(['late', clock.now()]), 50)
  }, 10)
  clock.step(20)
  assert.deepEqual(fired, [['outer', 10], ['inner', 15]])
  assert.equal(clock.now(), 20)
  clock.setTime(60)
  assert.deepEqual(fired.at(-1), ['late', 60])
})

test('clearTimeout cancels; zero and negative delays fire on the next step(0)', () => {
  const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'))
  let n = 0
  const h = clock.setTimeout(() => n++, 5)
  clock.clearTimeout(h)
  clock.clearTimeout(h) // twice: ignored
  clock.setTimeout(() => (n += 10), 0)
  clock.setTimeout(() => (n += 100), -3)
  assert.equal(n, 0)
  clock.step(0)
  assert.equal(n, 110)
  clock.step(10)
  assert.equal(n, 110)
  assert.equal(clock.now(), Date.parse('2026-01-01T00:00:00.010Z'))
})

test('setTime backwards moves the clock without firing later timers', () => {
  const clock = new FakeClock(100)
  let fired = false
  clock.setTimeout(() => (fired = true), 10)
  clock.setTime(50)
  assert.equal(clock.now(), 50)
  assert.equal(fired, false)
  clock.setTime(110)
  assert.equal(fired, true)
  assert.throws(() => clock.step(-1), /FakeClock\.step: ms must be >= 0, got -1/)
})

test('realClock reads Date.now and fires real timers', async () => {
  const before = Date.now()
  assert.ok(Math.abs(realClock.now() - before) < 1000)
  await new Promise<void>((resolve) => realClock.setTimeout(resolve, 1))
  let fired = false
  realClock.clearTimeout(realClock.setTimeout(() => (fired = true), 1))
  await new Promise((r) => setTimeout(r, 5))
  assert.equal(fired, false)
})
