import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Node, Pod } from 'kubernetes-types/core/v1.js'
import type { PDB } from '../../apis/policy/pdb.js'
import { planSchedule, type Decision } from './plan.js'
import { pickCandidate, splitByPDBViolation } from './preemption.js'
import { Snapshot } from './snapshot.js'

const node = (name: string, cpu = '2', pods = '110'): Node => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: { allocatable: { cpu, memory: '8Gi', pods }, conditions: [{ type: 'Ready', status: 'True' }] },
})

function pod(name: string, o: { cpu?: string; priority?: number; node?: string; labels?: Record<string, string>; start?: string; never?: boolean; nominated?: string } = {}): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: o.labels, creationTimestamp: o.start ?? '2026-01-01T00:00:00Z' },
    spec: {
      containers: [{ name: 'c', image: 'i', resources: { requests: o.cpu ? { cpu: o.cpu } : {} } }],
      priority: o.priority,
      nodeName: o.node,
      ...(o.never ? { preemptionPolicy: 'Never' } : {}),
    },
    status: { phase: o.node ? 'Running' : 'Pending', ...(o.start ? { startTime: o.start } : {}), ...(o.nominated ? { nominatedNodeName: o.nominated } : {}) },
  }
}

const pdb = (name: string, labels: Record<string, string>, allowed: number): PDB => ({ metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels: labels } }, status: { disruptionsAllowed: allowed } })

const names = (d: Decision) => (d.type === 'unschedulable' && d.preempt ? { node: d.preempt.node, victims: d.preempt.victims.map((v) => v.metadata!.name) } : undefined)

test('preemption: a higher-priority pod evicts the lower one and is nominated; the message is the filter part only', () => {
  const s = Snapshot.of([node('a')], [pod('low', { cpu: '1500m', priority: 1, node: 'a' })])
  const d = planSchedule(pod('high', { cpu: '1500m', priority: 1000 }), s)
  assert.deepEqual(d, {
    type: 'unschedulable',
    reason: 'Unschedulable',
    message: '0/1 nodes are available: 1 Insufficient cpu.',
    preempt: { node: 'a', victims: [s.podsOn('a').get('default/low')!.pod] },
    nominatedNodeName: 'a',
  })
})

