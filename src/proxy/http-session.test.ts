// The HTTP mode against real sockets: a listener wired like the proxy's (sniff, then HTTP mode or
// the TCP relay) in front of real HTTP and TCP backends. Addresses reserved for these tests:
// backends on 127.244.252.x, the listener on 127.96.252.1; every port is ephemeral.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server as HttpServer } from 'node:http'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { Backend } from './endpoints.js'
import { serveHttp, sniffConnection } from './http-session.js'
import { ProxyMetrics, type TrafficStats } from './metrics.js'
import { EndpointPool } from './pool.js'
import { relayConnection, type DialHooks } from './relay.js'

const proxyIP = '127.96.252.1'

interface Proxy {
  port: number
  service: TrafficStats
  pool: EndpointPool
  /** Set the endpoints, in the order they are tried (every request starts with the first untried). */
  setBackends(list: Backend[], mode?: 'first' | 'round-robin'): void
  close(): Promise<void>
}

async function startProxy(): Promise<Proxy> {
  const metrics = new ProxyMetrics()
  const service = metrics.servicePort('default', 'web', 80)
  const pool = new EndpointPool()
  let backends: Backend[] = []
  let mode: 'first' | 'round-robin' = 'first'
  let rr = 0
  const sockets = new Set<Socket>()
  const pick = (tried: ReadonlySet<string>) => {
    const left = backends.filter((b) => !tried.has(b.key))
    if (left.length === 0) return undefined
    return mode === 'first' ? left[0] : left[rr++ % left.length]
  }
  const dial: DialHooks = { pick, service, endpoint: (b) => metrics.endpoint('default', 'web', 80, b.key), sockets }
  const server: Server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (client) => {
    client.on('error', () => {})
    sockets.add(client)
    client.once('close', () => sockets.delete(client))
    sniffConnection(client, 100, service, (kind, data, ended) => {
      if (kind === 'other') return relayConnection(client, dial, { connectTimeoutsMs: [200, 200] }, { data, ended, counted: true })
      serveHttp(client, data, {
        pick,
        isCurrent: (b) => backends.some((x) => x.key === b.key),
        pool: () => pool,
        service,
        endpoint: dial.endpoint,
        sockets,
        tunnel: (d, e) => relayConnection(client, dial, { connectTimeoutsMs: [200, 200] }, { data: d, ended: e, counted: true }),
      }, { connectTimeoutsMs: [200, 200, 200] })
    })
  })
  await new Promise<void>((r) => server.listen(0, proxyIP, r))
  return {
    port: (server.address() as AddressInfo).port,
    service,
    pool,
    setBackends(list, m = 'first') {
      backends = list
      mode = m
      pool.retain((k) => list.some((b) => b.key === k))
    },
    async close() {
      pool.close()
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

interface HttpBackend {
  server: HttpServer
  backend: Backend
  /** TCP connections accepted. */
  connections: number
  close(): Promise<void>
}

/** An HTTP backend: `handler` answers; the default echoes `<name> <method> <path> <body>`. */
async function httpBackend(ip: string, name: string, handler?: (req: IncomingMessage, body: Buffer, res: import('node:http').ServerResponse) => void): Promise<HttpBackend> {
  const server = createHttpServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      const body = Buffer.concat(parts)
      if (handler) return handler(req, body, res)
      res.setHeader('content-type', 'text/plain')
      res.end(`${name} ${req.method} ${req.url} ${body.toString()}`)
    })
  })
  server.keepAliveTimeout = 30_000
  const hb: HttpBackend = {
    server,
    backend: { key: '', ip, port: 0 },
    connections: 0,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
  server.on('connection', () => hb.connections++)
  await new Promise<void>((r) => server.listen(0, ip, r))
  const port = (server.address() as AddressInfo).port
  hb.backend = { key: `${ip}:${port}`, ip, port }
  return hb
}

/** A GET/POST through an agent; resolves with status and body, rejects on a connection error. */
function call(port: number, path: string, opts: { method?: string; body?: string | Buffer; agent?: Agent; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: proxyIP, port, path, method: opts.method ?? 'GET', agent: opts.agent ?? false, headers: opts.headers }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(parts).toString() }))
      res.on('error', reject)
      res.on('aborted', () => reject(new Error('aborted')))
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** Send raw bytes on one connection; resolve with everything received until the proxy closes or `until` matches. */
function raw(port: number, data: string | Buffer, until?: (got: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: proxyIP, port })
    let got = ''
    s.setEncoding('latin1')
    s.on('data', (c: string) => {
      got += c
      if (until?.(got)) {
        s.destroy()
        resolve(got)
      }
    })
    s.on('error', reject)
    s.on('close', () => resolve(got))
    s.write(data)
  })
}

