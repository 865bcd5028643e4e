import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Node, Pod } from 'kubernetes-types/core/v1.js'
import { effectiveTaints, planSchedule, tolerates, type Decision } from './plan.js'
import { podRequests, quantityValue } from './resources.js'
import { Snapshot } from './snapshot.js'

const ready = [{ type: 'Ready', status: 'True' }]

function node(name: string, extra: { labels?: Record<string, string>; taints?: any[]; unschedulable?: boolean; cpu?: string; memory?: string; pods?: string; conditions?: any[] } = {}): Node {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...extra.labels } },
    spec: { taints: extra.taints, unschedulable: extra.unschedulable },
    status: { allocatable: { cpu: extra.cpu ?? '4', memory: extra.memory ?? '8Gi', pods: extra.pods ?? '110' }, conditions: extra.conditions ?? ready },
  }
}

function pod(name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): Pod {
  return {
    metadata: { name, namespace: 'default', ...meta },
    spec: { containers: [{ name: 'c', image: 'i', ...(spec.container as object) }], ...spec, ...{ container: undefined } } as Pod['spec'],
  }
}

const req = (cpu?: string, memory?: string) => ({ container: { resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } } })
const bound = (p: Pod, nodeName: string): Pod => ({ ...p, spec: { ...p.spec!, nodeName } })
const owned = (uid: string) => ({ ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid, controller: true }] })

const notHelpful = (n: number, total = n) => `preemption: 0/${total} nodes are available: ${n} Preemption is not helpful for scheduling.`

