// Argo Rollouts' Rollout on kubelite, driven by the real kubectl with the patches Argo's own
// `kubectl argo rollouts` plugin sends: a canary through setWeight 10 → pause → setWeight 50 →
// pause 5s → 100 (promote), abort and retry, blue/green with a preview Service then promotion,
// analysis steps driven by AnalysisRun status, InvalidSpec for a missing Service, and Argo's
// getting-started canary manifest applied unchanged. The built-in image stands
// in for argoproj/rollouts-demo in the step tests (v1/v2); the getting-started manifest runs the
// built-in argoproj/rollouts-demo image. The measured split through the stable Service (kubelite's
// proxy obeying the annotation) is checked too.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import { httpGet, parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

const canary = (name: string, image: string, steps: string, extra = '') => `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: ${name}
spec:
  replicas: 2
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: app
        image: ${image}
        ports: [{containerPort: 8080}]
  strategy:
    canary:
      stableService: ${name}-stable
      canaryService: ${name}-canary
${extra}      steps:
${steps}
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

// The bootcamp image answers `... | v=1` / `v=2`, so the measured split is visible in the body.
const v1 = 'jocatalin/kubernetes-bootcamp:v1'
const v2 = 'jocatalin/kubernetes-bootcamp:v2'

/**
 * The canary's share (%) of `n` requests sent one after another over ONE kept-alive connection
 * (the proxy places every request of it on its own); each answer says `v=2` (canary) or `v=1`.
 */
async function measureCanaryShare(url: string, n: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  let canary = 0
  let answered = 0
  try {
    for (let i = 0; i < n; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(url, { agent, timeout: 10_000 }, (res) => {
          let b = ''
          res.on('data', (d) => (b += d))
          res.on('end', () => resolve(b))
          res.on('error', reject)
        })
        req.on('timeout', () => req.destroy(new Error('timeout')))
        req.on('error', reject)
        req.end()
      })
      answered++
      if (body.includes('v=2')) canary++
    }
  } finally {
    agent.destroy()
  }
  assert.equal(answered, n, 'every request answered')
  return (canary * 100) / n
}

describe('Rollouts (Argo Rollouts controller)', () => {
  let c: Cluster
  const ro = async (name: string): Promise<Obj> => JSON.parse(await c.k('get', 'ro', name, '-o', 'json'))
  const svc = async (name: string): Promise<Obj> => JSON.parse(await c.k('get', 'svc', name, '-o', 'json'))
  const traffic = async (name: string) => JSON.parse((await svc(name)).metadata.annotations['kubelite.io/traffic'])
  const phase = (name: string, want: string, pred: (r: Obj) => boolean = () => true, timeoutMs = 40_000) =>
    until(`${name} ${want}`, async () => {
      const r = await ro(name)
      return r.status?.phase === want && r.status?.observedGeneration === String(r.metadata.generation) && pred(r) ? r : undefined
    }, timeoutMs)
  const setImage = (name: string, image: string) => c.k('patch', 'ro', name, '--type', 'json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }]))
  // The patches `kubectl argo rollouts promote|abort|retry` send (pkg/kubectl-argo-rollouts/cmd).
  const promote = (name: string) => c.k('patch', 'ro', name, '--subresource=status', '--type', 'merge', '-p', '{"status":{"pauseConditions":null}}')
  const abort = (name: string) => c.k('patch', 'ro', name, '--subresource=status', '--type', 'merge', '-p', '{"status":{"abort":true}}')
  const retry = (name: string) => c.k('patch', 'ro', name, '--subresource=status', '--type', 'merge', '-p', '{"status":{"abort":false}}')
  const events = async (name: string) => (JSON.parse(await c.k('get', 'events', '--field-selector', `involvedObject.name=${name},involvedObject.kind=Rollout`, '-o', 'json')).items as Obj[]).map((e) => `${e.reason}: ${e.message}`)

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('canary: setWeight 10 → pause → setWeight 50 → pause → pause 5s → 100, with exact weights on the stable Service', async () => {
    // The middle pause is indefinite so the 50% split can be measured over 1,000 requests.
    const steps = '      - setWeight: 10\n      - pause: {}\n      - setWeight: 50\n      - pause: {}\n      - pause: {duration: 5s}\n'
    await c.k('apply', '-f', c.file('web.yaml', canary('web', v1, steps)))
    const first = await phase('web', 'Healthy')
    const stableHash = first.status.stableRS
    assert.equal(first.status.currentPodHash, stableHash)
    assert.equal(first.status.currentStepIndex, 5)
    assert.equal(first.metadata.annotations['rollout.argoproj.io/revision'], '1')
    const rs1 = JSON.parse(await c.k('get', 'rs', `web-${stableHash}`, '-o', 'json'))
    assert.equal(rs1.metadata.labels['rollouts-pod-template-hash'], stableHash)
    assert.equal(rs1.metadata.ownerReferences[0].kind, 'Rollout')
    assert.equal((await svc('web-stable')).spec.selector['rollouts-pod-template-hash'], stableHash)
    const row = parseTable(await c.k('get', 'ro', 'web'))[0]
    assert.deepEqual(row, { NAME: 'web', DESIRED: '2', CURRENT: '2', 'UP-TO-DATE': '2', AVAILABLE: '2', AGE: row.AGE })
    assert.match(row.AGE, /^\d+s$/)

    await setImage('web', v2)
    const paused = await phase('web', 'Paused', (r) => r.status.currentStepIndex === 1)
    const canaryHash = paused.status.currentPodHash
    assert.notEqual(canaryHash, stableHash)
    assert.equal(paused.status.message, 'CanaryPauseStep')
    assert.equal(paused.status.pauseConditions[0].reason, 'CanaryPauseStep')
    assert.equal(paused.status.controllerPause, true)
    assert.deepEqual(paused.status.canary.weights, {
      canary: { podTemplateHash: canaryHash, serviceName: 'web-canary', weight: 10 },
      stable: { podTemplateHash: stableHash, serviceName: 'web-stable', weight: 90 },
    })
    // The proxy's contract: exact weights on the stable Service, whatever the pod counts.
    assert.deepEqual(await traffic('web-stable'), { backends: [{ name: 'stable', weight: 90 }, { name: 'canary', service: 'web-canary', weight: 10 }] })
    const stableSvc = await svc('web-stable')
    assert.equal(stableSvc.metadata.annotations['argo-rollouts.argoproj.io/managed-by-rollouts'], 'web')
    assert.equal(stableSvc.spec.selector['rollouts-pod-template-hash'], stableHash)
    assert.equal((await svc('web-canary')).spec.selector['rollouts-pod-template-hash'], canaryHash)
    // What the proxy makes of it: 10% of requests to the stable Service reach the canary, though
    // the pods are 1 canary beside 2 stable (a pod-count split would give 33%) — over 1,000
    // requests from one kept-alive client, so every request is placed on its own.
    const ip = stableSvc.spec.clusterIP
    await until('the stable Service answers', async () => (await httpGet(`http://${ip}:80/`)).code === 200, 20_000)
    const at10 = await measureCanaryShare(`http://${ip}:80/`, 1000)
    assert.ok(Math.abs(at10 - 10) <= 3, `canary share ${at10.toFixed(1)}% of 1,000 requests at setWeight 10`)
    // 2 replicas, 10%: one canary pod, the stable ReplicaSet stays at 2.
    assert.equal(JSON.parse(await c.k('get', 'rs', `web-${canaryHash}`, '-o', 'json')).spec.replicas, 1)
    assert.equal(JSON.parse(await c.k('get', 'rs', `web-${stableHash}`, '-o', 'json')).spec.replicas, 2)

    await promote('web')
    const paused50 = await phase('web', 'Paused', (r) => r.status.currentStepIndex === 3)
    assert.equal(paused50.status.canary.weights.canary.weight, 50)
    assert.deepEqual((await traffic('web-stable')).backends, [{ name: 'stable', weight: 50 }, { name: 'canary', service: 'web-canary', weight: 50 }])
    const at50 = await measureCanaryShare(`http://${ip}:80/`, 1000)
    assert.ok(Math.abs(at50 - 50) <= 3, `canary share ${at50.toFixed(1)}% of 1,000 requests at setWeight 50`)
    await promote('web')
    // pause: 5s ends by itself.
    const done = await phase('web', 'Healthy', (r) => r.status.stableRS === canaryHash, 30_000)
    assert.equal(done.status.currentStepIndex, 5)
    assert.equal(done.metadata.annotations['rollout.argoproj.io/revision'], '2')
    assert.equal((await svc('web-stable')).spec.selector['rollouts-pod-template-hash'], canaryHash)
    assert.equal(done.status.conditions.find((x: Obj) => x.type === 'Completed').status, 'True')
    // (25 events about one object is the recorder's burst, as upstream's spam filter: the 26th of
    // this Rollout — its RolloutCompleted — is dropped, so completion is read from the condition above.)
    const ev = await events('web')
    for (const want of [
      `RolloutStepCompleted: Rollout step 1/5 completed (setWeight: 10)`,
      `RolloutPaused: Rollout is paused (CanaryPauseStep)`,
      `RolloutStepCompleted: Rollout step 5/5 completed (pause: 5s)`,
      `TrafficWeightUpdated: Traffic weight updated from 0 to 10`,
      `TrafficWeightUpdated: Traffic weight updated from 10 to 50`,
    ])
      assert.ok(ev.includes(want), `${want} in ${JSON.stringify(ev)}`)
  })

  test('setHeaderRoute and setMirrorRoute: a header always reaches the canary, copies of GETs reach it, the rest stays on stable', async () => {
    // Weight 0 and one canary pod (setCanaryScale): only the header route and the mirror send it anything.
    const steps = `      - setCanaryScale: {replicas: 1}
      - setHeaderRoute: {name: beta, match: [{headerName: X-Beta, headerValue: {exact: "yes"}}]}
      - setMirrorRoute: {name: copies, match: [{method: {exact: GET}}], percentage: 100}
      - pause: {}
`
    await c.k('apply', '-f', c.file('hm.yaml', canary('hm', v1, steps)))
    await phase('hm', 'Healthy')
    await setImage('hm', v2)
    const paused = await phase('hm', 'Paused', (r) => r.status.currentStepIndex === 3)
    const canaryHash = paused.status.currentPodHash
    const annotation = await traffic('hm-stable')
    assert.deepEqual(annotation.headerRoutes, [{ name: 'beta', match: [{ headerName: 'X-Beta', headerValue: { exact: 'yes' } }], backend: 'canary' }])
    assert.deepEqual(annotation.mirrors, [{ name: 'copies', match: [{ method: { exact: 'GET' } }], percentage: 100, backend: 'canary' }])
    const ip = (await svc('hm-stable')).spec.clusterIP
    const ask = (headers: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        httpRequest(`http://${ip}:80/`, { headers, agent: false, timeout: 5_000 }, (res) => {
          let b = ''
          res.on('data', (d) => (b += d))
          res.on('end', () => resolve(b))
        })
          .on('error', reject)
          .end()
      })
    await until('the canary pod behind the header route', async () => (await ask({ 'x-beta': 'yes' })).includes('v=2'), 30_000)
    for (let i = 0; i < 30; i++) assert.match(await ask({ 'x-beta': 'yes' }), /v=2/, 'the header route always wins')
    for (let i = 0; i < 60; i++) assert.match(await ask({}), /v=1/, 'weight 0: everything else on stable')
    // The canary answered copies of the plain GETs too (their answers discarded).
    const mirrored = await until('mirrored requests in the traffic report', async () => {
      const report = JSON.parse(await c.k('get', '--raw', '/traffic/v1/namespaces/default/services/hm-stable?window=5m'))
      const n = (report.groups as { podTemplateHash?: string; mirrored?: number }[]).filter((g) => g.podTemplateHash === canaryHash).reduce((a, g) => a + (g.mirrored ?? 0), 0)
      return n >= 60 ? n : undefined
    })
    assert.ok(mirrored >= 60, `${mirrored} mirrored`)
  })

  test('restart (spec.restartAt) replaces every pod; undo brings the previous template back as a new revision', async () => {
    const before = await ro('web')
    const stable = before.status.stableRS
    const podsOf = async () => (JSON.parse(await c.k('get', 'pods', '-l', `app=web,rollouts-pod-template-hash=${stable}`, '-o', 'json')).items as Obj[]).filter((p) => !p.metadata.deletionTimestamp)
    const old = new Set((await podsOf()).map((p) => p.metadata.name))
    assert.equal(old.size, 2)
    const restartAt = new Date(Date.now() + 1000).toISOString().replace(/\.\d+Z$/, 'Z')
    // What `kubectl argo rollouts restart` sends.
    await c.k('patch', 'ro', 'web', '--type', 'merge', '-p', JSON.stringify({ spec: { restartAt } }))
    await phase('web', 'Healthy', (r) => r.status.restartedAt === restartAt, 60_000)
    const fresh = await podsOf()
    assert.equal(fresh.length, 2)
    for (const p of fresh) assert.ok(!old.has(p.metadata.name), `${p.metadata.name} was restarted`)
    // undo: the revision-1 ReplicaSet's template (hash label dropped) back into spec.template.
    const rsList = JSON.parse(await c.k('get', 'rs', '-l', 'app=web', '-o', 'json')).items as Obj[]
    const rev1 = rsList.find((x) => x.metadata.annotations['rollout.argoproj.io/revision'] === '1')!
    const tmpl = structuredClone(rev1.spec.template)
    delete tmpl.metadata.labels['rollouts-pod-template-hash']
    await c.k('patch', 'ro', 'web', '--type', 'json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/template', value: tmpl }]))
    const undone = await phase('web', 'Paused', (r) => r.status.currentPodHash === rev1.metadata.labels['rollouts-pod-template-hash'])
    assert.equal(undone.metadata.annotations['rollout.argoproj.io/revision'], '3')
    const rs1 = JSON.parse(await c.k('get', 'rs', rev1.metadata.name, '-o', 'json'))
    assert.equal(rs1.metadata.annotations['rollout.argoproj.io/revision'], '3')
    await c.k('patch', 'ro', 'web', '--subresource=status', '--type', 'merge', '-p', '{"status":{"promoteFull":true}}')
    await phase('web', 'Healthy', (r) => r.status.stableRS === rev1.metadata.labels['rollouts-pod-template-hash'], 40_000)
  })

  test('abort sends all traffic back to stable and degrades the Rollout; retry starts the steps again', async () => {
    const steps = '      - setWeight: 20\n      - pause: {}\n'
    await c.k('apply', '-f', c.file('ab.yaml', canary('ab', v1, steps)))
    const first = await phase('ab', 'Healthy')
    await setImage('ab', v2)
    await phase('ab', 'Paused', (r) => r.status.currentStepIndex === 1)
    await abort('ab')
    const aborted = await phase('ab', 'Degraded')
    assert.equal(aborted.status.message, 'RolloutAborted: Rollout aborted update to revision 2')
    assert.equal(aborted.status.abort, true)
    assert.ok(aborted.status.abortedAt)
    assert.equal(aborted.status.currentStepIndex, 0)
    assert.equal(aborted.status.pauseConditions, undefined)
    assert.deepEqual((await traffic('ab-stable')).backends, [{ name: 'stable', weight: 100 }, { name: 'canary', service: 'ab-canary', weight: 0 }])
    assert.equal((await svc('ab-stable')).spec.selector['rollouts-pod-template-hash'], first.status.stableRS)
    assert.ok((await events('ab')).includes('RolloutAborted: Rollout aborted update to revision 2'))
    await retry('ab')
    const again = await phase('ab', 'Paused', (r) => r.status.currentStepIndex === 1)
    assert.equal(again.status.abort, undefined)
    assert.equal(again.status.canary.weights.canary.weight, 20)
    // promoteFull (`promote --full`) skips the remaining steps.
    await c.k('patch', 'ro', 'ab', '--subresource=status', '--type', 'merge', '-p', '{"status":{"promoteFull":true}}')
    const full = await phase('ab', 'Healthy', (r) => r.status.stableRS === r.status.currentPodHash)
    assert.notEqual(full.status.stableRS, first.status.stableRS)
  })

  test('blue/green: the preview Service sees the new version first, promotion switches the active Service', async () => {
    const bg = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: bg
spec:
  replicas: 2
  selector:
    matchLabels: {app: bg}
  template:
    metadata:
      labels: {app: bg}
    spec:
      containers:
      - name: app
        image: ${v1}
        ports: [{containerPort: 8080}]
  strategy:
    blueGreen:
      activeService: bg-active
      previewService: bg-preview
      autoPromotionEnabled: false
      scaleDownDelaySeconds: 3
---
apiVersion: v1
kind: Service
metadata: {name: bg-active}
spec:
  selector: {app: bg}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: bg-preview}
spec:
  selector: {app: bg}
  ports: [{port: 80, targetPort: 8080}]
`
    await c.k('apply', '-f', c.file('bg.yaml', bg))
    const first = await phase('bg', 'Healthy')
    const blue = first.status.currentPodHash
    assert.deepEqual(first.status.blueGreen, { activeSelector: blue, previewSelector: blue })
    // A client on the active Service the whole time: not one request may fail.
    const active = `http://${(await svc('bg-active')).spec.clusterIP}:80/`
    await until('the active Service answers', async () => (await httpGet(active)).code === 200, 20_000)
    let stop = false
    const seen = { ok: 0, failed: 0, v1: 0, v2: 0 }
    const client = (async () => {
      while (!stop) {
        const r = await httpGet(active, 5_000).catch(() => undefined)
        if (r?.code === 200) {
          seen.ok++
          if (r.body.includes('v=2')) seen.v2++
          else seen.v1++
        } else seen.failed++
      }
    })()
    try {
      await setImage('bg', v2)
      const paused = await phase('bg', 'Paused', (r) => r.status.blueGreen.previewSelector === r.status.currentPodHash)
      const green = paused.status.currentPodHash
      assert.equal(paused.status.message, 'BlueGreenPause')
      assert.equal(paused.status.blueGreen.activeSelector, blue)
      assert.equal((await svc('bg-preview')).spec.selector['rollouts-pod-template-hash'], green)
      assert.equal((await svc('bg-active')).spec.selector['rollouts-pod-template-hash'], blue)
      // Before promotion the new version answers on the preview Service, the old one on the active.
      const preview = `http://${(await svc('bg-preview')).spec.clusterIP}:80/`
      await until('v2 on the preview Service', async () => (await httpGet(preview)).body.includes('v=2'), 20_000)
      assert.equal(seen.v2, 0, 'nothing of v2 on the active Service before promotion')
      await promote('bg')
      const done = await phase('bg', 'Healthy', (r) => r.status.stableRS === green)
      assert.equal(done.status.blueGreen.activeSelector, green)
      assert.equal((await svc('bg-active')).spec.selector['rollouts-pod-template-hash'], green)
      // The old active ReplicaSet goes after scaleDownDelaySeconds; the active Service then answers v2 only.
      await until('blue scaled down', async () => JSON.parse(await c.k('get', 'rs', `bg-${blue}`, '-o', 'json')).spec.replicas === 0, 30_000)
      const v2Before = seen.v2
      await until('v2 answers on the active Service', async () => seen.v2 >= v2Before + 20)
    } finally {
      stop = true
      await client
    }
    assert.equal(seen.failed, 0, `${seen.failed} of ${seen.ok + seen.failed} requests to the active Service failed`)
    assert.ok(seen.v1 > 0 && seen.v2 > 0, JSON.stringify(seen))
    const green = (await ro('bg')).status.stableRS
    assert.ok((await events('bg')).includes(`RolloutCompleted: Rollout completed update to revision 2 (${green}): Completed blue-green update`))
  })

  test('analysis steps: an AnalysisRun per step from the templates; Successful continues, Failed aborts', async () => {
    const template = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  args:
  - name: service-name
  - name: canary-hash
  metrics:
  - name: success-rate
    successCondition: result[0] >= 0.95
    provider:
      web:
        url: http://127.0.0.1:1/{{args.service-name}}
`
    await c.k('apply', '-f', c.file('at.yaml', template))
    const steps = `      - setWeight: 50
      - analysis:
          templates:
          - templateName: success-rate
          args:
          - name: service-name
            value: an-stable
          - name: canary-hash
            valueFrom:
              podTemplateHashValue: Latest
      - setWeight: 100
`
    await c.k('apply', '-f', c.file('an.yaml', canary('an', v1, steps)))
    await phase('an', 'Healthy')
    await setImage('an', v2)
    const run = await until('the step AnalysisRun', async () => {
      const items = JSON.parse(await c.k('get', 'ar', '-o', 'json')).items as Obj[]
      return items.find((a) => a.metadata.labels?.['rollout-type'] === 'Step')
    }, 40_000)
    const r = await ro('an')
    const hash = r.status.currentPodHash
    assert.equal(run.metadata.name, `an-${hash}-2-1`)
    assert.deepEqual(run.metadata.labels, { 'rollouts-pod-template-hash': hash, 'rollout-type': 'Step', 'step-index': '1', app: 'an' })
    assert.equal(run.metadata.ownerReferences[0].name, 'an')
    assert.deepEqual(run.spec.args, [{ name: 'service-name', value: 'an-stable' }, { name: 'canary-hash', value: hash }])
    assert.equal(run.spec.metrics[0].name, 'success-rate')
    await c.k('patch', 'ar', run.metadata.name, '--subresource=status', '--type', 'merge', '-p', '{"status":{"phase":"Successful"}}')
    await phase('an', 'Healthy', (x) => x.status.stableRS === hash, 40_000)

    // The next revision: the analysis fails → abort.
    await c.k('patch', 'ro', 'an', '--type', 'merge', '-p', '{"spec":{"template":{"metadata":{"annotations":{"rev":"3"}}}}}')
    const run3 = await until('the third revision’s AnalysisRun', async () => {
      const items = JSON.parse(await c.k('get', 'ar', '-o', 'json')).items as Obj[]
      return items.find((a) => a.metadata.name.endsWith('-3-1'))
    }, 40_000)
    await c.k('patch', 'ar', run3.metadata.name, '--subresource=status', '--type', 'merge', '-p', '{"status":{"phase":"Failed","message":"metric \\"success-rate\\" assessed Failed due to failed (1) > failureLimit (0)"}}')
    const failed = await phase('an', 'Degraded')
    assert.equal(failed.status.message, 'RolloutAborted: Rollout aborted update to revision 3: Step-based analysis phase error/failed: metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)')
    assert.equal(failed.status.stableRS, hash)
  })

  test('a Rollout whose Service is missing is Degraded with InvalidSpec naming the field', async () => {
    await c.k('apply', '-f', c.file('nosvc.yaml', canary('nosvc', v1, '      - setWeight: 20\n').split('---')[0]))
    const r = await phase('nosvc', 'Degraded')
    assert.equal(r.status.message, 'InvalidSpec: The Rollout "nosvc" is invalid: spec.strategy.canary.stableService: Invalid value: "nosvc-stable": services "nosvc-stable" not found')
    assert.equal(r.status.conditions.find((x: Obj) => x.type === 'InvalidSpec').reason, 'InvalidSpec')
    assert.equal(JSON.parse(await c.k('get', 'rs', '-l', 'app=nosvc', '-o', 'json')).items.length, 0)
    // The Services arrive: the Rollout goes ahead.
    await c.k('apply', '-f', c.file('nosvc-svcs.yaml', canary('nosvc', v1, '      - setWeight: 20\n').split('---').slice(1).join('---')))
    await phase('nosvc', 'Healthy', () => true, 60_000)
  })

  test('workloadRef: Argo’s example takes the Deployment’s template and selector', async () => {
    const manifest = readFileSync(new URL('./argo-examples/examples-workload-ref.yaml', import.meta.url), 'utf8').replaceAll('argoproj/rollouts-demo:blue', v1)
    await c.k('apply', '-f', c.file('wref.yaml', manifest))
    const r = await phase('rollout-ref-deployment', 'Healthy', () => true, 60_000)
    assert.equal(r.status.availableReplicas, 5)
    assert.equal(r.spec.template, undefined)
    const rs = JSON.parse(await c.k('get', 'rs', `rollout-ref-deployment-${r.status.stableRS}`, '-o', 'json'))
    assert.equal(rs.metadata.ownerReferences[0].kind, 'Rollout')
    assert.equal(rs.spec.template.spec.containers[0].image, v1)
  })

  test('Argo’s getting-started canary manifest, applied unchanged', async () => {
    const examples = new URL('./argo-examples/', import.meta.url).pathname
    await c.k('apply', '-f', `${examples}getting-started-basic-rollout.yaml`, '-f', `${examples}getting-started-basic-service.yaml`)
    const first = await phase('rollouts-demo', 'Healthy', () => true, 60_000)
    assert.equal(first.status.availableReplicas, 5)
    // Argo's own tutorial names this ReplicaSet: its hash of the template is Argo's.
    assert.equal(first.status.stableRS, '687d76d795')
    assert.equal(parseTable(await c.k('get', 'rs', 'rollouts-demo-687d76d795'))[0].READY, '5')
    await setImage('rollouts-demo', 'argoproj/rollouts-demo:yellow')
    // No Services in the strategy: setWeight 20 of 5 replicas is one canary pod beside four stable ones.
    const paused = await phase('rollouts-demo', 'Paused', (r) => r.status.currentStepIndex === 1 && r.status.updatedReplicas === 1 && r.status.replicas === 5, 60_000)
    assert.equal(paused.status.message, 'CanaryPauseStep')
    const rows = parseTable(await c.k('get', 'ro', 'rollouts-demo'))
    assert.equal(rows[0]['UP-TO-DATE'], '1')
    await c.k('patch', 'ro', 'rollouts-demo', '--subresource=status', '--type', 'merge', '-p', '{"status":{"promoteFull":true}}')
    const done = await phase('rollouts-demo', 'Healthy', (r) => r.status.stableRS === paused.status.currentPodHash && r.status.replicas === 5, 60_000)
    assert.equal(done.status.updatedReplicas, 5)
  })
})
