import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bootstrapNamespaces, buildApiServer, localClient } from '../../cli/wiring.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { apiServerLeaseName, planKubernetesEndpoint, reconcileApiServerEndpoints, runApiServerLeases } from './apiserver-leases.js'
import { kubernetesServiceEndpoints } from './kubernetes.js'

const a = { host: '127.0.0.1', port: 6443 }
const b = { host: '127.0.0.1', port: 6444 }

test('plan: keep endpoints that name a live API server; take over from a dead one or none', () => {
  assert.equal(planKubernetesEndpoint(a, undefined, []), true)
  assert.equal(planKubernetesEndpoint(a, a, []), false)
  assert.equal(planKubernetesEndpoint(a, b, [a, b]), false)
  assert.equal(planKubernetesEndpoint(a, b, [a]), true)
})

test('two API servers on one store: the kubernetes endpoints follow a live one', async () => {
  const store = new MemoryStore()
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:6443', sharedStore: true })
  await bootstrapNamespaces(api)
  const client = localClient(api, 'kube-apiserver')
  let now = Date.parse('2026-12-07T10:00:00Z')
  const clock = () => new Date(now)
  const endpointPort = async () => ((await client.resource({ group: '', version: 'v1', resource: 'endpoints' }).get('default', 'kubernetes')) as any).subsets[0].ports[0].port
  // B started last and wrote itself (as `kubelite up` does at start).
  await kubernetesServiceEndpoints(client, b)
  assert.equal(await reconcileApiServerEndpoints({ client, ...a, identity: 'host_a', clock }), true, 'B has no live lease yet: A takes over')
  assert.equal(await reconcileApiServerEndpoints({ client, ...b, identity: 'host_b', clock }), false, 'A is live: B leaves it')
  assert.equal(await endpointPort(), 6443)
  // A stops renewing (killed): after its 15 s, B's next pass takes over.
  now += 10_000
  assert.equal(await reconcileApiServerEndpoints({ client, ...b, identity: 'host_b', clock }), false)
  now += 6_000
  assert.equal(await reconcileApiServerEndpoints({ client, ...b, identity: 'host_b', clock }), true)
  assert.equal(await endpointPort(), 6444)
  const svc = (await client.resource({ group: '', version: 'v1', resource: 'services' }).get('default', 'kubernetes')) as any
  assert.equal(svc.spec.ports[0].targetPort, 6444)
  // A clean stop deletes the Lease.
  const ac = new AbortController()
  const run = runApiServerLeases({ client, ...a, identity: 'host_c', clock, intervalMs: 60_000 }, ac.signal)
  const leases = client.resource({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases' })
  for (let i = 0; i < 200; i++) {
    if ((await leases.list('kube-system')).items.some((l) => l.metadata.name === apiServerLeaseName('host_c'))) break
    await new Promise((r) => setImmediate(r))
  }
  ac.abort()
  await run
  assert.ok(!(await leases.list('kube-system')).items.some((l) => l.metadata.name === apiServerLeaseName('host_c')))
  await store.close()
})
