// GET /traffic/v1/namespaces/{namespace}[/services/{service}]?window=60s&step=10s — the traffic
// report (docs/traffic.md). The API server only checks the request and the objects it names; the
// figures come from a TrafficSource the CLI wires in (kubelite's proxy), so api/ never depends on
// the proxy. Without a source the path does not exist (404).
import { errors } from '../apis/status.js'
import { defaultTrafficWindowSeconds, trafficRetentionSeconds, type TrafficQuery } from '../apis/traffic/report.js'
import { parseGoDuration } from '../lib/go-duration.js'

export const trafficPathPrefix = '/traffic/v1/'

const pathRe = /^\/traffic\/v1\/namespaces\/([^/]+)(?:\/services\/([^/]+))?\/?$/

/** The query a request asks for; throws the StatusError to answer (404 path, 400 parameters). */
export function parseTrafficRequest(path: string, params: URLSearchParams): TrafficQuery {
  const m = pathRe.exec(path)
  if (!m) throw errors.pathNotFound()
  const namespace = decodeURIComponent(m[1])
  const service = m[2] === undefined ? undefined : decodeURIComponent(m[2])
  const seconds = (name: string, raw: string | null, fallback: number, max: number): number => {
    if (raw === null || raw === '') return fallback
    const ms = parseGoDuration(raw)
    if (ms === undefined) throw errors.badRequest(`invalid ${name} ${JSON.stringify(raw)}: must be a duration such as 60s, 5m or 1m30s`)
    if (ms < 1000 || ms > max * 1000) throw errors.badRequest(`invalid ${name} ${JSON.stringify(raw)}: must be at least 1s and at most ${max === trafficRetentionSeconds ? '15m' : `the window (${max}s)`}`)
    return Math.ceil(ms / 1000)
  }
  const windowSeconds = seconds('window', params.get('window'), defaultTrafficWindowSeconds, trafficRetentionSeconds)
  const stepSeconds = seconds('step', params.get('step'), windowSeconds, windowSeconds)
  return { namespace, ...(service !== undefined ? { service } : {}), windowSeconds, stepSeconds }
}
