import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { InflightRequests } from './up.js'

test('a shutdown waits for requests in flight, not for watches, and gives up after its bound', async () => {
  const inflight = new InflightRequests()
  const handled: string[] = []
  const handle = inflight.track((req) => handled.push(req.url!))
  const res = () => new EventEmitter() as unknown as ServerResponse
  const a = res()
  const w = res()
  handle({ url: '/api/v1/namespaces/default/configmaps' } as IncomingMessage, a)
  handle({ url: '/api/v1/configmaps?watch=true' } as IncomingMessage, w)
  assert.deepEqual(handled, ['/api/v1/namespaces/default/configmaps', '/api/v1/configmaps?watch=true'])
  const waiting = inflight.drained(60_000)
  let settled = false
  void waiting.then(() => (settled = true))
  await new Promise((r) => setImmediate(r))
  assert.equal(settled, false, 'the create is still running')
  ;(a as unknown as EventEmitter).emit('close')
  assert.equal(await waiting, 0)
  const b = res()
  handle({ url: '/api/v1/pods' } as IncomingMessage, b)
  assert.equal(await inflight.drained(10), 1, 'bounded: one left after the bound')
})
