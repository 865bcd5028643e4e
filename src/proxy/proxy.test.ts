// The proxy against an in-process API server and real TCP backends. Addresses reserved for these
// tests: backends on 127.244.251.x, Service IPs and NodePorts on 127.96.251.x.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket, type Socket as DgramSocket } from 'node:dgram'
import { Agent as HttpAgent, createServer as createHttpServer, request as httpRequest } from 'node:http'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { Endpoint } from 'kubernetes-types/discovery/v1.js'
import { ApiServer } from '../api/server.js'
import type { StoredObject } from '../apis/meta.js'
import { InformerFactory } from '../client/factory.js'
import { inProcessClient } from '../client/inprocess.js'
import type { Client, ResourceClient } from '../client/types.js'
import { builtInResources } from '../registry/index.js'
import { MemoryStore } from '../store/index.js'
import { ServiceDialError, ServiceProxy } from './proxy.js'
import { until } from '../../test/kit/index.js'

interface Harness {
  client: Client
  proxy: ServiceProxy
  services: ResourceClient
  slices: ResourceClient
  pods: ResourceClient
  stop(): Promise<void>
}

/** shared: the proxy takes its informers from a factory it shares (as in `kubelite up`), else it watches on its own. */
async function harness(nodePortAddress: string, { shared = false } = {}): Promise<Harness> {
  const store = new MemoryStore()
  const api = new ApiServer({ resources: builtInResources(), store, serverAddress: '127.0.0.1:6443' })
  const client = inProcessClient({ resources: () => api.resourceInfos(), resource: (g, r) => api.resource(g, r) }, 'kube-proxy')
  const informers = shared ? new InformerFactory(client) : undefined
  const proxy = new ServiceProxy(client, { nodePortAddress, connectTimeoutsMs: [200, 200, 200, 200], resyncMs: 100, informers })
  const ac = new AbortController()
  const run = proxy.start(ac.signal)
  informers?.start(ac.signal)
  await proxy.waitForSync()
  return {
    client,
    proxy,
    services: client.resource({ group: '', version: 'v1', resource: 'services' }),
    slices: client.resource({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }),
    pods: client.resource({ group: '', version: 'v1', resource: 'pods' }),
    async stop() {
      ac.abort()
      await run
      await informers?.stopped()
      await store.close()
    },
  }
}

/** A test run twice: the proxy on informers of its own, then on a factory's it shares (as in `kubelite up`). */
function bothWays(name: string, fn: (shared: boolean) => Promise<void>): void {
  for (const shared of [false, true]) test(shared ? `${name} (shared informers)` : name, () => fn(shared))
}

const serviceObj = (name: string, clusterIP: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { type: 'ClusterIP', clusterIP, ports: [{ port: 8080, targetPort: 8080 }], selector: { app: name }, ...spec },
})

interface Backend {
  server: Server
  ip: string
  port: number
  tag: string
  /** Connections it accepted. */
  hits: number
}

/**
 * A backend that answers `<tag>` once the client half-closes (a request/response exchange),
 * or, with holdMs, writes `<tag>-start`, waits, then `-done` (a long in-flight request).
 */
async function backend(ip: string, tag: string, port = 0, holdMs = 0): Promise<Backend> {
  const b: Backend = { server: createServer({ allowHalfOpen: true }), ip, port, tag, hits: 0 }
  b.server.on('connection', (s: Socket) => {
    b.hits++
    s.on('error', () => {})
    if (holdMs) {
      s.write(`${tag}-start`)
      setTimeout(() => s.end('-done'), holdMs)
      s.resume()
      return
    }
    s.resume()
    s.on('end', () => s.end(tag))
  })
  await new Promise<void>((resolve, reject) => {
    b.server.once('error', reject)
    b.server.listen(port, ip, () => resolve())
  })
  b.port = (b.server.address() as AddressInfo).port
  return b
}

const closeServer = (s: Server) => new Promise<void>((r) => s.close(() => r()))

const endpoint = (b: Backend, ready = true, pod?: string): Endpoint => ({
  addresses: [b.ip],
  conditions: ready ? { ready: true, serving: true, terminating: false } : { ready: false, serving: true, terminating: true },
  ...(pod ? { targetRef: { kind: 'Pod', namespace: 'default', name: pod } } : {}),
})

