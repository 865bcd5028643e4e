import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { InflightRequests, isLongRunning } from './up.js'

test('long-running requests as upstream --long-running-request-regexp (and watch=true) names them', () => {
  for (const url of [
    '/api/v1/namespaces/default/pods?watch=true',
    '/api/v1/pods?watch=1&resourceVersion=5',
    '/api/v1/watch/pods',
    '/api/v1/namespaces/default/pods/web/log?follow=true',
    '/api/v1/namespaces/default/pods/web/exec?command=sh',
    '/api/v1/namespaces/default/pods/web/attach',
    '/api/v1/namespaces/default/pods/web/portforward',
    '/api/v1/namespaces/default/services/web/proxy/some/path',
  ])
    assert.equal(isLongRunning(url), true, url)
  for (const url of ['/api/v1/namespaces/default/pods', '/api/v1/pods?watch=false', '/apis/apps/v1/namespaces/default/deployments/web', '/api/v1/namespaces/default/configmaps/logbook'])
    assert.equal(isLongRunning(url), false, url)
})

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
