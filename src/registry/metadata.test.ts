// ObjectMeta's omitempty maps and lists never reach storage empty, as on a real cluster.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bootstrapNamespaces, buildApiServer } from '../cli/wiring.js'
import { MemoryStore } from '../store/memory/memory.js'

test('empty labels, annotations, finalizers and ownerReferences are dropped on create and update', async () => {
  const api = buildApiServer({ store: new MemoryStore(), serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const cms = api.resource('', 'configmaps')!
  const created = await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: {}, annotations: {}, finalizers: [], ownerReferences: [] } }, {})
  for (const f of ['labels', 'annotations', 'finalizers', 'ownerReferences']) assert.equal(f in created.metadata, false, f)

  await cms.patch('default', 'c', 'application/merge-patch+json', JSON.stringify({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u1' }] } }))
  // Removing the last owner (what a garbage collector's or controller's release does) leaves none.
  const released = await cms.patch('default', 'c', 'application/strategic-merge-patch+json', JSON.stringify({ metadata: { ownerReferences: [{ $patch: 'delete', uid: 'u1' }] } }))
  assert.equal('ownerReferences' in released.object.metadata, false)
  assert.equal('ownerReferences' in (await cms.get('default', 'c')).metadata, false)
})
