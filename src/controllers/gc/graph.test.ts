import assert from 'node:assert/strict'
import { test } from 'node:test'
import { planDependent, type Node, type OwnerState } from './graph.js'

const node = (owners: string[], deleting = false): Node => ({
  ref: { group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'p', uid: 'p' },
  owners: owners.map((uid) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid, controller: true, blockOwnerDeletion: true })),
  deleting,
  finalizers: [],
})
const states = (s: Record<string, OwnerState>) => new Map(Object.entries(s))

test('planDependent follows upstream attemptToDeleteItem', () => {
  assert.deepEqual(planDependent(node(['a']), states({ a: 'present' })), { type: 'none' })
  assert.deepEqual(planDependent(node(['a']), states({ a: 'absent' })), { type: 'delete', policy: 'Background' })
  assert.deepEqual(planDependent(node(['a', 'b']), states({ a: 'absent', b: 'present' })), { type: 'removeOwners', uids: ['a'] })
  // A foreground owner: the dependent goes in the foreground only if it has dependents itself.
  assert.deepEqual(planDependent(node(['a']), states({ a: 'deletingForeground' }), true), { type: 'delete', policy: 'Foreground' })
  assert.deepEqual(planDependent(node(['a']), states({ a: 'deletingForeground' }), false), { type: 'delete', policy: 'Background' })
  assert.deepEqual(planDependent(node(['a'], true), states({ a: 'absent' })), { type: 'none' }, 'already deleting')
})
