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

test('null entries in metadata lists are zero values that validation judges as upstream (a 422, never a 500)', async () => {
  const api = buildApiServer({ store: new MemoryStore(), serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const cms = api.resource('', 'configmaps')!
  const attempt = async (metadata: Record<string, unknown>) => {
    try {
      await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n', ...metadata } }, {})
      return 'created'
    } catch (err) {
      return (err as { status: { code: number; message: string } }).status
    }
  }
  const managed = (await attempt({ managedFields: [null] })) as { code: number; message: string }
  assert.equal(managed.code, 422)
  assert.equal(managed.message, 'ConfigMap "n" is invalid: metadata.managedFields[0].operation: Invalid value: "": must be `Apply` or `Update`')
  const owners = (await attempt({ ownerReferences: [null] })) as { code: number; message: string }
  assert.equal(owners.code, 422)
  assert.match(owners.message, /metadata\.ownerReferences\[0\]\.apiVersion: Invalid value: "": version must not be empty/)
  assert.equal(await attempt({ managedFields: [{ manager: 'me', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: {} }] }), 'created')
})