test('preemption: equal priority finds no victims; Never is not eligible', () => {
  const s = Snapshot.of([node('a')], [pod('low', { cpu: '1500m', priority: 5, node: 'a' })])
  assert.equal(
    (planSchedule(pod('same', { cpu: '1500m', priority: 5 }), s) as { message: string }).message,
    '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  )
  assert.equal(
    (planSchedule(pod('never', { cpu: '1500m', priority: 50, never: true }), s) as { message: string }).message,
    '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
  )
})

test('preemption: removing every lower pod is not enough → the re-run filter reason; a cleared nomination', () => {
  const s = Snapshot.of([node('a')], [pod('low', { cpu: '500m', priority: 1, node: 'a' }), pod('sys', { cpu: '1', priority: 2000, node: 'a' })])
  const d = planSchedule(pod('high', { cpu: '1500m', priority: 100, nominated: 'a' }), s)
  assert.deepEqual(d, {
    type: 'unschedulable',
    reason: 'Unschedulable',
    message: '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.',
    nominatedNodeName: '',
  })
})

test('preemption: only as many victims as needed, least important first; higher ones are reprieved', () => {
  const s = Snapshot.of(
    [node('a', '3')],
    [pod('p10', { cpu: '1', priority: 10, node: 'a' }), pod('p20', { cpu: '1', priority: 20, node: 'a' }), pod('p30', { cpu: '1', priority: 30, node: 'a' })],
  )
  assert.deepEqual(names(planSchedule(pod('high', { cpu: '1', priority: 100 }), s)), { node: 'a', victims: ['p10'] })
  assert.deepEqual(names(planSchedule(pod('high', { cpu: '2', priority: 100 }), s)), { node: 'a', victims: ['p20', 'p10'] })
})

test('preemption: victims whose PDB would be violated are reprieved first', () => {
  const s = Snapshot.of([node('a', '2')], [pod('guarded', { cpu: '1', priority: 1, node: 'a', labels: { app: 'db' } }), pod('free', { cpu: '1', priority: 1, node: 'a', labels: { app: 'web' } })])
  const pdbs = [pdb('db', { app: 'db' }, 0)]
  assert.deepEqual(names(planSchedule(pod('high', { cpu: '1', priority: 100 }), s, { pdbs })), { node: 'a', victims: ['free'] })
})

test('preemption: the node with fewer PDB violations, then the lower top victim, wins', () => {
  const nodes = [node('a', '1'), node('b', '1')]
  const s1 = Snapshot.of(nodes, [pod('x', { cpu: '1', priority: 1, node: 'a', labels: { app: 'db' } }), pod('y', { cpu: '1', priority: 1, node: 'b', labels: { app: 'web' } })])
  assert.equal(names(planSchedule(pod('high', { cpu: '1', priority: 100 }), s1, { pdbs: [pdb('db', { app: 'db' }, 0)] }))?.node, 'b')
  const s2 = Snapshot.of(nodes, [pod('x', { cpu: '1', priority: 50, node: 'a' }), pod('y', { cpu: '1', priority: 5, node: 'b' })])
  assert.equal(names(planSchedule(pod('high', { cpu: '1', priority: 100 }), s2))?.node, 'b')
})

test('preemption: a pod nominated to a node holds its room against lower-priority pods only', () => {
  const s = Snapshot.of([node('a', '2')], [pod('preemptor', { cpu: '1500m', priority: 100, nominated: 'a' })])
  const low = planSchedule(pod('low', { cpu: '1', priority: 1 }), s)
  assert.equal(low.type, 'unschedulable')
  assert.equal(planSchedule(pod('higher', { cpu: '1', priority: 200 }), s).type, 'bind')
  assert.equal(planSchedule(pod('preemptor', { cpu: '1500m', priority: 100, nominated: 'a' }), s).type, 'bind')
})

test('preemption: a preemptor whose victims are still terminating does not preempt again', () => {
  const base = pod('low', { cpu: '1500m', priority: 1, node: 'a' })
  const victim: Pod = {
    ...base,
    metadata: { ...base.metadata, deletionTimestamp: '2026-01-01T00:00:10Z' },
    status: { ...base.status, conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] },
  }
  const s = Snapshot.of([node('a')], [victim])
  const d = planSchedule(pod('high', { cpu: '1500m', priority: 1000, nominated: 'a' }), s)
  assert.deepEqual(d, { type: 'unschedulable', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node.' })
})

test('splitByPDBViolation: budgets count down per matching pod; disruptedPods and other namespaces do not count', () => {
  const a = pod('a', { labels: { app: 'db' } })
  const b = pod('b', { labels: { app: 'db' } })
  const c = pod('c', { labels: { app: 'db' } })
  const budget = pdb('db', { app: 'db' }, 1)
  budget.status!.disruptedPods = { c: '2026-01-01T00:00:00Z' }
  const other = { ...pdb('other', { app: 'db' }, 0), metadata: { name: 'other', namespace: 'elsewhere' } }
  const out = splitByPDBViolation([a, b, c], [budget, other])
  assert.deepEqual(out.violating.map((p) => p.metadata!.name), ['b'])
  assert.deepEqual(out.nonViolating.map((p) => p.metadata!.name), ['a', 'c'])
})

test('pickCandidate: fewest victims, then the latest start among the top victims', () => {
  const v = (name: string, priority: number, start: string) => pod(name, { priority, start })
  assert.equal(pickCandidate([{ node: 'a', victims: [v('1', 1, '2026-01-01T00:00:00Z'), v('2', 0, '2026-01-01T00:00:00Z')], pdbViolations: 0 }, { node: 'b', victims: [v('3', 1, '2026-01-01T00:00:00Z')], pdbViolations: 0 }])?.node, 'b')
  assert.equal(pickCandidate([{ node: 'a', victims: [v('1', 1, '2026-01-01T00:00:00Z')], pdbViolations: 0 }, { node: 'b', victims: [v('3', 1, '2026-01-02T00:00:00Z')], pdbViolations: 0 }])?.node, 'b')
})
