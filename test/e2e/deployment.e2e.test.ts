// Deployments roll as upstream's do, driven by the real kubectl: seed 000 (kubernetes-bootcamp v1 →
// v2 behind a NodePort, the ScalingReplicaSet sequence, `rollout undo` twice, history), with an
// invariant recorder watching the ReplicaSets, then Recreate, a stuck rollout recovered by undo,
// pause/resume, restart, proportional scaling mid-rollout, and cascading/orphan deletion.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { httpGet, parseTable, startCluster, until, type Cluster } from './harness.js'
import { bootcampDeployment, bootcampService } from './seeds.js'

type Obj = Record<string, any>

/** What a run of requests through the NodePort answered: the set of `v=N` seen. */
async function versions(n = 12): Promise<Set<string>> {
  const seen = new Set<string>()
  for (let i = 0; i < n; i++) {
    const r = await httpGet('http://127.0.0.1:30881/')
    assert.equal(r.code, 200)
    assert.match(r.body, /^Hello Kubernetes bootcamp! \| Running on: kubernetes-bootcamp-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5} \| v=\d\n$/)
    seen.add(r.body.trim().split('v=')[1])
  }
  return seen
}

/** Waits until every answer through the NodePort comes from version `v`. */
async function onlyVersion(v: string): Promise<void> {
  await until(`only v=${v} answers`, async () => {
    const seen = await versions()
    return seen.size === 1 && seen.has(v)
  }, 60_000)
}

/**
 * Watches a Deployment's ReplicaSets and records every violation of the rolling-update bounds:
 * the ReplicaSets' spec.replicas never sum past replicas + maxSurge, and (once the first rollout
 * is done) their available pods never drop below replicas − maxUnavailable.
 */
async function invariantRecorder(c: Cluster, selector: string, replicas: number, surge: number, unavailable: number) {
  const rss = new Map<string, Obj>()
  const violations: string[] = []
  let steps = 0
  const stop = await c.watch(`/apis/apps/v1/namespaces/default/replicasets?labelSelector=${encodeURIComponent(selector)}`, (type, rs) => {
    if (type === 'DELETED') rss.delete(rs.metadata.name)
    else rss.set(rs.metadata.name, rs)
    steps++
    const total = [...rss.values()].reduce((n, x) => n + (x.spec.replicas ?? 0), 0)
    const available = [...rss.values()].reduce((n, x) => n + (x.status?.availableReplicas ?? 0), 0)
    const state = [...rss.values()].map((x) => `${x.metadata.name}: ${x.spec.replicas} wanted, ${x.status?.availableReplicas ?? 0} available`).join('; ')
    if (total > replicas + surge) violations.push(`${total} pods wanted > ${replicas} + ${surge} (${state})`)
    if (available < replicas - unavailable) violations.push(`${available} available < ${replicas} - ${unavailable} (${state})`)
  })
  return { violations, steps: () => steps, stop }
}

