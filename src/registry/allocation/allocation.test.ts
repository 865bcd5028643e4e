import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StatusError } from '../../apis/status.js'
import type { StoredObject } from '../../apis/meta.js'
import { bootstrapNamespaces, buildApiServer } from '../../cli/wiring.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { AllocationError, ServiceAllocator, formatIPv4, parseIPv4 } from './allocator.js'
import { StoreClaims } from './claims.js'

test('IPv4 parse and format round-trip', () => {
  for (const ip of ['127.96.0.1', '127.96.255.254', '0.0.0.0', '255.255.255.255']) assert.equal(formatIPv4(parseIPv4(ip)!), ip)
  for (const bad of ['127.96.0', '127.96.0.256', 'a.b.c.d', '::1']) assert.equal(parseIPv4(bad), undefined)
})

function allocator(services: StoredObject[] = [], opts: Partial<ConstructorParameters<typeof ServiceAllocator>[0]> = {}) {
  let seq = 0
  return new ServiceAllocator({ listServices: async () => services, random: () => seq++ % 7, ...opts })
}

const svc = (uid: string, spec: Record<string, unknown>): StoredObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: uid, namespace: 'default', uid }, spec })

test('allocator: dynamic IPs skip the network address, .0.1 and the broadcast address', async () => {
  const a = new ServiceAllocator({ listServices: async () => [], random: () => 0 })
  assert.equal(await a.allocateNextIP('u1'), '127.96.0.2')
  assert.equal(await a.allocateNextIP('u2'), '127.96.0.3')
  const b = new ServiceAllocator({ listServices: async () => [], random: (n) => n - 1 })
  assert.equal(await b.allocateNextIP('u1'), '127.96.0.2') // wraps past .255.255
})

test('allocator: requested IPs: in range and free, else upstream errors', async () => {
  const a = allocator([svc('k', { clusterIP: '127.96.0.1', clusterIPs: ['127.96.0.1'] })])
  await assert.rejects(a.allocateIP('127.96.0.1', 'x'), (e: AllocationError) => e.kind === 'Allocated' && e.message === 'provided IP is already allocated')
  await assert.rejects(a.allocateIP('127.97.0.1', 'x'), { message: 'the provided IP (127.97.0.1) is not in the valid range. The range of valid IPs is 127.96.0.0/16' })
  await assert.rejects(a.allocateIP('127.96.0.0', 'x'), { name: 'AllocationError' })
  await assert.rejects(a.allocateIP('127.96.255.255', 'x'), { name: 'AllocationError' })
  await a.allocateIP('127.96.0.5', 'x')
  await assert.rejects(a.allocateIP('127.96.0.5', 'y'), { message: 'provided IP is already allocated' })
})

test('allocator: released lazily: a deleted service frees its values at the next conflict', async () => {
  const services = [svc('a', { clusterIP: '127.96.0.9', clusterIPs: ['127.96.0.9'], ports: [{ port: 80, nodePort: 30880 }] })]
  const a = allocator(services, { clock: () => 0 })
  await assert.rejects(a.allocatePort(30880, 'b'), { message: 'provided port is already allocated' })
  services.length = 0 // deleted from the store
  await a.allocatePort(30880, 'b')
  await a.allocateIP('127.96.0.9', 'b')
})

test('allocator: pending values survive rebuilds until visible or expired', async () => {
  let now = 0
  const services: StoredObject[] = []
  const a = allocator(services, { clock: () => now, pendingTtlMs: 1000 })
  await a.allocateIP('127.96.0.7', 'u1')
  await a.rebuild()
  await assert.rejects(a.allocateIP('127.96.0.7', 'u2'), { message: 'provided IP is already allocated' })
  now = 2000 // the write never landed: the reservation lapses
  await a.allocateIP('127.96.0.7', 'u2')
  // u2's create lands, then the service is deleted: the store governs, no TTL wait.
  services.push(svc('u2', { clusterIPs: ['127.96.0.7'] }))
  await a.rebuild()
  services.length = 0
  await a.allocateIP('127.96.0.7', 'u3')
})

test('allocator: concurrent requests for one value: exactly one wins', async () => {
  const a = allocator()
  const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => a.allocatePort(31000, `u${i}`)))
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
})