async function putSlice(h: Harness, service: string, port: number, endpoints: Endpoint[], portName = '', name = `${service}-abcde`): Promise<void> {
  const body = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: portName, port, protocol: 'TCP' }],
    endpoints,
  }
  try {
    const cur = await h.slices.get('default', name)
    await h.slices.update({ ...cur, ports: body.ports, endpoints } as StoredObject)
  } catch {
    await h.slices.create('default', body)
  }
}

/** One exchange: send a byte, half-close, read to the end. Resolves with the answer; rejects on error. */
function request(host: string, port: number, localAddress?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, allowHalfOpen: true, ...(localAddress ? { localAddress } : {}) })
    let data = ''
    s.setEncoding('utf8')
    s.on('data', (c: string) => (data += c))
    s.on('error', reject)
    s.on('end', () => {
      s.end()
      if (data) resolve(data)
      else reject(new Error('closed without an answer'))
    })
    s.end('?')
  })
}

const tally = (answers: string[]) => answers.reduce<Record<string, number>>((m, a) => ((m[a] = (m[a] ?? 0) + 1), m), {})

/** Resolves once nothing listens on host:port (binding it succeeds). */
async function portIsFree(host: string, port: number): Promise<boolean> {
  const s = createServer()
  return new Promise((resolve) => {
    s.once('error', () => resolve(false))
    s.listen(port, host, () => s.close(() => resolve(true)))
  })
}

test('round-robin spreads connections evenly over three endpoints, on the ClusterIP and the NodePort', async () => {
  const h = await harness('127.96.251.250')
  const bs = await Promise.all([1, 2, 3].map((n) => backend(`127.244.251.${10 + n}`, `v${n}`, 0)))
  try {
    // Same target port on every backend, as Pods of one Deployment have.
    const port = bs[0].port
    for (const b of bs.slice(1)) await closeServer(b.server)
    const same = [bs[0], ...(await Promise.all([2, 3].map((n) => backend(`127.244.251.${10 + n}`, `v${n}`, port))))]
    await h.services.create('default', serviceObj('rr', '127.96.251.10', { type: 'NodePort', ports: [{ port: 18080, targetPort: port, nodePort: 30451 }] }))
    await putSlice(h, 'rr', port, same.map((b) => endpoint(b)))
    await until('three endpoints', () => h.proxy.backends('default/rr').length === 3)
    const viaClusterIP = await Promise.all(Array.from({ length: 30 }, () => request('127.96.251.10', 18080)))
    assert.deepEqual(tally(viaClusterIP), { v1: 10, v2: 10, v3: 10 })
    const viaNodePort = await Promise.all(Array.from({ length: 30 }, () => request('127.96.251.250', 30451)))
    assert.deepEqual(tally(viaNodePort), { v1: 10, v2: 10, v3: 10 })
    const text = await h.proxy.metricsText()
    assert.match(text, /kubelite_proxy_connections_total\{namespace="default",service="rr",port="18080"\} 60/)
    assert.match(text, new RegExp(`kubelite_proxy_endpoint_connections_total\\{namespace="default",service="rr",port="18080",endpoint="127.244.251.11:${port}",pod=""\\} 20`))
    assert.match(text, /kubelite_proxy_active_connections\{namespace="default",service="rr",port="18080"\} 0/)
    assert.match(text, /kubelite_proxy_bytes_in_total\{namespace="default",service="rr",port="18080"\} 60/)
    await Promise.all(same.map((b) => closeServer(b.server)))
  } finally {
    await h.stop()
  }
})

test('ClientIP session affinity keeps each client on one endpoint', async () => {
  const h = await harness('127.96.251.250')
  const bs = await Promise.all([1, 2, 3].map((n) => backend(`127.244.251.${20 + n}`, `a${n}`, 18081)))
  try {
    await h.services.create('default', serviceObj('sticky', '127.96.251.20', { sessionAffinity: 'ClientIP', ports: [{ port: 18080, targetPort: 18081 }] }))
    await putSlice(h, 'sticky', 18081, bs.map((b) => endpoint(b)))
    await until('three endpoints', () => h.proxy.backends('default/sticky').length === 3)
    const seen: string[] = []
    for (const client of ['127.0.0.21', '127.0.0.22', '127.0.0.23']) {
      const answers = []
      for (let i = 0; i < 6; i++) answers.push(await request('127.96.251.20', 18080, client))
      assert.equal(new Set(answers).size, 1, `${client} stuck to one endpoint: ${answers.join(',')}`)
      seen.push(answers[0])
    }
    assert.equal(new Set(seen).size, 3, 'different clients were spread')
  } finally {
    await Promise.all(bs.map((b) => closeServer(b.server)))
    await h.stop()
  }
})

