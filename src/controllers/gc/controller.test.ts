// The garbage collector over custom kinds served after it started: a CRD created later is watched
// (a CronTab owned by a CronTab, a ConfigMap owned by one, go with their owner), foreground and
// orphan deletion work for them, and a deleted CRD's informer stops.
import assert from 'node:assert/strict'
import { setMaxListeners } from 'node:events'
import { test } from 'node:test'
import { bootstrapNamespaces, buildApiServer, localClient, serveCustomResources } from '../../cli/wiring.js'
import { InformerFactory } from '../../client/factory.js'
import { isNotFound } from '../../client/errors.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { until } from '../../../test/kit/until.js'
import { GarbageCollector } from './controller.js'

type Json = { metadata: Record<string, any>; [k: string]: any }

const crd = (group: string, plural: string, kind: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural, kind },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
})

async function cluster() {
  const store = new MemoryStore()
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const ac = new AbortController()
  setMaxListeners(0, ac.signal) // every informer listens to it, as in `kubelite up`
  const serving = await serveCustomResources(api, ac.signal)
  const follow = serving.follow()
  const client = localClient(api, 'kube-controller-manager')
  const informers = new InformerFactory(client)
  const gc = new GarbageCollector(client, informers, undefined, { resyncMs: 60_000 })
  const running = gc.start(ac.signal)
  informers.start(ac.signal)
  return {
    api,
    client,
    async close() {
      ac.abort()
      await Promise.all([running, follow])
      await informers.stopped()
      await store.close()
    },
  }
}

const gone = async (get: () => Promise<unknown>) => {
  try {
    await get()
    return undefined
  } catch (err) {
    return isNotFound(err) ? true : undefined
  }
}

test('custom kinds defined after start: dependents of a deleted custom owner are collected; foreground and orphan work', async (t) => {
  const c = await cluster()
  t.after(() => c.close())
  // Let the collector sync before the CRD exists: only a later discovery re-read can find the kind.
  await new Promise((r) => setTimeout(r, 50))
  const crds = c.client.resource({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' })
  await crds.create(undefined, crd('stable.example.com', 'crontabs', 'CronTab'))
  const gvr = { group: 'stable.example.com', version: 'v1', resource: 'crontabs' }
  await until('served', async () => c.client.resources().some((r) => r.group === gvr.group && r.resource === gvr.resource) || undefined)
  const tabs = c.client.resource<Json>(gvr)
  const cms = c.client.resource<Json>({ group: '', version: 'v1', resource: 'configmaps' })
  const ref = (o: Json, blockOwnerDeletion = false) => ({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', name: o.metadata.name, uid: o.metadata.uid, ...(blockOwnerDeletion ? { blockOwnerDeletion: true } : {}) })

  // Background: a CronTab and a ConfigMap owned by a CronTab go once it is deleted.
  const parent = await tabs.create('default', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'parent' } })
  await tabs.create('default', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'child', ownerReferences: [ref(parent)] } })
  await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', ownerReferences: [ref(parent)] }, data: { a: '1' } })
  await tabs.delete('default', 'parent')
  await until('child collected', () => gone(() => tabs.get('default', 'child')), 10_000)
  await until('configmap collected', () => gone(() => cms.get('default', 'settings')), 10_000)

  // Foreground: the owner stays (with the foregroundDeletion finalizer) until its blocking dependents are gone.
  const fg = await tabs.create('default', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'fg' } })
  await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fg-dep', ownerReferences: [ref(fg, true)] } })
  await tabs.delete('default', 'fg', { propagationPolicy: 'Foreground' })
  const deleting = await tabs.get('default', 'fg').catch(() => undefined)
  if (deleting) assert.ok(deleting.metadata.finalizers?.includes('foregroundDeletion'), 'the owner waits with the foregroundDeletion finalizer')
  await until('foreground dependent collected', () => gone(() => cms.get('default', 'fg-dep')), 10_000)
  await until('foreground owner gone', () => gone(() => tabs.get('default', 'fg')), 10_000)

  // Orphan: the dependent stays, without the reference.
  const orphaner = await tabs.create('default', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'orphaner' } })
  await tabs.create('default', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'kept', ownerReferences: [ref(orphaner)] } })
  await tabs.delete('default', 'orphaner', { propagationPolicy: 'Orphan' })
  await until('orphaner gone', () => gone(() => tabs.get('default', 'orphaner')), 10_000)
  const kept = await until('reference removed', async () => {
    const o = await tabs.get('default', 'kept')
    return o.metadata.ownerReferences ? undefined : o
  }, 10_000)
  assert.equal(kept.metadata.name, 'kept')
})

test('a custom kind served at start (a restarted cluster) is watched too, and a second CRD added later', async (t) => {
  const store = new MemoryStore()
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const crds = api.resource('apiextensions.k8s.io', 'customresourcedefinitions')!
  const ac = new AbortController()
  setMaxListeners(0, ac.signal)
  await crds.create(undefined, crd('a.example.com', 'widgets', 'Widget'))
  const serving = await serveCustomResources(api, ac.signal)
  const follow = serving.follow()
  await until('widgets served', async () => api.resource('a.example.com', 'widgets'))
  const client = localClient(api, 'kube-controller-manager')
  const informers = new InformerFactory(client)
  const running = new GarbageCollector(client, informers, undefined, { resyncMs: 60_000 }).start(ac.signal)
  informers.start(ac.signal)
  t.after(async () => {
    ac.abort()
    await Promise.all([running, follow])
    await informers.stopped()
    await store.close()
  })
  const widgets = client.resource<Json>({ group: 'a.example.com', version: 'v1', resource: 'widgets' })
  const w = await widgets.create('default', { apiVersion: 'a.example.com/v1', kind: 'Widget', metadata: { name: 'w' } })
  await crds.create(undefined, crd('b.example.com', 'gadgets', 'Gadget'))
  await until('gadgets served', async () => client.resources().some((r) => r.resource === 'gadgets') || undefined)
  const gadgets = client.resource<Json>({ group: 'b.example.com', version: 'v1', resource: 'gadgets' })
  // A Gadget owned by a Widget, and a Widget owned by that Gadget: a chain across both kinds.
  const g = await gadgets.create('default', { apiVersion: 'b.example.com/v1', kind: 'Gadget', metadata: { name: 'g', ownerReferences: [{ apiVersion: 'a.example.com/v1', kind: 'Widget', name: 'w', uid: w.metadata.uid }] } })
  await widgets.create('default', { apiVersion: 'a.example.com/v1', kind: 'Widget', metadata: { name: 'w2', ownerReferences: [{ apiVersion: 'b.example.com/v1', kind: 'Gadget', name: 'g', uid: g.metadata.uid }] } })
  await widgets.delete('default', 'w')
  await until('gadget collected', () => gone(() => gadgets.get('default', 'g')), 10_000)
  await until('second widget collected', () => gone(() => widgets.get('default', 'w2')), 10_000)
})
