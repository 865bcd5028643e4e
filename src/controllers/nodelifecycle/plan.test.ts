import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Node } from 'kubernetes-types/core/v1.js'
import { planNoScheduleTaints } from './plan.js'

const node = (spec: Node['spec'], conditions: [string, string][] = [['Ready', 'True']]): Node => ({
  metadata: { name: 'n' },
  spec,
  status: { conditions: conditions.map(([type, status]) => ({ type, status })) },
})

test('a ready, schedulable node with no taints needs nothing', () => {
  assert.equal(planNoScheduleTaints(node({})), undefined)
})

test('cordon adds node.kubernetes.io/unschedulable:NoSchedule; uncordon takes it away, and only it', () => {
  assert.deepEqual(planNoScheduleTaints(node({ unschedulable: true })), [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }])
  const user = { key: 'dedicated', value: 'db', effect: 'NoSchedule' as const }
  assert.deepEqual(planNoScheduleTaints(node({ taints: [user, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] })), [user])
  assert.equal(planNoScheduleTaints(node({ unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] })), undefined)
})

test('conditions map to upstream taint keys: Ready False → not-ready, Unknown → unreachable, pressures when True', () => {
  assert.deepEqual(planNoScheduleTaints(node({}, [['Ready', 'False']])), [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }])
  assert.deepEqual(planNoScheduleTaints(node({}, [['Ready', 'Unknown'], ['MemoryPressure', 'True'], ['DiskPressure', 'False']])), [
    { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
  ])
  // Back to Ready: the not-ready taint goes; a NoExecute taint of the same key is not this pass's.
  const noExecute = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' as const }
  assert.deepEqual(planNoScheduleTaints(node({ taints: [noExecute, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] })), [noExecute])
})