const cases: { name: string; nodes: Node[]; pods?: Pod[]; pod: Pod; want: Decision }[] = [
  { name: 'one ready node', nodes: [node('kubelite')], pod: pod('web'), want: { type: 'bind', node: 'kubelite' } },
  { name: 'no nodes', nodes: [], pod: pod('web'), want: { type: 'unschedulable', reason: 'SchedulerError', message: 'no nodes available to schedule pods' } },
  {
    name: 'nodeSelector matches nothing (the upstream message)',
    nodes: [node('kubelite')],
    pod: pod('web', { nodeSelector: { disk: 'ssd' } }),
    want: { type: 'unschedulable', reason: 'Unschedulable', message: `0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. ${notHelpful(1)}` },
  },
  { name: 'nodeSelector picks the labelled node', nodes: [node('a'), node('b', { labels: { disk: 'ssd' } })], pod: pod('web', { nodeSelector: { disk: 'ssd' } }), want: { type: 'bind', node: 'b' } },
  {
    name: 'required node affinity: In and matchFields',
    nodes: [node('a'), node('b'), node('c')],
    pod: pod('web', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['c'] }] }, { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['b'] }] }],
          },
        },
      },
    }),
    want: { type: 'bind', node: 'b' },
  },
  {
    name: 'untolerated NoSchedule taint, and a tolerated one',
    nodes: [node('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), node('b', { taints: [{ key: 'x', effect: 'NoSchedule' }] })],
    pod: pod('web', { tolerations: [{ key: 'x', operator: 'Exists' }] }),
    want: { type: 'bind', node: 'b' },
  },
  {
    name: 'taint message names the key and value; PreferNoSchedule is no filter',
    nodes: [node('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] }), node('b', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] })],
    pod: pod('web'),
    want: {
      type: 'unschedulable',
      reason: 'Unschedulable',
      message: `0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. ${notHelpful(2)}`,
    },
  },
  {
    name: 'a node that is not Ready carries the not-ready taint; unreachable when Unknown',
    nodes: [node('a', { conditions: [{ type: 'Ready', status: 'False' }] }), node('b', { conditions: [{ type: 'Ready', status: 'Unknown' }] })],
    pod: pod('web'),
    want: {
      type: 'unschedulable',
      reason: 'Unschedulable',
      message: `0/2 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. ${notHelpful(2)}`,
    },
  },
  {
    name: 'cordoned node',
    nodes: [node('a', { unschedulable: true })],
    pod: pod('web'),
    want: { type: 'unschedulable', reason: 'Unschedulable', message: `0/1 nodes are available: 1 node(s) were unschedulable. ${notHelpful(1)}` },
  },
  {
    name: 'insufficient cpu and memory counts what is bound; preemption finds no victims',
    nodes: [node('a', { cpu: '1', memory: '1Gi' })],
    pods: [bound(pod('old', req('600m', '600Mi')), 'a')],
    pod: pod('web', req('500m', '500Mi')),
    want: {
      type: 'unschedulable',
      reason: 'Unschedulable',
      message: '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    },
  },
  {
    name: 'finished pods free their requests',
    nodes: [node('a', { cpu: '1' })],
    pods: [{ ...bound(pod('done', req('900m')), 'a'), status: { phase: 'Succeeded' } }],
    pod: pod('web', req('500m')),
    want: { type: 'bind', node: 'a' },
  },
  {
    name: 'too many pods',
    nodes: [node('a', { pods: '1' })],
    pods: [bound(pod('old'), 'a')],
    pod: pod('web'),
    want: { type: 'unschedulable', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.' },
  },
  {
    name: 'host port conflict; another node is free; mixed reasons sort by text',
    nodes: [node('a'), node('b'), node('c', { labels: {} , taints: [{ key: 't', effect: 'NoSchedule' }] })],
    pods: [bound(pod('old', { container: { ports: [{ containerPort: 80, hostPort: 8080 }] } }), 'a')],
    pod: pod('web', { container: { ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] } }),
    want: { type: 'bind', node: 'b' },
  },
  {
    name: 'host ports: different IPs do not conflict, 0.0.0.0 conflicts with all',
    nodes: [node('a')],
    pods: [bound(pod('old', { container: { ports: [{ containerPort: 80, hostPort: 8080, hostIP: '127.0.0.2' }] } }), 'a')],
    pod: pod('web', { container: { ports: [{ containerPort: 80, hostPort: 8080 }] } }),
    want: {
      type: 'unschedulable',
      reason: 'Unschedulable',
      message: "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    },
  },
  {
    name: 'preemptionPolicy Never',
    nodes: [node('a', { unschedulable: true })],
    pod: pod('web', { preemptionPolicy: 'Never' }),
    want: { type: 'unschedulable', reason: 'Unschedulable', message: '0/1 nodes are available: 1 node(s) were unschedulable. preemption: not eligible due to preemptionPolicy=Never.' },
  },
  {
    name: 'replicas of one owner spread before least-requested',
    nodes: [node('a', { cpu: '8' }), node('b', { cpu: '1' })],
    pods: [bound(pod('r1', {}, owned('rs1')), 'a')],
    pod: pod('r2', {}, owned('rs1')),
    want: { type: 'bind', node: 'b' },
  },
  {
    name: 'least requested wins among equals',
    nodes: [node('a'), node('b')],
    pods: [bound(pod('x', req('2')), 'a')],
    pod: pod('web'),
    want: { type: 'bind', node: 'b' },
  },
]

for (const c of cases) {
  test(`planSchedule: ${c.name}`, () => {
    assert.deepEqual(planSchedule(c.pod, Snapshot.of(c.nodes, c.pods ?? [])), c.want)
  })
}

test('tolerations: Equal needs the value, Exists any value, empty key with Exists all taints', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoSchedule' }
  assert.equal(tolerates({ key: 'k', value: 'v' }, taint), true)
  assert.equal(tolerates({ key: 'k', value: 'w' }, taint), false)
  assert.equal(tolerates({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint), false)
  assert.equal(tolerates({ operator: 'Exists' }, taint), true)
})

test('effectiveTaints: a Ready node keeps its own taints only', () => {
  assert.deepEqual(effectiveTaints(node('a')), [])
  assert.deepEqual(effectiveTaints(node('a', { conditions: [] })), [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }])
})

test('podRequests: containers sum, init containers max, sidecars add, overhead adds', () => {
  const p: Pod = {
    metadata: { name: 'p' },
    spec: {
      containers: [{ name: 'a', resources: { requests: { cpu: '100m', memory: '1Mi' } } }, { name: 'b', resources: { requests: { cpu: '200m' } } }],
      initContainers: [
        { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
        { name: 'big', resources: { requests: { cpu: '1', memory: '2Mi' } } },
      ],
      overhead: { cpu: '10m' },
    },
  }
  assert.deepEqual(Object.fromEntries(podRequests(p)), { cpu: 1050 + 10, memory: 2 * 1024 * 1024 })
  assert.equal(quantityValue('cpu', '1.1'), 1100)
  assert.equal(quantityValue('cpu', '0.0001'), 1)
  assert.equal(quantityValue('memory', '1Gi'), 1024 ** 3)
})

test('planSchedule with many pods: snapshot keeps it O(nodes)', () => {
  const nodes = [node('a', { pods: '100000', cpu: '1000' }), node('b', { pods: '100000', cpu: '1000' })]
  const s = Snapshot.of(nodes, [])
  const counts = new Map<string, number>()
  for (let i = 0; i < 10_000; i++) {
    const p = pod(`p${i}`, {}, owned('rs'))
    const d = planSchedule(p, s)
    assert.equal(d.type, 'bind')
    if (d.type !== 'bind') return
    counts.set(d.node, (counts.get(d.node) ?? 0) + 1)
    s.setPod(`default/p${i}`, { node: d.node, requests: new Map(), nonZero: { cpu: 100, memory: 0 }, ports: [], owner: 'rs' })
  }
  assert.deepEqual(Object.fromEntries(counts), { a: 5000, b: 5000 })
})
