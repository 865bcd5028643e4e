// The in-process client writes a copy of what it is given, as a body over HTTP would be.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bootstrapNamespaces, buildApiServer, localClient } from '../cli/wiring.js'
import { MemoryStore } from '../store/memory/memory.js'
import type { StoredObject } from '../apis/meta.js'

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}

test('an update of a frozen object carrying nulls (an informer copy) is written, the caller’s object untouched', async () => {
  const store = new MemoryStore()
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:0' })
  await bootstrapNamespaces(api)
  const client = localClient(api, 'test')
  const cms = client.resource<StoredObject & { data?: Record<string, string> }>({ group: '', version: 'v1', resource: 'configmaps' })
  const created = await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } })
  const frozen = deepFreeze({ ...created, metadata: { ...created.metadata, labels: null as unknown as Record<string, string> }, data: { a: '2' } })
  const updated = await cms.update(frozen)
  assert.deepEqual(updated.data, { a: '2' })
  assert.equal(updated.metadata.labels, undefined)
  assert.equal(frozen.metadata.labels, null)
  await store.close()
})
