// kubelite's provider: the query language (parse errors name what is wrong), its figures over a
// traffic report, and the canary judge over report steps: a canary that fails where stable does
// not is Failed with a message naming the metric and both values; equal versions pass.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { evaluateQuery, judgeReport, kubeliteProvider, parseQuery, stepSamples, type TrafficReport } from './kubelite.js'
import type { AnalysisRunObj, Metric } from '../types.js'

const lat = (p50: number, p99 = p50 * 2) => ({ p50, p90: p50 * 1.5, p99, mean: p50, max: p99 * 1.2 })
const T0 = Date.parse('2026-12-07T10:00:00Z')

function series(n: number, f: (i: number) => { requests: number; errors: number; p50?: number }) {
  return Array.from({ length: n }, (_, i) => {
    const s = f(i)
    return { start: new Date(T0 + i * 10_000).toISOString(), requests: s.requests, errors: s.errors, ...(s.requests ? { latencyMs: lat(s.p50 ?? 2) } : {}) }
  })
}

function group(hash: string, steps: ReturnType<typeof series>) {
  const requests = steps.reduce((a, s) => a + s.requests, 0)
  const errors = steps.reduce((a, s) => a + s.errors, 0)
  return { service: 'web', replicaSet: `web-${hash}`, podTemplateHash: hash, requests, errors, errorRate: requests ? errors / requests : 0, requestsPerSecond: requests / 60, mirrored: 0, latencyMs: lat(2), series: steps }
}

const report = (...groups: ReturnType<typeof group>[]): TrafficReport => ({ window: { start: new Date(T0).toISOString(), end: new Date(T0 + 60_000).toISOString(), seconds: 60, stepSeconds: 10 }, groups })