test('an endpoint leaving the ready set gets no new connections while its in-flight connection completes', async () => {
  const h = await harness('127.96.251.250')
  const slow = await backend('127.244.251.31', 'slow', 18082, 400)
  const fast = await backend('127.244.251.32', 'fast', 18082)
  try {
    await h.services.create('default', serviceObj('drain', '127.96.251.30', { ports: [{ port: 18080, targetPort: 18082 }] }))
    await putSlice(h, 'drain', 18082, [endpoint(slow)])
    await until('slow endpoint', () => h.proxy.backends('default/drain').length === 1)
    const inFlight = new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.96.251.30', port: 18080 })
      let data = ''
      s.on('data', (c) => (data += c))
      s.on('error', reject)
      s.on('close', () => resolve(data))
    })
    await until('the long request to reach the slow endpoint', () => slow.hits === 1)
    // The agent marks the pod not ready / terminating; a new pod is ready.
    await putSlice(h, 'drain', 18082, [endpoint(slow, false), endpoint(fast)])
    await until('slow endpoint out of rotation', () => h.proxy.backends('default/drain').map((b) => b.ip).join() === fast.ip)
    const answers = await Promise.all(Array.from({ length: 10 }, () => request('127.96.251.30', 18080)))
    assert.deepEqual(tally(answers), { fast: 10 })
    assert.equal(slow.hits, 1, 'no new connection reached the draining endpoint')
    assert.equal(await inFlight, 'slow-start-done', 'the in-flight connection was not cut')
  } finally {
    await Promise.all([closeServer(slow.server), closeServer(fast.server)])
    await h.stop()
  }
})

test('a refused connect is retried on another endpoint; no endpoint at all closes the client', async () => {
  const h = await harness('127.96.251.250')
  const live = await backend('127.244.251.41', 'live', 18083)
  try {
    await h.services.create('default', serviceObj('retry', '127.96.251.40', { ports: [{ port: 18080, targetPort: 18083 }] }))
    // 127.244.251.42:18083 has no listener: its connects are refused.
    await putSlice(h, 'retry', 18083, [endpoint(live), { addresses: ['127.244.251.42'], conditions: { ready: true } }])
    await until('two endpoints', () => h.proxy.backends('default/retry').length === 2)
    const answers = await Promise.all(Array.from({ length: 8 }, () => request('127.96.251.40', 18080)))
    assert.deepEqual(tally(answers), { live: 8 })
    const text = await h.proxy.metricsText()
    assert.match(text, /kubelite_proxy_connect_retries_total\{namespace="default",service="retry",port="18080"\} 4/)
    assert.match(text, /kubelite_proxy_endpoint_connect_errors_total\{namespace="default",service="retry",port="18080",endpoint="127.244.251.42:18083",pod=""\} 4/)

    await putSlice(h, 'retry', 18083, [])
    await until('no endpoints', () => h.proxy.backends('default/retry').length === 0)
    await assert.rejects(request('127.96.251.40', 18080))
    assert.match(await h.proxy.metricsText(), /kubelite_proxy_rejected_connections_total\{namespace="default",service="retry",port="18080"\} 1/)
  } finally {
    await closeServer(live.server)
    await h.stop()
  }
})

