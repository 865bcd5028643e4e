// Table tests of the AnalysisRun state machine against Argo Rollouts' analysis_test.go cases
// (names kept where there is one): a small loop plays passes at given times with the provider's
// answers, the way the controller does, and checks phases, counters, messages and events.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rfc3339 } from '../../lib/duration.js'
import { assessMetricStatus, finishAnalysisRun, planAnalysisRun, type RunEvent } from './plan.js'
import type { AnalysisPhase, AnalysisRunObj, Metric, MetricResult } from './types.js'

const T0 = Date.parse('2026-12-07T10:00:00Z')
const at = (s: number) => new Date(T0 + s * 1000)

const web = { web: { url: 'http://127.244.0.5:8080/health' } }

function run(metrics: Partial<Metric>[], spec: Partial<AnalysisRunObj['spec']> = {}): AnalysisRunObj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: { name: 'run', namespace: 'default', uid: 'uid-run' },
    spec: { metrics: metrics.map((m, i) => ({ name: m.name ?? `m${i}`, provider: web, ...m })) as Metric[], ...spec },
  }
}

interface Pass {
  run: AnalysisRunObj
  measured: string[]
  events: RunEvent[]
  requeueAfterMs?: number
}

/** One pass at time t: every task gets the phase answer(metricName) gives (Running leaves it in flight). */
function pass(r: AnalysisRunObj, t: number, answer: (metric: string) => AnalysisPhase, value = '1'): Pass {
  const now = at(t)
  const plan = planAnalysisRun(r, now)
  if (plan.kind === 'completed') return { run: r, measured: [], events: [] }
  if (plan.kind === 'error') return { run: { ...r, status: plan.status }, measured: [], events: plan.events }
  const measured = plan.tasks.map((task) => {
    const phase = answer(task.metric.name)
    const m = task.incomplete ? { ...task.incomplete, phase } : { phase, startedAt: rfc3339(now), value, ...(phase === 'Error' ? { message: 'connection refused' } : {}) }
    if (phase === 'Running') delete (m as { finishedAt?: string }).finishedAt
    return { task, measurement: m }
  })
  const out = finishAnalysisRun(r, plan, measured, now)
  return { run: { ...r, status: out.status }, measured: plan.tasks.map((t) => t.metric.name), events: out.events, requeueAfterMs: out.requeueAfterMs }
}

const result = (r: AnalysisRunObj, name = 'm0'): MetricResult => r.status!.metricResults!.find((x) => x.name === name)!

test('a metric without count or interval is measured once: Successful, with Argo events', () => {
  const p = pass(run([{ successCondition: 'result == 1' }]), 0, () => 'Successful')
  assert.equal(p.run.status!.phase, 'Successful')
  assert.equal(p.run.status!.startedAt, rfc3339(at(0)))
  assert.equal(p.run.status!.completedAt, rfc3339(at(0)))
  assert.deepEqual(p.run.status!.runSummary, { count: 1, successful: 1 })
  const r = result(p.run)
  assert.deepEqual([r.phase, r.count, r.successful, r.consecutiveSuccess, r.measurements!.length], ['Successful', 1, 1, 1, 1])
  assert.deepEqual(p.events, [
    { type: 'Normal', reason: 'MetricSuccessful', message: "Metric 'm0' Completed. Result: Successful" },
    { type: 'Normal', reason: 'AnalysisRunSuccessful', message: 'Analysis Completed. Result: Successful' },
  ])
  assert.equal(p.requeueAfterMs, undefined)
  // A completed run is left alone.
  assert.deepEqual(planAnalysisRun(p.run, at(100)), { kind: 'completed' })
})

test('count and interval: the next measurement is due only after the interval (TestGenerateMetricTasksInterval)', () => {
  let p = pass(run([{ count: 3, interval: '60s' }]), 0, () => 'Successful')
  assert.equal(p.run.status!.phase, 'Running')
  assert.equal(p.requeueAfterMs, 60_000)
  p = pass(p.run, 30, () => 'Successful')
  assert.deepEqual(p.measured, [])
  p = pass(p.run, 60, () => 'Successful')
  assert.deepEqual(p.measured, [], 'Argo measures strictly after finishedAt + interval')
  p = pass(p.run, 61, () => 'Successful')
  assert.deepEqual(p.measured, ['m0'])
  p = pass(p.run, 122, () => 'Successful')
  assert.equal(p.run.status!.phase, 'Successful')
  assert.equal(result(p.run).count, 3)
  p = pass(p.run, 300, () => 'Successful')
  assert.deepEqual(p.measured, [])
})

