// The AnalysisRun state machine, pure: Argo Rollouts' analysis/analysis.go and utils/analysis
// with the clock passed in. A pass is planAnalysisRun (which metrics to measure now, or why the
// run is an Error), the providers' measurements (the shell), then finishAnalysisRun (bookkeeping
// per measurement, each metric's phase from its counters and limits, the run's phase as the worst
// of them, the events, the measurement history trimmed, and when to look again).
//
// Argo's numbers: a metric with neither count nor interval is measured once; with an interval
// and no count it runs until the run is terminated; failureLimit and inconclusiveLimit default
// to 0 (the first Failed measurement fails the metric), consecutiveErrorLimit to 4 (the 5th Error
// in a row errors it); an Error is retried after 10 s whatever the interval; 10 measurements are
// kept per metric unless measurementRetention says otherwise.
import { rfc3339 } from '../../lib/duration.js'
import { resolveMetricsWithoutSecrets } from './args.js'
import { parseGoDuration } from './duration.js'
import { isCompleted, type AnalysisPhase, type AnalysisRunObj, type AnalysisRunStatus, type IntOrString, type Measurement, type Metric, type MetricResult, type RunSummary } from './types.js'

export const defaultMeasurementHistoryLimit = 10
export const defaultErrorRetryIntervalMs = 10_000
export const defaultConsecutiveErrorLimit = 4

export interface RunEvent {
  type: 'Normal' | 'Warning'
  reason: string
  message: string
}

export interface MetricTask {
  /** The metric with the run's arguments resolved (secrets stood in; the shell resolves them). */
  metric: Metric
  /** The in-flight measurement to resume (or terminate), if any. */
  incomplete?: Measurement
}

export type RunPlan =
  | { kind: 'completed' }
  | { kind: 'error'; status: AnalysisRunStatus; events: RunEvent[] }
  | { kind: 'measure'; tasks: MetricTask[]; metrics: Metric[]; dryRun: Map<string, boolean>; retention: Map<string, number>; terminating: boolean }

export interface Measured {
  task: MetricTask
  measurement: Measurement
  /** The provider's metadata for a new metric result (Prometheus' resolved query). */
  metadata?: Record<string, string>
}

export interface RunOutcome {
  status: AnalysisRunStatus
  events: RunEvent[]
  /** When to look again (Argo's calculateNextReconcileTime), if ever. */
  requeueAfterMs?: number
  /** Metrics whose history was trimmed, with the limit (the job provider deletes older Jobs). */
  trimmed: { metric: Metric; limit: number }[]
}

/** Go's IntOrString.IntValue(): a string that is not an integer counts as 0. */
export function intValue(v: IntOrString | undefined | null): number {
  if (v === undefined || v === null) return 0
  if (typeof v === 'number') return Math.trunc(v)
  return /^[+-]?\d+$/.test(v) ? Number.parseInt(v, 10) : 0
}

/** Argo's EffectiveCount: no count and no interval → 1; an interval without count → unbounded (undefined). */
export function effectiveCount(m: Metric): number | undefined {
  if (m.count === undefined || m.count === null || intValue(m.count) === 0) return m.interval ? undefined : 1
  return intValue(m.count)
}

