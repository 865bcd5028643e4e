import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BackOff } from './backoff.js'

test('crash loop back-off: first restart at once, then 10 s doubling to 5 min', () => {
  const b = new BackOff()
  let t = 0
  // First exit: no entry yet, so no wait; next() arms 10 s.
  assert.equal(b.isInBackOffSince('web', t, t), false)
  b.next('web', t, t)
  const delays: number[] = []
  for (let i = 0; i < 8; i++) {
    t += 1000 // the container ran 1 s and exited again
    const exited = t
    assert.equal(b.isInBackOffSince('web', exited, t), true)
    delays.push(b.get('web'))
    t += b.remaining('web', exited, t)
    assert.equal(b.isInBackOffSince('web', exited, t), false)
    b.next('web', t, t)
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000])
})

test('back-off resets after twice the maximum (10 min) without an update', () => {
  const b = new BackOff()
  b.next('web', 0, 0)
  b.next('web', 1, 1)
  assert.equal(b.get('web'), 20_000)
  const later = 1 + 10 * 60_000 + 1
  assert.equal(b.isInBackOffSince('web', later, later), false)
  b.next('web', later, later)
  assert.equal(b.get('web'), 10_000)
})

test('remaining is zero when not in back-off', () => {
  const b = new BackOff({ initialMs: 100, maxMs: 1000 })
  assert.equal(b.remaining('x', 0, 0), 0)
  b.next('x', 0, 0)
  assert.equal(b.remaining('x', 0, 30), 70)
})

test('since the update (image pulls): each failure waits 10 s, 20 s, ... from the failure', () => {
  const b = new BackOff()
  assert.equal(b.isInBackOffSinceUpdate('image:nginx', 0), false)
  b.next('image:nginx', 0, 0)
  assert.equal(b.isInBackOffSinceUpdate('image:nginx', 9_999), true)
  assert.equal(b.isInBackOffSinceUpdate('image:nginx', 10_000), false)
  b.next('image:nginx', 10_000, 10_000)
  assert.equal(b.isInBackOffSinceUpdate('image:nginx', 29_999), true)
  assert.equal(b.isInBackOffSinceUpdate('image:nginx', 30_000), false)
  assert.equal(b.isInBackOffSinceUpdate('image:other', 10_001), false)
})
