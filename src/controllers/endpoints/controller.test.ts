import { test } from 'node:test'
import assert from 'node:assert/strict'
import { podBinding } from '../../api/subresources/binding.js'
import { bootstrapNamespaces, buildApiServer, localClient } from '../../cli/wiring.js'
import { InformerFactory } from '../../client/factory.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { EndpointSliceController } from '../endpointslice/controller.js'
import { EndpointsController } from './controller.js'
import { kubernetesServiceEndpoints } from './kubernetes.js'
import { until } from '../../../test/kit/index.js'

async function cluster() {
  const store = new MemoryStore()
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const client = localClient(api, 'kube-controller-manager')
  // Both controllers over one factory, as `kubelite up` runs them: one pod and one Service cache.
  const informers = new InformerFactory(client)
  const controllers = [new EndpointsController(client, informers), new EndpointSliceController(client, informers)]
  const ac = new AbortController()
  const running = Promise.all(controllers.map((c) => c.start(ac.signal)))
  informers.start(ac.signal)
  return {
    client,
    store,
    pods: api.resource('', 'pods')!,
    services: api.resource('', 'services')!,
    endpoints: api.resource('', 'endpoints')!,
    slices: api.resource('discovery.k8s.io', 'endpointslices')!,
    async close() {
      ac.abort()
      await running
      await informers.stopped()
      await store.close()
    },
  }
}

type Any = any

/** A running pod as the node agent would report it (status through the status subresource). */
async function runningPod(c: Awaited<ReturnType<typeof cluster>>, name: string, ip: string, labels: Record<string, string>, ready = true) {
  await c.pods.create('default', {
    metadata: { name, labels },
    spec: { containers: [{ name: 'app', image: 'arisu1000/simple-container-app:v0.1', ports: [{ name: 'http', containerPort: 8080 }] }], terminationGracePeriodSeconds: 30 },
  })
  await setStatus(c, name, ip, ready)
}

async function setStatus(c: Awaited<ReturnType<typeof cluster>>, name: string, ip: string, ready: boolean) {
  const p = (await c.pods.get('default', name)) as Any
  p.status = {
    ...p.status,
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }, { type: 'PodScheduled', status: 'True' }],
  }
  await c.pods.update('default', name, p, { subresource: 'status' })
}

async function bindToNode(c: Awaited<ReturnType<typeof cluster>>, name: string) {
  // The scheduler's part, done by hand: deletion then waits for the grace period, as with a kubelet.
  await podBinding({ store: c.store }).bind(c.pods, 'default', name, { metadata: { name }, target: { kind: 'Node', name: 'kubelite' } })
}

const sliceOf = async (c: Awaited<ReturnType<typeof cluster>>, svc: string) =>
  (await c.slices.list('default', { labelSelector: `kubernetes.io/service-name=${svc}` })).items as Any[]