bothWays('listeners follow the Service: port change, type change, deletion, proxy stop', async (shared) => {
  const h = await harness('127.96.251.251', { shared })
  const b = await backend('127.244.251.51', 'x', 18084)
  let stopped = false
  try {
    const created = await h.services.create('default', serviceObj('lst', '127.96.251.50', { type: 'NodePort', ports: [{ port: 18080, targetPort: 18084, nodePort: 30452 }] }))
    await putSlice(h, 'lst', 18084, [endpoint(b)])
    const listening = (addr: string) => h.proxy.listeners().some((l) => `${l.address}:${l.port}` === addr && l.state === 'listening')
    await until('both listeners', () => listening('127.96.251.50:18080') && listening('127.96.251.251:30452'))
    // Listeners and endpoints arrive through two informers: wait for the backend too.
    await until('the backend', () => h.proxy.backends('default/lst').length === 1)
    assert.equal(await request('127.96.251.251', 30452), 'x')

    const spec = created.spec as Record<string, unknown>
    const moved = await h.services.update({ ...created, spec: { ...spec, ports: [{ port: 18090, targetPort: 18084, nodePort: 30453, protocol: 'TCP' }] } } as StoredObject)
    await until('moved listeners', () => listening('127.96.251.50:18090') && listening('127.96.251.251:30453') && h.proxy.listeners().length === 2)
    assert.equal(await portIsFree('127.96.251.50', 18080), true)
    assert.equal(await portIsFree('127.96.251.251', 30452), true)
    assert.equal(await request('127.96.251.50', 18090), 'x')

    const spec2 = moved.spec as Record<string, unknown>
    await h.services.update({ ...moved, spec: { ...spec2, type: 'ClusterIP', ports: [{ port: 18090, targetPort: 18084, protocol: 'TCP' }] } } as StoredObject)
    await until('node port closed', () => h.proxy.listeners().length === 1)
    assert.equal(await portIsFree('127.96.251.251', 30453), true)

    await h.services.delete('default', 'lst')
    await until('no listeners', () => h.proxy.listeners().length === 0)
    assert.equal(await portIsFree('127.96.251.50', 18090), true)

    await h.services.create('default', serviceObj('lst2', '127.96.251.52', { ports: [{ port: 18080, targetPort: 18084 }] }))
    await until('listener', () => listening('127.96.251.52:18080'))
    await h.stop()
    stopped = true
    assert.equal(await portIsFree('127.96.251.52', 18080), true, 'stop closes every listener')
  } finally {
    await closeServer(b.server)
    if (!stopped) await h.stop()
  }
})

test('a listener whose address is taken is retried until it frees up', async () => {
  const h = await harness('127.96.251.250')
  const squatter = createServer()
  await new Promise<void>((r) => squatter.listen(18080, '127.96.251.60', () => r()))
  try {
    await h.services.create('default', serviceObj('busy', '127.96.251.60', { ports: [{ port: 18080 }] }))
    await until('failed listener', () => h.proxy.listeners().some((l) => l.state === 'failed'))
    await closeServer(squatter)
    await until('listener recovered', () => h.proxy.listeners().some((l) => l.state === 'listening'))
  } finally {
    if (squatter.listening) await closeServer(squatter)
    await h.stop()
  }
})

