// The traffic report (docs/traffic.md): what kubelite's proxy measured per Service and
// ReplicaSet, served at GET /traffic/v1/namespaces/{ns}[/services/{svc}]?window=&step=.
// Types only, shared by the proxy (which computes it), the API server (which serves it through a
// TrafficSource) and its readers (analysis, the dashboard).

export const trafficReportKind = 'TrafficReport'
export const trafficReportApiVersion = 'traffic.kubelite.io/v1alpha1'
/** How far back the proxy keeps per-second figures (the largest `window`). */
export const trafficRetentionSeconds = 15 * 60
export const defaultTrafficWindowSeconds = 60

export interface LatencySummary {
  p50: number
  p90: number
  p99: number
  mean: number
  max: number
}

export interface TrafficStep {
  start: string
  requests: number
  errors: number
  /** Absent for a step without requests. */
  latencyMs?: LatencySummary
}

export interface TrafficGroup {
  service: string
  /** The Pod's controller ReplicaSet; absent for Pods without one (then `pod`). */
  replicaSet?: string
  /** `rollouts-pod-template-hash`, else `pod-template-hash`. */
  podTemplateHash?: string
  pod?: string
  /** The annotation's backend that picked these requests (absent without an annotation). */
  backend?: string
  requests: number
  errors: number
  errorRate: number
  requestsPerSecond: number
  mirrored: number
  /** TCP-mode connections (non-HTTP ports), which count as no request. */
  connections?: number
  latencyMs?: LatencySummary
  series: TrafficStep[]
}

export interface TrafficReport {
  kind: typeof trafficReportKind
  apiVersion: typeof trafficReportApiVersion
  namespace: string
  /** Absent for the namespace-wide report. */
  service?: string
  window: { start: string; end: string; seconds: number; stepSeconds: number }
  groups: TrafficGroup[]
}

export interface TrafficQuery {
  namespace: string
  service?: string
  windowSeconds: number
  stepSeconds: number
}

/** Where the API server gets traffic reports (the proxy, wired in by the CLI). */
export interface TrafficSource {
  report(query: TrafficQuery): TrafficReport | Promise<TrafficReport>
}
