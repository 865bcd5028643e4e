import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Container, Probe } from 'kubernetes-types/core/v1.js'
import { initialProbeState, nextProbeState, resolvePort, runProbe, type ProbeTarget } from './probe.js'

test('thresholds: result flips after N in a row', () => {
  const probe: Probe = { successThreshold: 2, failureThreshold: 3 }
  let s = initialProbeState('readiness')
  const seq = [true, false, true, true, false, false, false, true]
  const results = seq.map((ok) => (s = nextProbeState(s, ok, probe)).result)
  assert.deepEqual(results, [false, false, false, true, true, true, false, false])
  assert.equal(initialProbeState('liveness').result, true)
  assert.equal(initialProbeState('startup').result, undefined)
})

test('named ports', () => {
  const c: Container = { name: 'web', ports: [{ name: 'http', containerPort: 8080 }] }
  assert.equal(resolvePort('http', c), 8080)
  assert.equal(resolvePort(81, c), 81)
  assert.deepEqual(resolvePort('nope', c), { error: "couldn't find port: nope in container web" })
})

async function withServer(fn: (port: number) => Promise<void>) {
  const server: Server = createServer((req, res) => {
    if (req.url === '/ok') res.end('fine')
    else if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end()
    else if (req.url === '/slow') setTimeout(() => res.end('late'), 1500)
    else res.writeHead(500).end('bad')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  try {
    await fn((server.address() as AddressInfo).port)
  } finally {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
}

const target = (c: Container = { name: 'web' }): ProbeTarget => ({
  podIP: '127.0.0.1',
  container: c,
  exec: async (cmd) => (cmd[0] === 'false' ? { exitCode: 1, output: 'nope\n' } : cmd[0] === 'sleep' ? { exitCode: -1, output: '', timedOut: true } : { exitCode: 0, output: '' }),
})

test('httpGet probe results and texts', async () => {
  await withServer(async (port) => {
    assert.deepEqual(await runProbe({ httpGet: { path: '/ok', port } }, target()), { ok: true, output: 'fine' })
    assert.equal((await runProbe({ httpGet: { path: '/redirect', port } }, target())).ok, true)
    assert.deepEqual(await runProbe({ httpGet: { path: '/bad', port } }, target()), { ok: false, output: 'HTTP probe failed with statuscode: 500' })
    const slow = await runProbe({ httpGet: { path: '/slow', port }, timeoutSeconds: 1 }, target())
    assert.deepEqual(slow, { ok: false, output: `Get "http://127.0.0.1:${port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` })
  })
})

test('tcpSocket probe and refused connections', async () => {
  await withServer(async (port) => {
    assert.deepEqual(await runProbe({ tcpSocket: { port } }, target()), { ok: true, output: '' })
  })
  // A port nothing listens on (the server above is closed).
  const closed = createServer()
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
  const port = (closed.address() as AddressInfo).port
  await new Promise((r) => closed.close(r))
  assert.deepEqual(await runProbe({ tcpSocket: { port } }, target()), { ok: false, output: `dial tcp 127.0.0.1:${port}: connect: connection refused` })
  assert.deepEqual(await runProbe({ httpGet: { path: '/x', port } }, target()), { ok: false, output: `Get "http://127.0.0.1:${port}/x": dial tcp 127.0.0.1:${port}: connect: connection refused` })
})

test('exec probe', async () => {
  assert.deepEqual(await runProbe({ exec: { command: ['true'] } }, target()), { ok: true, output: '' })
  assert.deepEqual(await runProbe({ exec: { command: ['false'] } }, target()), { ok: false, output: 'nope\n' })
  assert.deepEqual(await runProbe({ exec: { command: ['sleep', '5'] } }, target()), { ok: false, output: 'command "sleep 5" timed out' })
})

test('a probe never throws: no pod address yet, a host no URL holds, a port out of range', async () => {
  const noIP: ProbeTarget = { ...target(), podIP: '' }
  assert.deepEqual(await runProbe({ httpGet: { path: '/', port: 8080 } }, noIP), { ok: false, output: 'pod has no IP address yet' })
  assert.deepEqual(await runProbe({ tcpSocket: { port: 8080 } }, noIP), { ok: false, output: 'pod has no IP address yet' })
  assert.deepEqual(await runProbe({ httpGet: { host: 'a b', path: '/', port: 8080 } }, target()), { ok: false, output: 'Get "http://a b:8080/": parse "http://a b:8080/": invalid URL' })
  assert.equal((await runProbe({ httpGet: { path: '/', port: 70000 } }, target())).ok, false)
  assert.equal((await runProbe({ tcpSocket: { port: 70000 } }, target())).ok, false)
})
