// Mirrors and the sticky cookie in the HTTP mode, against real sockets: the copies reach the
// mirror endpoint as sent, never delay or fail the client's request (a mirror that hangs or
// refuses changes nothing), stay bounded (in flight, body size). Addresses reserved for these
// tests: backends on 127.244.253.x, the listener on 127.96.253.1; every port is ephemeral.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, createServer as createHttpServer, request as httpRequest, type Server as HttpServer } from 'node:http'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { Backend } from './endpoints.js'
import { serveHttp, sniffConnection, type RequestRoute } from './http-session.js'
import { ProxyMetrics } from './metrics.js'
import { MirrorSender, type MirrorResult } from './mirror.js'
import { EndpointPool } from './pool.js'
import type { RequestOutcome } from './traffic.js'
import { until } from '../../test/kit/index.js'

interface Setup {
  port: number
  mirrored: MirrorResult[]
  recorded: [string | undefined, RequestOutcome][]
  sender: MirrorSender
  close(): Promise<void>
}

async function setup(primary: Backend, mirror: Backend, opts: { maxInFlight?: number; timeoutMs?: number; mirrorLimitBytes?: number; cookie?: boolean } = {}): Promise<Setup> {
  const metrics = new ProxyMetrics()
  const service = metrics.servicePort('default', 'web', 80)
  const pool = new EndpointPool()
  const sockets = new Set<Socket>()
  const sender = new MirrorSender({ maxInFlight: opts.maxInFlight, timeoutMs: opts.timeoutMs ?? 2000 })
  const mirrored: MirrorResult[] = []
  const recorded: [string | undefined, RequestOutcome][] = []
  const route = (): RequestRoute => ({
    mirrors: [mirror],
    ...(opts.cookie ? { setCookie: (b: Backend) => `route=${b.key}; Path=/` } : {}),
  })
  const server: Server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (client) => {
    client.on('error', () => {})
    sockets.add(client)
    client.once('close', () => sockets.delete(client))
    sniffConnection(client, 100, service, (_kind, data) => {
      serveHttp(
        client,
        data,
        {
          pick: (tried) => (tried.has(primary.key) ? undefined : primary),
          isCurrent: () => true,
          pool: () => pool,
          service,
          endpoint: (b) => metrics.endpoint('default', 'web', 80, b.key),
          sockets,
          tunnel: () => client.destroy(),
          route,
          record: (b, o) => recorded.push([b?.key, o]),
          mirror: (b, bytes, method) => void sender.send(b, bytes, method, (r) => mirrored.push(r)),
        },
        { mirrorLimitBytes: opts.mirrorLimitBytes },
      )
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.96.253.1', r))
  return {
    port: (server.address() as AddressInfo).port,
    mirrored,
    recorded,
    sender,
    async close() {
      sender.close()
      pool.close()
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

async function httpBackend(ip: string, handler: (method: string, url: string, body: string) => void, answer = true): Promise<{ backend: Backend; server: HttpServer }> {
  const server = createHttpServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      handler(req.method!, req.url!, body)
      if (answer) res.end(`from ${ip}`)
    })
  })
  await new Promise<void>((r) => server.listen(0, ip, r))
  const port = (server.address() as AddressInfo).port
  return { server, backend: { key: `${ip}:${port}`, ip, port } }
}

const close = (s: HttpServer | Server) => new Promise<void>((r) => ((s as HttpServer).closeAllConnections?.(), s.close(() => r())))

function send(port: number, agent: Agent, method: string, path: string, body = ''): Promise<{ code: number; body: string; cookie?: string[] }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.96.253.1', port, method, path, agent, headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ code: res.statusCode!, body: text, cookie: res.headers['set-cookie'] }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('a mirror gets each request as sent; the client only sees the primary; both are measured', async () => {
  const seen: string[] = []
  const primary = await httpBackend('127.244.253.1', () => {})
  const mirror = await httpBackend('127.244.253.2', (m, u, b) => seen.push(`${m} ${u} ${b}`))
  const p = await setup(primary.backend, mirror.backend)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    for (let i = 0; i < 20; i++) assert.deepEqual((await send(p.port, agent, i % 2 ? 'POST' : 'GET', `/x/${i}`, i % 2 ? `body ${i}` : '')).body, 'from 127.244.253.1')
    await until('20 copies answered', () => p.mirrored.length === 20)
    assert.deepEqual(seen.sort(), Array.from({ length: 20 }, (_, i) => `${i % 2 ? 'POST' : 'GET'} /x/${i} ${i % 2 ? `body ${i}` : ''}`).sort())
    assert.ok(p.mirrored.every((r) => r.status === 200))
    assert.equal(p.recorded.length, 20)
    assert.ok(p.recorded.every(([key, o]) => key === primary.backend.key && o.status === 200 && o.latencyMs >= 0 && !o.failed))
  } finally {
    agent.destroy()
    await p.close()
    await close(primary.server)
    await close(mirror.server)
  }
})

test('a mirror that hangs or refuses never delays or fails the client; copies in flight are bounded', async () => {
  const primary = await httpBackend('127.244.253.3', () => {})
  const hanging = await httpBackend('127.244.253.4', () => {}, false)
  const p = await setup(primary.backend, hanging.backend, { maxInFlight: 4, timeoutMs: 3000 })
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const t0 = Date.now()
    for (let i = 0; i < 30; i++) assert.equal((await send(p.port, agent, 'GET', '/')).code, 200)
    assert.ok(Date.now() - t0 < 2500, `30 requests took ${Date.now() - t0} ms`)
    assert.ok(p.sender.active <= 4)
    assert.equal(p.sender.skipped, 26, 'beyond 4 in flight, copies are skipped')
    await until('the hung copies time out', () => p.mirrored.length === 4)
    assert.ok(p.mirrored.every((r) => r.status === undefined), 'a copy without an answer counts as failed')
  } finally {
    agent.destroy()
    await p.close()
    await close(primary.server)
    await close(hanging.server)
  }
  // Refused: nothing listens there.
  const primary2 = await httpBackend('127.244.253.5', () => {})
  const p2 = await setup(primary2.backend, { key: '127.244.253.6:9', ip: '127.244.253.6', port: 9 })
  const agent2 = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    for (let i = 0; i < 10; i++) assert.equal((await send(p2.port, agent2, 'GET', '/')).code, 200)
    await until('refused copies', () => p2.mirrored.length === 10)
  } finally {
    agent2.destroy()
    await p2.close()
    await close(primary2.server)
  }
})

test('a request over the mirror limit is not copied; the sticky cookie is added to the answer', async () => {
  const seen: number[] = []
  const primary = await httpBackend('127.244.253.7', () => {})
  const mirror = await httpBackend('127.244.253.8', (_m, _u, b) => seen.push(b.length))
  const p = await setup(primary.backend, mirror.backend, { mirrorLimitBytes: 1024, cookie: true })
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const big = await send(p.port, agent, 'POST', '/', 'x'.repeat(5000))
    assert.equal(big.body, 'from 127.244.253.7')
    assert.deepEqual(big.cookie, [`route=${primary.backend.key}; Path=/`])
    await send(p.port, agent, 'POST', '/', 'y'.repeat(100))
    await until('the small copy', () => p.mirrored.length === 1)
    assert.deepEqual(seen, [100])
  } finally {
    agent.destroy()
    await p.close()
    await close(primary.server)
    await close(mirror.server)
  }
})
