import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { Backend } from './endpoints.js'
import { ProxyMetrics } from './metrics.js'
import { dialEndpoint, relayConnection, type DialHooks } from './relay.js'

// Addresses reserved for the proxy's tests: backends on 127.244.251.x, the proxy on 127.96.251.x.

const listen = (server: Server, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port))
  })

const close = (server: Server): Promise<void> => new Promise((r) => server.close(() => r()))

/** A backend that answers `<tag>:` + everything it read, once the client half-closes. */
async function echoBackend(ip: string, tag: string): Promise<{ server: Server; backend: Backend }> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    const chunks: Buffer[] = []
    s.on('data', (c) => chunks.push(c))
    s.on('end', () => s.end(Buffer.concat([Buffer.from(`${tag}:`), ...chunks])))
    s.on('error', () => {})
  })
  const port = await listen(server, ip)
  return { server, backend: { key: `${ip}:${port}`, ip, port } }
}

/** A port on `ip` where nothing listens. */
async function deadBackend(ip: string): Promise<Backend> {
  const s = createServer()
  const port = await listen(s, ip)
  await close(s)
  return { key: `${ip}:${port}`, ip, port }
}

/** A front server relaying every connection through relayConnection with the given backends. */
async function front(backends: () => Backend[], metrics = new ProxyMetrics()) {
  const stats = metrics.servicePort('default', 'web', 80)
  const sockets = new Set<Socket>()
  let rr = 0
  const hooks = (): DialHooks => ({
    pick: (tried) => {
      const list = backends().filter((b) => !tried.has(b.key))
      return list.length ? list[rr++ % list.length] : undefined
    },
    service: stats,
    endpoint: (b) => metrics.endpoint('default', 'web', 80, b.key),
    sockets,
  })
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (c) => relayConnection(c, hooks(), { connectTimeoutsMs: [200, 200, 200] }))
  const port = await listen(server, '127.96.251.1')
  return { server, port, stats, metrics, hooks, sockets }
}

/** Send `payload`, half-close, and collect the answer; resolves with the text or the error code. */
function exchange(port: number, payload: Buffer | string): Promise<{ data: string; error?: string }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.96.251.1', port, allowHalfOpen: true })
    const chunks: Buffer[] = []
    s.on('data', (c) => chunks.push(c))
    s.on('error', (err: NodeJS.ErrnoException) => resolve({ data: Buffer.concat(chunks).toString(), error: err.code ?? err.message }))
    s.on('end', () => {
      s.end()
      resolve({ data: Buffer.concat(chunks).toString() })
    })
    s.on('close', () => resolve({ data: Buffer.concat(chunks).toString(), error: 'closed' }))
    s.end(payload)
  })
}

const settle = () => new Promise((r) => setTimeout(r, 30))

test('relay: bytes both ways with half-close, counted per service and endpoint', async () => {
  const a = await echoBackend('127.244.251.1', 'a')
  const f = await front(() => [a.backend])
  try {
    assert.deepEqual(await exchange(f.port, 'hello'), { data: 'a:hello' })
    await settle()
    assert.equal(f.stats.connections, 1)
    assert.equal(f.stats.active, 0)
    assert.equal(f.stats.bytesIn, 5)
    assert.equal(f.stats.bytesOut, 7)
    const ep = f.metrics.endpoint('default', 'web', 80, a.backend.key)
    assert.deepEqual([ep.connections, ep.active, ep.bytesIn, ep.bytesOut], [1, 0, 5, 7])
    assert.equal(f.sockets.size, 0, 'both sockets closed')
  } finally {
    await Promise.all([close(f.server), close(a.server)])
  }
})

test('relay: 8 MiB each way survives back-pressure intact', async () => {
  const a = await echoBackend('127.244.251.1', 'a')
  const f = await front(() => [a.backend])
  try {
    const payload = Buffer.alloc(8 * 1024 * 1024)
    for (let i = 0; i < payload.length; i += 4096) payload.writeUInt32LE(i, i)
    const got = await new Promise<Buffer>((resolve, reject) => {
      const s = connect({ host: '127.96.251.1', port: f.port, allowHalfOpen: true })
      const chunks: Buffer[] = []
      s.on('data', (c) => chunks.push(c))
      s.on('error', reject)
      s.on('end', () => {
        s.end()
        resolve(Buffer.concat(chunks))
      })
      s.end(payload)
    })
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
    assert.equal(sha(got), sha(Buffer.concat([Buffer.from('a:'), payload])))
  } finally {
    await Promise.all([close(f.server), close(a.server)])
  }
})

test('relay: a refused connect is retried on the next endpoint', async () => {
  const dead = await deadBackend('127.244.251.9')
  const b = await echoBackend('127.244.251.2', 'b')
  const f = await front(() => [dead, b.backend])
  try {
    for (let i = 0; i < 4; i++) assert.deepEqual(await exchange(f.port, `x${i}`), { data: `b:x${i}` })
    // This test's picker puts the dead endpoint first every time.
    assert.equal(f.stats.connectErrors, 4)
    assert.equal(f.stats.retries, 4)
    assert.equal(f.metrics.endpoint('default', 'web', 80, dead.key).retries, 4)
    assert.equal(f.metrics.endpoint('default', 'web', 80, b.backend.key).connections, 4)
  } finally {
    await Promise.all([close(f.server), close(b.server)])
  }
})