function validateMetric(m: Metric): string | undefined {
  const count = intValue(m.count)
  const failureLimit = intValue(m.failureLimit)
  const consecutiveSuccessLimit = intValue(m.consecutiveSuccessLimit)
  const inconclusiveLimit = intValue(m.inconclusiveLimit)
  if (consecutiveSuccessLimit < 0) return 'consecutiveSuccessLimit must be >= 0'
  if (failureLimit < -1) return 'failureLimit must be >= 0, or -1 to be disabled'
  if (consecutiveSuccessLimit === 0 && failureLimit === -1) return 'failureLimit and consecutiveSuccessLimit cannot both be disabled'
  if (inconclusiveLimit < 0) return 'inconclusiveLimit must be >= 0'
  if (m.consecutiveErrorLimit !== undefined && intValue(m.consecutiveErrorLimit) < 0) return 'consecutiveErrorLimit must be >= 0'
  if (count > 0) {
    if (consecutiveSuccessLimit >= 0 && failureLimit >= 0) {
      if (count < failureLimit + consecutiveSuccessLimit)
        return `count (${count}) must be >= failureLimit + consecutiveSuccessLimit (${failureLimit} + ${consecutiveSuccessLimit}) if both >= 0`
    } else if (consecutiveSuccessLimit >= 0 && failureLimit < 0 && count < consecutiveSuccessLimit) return 'count must be >= consecutiveSuccessLimit'
    if (count < inconclusiveLimit) return 'count must be >= inconclusiveLimit'
  }
  if (count > 1 && !m.interval) return 'interval must be specified when count > 1'
  if (m.interval) {
    try {
      parseGoDuration(m.interval)
    } catch (err) {
      return `invalid interval string: ${(err as Error).message}`
    }
  }
  if (m.initialDelay) {
    try {
      parseGoDuration(m.initialDelay)
    } catch (err) {
      return `invalid startDelay string: ${(err as Error).message}`
    }
  }
  const p = m.provider ?? {}
  const providers = Object.entries(p).filter(([, v]) => v !== undefined && v !== null).length
  if (providers === 0) return 'no provider specified'
  if (providers > 1) return 'multiple providers specified'
  return undefined
}

/** Argo's ValidateMetrics, with its messages. */
export function validateMetrics(metrics: readonly Metric[]): string | undefined {
  if (!metrics.length) return 'no metrics specified'
  const seen = new Set<string>()
  for (const [i, m] of metrics.entries()) {
    if (seen.has(m.name)) return `metrics[${i}]: duplicate name '${m.name}'`
    seen.add(m.name)
    const err = validateMetric(m)
    if (err) return `metrics[${i}]: ${err}`
  }
  return undefined
}

/** Go's regexp.MatchString: an unanchored search; a bad pattern matches nothing. */
function matchName(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern).test(name)
  } catch {
    return false
  }
}

function dryRunMetrics(run: AnalysisRunObj, metrics: readonly Metric[]): Map<string, boolean> {
  const out = new Map<string, boolean>()
  for (const [i, rule] of (run.spec.dryRun ?? []).entries()) {
    let n = 0
    for (const m of metrics)
      if (matchName(rule.metricName, m.name)) {
        out.set(m.name, true)
        n++
      }
    if (n < 1) throw new Error(`dryRun[${i}]: Rule didn't match any metric name(s)`)
  }
  return out
}

function retentionMetrics(run: AnalysisRunObj, metrics: readonly Metric[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const [i, rule] of (run.spec.measurementRetention ?? []).entries()) {
    let n = 0
    for (const m of metrics)
      if (matchName(rule.metricName, m.name)) {
        out.set(m.name, rule.limit)
        n++
      }
    if (n < 1) throw new Error(`measurementRetention[${i}]: Rule didn't match any metric name(s)`)
  }
  return out
}

const resultOf = (status: AnalysisRunStatus, name: string) => status.metricResults?.find((r) => r.name === name)
const lastOf = (r: MetricResult | undefined) => (r?.measurements?.length ? r.measurements[r.measurements.length - 1] : undefined)
const ms = (t: string | undefined) => (t ? Date.parse(t) : NaN)

/** Argo's IsTerminating: spec.terminate, or a non-dry-run metric already Failed, Error or Inconclusive. */
export function isTerminating(run: AnalysisRunObj): boolean {
  if (run.spec.terminate) return true
  return (run.status?.metricResults ?? []).some((r) => !r.dryRun && (r.phase === 'Failed' || r.phase === 'Error' || r.phase === 'Inconclusive'))
}

function completionEvent(phase: AnalysisPhase): RunEvent {
  return { type: phase === 'Error' || phase === 'Failed' ? 'Warning' : 'Normal', reason: `AnalysisRun${phase}`, message: `Analysis Completed. Result: ${phase}` }
}

/** The run as an Error with Argo's message (and its completion event). */
export function errorOutcome(run: AnalysisRunObj, message: string): { status: AnalysisRunStatus; events: RunEvent[] } {
  // Go's omitempty: no metricResults key while there are none.
  const status: AnalysisRunStatus = { ...structuredClone(run.status ?? {}), phase: 'Error', message }
  return { status, events: [completionEvent('Error')] }
}

