// What the proxy measures per request, kept per second for 15 minutes, and the traffic report
// computed from it (docs/traffic.md). A series is one (Service, ReplicaSet or Pod, backend): the
// Service whose address got the request, the ReplicaSet of the Pod that answered, and the
// annotation's backend that picked it. Each second of a series holds counts and a latency
// histogram (histogram.ts); a report merges the seconds of its window, per step.
// The same requests feed two Prometheus families (see ProxyTraffic.constructor). As in
// metrics.ts, the hot path only adds to plain numbers; the families read them when scraped.
import type { Registry } from 'prom-client'
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

/** The Prometheus figures of one (namespace, service, replicaset), since the proxy started. */
interface PromSeries {
  labels: { namespace: string; service: string; replicaset: string }
  codes: Map<number, number>
  /** Observations per bucket of durationBuckets, the last one +Inf (not cumulative). */
  buckets: number[]
  sum: number
  count: number
}

interface Series {
  target: TrafficTarget
  seconds: Map<number, Second>
  prom: PromSeries
}

export const targetKey = (t: TrafficTarget): string => `${t.namespace}/${t.service}|${t.replicaSet ?? ''}|${t.pod ?? ''}|${t.backend ?? ''}`

/** Prometheus' default buckets, in seconds, stretched down to 1 ms for a proxy on loopback. */
const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

const round3 = (v: number) => Math.round(v * 1000) / 1000

function summary(h: LatencyHistogram): LatencySummary {
  return { p50: round3(h.quantile(0.5)), p90: round3(h.quantile(0.9)), p99: round3(h.quantile(0.99)), mean: round3(h.mean), max: round3(h.max) }
}

type PromValue = { value: number; labels: Record<string, string | number>; metricName?: string }

export class ProxyTraffic {
  private readonly series = new Map<string, Series>()
  private readonly prom = new Map<string, PromSeries>()
  private prunedAt = 0

  constructor(
    registry: Registry,
    private readonly now: () => number = Date.now,
    prefix = 'kubelite_proxy_',
  ) {
    // Families read at scrape time, in prom-client's metric shape (what its Counter and Histogram
    // return from get()), so a request costs a few additions and no label hashing.
    const family = (name: string, help: string, type: 'counter' | 'histogram', values: () => PromValue[]) => ({
      name,
      help,
      type,
      aggregator: 'sum',
      get: () => ({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => {},
    })
    const requests = `${prefix}http_requests_total`
    const duration = `${prefix}http_request_duration_seconds`
    registry.registerMetric(
      family(requests, 'HTTP requests the proxy carried in HTTP mode (mirror copies included), by the ReplicaSet of the Pod that answered and the status code.', 'counter', () =>
        [...this.prom.values()].flatMap((p) => [...p.codes].map(([code, n]) => ({ value: n, labels: { ...p.labels, code: String(code) } }))),
      ) as never,
    )
    registry.registerMetric(
      family(duration, "Time from a request's first byte at the proxy to its answer's last byte, by the ReplicaSet of the Pod that answered.", 'histogram', () =>
        [...this.prom.values()].flatMap((p) => {
          const out: PromValue[] = []
          let acc = 0
          durationBuckets.forEach((le, i) => {
            acc += p.buckets[i]
            out.push({ value: acc, labels: { le, ...p.labels }, metricName: `${duration}_bucket` })
          })
          out.push({ value: p.count, labels: { le: '+Inf', ...p.labels }, metricName: `${duration}_bucket` })
          out.push({ value: p.sum, labels: p.labels, metricName: `${duration}_sum` })
          out.push({ value: p.count, labels: p.labels, metricName: `${duration}_count` })
          return out
        }),
      ) as never,
    )
  }

  private promSeries(t: TrafficTarget): PromSeries {
    const labels = { namespace: t.namespace, service: t.service, replicaset: t.replicaSet ?? '' }
    const key = `${labels.namespace}/${labels.service}/${labels.replicaset}`
    let p = this.prom.get(key)
    if (!p) this.prom.set(key, (p = { labels, codes: new Map(), buckets: new Array<number>(durationBuckets.length + 1).fill(0), sum: 0, count: 0 }))
    return p
  }

  private second(t: TrafficTarget, key: string | undefined): [Series, Second] {
    const nowMs = this.now()
    const sec = Math.floor(nowMs / 1000)
    if (sec !== this.prunedAt) this.prune(sec)
    const k = key ?? targetKey(t)
    let s = this.series.get(k)
    if (!s) this.series.set(k, (s = { target: t, seconds: new Map(), prom: this.promSeries(t) }))
    let b = s.seconds.get(sec)
    if (!b) s.seconds.set(sec, (b = { requests: 0, errors: 0, mirrored: 0, connections: 0, latency: new LatencyHistogram() }))
    return [s, b]
  }

  /** One answered (or failed) request. `key` is targetKey(t), when the caller keeps it. */
  record(t: TrafficTarget, o: RequestOutcome, key?: string): void {
    const [s, b] = this.second(t, key)
    b.requests++
    if (o.status >= 500 || o.failed) b.errors++
    if (o.mirrored) b.mirrored++
    b.latency.add(o.latencyMs)
    const p = s.prom
    p.codes.set(o.status, (p.codes.get(o.status) ?? 0) + 1)
    const seconds = o.latencyMs / 1000
    let i = 0
    while (i < durationBuckets.length && seconds > durationBuckets[i]) i++
    p.buckets[i]++
    p.sum += seconds
    p.count++
  }

  /** One TCP-mode connection (non-HTTP traffic counts connections only). */
  recordConnection(t: TrafficTarget, key?: string): void {
    this.second(t, key)[1].connections++
  }

  private prune(sec: number): void {
    this.prunedAt = sec
    const oldest = sec - trafficRetentionSeconds
    for (const [k, s] of this.series) {
      for (const at of s.seconds.keys()) if (at < oldest) s.seconds.delete(at)
      if (s.seconds.size === 0) {
        this.series.delete(k)
        this.forget(s)
      }
    }
  }

  /**
   * A series silent for 15 minutes leaves /metrics too, unless another series (another backend
   * over the same ReplicaSet) still shares its labels.
   */
  private forget(gone: Series): void {
    if ([...this.series.values()].some((o) => o.prom === gone.prom)) return
    const { namespace, service, replicaset } = gone.prom.labels
    this.prom.delete(`${namespace}/${service}/${replicaset}`)
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