test('a Service with a selector gets Endpoints and an EndpointSlice with the ready pod IPs', async () => {
  const c = await cluster()
  try {
    const labels = { app: 'myapp' }
    await c.services.create('default', { metadata: { name: 'myapp-svc', labels: { team: 'a' } }, spec: { type: 'NodePort', selector: labels, ports: [{ port: 80, targetPort: 'http', nodePort: 30880 }] } })
    await runningPod(c, 'stable-1', '127.244.0.2', { ...labels, version: 'stable' })
    await runningPod(c, 'stable-2', '127.244.0.3', { ...labels, version: 'stable' })
    await runningPod(c, 'canary', '127.244.0.4', { ...labels, version: 'canary' })
    await runningPod(c, 'starting', '127.244.0.5', labels, false)
    await runningPod(c, 'other', '127.244.0.6', { app: 'other' })

    const ep = await until('endpoints', async () => {
      const e = (await c.endpoints.get('default', 'myapp-svc')) as Any
      return e.subsets?.[0]?.addresses?.length === 3 && e.subsets[0].notReadyAddresses?.length === 1 ? e : undefined
    })
    assert.deepEqual(ep.subsets[0].addresses.map((a: Any) => a.ip), ['127.244.0.2', '127.244.0.3', '127.244.0.4'])
    assert.deepEqual(ep.subsets[0].notReadyAddresses.map((a: Any) => a.ip), ['127.244.0.5'])
    assert.deepEqual(ep.subsets[0].ports, [{ port: 8080, protocol: 'TCP' }])
    assert.deepEqual(ep.metadata.labels, { team: 'a' })

    const slices = await until('slice', async () => {
      const s = await sliceOf(c, 'myapp-svc')
      return s.length === 1 && s[0].endpoints?.length === 4 ? s : undefined
    })
    const s = slices[0]
    assert.match(s.metadata.name, /^myapp-svc-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
    assert.equal(s.addressType, 'IPv4')
    assert.deepEqual(s.metadata.labels, { team: 'a', 'kubernetes.io/service-name': 'myapp-svc', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' })
    assert.equal(s.metadata.ownerReferences[0].kind, 'Service')
    assert.deepEqual(s.ports, [{ name: '', port: 8080, protocol: 'TCP' }])
    const ready = s.endpoints.filter((e: Any) => e.conditions.ready).map((e: Any) => e.addresses[0]).sort()
    assert.deepEqual(ready, ['127.244.0.2', '127.244.0.3', '127.244.0.4'])
    const starting = s.endpoints.find((e: Any) => e.targetRef.name === 'starting')
    assert.deepEqual(starting.conditions, { ready: false, serving: false, terminating: false })
    assert.equal(starting.nodeName, undefined)

    // The pod turns ready: it moves to the ready set.
    await setStatus(c, 'starting', '127.244.0.5', true)
    await until('ready', async () => {
      const e = (await c.endpoints.get('default', 'myapp-svc')) as Any
      return e.subsets?.[0]?.addresses?.length === 4 && !e.subsets[0].notReadyAddresses ? e : undefined
    })
  } finally {
    await c.close()
  }
})

test('a terminating pod leaves the ready set at once; a deleted service loses its Endpoints', async () => {
  const c = await cluster()
  try {
    const labels = { app: 'web' }
    await c.services.create('default', { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } })
    await runningPod(c, 'a', '127.244.0.2', labels)
    await runningPod(c, 'b', '127.244.0.3', labels)
    await bindToNode(c, 'b')
    await until('two ready', async () => ((await c.endpoints.get('default', 'web')) as Any).subsets?.[0]?.addresses?.length === 2)

    // b is bound to a node, so deletion waits out its grace period: it is terminating.
    await c.pods.delete('default', 'b')
    assert.ok(((await c.pods.get('default', 'b')) as Any).metadata.deletionTimestamp)
    const ep = await until('b gone from Endpoints', async () => {
      const e = (await c.endpoints.get('default', 'web')) as Any
      return e.subsets?.[0]?.addresses?.length === 1 ? e : undefined
    })
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.244.0.2', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: ep.subsets[0].addresses[0].targetRef.uid } }], ports: [{ port: 8080, protocol: 'TCP' }] }])
    const b = await until('b terminating in the slice', async () => {
      const [s] = await sliceOf(c, 'web')
      const e = s?.endpoints?.find((x: Any) => x.targetRef.name === 'b')
      return e?.conditions.terminating ? e : undefined
    })
    assert.deepEqual(b.conditions, { ready: false, serving: true, terminating: true })
    assert.equal(b.nodeName, 'kubelite')

    await c.services.delete('default', 'web')
    await until('Endpoints deleted', async () => {
      try {
        await c.endpoints.get('default', 'web')
        return false
      } catch {
        return true
      }
    })
  } finally {
    await c.close()
  }
})

test('a slice that loses the managed-by label is no longer ours: the Service gets a new one', async () => {
  const c = await cluster()
  try {
    const labels = { app: 'web' }
    await c.services.create('default', { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } })
    await runningPod(c, 'a', '127.244.0.2', labels)
    const [first] = await until('a slice', async () => {
      const s = await sliceOf(c, 'web')
      return s.length === 1 && s[0].endpoints?.length === 1 ? s : undefined
    })
    const taken = structuredClone(first)
    delete taken.metadata.labels['endpointslice.kubernetes.io/managed-by']
    await c.slices.update('default', taken.metadata.name, taken)
    const managed = await until('a new managed slice', async () => {
      const s = (await sliceOf(c, 'web')).filter((x) => x.metadata.labels['endpointslice.kubernetes.io/managed-by'] === 'endpointslice-controller.k8s.io')
      return s.length === 1 && s[0].endpoints?.length === 1 ? s : undefined
    })
    assert.notEqual(managed[0].metadata.name, first.metadata.name)
    assert.equal((await sliceOf(c, 'web')).length, 2, 'the slice that is no longer ours is left alone')
  } finally {
    await c.close()
  }
})

test('the kubernetes Service points at the API server', async () => {
  const c = await cluster()
  try {
    await kubernetesServiceEndpoints(c.client, { host: '127.0.0.1', port: 6443 })
    await kubernetesServiceEndpoints(c.client, { host: '127.0.0.1', port: 6443 }) // idempotent
    const svc = (await c.services.get('default', 'kubernetes')) as Any
    assert.equal(svc.spec.clusterIP, '127.96.0.1')
    assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }])
    const ep = (await c.endpoints.get('default', 'kubernetes')) as Any
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }])
    const s = (await c.slices.get('default', 'kubernetes')) as Any
    assert.deepEqual(s.endpoints, [{ addresses: ['127.0.0.1'], conditions: { ready: true } }])
    // A new port (restart on another port) is written through.
    await kubernetesServiceEndpoints(c.client, { host: '127.0.0.1', port: 7443 })
    assert.equal(((await c.services.get('default', 'kubernetes')) as Any).spec.ports[0].targetPort, 7443)
    // Another service never gets 127.96.0.1.
    const other = (await c.services.create('default', { metadata: { name: 'x' }, spec: { ports: [{ port: 1 }] } })) as Any
    assert.notEqual(other.spec.clusterIP, '127.96.0.1')
  } finally {
    await c.close()
  }
})
