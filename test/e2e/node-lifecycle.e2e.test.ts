// When a node goes away, through the real kubectl on a two-node cluster: `kubectl drain` evicts
// through the Eviction API (DisruptionTarget EvictionByEvictionAPI); then node kubelite-m02's agent
// is cut off from the API server (the KUBELITE_TEST_HOOKS hook, docs/nodes.md) and the node
// lifecycle controller turns it NotReady with upstream's words and taints, its pods leave the
// Service's endpoints, and once their (shortened) not-ready/unreachable tolerations run out the taint
// eviction controller deletes them with DisruptionTarget DeletionByTaintManager; the Deployment
// replaces them on kubelite. Reconnected, the node is Ready again and loses its taints.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: app
        image: gcr.io/google-samples/kubernetes-bootcamp:v1
        ports:
        - containerPort: 8080
        readinessProbe:
          httpGet:
            path: /
            port: 8080
          periodSeconds: 2
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
  - port: 80
    targetPort: 8080
`

const m02 = 'kubelite-m02'

const keeper = `apiVersion: v1
kind: Pod
metadata:
  name: keeper
spec:
  nodeName: ${m02}
  tolerations:
  - key: node.kubernetes.io/unreachable
    operator: Exists
    effect: NoExecute
  containers:
  - name: app
    image: gcr.io/google-samples/kubernetes-bootcamp:v1
    readinessProbe:
      httpGet:
        path: /
        port: 8080
      periodSeconds: 2
