import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../apis/meta.js'
import { FakeClock } from '../lib/clock.js'
import { byNodeName, filtered, Informer, metadataOnly, nodeNameIndex, type InformerHandlers } from './informer.js'
import type { ResourceClient, WatchEvent } from './types.js'
import { until } from '../../test/kit/index.js'
import { gvrs, InformerFactory } from './factory.js'
import type { Client } from './types.js'

/** A resource whose list answers `items` and whose watch delivers what send() pushes. */
function fakeResource(items: StoredObject[]) {
  const pending: WatchEvent[] = []
  let wake: (() => void) | undefined
  const calls = { list: 0, watch: 0 }
  const client = {
    info: { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, verbs: ['list', 'watch'] },
    async list() {
      calls.list++
      return { items: structuredClone(items), resourceVersion: '1' }
    },
    async *watch(_ns: string | undefined, _opts: unknown, signal: AbortSignal) {
      calls.watch++
      const aborted = new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }))
      while (!signal.aborted) {
        while (pending.length) yield pending.shift()!
        await Promise.race([new Promise<void>((r) => (wake = r)), aborted])
      }
    },
  } as unknown as ResourceClient
  return {
    client,
    calls,
    send(type: WatchEvent['type'], object: StoredObject) {
      pending.push({ type, object })
      wake?.()
    },
  }
}

const pod = (name: string, nodeName?: string, rv = '1'): StoredObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', resourceVersion: rv, uid: name }, spec: nodeName ? { nodeName } : {} }) as StoredObject

/** Records handler calls as `add a`, `update a`, `delete a`. */
function recorder(): { seen: string[]; handlers: InformerHandlers<StoredObject> } {
  const seen: string[] = []
  return {
    seen,
    handlers: {
      add: (o) => seen.push(`add ${o.metadata.name}`),
      update: (_, o) => seen.push(`update ${o.metadata.name}`),
      delete: (o) => seen.push(`delete ${o.metadata.name}`),
    },
  }
}

const settle = () => new Promise((r) => setImmediate(r))

test('handlers added to a running informer get the cached objects as adds first', async () => {
  const r = fakeResource([pod('a'), pod('b')])
  const inf = new Informer(r.client)
  const early = recorder()
  inf.on(early.handlers)
  const ac = new AbortController()
  const running = inf.start(ac.signal)
  await inf.waitForSync()
  const late = recorder()
  inf.on(late.handlers)
  assert.deepEqual(late.seen, ['add a', 'add b'])
  r.send('MODIFIED', pod('a', undefined, '2'))
  await until('the update', () => late.seen.length === 3)
  assert.deepEqual(early.seen, ['add a', 'add b', 'update a'])
  assert.deepEqual(late.seen, ['add a', 'add b', 'update a'])
  // Removed handlers hear nothing more.
  inf.off(late.handlers)
  r.send('DELETED', pod('b', undefined, '3'))
  await until('the delete', () => early.seen.length === 4)
  assert.deepEqual(late.seen, ['add a', 'add b', 'update a'])
  ac.abort()
  await running
})

test('onIndex sees a node\'s pods as a field-selected watch would: bound → add, replayed only its own', async () => {
  const r = fakeResource([pod('mine', 'kubelite'), pod('other', 'kubelite-m02'), pod('pending')])
  const inf = new Informer(r.client).addIndex(nodeNameIndex, byNodeName)
  const ac = new AbortController()
  const running = inf.start(ac.signal)
  await inf.waitForSync()
  assert.deepEqual(inf.byIndex(nodeNameIndex, 'kubelite').map((p) => p.metadata.name), ['mine'])
  const node = recorder()
  inf.onIndex(nodeNameIndex, 'kubelite', node.handlers)
  assert.deepEqual(node.seen, ['add mine'])
  r.send('MODIFIED', pod('pending', 'kubelite', '2')) // the scheduler binds it here
  r.send('MODIFIED', pod('other', 'kubelite-m02', '3'))
  r.send('MODIFIED', pod('mine', 'kubelite', '4'))
  r.send('DELETED', pod('mine', 'kubelite', '5'))
  await until('four events', () => inf.getByKey('default/mine') === undefined)
  await settle()
  assert.deepEqual(node.seen, ['add mine', 'add pending', 'update mine', 'delete mine'])
  assert.deepEqual(inf.byIndex(nodeNameIndex, 'kubelite').map((p) => p.metadata.name), ['pending'])
  assert.throws(() => inf.onIndex('nope', 'x', {}), /informer has no index "nope"/)
  ac.abort()
  await running
})

test('filtered turns entering and leaving the filter into add and delete', () => {
  const f = recorder()
  const h = filtered((o: StoredObject) => o.metadata.labels?.keep === 'yes', f.handlers)
  const o = (labels: Record<string, string>) => ({ metadata: { name: 'x', labels } }) as StoredObject
  h.add!(o({}))
  h.update!(o({}), o({ keep: 'yes' }))
  h.update!(o({ keep: 'yes' }), o({ keep: 'yes', more: '1' }))
  h.update!(o({ keep: 'yes' }), o({}))
  h.delete!(o({}))
  h.add!(o({ keep: 'yes' }))
  h.delete!(o({ keep: 'yes' }))
  assert.deepEqual(f.seen, ['add x', 'update x', 'delete x', 'add x', 'delete x'])
})