/** Which metrics to measure (or resume, or terminate) now: Argo's reconcileAnalysisRun up to runMeasurements. */
export function planAnalysisRun(run: AnalysisRunObj, now: Date): RunPlan {
  if (isCompleted(run.status?.phase)) return { kind: 'completed' }
  let metrics: Metric[]
  try {
    metrics = resolveMetricsWithoutSecrets(run.spec.metrics ?? [], run.spec.args ?? [])
  } catch (err) {
    return { kind: 'error', ...errorOutcome(run, `Unable to resolve metric arguments: ${(err as Error).message}`) }
  }
  const invalid = validateMetrics(metrics)
  if (invalid) return { kind: 'error', ...errorOutcome(run, `Analysis spec invalid: ${invalid}`) }
  let dryRun: Map<string, boolean>
  let retention: Map<string, number>
  try {
    dryRun = dryRunMetrics(run, metrics)
    retention = retentionMetrics(run, metrics)
  } catch (err) {
    return { kind: 'error', ...errorOutcome(run, `Analysis spec invalid: ${(err as Error).message}`) }
  }
  const terminating = isTerminating(run)
  return { kind: 'measure', tasks: generateMetricTasks(run, metrics, now, terminating), metrics, dryRun, retention, terminating }
}

/** Argo's generateMetricTasks. */
function generateMetricTasks(run: AnalysisRunObj, metrics: readonly Metric[], now: Date, terminating: boolean): MetricTask[] {
  const status = run.status ?? {}
  const tasks: MetricTask[] = []
  const t = now.getTime()
  for (const metric of metrics) {
    const result = resultOf(status, metric.name)
    if (result && isCompleted(result.phase)) continue
    const last = lastOf(result)
    if (last && !last.finishedAt) {
      if (!terminating && last.resumeAt && ms(last.resumeAt) > t) continue
      tasks.push({ metric, incomplete: last })
      continue
    }
    if (terminating) continue
    if (!last) {
      if (metric.initialDelay) {
        if (!status.startedAt) continue
        if (ms(status.startedAt) + parseGoDuration(metric.initialDelay) > t) continue
      }
      tasks.push({ metric })
      continue
    }
    const count = effectiveCount(metric)
    if (count !== undefined && (result?.count ?? 0) >= count) continue
    const interval = last.phase === 'Error' || !metric.interval ? defaultErrorRetryIntervalMs : parseGoDuration(metric.interval)
    if (t > ms(last.finishedAt) + interval) tasks.push({ metric })
  }
  return tasks
}

/** Argo's runMeasurements bookkeeping for one measurement (the result is changed in place). */
function recordMeasurement(status: AnalysisRunStatus, m: Measured, dryRun: Map<string, boolean>, now: Date): void {
  const name = m.task.metric.name
  const existing = resultOf(status, name)
  const result: MetricResult = existing ?? { name, phase: 'Running', ...(dryRun.get(name) ? { dryRun: true } : {}), ...(m.metadata && Object.keys(m.metadata).length ? { metadata: m.metadata } : {}) }
  const measurement = { ...m.measurement }
  if (isCompleted(measurement.phase)) {
    measurement.finishedAt ??= rfc3339(now)
    const inc = (k: 'count' | 'successful' | 'failed' | 'inconclusive' | 'error' | 'consecutiveError' | 'consecutiveSuccess') => (result[k] = (result[k] ?? 0) + 1)
    switch (measurement.phase) {
      case 'Successful':
        inc('successful')
        inc('count')
        result.consecutiveError = 0
        inc('consecutiveSuccess')
        break
      case 'Failed':
        inc('failed')
        inc('count')
        result.consecutiveError = 0
        result.consecutiveSuccess = 0
        break
      case 'Inconclusive':
        inc('inconclusive')
        inc('count')
        result.consecutiveError = 0
        result.consecutiveSuccess = 0
        break
      case 'Error':
        inc('error')
        inc('consecutiveError')
        result.consecutiveSuccess = 0
        break
    }
  }
  const list = [...(result.measurements ?? [])]
  if (m.task.incomplete && list.length) list[list.length - 1] = measurement
  else list.push(measurement)
  result.measurements = list
  if (!existing) (status.metricResults ??= []).push(result)
  else status.metricResults = status.metricResults!.map((r) => (r.name === name ? result : r))
}

