import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { enqueueController, enqueueObject } from './enqueue.js'

const obj = (name: string, owner?: { kind: string; name: string }): StoredObject =>
  ({ metadata: { name, namespace: 'ns', ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: 'u', controller: true }] } : {}) } }) as StoredObject

test('enqueueObject: the object itself, on add, update and delete', () => {
  const keys: string[] = []
  const h = enqueueObject({ add: (k) => keys.push(k) })
  h.add!(obj('a'))
  h.update!(obj('a'), obj('b'))
  h.delete!(obj('c'))
  assert.deepEqual(keys, ['ns/a', 'ns/b', 'ns/c'])
})

test('enqueueController: the controller of that kind only, old and new on an update', () => {
  const keys: string[] = []
  const h = enqueueController('StatefulSet', { add: (k) => keys.push(k) })
  h.add!(obj('web-0', { kind: 'StatefulSet', name: 'web' }))
  h.add!(obj('x', { kind: 'ReplicaSet', name: 'rs' }))
  h.add!(obj('orphan'))
  h.update!(obj('p', { kind: 'StatefulSet', name: 'old' }), obj('p', { kind: 'StatefulSet', name: 'new' }))
  h.delete!(obj('web-1', { kind: 'StatefulSet', name: 'web' }))
  assert.deepEqual(keys, ['ns/web', 'ns/old', 'ns/new', 'ns/web'])
})
