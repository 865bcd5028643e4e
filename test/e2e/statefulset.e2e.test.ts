// apps/v1 StatefulSets through the real kubectl, after the Kubernetes docs' StatefulSet basics
// tutorial (the `web` set behind the headless `nginx` Service, with a built-in image): ordered
// start of web-0, web-1, web-2; a partitioned rolling update; `kubectl rollout status|history|undo`
// through ControllerRevisions; scaling down from the highest ordinal.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

const web = `apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: "nginx"
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: gcr.io/google-samples/kubernetes-bootcamp:v1
        ports:
        - containerPort: 8080
          name: web
`

describe('apps/v1 StatefulSets', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))
  const images = async () => Object.fromEntries(((await json('get', 'pods', '-l', 'app=nginx')).items as Obj[]).map((p) => [p.metadata.name, p.spec.containers[0].image]))

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('web-0, web-1, web-2 start in order, each after the one before is ready', async () => {
    assert.equal(await c.k('apply', '-f', c.file('web.yaml', web)), 'service/nginx created\nstatefulset.apps/web created\n')
    const out = await c.k('rollout', 'status', 'statefulset/web', '--timeout=90s')
    assert.match(out, /partitioned roll out complete: 3 new pods have been updated\.\.\.\n$/)
    const pods = ((await json('get', 'pods', '-l', 'app=nginx')).items as Obj[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    assert.deepEqual(
      pods.map((p) => [p.metadata.name, p.spec.hostname, p.spec.subdomain, p.metadata.labels['apps.kubernetes.io/pod-index']]),
      [
        ['web-0', 'web-0', 'nginx', '0'],
        ['web-1', 'web-1', 'nginx', '1'],
        ['web-2', 'web-2', 'nginx', '2'],
      ],
    )
    // Each pod was created only once the one before it was Ready.
    for (let i = 1; i < 3; i++) {
      const readyAt = Date.parse(pods[i - 1].status.conditions.find((x: Obj) => x.type === 'Ready').lastTransitionTime)
      assert.ok(Date.parse(pods[i].metadata.creationTimestamp) >= readyAt, `web-${i} after web-${i - 1} was ready`)
    }
    const [row] = parseTable(await c.k('get', 'sts', 'web', '-o', 'wide'))
    assert.deepEqual([row.READY, row.CONTAINERS, row.IMAGES], ['3/3', 'nginx', 'gcr.io/google-samples/kubernetes-bootcamp:v1'])
    const describe = await c.k('describe', 'statefulset', 'web')
    const creates = [...describe.matchAll(/create Pod (web-\d) in StatefulSet web successful/g)].map((m) => m[1])
    assert.deepEqual(creates, ['web-0', 'web-1', 'web-2'])
    assert.match(await c.k('exec', 'web-1', '--', 'hostname'), /^web-1\n$/)
  })

  test('a partitioned rolling update changes only the ordinals at or above the partition', async () => {
    await c.k('patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}}}')
    await c.k('set', 'image', 'statefulset/web', 'nginx=jocatalin/kubernetes-bootcamp:v2')
    assert.match(await c.k('rollout', 'status', 'statefulset/web', '--timeout=90s'), /partitioned roll out complete: 1 new pods have been updated\.\.\.\n$/)
    assert.deepEqual(await images(), { 'web-0': 'gcr.io/google-samples/kubernetes-bootcamp:v1', 'web-1': 'gcr.io/google-samples/kubernetes-bootcamp:v1', 'web-2': 'jocatalin/kubernetes-bootcamp:v2' })
    // Deleting web-0 brings it back at the current revision (below the partition).
    await c.k('delete', 'pod', 'web-0')
    await c.k('rollout', 'status', 'statefulset/web', '--timeout=90s')
    assert.equal((await images())['web-0'], 'gcr.io/google-samples/kubernetes-bootcamp:v1')
    await c.k('patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}}}}')
    await until('every pod updated', async () => {
      const s = (await json('get', 'sts', 'web')).status
      return s.updatedReplicas === 3 && s.readyReplicas === 3 && s.currentRevision === s.updateRevision ? s : undefined
    }, 90_000)
    assert.deepEqual(new Set(Object.values(await images())), new Set(['jocatalin/kubernetes-bootcamp:v2']))
  })

  test('rollout history and undo go through ControllerRevisions', async () => {
    const history = await c.k('rollout', 'history', 'statefulset/web')
    assert.match(history, /^REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/m)
    const revs = parseTable(await c.k('get', 'controllerrevisions'))
    assert.deepEqual(revs.map((r) => [r.CONTROLLER, r.REVISION]).sort(), [['statefulset.apps/web', '1'], ['statefulset.apps/web', '2']])
    assert.equal(await c.k('rollout', 'undo', 'statefulset/web'), 'statefulset.apps/web rolled back\n')
    await until('rolled back', async () => {
      const s = (await json('get', 'sts', 'web')).status
      return s.updatedReplicas === 3 && s.readyReplicas === 3 && s.currentRevision === s.updateRevision ? s : undefined
    }, 90_000)
    assert.deepEqual(new Set(Object.values(await images())), new Set(['gcr.io/google-samples/kubernetes-bootcamp:v1']))
    assert.match(await c.k('rollout', 'history', 'statefulset/web'), /^REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n/m)
  })

  test('scaling down removes the highest ordinals first; deleting the set removes its pods', async () => {
    await c.k('scale', 'statefulset', 'web', '--replicas=1')
    await until('one pod left', async () => ((await json('get', 'pods', '-l', 'app=nginx')).items.length === 1 ? true : undefined), 60_000)
    assert.deepEqual(Object.keys(await images()), ['web-0'])
    const deletes = [...(await c.k('describe', 'sts', 'web')).matchAll(/delete Pod (web-\d) in StatefulSet web successful/g)].map((m) => m[1])
    assert.deepEqual(deletes.slice(-2), ['web-2', 'web-1'])
    await c.k('delete', 'statefulset', 'web')
    await until('pods gone', async () => ((await json('get', 'pods', '-l', 'app=nginx')).items.length === 0 ? true : undefined), 60_000)
  })
})