test('failureLimit 0 (the default): the first Failed measurement fails the metric and the run, with Argo message', () => {
  const p = pass(run([{ name: 'success-rate', count: 5, interval: '10s' }]), 0, () => 'Failed')
  assert.equal(p.run.status!.phase, 'Failed')
  assert.equal(p.run.status!.message, 'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)')
  assert.deepEqual(p.run.status!.runSummary, { count: 1, failed: 1 })
  assert.deepEqual(
    p.events.map((e) => [e.type, e.reason, e.message]),
    [
      ['Warning', 'MetricFailed', "Metric 'success-rate' Completed. Result: Failed"],
      ['Warning', 'AnalysisRunFailed', 'Analysis Completed. Result: Failed'],
    ],
  )
})

test('failureLimit 2: two failures keep it running, the third fails it', () => {
  let r = run([{ count: 10, interval: '5s', failureLimit: 2 }])
  const phases: string[] = []
  for (let i = 0; i < 3; i++) {
    const p = pass(r, i * 6, () => 'Failed')
    r = p.run
    phases.push(r.status!.phase!)
  }
  assert.deepEqual(phases, ['Running', 'Running', 'Failed'])
  assert.equal(r.status!.message, 'Metric "m0" assessed Failed due to failed (3) > failureLimit (2)')
})

test('failureLimit -1 with consecutiveSuccessLimit: failures never fail it; 2 successes in a row succeed', () => {
  let r = run([{ count: 10, interval: '1s', failureLimit: -1, consecutiveSuccessLimit: 2 }])
  const answers: AnalysisPhase[] = ['Failed', 'Successful', 'Failed', 'Successful', 'Successful']
  const phases: string[] = []
  for (const [i, a] of answers.entries()) {
    r = pass(r, i * 2, () => a).run
    phases.push(r.status!.phase!)
  }
  assert.deepEqual(phases, ['Running', 'Running', 'Running', 'Running', 'Successful'])
})

test('count reached without consecutiveSuccessLimit reached: Inconclusive when failureLimit applies (assessMetricStatus)', () => {
  const m = { name: 'm', count: 2, interval: '1s', consecutiveSuccessLimit: 2, provider: web } as Metric
  const r = { name: 'm', phase: 'Running', count: 2, successful: 1, failed: 0, inconclusive: 1, consecutiveSuccess: 0, measurements: [{ phase: 'Successful' }, { phase: 'Successful' }] } as MetricResult
  assert.equal(assessMetricStatus({ ...m, inconclusiveLimit: 1 }, r, false), 'Inconclusive')
  assert.equal(assessMetricStatus({ ...m, failureLimit: -1, inconclusiveLimit: 1 }, r, false), 'Failed')
})

test('errors: retried after 10 s whatever the interval; the 5th in a row (consecutiveErrorLimit 4) errors the run', () => {
  let r = run([{ name: 'web', count: 3, interval: '5m' }])
  let p = pass(r, 0, () => 'Error')
  r = p.run
  assert.equal(p.requeueAfterMs, 10_000)
  assert.deepEqual(pass(r, 10, () => 'Error').measured, [])
  for (let i = 1; i < 5; i++) {
    p = pass(r, i * 11, () => 'Error')
    assert.deepEqual(p.measured, ['web'])
    r = p.run
  }
  assert.equal(r.status!.phase, 'Error')
  assert.equal(r.status!.message, 'Metric "web" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): "Error Message: connection refused"')
  assert.equal(result(r, 'web').error, 5)
  assert.equal(result(r, 'web').count, undefined, 'errors are not counted')
})

test('a success resets consecutiveError', () => {
  let r = run([{ count: 10, interval: '1s', consecutiveErrorLimit: 1 }])
  for (const [i, a] of (['Error', 'Successful', 'Error'] as AnalysisPhase[]).entries()) r = pass(r, i * 11, () => a).run
  assert.equal(r.status!.phase, 'Running')
  assert.equal(result(r).consecutiveError, 1)
  r = pass(r, 40, () => 'Error').run
  assert.equal(r.status!.phase, 'Error')
})

test('inconclusiveLimit: the run is Inconclusive once exceeded', () => {
  let r = run([{ count: 5, interval: '1s', inconclusiveLimit: 1 }])
  r = pass(r, 0, () => 'Inconclusive').run
  assert.equal(r.status!.phase, 'Running')
  r = pass(r, 2, () => 'Inconclusive').run
  assert.equal(r.status!.phase, 'Inconclusive')
  assert.equal(r.status!.message, 'Metric "m0" assessed Inconclusive due to inconclusive (2) > inconclusiveLimit (1)')
})

