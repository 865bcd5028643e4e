// metrics.k8s.io and autoscaling through the real kubectl: `kubectl top pod|node` with a busy pod
// beside an idle one (figures from /proc: CPU as a rate over the sampling window, memory as the
// resident set of each container's processes).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { httpGet, parseTable, startCluster, until, type Cluster } from './harness.js'

const millicores = (s: string) => (s.endsWith('m') ? Number(s.slice(0, -1)) : Number(s) * 1000)

describe('kubectl top', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('top pod and top node print the process runtime figures', async () => {
    await c.k('run', 'burn', '--image=busybox', '--labels=app=burn', '--', 'sh', '-c', 'while true; do :; done')
    await c.k('run', 'idle', '--image=nginx', '--labels=app=idle')
    await c.k('wait', '--for=condition=Ready', 'pod/burn', 'pod/idle', '--timeout=60s')
    // Two samples 15 s apart make the first figure (metrics-server's resolution).
    const rows = await until(
      'both pods in kubectl top',
      async () => {
        const r = await c.kubectl(['top', 'pod', '--sort-by=cpu'])
        if (r.code !== 0) return undefined
        const t = parseTable(r.stdout)
        return t.length === 2 ? t : undefined
      },
      90_000,
    )
    assert.deepEqual(Object.keys(rows[0]), ['NAME', 'CPU(cores)', 'MEMORY(bytes)'])
    assert.equal(rows[0].NAME, 'burn', 'the busy pod sorts first')
    assert.ok(millicores(rows[0]['CPU(cores)']) >= 20, `burn uses CPU: ${rows[0]['CPU(cores)']}`)
    assert.ok(millicores(rows[0]['CPU(cores)']) > millicores(rows[1]['CPU(cores)']))
    assert.match(rows[1]['MEMORY(bytes)'], /^[1-9]\d*Mi$/)

    const selected = parseTable(await c.k('top', 'pod', '-l', 'app=idle', '--containers'))
    assert.deepEqual(selected.map((r) => [r.POD, r.NAME]), [['idle', 'idle']])
    const all = parseTable(await c.k('top', 'pod', '-A', '--sort-by=memory'))
    assert.ok(all.every((r) => r.NAMESPACE === 'default'))

    const nodes = parseTable(await c.k('top', 'node'))
    assert.equal(nodes.length, 1)
    assert.equal(nodes[0].NAME, 'kubelite')
    assert.ok(millicores(nodes[0]['CPU(cores)']) >= millicores(rows[0]['CPU(cores)']) / 2, 'the node counts its pods')
    assert.match(nodes[0]['CPU(%)'], /^\d+%$/)

    const missing = await c.kubectl(['top', 'pod', 'nosuch'])
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /Error from server \(NotFound\): pods "nosuch" not found/)
    const raw = JSON.parse(await c.k('get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burn'))
    assert.equal(raw.kind, 'PodMetrics')
    assert.match(raw.window, /^1\d(\.\d+)?s$/)
    assert.deepEqual(raw.metadata.labels, { app: 'burn' })
    await c.k('delete', 'pod', 'burn', 'idle', '--grace-period=1')
  })
})

// The Kubernetes docs' HorizontalPodAutoscaler walkthrough, with the load loop run by the test
// (bounded in time) and a 15 s scale-down stabilization window so scaling down is quick too.
const phpApache = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: php-apache
spec:
  selector:
    matchLabels:
      run: php-apache
  template:
    metadata:
      labels:
        run: php-apache
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        ports:
        - containerPort: 80
        resources:
          limits:
            cpu: 500m
          requests:
            cpu: 200m
---
apiVersion: v1
kind: Service
metadata:
  name: php-apache
  labels:
    run: php-apache
spec:
  ports:
  - port: 80
  selector:
    run: php-apache
`

describe('HorizontalPodAutoscaler walkthrough', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('php-apache scales up under load and back down once it stops', async () => {
    await c.k('apply', '-f', c.file('php-apache.yaml', phpApache))
    assert.equal((await c.k('autoscale', 'deployment', 'php-apache', '--cpu-percent=50', '--min=1', '--max=10')).trim(), 'horizontalpodautoscaler.autoscaling/php-apache autoscaled')
    await c.k('patch', 'hpa', 'php-apache', '--type=merge', '-p', '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":15}}}}')
    await c.k('rollout', 'status', 'deployment/php-apache', '--timeout=60s')
    const ip = (await c.k('get', 'service', 'php-apache', '-o', 'jsonpath={.spec.clusterIP}')).trim()
    assert.equal((await httpGet(`http://${ip}/`, 10_000)).body, 'OK!')

    const rows = parseTable(await c.k('get', 'hpa'))
    assert.deepEqual(Object.keys(rows[0]), ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'])
    assert.equal(rows[0].REFERENCE, 'Deployment/php-apache')
    assert.match(rows[0].TARGETS, /^cpu: (<unknown>|\d+%)\/50%$/)

    // Load: four clients in a loop, until the HPA has scaled up (at most 3 minutes).
    let loading = true
    const deadline = Date.now() + 180_000
    const client = async () => {
      while (loading && Date.now() < deadline) await httpGet(`http://${ip}/`, 10_000).catch(() => undefined)
    }
    const load = Promise.all([client(), client(), client(), client()])
    let up: Record<string, string>
    try {
      up = await until(
        'the HPA to scale php-apache up',
        async () => {
          const [row] = parseTable(await c.k('get', 'hpa', 'php-apache'))
          return Number(row.REPLICAS) > 1 ? row : undefined
        },
        180_000,
      )
    } finally {
      loading = false
      await load
    }
    assert.match(up.TARGETS, /^cpu: \d+%\/50%$/)
    const described = await c.k('describe', 'hpa', 'php-apache')
    assert.match(described, /SuccessfulRescale\s+.*New size: \d+; reason: cpu resource utilization \(percentage of request\) above target/)
    assert.match(described, /ScalingActive\s+True\s+ValidMetricFound\s+the HPA was able to successfully calculate a replica count from cpu resource utilization \(percentage of request\)/)
    assert.ok(Number((await c.k('get', 'deployment', 'php-apache', '-o', 'jsonpath={.spec.replicas}')).trim()) > 1)

    // No load: back to one replica after the 15 s window (new pods first need a metrics window).
    await until(
      'the HPA to scale php-apache back down',
      async () => (await c.k('get', 'deployment', 'php-apache', '-o', 'jsonpath={.spec.replicas}')).trim() === '1',
      180_000,
    )
    assert.match(await c.k('describe', 'hpa', 'php-apache'), /New size: 1; reason: All metrics below target/)
  })
})
