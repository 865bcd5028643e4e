// ReplicaSets on their own, as the Kubernetes docs walk through them: slow-start creation, the
// SuccessfulCreate/SuccessfulDelete events, replacing a deleted pod, adopting matching bare pods
// (and deleting the excess), releasing a relabelled pod, scale through the subresource, the
// pod-deletion-cost annotation, and cascading deletion.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

const frontend = `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: frontend
  labels:
    app: guestbook
    tier: frontend
spec:
  replicas: 3
  selector:
    matchLabels:
      tier: frontend
  template:
    metadata:
      labels:
        tier: frontend
    spec:
      containers:
      - name: php-redis
        image: gcr.io/google-samples/kubernetes-bootcamp:v1
`

const barePod = (name: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    tier: frontend
spec:
  containers:
  - name: hello
    image: gcr.io/google-samples/kubernetes-bootcamp:v2
`

describe('replica sets keep their pods', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))
  /** Live (not terminating) pods with tier=frontend. */
  const live = async () => ((await json('get', 'pods', '-l', 'tier=frontend')).items as Obj[]).filter((p) => !p.metadata.deletionTimestamp)
  const ready = () =>
    until('3/3 ready', async () => {
      const [row] = parseTable(await c.k('get', 'rs', 'frontend'))
      return row.DESIRED === '3' && row.CURRENT === '3' && row.READY === '3' ? row : undefined
    })

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('three pods, named after the ReplicaSet, owned by it, with SuccessfulCreate events', async () => {
    assert.equal(await c.k('apply', '-f', c.file('frontend.yaml', frontend)), 'replicaset.apps/frontend created\n')
    await ready()
    const pods = await live()
    assert.equal(pods.length, 3)
    const rs = await json('get', 'rs', 'frontend')
    for (const p of pods) {
      assert.match(p.metadata.name, /^frontend-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'frontend', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }])
    }
    assert.deepEqual(rs.status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 })
    const describe = await c.k('describe', 'rs', 'frontend')
    assert.match(describe, /^Replicas:\s+3 current \/ 3 desired$/m)
    assert.match(describe, /^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m)
    const created = [...describe.matchAll(/SuccessfulCreate\s+\S+\s+replicaset-controller\s+Created pod: (frontend-\w+)/g)].map((m) => m[1]).sort()
    assert.deepEqual(created, pods.map((p) => p.metadata.name).sort())
  })

  test('a deleted pod is replaced', async () => {
    const [victim] = await live()
    await c.k('delete', 'pod', victim.metadata.name, '--wait=false')
    const now = await until('a replacement', async () => {
      const pods = await live()
      return pods.length === 3 && !pods.some((p) => p.metadata.name === victim.metadata.name) ? pods : undefined
    })
    assert.equal(now.length, 3)
    await ready()
  })

  test('bare pods with matching labels are adopted, then deleted as excess (newest, not ready first)', async () => {
    const before = (await live()).map((p) => p.metadata.name).sort()
    await c.k('apply', '-f', c.file('pod1.yaml', barePod('pod1')), '-f', c.file('pod2.yaml', barePod('pod2')))
    await until('back to the three', async () => JSON.stringify((await live()).map((p) => p.metadata.name).sort()) === JSON.stringify(before), 30_000)
    const events = await c.k('get', 'events', '--field-selector', 'involvedObject.name=frontend,reason=SuccessfulDelete', '-o', 'jsonpath={.items[*].message}')
    assert.match(events, /Deleted pod: pod1/)
    assert.match(events, /Deleted pod: pod2/)
  })

  test('a pod relabelled out of the selector is released and replaced', async () => {
    const [p] = await live()
    await c.k('label', 'pod', p.metadata.name, 'tier=debug', '--overwrite')
    const released = await until('released', async () => {
      const x = await json('get', 'pod', p.metadata.name)
      return !x.metadata.ownerReferences?.length ? x : undefined
    })
    assert.equal(released.metadata.labels.tier, 'debug')
    await until('three again', async () => (await live()).length === 3)
    await c.k('delete', 'pod', p.metadata.name, '--wait=false')
  })

  test('scale picks the pod with the lowest pod-deletion-cost', async () => {
    await ready()
    const pods = await live()
    const cheap = pods[1].metadata.name
    for (const p of pods) await c.k('annotate', 'pod', p.metadata.name, `controller.kubernetes.io/pod-deletion-cost=${p.metadata.name === cheap ? -100 : 100}`)
    assert.equal(await c.k('scale', 'rs', 'frontend', '--replicas=2'), 'replicaset.apps/frontend scaled\n')
    const left = await until('two left', async () => {
      const now = await live()
      return now.length === 2 ? now : undefined
    })
    assert.ok(!left.some((p) => p.metadata.name === cheap), `${cheap} went first`)
  })

  test('deleting the ReplicaSet deletes its pods', async () => {
    await c.k('delete', 'rs', 'frontend')
    await until('pods gone', async () => (await json('get', 'pods', '-l', 'tier=frontend')).items.length === 0, 60_000)
  })
})