/** Argo's assessMetricFailureInconclusiveOrError. */
function failureInconclusiveOrError(metric: Metric, r: MetricResult): { phase?: AnalysisPhase; message: string } {
  let phase: AnalysisPhase | undefined
  let message = ''
  const failureLimit = metric.failureLimit === undefined ? 0 : intValue(metric.failureLimit)
  if (failureLimit >= 0 && (r.failed ?? 0) > failureLimit) {
    phase = 'Failed'
    message = `failed (${r.failed ?? 0}) > failureLimit (${failureLimit})`
  }
  const inconclusiveLimit = intValue(metric.inconclusiveLimit)
  if ((r.inconclusive ?? 0) > inconclusiveLimit) {
    phase = 'Inconclusive'
    message = `inconclusive (${r.inconclusive ?? 0}) > inconclusiveLimit (${inconclusiveLimit})`
  }
  const errorLimit = metric.consecutiveErrorLimit === undefined ? defaultConsecutiveErrorLimit : intValue(metric.consecutiveErrorLimit)
  if ((r.consecutiveError ?? 0) > errorLimit) {
    phase = 'Error'
    message = `consecutiveErrors (${r.consecutiveError ?? 0}) > consecutiveErrorLimit (${errorLimit})`
  }
  return { phase, message }
}

/** Argo's assessMetricStatus. */
export function assessMetricStatus(metric: Metric, r: MetricResult, terminating: boolean): AnalysisPhase {
  if (isCompleted(r.phase)) return r.phase
  const measurements = r.measurements ?? []
  if (!measurements.length) return terminating ? 'Successful' : 'Pending'
  if (!isCompleted(measurements[measurements.length - 1]!.phase)) return 'Running'
  const bad = failureInconclusiveOrError(metric, r)
  if (bad.phase) return bad.phase
  const successLimit = intValue(metric.consecutiveSuccessLimit)
  if (successLimit > 0 && (r.consecutiveSuccess ?? 0) >= successLimit) return 'Successful'
  const count = effectiveCount(metric)
  if (count !== undefined && (r.count ?? 0) >= count) {
    const failureApplicable = metric.failureLimit === undefined || intValue(metric.failureLimit) >= 0
    const successApplicable = successLimit > 0
    if (failureApplicable && successApplicable) return 'Inconclusive'
    if (successApplicable) return 'Failed'
    return 'Successful'
  }
  return terminating ? 'Successful' : 'Running'
}

/** Argo's analysisStatusOrder: best to worst. */
const order: AnalysisPhase[] = ['Successful', 'Running', 'Pending', 'Inconclusive', 'Error', 'Failed']
const isWorse = (current: AnalysisPhase, next: AnalysisPhase) => order.indexOf(next) > order.indexOf(current)

/** Argo's assessRunStatus: each metric's phase, the run's phase and message, summaries and events. */
function assessRunStatus(run: AnalysisRunObj, status: AnalysisRunStatus, metrics: readonly Metric[], dryRun: Map<string, boolean>, now: Date, events: RunEvent[]): { phase: AnalysisPhase; message: string } {
  let worst: AnalysisPhase | undefined
  let worstMessage = ''
  const terminating = isTerminating({ ...run, status })
  let everythingCompleted = true
  status.startedAt ??= rfc3339(now)
  if (run.spec.terminate) worstMessage = 'Run Terminated'
  const summary = { count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0 }
  const drySummary = { count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0 }
  for (const metric of metrics) {
    const isDry = dryRun.get(metric.name) === true
    if (isDry) drySummary.count++
    else summary.count++
    const found = resultOf(status, metric.name)
    if (!found) {
      everythingCompleted = false
      continue
    }
    const result: MetricResult = { ...found }
    const metricStatus = assessMetricStatus(metric, result, terminating)
    if (result.phase !== metricStatus) {
      if (isCompleted(metricStatus))
        events.push({
          type: metricStatus === 'Error' || metricStatus === 'Failed' ? 'Warning' : 'Normal',
          reason: `Metric${metricStatus}`,
          message: `Metric '${metric.name}' Completed. Result: ${metricStatus}`,
        })
      const last = lastOf(result)
      if (last) {
        if (last.message) result.message = last.message
        else delete result.message
      }
      result.phase = metricStatus
    }
    if (!isCompleted(metricStatus)) everythingCompleted = false
    else {
      const { phase, message } = failureInconclusiveOrError(metric, result)
      const bucket = isDry ? drySummary : summary
      if (!isDry) {
        if (worst === undefined || isWorse(worst, metricStatus)) {
          worst = metricStatus
          if (message) {
            worstMessage = `Metric "${metric.name}" assessed ${metricStatus} due to ${message}`
            if (result.message) worstMessage += `: "Error Message: ${result.message}"`
          }
        }
      } else {
        worst ??= 'Successful'
        if (message) result.message = `Metric assessed ${metricStatus} due to ${message}`
      }
      switch (phase) {
        case 'Error':
          bucket.error++
          break
        case 'Failed':
          bucket.failed++
          break
        case 'Inconclusive':
          bucket.inconclusive++
          break
        default:
          bucket.successful++
      }
    }
    status.metricResults = status.metricResults!.map((r) => (r.name === metric.name ? result : r))
  }
  status.runSummary = omitZero(summary)
  status.dryRunSummary = omitZero(drySummary)
  worstMessage = worstMessage.trim()
  if (terminating) return { phase: worst ?? 'Successful', message: worstMessage }
  if (!everythingCompleted || worst === undefined) return { phase: 'Running', message: '' }
  return { phase: worst, message: worstMessage }
}

