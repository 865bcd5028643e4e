// apps/v1 DaemonSets through the real kubectl on a two-node cluster (`kubelite up --nodes 2`): one
// pod per node, a rolling update one node at a time with `rollout status|history`, a nodeSelector
// narrowing it to a labelled node, and a NoExecute taint removing the pod it does not tolerate.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

const agent = `apiVersion: apps/v1
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
      - name: agent
        image: gcr.io/google-samples/kubernetes-bootcamp:v1
`

describe('apps/v1 DaemonSets', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))
  const placed = async () =>
    Object.fromEntries(((await json('get', 'pods', '-l', 'app=agent')).items as Obj[]).filter((p) => !p.metadata.deletionTimestamp).map((p) => [p.spec.nodeName, p.spec.containers[0].image]))

  before(async () => {
    c = await startCluster(['--nodes', '2'])
  })
  after(async () => {
    await c?.destroy()
  })

  test('one pod on each node; a rolling update replaces them node by node', async () => {
    assert.equal(await c.k('apply', '-f', c.file('agent.yaml', agent)), 'daemonset.apps/agent created\n')
    assert.match(await c.k('rollout', 'status', 'daemonset/agent', '--timeout=90s'), /daemon set "agent" successfully rolled out\n$/)
    const nodes = parseTable(await c.k('get', 'nodes')).map((r) => r.NAME).sort()
    assert.equal(nodes.length, 2)
    assert.deepEqual(Object.keys(await placed()).sort(), nodes)
    const [row] = parseTable(await c.k('get', 'ds', 'agent', '-o', 'wide'))
    assert.deepEqual([row.DESIRED, row.CURRENT, row.READY, row['UP-TO-DATE'], row.AVAILABLE, row['NODE SELECTOR'], row.SELECTOR], ['2', '2', '2', '2', '2', '<none>', 'app=agent'])

    await c.k('set', 'image', 'daemonset/agent', 'agent=jocatalin/kubernetes-bootcamp:v2')
    const out = await c.k('rollout', 'status', 'daemonset/agent', '--timeout=90s')
    assert.match(out, /1 out of 2 new pods have been updated/)
    assert.match(out, /daemon set "agent" successfully rolled out\n$/)
    assert.deepEqual(new Set(Object.values(await placed())), new Set(['jocatalin/kubernetes-bootcamp:v2']))
    assert.match(await c.k('rollout', 'history', 'daemonset/agent'), /^REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/m)
  })

  test('a nodeSelector narrows it to the labelled node; a NoExecute taint it does not tolerate removes the pod', async () => {
    const nodes = parseTable(await c.k('get', 'nodes')).map((r) => r.NAME).sort()
    await c.k('label', 'node', nodes[1], 'disk=ssd')
    await c.k('patch', 'daemonset', 'agent', '-p', '{"spec":{"template":{"spec":{"nodeSelector":{"disk":"ssd"}}}}}')
    await until('only on the ssd node', async () => {
      const p = await placed()
      return Object.keys(p).length === 1 && p[nodes[1]] ? p : undefined
    }, 60_000)
    assert.equal(parseTable(await c.k('get', 'ds', 'agent'))[0]['NODE SELECTOR'], 'disk=ssd')
    await c.k('taint', 'node', nodes[1], 'dedicated=x:NoExecute')
    await until('no daemon pod left', async () => (Object.keys(await placed()).length === 0 ? true : undefined), 60_000)
    assert.equal(parseTable(await c.k('get', 'ds', 'agent'))[0].DESIRED, '0')
    await c.k('taint', 'node', nodes[1], 'dedicated-')
    await until('back on the ssd node', async () => ((await placed())[nodes[1]] ? true : undefined), 60_000)
  })
})
