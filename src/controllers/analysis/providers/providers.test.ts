// The web, Prometheus and job providers as Argo's: a real HTTP server on loopback for web and
// Prometheus; a fake client for the job provider (Job conditions, a pod stuck pulling, terminate).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { StoredObject } from '../../../apis/meta.js'
import type { Client, ResourceClient } from '../../../client/types.js'
import type { AnalysisRunObj, Metric } from '../types.js'
import { jobProvider, newJobName } from './job.js'
import { jsonPathExpression, webProvider } from './web.js'
import { processPrometheusResponse, prometheusProvider, sampleString } from './prometheus.js'

const now = () => new Date('2026-12-07T10:00:00Z')
const run = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name: 'r', namespace: 'default', uid: 'a1b2c3d4-0000-4000-8000-000000000001' }, spec: { metrics: [] } } as unknown as AnalysisRunObj

let server: Server
let base = ''
before(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x')
      if (url.pathname === '/ok') return res.end(JSON.stringify({ data: { rate: 0.99, ok: true }, items: [{ v: 3 }] }))
      if (url.pathname === '/text') return res.end('healthy')
      if (url.pathname === '/500') return res.writeHead(500).end('boom')
      if (url.pathname === '/echo') return res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'] ?? '', auth: req.headers.authorization ?? '', body }))
      if (url.pathname === '/slow') return setTimeout(() => res.end('{}'), 2500)
      if (url.pathname === '/api/v1/query') {
        const q = url.searchParams.get('query')
        if (q === 'vector') return res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0.99'] }, { metric: {}, value: [1, '0.5'] }] } }))
        if (q === 'scalar') return res.end(JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '42'] } }))
        if (q === 'empty') return res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }))
        return res.writeHead(400).end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: '1:1: parse error: unexpected identifier' }))
      }
      res.writeHead(404).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => new Promise<void>((r) => server.close(() => r())))

const webMetric = (web: Record<string, unknown>, successCondition?: string): Metric => ({ name: 'w', provider: { web: { url: `${base}/ok`, ...web } as never }, ...(successCondition ? { successCondition } : {}) })

test('web: jsonPath narrows a JSON answer; the value is its JSON; the condition decides', async () => {
  const p = webProvider(now)
  assert.deepEqual(await p.run(run, webMetric({ jsonPath: '{$.data.rate}' }, 'result > 0.95')), { phase: 'Successful', startedAt: '2026-12-07T10:00:00Z', value: '0.99', finishedAt: '2026-12-07T10:00:00Z' })
  assert.equal((await p.run(run, webMetric({ jsonPath: '{$.data.rate}' }, 'result > 0.999'))).phase, 'Failed')
  assert.equal((await p.run(run, webMetric({ jsonPath: '{$.items[0].v}' }, 'result == 3'))).value, '3')
  assert.equal((await p.run(run, webMetric({}, 'result.data.ok'))).phase, 'Successful')
  const missing = await p.run(run, webMetric({ jsonPath: '{$.nope}' }))
  assert.deepEqual([missing.phase, missing.message], ['Error', 'Could not find JSONPath in body: nope is not found'])
  assert.deepEqual(['{$.a.b}', '{.a}', '', '$.x'].map(jsonPathExpression), ['$.a.b', '$.a', '$', '$.x'])
})

