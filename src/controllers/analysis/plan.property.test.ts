// Properties of the AnalysisRun state machine over random measurement outcomes and limits: a
// metric with a count never takes more measurements than that; counters add up to what was
// measured; once failed > failureLimit the run is Failed; a completed run never changes again.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { rfc3339 } from '../../lib/duration.js'
import { finishAnalysisRun, planAnalysisRun } from './plan.js'
import type { AnalysisPhase, AnalysisRunObj } from './types.js'

const T0 = Date.parse('2026-12-07T10:00:00Z')

test('property: count, counters, failureLimit and completion hold for any outcomes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 3 }),
      fc.array(fc.constantFrom<AnalysisPhase>('Successful', 'Failed', 'Inconclusive', 'Error'), { minLength: 1, maxLength: 30 }),
      (count, failureLimit, outcomes) => {
        fc.pre(count >= failureLimit)
        let run: AnalysisRunObj = {
          metadata: { name: 'r', namespace: 'default', uid: 'u' },
          spec: { metrics: [{ name: 'm', count, interval: '1s', failureLimit, inconclusiveLimit: count, provider: { web: { url: 'http://h/' } } }] },
        }
        let measured = 0
        let completedPhase: string | undefined
        for (const [i, phase] of outcomes.entries()) {
          // Passes 11 s apart: every measurement (and every error retry) is due.
          const now = new Date(T0 + i * 11_000)
          const plan = planAnalysisRun(run, now)
          if (plan.kind === 'completed') break
          assert.equal(plan.kind, 'measure')
          if (plan.kind !== 'measure') return
          const out = finishAnalysisRun(run, plan, plan.tasks.map((task) => ({ task, measurement: { phase, startedAt: rfc3339(now) } })), now)
          measured += plan.tasks.length
          run = { ...run, status: out.status }
          const r = out.status.metricResults![0]!
          const counted = (r.successful ?? 0) + (r.failed ?? 0) + (r.inconclusive ?? 0)
          assert.equal(r.count ?? 0, counted, 'count = successful + failed + inconclusive')
          assert.equal(counted + (r.error ?? 0), measured, 'every measurement is counted once')
          assert.ok((r.count ?? 0) <= count, 'never more than count')
          if ((r.failed ?? 0) > failureLimit) assert.equal(out.status.phase, 'Failed')
          if (completedPhase) assert.equal(out.status.phase, completedPhase)
          if (['Successful', 'Failed', 'Error', 'Inconclusive'].includes(out.status.phase ?? '')) completedPhase ??= out.status.phase
        }
        const r = run.status?.metricResults?.[0]
        if (r && (r.count ?? 0) === count && !completedPhase) assert.fail('count reached but the run did not complete')
      },
    ),
    { numRuns: 500 },
  )
})