/** Go's omitempty on int32 counters. */
function omitZero(s: Required<RunSummary>): RunSummary {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== 0)) as RunSummary
}

/** Argo's calculateNextReconcileTime, in ms since the epoch. */
function nextReconcileTime(status: AnalysisRunStatus, metrics: readonly Metric[], now: Date): number | undefined {
  let next: number | undefined
  const consider = (t: number) => {
    if (next === undefined || t < next) next = t
  }
  for (const metric of metrics) {
    const result = resultOf(status, metric.name)
    if (result && isCompleted(result.phase)) continue
    const last = lastOf(result)
    if (!last) {
      if (metric.initialDelay) consider((status.startedAt ? ms(status.startedAt) : now.getTime()) + parseGoDuration(metric.initialDelay))
      continue
    }
    if (!last.finishedAt) {
      if (last.resumeAt) consider(ms(last.resumeAt))
      continue
    }
    const count = effectiveCount(metric)
    if (count !== undefined && (result?.count ?? 0) >= count) continue
    if (last.phase === 'Error') consider(ms(last.finishedAt) + defaultErrorRetryIntervalMs)
    else if (metric.interval) consider(ms(last.finishedAt) + parseGoDuration(metric.interval))
  }
  return next
}

/**
 * Records this pass's measurements, assesses every metric and the run, trims the history and
 * says when to look again: Argo's reconcileAnalysisRun from runMeasurements on.
 */
export function finishAnalysisRun(run: AnalysisRunObj, plan: Extract<RunPlan, { kind: 'measure' }>, measured: readonly Measured[], now: Date): RunOutcome {
  const status: AnalysisRunStatus = structuredClone(run.status ?? {})
  status.metricResults ??= []
  const events: RunEvent[] = []
  for (const m of measured) recordMeasurement(status, m, plan.dryRun, now)
  const { phase, message } = assessRunStatus(run, status, plan.metrics, plan.dryRun, now, events)
  if (phase !== run.status?.phase) {
    status.phase = phase
    if (message) status.message = message
    else delete status.message
    if (isCompleted(phase)) {
      events.push(completionEvent(phase))
      status.completedAt ??= rfc3339(now)
    }
  }
  // garbageCollectMeasurements
  const trimmed: RunOutcome['trimmed'] = []
  status.metricResults = status.metricResults.map((r) => {
    const limit = (plan.retention.get(r.name) ?? 0) > 0 ? plan.retention.get(r.name)! : defaultMeasurementHistoryLimit
    const list = r.measurements ?? []
    const metric = plan.metrics.find((m) => m.name === r.name)
    if (list.length <= limit || !metric) return r
    trimmed.push({ metric, limit })
    return { ...r, measurements: list.slice(list.length - limit) }
  })
  if (!status.metricResults.length) delete status.metricResults
  const next = nextReconcileTime(status, plan.metrics, now)
  return { status, events, trimmed, ...(next !== undefined ? { requeueAfterMs: Math.max(0, next - now.getTime()) } : {}) }
}