test('allocator: a full range says so; undo returns values', async () => {
  const a = new ServiceAllocator({ listServices: async () => [], nodePorts: { base: 30000, size: 2 }, random: () => 0 })
  const p1 = await a.allocateNextPort('u')
  const p2 = await a.allocateNextPort('u')
  assert.deepEqual([p1, p2].sort(), [30000, 30001])
  await assert.rejects(a.allocateNextPort('u'), { message: 'range is full' })
  a.undo({ ips: [], ports: [p1] })
  assert.equal(await a.allocateNextPort('u'), p1)
  // dry run checks without reserving
  a.undo({ ips: [], ports: [p1] })
  assert.equal(await a.allocateNextPort('u', true), p1)
  assert.equal(a.usage().ports, 1)
})

// ---- through the API server -------------------------------------------------------------------

async function apiWithAllocation() {
  const store = new MemoryStore()
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  return { api, services: api.resource('', 'services')!, store }
}

const service = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80, targetPort: 8080 }], ...spec } })

async function statusOf(p: Promise<unknown>): Promise<StatusError['status']> {
  try {
    await p
  } catch (err) {
    if (err instanceof StatusError) return err.status
    throw err
  }
  assert.fail('expected an error')
}

test('services: ClusterIP from the range; headless and ExternalName get none', async () => {
  const { services, store } = await apiWithAllocation()
  const a = (await services.create('default', service('a', {}))) as any
  assert.match(a.spec.clusterIP, /^127\.96\.\d+\.\d+$/)
  assert.deepEqual(a.spec.clusterIPs, [a.spec.clusterIP])
  assert.notEqual(a.spec.clusterIP, '127.96.0.1')
  const h = (await services.create('default', service('h', { clusterIP: 'None' }))) as any
  assert.deepEqual(h.spec.clusterIPs, ['None'])
  const e = (await services.create('default', { metadata: { name: 'e' }, spec: { type: 'ExternalName', externalName: 'example.com' } })) as any
  assert.equal(e.spec.clusterIP, undefined)
  await store.close()
})

test('services: a requested ClusterIP that is taken is a 422 with upstream wording', async () => {
  const { services, store } = await apiWithAllocation()
  await services.create('default', service('a', { clusterIP: '127.96.0.5' }))
  const s = await statusOf(services.create('default', service('b', { clusterIP: '127.96.0.5' })))
  assert.equal(s.code, 422)
  assert.equal(s.message, 'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"127.96.0.5"}: failed to allocate IP 127.96.0.5: provided IP is already allocated')
  const r = await statusOf(services.create('default', service('c', { clusterIP: '127.95.0.5' })))
  assert.equal(r.message, 'Service "c" is invalid: spec.clusterIPs: Invalid value: []string{"127.95.0.5"}: failed to allocate IP 127.95.0.5: the provided IP (127.95.0.5) is not in the valid range. The range of valid IPs is 127.96.0.0/16')
  // Deleted: the IP can be requested again at once.
  await services.delete('default', 'a')
  const again = (await services.create('default', service('b', { clusterIP: '127.96.0.5' }))) as any
  assert.equal(again.spec.clusterIP, '127.96.0.5')
  await store.close()
})