test('web: a text body is the result as a string; non-2xx and bad bodies are Errors with Argo messages', async () => {
  const p = webProvider(now)
  const text = await p.run(run, webMetric({ url: `${base}/text` }, 'result == "healthy"'))
  assert.deepEqual([text.phase, text.value], ['Successful', 'healthy'])
  const e500 = await p.run(run, webMetric({ url: `${base}/500` }))
  assert.deepEqual([e500.phase, e500.message], ['Error', 'received non 2xx response code: 500'])
  const both = await p.run(run, webMetric({ method: 'POST', body: 'x', jsonBody: { a: 1 } }))
  assert.equal(both.message, 'use either Body or JSONBody; both cannot exists for WebMetric payload')
  const getBody = await p.run(run, webMetric({ body: 'x' }))
  assert.equal(getBody.message, 'Body/JSONBody can only be used with POST or PUT WebMetric Method types')
  const slow = await p.run(run, webMetric({ url: `${base}/slow`, timeoutSeconds: 1 }))
  assert.equal(slow.message, `Get "${base}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)
})

test('web: method, headers and jsonBody are sent', async () => {
  const m = await webProvider(now).run(run, webMetric({ url: `${base}/echo`, method: 'POST', headers: [{ key: 'Authorization', value: 'Bearer t' }], jsonBody: { q: 1 } }, 'result.method == "POST" && result.type == "application/json" && result.auth == "Bearer t" && result.body == "{\\"q\\":1}"'))
  assert.equal(m.phase, 'Successful', m.message)
})

test('prometheus: vector, scalar, empty result, query errors, address checks', async () => {
  const p = prometheusProvider(now, {})
  const metric = (query: string, successCondition?: string, address = base): Metric => ({ name: 'p', provider: { prometheus: { address, query } }, ...(successCondition ? { successCondition } : {}) })
  const v = await p.run(run, metric('vector', 'result[0] >= 0.95'))
  assert.deepEqual([v.phase, v.value], ['Successful', '[0.99,0.5]'])
  assert.equal((await p.run(run, metric('vector', 'all(result, {# > 0.9})'))).phase, 'Error')
  const s = await p.run(run, metric('scalar', 'result == 42'))
  assert.deepEqual([s.phase, s.value], ['Successful', '42'])
  const empty = await p.run(run, metric('empty', 'result[0] > 1'))
  assert.equal(empty.message, 'could not evaluate successCondition "result[0] > 1": metric result is nil or empty: no data returned from the metric provider')
  assert.equal((await p.run(run, metric('bad'))).message, 'bad_data: 1:1: parse error: unexpected identifier')
  assert.equal((await p.run(run, metric('vector', undefined, ''))).message, 'prometheus address is not configured')
  assert.equal((await p.run(run, metric('vector', undefined, 'not a url'))).message, 'prometheus address is not is url format')
  assert.deepEqual(p.metadata!(metric('up')), { ResolvedPrometheusQuery: 'up' })
  assert.equal((await prometheusProvider(now, { ARGO_ROLLOUTS_PROMETHEUS_ADDRESS: base }).run(run, metric('scalar', 'result == 42', ''))).phase, 'Successful')
  assert.deepEqual([1e-7, 1e21, 0.5, 3].map(sampleString), ['0.0000001', '1000000000000000000000', '0.5', '3'])
  assert.throws(() => processPrometheusResponse({ resultType: 'string', result: 'x' }), /Prometheus metric type not supported/)
})

/** A tiny in-memory client: jobs and pods. */
function fakeClient() {
  const store = new Map<string, StoredObject>()
  const deleted: string[] = []
  const key = (res: string, ns: string | undefined, name: string) => `${res}/${ns}/${name}`
  const resource = (res: string): ResourceClient => ({
    info: { group: '', version: 'v1', resource: res, kind: res, namespaced: true, verbs: [] },
    get: async (ns, name) => {
      const o = store.get(key(res, ns, name))
      if (!o) throw Object.assign(new Error('not found'), { status: { code: 404, reason: 'NotFound', message: `${res} "${name}" not found` } })
      return structuredClone(o)
    },
    list: async (ns, opts) => ({
      items: [...store.entries()].filter(([k, o]) => k.startsWith(`${res}/${ns}/`) && (opts?.labelSelector ?? '').split(',').every((kv) => !kv || o.metadata.labels?.[kv.split('=')[0]!] === kv.split('=')[1])).map(([, o]) => o),
      resourceVersion: '1',
    }),
    watch: () => (async function* () {})(),
    create: async (ns, obj) => {
      const o = { ...structuredClone(obj), metadata: { ...obj.metadata!, namespace: ns, creationTimestamp: now().toISOString() } } as StoredObject
      const k = key(res, ns, o.metadata.name!)
      if (store.has(k)) throw Object.assign(new Error('exists'), { status: { code: 409, reason: 'AlreadyExists', message: 'already exists' } })
      store.set(k, o)
      return o
    },
    update: async (o) => o,
    patch: async () => {
      throw new Error('unused')
    },
    delete: async (ns, name, opts) => {
      deleted.push(`${name} ${opts?.propagationPolicy}`)
      store.delete(key(res, ns, name))
    },
  })
  const client: Client = { resources: () => [], resource: (gvr) => resource(gvr.resource) as never }
  return { client, store, deleted }
}

test('job: Run creates the Job as Argo names and labels it; Resume reads its conditions', async () => {
  const { client, store } = fakeClient()
  const p = jobProvider(client, now)
  const metric: Metric = { name: 'check', provider: { job: { metadata: { labels: { team: 'a' } }, spec: { backoffLimit: 0, template: { spec: { containers: [{ name: 'c', image: 'busybox', command: ['true'] }], restartPolicy: 'Never' } } } } } }
  const m = await p.run(run, metric)
  const name = `${run.metadata.uid}.check.1`
  assert.deepEqual(m, { phase: 'Running', startedAt: '2026-12-07T10:00:00Z', metadata: { 'job-name': name, 'job-namespace': 'default' }, resumeAt: '2026-12-07T10:00:00Z' })
  const job = store.get(`jobs/default/${name}`)! as StoredObject & { spec: { template: { metadata: { labels: Record<string, string> } } } }
  assert.equal(job.metadata.labels!['analysisrun.argoproj.io/uid'], run.metadata.uid)
  assert.equal(job.metadata.labels!.team, 'a')
  assert.equal(job.metadata.annotations!['analysisrun.argoproj.io/metric-name'], 'check')
  assert.deepEqual(job.metadata.ownerReferences![0], { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', name: 'r', uid: run.metadata.uid, controller: true, blockOwnerDeletion: true })
  assert.equal(job.spec.template.metadata.labels['analysisrun.argoproj.io/uid'], run.metadata.uid)
  // A second Run (a retried pass) finds its own Job.
  assert.equal((await p.run(run, metric)).phase, 'Running')
  // Still running: look again later.
  const later = await p.resume(run, metric, m)
  assert.equal(later.phase, 'Running')
  assert.ok(later.resumeAt)
  ;(job as { status?: unknown }).status = { conditions: [{ type: 'Complete', status: 'True' }] }
  assert.equal((await p.resume(run, metric, m)).phase, 'Successful')
  ;(job as { status?: unknown }).status = { conditions: [{ type: 'Failed', status: 'True' }] }
  assert.equal((await p.resume(run, metric, m)).phase, 'Failed')
})

test('job: a pod stuck pulling its image is Inconclusive; Terminate deletes the Job (foreground)', async () => {
  const { client, store, deleted } = fakeClient()
  const p = jobProvider(client, now)
  const metric: Metric = { name: 'check', provider: { job: { spec: { template: { spec: { containers: [{ name: 'c', image: 'nope:v9' }] } } } } } }
  const m = await p.run(run, metric)
  store.set('pods/default/p1', { metadata: { name: 'p1', namespace: 'default', labels: { 'analysisrun.argoproj.io/uid': run.metadata.uid! } }, status: { containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ErrImagePull', message: 'pull failed' } } }] } } as StoredObject)
  const stuck = await p.resume(run, metric, m)
  assert.deepEqual([stuck.phase, stuck.message], ['Inconclusive', 'Pod p1, container c has terminal error (ErrImagePull): pull failed\n'])
  const t = await p.terminate(run, metric, m)
  assert.equal(t.phase, 'Inconclusive')
  assert.deepEqual(deleted, [`${run.metadata.uid}.check.1 Foreground`])
  assert.equal((await p.resume(run, metric, m)).phase, 'Error')
})

test('job: names fit 63 characters by cutting the metric name', () => {
  const long: Metric = { name: 'a-very-long-metric-name-that-goes-on-and-on', provider: { job: { spec: {} } } }
  const name = newJobName(run, long)
  assert.equal(name.length, 63)
  assert.ok(name.startsWith(`${run.metadata.uid}.a-very-long`) && name.endsWith('.1'))
})
