// Leader election on a Lease: one of two candidates leads; the other takes over when the leader
// stops renewing (after the lease duration) or at once when it releases the lease.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bootstrapNamespaces, buildApiServer, localClient } from '../cli/wiring.js'
import { MemoryStore } from '../store/index.js'
import { LeaderElector, microTime } from './leaderelection.js'
import { until } from '../../test/kit/until.js'

test('microTime has microseconds, as metav1.MicroTime', () => {
  assert.equal(microTime(Date.parse('2026-12-07T20:00:01.234Z')), '2026-12-07T20:00:01.234000Z')
})

test('one leader at a time; hand-over after the lease runs out, and at once on release', async () => {
  const store = new MemoryStore()
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:0' })
  await bootstrapNamespaces(api)
  const client = localClient(api, 'test')
  const leading = new Set<string>()
  const timing = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 }
  // Lease reads per candidate: each try to acquire or renew starts with one.
  const tries = new Map<string, number>()
  const counted = (identity: string): typeof client =>
    new Proxy(client, {
      get(target, prop) {
        if (prop !== 'resource') return Reflect.get(target, prop)
        return (gvr: Parameters<typeof client.resource>[0]) => {
          const r = target.resource(gvr)
          return new Proxy(r, {
            get(rt, p) {
              const v = Reflect.get(rt, p)
              if (p === 'get') tries.set(identity, (tries.get(identity) ?? 0) + 1)
              return typeof v === 'function' ? v.bind(rt) : v
            },
          })
        }
      },
    })
  const candidate = (identity: string) =>
    new LeaderElector(counted(identity), {
      namespace: 'kube-system',
      name: 'kube-controller-manager',
      identity,
      ...timing,
      onStartedLeading: (signal) => {
        assert.equal(leading.size, 0, `${identity} leads while ${[...leading]} does`)
        leading.add(identity)
        signal.addEventListener('abort', () => leading.delete(identity))
      },
    })
  const a = candidate('a')
  const runA = new AbortController()
  const aDone = a.run(runA.signal)
  await until('a leads', () => leading.has('a'))
  const b = candidate('b')
  const runB = new AbortController()
  const bDone = b.run(runB.signal)
  // b tries again and again (every 100 ms) while a renews.
  await until('b has tried to acquire 4 times', () => (tries.get('b') ?? 0) >= 4)
  assert.deepEqual([...leading], ['a'], 'b waits while a renews')

  const lease = async () => (await client.resource({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases' }).get('kube-system', 'kube-controller-manager')) as unknown as { spec: Record<string, unknown> }
  assert.equal((await lease()).spec.holderIdentity, 'a')
  assert.equal((await lease()).spec.leaseDurationSeconds, 1)

  // a releases on a clean stop: b leads at its next try.
  runA.abort()
  await aDone
  const released = Date.now()
  await until('b leads', () => leading.has('b'))
  assert.ok(Date.now() - released < 900, 'no wait for the lease to run out')
  const l = await lease()
  assert.equal(l.spec.holderIdentity, 'b')
  assert.equal(l.spec.leaseTransitions, 1)

  // b stops renewing without releasing (a crash): c takes over once the lease has run out.
  const c = candidate('c')
  const runC = new AbortController()
  const cDone = c.run(runC.signal)
  // Freeze b: its renewals stop, as a killed process's do.
  const renew = b.tryAcquireOrRenew.bind(b)
  b.tryAcquireOrRenew = async () => false
  const frozen = Date.now()
  await until('c leads', () => leading.has('c') && !leading.has('b') && leading)
  assert.ok(Date.now() - frozen >= 900, 'c waited for the lease duration')
  assert.equal((await lease()).spec.holderIdentity, 'c')
  b.tryAcquireOrRenew = renew
  runB.abort()
  runC.abort()
  await Promise.all([bDone, cDone])
  await store.close()
})