test('services: node ports allocated, requested, conflicting, kept and released on type changes', async () => {
  const { services, store } = await apiWithAllocation()
  const np = (await services.create('default', service('np', { type: 'NodePort', ports: [{ port: 8080, nodePort: 30880 }] }))) as any
  assert.equal(np.spec.ports[0].nodePort, 30880)
  const s = await statusOf(services.create('default', service('other', { type: 'NodePort', ports: [{ port: 8080, nodePort: 30880 }] })))
  assert.equal(s.code, 422)
  assert.equal(s.message, 'Service "other" is invalid: spec.ports[0].nodePort: Invalid value: 30880: provided port is already allocated')
  assert.deepEqual(s.details?.causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: 30880: provided port is already allocated', field: 'spec.ports[0].nodePort' }])

  // A dynamic one, and TCP/UDP on one port number share it.
  const dns = (await services.create('default', service('dns', { type: 'NodePort', ports: [{ name: 'tcp', port: 53, protocol: 'TCP' }, { name: 'udp', port: 53, protocol: 'UDP' }] }))) as any
  const p = dns.spec.ports[0].nodePort
  assert.ok(p >= 30000 && p <= 32767)
  assert.equal(dns.spec.ports[1].nodePort, p)

  // Kept on update (a replace without nodePort gets the old one back).
  const body = { ...np, spec: { ...np.spec, ports: [{ port: 8080, targetPort: 8080, protocol: 'TCP' }] } }
  delete body.spec.ports[0].nodePort
  const kept = (await services.update('default', 'np', body)) as any
  assert.equal(kept.spec.ports[0].nodePort, 30880)

  // ClusterIP → NodePort allocates; NodePort → ClusterIP releases (the port can be taken again).
  const c = (await services.create('default', service('c', {}))) as any
  const up = (await services.update('default', 'c', { ...c, spec: { ...c.spec, type: 'NodePort' } })) as any
  assert.ok(up.spec.ports[0].nodePort >= 30000)
  assert.equal(up.spec.clusterIP, c.spec.clusterIP)
  const down = (await services.update('default', 'np', { ...kept, spec: { ...kept.spec, type: 'ClusterIP' } })) as any
  assert.equal(down.spec.ports[0].nodePort, undefined)
  const reuse = (await services.create('default', service('reuse', { type: 'NodePort', ports: [{ port: 1, nodePort: 30880 }] }))) as any
  assert.equal(reuse.spec.ports[0].nodePort, 30880)
  await store.close()
})

test('services: a failed create gives back what it took; dry run takes nothing', async () => {
  const { services, store } = await apiWithAllocation()
  await services.create('default', service('np', { type: 'NodePort', ports: [{ port: 1, nodePort: 30001 }] }))
  // The IP is allocated first, then the port fails: the IP must be free again.
  await statusOf(services.create('default', service('x', { clusterIP: '127.96.1.1', type: 'NodePort', ports: [{ port: 1, nodePort: 30001 }] })))
  await services.create('default', service('y', { clusterIP: '127.96.1.1' }))
  const dry = (await services.create('default', service('d', { clusterIP: '127.96.1.2' }), { dryRun: true })) as any
  assert.equal(dry.spec.clusterIP, '127.96.1.2')
  await services.create('default', service('d', { clusterIP: '127.96.1.2' }))
  await store.close()
})

test('services: allocations survive a restart (rebuilt from the store)', async () => {
  const { api, services, store } = await apiWithAllocation()
  await services.create('default', service('a', { clusterIP: '127.96.3.3', type: 'NodePort', ports: [{ port: 1, nodePort: 31111 }] }))
  const fresh = new ServiceAllocator({ listServices: async () => (await api.resource('', 'services')!.list(undefined)).items })
  await assert.rejects(fresh.allocateIP('127.96.3.3', 'z'), { message: 'provided IP is already allocated' })
  await assert.rejects(fresh.allocatePort(31111, 'z'), { message: 'provided port is already allocated' })
  await store.close()
})

test('services: a deleted Service’s node port and IP can be requested again at once (kubectl delete, then apply)', async () => {
  const { services, store } = await apiWithAllocation()
  const spec = { clusterIP: '127.96.4.4', type: 'NodePort', ports: [{ port: 8080, nodePort: 30880 }] }
  for (let round = 0; round < 3; round++) {
    // No other allocation in between: the values were handed out moments ago and are still pending.
    const created = (await services.create('default', service('myapp-svc', spec))) as any
    assert.equal(created.spec.ports[0].nodePort, 30880)
    await services.delete('default', 'myapp-svc', {})
  }
  // A delete that was only a dry run keeps them.
  await services.create('default', service('kept', spec))
  await services.delete('default', 'kept', { dryRun: true })
  assert.equal((await statusOf(services.create('default', service('other', spec)))).code, 422)
  await store.close()
})

test('allocator: an in-flight update keeps its new values through a rebuild until it lands', async () => {
  const services: StoredObject[] = [{ ...svc('u1', { clusterIPs: ['127.96.0.5'] }), metadata: { name: 'u1', namespace: 'default', uid: 'u1', resourceVersion: '7' } }]
  const a = allocator(services, { clock: () => 0 })
  await a.allocatePort(30100, { uid: 'u1', resourceVersion: '7' }) // the update to rv 7 is in flight
  await a.rebuild()
  await assert.rejects(a.allocatePort(30100, 'u2'), { message: 'provided port is already allocated' })
  services[0] = { ...services[0], metadata: { ...services[0].metadata, resourceVersion: '8' } } // it landed, without the port after all
  await a.allocatePort(30100, 'u2')
})

// ---- two API servers on one store (an HA pair) -------------------------------------------------

function sharedPair(opts: { clock?: () => number } = {}) {
  const store = new MemoryStore()
  const services = new Map<string, StoredObject>()
  const getService = async (ns: string, name: string) => services.get(`${ns}/${name}`)
  const make = () => {
    let seq = 0 // both pick the same candidates in the same order: the worst case
    return new ServiceAllocator({ listServices: async () => [...services.values()], random: () => seq++ % 3, nodePorts: { base: 30000, size: 8 }, claims: new StoreClaims({ store, getService, ...opts }), ...opts })
  }
  return { store, services, a: make(), b: make() }
}

const owner = (uid: string) => ({ uid, namespace: 'default', name: uid })
const landed = (uid: string, spec: Record<string, unknown>, rv = '1'): StoredObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: uid, namespace: 'default', uid, resourceVersion: rv }, spec })

