// Argo Rollouts' web metric provider (metricproviders/webmetric): an HTTP request (GET by
// default; body or jsonBody only with POST/PUT), a non-2xx answer is an Error, a JSON answer is
// narrowed by jsonPath (Kubernetes JSONPath, `{$.data.ok}`; default `{$}`) and the first value
// found is the result; a body that is not JSON is the result as a string. Timeout 10 s unless
// timeoutSeconds; `insecure` skips TLS verification.
import type { Agent } from 'undici'
import { lazyRequire } from '../../../lib/lazy.js'
import { rfc3339 } from '../../../lib/duration.js'
import { evaluateResult } from '../expr.js'
import type { Measurement, Metric, WebMetric } from '../types.js'
import { markError, noGarbage, noResume, type Provider } from './provider.js'

// Loaded on the first query (not at start-up).
const undici = lazyRequire<typeof import('undici')>('undici')
const jsonPathPlus = lazyRequire<typeof import('jsonpath-plus')>('jsonpath-plus')

let insecure: Agent | undefined
const insecureAgent = (): Agent => (insecure ??= new (undici().Agent)({ connect: { rejectUnauthorized: false } }))

/** `{$.data.ok}` → `$.data.ok` (Kubernetes' template braces around a JSONPath). */
export function jsonPathExpression(jsonPath: string | undefined): string {
  const p = (jsonPath ?? '').trim() || '{$}'
  const inner = p.startsWith('{') && p.endsWith('}') ? p.slice(1, -1).trim() : p
  return inner.startsWith('$') ? inner : `$${inner.startsWith('.') || inner.startsWith('[') ? '' : '.'}${inner}`
}

/** The measured value and phase from a response body (Argo's parseResponse). */
export function parseWebResponse(metric: Metric, web: WebMetric, body: string): { value: string; phase: Measurement['phase']; error?: string } {
  let data: unknown
  try {
    data = JSON.parse(body)
  } catch {
    const r = evaluateResult(body, metric)
    return { value: body, phase: r.phase, error: r.error }
  }
  const path = jsonPathExpression(web.jsonPath)
  let found: unknown[]
  try {
    found = jsonPathPlus().JSONPath({ path, json: data as object, wrap: true }) as unknown[]
  } catch (err) {
    return { value: '', phase: 'Error', error: `Could not find JSONPath in body: ${(err as Error).message}` }
  }
  if (!found.length) return { value: '', phase: 'Error', error: `Could not find JSONPath in body: ${path.replace(/^\$\.?/, '') || '$'} is not found` }
  const val = found[0]
  const r = evaluateResult(val, metric)
  return { value: JSON.stringify(val), phase: r.phase, error: r.error }
}

export function webProvider(now: () => Date): Provider {
  return {
    type: 'Web',
    resume: noResume,
    terminate: noResume,
    garbageCollect: noGarbage,
    async run(_run, metric) {
      const startedAt = rfc3339(now())
      const m: Measurement = { phase: 'Running', startedAt }
      const web = metric.provider.web!
      const method = (web.method || 'GET').toUpperCase()
      if (web.body && web.jsonBody !== undefined) return markError(m, new Error('use either Body or JSONBody; both cannot exists for WebMetric payload'), now())
      if ((web.body || web.jsonBody !== undefined) && method === 'GET') return markError(m, new Error('Body/JSONBody can only be used with POST or PUT WebMetric Method types'), now())
      const headers: Record<string, string> = {}
      for (const h of web.headers ?? []) headers[h.key] = h.value
      if (web.jsonBody !== undefined) headers['Content-Type'] = 'application/json'
      const body = web.body || (web.jsonBody !== undefined ? JSON.stringify(web.jsonBody) : undefined)
      const timeoutMs = (web.timeoutSeconds && web.timeoutSeconds > 0 ? web.timeoutSeconds : 10) * 1000
      const verb = method.charAt(0) + method.slice(1).toLowerCase()
      let status: number
      let text: string
      try {
        const res = await undici().request(web.url, {
          method: method as 'GET',
          headers,
          body,
          signal: AbortSignal.timeout(timeoutMs),
          ...(web.insecure ? { dispatcher: insecureAgent() } : {}),
        })
        status = res.statusCode
        text = await res.body.text()
      } catch (err) {
        const e = err as Error & { code?: string; cause?: Error }
        const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : (e.cause?.message ?? e.message)
        return markError(m, new Error(`${verb} "${web.url}": ${why}`), now())
      }
      if (status < 200 || status >= 300) return markError(m, new Error(`received non 2xx response code: ${status}`), now())
      const r = parseWebResponse(metric, web, text)
      if (r.error) return markError(m, new Error(r.error), now())
      return { ...m, phase: r.phase, ...(r.value !== '' ? { value: r.value } : {}), finishedAt: rfc3339(now()) }
    },
  }
}