test('http mode: one kept-alive client connection, each request balanced on its own, over pooled connections', async () => {
  const [a, b] = await Promise.all([httpBackend('127.244.252.1', 'a'), httpBackend('127.244.252.2', 'b')])
  const proxy = await startProxy()
  proxy.setBackends([a.backend, b.backend], 'round-robin')
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const answers: string[] = []
    for (let i = 0; i < 8; i++) answers.push((await call(proxy.port, `/${i}`, { agent })).body.split(' ')[0])
    assert.deepEqual(answers.slice().sort(), ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'])
    assert.equal(proxy.service.connections, 1, 'one client connection')
    assert.equal(a.connections + b.connections, 2, 'one pooled connection per endpoint')
    assert.equal(proxy.service.requests, 8)
  } finally {
    agent.destroy()
    await proxy.close()
    await Promise.all([a.close(), b.close()])
  }
})

test('http mode: pipelined requests are answered in order, chunked bodies both ways', async () => {
  const a = await httpBackend('127.244.252.3', 'a', (req, body, res) => {
    if (req.url === '/chunked') {
      res.write('part1-')
      setImmediate(() => res.end(`part2 ${body.length}`)) // no Content-Length: chunked
      return
    }
    res.end(`${req.method} ${req.url} ${body.toString()}`)
  })
  const proxy = await startProxy()
  proxy.setBackends([a.backend])
  try {
    const requests =
      'GET /one HTTP/1.1\r\nHost: x\r\n\r\n' +
      'POST /two HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n' +
      'POST /chunked HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nwxyz' +
      'GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
    const got = await raw(proxy.port, requests)
    const bodies = got.split(/HTTP\/1\.1 200 OK\r\n/).slice(1)
    assert.equal(bodies.length, 4, got)
    assert.match(bodies[0], /GET \/one $/)
    assert.match(bodies[1], /POST \/two abcde$/)
    assert.match(bodies[2], /transfer-encoding: chunked/i)
    assert.match(bodies[2], /part1-\r\n[0-9a-f]+\r\npart2 4\r\n0\r\n\r\n$/)
    assert.match(bodies[3], /GET \/three $/)
  } finally {
    await proxy.close()
    await a.close()
  }
})

test('http mode: a 2 MiB chunked upload and a 4 MiB download stream through intact', async () => {
  const big = Buffer.alloc(4 * 1024 * 1024)
  for (let i = 0; i < big.length; i++) big[i] = i % 251
  const a = await httpBackend('127.244.252.4', 'a', (req, body, res) => {
    if (req.url === '/down') return res.end(big)
    res.end(String(body.reduce((s, x) => (s + x) % 1_000_003, 0)))
  })
  const proxy = await startProxy()
  proxy.setBackends([a.backend])
  try {
    const up = big.subarray(0, 2 * 1024 * 1024)
    const sum = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: proxyIP, port: proxy.port, path: '/up', method: 'POST', agent: false }, (res) => {
        let s = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (s += c))
        res.on('end', () => resolve(s))
      })
      req.on('error', reject)
      for (let off = 0; off < up.length; off += 64 * 1024) req.write(up.subarray(off, off + 64 * 1024)) // no length: chunked
      req.end()
    })
    assert.equal(sum, String(up.reduce((s, x) => (s + x) % 1_000_003, 0)))
    const down = await new Promise<Buffer>((resolve, reject) => {
      httpRequest({ host: proxyIP, port: proxy.port, path: '/down', agent: false }, (res) => {
        const parts: Buffer[] = []
        res.on('data', (c: Buffer) => parts.push(c))
        res.on('end', () => resolve(Buffer.concat(parts)))
      })
        .on('error', reject)
        .end()
    })
    assert.ok(down.equals(big))
  } finally {
    await proxy.close()
    await a.close()
  }
})

test('http mode: retries only when safe — idempotent after a failed send, any method after a refused connect', async () => {
  // `dies` reads each request and drops the connection without answering (a backend killed mid-request).
  const dies = await httpBackend('127.244.252.5', 'dies', (req) => req.socket.destroy())
  const good = await httpBackend('127.244.252.6', 'good')
  const refused = await httpBackend('127.244.252.7', 'refused')
  await refused.close()
  const proxy = await startProxy()
  try {
    proxy.setBackends([dies.backend, good.backend])
    assert.match((await call(proxy.port, '/get')).body, /^good GET \/get/)
    assert.match((await call(proxy.port, '/put', { method: 'PUT', body: 'p' })).body, /^good PUT \/put p/)
    const post = await call(proxy.port, '/post', { method: 'POST', body: 'once' })
    assert.equal(post.status, 502, 'a POST that reached an endpoint is not sent again')
    proxy.setBackends([refused.backend, good.backend])
    assert.match((await call(proxy.port, '/post', { method: 'POST', body: 'b' })).body, /^good POST \/post b/, 'a refused connect: never written, so retried')
    assert.equal(proxy.service.requestErrors, 1)
    assert.ok(proxy.service.retries >= 3)
  } finally {
    await proxy.close()
    await Promise.all([dies.close(), good.close()])
  }
})