bothWays('the kubelite.io/traffic annotation splits a Service between canary and stable pods by their labels', async (shared) => {
  const h = await harness('127.96.251.250', { shared })
  const bs = await Promise.all([
    backend('127.244.251.71', 'stable', 18085),
    backend('127.244.251.72', 'stable', 18085),
    backend('127.244.251.73', 'canary', 18085),
  ])
  try {
    const pod = (name: string, version: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'w', version } }, spec: { containers: [{ name: 'c', image: 'x' }] } })
    await h.pods.create('default', pod('w-stable-1', 'stable'))
    await h.pods.create('default', pod('w-stable-2', 'stable'))
    await h.pods.create('default', pod('w-canary-1', 'canary'))
    await h.services.create('default', serviceObj('w', '127.96.251.70', { ports: [{ port: 18080, targetPort: 18085 }] }))
    await putSlice(h, 'w', 18085, [endpoint(bs[0], true, 'w-stable-1'), endpoint(bs[1], true, 'w-stable-2'), endpoint(bs[2], true, 'w-canary-1')])
    await until('three endpoints', () => h.proxy.backends('default/w').length === 3)
    // Without weights: round-robin over pods, 2:1 like the seed's two Deployments.
    assert.deepEqual(tally(await Promise.all(Array.from({ length: 30 }, () => request('127.96.251.70', 18080)))), { stable: 20, canary: 10 })
    const annotate = async (value: string) => {
      const cur = await h.services.get('default', 'w')
      await h.services.update({ ...cur, metadata: { ...cur.metadata, annotations: { 'kubelite.io/traffic': value } } })
    }
    await annotate(JSON.stringify({ backends: [{ name: 'canary', selector: { version: 'canary' }, weight: 10 }, { name: 'stable', weight: 90 }] }))
    await until('weights in force', () => h.proxy.trafficPolicy('default/w') !== undefined)
    assert.deepEqual(tally(await Promise.all(Array.from({ length: 40 }, () => request('127.96.251.70', 18080)))), { stable: 36, canary: 4 })
    assert.deepEqual(h.proxy.trafficPolicy('default/w')?.weights, [10, 90])
    // Measured per backend and Pod (these Pods have no ReplicaSet). These backends speak no HTTP:
    // TCP-mode connections count, as no request.
    const report = h.proxy.trafficReport({ namespace: 'default', service: 'w', windowSeconds: 60, stepSeconds: 60 })
    const weighted = report.groups.filter((g) => g.backend !== undefined).map((g) => [g.backend, g.pod, g.requests, g.connections])
    assert.deepEqual(weighted, [
      ['canary', 'w-canary-1', 0, 4],
      ['stable', 'w-stable-1', 0, 18],
      ['stable', 'w-stable-2', 0, 18],
    ])
    // Malformed: no change but back to the Service's own endpoints, and a Warning Event.
    await annotate(JSON.stringify({ backends: [{ name: 'canary', selector: { version: 'canary' }, weight: -1 }] }))
    await until('weights off', () => h.proxy.trafficPolicy('default/w') === undefined)
    const events = h.client.resource({ group: '', version: 'v1', resource: 'events' })
    let warned: { reason?: string; message?: string; type?: string } | undefined
    for (let end = Date.now() + 3000; !warned && Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      warned = ((await events.list('default')).items as { reason?: string; message?: string; type?: string }[]).find((e) => e.reason === 'InvalidTrafficAnnotation')
    }
    assert.equal(warned?.type, 'Warning')
    assert.match(warned?.message ?? '', /backends\[0\]\.weight: must be a number >= 0/)
    assert.deepEqual(tally(await Promise.all(Array.from({ length: 30 }, () => request('127.96.251.70', 18080)))), { stable: 20, canary: 10 })
  } finally {
    await Promise.all(bs.map((b) => closeServer(b.server)))
    await h.stop()
  }
})

bothWays('Services for another proxy and headless ones get no listener, and one that becomes so loses its own', async (shared) => {
  const h = await harness('127.96.251.250', { shared })
  try {
    const listening = (svc: string) => h.proxy.listeners().some((l) => l.service === `default/${svc}`)
    const labelled = (name: string, ip: string, labels: Record<string, string>) => {
      const o = serviceObj(name, ip, { ports: [{ port: 18080 }] })
      return { ...o, metadata: { ...o.metadata, labels } }
    }
    await h.services.create('default', labelled('other', '127.96.251.90', { 'service.kubernetes.io/service-proxy-name': 'someone-else' }))
    await h.services.create('default', labelled('nohead', '127.96.251.91', { 'service.kubernetes.io/headless': '' }))
    const mine = await h.services.create('default', serviceObj('mine', '127.96.251.92', { ports: [{ port: 18080 }] }))
    await until('our listener', () => listening('mine'))
    assert.equal(listening('other'), false)
    assert.equal(listening('nohead'), false)
    await assert.rejects(h.proxy.dialService('default', 'other', 18080), { code: 404 })
    // Handed to another proxy: ours closes, as if the Service were deleted.
    await h.services.update({ ...mine, metadata: { ...mine.metadata, labels: { 'service.kubernetes.io/service-proxy-name': 'someone-else' } } } as StoredObject)
    await until('our listener closed', () => !listening('mine'))
    assert.equal(await portIsFree('127.96.251.92', 18080), true)
  } finally {
    await h.stop()
  }
})

