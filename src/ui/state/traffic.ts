// The traffic report (docs/traffic.md, GET /traffic/v1/namespaces/{ns}/services/{svc}) as the
// dashboard charts it: one line per ReplicaSet (or Pod), requests/s and p99 per step. Pure.

export interface Latency {
  p50?: number
  p90?: number
  p99?: number
  mean?: number
  max?: number
}

export interface TrafficGroup {
  service?: string
  replicaSet?: string
  pod?: string
  podTemplateHash?: string
  backend?: string
  requests: number
  errors: number
  errorRate?: number
  requestsPerSecond?: number
  latencyMs?: Latency
  series?: { start: string; requests: number; errors: number; latencyMs?: Latency }[]
}

export interface TrafficReport {
  kind?: string
  window?: { start: string; end: string; seconds: number; stepSeconds: number }
  groups?: TrafficGroup[]
}

export interface TrafficView {
  /** Step starts, in Unix seconds. */
  x: number[]
  lines: { label: string; rps: (number | null)[]; errorsPerSecond: (number | null)[]; p99: (number | null)[] }[]
  rows: { label: string; backend?: string; requestsPerSecond: number; errors: number; share: number; p50?: number; p99?: number }[]
}

const label = (g: TrafficGroup) => g.replicaSet ?? (g.pod ? `pod/${g.pod}` : (g.podTemplateHash ?? '?'))

/** Merges a report's groups (several Services may carry one ReplicaSet's traffic) into chart lines and a table. */
export function trafficView(reports: TrafficReport[]): TrafficView {
  const step = reports.find((r) => r.window)?.window?.stepSeconds ?? 1
  const xs = new Set<number>()
  const byLabel = new Map<string, { backend?: string; requests: number; errors: number; p50?: number; p99?: number; steps: Map<number, { requests: number; errors: number; p99?: number }> }>()
  let total = 0
  for (const r of reports) {
    for (const g of r.groups ?? []) {
      const key = label(g)
      let acc = byLabel.get(key)
      if (!acc) byLabel.set(key, (acc = { requests: 0, errors: 0, steps: new Map(), ...(g.backend ? { backend: g.backend } : {}) }))
      acc.requests += g.requests
      acc.errors += g.errors
      total += g.requests
      // Percentiles of merged groups are not additive: keep the worse one.
      if (g.latencyMs?.p50 !== undefined) acc.p50 = Math.max(acc.p50 ?? 0, g.latencyMs.p50)
      if (g.latencyMs?.p99 !== undefined) acc.p99 = Math.max(acc.p99 ?? 0, g.latencyMs.p99)
      for (const s of g.series ?? []) {
        const t = Math.floor(Date.parse(s.start) / 1000)
        if (!Number.isFinite(t)) continue
        xs.add(t)
        const cur = acc.steps.get(t) ?? { requests: 0, errors: 0 }
        cur.requests += s.requests
        cur.errors += s.errors
        if (s.latencyMs?.p99 !== undefined) cur.p99 = Math.max(cur.p99 ?? 0, s.latencyMs.p99)
        acc.steps.set(t, cur)
      }
    }
  }
  const seconds = reports.find((r) => r.window)?.window?.seconds ?? 1
  const x = [...xs].sort((a, b) => a - b)
  const labels = [...byLabel.keys()].sort()
  return {
    x,
    lines: labels.map((l) => {
      const acc = byLabel.get(l)!
      return {
        label: l,
        rps: x.map((t) => (acc.steps.has(t) ? acc.steps.get(t)!.requests / step : 0)),
        errorsPerSecond: x.map((t) => (acc.steps.has(t) ? acc.steps.get(t)!.errors / step : 0)),
        p99: x.map((t) => acc.steps.get(t)?.p99 ?? null),
      }
    }),
    rows: labels.map((l) => {
      const acc = byLabel.get(l)!
      return {
        label: l,
        ...(acc.backend ? { backend: acc.backend } : {}),
        requestsPerSecond: acc.requests / seconds,
        errors: acc.errors,
        share: total > 0 ? acc.requests / total : 0,
        ...(acc.p50 !== undefined ? { p50: acc.p50 } : {}),
        ...(acc.p99 !== undefined ? { p99: acc.p99 } : {}),
      }
    }),
  }
}
