// The argoproj.io/v1alpha1 kinds of Argo Rollouts, served as if Argo's CRDs were installed: Argo's
// own example manifests (test/e2e/argo-examples, unchanged) apply with the real kubectl's client-side
// validation, `kubectl get ro` prints the CRD's columns, `kubectl explain` reads the CRD schema, a
// spec the schema rejects gets the API server's 422, and status / scale subresources work.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseTable, startCluster, type Cluster } from './harness.js'

const examples = new URL('./argo-examples/', import.meta.url).pathname

describe('argoproj.io kinds', () => {
  let c: Cluster

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('discovery lists them with Argo’s short names and scope', async () => {
    const out = await c.k('api-resources', '--api-group=argoproj.io')
    assert.deepEqual(out.trim().split('\n').map((l) => l.trim().split(/\s+/)), [
      ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'],
      ['analysisruns', 'ar', 'argoproj.io/v1alpha1', 'true', 'AnalysisRun'],
      ['analysistemplates', 'at', 'argoproj.io/v1alpha1', 'true', 'AnalysisTemplate'],
      ['clusteranalysistemplates', 'cat', 'argoproj.io/v1alpha1', 'false', 'ClusterAnalysisTemplate'],
      ['experiments', 'exp', 'argoproj.io/v1alpha1', 'true', 'Experiment'],
      ['rollouts', 'ro', 'argoproj.io/v1alpha1', 'true', 'Rollout'],
    ])
  })

  test('Argo’s example manifests apply unchanged', async () => {
    for (const f of readdirSync(examples).filter((n) => n.endsWith('.yaml')).sort()) {
      const r = await c.kubectl(['apply', '-f', join(examples, f)])
      assert.equal(r.code, 0, `${f}: ${r.stderr}`)
      assert.equal(r.stderr, '', `${f}: no warnings`)
      assert.match(r.stdout, /created/, f)
    }
    const rows = parseTable(await c.k('get', 'ro'))
    assert.deepEqual(Object.keys(rows[0]), ['NAME', 'DESIRED', 'CURRENT', 'UP-TO-DATE', 'AVAILABLE', 'AGE'])
    const demo = rows.find((r) => r.NAME === 'rollouts-demo')!
    assert.equal(demo.DESIRED, '5')
    assert.ok(rows.some((r) => r.NAME === 'rollout-bluegreen'))
    assert.deepEqual(Object.keys(parseTable(await c.k('get', 'at'))[0]), ['NAME', 'AGE'])
    assert.match(await c.k('get', 'cat'), /always-pass/)
    assert.deepEqual(Object.keys(parseTable(await c.k('get', 'exp'))[0]), ['NAME', 'STATUS', 'AGE'])
    // What was applied is what is stored (nothing pruned from Argo's own manifests).
    const ro = JSON.parse(await c.k('get', 'ro', 'rollouts-demo', '-o', 'json'))
    assert.deepEqual(ro.spec.strategy.canary.steps, [{ setWeight: 20 }, { pause: {} }, { setWeight: 40 }, { pause: { duration: 10 } }, { setWeight: 60 }, { pause: { duration: 10 } }, { setWeight: 80 }, { pause: { duration: 10 } }])
    assert.equal(ro.metadata.generation, 1)
  })

  test('kubectl explain reads the CRD schema', async () => {
    const out = await c.k('explain', 'rollout.spec.strategy.canary')
    assert.match(out, /^GROUP:\s+argoproj\.io$/m)
    assert.match(out, /^KIND:\s+Rollout$/m)
    assert.match(out, /CanaryStrategy defines parameters for a Replica Based Canary/)
    assert.match(out, /^ {2}steps\t<\[\]Object>$/m)
    assert.match(await c.k('explain', 'analysisrun.spec.metrics.provider.web'), /url\t<string>/)
  })

  test('a spec the schema rejects gets a 422 naming the field; an unknown field is refused', async () => {
    const bad = c.file('bad.yaml', `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: bad
spec:
  replicas: two
  selector:
    matchLabels: {app: bad}
  template:
    metadata:
      labels: {app: bad}
    spec:
      containers: [{name: a, image: x}]
  strategy:
    canary:
      steps: [{setWeight: x}]
`)
    const r = await c.kubectl(['apply', '-f', bad])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /The Rollout "bad" is invalid: /)
    assert.match(r.stderr, /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/)
    assert.match(r.stderr, /spec\.strategy\.canary\.steps\[0\]\.setWeight: Invalid value: "string": spec\.strategy\.canary\.steps\[0\]\.setWeight in body must be of type integer: "string"/)
    const unknown = c.file('unknown.yaml', `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: unknown
spec:
  strategy:
    canary:
      bogus: 1
`)
    const u = await c.kubectl(['apply', '-f', unknown])
    assert.notEqual(u.code, 0)
    assert.match(u.stderr, /unknown field "spec\.strategy\.canary\.bogus"/)
    assert.equal((await c.kubectl(['get', 'ro', 'bad'])).code, 1)
    // Selector immutability, Argo's CEL rule.
    const sel = await c.kubectl(['patch', 'ro', 'rollouts-demo', '--type', 'merge', '-p', '{"spec":{"selector":{"matchLabels":{"app":"other"}}}}'])
    assert.match(sel.stderr, /spec\.selector: Invalid value: "object": \.spec\.selector is immutable/)
  })

  test('status and scale subresources', async () => {
    const ar = c.file('ar.yaml', `apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata:
  name: ar1
spec:
  metrics:
  - name: web
    provider:
      web:
        url: http://127.0.0.1:1/
`)
    await c.k('apply', '-f', ar)
    await c.k('patch', 'ar', 'ar1', '--subresource=status', '--type', 'merge', '-p', '{"status":{"phase":"Successful"}}')
    assert.equal(parseTable(await c.k('get', 'ar', 'ar1'))[0].STATUS, 'Successful')
    // Argo's CRD declares no status subresource for AnalysisRun: its controller patches the object.
    await c.k('patch', 'ar', 'ar1', '--type', 'merge', '-p', '{"status":{"phase":"Failed","message":"metric \\"web\\" assessed Failed"}}')
    assert.equal(parseTable(await c.k('get', 'ar', 'ar1'))[0].STATUS, 'Failed')
    // Rollout: status only through /status.
    await c.k('patch', 'ro', 'rollouts-demo', '--type', 'merge', '-p', '{"status":{"phase":"Degraded"}}')
    assert.equal(JSON.parse(await c.k('get', 'ro', 'rollouts-demo', '-o', 'json')).status?.phase, undefined)
    await c.k('scale', 'ro', 'rollouts-demo', '--replicas', '3')
    const ro = JSON.parse(await c.k('get', 'ro', 'rollouts-demo', '-o', 'json'))
    assert.equal(ro.spec.replicas, 3)
    assert.equal(ro.metadata.generation, 2)
    const scale = JSON.parse(await c.k('get', '--raw', '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/rollouts-demo/scale'))
    assert.equal(scale.kind, 'Scale')
    assert.equal(scale.spec.replicas, 3)
  })
})
