// PodDisruptionBudgets, cordon and drain through the real kubectl on a two-node cluster: `kubectl
// drain` is held by a budget (kubectl retries the refused eviction and prints upstream's message
// until its timeout), then goes through once the budget is relaxed; DaemonSet pods are ignored;
// a cordoned node gets no new pods. Then a ResourceQuota refusing a third pod with upstream's
// message, LimitRange defaults in a created pod, and a PriorityClass resolved into a pod's priority.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

const web = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: pause
        image: registry.k8s.io/pause:3.9
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
      - name: pause
        image: registry.k8s.io/pause:3.9
`

describe('PodDisruptionBudgets, kubectl drain, quotas, limit ranges and priority classes', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))
  const webPods = async () => ((await json('get', 'pods', '-l', 'app=web')).items as Obj[]).filter((p) => !p.metadata.deletionTimestamp)

  before(async () => {
    c = await startCluster(['--nodes', '2'])
  })
  after(async () => {
    await c?.destroy()
  })

  test('kubectl create pdb and get pdb show the budget and its status', async () => {
    await c.k('apply', '-f', c.file('web.yaml', web))
    await c.k('rollout', 'status', 'deployment/web', '--timeout=90s')
    await c.k('rollout', 'status', 'daemonset/agent', '--timeout=90s')
    assert.equal(await c.k('create', 'pdb', 'web', '--selector=app=web', '--min-available=2'), 'poddisruptionbudget.policy/web created\n')
    const row = await until('the budget counted', async () => {
      const [r] = parseTable(await c.k('get', 'pdb'))
      return r?.['MIN AVAILABLE'] === '2' && (await json('get', 'pdb', 'web')).status?.currentHealthy === 2 && r
    })
    assert.deepEqual(Object.keys(row), ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'])
    assert.deepEqual([row.NAME, row['MIN AVAILABLE'], row['MAX UNAVAILABLE'], row['ALLOWED DISRUPTIONS']], ['web', '2', 'N/A', '0'])
    const status = (await json('get', 'pdb', 'web')).status
    assert.deepEqual([status.currentHealthy, status.desiredHealthy, status.expectedPods, status.disruptionsAllowed, status.observedGeneration], [2, 2, 2, 0, 1])
    assert.deepEqual(
      status.conditions.map((x: Obj) => [x.type, x.status, x.reason]),
      [['DisruptionAllowed', 'False', 'InsufficientPods']],
    )
    const bad = await c.kubectl(['create', 'pdb', 'bad', '--selector=app=web', '--max-unavailable=120%'])
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /PodDisruptionBudget\.policy "bad" is invalid: spec\.maxUnavailable: Invalid value: .*: must not be greater than 100%/)
  })

  test('drain is held by the budget, then goes through when it is relaxed', async () => {
    const node = (await webPods())[0].spec.nodeName as string
    const held = await c.kubectl(['drain', node, '--ignore-daemonsets', '--timeout=12s'], { timeoutMs: 60_000 })
    assert.notEqual(held.code, 0)
    assert.match(held.stdout, new RegExp(`node/${node} cordoned`))
    assert.match(held.stderr, /Warning: ignoring DaemonSet-managed Pods: default\/agent-/)
    assert.match(held.stderr, /error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./)
    assert.match(held.stderr, /global timeout reached: 12s/)
    assert.equal((await webPods()).length, 2)
    assert.match(parseTable(await c.k('get', 'nodes')).find((r) => r.NAME === node)!.STATUS, /^Ready,SchedulingDisabled$/)
    // The node lifecycle controller taints a cordoned node, as upstream's does.
    await until('the unschedulable taint', async () => /Taints:\s+node\.kubernetes\.io\/unschedulable:NoSchedule\n/.test(await c.k('describe', 'node', node)), 30_000)

    await c.k('patch', 'pdb', 'web', '--type=merge', '-p', '{"spec":{"minAvailable":1}}')
    await until('one disruption allowed', async () => (await json('get', 'pdb', 'web')).status?.disruptionsAllowed === 1, 30_000)
    const drained = await c.kubectl(['drain', node, '--ignore-daemonsets', '--timeout=90s'], { timeoutMs: 120_000 })
    assert.equal(drained.code, 0, drained.stderr)
    assert.match(drained.stdout, /pod\/web-[a-z0-9-]+ evicted\n/)
    assert.match(drained.stdout, new RegExp(`node/${node} drained\n$`))
    // The replacements land on the other node only: the drained one is cordoned.
    await c.k('rollout', 'status', 'deployment/web', '--timeout=90s')
    const pods = await webPods()
    assert.equal(pods.length, 2)
    for (const p of pods) assert.notEqual(p.spec.nodeName, node)
    assert.equal(await c.k('uncordon', node), `node/${node} uncordoned\n`)
    assert.equal(parseTable(await c.k('get', 'nodes')).find((r) => r.NAME === node)!.STATUS, 'Ready')
    await until('the taint gone with uncordon', async () => /Taints:\s+<none>\n/.test(await c.k('describe', 'node', node)), 30_000)
  })

  test('a quota refuses the third pod of a Deployment with upstream message; describe quota shows the usage', async () => {
    await c.k('create', 'namespace', 'quota')
    assert.equal(await c.k('create', 'quota', 'q', '-n', 'quota', '--hard=pods=2'), 'resourcequota/q created\n')
    await until('the quota counted', async () => (await json('get', 'quota', 'q', '-n', 'quota')).status?.used?.pods === '0')
    await c.k('create', 'deployment', 'three', '-n', 'quota', '--image=registry.k8s.io/pause:3.9', '--replicas=3')
    const event = await until('the refusal', async () =>
      ((await json('get', 'events', '-n', 'quota', '--field-selector', 'reason=FailedCreate')).items as Obj[]).find((e) => /exceeded quota/.test(e.message)),
    )
    assert.match(event.message, /^Error creating: pods "three-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2$/)
    const [row] = parseTable(await c.k('get', 'quota', '-n', 'quota'))
    assert.deepEqual([row.NAME, row.REQUEST, row.LIMIT], ['q', 'pods: 2/2', ''])
    assert.match(await c.k('describe', 'quota', 'q', '-n', 'quota'), /Resource\s+Used\s+Hard\n-+\s+-+\s+-+\npods\s+2\s+2\n/)
    const direct = await c.kubectl(['run', 'extra', '-n', 'quota', '--image=registry.k8s.io/pause:3.9'])
    assert.equal(direct.stderr, 'Error from server (Forbidden): pods "extra" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2\n')
  })

  test('a LimitRange fills in defaults and refuses a container over its max', async () => {
    await c.k('create', 'namespace', 'limits')
    await c.k('apply', '-n', 'limits', '-f', c.file('lr.yaml', 'apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: lr\nspec:\n  limits:\n  - type: Container\n    default:\n      cpu: 500m\n    defaultRequest:\n      cpu: 250m\n    max:\n      cpu: "1"\n'))
    assert.match(await c.k('describe', 'limits', 'lr', '-n', 'limits'), /Container\s+cpu\s+-\s+1\s+250m\s+500m\s+-/)
    await c.k('run', 'p', '-n', 'limits', '--image=registry.k8s.io/pause:3.9')
    const p = await json('get', 'pod', 'p', '-n', 'limits')
    assert.deepEqual(p.spec.containers[0].resources, { limits: { cpu: '500m' }, requests: { cpu: '250m' } })
    assert.equal(p.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container p; cpu limit for container p')
    const big = await c.kubectl(['run', 'big', '-n', 'limits', '--image=registry.k8s.io/pause:3.9', '--overrides={"spec":{"containers":[{"name":"big","image":"registry.k8s.io/pause:3.9","resources":{"limits":{"cpu":"2"}}}]}}'])
    assert.equal(big.stderr, 'Error from server (Forbidden): pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2\n')
  })

  test('PriorityClasses: the system ones, a new one resolved into a pod, an unknown one refused', async () => {
    await c.k('create', 'priorityclass', 'high', '--value=1000', '--description=important')
    const rows = parseTable(await c.k('get', 'priorityclass'))
    assert.deepEqual(Object.keys(rows[0]), ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY'])
    assert.deepEqual(
      rows.map((r) => [r.NAME, r.VALUE, r['GLOBAL-DEFAULT'], r.PREEMPTIONPOLICY]),
      [
        ['high', '1000', 'false', 'PreemptLowerPriority'],
        ['system-cluster-critical', '2000000000', 'false', 'PreemptLowerPriority'],
        ['system-node-critical', '2000001000', 'false', 'PreemptLowerPriority'],
      ],
    )
    await c.k('run', 'vip', '--image=registry.k8s.io/pause:3.9', '--overrides={"spec":{"priorityClassName":"high"}}')
    const vip = await json('get', 'pod', 'vip')
    assert.deepEqual([vip.spec.priority, vip.spec.priorityClassName, vip.spec.preemptionPolicy], [1000, 'high', 'PreemptLowerPriority'])
    const bad = await c.kubectl(['run', 'nobody', '--image=registry.k8s.io/pause:3.9', '--overrides={"spec":{"priorityClassName":"nope"}}'])
    assert.equal(bad.stderr, 'Error from server (Forbidden): pods "nobody" is forbidden: no PriorityClass with name nope was found\n')
  })
})