test('http mode: a stale pooled connection is retried on a new one for GET, a 502 for POST; the client connection stays', async () => {
  // Every second request on a backend connection kills it unanswered: what a backend closing an
  // idle keep-alive connection looks like when the close and the next request cross.
  const perSocket = new WeakMap<object, number>()
  const a = await httpBackend('127.244.252.8', 'a', (req, body, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1
    perSocket.set(req.socket, n)
    if (n === 2) return req.socket.destroy()
    res.end(`a ${req.method} ${body.toString()}`)
  })
  const proxy = await startProxy()
  proxy.setBackends([a.backend])
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    assert.equal((await call(proxy.port, '/1', { agent })).body, 'a GET ')
    assert.equal((await call(proxy.port, '/2', { agent })).body, 'a GET ', 'retried on a new connection to the same endpoint')
    // That new connection went back to the pool: its second request dies too, and a POST is not sent again.
    assert.equal((await call(proxy.port, '/3', { method: 'POST', body: 'x', agent })).status, 502)
    assert.equal((await call(proxy.port, '/4', { method: 'POST', body: 'y', agent })).body, 'a POST y', 'a new connection: its first request')
    assert.equal((await call(proxy.port, '/5', { agent })).body, 'a GET ')
    assert.equal(proxy.service.connections, 1, 'the client kept one connection throughout')
  } finally {
    agent.destroy()
    await proxy.close()
    await a.close()
  }
})

test('http mode: a backend dying mid-response cuts that response only', async () => {
  const a = await httpBackend('127.244.252.9', 'a', (req, body, res) => {
    if (req.url !== '/cut') return res.end('fine')
    res.writeHead(200, { 'content-length': '100' })
    res.write('only ten b')
    setImmediate(() => req.socket.destroy())
  })
  const proxy = await startProxy()
  proxy.setBackends([a.backend])
  try {
    const other = new Agent({ keepAlive: true, maxSockets: 1 })
    assert.equal((await call(proxy.port, '/', { agent: other })).body, 'fine')
    await assert.rejects(call(proxy.port, '/cut'), 'the cut response is an error for its client, never a short body')
    assert.equal((await call(proxy.port, '/', { agent: other })).body, 'fine', 'another kept-alive client is untouched')
    assert.equal(proxy.service.requestErrors, 1)
    other.destroy()
  } finally {
    await proxy.close()
    await a.close()
  }
})

test('http mode: a WebSocket upgrade becomes a tunnel to one endpoint; non-HTTP and server-first protocols are relayed', async () => {
  const a = await httpBackend('127.244.252.10', 'a')
  a.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
    if (head.length) socket.write(head)
    socket.pipe(socket) // echo
  })
  // A raw TCP backend that speaks first, then echoes.
  const banner: Server = createServer((s) => {
    s.on('error', () => {})
    s.write('220 ready\r\n')
    s.pipe(s)
  })
  await new Promise<void>((r) => banner.listen(0, '127.244.252.11', r))
  const bannerBackend = { key: `127.244.252.11:${(banner.address() as AddressInfo).port}`, ip: '127.244.252.11', port: (banner.address() as AddressInfo).port }
  const proxy = await startProxy()
  try {
    proxy.setBackends([a.backend])
    const ws = await raw(proxy.port, 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nhello-frames', (g) => g.includes('hello-frames'))
    assert.match(ws, /^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*\r\n\r\nhello-frames$/)
    proxy.setBackends([bannerBackend])
    const tls = await raw(proxy.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05]), (g) => g.includes('\x16\x03'))
    assert.ok(tls.startsWith('220 ready\r\n'))
    const first = await raw(proxy.port, '', (g) => g.includes('220'))
    assert.equal(first, '220 ready\r\n', 'a client that waits for the server gets the banner (after the sniff timeout)')
  } finally {
    await proxy.close()
    await a.close()
    await new Promise<void>((r) => banner.close(() => r()))
  }
})

test('http mode: an endpoint removed from the set has its idle pooled connections closed; no endpoint is a 503', async () => {
  const [a, b] = await Promise.all([httpBackend('127.244.252.12', 'a'), httpBackend('127.244.252.13', 'b')])
  const proxy = await startProxy()
  proxy.setBackends([a.backend])
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    assert.match((await call(proxy.port, '/', { agent })).body, /^a /)
    assert.equal(proxy.pool.size, 1)
    proxy.setBackends([b.backend])
    assert.equal(proxy.pool.size, 0)
    assert.match((await call(proxy.port, '/', { agent })).body, /^b /, 'the same client connection now reaches b')
    proxy.setBackends([])
    const none = await call(proxy.port, '/', { agent })
    assert.equal(none.status, 503)
    proxy.setBackends([a.backend])
    assert.match((await call(proxy.port, '/', { agent })).body, /^a /)
    assert.equal(proxy.service.connections, 1)
  } finally {
    agent.destroy()
    await proxy.close()
    await Promise.all([a.close(), b.close()])
  }
})
