// Custom kinds defined after the cluster started, as an operator's CRDs are, through the real
// kubectl: the garbage collector collects what a custom object owns (another custom object, a
// ConfigMap) when it is deleted, in the background, the foreground, or orphaning; and a
// PodDisruptionBudget over pods a custom kind controls counts that kind's scale subresource.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

const crd = (plural: string, kind: string, scale: boolean) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: ${plural}
    singular: ${kind.toLowerCase()}
    kind: ${kind}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              replicas: {type: integer}
              selector: {type: string}
          status:
            type: object
            properties:
              replicas: {type: integer}
${scale ? `    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .spec.selector
` : ''}`

describe('custom kinds defined after start', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))
  const uid = (kind: string, name: string) => c.k('get', kind, name, '-o', 'jsonpath={.metadata.uid}')
  const gone = (...args: string[]) =>
    until(`${args.join(' ')} gone`, async () => {
      const r = await c.kubectl(['get', ...args])
      return r.code !== 0 && /NotFound/.test(r.stderr) ? true : undefined
    }, 30_000)
  const owned = (kind: 'CronTab' | 'ConfigMap', name: string, owner: string, ownerUid: string, extra = '') =>
    kind === 'CronTab'
      ? `apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: ${name}\n  ownerReferences:\n  - {apiVersion: stable.example.com/v1, kind: CronTab, name: ${owner}, uid: ${ownerUid}${extra}}\nspec: {replicas: 1}\n`
      : `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  ownerReferences:\n  - {apiVersion: stable.example.com/v1, kind: CronTab, name: ${owner}, uid: ${ownerUid}${extra}}\ndata: {a: "1"}\n`

  before(async () => {
    c = await startCluster()
    // Defined once the cluster (and its garbage collector) runs.
    assert.equal(await c.k('apply', '-f', c.file('crontabs.yaml', crd('crontabs', 'CronTab', true))), 'customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created\n')
    await c.k('wait', '--for=condition=Established', 'crd/crontabs.stable.example.com', '--timeout=30s')
  })
  after(async () => {
    await c?.destroy()
  })

  test('deleting a custom owner collects the custom object and the ConfigMap it owns', async () => {
    await c.k('apply', '-f', c.file('parent.yaml', 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: parent\nspec: {replicas: 1}\n'))
    const parent = await uid('crontab', 'parent')
    assert.equal(
      await c.k('apply', '-f', c.file('deps.yaml', `${owned('CronTab', 'child', 'parent', parent)}---\n${owned('ConfigMap', 'settings', 'parent', parent)}`)),
      'crontab.stable.example.com/child created\nconfigmap/settings created\n',
    )
    assert.equal(await c.k('delete', 'crontab', 'parent'), 'crontab.stable.example.com "parent" deleted\n')
    await gone('crontab', 'child')
    await gone('configmap', 'settings')
  })

  test('--cascade=foreground waits for the dependents; --cascade=orphan keeps them without the reference', async () => {
    await c.k('apply', '-f', c.file('fg.yaml', 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: fg\nspec: {replicas: 1}\n'))
    await c.k('apply', '-f', c.file('fg-dep.yaml', owned('ConfigMap', 'fg-dep', 'fg', await uid('crontab', 'fg'), ', blockOwnerDeletion: true')))
    assert.equal(await c.k('delete', 'crontab', 'fg', '--cascade=foreground'), 'crontab.stable.example.com "fg" deleted\n')
    await gone('configmap', 'fg-dep')
    await gone('crontab', 'fg')

    await c.k('apply', '-f', c.file('o.yaml', 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: o\nspec: {replicas: 1}\n'))
    await c.k('apply', '-f', c.file('o-dep.yaml', owned('CronTab', 'kept', 'o', await uid('crontab', 'o'))))
    assert.equal(await c.k('delete', 'crontab', 'o', '--cascade=orphan'), 'crontab.stable.example.com "o" deleted\n')
    await gone('crontab', 'o')
    const kept = await until('reference removed', async () => {
      const o = await json('get', 'crontab', 'kept')
      return o.metadata.ownerReferences ? undefined : o
    }, 30_000)
    assert.equal(kept.metadata.name, 'kept')
  })

  test("a PodDisruptionBudget over pods a custom kind controls counts the kind's scale", async () => {
    await c.k('apply', '-f', c.file('tab.yaml', 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: tab\nspec: {replicas: 3, selector: app=tab}\n'))
    const tabUid = await uid('crontab', 'tab')
    // Two of its three pods, as its operator would have made them.
    const pod = (name: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  labels: {app: tab}\n  ownerReferences:\n  - {apiVersion: stable.example.com/v1, kind: CronTab, name: tab, uid: ${tabUid}, controller: true, blockOwnerDeletion: true}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: main, image: registry.k8s.io/pause:3.9}\n`
    await c.k('apply', '-f', c.file('tab-pods.yaml', `${pod('tab-a')}---\n${pod('tab-b')}`))
    await c.k('wait', '--for=condition=Ready', 'pod/tab-a', 'pod/tab-b', '--timeout=60s')
    assert.equal(await c.k('create', 'pdb', 'tab', '--selector=app=tab', '--max-unavailable=1'), 'poddisruptionbudget.policy/tab created\n')
    // 3 expected (the CronTab's /scale), 1 may be unavailable: both ready pods must stay.
    const status = await until('counted', async () => {
      const s = (await json('get', 'pdb', 'tab')).status
      return s?.expectedPods === 3 && s.currentHealthy === 2 ? s : undefined
    }, 30_000)
    assert.deepEqual([status.desiredHealthy, status.disruptionsAllowed], [2, 0])
    const [row] = parseTable(await c.k('get', 'pdb', 'tab'))
    assert.deepEqual([row['MIN AVAILABLE'], row['MAX UNAVAILABLE'], row['ALLOWED DISRUPTIONS']], ['N/A', '1', '0'])
    const eviction = c.file('evict.json', JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'tab-a', namespace: 'default' } }))
    const refused = await c.kubectl(['create', '--raw', '/api/v1/namespaces/default/pods/tab-a/eviction', '-f', eviction])
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /Cannot evict pod as it would violate the pod's disruption budget\./)

    // Scaled to 2: once a pod event wakes the budget (as upstream: it does not watch custom kinds), one may go.
    assert.equal(await c.k('scale', 'crontab', 'tab', '--replicas=2'), 'crontab.stable.example.com/tab scaled\n')
    await c.k('label', 'pod', 'tab-b', 'touched=yes')
    await until('one disruption allowed', async () => ((await json('get', 'pdb', 'tab')).status?.disruptionsAllowed === 1 ? true : undefined), 30_000)
    const evicted = await c.kubectl(['create', '--raw', '/api/v1/namespaces/default/pods/tab-a/eviction', '-f', eviction])
    assert.equal(evicted.code, 0, evicted.stderr)
  })

  test('a budget over pods of a kind without a scale subresource fails safe with upstream words', async () => {
    await c.k('apply', '-f', c.file('plain.yaml', crd('plains', 'Plain', false)))
    await c.k('wait', '--for=condition=Established', 'crd/plains.stable.example.com', '--timeout=30s')
    await c.k('apply', '-f', c.file('p.yaml', 'apiVersion: stable.example.com/v1\nkind: Plain\nmetadata:\n  name: p\nspec: {replicas: 1}\n'))
    const owner = await uid('plain', 'p')
    await c.k(
      'apply',
      '-f',
      c.file('plain-pod.yaml', `apiVersion: v1\nkind: Pod\nmetadata:\n  name: plain-a\n  labels: {app: plain}\n  ownerReferences:\n  - {apiVersion: stable.example.com/v1, kind: Plain, name: p, uid: ${owner}, controller: true}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: main, image: registry.k8s.io/pause:3.9}\n`),
    )
    await c.k('create', 'pdb', 'plain', '--selector=app=plain', '--min-available=50%')
    const cond = await until('SyncFailed', async () => {
      const x = (await json('get', 'pdb', 'plain')).status?.conditions?.find((k: Obj) => k.type === 'DisruptionAllowed')
      return x?.reason === 'SyncFailed' ? x : undefined
    }, 30_000)
    assert.deepEqual([cond.status, cond.message], ['False', 'plains.stable.example.com does not implement the scale subresource'])
    assert.match(await c.k('describe', 'pdb', 'plain'), /CalculateExpectedPodCountFailed\s+.*Failed to calculate the number of expected pods: plains\.stable\.example\.com does not implement the scale subresource/)
    // Deleting the owner collects its pod too (a kind served after start, again).
    await c.k('delete', 'plain', 'p')
    await gone('pod', 'plain-a')
  })
})
