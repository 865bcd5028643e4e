import { test } from 'node:test'
import assert from 'node:assert/strict'
import { serviceAccountsResource as d, type ServiceAccountObj } from './serviceaccounts.js'

test('serviceaccounts', () => {
  assert.deepEqual([d.kind, d.resource, d.singular, d.namespaced, d.shortNames], ['ServiceAccount', 'serviceaccounts', 'serviceaccount', true, ['sa']])
  const sa = { metadata: { name: 'default', namespace: 'default', creationTimestamp: '2025-01-01T11:00:00Z' } } as ServiceAccountObj
  assert.deepEqual(d.table.columns.map((c) => c.name), ['Name', 'Secrets', 'Age'])
  assert.deepEqual(d.table.cells(sa, new Date('2025-01-01T12:00:00Z')), ['default', 0, '60m'])
})
