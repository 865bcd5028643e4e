// kubelite's own metric provider: the figures kubelite's Service proxy measured per ReplicaSet,
// read only from the traffic report on the API (GET /traffic/v1/..., docs/traffic.md), so it
// needs nothing installed. Two forms (docs/analysis.md):
//
//   query: error_rate{service="web", hash="7d9f8c6b5"}[1m]     one number (or nil without traffic)
//   judge: {service, canaryHash, stableHash, ...}               canary against stable, Kayenta-style
import type { LatencySummary, TrafficGroup as ReportGroup, TrafficReport as FullReport } from '../../../apis/traffic/report.js'
import type { Client } from '../../../client/types.js'
import { rfc3339 } from '../../../lib/duration.js'
import { parseGoDuration } from '../duration.js'
import { evaluateResult, goFloat } from '../expr.js'
import { classifyMetric, removeOutliers, scoreMetrics, type ScoredMetric } from '../judge/classify.js'
import type { JudgeMetricSpec, JudgeSpec, KubeliteMetric, Measurement, Metric } from '../types.js'
import { markError, noGarbage, noResume, type Provider } from './provider.js'

/**
 * kubelite's provider under Argo's plugin mechanism (`provider: {plugin: {kubelite/traffic: ...}}`),
 * the form Argo's AnalysisRun schema keeps; `provider: {kubelite: ...}` is read too.
 */
export const kubelitePluginName = 'kubelite/traffic'

export function kubeliteSpec(metric: Metric): KubeliteMetric | undefined {
  const plugin = metric.provider.plugin as Record<string, unknown> | undefined
  return metric.provider.kubelite ?? (plugin?.[kubelitePluginName] as KubeliteMetric | undefined)
}

// ---- the traffic report (docs/traffic.md) ----

type Latency = LatencySummary
type ReportWindow = FullReport['window']
type TrafficGroup = Pick<ReportGroup, 'service' | 'replicaSet' | 'pod' | 'podTemplateHash' | 'backend' | 'requests' | 'errors' | 'latencyMs'> & Partial<ReportGroup>
export interface TrafficReport {
  window: ReportWindow
  groups: TrafficGroup[]
}

/** Where the provider reads reports from (the API server's /traffic/v1, through the client). */
export interface TrafficSource {
  report(namespace: string, service: string, window: string, step?: string): Promise<TrafficReport>
}

/** Reads reports through the client, as `kubectl get --raw /traffic/v1/...` does. */
export function clientTraffic(client: Client): TrafficSource | undefined {
  const getRaw = client.getRaw?.bind(client)
  if (!getRaw) return undefined
  return {
    report: async (namespace, service, window, step) => {
      const q = new URLSearchParams({ window, ...(step ? { step } : {}) })
      return (await getRaw(`/traffic/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(service)}?${q}`)) as TrafficReport
    },
  }
}

// ---- the query language ----

export const queryMetrics = ['requests', 'errors', 'rps', 'error_rate', 'success_rate', 'mirrored', 'p50_latency', 'p90_latency', 'p99_latency', 'mean_latency', 'max_latency'] as const
export type QueryMetric = (typeof queryMetrics)[number]
const selectorKeys = ['service', 'hash', 'replicaset', 'backend', 'pod'] as const

export interface Query {
  metric: QueryMetric
  service: string
  hash?: string
  replicaset?: string
  backend?: string
  pod?: string
  /** Go duration, default 60s. */
  window: string
}

/** Parses `metric{key="value", ...}[window]`; throws with a message naming what is wrong. */
export function parseQuery(text: string): Query {
  const m = /^\s*([a-z0-9_]+)\s*\{(.*)\}\s*(?:\[\s*([^\]]*?)\s*\])?\s*$/s.exec(text)
  if (!m) throw new Error(`invalid query ${JSON.stringify(text)}: want metric{service="NAME", ...}[window], e.g. error_rate{service="web", hash="7d9f8c6b5"}[1m]`)
  const metric = m[1] as QueryMetric
  if (!queryMetrics.includes(metric)) throw new Error(`unknown metric ${JSON.stringify(m[1])} (known: ${queryMetrics.join(', ')})`)
  const q: Partial<Query> = { metric, window: m[3] || '60s' }
  const body = m[2]!.trim()
  const re = /\s*([a-z]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/gy
  let pos = 0
  while (pos < body.length) {
    re.lastIndex = pos
    const mm = re.exec(body)
    if (!mm) throw new Error(`invalid selector at ${JSON.stringify(body.slice(pos))}: want key="value"`)
    const key = mm[1] as (typeof selectorKeys)[number]
    if (!selectorKeys.includes(key)) throw new Error(`unknown selector ${JSON.stringify(mm[1])} (known: ${selectorKeys.join(', ')})`)
    q[key] = JSON.parse(`"${mm[2]}"`) as string
    pos = re.lastIndex
  }
  if (!q.service) throw new Error(`query ${JSON.stringify(text)} names no service: add service="NAME"`)
  const ms = parseGoDuration(q.window!)
  if (ms < 1000 || ms > 15 * 60_000) throw new Error(`window ${q.window} must be between 1s and 15m`)
  return q as Query
}