`

describe('node lifecycle: eviction, NotReady nodes, taint-based eviction', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))
  const podsOf = async (app: string): Promise<Obj[]> => (await json('get', 'pods', '-l', `app=${app}`)).items
  const condition = (p: Obj, type: string): Obj | undefined => (p.status?.conditions ?? []).find((x: Obj) => x.type === type)
  const cutOff = (nodes: string[]) => {
    writeFileSync(join(c.dataDir, 'cut-off-nodes'), nodes.join('\n'))
    c.signal('SIGUSR2')
  }

  before(async () => {
    process.env.KUBELITE_TEST_HOOKS = '1'
    c = await startCluster([
      '--nodes', '2',
      '--node-monitor-grace-period', '20s',
      '--node-monitor-period', '2s',
      '--default-not-ready-toleration-seconds', '8',
      '--default-unreachable-toleration-seconds', '8',
    ])
    delete process.env.KUBELITE_TEST_HOOKS
  })
  after(async () => {
    await c?.destroy()
  })

  test('kubectl drain evicts through the Eviction API: the pod carries DisruptionTarget (EvictionByEvictionAPI) before it goes', async () => {
    await c.k('apply', '-f', c.file('api.yaml', deployment('api', 2)))
    await c.k('rollout', 'status', 'deployment/api', '--timeout=90s')
    const victim = (await podsOf('api')).find((p) => p.spec.nodeName === m02)
    assert.ok(victim, 'the scheduler spreads the two replicas over both nodes')
    const seen: Obj[] = []
    const stop = await c.watch(`/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3D${victim.metadata.name}&resourceVersion=${victim.metadata.resourceVersion}`, (_, p) => seen.push(p))
    try {
      const out = await c.k('drain', m02, '--ignore-daemonsets', '--pod-selector=app=api', '--timeout=90s')
      assert.match(out, new RegExp(`evicting pod default/${victim.metadata.name}`))
      assert.match(out, new RegExp(`pod/${victim.metadata.name} evicted`))
      assert.match(out, new RegExp(`node/${m02} drained`))
      // The condition arrives through a status update before the delete sets deletionTimestamp.
      const first = seen.find((p) => condition(p, 'DisruptionTarget'))
      assert.ok(first, `no DisruptionTarget among ${seen.length} events`)
      assert.equal(first.metadata.deletionTimestamp, undefined)
      assert.deepEqual(
        (({ status, reason, message }) => ({ status, reason, message }))(condition(first, 'DisruptionTarget')!),
        { status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' },
      )
    } finally {
      stop()
    }
    await c.k('uncordon', m02)
    await c.k('delete', 'deployment/api', 'service/api')
  })

  test(`${m02} stops answering: NotReady, unreachable taints, its pods out of the endpoints, then evicted and replaced`, async () => {
    await c.k('apply', '-f', c.file('web.yaml', deployment('web', 4)))
    await c.k('rollout', 'status', 'deployment/web', '--timeout=120s')
    const before = await podsOf('web')
    const gone = before.filter((p) => p.spec.nodeName === m02)
    assert.ok(gone.length > 0 && gone.length < 4, `spread over both nodes: ${before.map((p) => p.spec.nodeName).join(', ')}`)
    // DefaultTolerationSeconds, as --default-*-toleration-seconds made them.
    const described = await c.k('describe', 'pod', gone[0].metadata.name)
    assert.match(described, /Tolerations:\s+node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 8s\n\s+node\.kubernetes\.io\/unreachable:NoExecute op=Exists for 8s\n/)

    // A pod that tolerates the unreachable taint forever stays, marked not ready while its node is lost.
    await c.k('apply', '-f', c.file('keeper.yaml', keeper))
    await until('keeper ready', async () => condition(await json('get', 'pod', 'keeper'), 'Ready')?.status === 'True', 60_000)

    cutOff([m02])
    await until(`${m02} NotReady`, async () => parseTable(await c.k('get', 'nodes')).find((r) => r.NAME === m02 && r.STATUS === 'NotReady'), 90_000)
    const node = await until('the unreachable NoExecute taint', async () => {
      const out = await c.k('describe', 'node', m02)
      return /node\.kubernetes\.io\/unreachable:NoExecute/.test(out) && out
    }, 30_000)
    assert.match(node, /Taints:\s+node\.kubernetes\.io\/unreachable:NoExecute\n\s+node\.kubernetes\.io\/unreachable:NoSchedule\n/)
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'])
      assert.match(node, new RegExp(`\\n\\s+${type}\\s+Unknown\\s+.+\\s+NodeStatusUnknown\\s+Kubelet stopped posting node status\\.\\n`), type)
    const n = await json('get', 'node', m02)
    assert.equal(n.status.conditions.find((x: Obj) => x.type === 'Ready').reason, 'NodeStatusUnknown')

    // MarkPodsNotReady: the Service's endpoints keep only the pods on kubelite.
    const goneIPs = new Set(gone.map((p) => p.status.podIP))
    await until('the endpoints drop the pods of the lost node', async () => {
      const ep = await json('get', 'endpoints', 'web')
      const ready = (ep.subsets ?? []).flatMap((s: Obj) => (s.addresses ?? []).map((a: Obj) => a.ip))
      return ready.length > 0 && ready.every((ip: string) => !goneIPs.has(ip))
    }, 30_000)

    // After the 8 s toleration: DisruptionTarget, deletion, and replacements on kubelite.
    for (const p of gone) {
      const evicted = await until(`${p.metadata.name} evicted`, async () => {
        const r = await c.kubectl(['get', 'pod', p.metadata.name, '-o', 'json'])
        if (r.code !== 0) return undefined
        const pod = JSON.parse(r.stdout)
        return pod.metadata.deletionTimestamp && pod
      }, 60_000)
      const dt = condition(evicted, 'DisruptionTarget')
      assert.deepEqual(dt && { status: dt.status, reason: dt.reason, message: dt.message }, { status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' })
    }
    const events = await c.k('get', 'events', '--field-selector', 'reason=TaintManagerEviction')
    for (const p of gone) assert.match(events, new RegExp(`Marking for deletion Pod default/${p.metadata.name}`))
    await until('4 ready replicas, all on kubelite', async () => {
      const live = (await podsOf('web')).filter((p) => !p.metadata.deletionTimestamp)
      return live.length === 4 && live.every((p) => p.spec.nodeName === 'kubelite' && condition(p, 'Ready')?.status === 'True')
    }, 90_000)
    assert.match(await c.k('get', 'events', '--field-selector', `involvedObject.name=${m02}`), /NodeNotReady\s+node\/kubelite-m02\s+Node kubelite-m02 status is now: NodeNotReady/)

    const kept = await json('get', 'pod', 'keeper')
    assert.equal(kept.metadata.deletionTimestamp, undefined, 'tolerated forever: not evicted')
    assert.equal(condition(kept, 'Ready')?.status, 'False')

    // Back: Ready again, the NoExecute and NoSchedule taints gone.
    cutOff([])
    await until(`${m02} Ready again without taints`, async () => {
      const back = await json('get', 'node', m02)
      return back.status.conditions.find((x: Obj) => x.type === 'Ready').status === 'True' && (back.spec.taints ?? []).length === 0
    }, 60_000)
    assert.match(await c.k('describe', 'node', m02), /Taints:\s+<none>\n/)
    // The pods evicted while it was away were left Terminating; back, their node finishes them.
    const goneNames = new Set(gone.map((p) => p.metadata.name))
    await until('keeper ready again (its agent republishes what the controller overwrote)', async () => condition(await json('get', 'pod', 'keeper'), 'Ready')?.status === 'True', 60_000)
    await until('the evicted pods gone', async () => (await podsOf('web')).every((p) => !goneNames.has(p.metadata.name)), 60_000)
  })
})