test('the worst metric decides the run: Failed is worse than Error and Inconclusive', () => {
  const r = run([{ name: 'a' }, { name: 'b' }, { name: 'c', consecutiveErrorLimit: 0 }])
  const p = pass(r, 0, (n) => (n === 'a' ? 'Inconclusive' : n === 'b' ? 'Failed' : 'Error'))
  assert.equal(p.run.status!.phase, 'Failed')
  assert.deepEqual(p.run.status!.runSummary, { count: 3, failed: 1, inconclusive: 1, error: 1 })
})

test('an indefinite metric (interval, no count) runs until terminated; terminate ends it Successful with "Run Terminated"', () => {
  let r = run([{ interval: '10s' }])
  for (let i = 0; i < 4; i++) r = pass(r, i * 11, () => 'Successful').run
  assert.equal(r.status!.phase, 'Running')
  r = { ...r, spec: { ...r.spec, terminate: true } }
  const p = pass(r, 50, () => 'Successful')
  assert.deepEqual(p.measured, [])
  assert.equal(p.run.status!.phase, 'Successful')
  assert.equal(p.run.status!.message, 'Run Terminated')
})

test('terminate with an in-flight measurement resumes it to finish it (the provider terminates it)', () => {
  let r = run([{ interval: '10s' }])
  r = pass(r, 0, () => 'Running').run
  assert.equal(result(r).phase, 'Running')
  r = { ...r, spec: { ...r.spec, terminate: true } }
  const plan = planAnalysisRun(r, at(1))
  assert.equal(plan.kind, 'measure')
  assert.equal(plan.kind === 'measure' && plan.tasks[0]?.incomplete?.phase, 'Running')
})

test('a failing metric terminates the others: the next pass measures nothing and the run is Failed', () => {
  let r = run([{ name: 'a', interval: '1s' }, { name: 'b', interval: '1s' }])
  const first = pass(r, 0, (n) => (n === 'a' ? 'Failed' : 'Successful'))
  r = first.run
  // As Argo: terminating is decided at the start of the assessment, so b is still Running now.
  assert.equal(result(r, 'a').phase, 'Failed')
  assert.equal(r.status!.phase, 'Running')
  assert.equal(first.requeueAfterMs, 1000)
  const second = pass(r, 2, () => 'Successful')
  assert.deepEqual(second.measured, [])
  assert.equal(second.run.status!.phase, 'Failed')
  assert.equal(result(second.run, 'b').phase, 'Successful')
  assert.equal(second.run.status!.message, 'Metric "a" assessed Failed due to failed (1) > failureLimit (0)')
})

test('dryRun: a failing dry-run metric does not fail the run; its message says why', () => {
  const r = run([{ name: 'total-5xx' }, { name: 'success-rate' }], { dryRun: [{ metricName: 'total-.*' }] })
  const p = pass(r, 0, (n) => (n === 'total-5xx' ? 'Failed' : 'Successful'))
  assert.equal(p.run.status!.phase, 'Successful')
  assert.equal(result(p.run, 'total-5xx').dryRun, true)
  assert.equal(result(p.run, 'total-5xx').message, 'Metric assessed Failed due to failed (1) > failureLimit (0)')
  assert.deepEqual(p.run.status!.runSummary, { count: 1, successful: 1 })
  assert.deepEqual(p.run.status!.dryRunSummary, { count: 1, failed: 1 })
})

test('dryRun rule that matches nothing: Error "Analysis spec invalid"', () => {
  const p = pass(run([{ name: 'a' }], { dryRun: [{ metricName: 'nope' }] }), 0, () => 'Successful')
  assert.equal(p.run.status!.phase, 'Error')
  assert.equal(p.run.status!.message, "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)")
  assert.deepEqual(Object.keys(p.run.status!).sort(), ['message', 'phase'])
  assert.deepEqual(p.events, [{ type: 'Warning', reason: 'AnalysisRunError', message: 'Analysis Completed. Result: Error' }])
})

test('initialDelay: nothing is measured before startedAt + delay', () => {
  let p = pass(run([{ initialDelay: '30s' }]), 0, () => 'Successful')
  assert.deepEqual(p.measured, [])
  assert.equal(p.run.status!.phase, 'Running')
  assert.equal(p.requeueAfterMs, 30_000)
  assert.equal('metricResults' in p.run.status!, false, 'omitempty: no metricResults before the first measurement')
  p = pass(p.run, 29, () => 'Successful')
  assert.deepEqual(p.measured, [])
  p = pass(p.run, 30, () => 'Successful')
  assert.deepEqual(p.measured, ['m0'])
  assert.equal(p.run.status!.phase, 'Successful')
})

