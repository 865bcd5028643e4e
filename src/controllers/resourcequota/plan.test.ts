import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { podUsage } from '../../apis/core/usage.js'
import { planQuotaStatus, totalUsage, type QuotaObj } from './plan.js'

const now = new Date('2026-01-01T00:00:00Z')
const pod = (cpu: string, memory: string, phase = 'Running') => ({
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'c', resources: { requests: { cpu, memory }, limits: { cpu, memory } } }] },
  status: { phase },
})

describe('planQuotaStatus', () => {
  it('hard follows spec; used counts exactly the limited resources, in the limit format', () => {
    const q: QuotaObj = { metadata: { name: 'q' }, spec: { hard: { pods: '4', 'requests.cpu': '2', 'limits.memory': '1Gi' } } }
    const usage = totalUsage([pod('500m', '128Mi'), pod('250m', '64Mi'), pod('1', '1Gi', 'Succeeded')].map((p) => podUsage(p, now)))
    assert.deepEqual(planQuotaStatus(q, usage), { hard: { pods: '4', 'requests.cpu': '2', 'limits.memory': '1Gi' }, used: { pods: '2', 'requests.cpu': '750m', 'limits.memory': '192Mi' } })
  })
  it('writes nothing when current, zero when nothing is used', () => {
    const q: QuotaObj = { metadata: { name: 'q' }, spec: { hard: { pods: '1' } }, status: { hard: { pods: '1' }, used: { pods: '0' } } }
    assert.equal(planQuotaStatus(q, {}), undefined)
    assert.deepEqual(planQuotaStatus({ ...q, status: undefined }, {}), { hard: { pods: '1' }, used: { pods: '0' } })
  })
})