function selected(q: Pick<Query, 'hash' | 'replicaset' | 'backend' | 'pod'>, g: TrafficGroup): boolean {
  return (!q.hash || g.podTemplateHash === q.hash) && (!q.replicaset || g.replicaSet === q.replicaset) && (!q.backend || g.backend === q.backend) && (!q.pod || g.pod === q.pod)
}

/**
 * The query's value over the report's groups it selects: counts add up; rps is requests over the
 * window; error_rate is errors over requests; latencies (ms) are request-weighted means for
 * mean_latency, the largest for max and the percentiles (an upper bound when several groups
 * match). No requests: 0 for counts and rps, nil for ratios and latencies.
 */
export function evaluateQuery(q: Query, report: TrafficReport): number | null {
  const groups = report.groups.filter((g) => g.service === q.service || g.service === undefined).filter((g) => selected(q, g))
  const requests = groups.reduce((s, g) => s + g.requests, 0)
  const errors = groups.reduce((s, g) => s + g.errors, 0)
  switch (q.metric) {
    case 'requests':
      return requests
    case 'errors':
      return errors
    case 'mirrored':
      return groups.reduce((s, g) => s + (g.mirrored ?? 0), 0)
    case 'rps':
      return report.window.seconds > 0 ? requests / report.window.seconds : 0
    case 'error_rate':
      return requests ? errors / requests : null
    case 'success_rate':
      return requests ? 1 - errors / requests : null
  }
  const withLatency = groups.filter((g) => g.requests > 0 && g.latencyMs)
  if (!withLatency.length) return null
  if (q.metric === 'mean_latency') {
    const n = withLatency.reduce((s, g) => s + g.requests, 0)
    return withLatency.reduce((s, g) => s + g.latencyMs!.mean * g.requests, 0) / n
  }
  const key = q.metric.replace('_latency', '') as keyof Latency
  return Math.max(...withLatency.map((g) => g.latencyMs![key]))
}

// ---- the canary judge ----

export const defaultJudgeMetrics: JudgeMetricSpec[] = [
  { name: 'error_rate', direction: 'increase', weight: 50, critical: true },
  { name: 'p99_latency', direction: 'increase', weight: 25 },
  { name: 'p50_latency', direction: 'increase', weight: 25 },
]

/** One sample per report step for a metric (NaN where the step had no requests). */
export function stepSamples(metric: string, groups: readonly TrafficGroup[], stepSeconds: number): number[] {
  const steps = new Map<string, { requests: number; errors: number; lat: Latency[]; weights: number[] }>()
  for (const g of groups)
    for (const s of g.series ?? []) {
      const e = steps.get(s.start) ?? { requests: 0, errors: 0, lat: [], weights: [] }
      e.requests += s.requests
      e.errors += s.errors
      if (s.latencyMs && s.requests > 0) {
        e.lat.push(s.latencyMs)
        e.weights.push(s.requests)
      }
      steps.set(s.start, e)
    }
  const ordered = [...steps.entries()].sort((a, b) => Date.parse(a[0]) - Date.parse(b[0])).map(([, v]) => v)
  return ordered.map((s) => {
    switch (metric) {
      case 'requests':
        return s.requests
      case 'errors':
        return s.errors
      case 'rps':
        return stepSeconds > 0 ? s.requests / stepSeconds : NaN
      case 'error_rate':
        return s.requests ? s.errors / s.requests : NaN
      case 'success_rate':
        return s.requests ? 1 - s.errors / s.requests : NaN
    }
    if (!s.lat.length) return NaN
    const key = metric.replace('_latency', '') as keyof Latency
    if (key === 'mean') return s.lat.reduce((a, l, i) => a + l.mean * s.weights[i]!, 0) / s.weights.reduce((a, w) => a + w, 0)
    return Math.max(...s.lat.map((l) => l[key]))
  })
}

export interface Judgement {
  score: number
  classification: 'Pass' | 'Marginal' | 'Fail'
  phase: Measurement['phase']
  metrics: (ScoredMetric & { canary: number; stable: number })[]
  message: string
}