test('dialService connects by port number or name, with upstream errors otherwise', async () => {
  const h = await harness('127.96.251.250')
  const b = await backend('127.244.251.81', 'dialed', 18086)
  try {
    await h.services.create('default', serviceObj('dial', '127.96.251.80', { ports: [{ name: 'http', port: 18080, targetPort: 18086 }] }))
    await h.services.create('default', serviceObj('empty', '127.96.251.82', { ports: [{ port: 18080 }] }))
    await putSlice(h, 'dial', 18086, [endpoint(b)], 'http')
    await until('endpoint', () => h.proxy.backends('default/dial', 'http').length === 1)
    for (const port of [18080, '18080', 'http']) {
      const s = await h.proxy.dialService('default', 'dial', port)
      const answer = await new Promise<string>((resolve) => {
        let data = ''
        s.on('data', (c) => (data += c))
        s.on('end', () => resolve(data))
        s.end('?')
      })
      assert.equal(answer, 'dialed')
    }
    const fails: [Parameters<ServiceProxy['dialService']>, number, string][] = [
      [['default', 'nope', 80], 404, 'services "nope" not found'],
      [['default', 'nope', 'http'], 404, 'endpoints "nope" not found'],
      [['default', 'dial', 9999], 503, 'no service port 9999 found for service "dial"'],
      [['default', 'dial', 'grpc', { id: 'https:dial:grpc' }], 503, 'no endpoints available for service "https:dial:grpc"'],
      [['default', 'dial'], 503, 'no endpoints available for service "dial"'],
      [['default', 'empty', 18080], 503, 'no endpoints available for service "empty"'],
    ]
    await assert.rejects(new ServiceProxy(h.client).dialService('default', 'dial', 'http'), { code: 503, message: 'the service proxy is not running' })
    for (const [args, code, message] of fails) {
      await assert.rejects(h.proxy.dialService(...args), (err: unknown) => err instanceof ServiceDialError && err.code === code && err.message === message, JSON.stringify(args))
    }
  } finally {
    await closeServer(b.server)
    await h.stop()
  }
})

test('load: 2,000+ requests over 10 concurrent connections, zero failures while endpoints rotate one by one', async () => {
  const h = await harness('127.96.251.250')
  const port = 18087
  let n = 0
  const start = () => backend(`127.244.251.${100 + n}`, `pod${n++}`, port)
  let live: Backend[] = await Promise.all([start(), start(), start()])
  try {
    await h.services.create('default', serviceObj('load', '127.96.251.90', { ports: [{ port: 18080, targetPort: port }] }))
    const publish = (ready: Backend[], terminating: Backend[] = []) => putSlice(h, 'load', port, [...ready.map((b) => endpoint(b)), ...terminating.map((b) => endpoint(b, false))])
    await publish(live)
    await until('three endpoints', () => h.proxy.backends('default/load').length === 3)

    let rotating = true
    let ok = 0
    const failures: string[] = []
    const deadline = Date.now() + 8000
    const worker = async () => {
      while ((rotating || ok + failures.length < 2000) && ok + failures.length < 20_000 && Date.now() < deadline) {
        try {
          await request('127.96.251.90', 18080)
          ok++
        } catch (err) {
          failures.push((err as Error).message)
        }
      }
    }
    const workers = Array.from({ length: 10 }, worker)
    // A rolling update, one pod at a time: new pod ready, old pod not ready, drain, SIGTERM.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 60))
      const fresh = await start()
      const old = live[0]
      live = [...live.slice(1), fresh]
      await publish(live, [old])
      await new Promise((r) => setTimeout(r, 100)) // the agent's drain delay
      await closeServer(old.server)
      await publish(live)
    }
    // A pod that dies before its endpoint is withdrawn: its refused connects are retried elsewhere.
    await new Promise((r) => setTimeout(r, 60))
    const crashed = live[0]
    await closeServer(crashed.server)
    await new Promise((r) => setTimeout(r, 60))
    live = live.slice(1)
    await publish(live)
    await new Promise((r) => setTimeout(r, 60))
    rotating = false
    await Promise.all(workers)
    assert.deepEqual(failures, [])
    assert.ok(ok >= 2000, `${ok} requests`)
    const used = new Set(h.proxy.metrics.snapshot().endpoints.filter((e) => e.labels.service === 'load' && e.connections > 0).map((e) => e.labels.endpoint))
    assert.equal(used.size, 6, 'every pod, old and new, served traffic')
    const svcStats = h.proxy.metrics.snapshot().services.find((x) => x.labels.service === 'load')!
    assert.ok(svcStats.retries > 0 && svcStats.retries === svcStats.connectErrors, 'the crashed pod\'s refusals were retried')
  } finally {
    await Promise.all(live.map((b) => closeServer(b.server)))
    await h.stop()
  }
})

