import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { podDisruptionBudgets } from './poddisruptionbudget.js'

const pdb = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): StoredObject => ({
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec,
  status,
})

describe('poddisruptionbudgets', () => {
  it('prints NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE', () => {
    const now = new Date('2026-01-01T00:05:00Z')
    assert.deepEqual(podDisruptionBudgets.table.columns.map((c) => c.name), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age'])
    assert.deepEqual(podDisruptionBudgets.table.cells(pdb({ minAvailable: 2 }, { disruptionsAllowed: 1 }), now), ['web', '2', 'N/A', 1, '5m'])
    assert.deepEqual(podDisruptionBudgets.table.cells(pdb({ maxUnavailable: '25%' }), now), ['web', 'N/A', '25%', 0, '5m'])
  })

  it('validates as ValidatePodDisruptionBudgetSpec', () => {
    assert.deepEqual(podDisruptionBudgets.validate!(pdb({ minAvailable: '50%', selector: { matchLabels: { app: 'web' } } })), [])
    assert.deepEqual(podDisruptionBudgets.validate!(pdb({ minAvailable: -1, maxUnavailable: '120%', unhealthyPodEvictionPolicy: 'Sometimes' })).map(fieldErrorMessage), [
      'spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000010000), Selector:(*v1.LabelSelector)(nil), MaxUnavailable:(*intstr.IntOrString)(0xc000010000), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(0xc000010000)}: minAvailable and maxUnavailable cannot be both set',
      'spec.minAvailable: Invalid value: -1: must be greater than or equal to 0',
      'spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
      'spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"',
    ])
    assert.deepEqual(podDisruptionBudgets.validate!(pdb({ maxUnavailable: 'x' })).map(fieldErrorMessage), [
      `spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"x"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
    ])
  })

  it('keeps status counts non-negative on update', () => {
    const obj = pdb({ minAvailable: 1 }, { disruptionsAllowed: -1 })
    assert.deepEqual(podDisruptionBudgets.validateUpdate!(obj, obj).map(fieldErrorMessage), ['status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0'])
  })
})
