// Per Service port and per endpoint traffic counters, exposed in Prometheus format through
// prom-client. The hot path only adds to plain numbers; the registry reads them when scraped
// (a prom-client `collect`), so relaying a chunk never hashes a label set.
import { Counter, Gauge, Registry } from 'prom-client'

/** Counters for one Service port or one endpoint. "in" = client → endpoint, "out" = endpoint → client. */
export interface TrafficStats {
  readonly labels: Readonly<Record<string, string>>
  connections: number
  active: number
  bytesIn: number
  bytesOut: number
  /** Failed connects (refused, reset before any byte, timed out). */
  connectErrors: number
  /** Connections moved to another endpoint after a failed connect. */
  retries: number
  /** Connections closed at once because no endpoint was usable (Service port only). */
  rejected: number
  /** HTTP mode: requests (Service port: received; endpoint: answered by it). */
  requests: number
  /** HTTP mode: requests answered by the proxy with 502/503, or whose response was cut short. */
  requestErrors: number
  /** When the proxy last saw this Service port / endpoint gone (for pruning). */
  retiredAt?: number
}

const newStats = (labels: Record<string, string>): TrafficStats => ({ labels, connections: 0, active: 0, bytesIn: 0, bytesOut: 0, connectErrors: 0, retries: 0, rejected: 0, requests: 0, requestErrors: 0 })

type Field = 'connections' | 'active' | 'bytesIn' | 'bytesOut' | 'connectErrors' | 'retries' | 'rejected' | 'requests' | 'requestErrors'

const serviceLabels = ['namespace', 'service', 'port'] as const
const endpointLabels = ['namespace', 'service', 'port', 'endpoint', 'pod'] as const

// `serviceSuffix`: the per-Service-port family's own name, where the plain one belongs to the
// per-ReplicaSet families of the traffic measurements (traffic.ts, docs/traffic.md).
const families: { suffix: string; serviceSuffix?: string; help: string; field: Field; gauge?: boolean; serviceOnly?: boolean }[] = [
  { suffix: 'connections_total', help: 'Connections accepted', field: 'connections' },
  { suffix: 'active_connections', help: 'Connections open now', field: 'active', gauge: true },
  { suffix: 'bytes_in_total', help: 'Bytes relayed from clients to endpoints', field: 'bytesIn' },
  { suffix: 'bytes_out_total', help: 'Bytes relayed from endpoints to clients', field: 'bytesOut' },
  { suffix: 'connect_errors_total', help: 'Connects to an endpoint that failed (refused, reset before any byte, timed out)', field: 'connectErrors' },
  { suffix: 'connect_retries_total', help: 'Connections retried on another endpoint after a failed connect', field: 'retries' },
  { suffix: 'rejected_connections_total', help: 'Connections closed because the Service port had no ready endpoint', field: 'rejected', serviceOnly: true },
  { suffix: 'http_requests_total', serviceSuffix: 'http_requests_received_total', help: 'HTTP requests proxied in HTTP mode', field: 'requests' },
  { suffix: 'http_request_errors_total', help: 'HTTP requests the proxy answered with 502/503 or whose response was cut short', field: 'requestErrors' },
]

/** How long counters of a deleted Service or a departed endpoint stay visible (ms). */
export const defaultRetentionMs = 5 * 60_000

export class ProxyMetrics {
  readonly registry: Registry
  private readonly services = new Map<string, TrafficStats>()
  private readonly endpoints = new Map<string, TrafficStats>()

  constructor(registry?: Registry, prefix = 'kubelite_proxy_') {
    this.registry = registry ?? new Registry()
    for (const f of families) {
      this.register(`${prefix}${f.serviceSuffix ?? f.suffix}`, `${f.help}, per Service port.`, serviceLabels, f, this.services)
      if (!f.serviceOnly) this.register(`${prefix}endpoint_${f.suffix}`, `${f.help}, per endpoint.`, endpointLabels, f, this.endpoints)
    }
  }

  private register(name: string, help: string, labelNames: readonly string[], f: (typeof families)[number], source: Map<string, TrafficStats>): void {
    if (f.gauge) {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          this.reset()
          for (const s of source.values()) this.set(s.labels, s[f.field])
        },
      })
    } else {
      new Counter({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          this.reset()
          for (const s of source.values()) this.inc(s.labels, s[f.field])
        },
      })
    }
  }

  /** Counters of a Service port (`port` is the port number). */
  servicePort(namespace: string, service: string, port: number): TrafficStats {
    const key = `${namespace}/${service}:${port}`
    let s = this.services.get(key)
    if (!s) this.services.set(key, (s = newStats({ namespace, service, port: String(port) })))
    return s
  }

  /** Counters of one endpoint (`ip:port`) of a Service port. */
  endpoint(namespace: string, service: string, port: number, endpoint: string, pod = ''): TrafficStats {
    const key = `${namespace}/${service}:${port}/${endpoint}`
    let s = this.endpoints.get(key)
    if (!s) this.endpoints.set(key, (s = newStats({ namespace, service, port: String(port), endpoint, pod })))
    return s
  }

  /**
   * Drop counters of Service ports and endpoints that are gone (`isCurrent` false) and idle,
   * once they have been gone for `retentionMs`.
   */
  sweep(isCurrent: (labels: Readonly<Record<string, string>>) => boolean, now: number, retentionMs = defaultRetentionMs): void {
    for (const map of [this.services, this.endpoints]) {
      for (const [key, s] of map) {
        if (s.active > 0 || isCurrent(s.labels)) s.retiredAt = undefined
        else if (s.retiredAt === undefined) s.retiredAt = now
        else if (now - s.retiredAt >= retentionMs) map.delete(key)
      }
    }
  }

  /** Snapshot of all counters (tests, dashboards, analysis). */
  snapshot(): { services: TrafficStats[]; endpoints: TrafficStats[] } {
    const copy = (s: TrafficStats): TrafficStats => ({ ...s, labels: { ...s.labels } })
    return { services: [...this.services.values()].map(copy), endpoints: [...this.endpoints.values()].map(copy) }
  }

  /** The registry's text exposition (Prometheus format). */
  metricsText(): Promise<string> {
    return this.registry.metrics()
  }
}