test('shared store: two allocators picking the same candidates never hand out one value twice', async () => {
  const { a, b, store } = sharedPair()
  const [ipA, ipB] = await Promise.all([a.allocateNextIP(owner('a1')), b.allocateNextIP(owner('b1'))])
  assert.notEqual(ipA, ipB)
  const ports = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).allocateNextPort(owner(`p${i}`))))
  assert.equal(new Set(ports).size, 8)
  await assert.rejects(a.allocateNextPort(owner('more')), { message: 'range is full' })
  // A requested value the other server handed out is refused with upstream's wording.
  await assert.rejects(b.allocateIP(ipA, owner('b2')), { message: 'provided IP is already allocated' })
  assert.equal((await store.list('/registry/ipaddresses/')).items.length, 2)
  const rec = JSON.parse((await store.get(`/registry/ipaddresses/${ipA}`))!.value)
  assert.equal(rec.kind, 'IPAddress')
  assert.deepEqual(rec.spec.parentRef, { group: '', resource: 'services', namespace: 'default', name: 'a1' })
  await store.close()
})

test('shared store: a claim stands while its Service holds the value or its write is in flight, and no longer', async () => {
  let now = 0
  const { a, b, services, store } = sharedPair({ clock: () => now })
  await a.allocatePort(30005, owner('s1'))
  // In flight (s1 not in the store yet): B may not take it.
  await assert.rejects(b.allocatePort(30005, owner('x')), { message: 'provided port is already allocated' })
  services.set('default/s1', landed('s1', { ports: [{ port: 80, nodePort: 30005 }] }))
  now = 60_000 // long after: held, so still taken
  await assert.rejects(b.allocatePort(30005, owner('x')), { message: 'provided port is already allocated' })
  // Deleted through A right after it was created: released at once, B takes it.
  now = 1000
  await a.release('s1', services.get('default/s1')!.spec)
  services.delete('default/s1')
  await b.allocatePort(30005, owner('s2'))
  // s2's create failed (never landed): B's claim lapses after the pending time, not before.
  await assert.rejects(a.allocatePort(30005, owner('s3')), { message: 'provided port is already allocated' })
  now = 1000 + 30_001
  await a.allocatePort(30005, owner('s3'))
  // s3 landed without the port after all (its write changed): free at once.
  services.set('default/s3', landed('s3', { ports: [{ port: 80 }] }))
  await b.allocatePort(30005, owner('s4'))
  await store.close()
})

test('shared store: undo gives the claim back', async () => {
  const { a, b, store } = sharedPair()
  await a.allocateIP('127.96.9.9', owner('u'))
  a.undo({ ips: ['127.96.9.9'], ports: [] })
  await until(async () => (await store.get('/registry/ipaddresses/127.96.9.9')) === undefined)
  await b.allocateIP('127.96.9.9', owner('v'))
  await store.close()
})

async function until(cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await cond()); i++) await new Promise((r) => setImmediate(r))
  assert.ok(await cond())
}

test('services: two API servers on one store creating Services at once: no ClusterIP or NodePort twice', async () => {
  const store = new MemoryStore()
  const [x, y] = [buildApiServer({ store, serverAddress: '127.0.0.1:6443', sharedStore: true }), buildApiServer({ store, serverAddress: "127.0.0.1:6444", sharedStore: true })]
  await bootstrapNamespaces(x)
  const created = (await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? x : y).resource('', 'services')!.create('default', service(`s${i}`, { type: 'NodePort' }))))) as any[]
  assert.equal(new Set(created.map((s) => s.spec.clusterIP)).size, 60)
  assert.equal(new Set(created.map((s) => s.spec.ports[0].nodePort)).size, 60)
  // Deleted through one, requested again through the other at once.
  await x.resource('', 'services')!.delete('default', 's0', {})
  const again = (await y.resource('', 'services')!.create('default', service('again', { type: 'NodePort', clusterIP: created[0].spec.clusterIP, ports: [{ port: 80, nodePort: created[0].spec.ports[0].nodePort }] }))) as any
  assert.equal(again.spec.clusterIP, created[0].spec.clusterIP)
  const taken = await statusOf(x.resource('', 'services')!.create('default', service('dup', { type: 'NodePort', ports: [{ port: 80, nodePort: created[1].spec.ports[0].nodePort }] })))
  assert.equal(taken.code, 422)
  await store.close()
})