/** A UDP backend that answers each datagram with `<tag>:<datagram>`. */
async function udpBackend(ip: string, tag: string): Promise<{ socket: DgramSocket; port: number; hits: number }> {
  const socket = createSocket('udp4')
  const b = { socket, port: 0, hits: 0 }
  socket.on('message', (msg, rinfo) => {
    b.hits++
    socket.send(`${tag}:${msg.toString()}`, rinfo.port, rinfo.address)
  })
  await new Promise<void>((r) => socket.bind(0, ip, () => r()))
  b.port = socket.address().port
  return b
}

/** One datagram to host:port from a fresh socket; the first reply, and who sent it. */
function datagram(host: string, port: number, text: string, ms = 2000): Promise<{ text: string; from: string }> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4')
    const timer = setTimeout(() => {
      s.close()
      reject(new Error(`no reply from ${host}:${port}`))
    }, ms)
    s.on('message', (msg, rinfo) => {
      clearTimeout(timer)
      s.close()
      resolve({ text: msg.toString(), from: `${rinfo.address}:${rinfo.port}` })
    })
    s.send(text, port, host)
  })
}

bothWays('UDP Service ports: datagrams relayed per client flow to ready endpoints, replies from the ClusterIP; TCP on the same number apart', async (shared) => {
  const h = await harness('127.96.251.250', { shared })
  const [a, b] = await Promise.all([udpBackend('127.244.251.61', 'a'), udpBackend('127.244.251.62', 'b')])
  const tcp = await backend('127.244.251.63', 'tcp')
  try {
    await h.services.create(
      'default',
      serviceObj('udp', '127.96.251.60', {
        ports: [
          { name: 'dns', port: 18053, protocol: 'UDP', targetPort: a.port },
          { name: 'dns-tcp', port: 18053, protocol: 'TCP', targetPort: tcp.port },
        ],
      }),
    )
    const body = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'udp-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'udp' } },
      addressType: 'IPv4',
      ports: [{ name: 'dns', port: a.port, protocol: 'UDP' }],
      endpoints: [{ addresses: ['127.244.251.61'], conditions: { ready: true } }],
    }
    await h.slices.create('default', body)
    await h.slices.create('default', {
      ...body,
      metadata: { ...body.metadata, name: 'udp-tcp' },
      ports: [{ name: 'dns-tcp', port: tcp.port, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.244.251.63'], conditions: { ready: true } }],
    })
    await until('UDP and TCP endpoints', () => h.proxy.backends('default/udp', 'dns').length === 1 && h.proxy.backends('default/udp', 'dns-tcp').length === 1)
    await until('both listeners', () => h.proxy.listeners().filter((l) => l.service === 'default/udp' && l.state === 'listening').length === 2)
    const r = await datagram('127.96.251.60', 18053, 'q1')
    assert.deepEqual(r, { text: 'a:q1', from: '127.96.251.60:18053' })
    assert.equal(await request('127.96.251.60', 18053), 'tcp')

    // The endpoint moves: the next datagram of a new flow goes to the new one.
    const cur = await h.slices.get('default', 'udp-abcde')
    await h.slices.update({ ...cur, ports: [{ name: 'dns', port: b.port, protocol: 'UDP' }], endpoints: [{ addresses: ['127.244.251.62'], conditions: { ready: true } }] } as StoredObject)
    await until('the new UDP endpoint', () => h.proxy.backends('default/udp', 'dns')[0]?.ip === '127.244.251.62')
    assert.equal((await datagram('127.96.251.60', 18053, 'q2')).text, 'b:q2')

    // No ready endpoint: the datagram is dropped (counted as rejected), nothing comes back.
    const cur2 = await h.slices.get('default', 'udp-abcde')
    await h.slices.update({ ...cur2, endpoints: [{ addresses: ['127.244.251.62'], conditions: { ready: false } }] } as StoredObject)
    await until('no UDP endpoint', () => h.proxy.backends('default/udp', 'dns').length === 0)
    await assert.rejects(datagram('127.96.251.60', 18053, 'q3', 300), /no reply/)
    assert.match(await h.proxy.metricsText(), /kubelite_proxy_rejected_connections_total\{namespace="default",service="udp",port="18053"\} 1/)

    // The Service goes: its UDP port is free again.
    await h.services.delete('default', 'udp')
    await until('listeners closed', () => h.proxy.listeners().every((l) => l.service !== 'default/udp'))
    const probe = createSocket('udp4')
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject)
      probe.bind(18053, '127.96.251.60', () => resolve())
    })
    probe.close()
  } finally {
    a.socket.close()
    b.socket.close()
    await closeServer(tcp.server)
    await h.stop()
  }
})

