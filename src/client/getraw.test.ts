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

test("getRaw reads an object's scale over HTTP and in-process alike (the disruption controller's /scale)", async () => {
  const api = buildApiServer({ store: new MemoryStore(), serverAddress: '127.0.0.1:0', tokens: ['secret'] })
  await bootstrapNamespaces(api)
  const d = await api.resource('apps', 'deployments')!.create(
    'default',
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
    {},
  )
  await api.resource('', 'configmaps')!.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }, {})
  const server = createServer(api.handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const http = await HttpClient.connect({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'secret' })
  try {
    for (const c of [http, localClient(api, 'test')]) {
      const scale = (await c.getRaw!('/apis/apps/v1/namespaces/default/deployments/web/scale')) as { kind: string; metadata: { uid: string }; spec: { replicas: number } }
      assert.deepEqual([scale.kind, scale.metadata.uid, scale.spec.replicas], ['Scale', d.metadata.uid, 3])
      await assert.rejects(c.getRaw!('/apis/apps/v1/namespaces/default/deployments/nope/scale'), (err) => statusCode(err) === 404)
      // A kind without a scale subresource: 404 as well.
      await assert.rejects(c.getRaw!('/api/v1/namespaces/default/configmaps/cm/scale'), (err) => statusCode(err) === 404)
    }
  } finally {
    await http.close()
    await new Promise((r) => server.close(r))
  }
})
