// AnalysisRuns through the real kubectl, as Argo Rollouts runs them: a web metric against a pod
// that passes and one that fails (phase, message and events as Argo's), count / interval /
// failureLimit observed in the measurements, spec.terminate, a job metric, and kubelite's own
// provider and canary judge over real traffic through a Service (a healthy stable Deployment and a
// canary that fails most requests).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { httpGet, startCluster, until, type Cluster } from './harness.js'

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

  test('args from a Secret are resolved and masked in messages', async () => {
    await c.k('create', 'secret', 'generic', 'probe-token', '--from-literal=token=s3cr3t-value')
    await c.k('apply', '-f', c.file('secret.yaml', `
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: secret-arg}
spec:
  args:
  - name: token
    valueFrom: {secretKeyRef: {name: probe-token, key: token}}
  metrics:
  - name: probe
    consecutiveErrorLimit: 0
    provider:
      web: {url: "http://127.0.0.1:9/check?token={{args.token}}"}
`))
    const r = await phase('secret-arg', 'Error')
    const m = r.status!.metricResults[0].measurements[0]
    assert.match(m.message, /^Get "http:\/\/127\.0\.0\.1:9\/check\?token=\*\*\*\*\*": /)
    assert.doesNotMatch(JSON.stringify(r), /s3cr3t-value/)
    assert.match(r.status!.message, /^Metric "probe" assessed Error due to consecutiveErrors \(1\) > consecutiveErrorLimit \(0\): "Error Message: Get /)
  })

  test('ttlStrategy: a completed run is deleted once its seconds have passed', async () => {
    await c.k('apply', '-f', c.file('ttl.yaml', run('ttl', `http://${ip.good}:8080/health.json`, '') + '  ttlStrategy: {secondsAfterCompletion: 2}\n'))
    // Completed (its completion event), then gone.
    await until('ttl run deleted', async () => (await c.kubectl(['get', 'ar', 'ttl'])).stderr.includes('NotFound'), 60_000)
    const events = await c.k('get', 'events', '--field-selector', 'involvedObject.name=ttl', '-o', 'custom-columns=REASON:.reason', '--no-headers')
    assert.match(events, /AnalysisRunSuccessful/)
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

  const jobRun = (name: string, script: string) => `
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: ${name}}
spec:
  metrics:
  - name: smoke
    provider:
      job:
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: smoke
                image: busybox
                command: [sh, -c, "${script}"]
`

  test('a job metric: a Job that completes is Successful, one that fails is Failed', async () => {
    await c.k('apply', '-f', c.file('jobs.yaml', jobRun('job-ok', 'exit 0') + '---' + jobRun('job-bad', 'exit 3')))
    const ok = await phase('job-ok', 'Successful', 60_000)
    const bad = await phase('job-bad', 'Failed', 60_000)
    assert.equal(bad.status!.message, 'Metric "smoke" assessed Failed due to failed (1) > failureLimit (0)')
    const uid = JSON.parse(await c.k('get', 'ar', 'job-ok', '-o', 'json')).metadata.uid
    assert.equal(ok.status!.metricResults[0].measurements[0].metadata['job-name'], `${uid}.smoke.1`)
    // The Job is the run's: labelled with its uid, owned by it.
    const jobs = JSON.parse(await c.k('get', 'jobs', '-l', `analysisrun.argoproj.io/uid=${uid}`, '-o', 'json')).items
    assert.equal(jobs.length, 1)
    assert.equal(jobs[0].metadata.ownerReferences[0].kind, 'AnalysisRun')
  })

  describe('kubelite provider and canary judge over real traffic', () => {
    const hashes: Record<string, string> = {}
    before(async () => {
      const deploy = (track: string, image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-${track}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web, track: ${track}}}
  template:
    metadata: {labels: {app: web, track: ${track}}}
    spec:
      containers: [{name: web, image: "${image}", ports: [{containerPort: 8080}]}]
`
      const svc = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`
      await c.k('apply', '-f', c.file('web.yaml', [deploy('stable', 'argoproj/rollouts-demo:blue'), deploy('canary', 'argoproj/rollouts-demo:bad-green'), svc].join('---')))
      await c.k('rollout', 'status', 'deployment/web-stable', '--timeout=60s')
      await c.k('rollout', 'status', 'deployment/web-canary', '--timeout=60s')
      for (const t of ['stable', 'canary']) hashes[t] = (await c.k('get', 'rs', '-l', `track=${t}`, '-o', 'jsonpath={.items[0].metadata.labels.pod-template-hash}')).trim()
      const ip = (await c.k('get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}')).trim()
      let seen = ''
      await until('both endpoints', async () => {
        seen = (await c.k('get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}')).trim()
        return seen.split(/\s+/).length >= 2
      }, 60_000).catch(async (err) => {
        throw new Error(`${(err as Error).message}: endpoints ${JSON.stringify(seen)}; pods ${await c.k('get', 'pods', '-l', 'app=web', '-o', 'wide')}`)
      })
      // About 12 s of sequential requests through the Service's ClusterIP (bounded: at most 3,000).
      const end = Date.now() + 12_000
      let sent = 0
      while (Date.now() < end && sent < 3000) {
        await httpGet(`http://${ip}/color`).catch(() => undefined)
        sent++
      }
      assert.ok(sent > 100, `sent ${sent} requests`)
    })

    // Both spellings: Argo's plugin form (`kubelite/traffic`) and kubelite's own provider name.
    const queryRun = (name: string, query: string, cond: string, asPlugin = true) => `
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: ${name}}
spec:
  metrics:
  - name: errors
    successCondition: "${cond}"
    provider:
${asPlugin ? `      plugin:
        kubelite/traffic:
          query: '${query}'` : `      kubelite:
        query: '${query}'`}
`

    test('a query: the canary’s error rate fails the condition, stable’s passes; kubectl get --raw shows the same report', async () => {
      const report = JSON.parse(await c.k('get', '--raw', '/traffic/v1/namespaces/default/services/web?window=1m'))
      const canaryGroup = report.groups.find((g: { podTemplateHash: string }) => g.podTemplateHash === hashes.canary)
      assert.ok(canaryGroup.requests > 20 && canaryGroup.errorRate > 0.5, JSON.stringify(canaryGroup))
      await c.k('apply', '-f', c.file('q.yaml', queryRun('q-canary', `error_rate{service="web", hash="${hashes.canary}"}[1m]`, 'result < 0.05') + '---' + queryRun('q-stable', `error_rate{service="web", hash="${hashes.stable}"}[1m]`, 'result < 0.05', false)))
      const bad = await phase('q-canary', 'Failed')
      const value = Number(bad.status!.metricResults[0].measurements[0].value)
      assert.ok(value > 0.5 && value < 1, `canary error rate ${value}`)
      assert.equal(bad.status!.message, 'Metric "errors" assessed Failed due to failed (1) > failureLimit (0)')
      assert.equal(JSON.parse(await c.k('get', 'ar', 'q-stable', '-o', 'json')).spec.metrics[0].provider.kubelite.query, `error_rate{service="web", hash="${hashes.stable}"}[1m]`, 'provider.kubelite is kept')
      const good = await phase('q-stable', 'Successful')
      assert.equal(good.status!.metricResults[0].measurements[0].value, '0')
    })

    test('the canary judge fails the canary with a message naming error_rate and both values', async () => {
      const judgeRun = `
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: judge}
spec:
  args:
  - {name: canary-hash, value: "${hashes.canary}"}
  - {name: stable-hash, value: "${hashes.stable}"}
  metrics:
  - name: canary-judge
    provider:
      plugin:
        kubelite/traffic:
          judge: {service: web, canaryHash: "{{args.canary-hash}}", stableHash: "{{args.stable-hash}}", window: 1m, step: 2s}
`
      await c.k('apply', '-f', c.file('judge.yaml', judgeRun))
      const r = await phase('judge', 'Failed')
      const m = r.status!.metricResults[0].measurements[0]
      assert.equal(m.value, '0')
      assert.equal(m.metadata.error_rate, 'High')
      assert.match(m.message, /^score 0 \(Fail, critical metric failed\): error_rate High \(canary 0\.\d+, stable 0\)/)
      assert.match(r.status!.message, /^Metric "canary-judge" assessed Failed due to failed \(1\) > failureLimit \(0\): "Error Message: score 0 \(Fail, critical metric failed\): error_rate High/)
    })
  })

  const judgedRollout = (name: string) => `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: app, image: "argoproj/rollouts-demo:blue", ports: [{containerPort: 8080}]}]
  strategy:
    canary:
      stableService: ${name}-stable
      canaryService: ${name}-canary
      steps:
      - setWeight: 50
      - analysis:
          templates: [{templateName: kubelite-canary-judge, clusterScope: true}]
          args:
          - {name: service, value: ${name}-stable}
          - {name: canary-hash, valueFrom: {podTemplateHashValue: Latest}}
          - {name: stable-hash, valueFrom: {podTemplateHashValue: Stable}}
          - {name: window, value: 8s}
          - {name: step, value: 1s}
      - setWeight: 100
---
apiVersion: v1
kind: Service
metadata: {name: ${name}-stable}
spec:
  selector: {app: ${name}}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}-canary}
spec:
  selector: {app: ${name}}
  ports: [{port: 80, targetPort: 8080}]
`

  /** Applies the Rollout, waits for Healthy, changes the image and sends ~40 requests/s through its stable Service until `done` says so (at most 120 s). */
  async function rolloutWithLoad<T>(name: string, image: string, done: () => Promise<T | undefined>): Promise<T> {
    await c.k('apply', '-f', c.file(`${name}.yaml`, judgedRollout(name)))
    await until('Healthy', async () => JSON.parse(await c.k('get', 'ro', name, '-o', 'json')).status?.phase === 'Healthy', 120_000)
    const ip = (await c.k('get', 'svc', `${name}-stable`, '-o', 'jsonpath={.spec.clusterIP}')).trim()
    await c.k('patch', 'ro', name, '--type', 'merge', '-p', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] } } } }))
    let stop = false
    const load = (async () => {
      const end = Date.now() + 120_000
      while (!stop && Date.now() < end) {
        await httpGet(`http://${ip}/color`).catch(() => undefined)
        await new Promise((r) => setTimeout(r, 25))
      }
    })()
    try {
      return await until(`${name} settles`, done, 120_000)
    } finally {
      stop = true
      await load
    }
  }

  const stepRun = async (app: string) =>
    (JSON.parse(await c.k('get', 'ar', '-l', 'rollout-type=Step', '-o', 'json')).items as { metadata: { labels: Record<string, string> }; status: Record<string, any> }[]).find((a) => a.metadata.labels.app === app)!

  test('a Rollout step with the built-in kubelite-canary-judge: a failing canary is judged Failed and the Rollout aborts', async () => {
    const degraded = await rolloutWithLoad('judged', 'argoproj/rollouts-demo:bad-green', async () => {
      const r = JSON.parse(await c.k('get', 'ro', 'judged', '-o', 'json'))
      return r.status?.phase === 'Degraded' ? r : undefined
    })
    assert.match(degraded.status.message, /^RolloutAborted: Rollout aborted update to revision 2: .*Metric "canary-judge" assessed Failed due to failed \(1\) > failureLimit \(0\).*error_rate High/)
    // The abort sends all traffic back to stable at once: from then on, no request fails.
    const ip = (await c.k('get', 'svc', 'judged-stable', '-o', 'jsonpath={.spec.clusterIP}')).trim()
    for (let i = 0; i < 100; i++) {
      const r = await httpGet(`http://${ip}/color`)
      assert.equal(r.code, 200, `request ${i} after the abort: ${r.code} ${r.body}`)
    }
    const run = await stepRun('judged')
    assert.equal(run.status.phase, 'Failed')
    assert.equal(run.status.metricResults[0].measurements[0].metadata.error_rate, 'High')
  })

  test('the same step with a healthy canary: judged Successful, the Rollout completes', async () => {
    // Load until the judge has spoken; the Rollout then finishes on its own (Argo's scale-down delay included).
    const run = await rolloutWithLoad('judged-ok', 'argoproj/rollouts-demo:green', async () => {
      const r = await stepRun('judged-ok').catch(() => undefined)
      return r && ['Successful', 'Failed', 'Inconclusive', 'Error'].includes(r.status?.phase) ? r : undefined
    })
    assert.equal(run.status.phase, 'Successful', JSON.stringify(run.status.metricResults?.[0]?.measurements))
    assert.equal(run.status.metricResults[0].measurements[0].metadata.error_rate, 'Pass')
    await until('the Rollout completes', async () => {
      const r = JSON.parse(await c.k('get', 'ro', 'judged-ok', '-o', 'json'))
      return r.status?.phase === 'Healthy' && r.status.stableRS === r.status.currentPodHash && r.status.currentPodHash === run.metadata.labels['rollouts-pod-template-hash']
    }, 120_000)
  })
})