const round = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v)
const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN)

/** Judges the canary against stable from one report (Kayenta's NetflixACAJudge over report steps). */
export function judgeReport(spec: JudgeSpec, report: TrafficReport): Judgement {
  const canaryGroups = report.groups.filter((g) => g.podTemplateHash === spec.canaryHash)
  const stableGroups = report.groups.filter((g) => g.podTemplateHash === spec.stableHash)
  // Arguments arrive as strings (`{{args.pass}}`).
  const pass = Number(spec.threshold?.pass ?? 75)
  const marginal = Number(spec.threshold?.marginal ?? 50)
  const step = report.window.stepSeconds
  const metrics = (spec.metrics?.length ? spec.metrics : defaultJudgeMetrics).map((m) => {
    const canary = removeOutliers(stepSamples(m.name, canaryGroups, step).filter((v) => !Number.isNaN(v)))
    const stable = removeOutliers(stepSamples(m.name, stableGroups, step).filter((v) => !Number.isNaN(v)))
    const c = classifyMetric(m.name, stable, canary, {
      tolerance: spec.tolerance,
      confidence: spec.confidence,
      direction: m.direction ?? 'either',
      allowedIncrease: m.allowedIncrease,
      allowedDecrease: m.allowedDecrease,
      critical: m.critical,
    })
    return { ...c, name: m.name, weight: m.weight ?? 1, canary: meanOf(canary), stable: meanOf(stable) }
  })
  const s = scoreMetrics(metrics, { pass, marginal })
  const phase = s.score >= pass ? 'Successful' : s.score >= marginal ? 'Inconclusive' : 'Failed'
  const parts = metrics.map((m) => `${m.name} ${m.classification} (canary ${goFloat(round(m.canary))}, stable ${goFloat(round(m.stable))})`)
  const message = `score ${Math.trunc(s.score)} (${s.classification}${s.criticalFailure ? ', critical metric failed' : ''}): ${parts.join(', ')}`
  return { score: s.score, classification: s.classification, phase, metrics, message }
}

export function kubeliteProvider(traffic: TrafficSource | undefined, now: () => Date): Provider {
  return {
    type: 'Kubelite',
    resume: noResume,
    terminate: noResume,
    garbageCollect: noGarbage,
    metadata: (metric) => {
      const q = kubeliteSpec(metric)?.query
      return q ? { query: q } : undefined
    },
    async run(run, metric) {
      const m: Measurement = { phase: 'Running', startedAt: rfc3339(now()) }
      const k = kubeliteSpec(metric)!
      if (!traffic) return markError(m, new Error('the traffic report (/traffic/v1) is not available to this controller'), now())
      const ns = run.metadata.namespace ?? 'default'
      try {
        if (k.judge) {
          const j = k.judge
          if (!j.service || !j.canaryHash || !j.stableHash) throw new Error('judge needs service, canaryHash and stableHash')
          const report = await traffic.report(ns, j.service, j.window || '60s', j.step || '10s')
          const canaryRequests = report.groups.filter((g) => g.podTemplateHash === j.canaryHash).reduce((s, g) => s + g.requests, 0)
          const stableRequests = report.groups.filter((g) => g.podTemplateHash === j.stableHash).reduce((s, g) => s + g.requests, 0)
          if (!canaryRequests || !stableRequests) {
            const who = !canaryRequests ? `canary (${j.canaryHash})` : `stable (${j.stableHash})`
            return { ...m, phase: 'Inconclusive', message: `no requests reached the ${who} pods of service ${j.service} in the last ${j.window || '60s'}`, finishedAt: rfc3339(now()) }
          }
          const judged = judgeReport(j, report)
          const metadata: Record<string, string> = { score: String(Math.trunc(judged.score)), classification: judged.classification }
          for (const x of judged.metrics) metadata[x.name] = x.classification
          return { ...m, phase: judged.phase, value: String(Math.trunc(judged.score)), message: judged.message, metadata, finishedAt: rfc3339(now()) }
        }
        if (!k.query) throw new Error('kubelite provider needs a query or a judge')
        const q = parseQuery(k.query)
        const report = await traffic.report(ns, q.service, q.window)
        const value = evaluateQuery(q, report)
        const r = evaluateResult(value, metric)
        if (r.error) return markError(m, new Error(r.error), now())
        return { ...m, phase: r.phase, ...(value !== null ? { value: goFloat(value) } : {}), finishedAt: rfc3339(now()) }
      } catch (err) {
        return markError(m, err, now())
      }
    },
  }
}
