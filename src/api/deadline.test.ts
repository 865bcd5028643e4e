import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildApiServer } from '../cli/wiring.js'
import { MemoryStore } from '../store/memory/memory.js'
import type { SubresourceHandler } from './server.js'

function get(port: number, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }))
    })
      .on('error', reject)
      .end('{}')
  })
}

test('a request past its deadline gets upstream 504 at once; the late answer is dropped', async (t) => {
  let finished = false
  // A subresource whose handler takes 400 ms (a stand-in for any slow write).
  const slow: SubresourceHandler = {
    info: { name: 'slow', responseKind: { group: '', version: 'v1', kind: 'Status' }, verbs: ['create'] },
    async handle({ res }) {
      await new Promise((r) => setTimeout(r, 400))
      finished = true
      res.writeHead(201, { 'content-type': 'application/json' })
      res.end('{"late":true}')
    },
  }
  const api = buildApiServer({ store: new MemoryStore(), serverAddress: '127.0.0.1:6443', subresources: new Map([['pods/slow', slow]]) })
  const server = createServer(api.handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  t.after(() => server.close())
  const { port } = server.address() as AddressInfo
  await get(port, '/api/v1/namespaces')
  const timedOut = await get(port, '/api/v1/namespaces/default/pods/p/slow?timeout=100ms')
  assert.equal(timedOut.status, 504)
  assert.deepEqual(timedOut.body, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Timeout: request did not complete within requested timeout - context deadline exceeded',
    reason: 'Timeout',
    code: 504,
  })
  assert.equal(finished, false, 'answered before the handler finished')
  const inTime = await get(port, '/api/v1/namespaces/default/pods/p/slow?timeout=5s')
  assert.deepEqual([inTime.status, inTime.body], [201, { late: true }])
  const bad = await get(port, '/api/v1/namespaces/default/pods/p/slow?timeout=soon')
  assert.equal(bad.status, 400)
})
