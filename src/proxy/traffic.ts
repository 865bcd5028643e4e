// What the proxy measures per request, kept per second for 15 minutes, and the traffic report
// computed from it (docs/traffic.md). A series is one (Service, ReplicaSet or Pod, backend): the
// Service whose address got the request, the ReplicaSet of the Pod that answered, and the
// annotation's backend that picked it. Each second of a series holds counts and a latency
// histogram (histogram.ts); a report merges the seconds of its window, per step.
// The same requests feed two Prometheus families (see ProxyTraffic.constructor).
import { Counter, Histogram, type Registry } from 'prom-client'
import { rfc3339 } from '../lib/duration.js'
import { trafficReportApiVersion, trafficReportKind, trafficRetentionSeconds, type LatencySummary, type TrafficGroup, type TrafficQuery, type TrafficReport } from '../apis/traffic/report.js'
import { LatencyHistogram } from './histogram.js'

/** Who answered a request, as the report groups it. */
export interface TrafficTarget {
  namespace: string
  service: string
  replicaSet?: string
  podTemplateHash?: string
  /** Set when the Pod has no controller ReplicaSet. */
  pod?: string
  backend?: string
}

export interface RequestOutcome {
  status: number
  latencyMs: number
  /** The proxy failed the request (502/503, or an answer cut short). */
  failed?: boolean
  /** A mirror copy (its answer went nowhere). */
  mirrored?: boolean
}

interface Second {
  requests: number
  errors: number
  mirrored: number
  connections: number
  latency: LatencyHistogram
}

interface Series {
  target: TrafficTarget
  seconds: Map<number, Second>
}

export const targetKey = (t: TrafficTarget): string => `${t.namespace}/${t.service}|${t.replicaSet ?? ''}|${t.pod ?? ''}|${t.backend ?? ''}`

/** Prometheus' default buckets, in seconds, stretched down to 1 ms for a proxy on loopback. */
const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

const round3 = (v: number) => Math.round(v * 1000) / 1000

function summary(h: LatencyHistogram): LatencySummary {
  return { p50: round3(h.quantile(0.5)), p90: round3(h.quantile(0.9)), p99: round3(h.quantile(0.99)), mean: round3(h.mean), max: round3(h.max) }
}

export class ProxyTraffic {
  private readonly series = new Map<string, Series>()
  private prunedAt = 0
  private readonly requests: Counter<'namespace' | 'service' | 'replicaset' | 'code'>
  private readonly duration: Histogram<'namespace' | 'service' | 'replicaset'>

  constructor(
    registry: Registry,
    private readonly now: () => number = Date.now,
    prefix = 'kubelite_proxy_',
  ) {
    this.requests = new Counter({
      name: `${prefix}http_requests_total`,
      help: 'HTTP requests the proxy carried in HTTP mode (mirror copies included), by the ReplicaSet of the Pod that answered and the status code.',
      labelNames: ['namespace', 'service', 'replicaset', 'code'],
      registers: [registry],
    })
    this.duration = new Histogram({
      name: `${prefix}http_request_duration_seconds`,
      help: "Time from a request's first byte at the proxy to its answer's last byte, by the ReplicaSet of the Pod that answered.",
      labelNames: ['namespace', 'service', 'replicaset'],
      buckets: durationBuckets,
      registers: [registry],
    })
  }

  private second(t: TrafficTarget, key: string | undefined): Second {
    const nowMs = this.now()
    const sec = Math.floor(nowMs / 1000)
    if (sec !== this.prunedAt) this.prune(sec)
    const k = key ?? targetKey(t)
    let s = this.series.get(k)
    if (!s) this.series.set(k, (s = { target: t, seconds: new Map() }))
    let b = s.seconds.get(sec)
    if (!b) s.seconds.set(sec, (b = { requests: 0, errors: 0, mirrored: 0, connections: 0, latency: new LatencyHistogram() }))
    return b
  }

