// Persistent storage through the real kubectl: the default `standard` StorageClass, a claim bound
// once a pod uses it (WaitForFirstConsumer), data that outlives the pod, the claim kept while in
// use and its volume and directory removed with it, the Kubernetes docs' StatefulSet `web`
// tutorial with its volumeClaimTemplates `www` (image swapped for a built-in one), and
// `kubectl apply --prune`.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

const claimAndPod = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: Pod
metadata:
  name: writer
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "echo run >> /data/log; sleep 3600"]
    volumeMounts:
    - name: d
      mountPath: /data
  volumes:
  - name: d
    persistentVolumeClaim:
      claimName: data
`

// https://kubernetes.io/docs/tutorials/stateful-application/basic-stateful-set/ (web.yaml), with
// the nginx-slim image swapped for a built-in one.
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
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: nginx
        image: gcr.io/google-samples/kubernetes-bootcamp:v1
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
`

describe('persistent storage', () => {
  let c: Cluster
  let isolated = false
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))
  const volumesDir = () => join(c.dataDir, 'local-path-provisioner')

  before(async () => {
    c = await startCluster()
    isolated = /pod isolation: namespaces/.test(c.output())
  })
  after(async () => {
    await c?.destroy()
  })

  test('the default StorageClass `standard` and the columns of kubectl get sc', async () => {
    const sc = await until('the standard class', async () => {
      const r = await c.kubectl(['get', 'sc'])
      return r.code === 0 && r.stdout.includes('standard') ? r.stdout : undefined
    })
    assert.match(sc.split('\n')[0], /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$/)
    const [row] = parseTable(sc)
    assert.deepEqual([row.NAME, row.PROVISIONER, row.RECLAIMPOLICY, row.VOLUMEBINDINGMODE, row.ALLOWVOLUMEEXPANSION], ['standard (default)', 'kubelite.io/local-path', 'Delete', 'WaitForFirstConsumer', 'false'])
  })

  test('a claim waits for its first consumer, then is bound to a provisioned volume; data outlives the pod', async (t) => {
    await c.k('apply', '-f', c.file('data-claim.yaml', claimAndPod.split('---')[0]))
    const pending = parseTable(await c.k('get', 'pvc', 'data'))[0]
    assert.deepEqual([pending.STATUS, pending.VOLUME, pending.STORAGECLASS], ['Pending', '', 'standard'])
    await until('the WaitForFirstConsumer event', async () => ((await c.k('describe', 'pvc', 'data')).includes('waiting for first consumer to be created before binding') ? true : undefined))

    await c.k('apply', '-f', c.file('data.yaml', claimAndPod))
    await c.k('wait', '--for=condition=Ready', 'pod/writer', '--timeout=60s')
    const out = await c.k('get', 'pvc,pv')
    const lines = out.split('\n')
    assert.match(lines[0], /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$/)
    const pvc = await json('get', 'pvc', 'data')
    const pvName = pvc.spec.volumeName as string
    assert.equal(pvName, `pvc-${pvc.metadata.uid}`)
    assert.match(out, new RegExp(`persistentvolumeclaim/data\\s+Bound\\s+${pvName}\\s+1Gi\\s+RWO\\s+standard\\s+<unset>`))
    assert.match(out, /NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE/)
    assert.match(out, new RegExp(`persistentvolume/${pvName}\\s+1Gi\\s+RWO\\s+Delete\\s+Bound\\s+default/data\\s+standard\\s+<unset>`))
    assert.equal(pvc.metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes')
    assert.deepEqual(pvc.metadata.finalizers, ['kubernetes.io/pvc-protection'])
    const describe = await c.k('describe', 'pvc', 'data')
    assert.match(describe, /Used By:\s+writer/)
    assert.match(describe, new RegExp(`Successfully provisioned volume ${pvName}`))
    const pv = await json('get', 'pv', pvName)
    assert.equal(pv.spec.claimRef.uid, pvc.metadata.uid)
    assert.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection'])
    const dir = pv.spec.hostPath.path as string
    assert.ok(dir.startsWith(volumesDir()), dir)

    // The pod's writes land in the volume's directory; a new pod sees them.
    await until('the first write', async () => (existsSync(join(dir, 'log')) ? true : undefined))
    if (!isolated) return t.skip('pod isolation is off here: nothing is mounted at mountPath')
    await c.k('delete', 'pod', 'writer')
    await c.k('apply', '-f', c.file('data.yaml', claimAndPod))
    await c.k('wait', '--for=condition=Ready', 'pod/writer', '--timeout=60s')
    assert.equal((await until('two runs logged', async () => {
      const log = (await c.kubectl(['exec', 'writer', '--', 'cat', '/data/log'])).stdout
      return log === 'run\nrun\n' ? log : undefined
    })), 'run\nrun\n')
  })

  test('a claim in use stays Terminating until its pod is gone; then its volume and directory go', async () => {
    const pvName = (await json('get', 'pvc', 'data')).spec.volumeName as string
    const dir = (await json('get', 'pv', pvName)).spec.hostPath.path as string
    await c.k('delete', 'pvc', 'data', '--wait=false')
    const row = parseTable(await c.k('get', 'pvc', 'data'))[0]
    assert.equal(row.STATUS, 'Terminating')
    await c.k('delete', 'pod', 'writer')
    await until('claim gone', async () => ((await c.kubectl(['get', 'pvc', 'data'])).code !== 0 ? true : undefined), 30_000)
    await until('volume gone', async () => ((await c.kubectl(['get', 'pv', pvName])).code !== 0 ? true : undefined), 30_000)
    await until('directory removed', async () => (!existsSync(dir) ? true : undefined))
  })

  test('a static hostPath volume binds by class, size and access modes and is Released, not deleted', async () => {
    const manifest = `apiVersion: v1
kind: PersistentVolume
metadata:
  name: task-pv-volume
  labels:
    type: local
spec:
  storageClassName: manual
  capacity:
    storage: 10Gi
  accessModes:
    - ReadWriteOnce
  hostPath:
    path: "${join(c.dir, 'mnt-data')}"
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: task-pv-claim
spec:
  storageClassName: manual
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 3Gi
`
    await c.k('apply', '-f', c.file('task-pv.yaml', manifest))
    await until('bound', async () => (parseTable(await c.k('get', 'pv', 'task-pv-volume'))[0]?.STATUS === 'Bound' ? true : undefined))
    const claim = parseTable(await c.k('get', 'pvc', 'task-pv-claim'))[0]
    assert.deepEqual([claim.STATUS, claim.VOLUME, claim.CAPACITY, claim['ACCESS MODES'], claim.STORAGECLASS], ['Bound', 'task-pv-volume', '10Gi', 'RWO', 'manual'])
    await c.k('delete', 'pvc', 'task-pv-claim')
    await until('released', async () => (parseTable(await c.k('get', 'pv', 'task-pv-volume'))[0]?.STATUS === 'Released' ? true : undefined))
    await c.k('delete', 'pv', 'task-pv-volume')
  })

  test('a bad claim is refused with upstream\'s messages', async () => {
    const bad = await c.kubectl(['apply', '-f', c.file('bad.yaml', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: bad\nspec:\n  resources: {}\n')])
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /The PersistentVolumeClaim "bad" is invalid: \n\* spec\.accessModes: Required value: at least 1 access mode is required\n\* spec\.resources\[storage\]: Required value/)
  })

  test('the StatefulSet web tutorial: claims www-web-N, kept across pod deletion', async (t) => {
    assert.equal(await c.k('apply', '-f', c.file('web.yaml', web)), 'service/nginx created\nstatefulset.apps/web created\n')
    await c.k('rollout', 'status', 'statefulset/web', '--timeout=90s')
    const claims = parseTable(await c.k('get', 'pvc', '-l', 'app=nginx'))
    assert.deepEqual(
      claims.map((r) => [r.NAME, r.STATUS, r.CAPACITY, r['ACCESS MODES'], r.STORAGECLASS]),
      [
        ['www-web-0', 'Bound', '1Gi', 'RWO', 'standard'],
        ['www-web-1', 'Bound', '1Gi', 'RWO', 'standard'],
      ],
    )
    const volumes = ((await json('get', 'pvc', '-l', 'app=nginx')).items as Obj[]).map((p) => p.spec.volumeName)
    assert.match(await c.k('describe', 'statefulset', 'web'), /create Claim www-web-0 Pod web-0 in StatefulSet web success/)
    if (!isolated) return t.skip('pod isolation is off here: nothing is mounted at mountPath')
    for (const i of [0, 1]) await c.k('exec', `web-${i}`, '--', 'sh', '-c', 'echo "$(hostname)" > /usr/share/nginx/html/index.html')
    await c.k('delete', 'pod', '-l', 'app=nginx')
    await c.k('rollout', 'status', 'statefulset/web', '--timeout=90s')
    for (const i of [0, 1]) {
      const text = await until(`web-${i} serves its file`, async () => {
        const r = await c.kubectl(['exec', `web-${i}`, '--', 'cat', '/usr/share/nginx/html/index.html'])
        return r.code === 0 ? r.stdout : undefined
      })
      assert.equal(text, `web-${i}\n`)
    }
    // The same claims and volumes as before.
    assert.deepEqual(((await json('get', 'pvc', '-l', 'app=nginx')).items as Obj[]).map((p) => p.spec.volumeName), volumes)
  })

  test('kubectl apply --prune removes an object dropped from the directory', async () => {
    const dir = join(c.dir, 'prune')
    mkdirSync(dir)
    c.file('prune/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n  labels: {app: pruned}\ndata: {a: "1"}\n')
    const dropped = c.file('prune/b.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: drop\n  labels: {app: pruned}\ndata: {b: "1"}\n')
    // kubectl's default allowlist: every kind in it (Ingress and ReplicationController among them) is served.
    assert.equal(await c.k('apply', '--prune', '-l', 'app=pruned', '-f', dir), 'configmap/keep created\nconfigmap/drop created\n')
    rmSync(dropped)
    assert.deepEqual(readdirSync(dir), ['a.yaml'])
    assert.equal(await c.k('apply', '--prune', '-l', 'app=pruned', '-f', dir), 'configmap/keep unchanged\nconfigmap/drop pruned\n')
    assert.equal((await c.kubectl(['get', 'cm', 'drop'])).code, 1)
  })
})
