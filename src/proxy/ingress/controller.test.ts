// The Ingress controller against an in-process API server, with a plain HTTP server standing in
// for the Service proxy's ClusterIP listener. Addresses reserved for these tests: 127.96.252.x.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http'
import { connect } from 'node:net'
import { ApiServer } from '../../api/server.js'
import type { StoredObject } from '../../apis/meta.js'
import { inProcessClient } from '../../client/inprocess.js'
import { builtInResources } from '../../registry/index.js'
import { MemoryStore } from '../../store/index.js'
import { IngressProxy } from './controller.js'
import { until } from '../../../test/kit/until.js'

const clusterIP = '127.96.252.1'

function send(port: number, host: string, path: string, method = 'GET', body?: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { host }, agent: false }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('serves the Ingresses of its class: routes, forwards headers and bodies, writes the status address, answers 404/503', async (t) => {
  const store = new MemoryStore()
  const api = new ApiServer({ resources: builtInResources(), store, serverAddress: '127.0.0.1:6443' })
  const client = inProcessClient({ resources: () => api.resourceInfos(), resource: (g, r) => api.resource(g, r) }, 'ingress-controller')
  // The Service "web" on 127.96.252.1:<port>: this server plays its ClusterIP listener.
  const backend: Server = createHttpServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, xff: req.headers['x-forwarded-for'], proto: req.headers['x-forwarded-proto'], body })))
  })
  backend.on('upgrade', (req, sock) => {
    sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Saw-Proto: ${req.headers['x-forwarded-proto']}\r\n\r\n`)
    sock.pipe(sock)
  })
  await new Promise<void>((r) => backend.listen(0, clusterIP, () => r()))
  const svcPort = (backend.address() as { port: number }).port
  const ingress = new IngressProxy(client)
  const { port } = await ingress.listen()
  const ac = new AbortController()
  const run = ingress.start(ac.signal)
  t.after(async () => {
    ac.abort()
    await run
    await new Promise((r) => backend.close(r))
    await store.close()
  })

  const classes = client.resource({ group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses' })
  const cls = await until('the kubelite IngressClass', () => classes.get(undefined, 'kubelite'))
  assert.deepEqual([cls.metadata.annotations, (cls.spec as { controller: string }).controller], [{ 'ingressclass.kubernetes.io/is-default-class': 'true' }, 'kubelite.io/ingress-controller'])

  await client.resource({ group: '', version: 'v1', resource: 'services' }).create('default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { clusterIP, ports: [{ name: 'http', port: svcPort, targetPort: 8080 }], selector: { app: 'web' } },
  })
  const slices = client.resource({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' })
  const slice = (ready: boolean) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.244.252.1'], conditions: { ready } }],
  })
  await slices.create('default', slice(false))
  const ingresses = client.resource({ group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' })
  const rule = (host: string, service: string, port: Record<string, unknown>) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port } } }] } })
  await ingresses.create('default', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'ours' }, spec: { ingressClassName: 'kubelite', rules: [rule('a.example.com', 'web', { name: 'http' }), rule('gone.example.com', 'nothing', { number: 80 })] } })
  await ingresses.create('default', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'theirs' }, spec: { ingressClassName: 'nginx', rules: [rule('b.example.com', 'web', { number: svcPort })] } })

  const status = await until('the status address', async () => {
    const i = await ingresses.get('default', 'ours')
    return (i.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress
  })
  assert.deepEqual(status, [{ ip: '127.0.0.1' }])

  assert.equal((await until('the route', async () => {
    const r = await send(port, 'a.example.com', '/')
    return r.code !== 404 && r
  })).code, 503, 'no ready endpoint: 503 as ingress-nginx')
  await slices.update({ ...(await slices.get('default', 'web-abcde')), endpoints: slice(true).endpoints } as StoredObject)
  const ok = await until('a.example.com to be routed', async () => {
    const r = await send(port, 'a.example.com', '/x?y=1', 'POST', 'hello')
    return r.code === 200 && JSON.parse(r.body)
  })
  assert.deepEqual(ok, { method: 'POST', url: '/x?y=1', host: 'a.example.com', xff: '127.0.0.1', proto: 'http', body: 'hello' })
  const other = await send(port, 'b.example.com', '/')
  assert.equal(other.code, 404, 'another class’s Ingress is not served')
  assert.match(other.body, /^<html>\r\n<head><title>404 Not Found<\/title><\/head>/)
  const theirs = (await ingresses.get('default', 'theirs')) as StoredObject & { status?: { loadBalancer?: { ingress?: unknown[] } } }
  assert.equal(theirs.status?.loadBalancer?.ingress, undefined, 'nor given an address')
  assert.equal((await send(port, 'gone.example.com', '/')).code, 503, 'a Service that does not exist')

  // An Upgrade request is carried through, then bytes flow both ways.
  const echoed = await new Promise<string>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/ws', headers: { host: 'a.example.com', connection: 'Upgrade', upgrade: 'echo' }, agent: false })
    req.on('upgrade', (res, sock) => {
      assert.equal(res.headers['x-saw-proto'], 'http')
      sock.write('ping')
      sock.once('data', (d) => {
        resolve(String(d))
        sock.destroy()
      })
    })
    req.on('error', reject)
    req.end()
  })
  assert.equal(echoed, 'ping')

  // Bytes that are neither HTTP nor TLS close that connection and nothing else.
  await new Promise<void>((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.end(Buffer.from([0, 1, 2, 3, 0x0d, 0x0a, 0x0d, 0x0a])))
    s.on('error', () => resolve())
    s.on('close', () => resolve())
    s.resume()
  })
  await new Promise<void>((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.end(Buffer.from([0x16, 3, 1, 0, 2, 9, 9])))
    s.on('error', () => resolve())
    s.on('close', () => resolve())
    s.resume()
  })
  assert.equal((await send(port, 'a.example.com', '/')).code, 200)

  // A kept-alive client connection does not hold the shutdown (t.after awaits the run).
  const kept = connect(port, '127.0.0.1')
  kept.on('error', () => {})
  await new Promise<void>((resolve) => {
    kept.once('data', () => resolve())
    kept.write('GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n')
  })
  t.after(() => kept.destroy())
})
