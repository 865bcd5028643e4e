import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bootstrapNamespaces, buildApiServer, serveCustomResources } from '../../cli/wiring.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { until } from '../../../test/kit/until.js'

type Json = Record<string, any>

const crontabs = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', kind: 'CronTab', shortNames: ['ct'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer', default: 1 } } } } } },
      },
    ],
  },
}

async function cluster(store = new MemoryStore()) {
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const ac = new AbortController()
  const serving = await serveCustomResources(api, ac.signal)
  const loop = serving.follow()
  return { api, store, stop: async () => (ac.abort(), await loop) }
}

test('a created CRD is served at once, with defaults, status conditions and upstream validation', async (t) => {
  const c = await cluster()
  t.after(c.stop)
  const crds = c.api.resource('apiextensions.k8s.io', 'customresourcedefinitions')!
  const created = (await crds.create(undefined, structuredClone(crontabs))) as Json
  assert.equal(created.spec.names.listKind, 'CronTabList')
  assert.equal(created.spec.names.singular, 'crontab')
  assert.deepEqual(created.spec.conversion, { strategy: 'None' })
  assert.deepEqual(created.status.storedVersions, ['v1'])
  const rs = await until('the kind is served', async () => c.api.resource('stable.example.com', 'crontabs'))
  const established = await until('Established', async () => {
    const o = (await crds.get(undefined, 'crontabs.stable.example.com')) as Json
    return o.status.conditions?.find((x: Json) => x.type === 'Established') ? o : undefined
  })
  assert.deepEqual(established.status.conditions.map((x: Json) => [x.type, x.status, x.reason]), [
    ['NamesAccepted', 'True', 'NoConflicts'],
    ['Established', 'True', 'InitialNamesAccepted'],
  ])
  const obj = (await rs.create('default', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'a' }, spec: {} })) as Json
  assert.deepEqual(obj.spec, { replicas: 1 })
  await assert.rejects(rs.create('default', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'b' }, spec: { replicas: 'x' } }), (err: Json) => {
    assert.equal(err.status.message, 'CronTab.stable.example.com "b" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"')
    return true
  })
  assert.ok(c.api.servedResources().some((d) => d.resource === 'crontabs'))
})

test('deleting a CRD deletes its instances, then the CRD, and stops serving; a new API server serves stored CRDs', async (t) => {
  const store = new MemoryStore()
  const first = await cluster(store)
  const crds = first.api.resource('apiextensions.k8s.io', 'customresourcedefinitions')!
  await crds.create(undefined, structuredClone(crontabs))
  const rs = await until('the kind is served', async () => first.api.resource('stable.example.com', 'crontabs'))
  await rs.create('default', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'a' } })
  assert.equal((await store.list('/registry/crontabs.stable.example.com/')).items.length, 1)
  await first.stop()

  const second = await cluster(store)
  t.after(second.stop)
  const again = second.api.resource('stable.example.com', 'crontabs')
  assert.ok(again, 'served from the stored CRD before anything else happens')
  assert.equal((await again.list('default')).items.length, 1)

  const crds2 = second.api.resource('apiextensions.k8s.io', 'customresourcedefinitions')!
  const pending = await crds2.delete(undefined, 'crontabs.stable.example.com')
  assert.equal(pending.deleted, false)
  assert.deepEqual(pending.object.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io'])
  await until('the CRD is gone', async () => ((await crds2.list(undefined)).items.length === 0 ? true : undefined))
  assert.equal(second.api.resource('stable.example.com', 'crontabs'), undefined)
  assert.equal((await store.list('/registry/crontabs.stable.example.com/')).items.length, 0, 'the instances were deleted')
})

test('while a deleting CRD waits on an instance with a finalizer, no new instances are taken', async (t) => {
  const c = await cluster()
  t.after(c.stop)
  const crds = c.api.resource('apiextensions.k8s.io', 'customresourcedefinitions')!
  await crds.create(undefined, structuredClone(crontabs))
  const rs = await until('the kind is served', async () => c.api.resource('stable.example.com', 'crontabs'))
  await rs.create('default', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'held', finalizers: ['example.com/hold'] } })
  await crds.delete(undefined, 'crontabs.stable.example.com')
  const waiting = await until('the cleanup waits', async () => {
    const o = (await crds.get(undefined, 'crontabs.stable.example.com')) as Json
    return o.status.conditions.find((x: Json) => x.type === 'Terminating' && x.reason === 'InstanceDeletionCheck')
  })
  assert.equal(waiting.message, 'could not confirm zero CustomResources remaining: 1 remaining')
  await assert.rejects(rs.create('default', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'new' } }), (err: Json) => {
    assert.deepEqual([err.status.code, err.status.reason, err.status.message], [405, 'MethodNotAllowed', 'create not allowed while custom resource definition is terminating'])
    return true
  })
  await rs.patch('default', 'held', 'application/merge-patch+json', '{"metadata":{"finalizers":null}}', {})
  await until('the CRD is gone', async () => ((await crds.list(undefined)).items.length === 0 ? true : undefined))
})