  /** One answered (or failed) request. `key` is targetKey(t), when the caller keeps it. */
  record(t: TrafficTarget, o: RequestOutcome, key?: string): void {
    const b = this.second(t, key)
    b.requests++
    if (o.status >= 500 || o.failed) b.errors++
    if (o.mirrored) b.mirrored++
    b.latency.add(o.latencyMs)
    const rs = t.replicaSet ?? ''
    this.requests.inc({ namespace: t.namespace, service: t.service, replicaset: rs, code: String(o.status) })
    this.duration.observe({ namespace: t.namespace, service: t.service, replicaset: rs }, o.latencyMs / 1000)
  }

  /** One TCP-mode connection (non-HTTP traffic counts connections only). */
  recordConnection(t: TrafficTarget, key?: string): void {
    this.second(t, key).connections++
  }

  private prune(sec: number): void {
    this.prunedAt = sec
    const oldest = sec - trafficRetentionSeconds
    for (const [k, s] of this.series) {
      for (const at of s.seconds.keys()) if (at < oldest) s.seconds.delete(at)
      if (s.seconds.size === 0) this.series.delete(k)
    }
  }

  /** The traffic report for a namespace, or one of its Services, over the last `windowSeconds`. */
  report(q: TrafficQuery): TrafficReport {
    const nowMs = this.now()
    const endSec = Math.floor(nowMs / 1000) + 1 // the current second, so far, is in
    const window = Math.min(q.windowSeconds, trafficRetentionSeconds)
    const step = Math.max(1, Math.min(q.stepSeconds, window))
    const startSec = endSec - window
    const steps = Math.ceil(window / step)
    const groups: TrafficGroup[] = []
    for (const s of this.series.values()) {
      const t = s.target
      if (t.namespace !== q.namespace || (q.service !== undefined && t.service !== q.service)) continue
      const total = { requests: 0, errors: 0, mirrored: 0, connections: 0, latency: new LatencyHistogram() }
      const series = Array.from({ length: steps }, (_, k) => ({ startSec: startSec + k * step, requests: 0, errors: 0, latency: new LatencyHistogram() }))
      for (const [at, b] of s.seconds) {
        if (at < startSec || at >= endSec) continue
        const st = series[Math.floor((at - startSec) / step)]
        st.requests += b.requests
        st.errors += b.errors
        st.latency.merge(b.latency)
        total.requests += b.requests
        total.errors += b.errors
        total.mirrored += b.mirrored
        total.connections += b.connections
        total.latency.merge(b.latency)
      }
      if (total.requests === 0 && total.connections === 0) continue
      groups.push({
        service: t.service,
        ...(t.replicaSet !== undefined ? { replicaSet: t.replicaSet } : {}),
        ...(t.podTemplateHash !== undefined ? { podTemplateHash: t.podTemplateHash } : {}),
        ...(t.pod !== undefined ? { pod: t.pod } : {}),
        ...(t.backend !== undefined ? { backend: t.backend } : {}),
        requests: total.requests,
        errors: total.errors,
        errorRate: total.requests ? total.errors / total.requests : 0,
        requestsPerSecond: round3(total.requests / window),
        mirrored: total.mirrored,
        ...(total.connections ? { connections: total.connections } : {}),
        ...(total.requests ? { latencyMs: summary(total.latency) } : {}),
        series: series.map((st) => ({
          start: rfc3339(new Date(st.startSec * 1000)),
          requests: st.requests,
          errors: st.errors,
          ...(st.requests ? { latencyMs: summary(st.latency) } : {}),
        })),
      })
    }
    const sortKey = (g: TrafficGroup) => `${g.service}\0${g.backend ?? ''}\0${g.replicaSet ?? g.pod ?? ''}`
    groups.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0))
    return {
      kind: trafficReportKind,
      apiVersion: trafficReportApiVersion,
      namespace: q.namespace,
      ...(q.service !== undefined ? { service: q.service } : {}),
      window: { start: rfc3339(new Date(startSec * 1000)), end: rfc3339(new Date(endSec * 1000)), seconds: window, stepSeconds: step },
      groups,
    }
  }
}