/** GET / through a node:http agent; the body. */
function httpGet(host: string, port: number, agent: HttpAgent): Promise<string> {
  return new Promise((resolve, reject) => {
    httpRequest({ host, port, path: '/', agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve(body))
    })
      .on('error', reject)
      .end()
  })
}

bothWays('HTTP mode: a kept-alive client leaves an endpoint as soon as its slice says terminating; appProtocol tcp pins the connection', async (shared) => {
  const h = await harness('127.96.251.250', { shared })
  const servers = await Promise.all(
    ['127.244.251.101', '127.244.251.102'].map(async (ip, i) => {
      const s = createHttpServer((req, res) => res.end(`pod${i + 1}`))
      s.keepAliveTimeout = 30_000
      await new Promise<void>((r) => s.listen(18090, ip, r))
      return s
    }),
  )
  const [a, b] = [
    { server: servers[0] as unknown as Server, ip: '127.244.251.101', port: 18090, tag: 'pod1', hits: 0 },
    { server: servers[1] as unknown as Server, ip: '127.244.251.102', port: 18090, tag: 'pod2', hits: 0 },
  ]
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 })
  const pinned = new HttpAgent({ keepAlive: true, maxSockets: 1 })
  try {
    await h.services.create('default', serviceObj('l7', '127.96.251.100', { type: 'NodePort', ports: [{ name: 'web', port: 18080, targetPort: 18090, nodePort: 30452 }, { name: 'raw', port: 18081, targetPort: 18090, appProtocol: 'kubelite.io/tcp' }] }))
    const slice = async (eps: Endpoint[]) => {
      await putSlice(h, 'l7', 18090, eps, 'web')
      await putSlice(h, 'l7', 18090, eps, 'raw', 'l7-raw')
    }
    await slice([endpoint(a, true, 'pod1'), endpoint(b, true, 'pod2')])
    await until('two endpoints', () => h.proxy.backends('default/l7', 'web').length === 2 && h.proxy.backends('default/l7', 'raw').length === 2)
    const seen = new Set<string>()
    for (let i = 0; i < 4; i++) seen.add(await httpGet('127.96.251.100', 18080, agent))
    assert.deepEqual([...seen].sort(), ['pod1', 'pod2'], 'one client connection, requests spread over both pods')
    const pinnedTo = await httpGet('127.96.251.100', 18081, pinned)
    for (let i = 0; i < 3; i++) assert.equal(await httpGet('127.96.251.100', 18081, pinned), pinnedTo, 'appProtocol other than http: one TCP relay for the connection')
    // pod1 starts terminating: its endpoint says so; pod1 itself still answers.
    await slice([endpoint(a, false, 'pod1'), endpoint(b, true, 'pod2')])
    await until('pod1 out of rotation', () => h.proxy.backends('default/l7', 'web').length === 1)
    for (let i = 0; i < 6; i++) assert.equal(await httpGet('127.96.251.100', 18080, agent), 'pod2')
    for (let i = 0; i < 3; i++) assert.equal(await httpGet('127.96.251.250', 30452, agent), 'pod2', 'the NodePort too')
    // The pooled connection to pod1 is closed by the proxy (the pinned TCP relay may still hold one).
    const pod1Connections = () => new Promise<number>((r) => servers[0].getConnections((_, n) => r(n)))
    const left = pinnedTo === 'pod1' ? 1 : 0
    for (let end = Date.now() + 3000; (await pod1Connections()) !== left; ) {
      if (Date.now() > end) assert.fail(`pod1 still has ${await pod1Connections()} connections`)
      await new Promise((r) => setTimeout(r, 5))
    }
    const text = await h.proxy.metricsText()
    assert.match(text, /kubelite_proxy_http_requests_received_total\{namespace="default",service="l7",port="18080"\} 13/)
  } finally {
    agent.destroy()
    pinned.destroy()
    await Promise.all(servers.map((s) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())))))
    await h.stop()
  }
})
