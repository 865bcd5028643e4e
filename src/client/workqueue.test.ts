import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WorkQueue } from './workqueue.js'

test('a key is queued once and re-queued when added during processing', async () => {
  const q = new WorkQueue()
  q.add('a')
  q.add('a')
  q.add('b')
  assert.equal(q.length, 2)
  const k = await q.get()
  assert.equal(k, 'a')
  q.add('a') // while processing: marked dirty, not queued twice
  assert.equal(q.length, 1)
  q.done('a')
  assert.equal(q.length, 2)
  assert.equal(await q.get(), 'b')
  assert.equal(await q.get(), 'a')
})

test('rate-limited retries back off exponentially and forget resets them', async () => {
  const q = new WorkQueue({ baseDelayMs: 1, maxDelayMs: 4 })
  q.addRateLimited('x')
  q.addRateLimited('x')
  q.addRateLimited('x')
  assert.equal(q.retries('x'), 3)
  assert.equal(await q.get(), 'x')
  q.done('x')
  q.forget('x')
  assert.equal(q.retries('x'), 0)
  q.shutdown()
  assert.equal(await q.get(), undefined)
})
