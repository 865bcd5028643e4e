import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { Container } from 'kubernetes-types/core/v1.js'
import { ContainerProber } from './prober.js'

async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

const probe = (port: number, extra: Partial<Container> = {}): Container => ({
  name: 'app',
  readinessProbe: { tcpSocket: { port }, periodSeconds: 1, failureThreshold: 1 },
  ...extra,
})

const target = (c: Container) => ({ podIP: '127.0.0.1', container: c, exec: async () => ({ exitCode: 0, output: '' }) })

test('a new run starts not ready; a carried-over ready run stays ready until its probe fails', async () => {
  const c = probe(await closedPort())
  const fresh = new ContainerProber(c, new Date(), target(c), { onChange: () => undefined, onFailure: () => undefined })
  fresh.start()
  assert.equal(fresh.ready, false)
  fresh.stop()

  const changes: [string, boolean | undefined][] = []
  const failed = new Promise<void>((resolve) => {
    const carried = new ContainerProber(c, new Date(), target(c), {
      onChange: (kind, result) => {
        changes.push([kind, result])
        carried.stop()
        resolve()
      },
      onFailure: () => undefined,
    })
    carried.start({ ready: true, started: true })
    assert.equal(carried.ready, true, 'ready from the start, as published')
  })
  // The prober's timers are unref'd (they never hold a process open): a referenced timer keeps this
  // test's event loop alive until the probe has run, and bounds the wait.
  let guard: NodeJS.Timeout | undefined
  await Promise.race([failed, new Promise((_, reject) => (guard = setTimeout(() => reject(new Error('the readiness probe never ran')), 10_000)))])
  clearTimeout(guard)
  assert.deepEqual(changes, [['readiness', false]], 'then the failing probe takes it out')
})

test('a startup probe that passed in the earlier life is not run again', () => {
  const c: Container = { name: 'app', startupProbe: { exec: { command: ['false'] }, periodSeconds: 10 } }
  const p = new ContainerProber(c, new Date(), target(c), { onChange: () => undefined, onFailure: () => undefined })
  p.start({ ready: true, started: true })
  assert.equal(p.started, true)
  assert.equal(p.ready, true)
  p.stop()
})
