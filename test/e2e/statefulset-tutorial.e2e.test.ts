// The Kubernetes docs' "StatefulSet Basics" tutorial
// (https://kubernetes.io/docs/tutorials/stateful-application/basic-stateful-set/) replayed through
// the real kubectl with its own web.yaml, unchanged: registry.k8s.io/nginx-slim:0.21 behind the
// headless Service `nginx`, a `www` claim per pod mounted at /usr/share/nginx/html. Ordered
// creation, stable hostnames, each pod's nginx serving the file written into its own volume and
// still serving it after the pods are deleted, scaling up and down, the rolling, staged, canary and
// phased updates to nginx-slim:0.24 and back, and non-cascading then cascading deletion.
//
// One step differs: the tutorial's `kubectl exec web-N -- curl http://localhost/` reaches the host's
// loopback here (pods share the host's network namespace, each on its own 127.244.x.y), so the test
// checks kubelite's explanation for it and curls the pod by its own name, as that explanation says.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { httpGet, kubectlBin, parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

// content/en/examples/application/web/web.yaml as the 1.32 docs publish it.
const webYaml = `apiVersion: v1
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
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.21
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

describe('the StatefulSet Basics tutorial', () => {
  let c: Cluster
  let isolated = false
  let web: string
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))
  const podNames = async () => ((await json('get', 'pods', '-l', 'app=nginx')).items as Obj[]).map((p) => p.metadata.name as string).sort()
  /** The tutorial's `kubectl get pod "web-$p" --template '{{range $i, $c := .spec.containers}}{{$c.image}}{{end}}'`. */
  const image = (pod: string) => c.k('get', 'pod', pod, '--template', '{{range $i, $c := .spec.containers}}{{$c.image}}{{end}}')
  const settled = (replicas: number) =>
    until(
      `${replicas} pods ready at one revision`,
      async () => {
        const s = (await json('get', 'sts', 'web')).status
        const names = await podNames()
        return s.readyReplicas === replicas && s.replicas === replicas && names.length === replicas && s.currentRevision === s.updateRevision ? s : undefined
      },
      120_000,
    )
  const ready = (replicas: number) =>
    until(
      `${replicas} pods ready`,
      async () => {
        const pods = (await json('get', 'pods', '-l', 'app=nginx')).items as Obj[]
        const allReady = pods.every((p) => !p.metadata.deletionTimestamp && p.status.conditions?.some((x: Obj) => x.type === 'Ready' && x.status === 'True'))
        return pods.length === replicas && allReady ? pods : undefined
      },
      120_000,
    )
  /** What `curl` prints inside the pod, by the pod's own name (its /etc/hosts maps it to the pod IP). */
  const curlInPod = async (pod: string) => {
    const r = await c.kubectl(['exec', pod, '--', 'sh', '-c', 'curl -s http://$(hostname)/'])
    assert.equal(r.code, 0, r.stderr)
    return r.stdout
  }

  before(async () => {
    c = await startCluster()
    isolated = /pod isolation: namespaces/.test(c.output())
    web = c.file('web.yaml', webYaml)
  })
  after(async () => {
    await c?.destroy()
  })

  test('creating the StatefulSet: web-0 is Running and Ready before web-1 is created', async () => {
    // The tutorial's first terminal: kubectl get pods -w -l app=nginx
    const watch = spawn(kubectlBin, ['--kubeconfig', c.kubeconfig, '--cache-dir', join(c.dir, 'kubectl-cache'), 'get', 'pods', '-w', '-l', 'app=nginx'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let watched = ''
    watch.stdout.on('data', (d) => (watched += d))
    try {
      assert.equal(await c.k('apply', '-f', web), 'service/nginx created\nstatefulset.apps/web created\n')
      await until('web-1 Running in the watch', async () => /^web-1\s+1\/1\s+Running/m.test(watched) || undefined, 90_000)
    } finally {
      watch.kill()
    }
    const lines = watched.split('\n')
    const web0Ready = lines.findIndex((l) => /^web-0\s+1\/1\s+Running/.test(l))
    const web1First = lines.findIndex((l) => l.startsWith('web-1 '))
    assert.ok(web0Ready >= 0 && web1First > web0Ready, `web-1 appears only after web-0 is 1/1 Running:\n${watched}`)
    assert.match(lines[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/)
    assert.match(watched, /^web-1\s+0\/1\s+Pending\s+0\s+/m)
    // The same from the objects (whether the watch listed before or after the pods existed).
    const [p0, p1] = ((await json('get', 'pods', '-l', 'app=nginx')).items as Obj[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    const web0ReadyAt = Date.parse(p0.status.conditions.find((x: Obj) => x.type === 'Ready').lastTransitionTime)
    assert.ok(Date.parse(p1.metadata.creationTimestamp) >= web0ReadyAt, 'web-1 created once web-0 was ready')

    const [svc] = parseTable(await c.k('get', 'service', 'nginx'))
    assert.deepEqual([svc.NAME, svc.TYPE, svc['CLUSTER-IP'], svc['EXTERNAL-IP'], svc['PORT(S)']], ['nginx', 'ClusterIP', 'None', '<none>', '80/TCP'])
    const [sts] = parseTable(await c.k('get', 'statefulset', 'web'))
    assert.deepEqual([sts.NAME, sts.READY], ['web', '2/2'])
    const pods = parseTable(await c.k('get', 'pods', '-l', 'app=nginx'))
    assert.deepEqual(
      pods.map((p) => [p.NAME, p.READY, p.STATUS, p.RESTARTS]),
      [
        ['web-0', '1/1', 'Running', '0'],
        ['web-1', '1/1', 'Running', '0'],
      ],
    )
  })

  test('stable network identity: hostname is the pod name, before and after the pods are deleted', async () => {
    for (const i of [0, 1]) assert.equal(await c.k('exec', `web-${i}`, '--', 'sh', '-c', 'hostname'), `web-${i}\n`)
    const before = (await json('get', 'pods', '-l', 'app=nginx')).items.map((p: Obj) => p.metadata.uid)
    assert.equal(await c.k('delete', 'pod', '-l', 'app=nginx'), 'pod "web-0" deleted\npod "web-1" deleted\n')
    const pods = await ready(2)
    assert.deepEqual(pods.map((p) => p.metadata.name).sort(), ['web-0', 'web-1'])
    assert.ok(pods.every((p) => !before.includes(p.metadata.uid)), 'new pods with the same names')
    for (const i of [0, 1]) assert.equal(await c.k('exec', `web-${i}`, '--', 'sh', '-c', 'hostname'), `web-${i}\n`)
  })

  test("writing to stable storage: each nginx serves the hostname written to its own claim, after the pods are deleted too", async (t) => {
    const claims = parseTable(await c.k('get', 'pvc', '-l', 'app=nginx'))
    assert.deepEqual(
      claims.map((r) => [r.NAME, r.STATUS, r.CAPACITY, r['ACCESS MODES']]),
      [
        ['www-web-0', 'Bound', '1Gi', 'RWO'],
        ['www-web-1', 'Bound', '1Gi', 'RWO'],
      ],
    )
    const volumes = claims.map((r) => r.VOLUME)
    if (!isolated) return t.skip('pod isolation is off here: an exec writes to the host, not to the volume')
    // Before anything is written, the claim mounted over the image's html dir is empty: nginx's 403.
    const empty = await httpGet(`http://${(await json('get', 'pod', 'web-0')).status.podIP}/`)
    assert.equal(empty.code, 403)
    for (const i of [0, 1]) assert.equal(await c.k('exec', `web-${i}`, '--', 'sh', '-c', 'echo "$(hostname)" > /usr/share/nginx/html/index.html'), '')
    // The tutorial's `curl http://localhost/` is the host's loopback here: kubelite says so.
    const local = await c.kubectl(['exec', '-i', 'web-0', '--', 'curl', 'http://localhost/'])
    assert.notEqual(local.code, 0)
    assert.match(local.stderr, /kubelite: inside a pod, localhost is the host's loopback/)
    for (const i of [0, 1]) assert.equal(await curlInPod(`web-${i}`), `web-${i}\n`)

    assert.equal(await c.k('delete', 'pod', '-l', 'app=nginx'), 'pod "web-0" deleted\npod "web-1" deleted\n')
    const pods = await ready(2)
    for (const i of [0, 1]) assert.equal(await curlInPod(`web-${i}`), `web-${i}\n`)
    // From outside the pods too, on their (new) IPs; the same claims, re-bound to the same volumes.
    for (const p of pods) assert.equal((await httpGet(`http://${p.status.podIP}/`)).body, `${p.metadata.name}\n`)
    assert.deepEqual(parseTable(await c.k('get', 'pvc', '-l', 'app=nginx')).map((r) => r.VOLUME), volumes)
    const [access] = (await c.k('logs', 'web-0')).split('\n').filter((l) => l.includes('"GET / HTTP/1.1" 200'))
    assert.match(access, /^\S+ - - \[[^\]]+\] "GET \/ HTTP\/1\.1" 200 6 "-" "curl\/[\d.]+" "-"$/)
  })

  test('scaling up creates web-2..web-4 in order; scaling down removes web-4 then web-3 and keeps their claims', async () => {
    assert.equal(await c.k('scale', 'sts', 'web', '--replicas=5'), 'statefulset.apps/web scaled\n')
    const pods = await ready(5)
    const byName = new Map(pods.map((p) => [p.metadata.name, p]))
    for (let i = 2; i < 5; i++) {
      const prev = byName.get(`web-${i - 1}`)!
      const readyAt = Date.parse(prev.status.conditions.find((x: Obj) => x.type === 'Ready').lastTransitionTime)
      assert.ok(Date.parse(byName.get(`web-${i}`)!.metadata.creationTimestamp) >= readyAt, `web-${i} created after web-${i - 1} was ready`)
    }
    assert.equal(await c.k('patch', 'sts', 'web', '-p', '{"spec":{"replicas":3}}'), 'statefulset.apps/web patched\n')
    await settled(3)
    assert.deepEqual(await podNames(), ['web-0', 'web-1', 'web-2'])
    const deletes = [...(await c.k('describe', 'sts', 'web')).matchAll(/delete Pod (web-\d) in StatefulSet web successful/g)].map((m) => m[1])
    assert.deepEqual(deletes.slice(-2), ['web-4', 'web-3'])
    const claims = parseTable(await c.k('get', 'pvc', '-l', 'app=nginx'))
    assert.deepEqual(
      claims.map((r) => [r.NAME, r.STATUS]),
      [0, 1, 2, 3, 4].map((i) => [`www-web-${i}`, 'Bound']),
    )
  })

  test('updating: a rolling update to nginx-slim:0.24, then a staged, a canary and a phased update back to 0.21', async () => {
    const patchImage = (tag: string) =>
      c.k('patch', 'statefulset', 'web', '--type=json', `-p=[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value":"registry.k8s.io/nginx-slim:${tag}"}]`)
    const partition = (n: number) => c.k('patch', 'statefulset', 'web', '-p', `{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":${n}}}}}`)
    const images = async () => Promise.all([0, 1, 2].map((p) => image(`web-${p}`)))
    const slim = (tag: string) => `registry.k8s.io/nginx-slim:${tag}`

    assert.equal(await patchImage('0.24'), 'statefulset.apps/web patched\n')
    assert.match(await c.k('rollout', 'status', 'sts/web', '--timeout=120s'), /partitioned roll out complete: 3 new pods have been updated\.\.\.\n$/)
    assert.deepEqual(await images(), [slim('0.24'), slim('0.24'), slim('0.24')])
    // In reverse ordinal order.
    const order = [...(await c.k('describe', 'sts', 'web')).matchAll(/delete Pod (web-\d) in StatefulSet web successful/g)].map((m) => m[1])
    assert.deepEqual(order.slice(-3), ['web-2', 'web-1', 'web-0'])

    // Staging an update: partition 3 keeps every pod at the current revision, even a deleted one.
    assert.equal(await partition(3), 'statefulset.apps/web patched\n')
    assert.equal(await patchImage('0.21'), 'statefulset.apps/web patched\n')
    assert.equal(await c.k('delete', 'pod', 'web-2'), 'pod "web-2" deleted\n')
    await ready(3)
    assert.equal(await image('web-2'), slim('0.24'))

    // Rolling out a canary: partition 2 updates web-2 alone; a deleted web-1 comes back at 0.24.
    assert.equal(await partition(2), 'statefulset.apps/web patched\n')
    await until('web-2 at 0.21', async () => ((await images()).join() === [slim('0.24'), slim('0.24'), slim('0.21')].join() ? true : undefined), 120_000)
    await ready(3)
    assert.equal(await c.k('delete', 'pod', 'web-1'), 'pod "web-1" deleted\n')
    await ready(3)
    assert.deepEqual(await images(), [slim('0.24'), slim('0.24'), slim('0.21')])

    // Phased roll out: partition 0 updates the rest, highest ordinal first.
    assert.equal(await partition(0), 'statefulset.apps/web patched\n')
    await settled(3)
    assert.deepEqual(await images(), [slim('0.21'), slim('0.21'), slim('0.21')])

    // OnDelete: the controller no longer replaces pods on its own.
    assert.equal(await c.k('patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"OnDelete", "rollingUpdate": null}}}'), 'statefulset.apps/web patched\n')
    assert.equal((await json('get', 'sts', 'web')).spec.updateStrategy.type, 'OnDelete')
  })

  test('deleting: --cascade=orphan leaves the pods, which the re-created set adopts; a cascading delete keeps the claims and their data', async (t) => {
    assert.equal(await c.k('delete', 'statefulset', 'web', '--cascade=orphan'), 'statefulset.apps "web" deleted\n')
    await until('orphaned', async () => ((await json('get', 'pods', '-l', 'app=nginx')).items as Obj[]).every((p) => !p.metadata.ownerReferences?.length) || undefined)
    assert.deepEqual(await podNames(), ['web-0', 'web-1', 'web-2'])
    assert.equal(await c.k('delete', 'pod', 'web-0'), 'pod "web-0" deleted\n')
    assert.equal(await c.k('apply', '-f', web), 'service/nginx unchanged\nstatefulset.apps/web created\n')
    // The set (replicas 2) adopts web-1, re-creates web-0 and removes web-2.
    await settled(2)
    assert.deepEqual(await podNames(), ['web-0', 'web-1'])
    const owners = ((await json('get', 'pods', '-l', 'app=nginx')).items as Obj[]).map((p) => p.metadata.ownerReferences?.[0]?.name)
    assert.deepEqual(owners, ['web', 'web'])
    if (isolated) for (const i of [0, 1]) assert.equal(await curlInPod(`web-${i}`), `web-${i}\n`)

    assert.equal(await c.k('delete', 'statefulset', 'web'), 'statefulset.apps "web" deleted\n')
    await until('pods gone', async () => ((await podNames()).length === 0 ? true : undefined), 90_000)
    assert.equal(await c.k('delete', 'service', 'nginx'), 'service "nginx" deleted\n')
    assert.equal(await c.k('apply', '-f', web), 'service/nginx created\nstatefulset.apps/web created\n')
    await settled(2)
    if (!isolated) return t.skip('pod isolation is off here: nothing was written to the volumes')
    // The claims outlived the set: the new pods serve what the first ones wrote.
    for (const i of [0, 1]) assert.equal(await curlInPod(`web-${i}`), `web-${i}\n`)
    await c.k('delete', '-f', web)
    await c.k('delete', 'pvc', '-l', 'app=nginx')
  })
})