test('invalid specs are an Error with Argo messages', () => {
  const cases: [Partial<Metric>[], string][] = [
    [[{ count: 2 }], 'Analysis spec invalid: metrics[0]: interval must be specified when count > 1'],
    [[{ name: 'a' }, { name: 'a' }], "Analysis spec invalid: metrics[1]: duplicate name 'a'"],
    [[{ interval: '5x' }], 'Analysis spec invalid: metrics[0]: invalid interval string: time: unknown unit "x" in duration "5x"'],
    [[{ provider: {} }], 'Analysis spec invalid: metrics[0]: no provider specified'],
    [[{ count: 2, interval: '1s', failureLimit: 3 }], 'Analysis spec invalid: metrics[0]: count (2) must be >= failureLimit + consecutiveSuccessLimit (3 + 0) if both >= 0'],
    [[{ failureLimit: -1 }], 'Analysis spec invalid: metrics[0]: failureLimit and consecutiveSuccessLimit cannot both be disabled'],
  ]
  for (const [metrics, message] of cases) {
    const p = pass(run(metrics), 0, () => 'Successful')
    assert.equal(p.run.status!.phase, 'Error', message)
    assert.equal(p.run.status!.message, message)
  }
  assert.equal(pass(run([]), 0, () => 'Successful').run.status!.message, 'Analysis spec invalid: no metrics specified')
})

test('args: {{args.name}} is substituted (JSON-escaped); a missing one is an Error', () => {
  const r = run([{ provider: { web: { url: 'http://{{args.host}}:8080/{{ args.path }}' } } }], { args: [{ name: 'host', value: 'web' }, { name: 'path', value: 'a"b' }] })
  const plan = planAnalysisRun(r, at(0))
  assert.equal(plan.kind === 'measure' && plan.tasks[0]!.metric.provider.web!.url, 'http://web:8080/a"b')
  const missing = pass(run([{ provider: { web: { url: 'http://{{args.host}}/' } } }]), 0, () => 'Successful')
  assert.equal(missing.run.status!.message, 'Unable to resolve metric arguments: failed to resolve {{args.host}}')
  const unsupplied = pass(run([{ provider: web }], { args: [{ name: 'host' }] }), 0, () => 'Successful')
  assert.equal(unsupplied.run.status!.message, 'Unable to resolve metric arguments: argument "host" was not supplied')
  // A secret-valued argument is stood in until the shell resolves it.
  const secret = planAnalysisRun(run([{ provider: { web: { url: 'http://h/?k={{args.key}}' } } }], { args: [{ name: 'key', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }), at(0))
  assert.equal(secret.kind === 'measure' && secret.tasks[0]!.metric.provider.web!.url, 'http://h/?k=temp-for-secret')
})

test('measurement history: 10 kept by default, measurementRetention changes it', () => {
  let r = run([{ name: 'a', interval: '1s' }, { name: 'b', interval: '1s' }], { measurementRetention: [{ metricName: 'b', limit: 3 }] })
  let trimmed: string[] = []
  for (let i = 0; i < 12; i++) {
    const now = at(i * 2)
    const plan = planAnalysisRun(r, now)
    if (plan.kind !== 'measure') throw new Error('expected measure')
    const out = finishAnalysisRun(r, plan, plan.tasks.map((task) => ({ task, measurement: { phase: 'Successful' as const, startedAt: rfc3339(now) } })), now)
    trimmed = out.trimmed.map((t) => `${t.metric.name}:${t.limit}`)
    r = { ...r, status: out.status }
  }
  assert.equal(result(r, 'a').measurements!.length, 10)
  assert.equal(result(r, 'b').measurements!.length, 3)
  assert.equal(result(r, 'a').count, 12)
  assert.deepEqual(trimmed, ['a:10', 'b:3'])
})

test('a job-like measurement in flight is resumed at resumeAt, not before', () => {
  const r0 = run([{}])
  const plan = planAnalysisRun(r0, at(0))
  if (plan.kind !== 'measure') throw new Error('expected measure')
  const out = finishAnalysisRun(r0, plan, [{ task: plan.tasks[0]!, measurement: { phase: 'Running', startedAt: rfc3339(at(0)), resumeAt: rfc3339(at(5)) } }], at(0))
  const r = { ...r0, status: out.status }
  assert.equal(out.requeueAfterMs, 5000)
  assert.equal(r.status.phase, 'Running')
  const early = planAnalysisRun(r, at(4))
  assert.equal(early.kind === 'measure' && early.tasks.length, 0)
  const due = planAnalysisRun(r, at(5))
  assert.equal(due.kind === 'measure' && due.tasks[0]!.incomplete?.phase, 'Running')
})
