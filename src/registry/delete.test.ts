// Graceful deletion with finalizers, as upstream's BeforeDelete and the generic store do it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bootstrapNamespaces, buildApiServer } from '../cli/wiring.js'
import { MemoryStore } from '../store/memory/memory.js'

async function pods() {
  const api = buildApiServer({ store: new MemoryStore(), serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  return api.resource('', 'pods')!
}

const pod = (finalizers?: string[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', ...(finalizers ? { finalizers } : {}) },
  spec: { containers: [{ name: 'c', image: 'nginx' }], nodeName: 'n1' },
})

test('a second delete may shorten the grace period to 0; the object then goes when its last finalizer does', async () => {
  const r = await pods()
  await r.create('default', pod(['example.com/hold']), {})
  const first = await r.delete('default', 'p', { gracePeriodSeconds: 30 })
  assert.equal(first.deleted, false)
  assert.equal((await r.get('default', 'p')).metadata.deletionGracePeriodSeconds, 30)

  // The kubelet's final delete while a finalizer still holds the pod: shortened, kept.
  const second = await r.delete('default', 'p', { gracePeriodSeconds: 0 })
  assert.equal(second.deleted, false)
  const held = await r.get('default', 'p')
  assert.equal(held.metadata.deletionGracePeriodSeconds, 0)

  // A longer grace period never lengthens it again.
  await r.delete('default', 'p', { gracePeriodSeconds: 60 })
  assert.equal((await r.get('default', 'p')).metadata.deletionGracePeriodSeconds, 0)

  // Removing the finalizer deletes it for real.
  await r.patch('default', 'p', 'application/merge-patch+json', JSON.stringify({ metadata: { finalizers: null } }))
  await assert.rejects(r.get('default', 'p'), (err: { code?: number }) => err.code === 404)
})

test('a pod without finalizers deleted gracefully waits for its node; grace 0 then removes it', async () => {
  const r = await pods()
  await r.create('default', pod(), {})
  assert.equal((await r.delete('default', 'p', { gracePeriodSeconds: 30 })).deleted, false)
  assert.equal((await r.delete('default', 'p', { gracePeriodSeconds: 0 })).deleted, true)
  await assert.rejects(r.get('default', 'p'), (err: { code?: number }) => err.code === 404)
})

test('only pods honour a grace period: anything else goes at once, as upstream BeforeDelete; a huge one stays a date', async () => {
  const api = buildApiServer({ store: new MemoryStore(), serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const cms = api.resource('', 'configmaps')!
  await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, {})
  assert.equal((await cms.delete('default', 'c', { gracePeriodSeconds: 30 })).deleted, true)
  await assert.rejects(cms.get('default', 'c'), /not found/)
  const r = api.resource('', 'pods')!
  await r.create('default', pod(), {})
  await r.delete('default', 'p', { gracePeriodSeconds: 9223372036854775807 })
  const p = await r.get('default', 'p')
  assert.ok(!Number.isNaN(Date.parse(p.metadata.deletionTimestamp!)), p.metadata.deletionTimestamp)
})