describe("the tutorial's Parallel Pod Management section", () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('web-parallel.yaml: web-0 and web-1 start together; scaling to 4 adds web-2 and web-3 at once', async () => {
    // content/en/examples/application/web/web-parallel.yaml: web.yaml with podManagementPolicy Parallel.
    const parallel = webYaml.replace('  serviceName: "nginx"\n', '  serviceName: "nginx"\n  podManagementPolicy: "Parallel"\n').replace('nginx-slim:0.21', 'nginx-slim:0.24')
    const file = c.file('web-parallel.yaml', parallel)
    // The pods' events from an API watch opened before anything exists: [pod, ready] in order.
    const seen: [string, boolean][] = []
    const stop = await c.watch('/api/v1/namespaces/default/pods?labelSelector=app%3Dnginx', (type, pod) => {
      if (type === 'ADDED' || type === 'MODIFIED') seen.push([pod.metadata.name, !!pod.status?.conditions?.some((x: Obj) => x.type === 'Ready' && x.status === 'True')])
    })
    const firstSeen = (name: string, from = 0) => seen.findIndex(([n], i) => i >= from && n === name)
    const firstReady = (name: string, from = 0) => seen.findIndex(([n, r], i) => i >= from && n === name && r)
    try {
      assert.equal(await c.k('apply', '-f', file), 'service/nginx created\nstatefulset.apps/web created\n')
      await until('both ready', async () => (firstReady('web-0') >= 0 && firstReady('web-1') >= 0) || undefined, 90_000)
      // Parallel: web-1 exists before web-0 is Ready (OrderedReady would wait for it).
      assert.ok(firstSeen('web-1') < firstReady('web-0'), `web-1 created before web-0 is ready: ${JSON.stringify(seen)}`)
      const mark = seen.length
      assert.equal(await c.k('scale', 'statefulset/web', '--replicas=4'), 'statefulset.apps/web scaled\n')
      await until('four ready', async () => (firstReady('web-2', mark) >= 0 && firstReady('web-3', mark) >= 0) || undefined, 90_000)
      assert.ok(firstSeen('web-3', mark) < firstReady('web-2', mark), `web-3 created before web-2 is ready: ${JSON.stringify(seen.slice(mark))}`)
    } finally {
      stop()
    }
    assert.equal((await c.k('get', 'sts', 'web', '-o', 'jsonpath={.spec.podManagementPolicy}')), 'Parallel')
    assert.equal(await c.k('delete', 'sts', 'web'), 'statefulset.apps "web" deleted\n')
    assert.equal(await c.k('delete', 'svc', 'nginx'), 'service "nginx" deleted\n')
    await until('pods gone', async () => ((await c.k('get', 'pods', '-l', 'app=nginx', '-o', 'name')) === '' ? true : undefined), 90_000)
    assert.match(await c.k('delete', 'pvc', '-l', 'app=nginx'), /^(persistentvolumeclaim "www-web-\d" deleted\n){4}$/)
  })
})

