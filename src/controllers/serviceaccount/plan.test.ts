import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { planServiceAccounts } from './plan.js'

const ns = (name: string, extra: Partial<StoredObject['metadata']> = {}, phase = 'Active'): StoredObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...extra }, status: { phase } })

test('an active namespace without `default` gets it; one with it gets nothing', () => {
  assert.deepEqual(planServiceAccounts(ns('team'), new Set()), [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'team' } }])
  assert.deepEqual(planServiceAccounts(ns('team'), new Set(['default', 'builder'])), [])
})

test('a terminating namespace gets nothing, as upstream skips namespaces that are not Active', () => {
  assert.deepEqual(planServiceAccounts(ns('gone', { deletionTimestamp: '2026-12-07T00:00:00Z' }), new Set()), [])
  assert.deepEqual(planServiceAccounts(ns('gone', {}, 'Terminating'), new Set()), [])
})
