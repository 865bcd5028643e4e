import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import type { TrafficQuery, TrafficReport } from '../apis/traffic/report.js'
import { bootstrapNamespaces, buildApiServer } from '../cli/wiring.js'
import { MemoryStore } from '../store/index.js'
import { parseTrafficRequest } from './traffic.js'

test('parseTrafficRequest: paths, defaults, and 400s that name the parameter', () => {
  const q = (path: string, qs = '') => parseTrafficRequest(path, new URLSearchParams(qs))
  assert.deepEqual(q('/traffic/v1/namespaces/default/services/web'), { namespace: 'default', service: 'web', windowSeconds: 60, stepSeconds: 60 })
  assert.deepEqual(q('/traffic/v1/namespaces/default', 'window=5m&step=10s'), { namespace: 'default', windowSeconds: 300, stepSeconds: 10 })
  assert.deepEqual(q('/traffic/v1/namespaces/default/services/web', 'window=1m30s'), { namespace: 'default', service: 'web', windowSeconds: 90, stepSeconds: 90 })
  for (const path of ['/traffic/v1/namespaces', '/traffic/v1/namespaces/default/pods/x', '/traffic/v1/x']) assert.throws(() => q(path), (e: { status: { code: number } }) => e.status.code === 404, path)
  const bad: [string, RegExp][] = [
    ['window=abc', /^invalid window "abc": must be a duration/],
    ['window=16m', /^invalid window "16m": must be at least 1s and at most 15m/],
    ['window=500ms', /^invalid window/],
    ['step=0s', /^invalid step "0s"/],
    ['window=10s&step=20s', /^invalid step "20s": must be at least 1s and at most the window \(10s\)/],
  ]
  for (const [qs, re] of bad) assert.throws(() => q('/traffic/v1/namespaces/default', qs), (e: { status: { code: number; message: string; reason: string } }) => e.status.code === 400 && e.status.reason === 'BadRequest' && re.test(e.status.message), qs)
})

async function serve(traffic?: { report(q: TrafficQuery): TrafficReport }): Promise<{ url: string; close(): Promise<void>; api: ReturnType<typeof buildApiServer> }> {
  const api = buildApiServer({ store: new MemoryStore(), serverAddress: '127.0.0.1:0', tokens: ['secret'], traffic })
  await bootstrapNamespaces(api)
  const server: Server = createServer(api.handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return { api, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) }
}

test('GET /traffic/v1: 401 without a token, 404 for an unknown Service or without a source, the report otherwise', async () => {
  const asked: TrafficQuery[] = []
  const s = await serve({
    report(q) {
      asked.push(q)
      return { kind: 'TrafficReport', apiVersion: 'traffic.kubelite.io/v1alpha1', namespace: q.namespace, service: q.service, window: { start: 'a', end: 'b', seconds: q.windowSeconds, stepSeconds: q.stepSeconds }, groups: [] }
    },
  })
  const none = await serve()
  try {
    const get = async (base: string, path: string, auth = true) => {
      const r = await fetch(base + path, { headers: auth ? { authorization: 'Bearer secret' } : {} })
      return { code: r.status, body: (await r.json()) as Record<string, unknown> }
    }
    assert.equal((await get(s.url, '/traffic/v1/namespaces/default', false)).code, 401)
    const missing = await get(s.url, '/traffic/v1/namespaces/default/services/web')
    assert.equal(missing.code, 404)
    assert.equal(missing.body.message, 'services "web" not found')
    assert.equal((await get(s.url, '/traffic/v1/namespaces/nope')).body.message, 'namespaces "nope" not found')
    assert.equal((await get(s.url, '/traffic/v1/namespaces/default?window=x')).code, 400)
    await s.api.resource('', 'services')!.create('default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } })
    const ok = await get(s.url, '/traffic/v1/namespaces/default/services/web?window=2m&step=30s')
    assert.equal(ok.code, 200)
    assert.equal(ok.body.kind, 'TrafficReport')
    assert.deepEqual(asked, [{ namespace: 'default', service: 'web', windowSeconds: 120, stepSeconds: 30 }])
    const absent = await get(none.url, '/traffic/v1/namespaces/default')
    assert.equal(absent.code, 404)
    assert.equal(absent.body.kind, 'Status')
  } finally {
    await s.close()
    await none.close()
  }
})