test('parseQuery reads metric{selectors}[window]', () => {
  assert.deepEqual(parseQuery('error_rate{service="web", hash="abc"}[1m]'), { metric: 'error_rate', service: 'web', hash: 'abc', window: '1m' })
  assert.deepEqual(parseQuery(' p99_latency{service="web",backend="canary"} '), { metric: 'p99_latency', service: 'web', backend: 'canary', window: '60s' })
  assert.throws(() => parseQuery('error_rate'), /invalid query "error_rate": want metric\{service="NAME", \.\.\.\}\[window\]/)
  assert.throws(() => parseQuery('errs{service="web"}'), /unknown metric "errs" \(known: requests, errors, rps, error_rate/)
  assert.throws(() => parseQuery('error_rate{hash="a"}'), /names no service/)
  assert.throws(() => parseQuery('error_rate{service="web", color="a"}'), /unknown selector "color"/)
  assert.throws(() => parseQuery('error_rate{service="web"}[20m]'), /window 20m must be between 1s and 15m/)
  assert.throws(() => parseQuery('error_rate{service=web}'), /invalid selector/)
})

test('evaluateQuery: counts, rates, latencies per hash; nil without requests', () => {
  const r = report(group('stable', series(6, () => ({ requests: 10, errors: 0 }))), group('canary', series(6, () => ({ requests: 10, errors: 2, p50: 5 }))))
  const q = (text: string) => evaluateQuery(parseQuery(text), r)
  assert.equal(q('requests{service="web"}'), 120)
  assert.equal(q('errors{service="web", hash="canary"}'), 12)
  assert.equal(q('error_rate{service="web", hash="canary"}'), 0.2)
  assert.equal(q('error_rate{service="web", hash="stable"}'), 0)
  assert.equal(q('success_rate{service="web", hash="canary"}'), 0.8)
  assert.equal(q('rps{service="web"}'), 2)
  assert.equal(q('p99_latency{service="web", replicaset="web-stable"}'), 4)
  assert.equal(q('error_rate{service="web", hash="nope"}'), null)
  assert.equal(q('requests{service="web", hash="nope"}'), 0)
})

test('stepSamples: one value per step, NaN where a step had no requests', () => {
  const g = group('c', series(4, (i) => (i === 1 ? { requests: 0, errors: 0 } : { requests: 10, errors: i })))
  assert.deepEqual(stepSamples('error_rate', [g], 10), [0, NaN, 0.2, 0.3])
  assert.deepEqual(stepSamples('rps', [g], 10), [1, 0, 1, 1])
})

test('judge: a canary failing 20% of requests against a clean stable is Failed (error_rate is critical)', () => {
  const r = report(
    group('stable', series(6, (i) => ({ requests: 50, errors: i % 3 === 0 ? 1 : 0 }))),
    group('canary', series(6, (i) => ({ requests: 50, errors: 9 + (i % 3) }))),
  )
  const j = judgeReport({ service: 'web', canaryHash: 'canary', stableHash: 'stable' }, r)
  assert.equal(j.phase, 'Failed')
  assert.equal(j.score, 0)
  assert.equal(j.metrics.find((m) => m.name === 'error_rate')!.classification, 'High')
  assert.match(j.message, /^score 0 \(Fail, critical metric failed\): error_rate High \(canary 0\.2, stable 0\.006667\), p99_latency Pass/)
})

test('judge: equal versions pass with 100; slower canary is High on latency (non-critical → Marginal)', () => {
  const same = series(6, (i) => ({ requests: 40, errors: i === 2 ? 1 : 0, p50: 2 + (i % 2) }))
  const ok = judgeReport({ service: 'web', canaryHash: 'canary', stableHash: 'stable' }, report(group('stable', same), group('canary', same)))
  assert.deepEqual([ok.phase, ok.score, ok.classification], ['Successful', 100, 'Pass'])
  const slow = judgeReport(
    { service: 'web', canaryHash: 'canary', stableHash: 'stable' },
    report(group('stable', series(8, (i) => ({ requests: 40, errors: 0, p50: 2 + (i % 3) * 0.1 }))), group('canary', series(8, (i) => ({ requests: 40, errors: 0, p50: 40 + (i % 3) })))),
  )
  assert.equal(slow.metrics.find((m) => m.name === 'p50_latency')!.classification, 'High')
  assert.equal(slow.metrics.find((m) => m.name === 'p99_latency')!.classification, 'High')
  assert.deepEqual([slow.score, slow.classification, slow.phase], [50, 'Marginal', 'Inconclusive'])
  // Thresholds are the template's: pass 40 makes the same data pass.
  assert.equal(judgeReport({ service: 'web', canaryHash: 'canary', stableHash: 'stable', threshold: { pass: 40, marginal: 20 } }, report(group('stable', same), group('canary', same))).phase, 'Successful')
})

test('the provider: query value and phase; judge without canary traffic is Inconclusive; no report source is an Error', async () => {
  const r = report(group('stable', series(6, () => ({ requests: 10, errors: 0 }))), group('canary', series(6, () => ({ requests: 10, errors: 3 }))))
  const asked: string[] = []
  const traffic = { report: async (ns: string, svc: string, window: string, step?: string) => (asked.push(`${ns}/${svc} ${window} ${step ?? ''}`), r) }
  const now = () => new Date(T0 + 60_000)
  const run = { metadata: { name: 'r', namespace: 'default', uid: 'u' }, spec: { metrics: [] } } as unknown as AnalysisRunObj
  const metric = (provider: Metric['provider'], successCondition?: string): Metric => ({ name: 'm', provider, ...(successCondition ? { successCondition } : {}) })
  const p = kubeliteProvider(traffic, now)
  const failed = await p.run(run, metric({ plugin: { 'kubelite/traffic': { query: 'error_rate{service="web", hash="canary"}[30s]' } } }, 'result < 0.05'))
  assert.deepEqual(failed, { phase: 'Failed', startedAt: '2026-12-07T10:01:00Z', value: '0.3', finishedAt: '2026-12-07T10:01:00Z' })
  assert.deepEqual(asked, ['default/web 30s '])
  const ok = await p.run(run, metric({ kubelite: { query: 'error_rate{service="web", hash="stable"}' } }, 'result < 0.05'))
  assert.equal(ok.phase, 'Successful')
  const none = await p.run(run, metric({ kubelite: { judge: { service: 'web', canaryHash: 'gone', stableHash: 'stable' } } }))
  assert.equal(none.phase, 'Inconclusive')
  assert.equal(none.message, 'no requests reached the canary (gone) pods of service web in the last 60s')
  const judged = await p.run(run, metric({ kubelite: { judge: { service: 'web', canaryHash: 'canary', stableHash: 'stable', window: '1m', step: '10s' } } }))
  assert.equal(judged.phase, 'Failed')
  assert.equal(judged.value, '0')
  assert.equal(judged.metadata!.error_rate, 'High')
  const bad = await p.run(run, metric({ kubelite: { query: 'nope' } }))
  assert.equal(bad.phase, 'Error')
  assert.match(bad.message!, /invalid query "nope"/)
  const nosource = await kubeliteProvider(undefined, now).run(run, metric({ kubelite: { query: 'requests{service="web"}' } }))
  assert.equal(nosource.phase, 'Error')
})