test('an update that keeps an object\'s index values keeps its place in the index', async () => {
  const r = fakeResource([pod('a', 'n'), pod('b', 'n')])
  const inf = new Informer(r.client).addIndex(nodeNameIndex, byNodeName)
  const ac = new AbortController()
  const running = inf.start(ac.signal)
  await inf.waitForSync()
  r.send('MODIFIED', pod('a', 'n', '2'))
  await until('the update', () => inf.getByKey('default/a')?.metadata.resourceVersion === '2')
  assert.deepEqual(inf.byIndex(nodeNameIndex, 'n').map((p) => p.metadata.name), ['a', 'b'])
  ac.abort()
  await running
})

test('resync hands every cached object to the handlers as update(obj, obj) every resyncMs, and only then', async () => {
  const clock = new FakeClock()
  const r = fakeResource([pod('a'), pod('b')])
  const inf = new Informer(r.client, { resyncMs: 30_000, clock })
  const updates: [string, boolean][] = []
  inf.on({ update: (old, o) => updates.push([o.metadata.name!, old === o]) })
  const ac = new AbortController()
  const running = inf.start(ac.signal)
  await inf.waitForSync()
  clock.step(29_999)
  assert.deepEqual(updates, [])
  clock.step(1)
  assert.deepEqual(updates, [['a', true], ['b', true]])
  clock.step(30_000)
  assert.equal(updates.length, 4)
  ac.abort()
  await running
  assert.equal(clock.waiters, 0, 'the resync timer is cleared on stop')
  clock.step(60_000)
  assert.equal(updates.length, 4)
  assert.equal(r.calls.list, 1, 'a resync re-delivers the cache, it does not re-list')
  assert.throws(() => new Informer(r.client, { resyncMs: 0 }), /resyncMs: must be a positive number of milliseconds, got 0/)
})

test('no resync by default', async () => {
  const clock = new FakeClock()
  const r = fakeResource([pod('a')])
  const inf = new Informer(r.client, { clock })
  const ac = new AbortController()
  const running = inf.start(ac.signal)
  await inf.waitForSync()
  assert.equal(clock.waiters, 0)
  ac.abort()
  await running
})

test('a metadata-only informer caches and hands out identity, owners, finalizers and deletion only', async () => {
  const owned = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'big',
      namespace: 'default',
      uid: 'u1',
      resourceVersion: '1',
      labels: { a: 'b' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(1000) },
      managedFields: [{ manager: 'kubectl' }],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }],
      finalizers: ['example.com/keep'],
    },
    data: { key: 'y'.repeat(1000) },
  } as unknown as StoredObject
  const r = fakeResource([owned])
  const inf = new Informer(r.client, { transform: metadataOnly })
  const seen: StoredObject[] = []
  inf.on({ add: (o) => seen.push(o), update: (_, o) => seen.push(o) })
  const ac = new AbortController()
  const running = inf.start(ac.signal)
  await inf.waitForSync()
  const want = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'big', namespace: 'default', uid: 'u1', resourceVersion: '1', ownerReferences: owned.metadata.ownerReferences, finalizers: ['example.com/keep'] },
  }
  assert.deepEqual(inf.get('default', 'big'), want)
  assert.deepEqual(seen, [want])
  r.send('MODIFIED', { ...owned, metadata: { ...owned.metadata, resourceVersion: '2', deletionTimestamp: '2026-12-07T00:00:00Z' } } as StoredObject)
  await until('the update', () => seen.length === 2)
  assert.deepEqual(seen[1], { ...want, metadata: { ...want.metadata, resourceVersion: '2', deletionTimestamp: '2026-12-07T00:00:00Z' } })
  ac.abort()
  await running
})

test('the shared factory caches objects without managedFields and leaves the watched object as it was', async () => {
  const withFields = (rv: string) =>
    ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', uid: 'u1', resourceVersion: rv, labels: { app: 'web' }, managedFields: [{ manager: 'kubelet', operation: 'Update' }] },
      spec: { nodeName: 'n1' },
    }) as unknown as StoredObject
  const r = fakeResource([withFields('1')])
  const factory = new InformerFactory({ resource: () => r.client } as unknown as Client)
  const inf = factory.informer(gvrs.pods)
  const seen: StoredObject[] = []
  inf.on({ add: (o) => seen.push(o), update: (_, o) => seen.push(o) })
  const ac = new AbortController()
  factory.start(ac.signal)
  await factory.waitForSync()
  const want = (rv: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1', resourceVersion: rv, labels: { app: 'web' } }, spec: { nodeName: 'n1' } })
  assert.deepEqual(inf.get('default', 'p'), want('1'))
  const sent = Object.freeze(withFields('2'))
  r.send('MODIFIED', sent)
  await until('the update', () => seen.length === 2)
  assert.deepEqual(seen[1], want('2'))
  assert.equal(sent.metadata.managedFields?.length, 1, 'the event object itself keeps its managedFields')
  ac.abort()
  await factory.stopped()
})