describe('deployments roll like upstream', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))
  const rolledOut = (name: string, timeout = '90s') => c.k('rollout', 'status', `deployment/${name}`, `--timeout=${timeout}`)

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('seed 000: 4 replicas of the bootcamp behind a NodePort, as `get deployment -o wide` shows', async () => {
    await c.k('apply', '-f', c.file('deploy.yaml', bootcampDeployment))
    await c.k('apply', '-f', c.file('svc.yaml', bootcampService))
    const status = await rolledOut('kubernetes-bootcamp')
    assert.match(status, /deployment "kubernetes-bootcamp" successfully rolled out/)
    const out = await c.k('get', 'deployment', '-o', 'wide')
    const [header] = out.split('\n')
    assert.match(header, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/)
    const [row] = parseTable(out)
    assert.deepEqual(
      { ...row, AGE: '' },
      { NAME: 'kubernetes-bootcamp', READY: '4/4', 'UP-TO-DATE': '4', AVAILABLE: '4', AGE: '', CONTAINERS: 'kubernetes-bootcamp', IMAGES: 'gcr.io/google-samples/kubernetes-bootcamp:v1', SELECTOR: 'run=kubernetes-bootcamp' },
    )
    const rs = parseTable(await c.k('get', 'rs', '-o', 'wide'))
    assert.equal(rs.length, 1)
    assert.match(rs[0].NAME, /^kubernetes-bootcamp-[456789bcdf]{1,10}$/)
    assert.equal(rs[0].SELECTOR, `pod-template-hash=${rs[0].NAME.split('-').pop()},run=kubernetes-bootcamp`)
    const pods = parseTable(await c.k('get', 'pods'))
    assert.equal(pods.length, 4)
    for (const p of pods) assert.ok(p.NAME.startsWith(`${rs[0].NAME}-`), p.NAME)
    await until('all four pods behind the NodePort', async () => (await versions(8)).has('1'))
    assert.deepEqual(await versions(), new Set(['1']))
  })

  test('seed 000: set image to v2 rolls one at a time, exactly as the seed shows, without breaking the bounds', async () => {
    const rec = await invariantRecorder(c, 'run=kubernetes-bootcamp', 4, 1, 1)
    try {
      const set = await c.k('set', 'image', 'deployments/kubernetes-bootcamp', 'kubernetes-bootcamp=jocatalin/kubernetes-bootcamp:v2')
      assert.equal(set, 'deployment.apps/kubernetes-bootcamp image updated\n')
      await rolledOut('kubernetes-bootcamp')
    } finally {
      rec.stop()
    }
    assert.deepEqual(rec.violations, [])
    assert.ok(rec.steps() > 8, 'the recorder saw the rollout')

    const [row] = parseTable(await c.k('get', 'deployment', '-o', 'wide'))
    assert.equal(row.READY, '4/4')
    assert.equal(row.IMAGES, 'jocatalin/kubernetes-bootcamp:v2')
    const rss = (await json('get', 'rs')).items as Obj[]
    const byImage = (img: string) => rss.find((x) => x.spec.template.spec.containers[0].image === img)!.metadata.name
    const [oldRS, newRS] = [byImage('gcr.io/google-samples/kubernetes-bootcamp:v1'), byImage('jocatalin/kubernetes-bootcamp:v2')]

    const describe = await c.k('describe', 'deployment')
    const events = [...describe.matchAll(/ScalingReplicaSet\s+\S+\s+deployment-controller\s+(.*)/g)].map((m) => m[1].trim())
    assert.deepEqual(events, [
      `Scaled up replica set ${oldRS} from 0 to 4`,
      `Scaled up replica set ${newRS} from 0 to 1`,
      `Scaled down replica set ${oldRS} from 4 to 3`,
      `Scaled up replica set ${newRS} from 1 to 2`,
      `Scaled down replica set ${oldRS} from 3 to 2`,
      `Scaled up replica set ${newRS} from 2 to 3`,
      `Scaled down replica set ${oldRS} from 2 to 1`,
      `Scaled up replica set ${newRS} from 3 to 4`,
      `Scaled down replica set ${oldRS} from 1 to 0`,
    ])
    assert.match(describe, /^Replicas:\s+4 desired \| 4 updated \| 4 total \| 4 available \| 0 unavailable$/m)
    assert.match(describe, /^StrategyType:\s+RollingUpdate$/m)
    assert.match(describe, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m)
    assert.match(describe, /^\s+Available\s+True\s+MinimumReplicasAvailable$/m)
    assert.match(describe, /^\s+Progressing\s+True\s+NewReplicaSetAvailable$/m)
    assert.match(describe, new RegExp(`^OldReplicaSets:\\s+${oldRS} \\(0/0 replicas created\\)$`, 'm'))
    assert.match(describe, new RegExp(`^NewReplicaSet:\\s+${newRS} \\(4/4 replicas created\\)$`, 'm'))
    await onlyVersion('2')
  })

  test('seed 000: rollout undo brings v1 back, a second undo returns to v2, and history shows revisions 3 and 4', async () => {
    assert.equal(await c.k('rollout', 'undo', 'deployments/kubernetes-bootcamp'), 'deployment.apps/kubernetes-bootcamp rolled back\n')
    await rolledOut('kubernetes-bootcamp')
    await onlyVersion('1')
    let rss = (await json('get', 'rs')).items as Obj[]
    assert.equal(rss.length, 2, 'the undo re-used the v1 ReplicaSet')
    const v1 = rss.find((x) => x.spec.template.spec.containers[0].image.endsWith(':v1'))!
    assert.equal(v1.metadata.annotations['deployment.kubernetes.io/revision'], '3')
    assert.equal(v1.metadata.annotations['deployment.kubernetes.io/revision-history'], '1')

    await c.k('rollout', 'undo', 'deployments/kubernetes-bootcamp')
    await rolledOut('kubernetes-bootcamp')
    await onlyVersion('2')
    rss = (await json('get', 'rs')).items as Obj[]
    assert.equal(rss.length, 2)
    const history = await c.k('rollout', 'history', 'deployment/kubernetes-bootcamp')
    assert.equal(history, 'deployment.apps/kubernetes-bootcamp \nREVISION  CHANGE-CAUSE\n3         <none>\n4         <none>\n\n')
    const rev4 = await c.k('rollout', 'history', 'deployment/kubernetes-bootcamp', '--revision=4')
    assert.match(rev4, /with revision #4/)
    assert.match(rev4, /Image:\tjocatalin\/kubernetes-bootcamp:v2/)
    const d = await json('get', 'deployment', 'kubernetes-bootcamp')
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '4')
    assert.equal(d.status.observedGeneration, d.metadata.generation)
  })

  test('change-cause is recorded, undo --to-revision picks that template, and a missing revision is an error', async () => {
    // The annotation travels to the current ReplicaSet (revision 4); kubectl's undo then copies the
    // target ReplicaSet's annotations back, so revision 5 (v1 again) has none.
    await c.k('annotate', 'deployment/kubernetes-bootcamp', 'kubernetes.io/change-cause=v2 is live')
    await until('the cause on revision 4', async () => /^4\s+v2 is live$/m.test(await c.k('rollout', 'history', 'deployment/kubernetes-bootcamp')))
    await c.k('rollout', 'undo', 'deployment/kubernetes-bootcamp', '--to-revision=3')
    await rolledOut('kubernetes-bootcamp')
    const history = await c.k('rollout', 'history', 'deployment/kubernetes-bootcamp')
    assert.equal(history, 'deployment.apps/kubernetes-bootcamp \nREVISION  CHANGE-CAUSE\n4         v2 is live\n5         <none>\n\n')
    assert.equal((await json('get', 'deployment', 'kubernetes-bootcamp')).spec.template.spec.containers[0].image, 'gcr.io/google-samples/kubernetes-bootcamp:v1')
    const bad = await c.kubectl(['rollout', 'undo', 'deployment/kubernetes-bootcamp', '--to-revision=42'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /error: unable to find specified revision 42 in history/)
  })

  test('a stuck rollout (image :v10) hits its progress deadline; old pods keep serving; undo recovers', async () => {
    await c.k('patch', 'deployment/kubernetes-bootcamp', '-p', '{"spec":{"progressDeadlineSeconds":10}}')
    await rolledOut('kubernetes-bootcamp')
    await c.k('set', 'image', 'deployment/kubernetes-bootcamp', 'kubernetes-bootcamp=gcr.io/google-samples/kubernetes-bootcamp:v10')
    const status = await c.kubectl(['rollout', 'status', 'deployment/kubernetes-bootcamp', '--timeout=60s'])
    assert.equal(status.code, 1, status.stdout + status.stderr)
    assert.match(status.stdout, /Waiting for deployment "kubernetes-bootcamp" rollout to finish: 2 out of 4 new replicas have been updated\.\.\./)
    assert.match(status.stderr, /error: deployment "kubernetes-bootcamp" exceeded its progress deadline/)
    const d = await json('get', 'deployment', 'kubernetes-bootcamp')
    const progressing = d.status.conditions.find((x: Obj) => x.type === 'Progressing')
    assert.equal(progressing.status, 'False')
    assert.equal(progressing.reason, 'ProgressDeadlineExceeded')
    assert.match(progressing.message, /^ReplicaSet "kubernetes-bootcamp-[456789bcdf]+" has timed out progressing\.$/)
    // maxSurge 1, maxUnavailable 1: one new pod surges, one old goes, a second new one comes.
    assert.equal(d.status.availableReplicas, 3, 'three old pods stay')
    assert.equal(d.status.updatedReplicas, 2)
    const pods = parseTable(await c.k('get', 'pods'))
    assert.ok(pods.some((p) => /ErrImagePull|ImagePullBackOff/.test(p.STATUS)), JSON.stringify(pods))
    assert.deepEqual(await versions(), new Set(['1']), 'the old pods keep serving')

    await c.k('rollout', 'undo', 'deployment/kubernetes-bootcamp')
    await rolledOut('kubernetes-bootcamp')
    const fixed = await json('get', 'deployment', 'kubernetes-bootcamp')
    assert.equal(fixed.status.conditions.find((x: Obj) => x.type === 'Progressing').reason, 'NewReplicaSetAvailable')
    assert.equal(fixed.status.availableReplicas, 4)
  })

  test('pause holds a template change; resume rolls it; restart rolls a new ReplicaSet', async () => {
    await c.k('rollout', 'pause', 'deployment/kubernetes-bootcamp')
    await c.k('set', 'image', 'deployment/kubernetes-bootcamp', 'kubernetes-bootcamp=jocatalin/kubernetes-bootcamp:v2')
    const paused = await until('the Paused condition', async () => {
      const d = await json('get', 'deployment', 'kubernetes-bootcamp')
      const p = d.status.conditions.find((x: Obj) => x.type === 'Progressing')
      return p?.reason === 'DeploymentPaused' && d.status.observedGeneration === d.metadata.generation ? d : undefined
    })
    assert.equal(paused.status.updatedReplicas ?? 0, 0, 'nothing rolled while paused')
    const st = await c.kubectl(['rollout', 'status', 'deployment/kubernetes-bootcamp', '--timeout=2s'])
    assert.match(st.stdout + st.stderr, /Waiting for deployment "kubernetes-bootcamp" rollout to finish: 0 out of 4 new replicas have been updated/)
    await c.k('rollout', 'resume', 'deployment/kubernetes-bootcamp')
    await rolledOut('kubernetes-bootcamp')
    await onlyVersion('2')

    const before = (await json('get', 'rs')).items.length
    assert.equal(await c.k('rollout', 'restart', 'deployment/kubernetes-bootcamp'), 'deployment.apps/kubernetes-bootcamp restarted\n')
    await rolledOut('kubernetes-bootcamp')
    const d = await json('get', 'deployment', 'kubernetes-bootcamp')
    assert.ok(d.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'])
    assert.equal((await json('get', 'rs')).items.length, before + 1)
  })

  test('revisionHistoryLimit deletes the oldest scaled-down ReplicaSets', async () => {
    await c.k('patch', 'deployment/kubernetes-bootcamp', '-p', '{"spec":{"revisionHistoryLimit":1}}')
    await until('one old ReplicaSet left', async () => (await json('get', 'rs')).items.length === 2)
  })

  test('Recreate: the old pods are gone before a new one starts', async () => {
    await c.k('create', 'deployment', 'recreate', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=2')
    await c.k('patch', 'deployment/recreate', '-p', '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}')
    await rolledOut('recreate')
    const pods = new Map<string, Obj>()
    const overlaps: string[] = []
    const stop = await c.watch('/api/v1/namespaces/default/pods?labelSelector=app%3Drecreate', (type, p) => {
      if (type === 'DELETED') pods.delete(p.metadata.name)
      else pods.set(p.metadata.name, p)
      const images = new Set([...pods.values()].map((x) => x.spec.containers[0].image))
      if (images.size > 1) overlaps.push([...pods.keys()].join(','))
    })
    try {
      await c.k('set', 'image', 'deployment/recreate', 'kubernetes-bootcamp=jocatalin/kubernetes-bootcamp:v2')
      await rolledOut('recreate')
    } finally {
      stop()
    }
    assert.deepEqual(overlaps, [], 'no new pod existed while an old one did')
    const describe = await c.k('describe', 'deployment', 'recreate')
    assert.match(describe, /^StrategyType:\s+Recreate$/m)
    const events = [...describe.matchAll(/ScalingReplicaSet\s+\S+\s+deployment-controller\s+(.*)/g)].map((m) => m[1].trim().replace(/recreate-\w+/, 'RS'))
    assert.deepEqual(events, ['Scaled up replica set RS from 0 to 2', 'Scaled down replica set RS from 2 to 0', 'Scaled up replica set RS from 0 to 2'])
  })

  test('scaling mid-rollout shares the new replicas in proportion (upstream e2e: 10 → 30 gives 20 + 13)', async () => {
    // A bad image keeps the rollout stuck half-way: old 8, new 5 (maxSurge 3, maxUnavailable 2).
    await c.k('create', 'deployment', 'prop', '--image=registry.k8s.io/pause:3.9', '--replicas=10')
    await c.k('patch', 'deployment/prop', '-p', '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":3,"maxUnavailable":2}}}}')
    await rolledOut('prop')
    await c.k('set', 'image', 'deployment/prop', 'pause=registry.k8s.io/pause:no-such-tag')
    const sizes = async () => {
      const rss = (await json('get', 'rs', '-l', 'app=prop')).items as Obj[]
      const of = (tag: string) => rss.find((x) => x.spec.template.spec.containers[0].image.endsWith(tag))?.spec.replicas
      return [of(':3.9'), of(':no-such-tag')]
    }
    await until('old 8, new 5', async () => JSON.stringify(await sizes()) === '[8,5]')
    await c.k('scale', 'deployment/prop', '--replicas=30')
    await until('old 20, new 13', async () => JSON.stringify(await sizes()) === '[20,13]', 30_000)
    await c.k('delete', 'deployment', 'prop')
  })

  test('bad Deployments are 422s with upstream\'s field paths and words, and change nothing', async () => {
    await c.k('create', 'deployment', 'strict', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1')
    await rolledOut('strict')
    const before = await json('get', 'deployment', 'strict')
    const cases: [string, RegExp][] = [
      ['{"spec":{"replicas":-1}}', /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/],
      ['{"spec":{"selector":{"matchLabels":{"app":"other"}}}}', /spec\.selector: Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{"app":"other"\}, MatchExpressions:\[\]v1\.LabelSelectorRequirement\(nil\)\}: field is immutable/],
      ['{"spec":{"template":{"metadata":{"labels":{"app":"other"}}}}}', /spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/],
      ['{"spec":{"strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":0}}}}', /spec\.strategy\.rollingUpdate\.maxUnavailable: Invalid value: intstr\.IntOrString\{Type:0, IntVal:0, StrVal:""\}: may not be 0 when `maxSurge` is 0/],
      ['{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":"110%"}}}}', /spec\.strategy\.rollingUpdate\.maxUnavailable: Invalid value: intstr\.IntOrString\{Type:1, IntVal:0, StrVal:"110%"\}: must not be greater than 100%/],
      ['{"spec":{"revisionHistoryLimit":-1}}', /spec\.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0/],
      ['{"spec":{"minReadySeconds":30,"progressDeadlineSeconds":30}}', /spec\.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds/],
    ]
    for (const [patch, message] of cases) {
      const r = await c.kubectl(['patch', 'deployment/strict', '-p', patch])
      assert.equal(r.code, 1, patch)
      assert.match(r.stderr, /^The Deployment "strict" is invalid: /, patch)
      assert.match(r.stderr, message, patch)
    }
    const after = await json('get', 'deployment', 'strict')
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'nothing was written')
    assert.equal((await json('get', 'rs', '-l', 'app=strict')).items.length, 1)
    await c.k('delete', 'deployment', 'strict')
  })

  test('deleting a Deployment deletes its ReplicaSets and pods; --cascade=orphan keeps them for a new one to adopt', async () => {
    await c.k('create', 'deployment', 'keep', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=2')
    await rolledOut('keep')
    const podsBefore = parseTable(await c.k('get', 'pods', '-l', 'app=keep')).map((p) => p.NAME).sort()
    assert.equal(await c.k('delete', 'deployment', 'keep', '--cascade=orphan'), 'deployment.apps "keep" deleted\n')
    const rs = await until('the ReplicaSet orphaned', async () => {
      const items = (await json('get', 'rs', '-l', 'app=keep')).items as Obj[]
      return items.length === 1 && !items[0].metadata.ownerReferences ? items[0] : undefined
    })
    await c.k('create', 'deployment', 'keep', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=2')
    await rolledOut('keep')
    const d = await json('get', 'deployment', 'keep')
    const adopted = await json('get', 'rs', rs.metadata.name)
    assert.equal(adopted.metadata.ownerReferences[0].uid, d.metadata.uid, 'the new Deployment adopted the ReplicaSet')
    assert.deepEqual(parseTable(await c.k('get', 'pods', '-l', 'app=keep')).map((p) => p.NAME).sort(), podsBefore, 'and its pods, none replaced')

    await c.k('delete', 'deployment', 'keep')
    await until('ReplicaSets and pods gone', async () => {
      const rs = (await json('get', 'rs', '-l', 'app=keep')).items.length
      const pods = (await json('get', 'pods', '-l', 'app=keep')).items.length
      return rs === 0 && pods === 0
    }, 60_000)
  })
})
