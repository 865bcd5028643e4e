import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WorkQueue } from '../../client/workqueue.js'
import { FakeClock } from '../../lib/clock.js'
import { TerminalError } from './errors.js'
import { runWorkers, type Result } from './runner.js'

/** Runs `reconcile` over one key with a fake clock; returns the attempts seen and the log lines. */
async function drive(reconcile: (attempt: number) => Promise<Result | void>, steps: number[]) {
  const clock = new FakeClock(0)
  const queue = new WorkQueue({ clock })
  const attempts: number[] = []
  const logged: string[] = []
  const abort = new AbortController()
  const running = runWorkers(
    queue,
    {
      name: 'test',
      reconcile: async () => {
        attempts.push(clock.now())
        return reconcile(attempts.length)
      },
    },
    1,
    abort.signal,
    { error: (_obj, msg) => logged.push(msg ?? '') },
  )
  queue.add('ns/x')
  const settle = () => new Promise((r) => setImmediate(r))
  await settle()
  for (const ms of steps) {
    clock.step(ms)
    await settle()
  }
  abort.abort()
  await running
  return { attempts, logged }
}

test('a transient failure is retried with back-off: 5 ms, then 10 ms', async () => {
  const { attempts, logged } = await drive(async (n) => {
    if (n <= 2) throw new Error('boom')
  }, [4, 1, 9, 1, 100])
  assert.deepEqual(attempts, [0, 5, 15])
  assert.deepEqual(logged, ['reconcile failed; will retry', 'reconcile failed; will retry'])
})

test('a 409 Conflict is retried quietly', async () => {
  const conflict = Object.assign(new Error('conflict'), { status: { reason: 'Conflict', code: 409 } })
  const { attempts, logged } = await drive(async (n) => {
    if (n === 1) throw conflict
  }, [5, 100])
  assert.deepEqual(attempts, [0, 5])
  assert.deepEqual(logged, [])
})

test('a TerminalError is logged once and not retried', async () => {
  const { attempts, logged } = await drive(async () => {
    throw new TerminalError('bad spec')
  }, [5, 10, 20, 1000])
  assert.deepEqual(attempts, [0])
  assert.deepEqual(logged, ['reconcile failed; not retrying'])
})

test('requeueAfterMs brings the key back when it falls due', async () => {
  const { attempts } = await drive(async (n) => (n === 1 ? { requeueAfterMs: 1000 } : undefined), [999, 1, 5000])
  assert.deepEqual(attempts, [0, 1000])
})