describe('web.yaml with --isolation none', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster(['--isolation', 'none'])
  })
  after(async () => {
    await c?.destroy()
  })

  test("nginx serves each pod's claim (its host directory), not the host's /usr/share/nginx/html", async () => {
    assert.match(c.output(), /pod isolation: none/)
    assert.equal(await c.k('apply', '-f', c.file('web.yaml', webYaml)), 'service/nginx created\nstatefulset.apps/web created\n')
    await c.k('rollout', 'status', 'statefulset/web', '--timeout=90s')
    const pvs = JSON.parse(await c.k('get', 'pv', '-o', 'json')).items as Obj[]
    for (const i of [0, 1]) {
      const ip = await c.k('get', 'pod', `web-${i}`, '-o', 'jsonpath={.status.podIP}')
      // Nothing written yet: the empty claim over the image's html dir, nginx's 403.
      assert.equal((await httpGet(`http://${ip}/`)).code, 403)
      // Without a mount namespace an exec would write to the host, so the test writes the claim's directory itself.
      const pv = pvs.find((p) => p.spec.claimRef?.name === `www-web-${i}`)!
      writeFileSync(join(pv.spec.hostPath?.path ?? pv.spec.local.path, 'index.html'), `web-${i}\n`)
      const r = await httpGet(`http://${ip}/`)
      assert.deepEqual([r.code, r.body], [200, `web-${i}\n`])
    }
  })
})
