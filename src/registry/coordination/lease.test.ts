import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { leases } from './lease.js'

const lease = (spec: Record<string, unknown>): StoredObject => ({
  metadata: { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec,
})

describe('leases', () => {
  it('prints the holder', () => {
    const now = new Date('2026-01-01T00:10:00Z')
    assert.deepEqual(leases.table.cells(lease({ holderIdentity: 'node-1', leaseDurationSeconds: 40 }), now), ['node-1', 'node-1', '10m'])
    assert.deepEqual(leases.table.cells(lease({}), now), ['node-1', '', '10m'])
    assert.deepEqual(leases.table.columns.map((c) => c.name), ['Name', 'Holder', 'Age'])
  })

  it('validates durations and transitions', () => {
    assert.deepEqual(leases.validate!(lease({ holderIdentity: 'a', leaseDurationSeconds: 40, leaseTransitions: 0 })), [])
    assert.deepEqual(leases.validate!(lease({ leaseDurationSeconds: 0, leaseTransitions: -1 })).map(fieldErrorMessage), [
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    ])
  })

  it('drops the feature-gated fields on create', () => {
    const l = lease({ holderIdentity: 'a', strategy: 'Bogus', preferredHolder: 'b' })
    leases.prepareForCreate!(l)
    assert.deepEqual(l.spec, { holderIdentity: 'a' })
    assert.deepEqual(leases.validate!(l), [])
    assert.deepEqual(leases.validate!(lease({ strategy: 'Bogus' })).map(fieldErrorMessage), [
      'spec.strategy.strategy: Unsupported value: "Bogus": supported values: "OldestEmulationVersion"',
    ])
  })

  it('discovery facts', () => {
    assert.deepEqual([leases.group, leases.version, leases.kind, leases.resource, leases.namespaced, leases.shortNames], ['coordination.k8s.io', 'v1', 'Lease', 'leases', true, undefined])
  })
})
