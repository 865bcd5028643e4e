import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { JobObj } from '../job/plan.js'
import { planTTL } from './plan.js'

const finished = (ttl: number | undefined, type = 'Complete', extra: Record<string, unknown> = {}) =>
  ({
    metadata: { name: 'pi', namespace: 'default', ...extra },
    spec: ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl },
    status: { conditions: [{ type, status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  }) as unknown as JobObj

describe('planTTL', () => {
  const at = (s: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + s * 1000)
  it('deletes ttlSecondsAfterFinished after the Job finished, waits until then', () => {
    assert.deepEqual(planTTL(finished(10), at(4)), { kind: 'wait', ms: 6000 })
    assert.deepEqual(planTTL(finished(10), at(10)), { kind: 'delete' })
    assert.deepEqual(planTTL(finished(0, 'Failed'), at(0)), { kind: 'delete' })
  })
  it('leaves alone Jobs without a TTL, unfinished, or already being deleted', () => {
    assert.deepEqual(planTTL(finished(undefined), at(100)), { kind: 'none' })
    assert.deepEqual(planTTL(finished(1, 'SuccessCriteriaMet'), at(100)), { kind: 'none' })
    assert.deepEqual(planTTL(finished(1, 'Complete', { deletionTimestamp: '2026-01-01T00:00:01Z' }), at(100)), { kind: 'none' })
  })
})
