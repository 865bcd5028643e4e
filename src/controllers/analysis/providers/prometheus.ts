// Argo Rollouts' Prometheus provider (metricproviders/prometheus): an instant query at `address`
// (GET /api/v1/query), timeout 30 s unless `timeout` (seconds); a scalar result is a number, a
// vector or matrix a list of numbers (`result[0]`), and the measured value is printed as Argo
// prints it (`[0.99,0.98]`). The query is kept as the metric result's ResolvedPrometheusQuery.
import type { Agent } from 'undici'
import { lazyRequire } from '../../../lib/lazy.js'
import { rfc3339 } from '../../../lib/duration.js'
import { evaluateResult } from '../expr.js'
import type { Measurement } from '../types.js'
import { markError, noGarbage, noResume, type Provider } from './provider.js'

// Loaded on the first query (not at start-up).
const undici = lazyRequire<typeof import('undici')>('undici')
let insecure: Agent | undefined
const insecureAgent = (): Agent => (insecure ??= new (undici().Agent)({ connect: { rejectUnauthorized: false } }))

/** Go's strconv.FormatFloat(v, 'f', -1, 64), as Prometheus' SampleValue.String() prints. */
export function sampleString(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  const s = String(v)
  if (!/e/i.test(s)) return s
  // Expand exponent notation without rounding.
  const [mant, expS] = s.split('e')
  const exp = Number(expS)
  const neg = mant!.startsWith('-')
  const digits = mant!.replace('-', '').replace('.', '')
  const point = (mant!.replace('-', '').indexOf('.') < 0 ? mant!.replace('-', '').length : mant!.replace('-', '').indexOf('.')) + exp
  const out = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`
  return (neg ? '-' : '') + out
}

interface PromResponse {
  status: 'success' | 'error'
  errorType?: string
  error?: string
  warnings?: string[]
  data?: { resultType: 'scalar' | 'vector' | 'matrix' | 'string'; result: unknown }
}

/** The result and its printed value from a query response (Argo's processResponse). */
export function processPrometheusResponse(data: PromResponse['data']): { result: unknown; value: string } {
  const num = (s: unknown) => Number.parseFloat(String(s))
  switch (data?.resultType) {
    case 'scalar': {
      const v = num((data.result as [number, string])[1])
      return { result: v, value: sampleString(v) }
    }
    case 'vector': {
      const vs = (data.result as { value: [number, string] }[]).map((s) => num(s.value[1]))
      return { result: vs, value: `[${vs.map(sampleString).join(',')}]` }
    }
    case 'matrix': {
      const vs = (data.result as { values: [number, string][] }[]).flatMap((s) => s.values.map((v) => num(v[1])))
      return { result: vs, value: `[${vs.map(sampleString).join(',')}]` }
    }
    default:
      throw new Error('Prometheus metric type not supported')
  }
}

export function prometheusProvider(now: () => Date, env: Record<string, string | undefined> = process.env): Provider {
  return {
    type: 'Prometheus',
    resume: noResume,
    terminate: noResume,
    garbageCollect: noGarbage,
    metadata: (metric) => (metric.provider.prometheus?.query ? { ResolvedPrometheusQuery: metric.provider.prometheus.query } : undefined),
    async run(_run, metric) {
      const m: Measurement = { phase: 'Running', startedAt: rfc3339(now()) }
      const p = metric.provider.prometheus!
      const isUrl = (s: string) => {
        try {
          const u = new URL(s)
          return u.protocol === 'http:' || u.protocol === 'https:'
        } catch {
          return false
        }
      }
      const address = p.address || env.ARGO_ROLLOUTS_PROMETHEUS_ADDRESS || ''
      if (!address) return markError(m, new Error('prometheus address is not configured'), now())
      if (!isUrl(address)) return markError(m, new Error('prometheus address is not is url format'), now())
      if (p.timeout !== undefined && p.timeout < 0) return markError(m, new Error('prometheus timeout should not be negative'), now())
      const timeoutMs = (p.timeout ?? 30) * 1000
      const url = `${address.replace(/\/+$/, '')}/api/v1/query?${new URLSearchParams({ query: p.query ?? '', time: String(now().getTime() / 1000) })}`
      const headers: Record<string, string> = {}
      for (const h of p.headers ?? []) headers[h.key] = h.value
      let body: PromResponse
      try {
        const res = await undici().request(url, { headers, signal: AbortSignal.timeout(timeoutMs), ...(p.insecure ? { dispatcher: insecureAgent() } : {}) })
        const text = await res.body.text()
        try {
          body = JSON.parse(text) as PromResponse
        } catch {
          throw new Error(`server returned HTTP status ${res.statusCode}`)
        }
      } catch (err) {
        const e = err as Error & { cause?: Error }
        const why = e.name === 'TimeoutError' ? 'context deadline exceeded' : (e.cause?.message ?? e.message)
        return markError(m, new Error(`Post "${url}": ${why}`.replace(/^Post "[^"]*": (server returned)/, '$1')), now())
      }
      if (body.status !== 'success') return markError(m, new Error(`${body.errorType ?? 'error'}: ${body.error ?? 'unknown error'}`), now())
      let processed
      try {
        processed = processPrometheusResponse(body.data)
      } catch (err) {
        return markError(m, err, now())
      }
      const r = evaluateResult(processed.result, metric)
      if (r.error) return markError(m, new Error(r.error), now())
      const warnings = body.warnings?.length ? { metadata: { warnings: body.warnings.map((w) => `"${w}"`).join(', ') } } : {}
      return { ...m, value: processed.value, phase: r.phase, finishedAt: rfc3339(now()), ...warnings }
    },
  }
}
