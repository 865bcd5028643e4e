// AnalysisRuns through the real kubectl, as Argo Rollouts runs them: a web metric against a pod
// that passes and one that fails (phase, message and events as Argo's), count / interval /
// failureLimit observed in the measurements, spec.terminate, and the built-in canary judge template.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startCluster, until, type Cluster } from './harness.js'

const healthPod = (name: string, rate: number) => `
apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}}
data:
  health.json: '{"status": "ok", "successRate": ${rate}}'
---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: ${name}}}
spec:
  containers:
  - name: web
    image: kubelite/static
    args: ["/data"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    configMap: {name: ${name}}
`

const run = (name: string, url: string, extra: string) => `
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: ${name}}
spec:
  args:
  - name: url
    value: "${url}"
  metrics:
  - name: success-rate
    successCondition: result >= 0.95
    provider:
      web:
        url: "{{args.url}}"
        jsonPath: "{$.successRate}"
${extra}
`

describe('AnalysisRun', () => {
  let c: Cluster
  const ip: Record<string, string> = {}

  before(async () => {
    c = await startCluster()
    await c.k('apply', '-f', c.file('pods.yaml', healthPod('good', 0.99) + '---' + healthPod('bad', 0.5)))
    await c.k('wait', '--for=condition=Ready', 'pod/good', 'pod/bad', '--timeout=60s')
    for (const p of ['good', 'bad']) ip[p] = (await c.k('get', 'pod', p, '-o', 'jsonpath={.status.podIP}')).trim()
  })
  after(async () => {
    await c?.destroy()
  })

  const get = async (name: string) => JSON.parse(await c.k('get', 'analysisrun', name, '-o', 'json')) as { status?: Record<string, any> }
  const phase = (name: string, want: string, timeoutMs = 30_000) =>
    until(`analysisrun ${name} ${want}`, async () => {
      const r = await get(name)
      return r.status?.phase === want ? r : undefined
    }, timeoutMs)

  test('a web metric against a healthy pod: Successful, with the measured value', async () => {
    await c.k('apply', '-f', c.file('pass.yaml', run('pass', `http://${ip.good}:8080/health.json`, '')))
    const r = await phase('pass', 'Successful')
    const m = r.status!.metricResults[0]
    assert.equal(m.name, 'success-rate')
    assert.equal(m.phase, 'Successful')
    assert.equal(m.count, 1)
    assert.equal(m.successful, 1)
    assert.equal(m.measurements.length, 1)
    assert.equal(m.measurements[0].value, '0.99')
    assert.equal(m.measurements[0].phase, 'Successful')
    assert.ok(r.status!.startedAt && r.status!.completedAt)
    assert.deepEqual(r.status!.runSummary, { count: 1, successful: 1 })
    // kubectl get prints the CRD's STATUS column.
    assert.match(await c.k('get', 'ar', 'pass'), /^pass\s+Successful\s+\d+s$/m)
    const events = await until('completion event', async () => {
      const out = await c.k('get', 'events', '--field-selector', 'involvedObject.name=pass', '-o', 'custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message', '--no-headers')
      return out.includes('AnalysisRunSuccessful') ? out : undefined
    })
    assert.match(events, /Normal\s+MetricSuccessful\s+Metric 'success-rate' Completed\. Result: Successful/)
    assert.match(events, /Normal\s+AnalysisRunSuccessful\s+Analysis Completed\. Result: Successful/)
  })

  test('a web metric against a failing pod: Failed, with Argo’s message and a Warning event', async () => {
    await c.k('apply', '-f', c.file('fail.yaml', run('fail', `http://${ip.bad}:8080/health.json`, '')))
    const r = await phase('fail', 'Failed')
    assert.equal(r.status!.message, 'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)')
    assert.equal(r.status!.metricResults[0].measurements[0].value, '0.5')
    const events = await until('warning event', async () => {
      const out = await c.k('get', 'events', '--field-selector', 'involvedObject.name=fail', '-o', 'custom-columns=TYPE:.type,REASON:.reason', '--no-headers')
      return out.includes('AnalysisRunFailed') ? out : undefined
    })
    assert.match(events, /Warning\s+MetricFailed/)
    assert.match(events, /Warning\s+AnalysisRunFailed/)
  })

  test('count, interval and failureLimit: measured every 2s, failed on the third failure', async () => {
    await c.k('apply', '-f', c.file('limit.yaml', run('limit', `http://${ip.bad}:8080/health.json`, '    count: 5\n    interval: 2s\n    failureLimit: 2')))
    const r = await phase('limit', 'Failed', 40_000)
    const m = r.status!.metricResults[0]
    assert.equal(m.failed, 3)
    assert.equal(m.count, 3)
    assert.equal(m.measurements.length, 3)
    const starts = m.measurements.map((x: { startedAt: string }) => Date.parse(x.startedAt))
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i] - starts[i - 1] >= 2000, `measurements ${i - 1} and ${i} are ≥ 2s apart: ${starts}`)
    assert.equal(r.status!.message, 'Metric "success-rate" assessed Failed due to failed (3) > failureLimit (2)')
  })

  test('spec.terminate ends an open-ended run: Successful, "Run Terminated"', async () => {
    await c.k('apply', '-f', c.file('forever.yaml', run('forever', `http://${ip.good}:8080/health.json`, '    interval: 1s')))
    await until('two measurements', async () => ((await get('forever')).status?.metricResults?.[0]?.count ?? 0) >= 2)
    assert.equal((await get('forever')).status!.phase, 'Running')
    await c.k('patch', 'analysisrun', 'forever', '--type', 'merge', '-p', '{"spec":{"terminate":true}}')
    const r = await phase('forever', 'Successful')
    assert.equal(r.status!.message, 'Run Terminated')
  })

  test('an unreachable URL is an Error measurement with Go’s wording; the run keeps running', async () => {
    await c.k('apply', '-f', c.file('refused.yaml', run('refused', 'http://127.0.0.1:9/health.json', '')))
    const r = await until('an error measurement', async () => {
      const x = await get('refused')
      return x.status?.metricResults?.[0]?.error >= 1 ? x : undefined
    })
    const m = r.status!.metricResults[0]
    assert.equal(m.measurements[0].phase, 'Error')
    assert.match(m.measurements[0].message, /^Get "http:\/\/127\.0\.0\.1:9\/health\.json": .*connect ECONNREFUSED/)
    assert.equal(r.status!.phase, 'Running')
  })

  test('a bad spec is an Error run with Argo’s message', async () => {
    await c.k('apply', '-f', c.file('bad.yaml', run('badspec', 'http://x/', '    count: 3')))
    const r = await phase('badspec', 'Error')
    assert.equal(r.status!.message, 'Analysis spec invalid: metrics[0]: interval must be specified when count > 1')
  })

  test('the built-in ClusterAnalysisTemplate kubelite-canary-judge is there', async () => {
    const t = JSON.parse(await c.k('get', 'clusteranalysistemplate', 'kubelite-canary-judge', '-o', 'json'))
    assert.deepEqual(
      t.spec.args.map((a: { name: string }) => a.name),
      ['service', 'canary-hash', 'stable-hash', 'window', 'step', 'pass', 'marginal'],
    )
    assert.ok(t.spec.metrics[0].provider.plugin['kubelite/traffic'].judge)
  })
})