test('relay: an endpoint that resets before answering is retried with the bytes replayed', async () => {
  const resetting = createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {})
    s.once('data', () => s.resetAndDestroy())
  })
  const rport = await listen(resetting, '127.244.251.3')
  const rb: Backend = { key: `127.244.251.3:${rport}`, ip: '127.244.251.3', port: rport }
  const b = await echoBackend('127.244.251.2', 'b')
  const f = await front(() => [rb, b.backend])
  try {
    assert.deepEqual(await exchange(f.port, 'request-1'), { data: 'b:request-1' })
    assert.equal(f.stats.connectErrors, 1)
    assert.equal(f.stats.retries, 1)
  } finally {
    await Promise.all([close(f.server), close(b.server), close(resetting)])
  }
})

test('relay: no endpoint → the client is reset and counted as rejected; all refusing → reset', async () => {
  const f = await front(() => [])
  const dead1 = await deadBackend('127.244.251.9')
  const dead2 = await deadBackend('127.244.251.8')
  let list: Backend[] = []
  const g = await front(() => list)
  try {
    const r = await exchange(f.port, 'x')
    assert.equal(r.data, '')
    assert.ok(r.error, 'closed without an answer')
    assert.equal(f.stats.rejected, 1)
    list = [dead1, dead2]
    const r2 = await exchange(g.port, 'x')
    assert.equal(r2.data, '')
    assert.ok(r2.error)
    assert.equal(g.stats.connectErrors, 2)
    assert.equal(g.stats.retries, 1)
    await settle()
    assert.equal(g.stats.active, 0)
  } finally {
    await Promise.all([close(f.server), close(g.server)])
  }
})

test('relay: an endpoint reset after answering resets the client (no silent truncation)', async () => {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {})
    s.once('data', () => {
      s.write('partial')
      setTimeout(() => s.resetAndDestroy(), 20)
    })
  })
  const port = await listen(server, '127.244.251.4')
  const f = await front(() => [{ key: `127.244.251.4:${port}`, ip: '127.244.251.4', port }])
  try {
    const r = await new Promise<{ data: string; error?: string }>((resolve) => {
      const s = connect({ host: '127.96.251.1', port: f.port, allowHalfOpen: true })
      let data = ''
      s.on('data', (c) => (data += c))
      s.on('error', (err: NodeJS.ErrnoException) => resolve({ data, error: err.code }))
      s.on('end', () => resolve({ data }))
      s.write('go')
    })
    assert.deepEqual(r, { data: 'partial', error: 'ECONNRESET' })
    assert.equal(f.stats.retries, 0)
  } finally {
    await Promise.all([close(f.server), close(server)])
  }
})

test('dialEndpoint: returns a connected socket, skipping refusing endpoints; rejects when none is left', async () => {
  const dead = await deadBackend('127.244.251.9')
  const b = await echoBackend('127.244.251.2', 'b')
  const metrics = new ProxyMetrics()
  const service = metrics.servicePort('default', 'web', 80)
  const list = [dead, b.backend]
  const hooks: DialHooks = {
    pick: (tried) => list.find((x) => !tried.has(x.key)),
    service,
    endpoint: (x) => metrics.endpoint('default', 'web', 80, x.key),
  }
  try {
    const { socket, backend } = await dialEndpoint(hooks)
    assert.equal(backend.key, b.backend.key)
    socket.destroy()
    assert.equal(service.retries, 1)
    await assert.rejects(dialEndpoint({ ...hooks, pick: (tried) => (tried.has(dead.key) ? undefined : dead) }), { code: 'ECONNREFUSED' })
    await assert.rejects(dialEndpoint({ ...hooks, pick: () => undefined }, {}, () => new Error('none')), /none/)
  } finally {
    await close(b.server)
  }
})

test('relay: a client that resets mid-stream takes the endpoint side down; nothing leaks', async () => {
  let endpointClosed!: Promise<string>
  const server = createServer({ allowHalfOpen: true }, (s) => {
    endpointClosed = new Promise((resolve) => {
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
      s.on('close', () => resolve('closed'))
    })
    s.write('hello')
  })
  const port = await listen(server, '127.244.251.5')
  const f = await front(() => [{ key: `127.244.251.5:${port}`, ip: '127.244.251.5', port }])
  try {
    await new Promise<void>((resolve) => {
      const s = connect({ host: '127.96.251.1', port: f.port })
      s.on('error', () => {})
      s.once('data', () => {
        s.resetAndDestroy()
        resolve()
      })
    })
    assert.ok(['ECONNRESET', 'closed'].includes(await endpointClosed))
    await settle()
    assert.equal(f.stats.active, 0)
    assert.equal(f.sockets.size, 0)
  } finally {
    await Promise.all([close(f.server), close(server)])
  }
})
