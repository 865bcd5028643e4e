// Client.getRaw: the same non-resource GET (the traffic report) over HTTP and in-process, with the
// server's Status errors (404 for an unknown Service or path, 400 for a bad window).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bootstrapNamespaces, buildApiServer, localClient } from '../cli/wiring.js'
import { MemoryStore } from '../store/memory/memory.js'
import type { TrafficQuery } from '../apis/traffic/report.js'
import { statusCode } from './errors.js'
import { HttpClient } from './http.js'

test('getRaw reads /traffic/v1 over HTTP and in-process alike', async () => {
  const asked: TrafficQuery[] = []
  const api = buildApiServer({
    store: new MemoryStore(),
    serverAddress: '127.0.0.1:0',
    tokens: ['secret'],
    traffic: {
      report: (q) => {
        asked.push(q)
        return { kind: 'TrafficReport', apiVersion: 'traffic.kubelite.io/v1alpha1', namespace: q.namespace, service: q.service, window: { start: '', end: '', seconds: q.windowSeconds, stepSeconds: q.stepSeconds }, groups: [] }
      },
    },
  })
  await bootstrapNamespaces(api)
  await api.resource('', 'services')!.create('default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } }, {})
  const server = createServer(api.handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const http = await HttpClient.connect({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'secret' })
  const local = localClient(api, 'test')
  try {
    for (const c of [http, local]) {
      const r = (await c.getRaw!('/traffic/v1/namespaces/default/services/web?window=30s&step=5s')) as { service: string; window: { seconds: number; stepSeconds: number } }
      assert.deepEqual([r.service, r.window.seconds, r.window.stepSeconds], ['web', 30, 5])
      await assert.rejects(c.getRaw!('/traffic/v1/namespaces/default/services/nope'), (err) => statusCode(err) === 404)
      await assert.rejects(c.getRaw!('/traffic/v1/namespaces/default/services/web?window=20m'), (err) => statusCode(err) === 400)
    }
    assert.equal(asked.length, 2)
    await assert.rejects(local.getRaw!('/version/nope'), (err) => statusCode(err) === 404)
  } finally {
    await http.close()
    await new Promise((r) => server.close(r))
  }
})
