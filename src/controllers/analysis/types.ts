// The argoproj.io/v1alpha1 analysis kinds as Argo Rollouts writes them
// (pkg/apis/rollouts/v1alpha1/analysis_types.go); field names are the wire names.
import type { StoredObject } from '../../apis/meta.js'

export type AnalysisPhase = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive'
export type IntOrString = number | string

export const completedPhases: readonly AnalysisPhase[] = ['Successful', 'Failed', 'Error', 'Inconclusive']
export const isCompleted = (p: AnalysisPhase | string | undefined): boolean => completedPhases.includes(p as AnalysisPhase)

export interface Argument {
  name: string
  value?: string
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } }
}

export interface WebMetric {
  method?: string
  url: string
  headers?: { key: string; value: string }[]
  body?: string
  jsonBody?: unknown
  timeoutSeconds?: number
  jsonPath?: string
  insecure?: boolean
}

export interface PrometheusMetric {
  address?: string
  query?: string
  timeout?: number
  insecure?: boolean
  headers?: { key: string; value: string }[]
}

export interface JobMetric {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }
  spec: Record<string, unknown> & { template?: { metadata?: { labels?: Record<string, string> }; [field: string]: unknown } }
}

/** kubelite's own provider: the proxy's traffic report (docs/analysis.md). */
export interface KubeliteMetric {
  /** A query of kubelite's small language: `error_rate(service="web", hash="7d9f8c6b5", window="1m")`. */
  query?: string
  /** The canary judge: canary against stable over the same window. */
  judge?: JudgeSpec
}

export interface JudgeMetricSpec {
  /** error_rate | p50_latency | p90_latency | p99_latency | mean_latency | max_latency | requests | rps */
  name: string
  /** increase | decrease | either (Kayenta's default: either). */
  direction?: 'increase' | 'decrease' | 'either'
  /** Relative weight of this metric in the score (default 1). */
  weight?: number
  /** Kayenta's effectSize.allowedIncrease / allowedDecrease (mean ratios; default 1.0). */
  allowedIncrease?: number
  allowedDecrease?: number
  /** Kayenta's critical: a High/Low on it fails the judgement whatever the score. */
  critical?: boolean
}

export interface JudgeSpec {
  service: string
  canaryHash: string
  stableHash: string
  /** Go duration (default 60s); `step` the sample length (default 10s). */
  window?: string
  step?: string
  metrics?: JudgeMetricSpec[]
  /** Kayenta's thresholds (default pass 75, marginal 50). */
  threshold?: { pass?: number; marginal?: number }
  /** Kayenta's tolerance as a fraction of the Hodges-Lehmann estimate (default 0.25). */
  tolerance?: number
  /** Confidence of the Mann-Whitney interval (default 0.98). */
  confidence?: number
  /** Samples each side needs before judging (default 3): fewer is Inconclusive. */
  minSamples?: number
}

export interface MetricProvider {
  web?: WebMetric
  prometheus?: PrometheusMetric
  job?: JobMetric
  kubelite?: KubeliteMetric
  [other: string]: unknown
}

export interface Metric {
  name: string
  interval?: string
  initialDelay?: string
  count?: IntOrString
  successCondition?: string
  failureCondition?: string
  failureLimit?: IntOrString
  inconclusiveLimit?: IntOrString
  consecutiveErrorLimit?: IntOrString
  consecutiveSuccessLimit?: IntOrString
  provider: MetricProvider
}

export interface Measurement {
  phase: AnalysisPhase
  message?: string
  startedAt?: string
  finishedAt?: string
  value?: string
  metadata?: Record<string, string>
  resumeAt?: string
}

export interface MetricResult {
  name: string
  phase: AnalysisPhase
  measurements?: Measurement[]
  message?: string
  count?: number
  successful?: number
  failed?: number
  inconclusive?: number
  error?: number
  consecutiveError?: number
  dryRun?: boolean
  metadata?: Record<string, string>
  consecutiveSuccess?: number
}

export interface RunSummary {
  count?: number
  successful?: number
  failed?: number
  inconclusive?: number
  error?: number
}

export interface AnalysisRunSpec {
  metrics: Metric[]
  args?: Argument[]
  terminate?: boolean
  dryRun?: { metricName: string }[]
  measurementRetention?: { metricName: string; limit: number }[]
  ttlStrategy?: { secondsAfterCompletion?: number; secondsAfterFailure?: number; secondsAfterSuccess?: number }
}

export interface AnalysisRunStatus {
  phase?: AnalysisPhase | ''
  message?: string
  metricResults?: MetricResult[]
  startedAt?: string
  runSummary?: RunSummary
  dryRunSummary?: RunSummary
  completedAt?: string
}

export interface AnalysisRunObj extends StoredObject {
  spec: AnalysisRunSpec
  status?: AnalysisRunStatus
}

export interface AnalysisTemplateObj extends StoredObject {
  spec: { metrics: Metric[]; args?: Argument[]; dryRun?: { metricName: string }[]; measurementRetention?: { metricName: string; limit: number }[] }
}

export const analysisGroup = 'argoproj.io'
export const analysisVersion = 'v1alpha1'
export const analysisGVRs = {
  analysisRuns: { group: analysisGroup, version: analysisVersion, resource: 'analysisruns' },
  analysisTemplates: { group: analysisGroup, version: analysisVersion, resource: 'analysistemplates' },
  clusterAnalysisTemplates: { group: analysisGroup, version: analysisVersion, resource: 'clusteranalysistemplates' },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs' },
} as const
