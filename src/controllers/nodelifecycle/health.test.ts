// Table tests of the health pass, after upstream's TestMonitorNodeHealthUpdateStatus,
// TestMonitorNodeHealthUpdateNodeAndPodStatusWithLease, TestComputeZoneState and
// TestSwapUnreachableNotReadyTaints (node_lifecycle_controller_test.go).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Node, NodeCondition, Pod, Taint } from 'kubernetes-types/core/v1.js'
import {
  computeNodeHealth,
  computeZoneState,
  planNoExecuteTaint,
  planPodNotReady,
  planTaintBasedEviction,
  swapNoExecuteTaints,
  takeToken,
  zoneEvictionQPS,
  zoneKey,
  type NodeHealth,
} from './health.js'

const t0 = Date.parse('2026-01-01T00:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const s = (n: number) => n * 1000
const grace = { gracePeriodMs: s(50), startupGracePeriodMs: s(60) }

const cond = (type: string, status: string, heartbeat = t0, transition = t0): NodeCondition => ({ type, status, lastHeartbeatTime: iso(heartbeat), lastTransitionTime: iso(transition) })
const node = (conditions?: NodeCondition[], taints: Taint[] | undefined = undefined, labels?: Record<string, string>): Node => ({
  metadata: { name: 'n1', uid: 'u1', creationTimestamp: iso(t0), ...(labels ? { labels } : {}) },
  spec: taints ? { taints } : {},
  status: conditions ? { conditions } : {},
})
const healthy = () => [cond('Ready', 'True'), cond('MemoryPressure', 'False'), cond('DiskPressure', 'False'), cond('PIDPressure', 'False'), cond('NetworkUnavailable', 'False')]

describe('computeNodeHealth', () => {
  it('a node seen for the first time gets a full grace period from now, whatever its heartbeat says', () => {
    const r = computeNodeHealth({ node: node(healthy()), now: t0 + s(3600), ...grace })
    assert.equal(r.conditions, undefined)
    assert.deepEqual(r.health.probeTimestamp, t0 + s(3600))
    assert.equal(r.currentReady?.status, 'True')
  })

  it('silent past the grace period: kubelet conditions Unknown with upstream words, NetworkUnavailable untouched', () => {
    const saved: NodeHealth = { probeTimestamp: t0, readyTransitionTimestamp: t0, ready: cond('Ready', 'True') }
    const within = computeNodeHealth({ node: node(healthy()), saved, now: t0 + s(50), ...grace })
    assert.equal(within.conditions, undefined, 'exactly at the grace period: not yet (upstream: now.After(probe+grace))')
    const now = t0 + s(51)
    const r = computeNodeHealth({ node: node(healthy()), saved, now, ...grace })
    const unknown = (type: string) => ({ type, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: iso(t0), lastTransitionTime: iso(now) })
    assert.deepEqual(r.conditions, [unknown('Ready'), unknown('MemoryPressure'), unknown('DiskPressure'), unknown('PIDPressure'), cond('NetworkUnavailable', 'False')])
    assert.equal(r.observedReady.status, 'True')
    assert.equal(r.currentReady?.status, 'Unknown')
    assert.equal(r.health.readyTransitionTimestamp, now)
    // The next pass sees the status it wrote: nothing more to write.
    const again = computeNodeHealth({ node: node(r.conditions), saved: r.health, now: now + s(5), ...grace })
    assert.equal(again.conditions, undefined)
    assert.equal(again.observedReady.status, 'Unknown')
  })

  it('a renewed Lease keeps a node whose status never changes healthy', () => {
    let saved: NodeHealth = { probeTimestamp: t0, readyTransitionTimestamp: t0, ready: cond('Ready', 'True'), leaseRenewTime: '2026-01-01T00:00:00.000000Z' }
    const r1 = computeNodeHealth({ node: node(healthy()), leaseRenewTime: '2026-01-01T00:00:40.000000Z', saved, now: t0 + s(45), ...grace })
    assert.equal(r1.health.probeTimestamp, t0 + s(45))
    saved = r1.health
    const r2 = computeNodeHealth({ node: node(healthy()), leaseRenewTime: '2026-01-01T00:00:40.000000Z', saved, now: t0 + s(90), ...grace })
    assert.equal(r2.conditions, undefined, '45 s after the last renewal: within 50 s')
    const r3 = computeNodeHealth({ node: node(healthy()), leaseRenewTime: '2026-01-01T00:00:40.000000Z', saved, now: t0 + s(96), ...grace })
    assert.equal(r3.currentReady?.status, 'Unknown')
  })

  it('a new heartbeat in the Ready condition counts; a changed transition time moves readyTransitionTimestamp', () => {
    const saved: NodeHealth = { probeTimestamp: t0, readyTransitionTimestamp: t0, ready: cond('Ready', 'True') }
    const r = computeNodeHealth({ node: node([cond('Ready', 'False', t0 + s(20), t0 + s(20))]), saved, now: t0 + s(21), ...grace })
    assert.deepEqual([r.health.probeTimestamp, r.health.readyTransitionTimestamp], [t0 + s(21), t0 + s(21)])
    assert.equal(r.currentReady?.status, 'False')
    assert.equal(r.conditions, undefined)
  })

  it('a kubelet that never posted: startup grace from the node creation, then NodeStatusNeverUpdated', () => {
    const bare = node()
    assert.equal(computeNodeHealth({ node: bare, now: t0 + s(60), ...grace }).conditions, undefined)
    const now = t0 + s(61)
    const r = computeNodeHealth({ node: bare, now, ...grace })
    assert.equal(r.observedReady.status, 'Unknown')
    assert.deepEqual(r.conditions?.[0], { type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: iso(t0), lastTransitionTime: iso(now) })
    assert.deepEqual(r.conditions?.map((c) => c.type), ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'])
    // The observed Ready is a fake Unknown one: the same status, so upstream writes only when it differs.
  })
})

describe('NoExecute taints', () => {
  const taint = (key: string, effect = 'NoExecute') => ({ key, effect })
  it('processTaintBaseEviction: queue by the observed status, swap at once when the opposite taint is there, clear when Ready', () => {
    assert.deepEqual(planTaintBasedEviction(node(), cond('Ready', 'Unknown')), { kind: 'queue', status: 'Unknown' })
    assert.deepEqual(planTaintBasedEviction(node(), cond('Ready', 'False')), { kind: 'queue', status: 'False' })
    assert.deepEqual(planTaintBasedEviction(node([], [taint('node.kubernetes.io/not-ready')]), cond('Ready', 'Unknown')), {
      kind: 'swap',
      add: 'node.kubernetes.io/unreachable',
      remove: 'node.kubernetes.io/not-ready',
    })
    assert.deepEqual(planTaintBasedEviction(node([], [taint('node.kubernetes.io/unreachable')]), cond('Ready', 'False')), {
      kind: 'swap',
      add: 'node.kubernetes.io/not-ready',
      remove: 'node.kubernetes.io/unreachable',
    })
    assert.deepEqual(planTaintBasedEviction(node(), cond('Ready', 'True')), { kind: 'reachable' })
  })

  it('the tainting pass follows the Ready condition now; a Ready node is dropped', () => {
    assert.deepEqual(planNoExecuteTaint(node([cond('Ready', 'Unknown')])), { add: 'node.kubernetes.io/unreachable', remove: 'node.kubernetes.io/not-ready' })
    assert.deepEqual(planNoExecuteTaint(node([cond('Ready', 'False')])), { add: 'node.kubernetes.io/not-ready', remove: 'node.kubernetes.io/unreachable' })
    assert.equal(planNoExecuteTaint(node([cond('Ready', 'True')])), undefined)
  })

  it('swap keeps other taints (the NoSchedule one of the same key too) and stamps timeAdded', () => {
    const user = { key: 'dedicated', value: 'db', effect: 'NoSchedule' as const }
    const noSchedule = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' as const }
    const n = node([], [user, noSchedule, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: iso(t0) }])
    assert.deepEqual(swapNoExecuteTaints(n, 'node.kubernetes.io/unreachable', ['node.kubernetes.io/not-ready'], t0 + s(7)), [
      user,
      noSchedule,
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(t0 + s(7)) },
    ])
    assert.deepEqual(swapNoExecuteTaints(n, undefined, ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'], t0), [user, noSchedule])
    assert.equal(swapNoExecuteTaints(node([], [user]), undefined, ['node.kubernetes.io/unreachable'], t0), undefined)
  })
})

describe('zones', () => {
  const ready = (status: string) => cond('Ready', status)
  it('ComputeZoneState', () => {
    const cases: [string[], string][] = [
      [['True', 'True'], 'Normal'],
      [['True', 'Unknown'], 'Normal'],
      [['Unknown', 'False'], 'FullDisruption'],
      [['True', 'Unknown', 'Unknown', 'False'], 'PartialDisruption'],
      [['True', 'True', 'Unknown', 'Unknown', 'False'], 'PartialDisruption'],
      [['True', 'True', 'True', 'Unknown', 'Unknown', 'False'], 'Normal'],
    ]
    for (const [statuses, want] of cases) assert.equal(computeZoneState(statuses.map(ready)).state, want, statuses.join(','))
    assert.equal(computeZoneState([undefined]).state, 'FullDisruption', 'a node with no Ready condition is not ready')
  })

  it('tainting rates: 0.1/s normally, none in a partially disrupted small zone, 0.01/s in a large one', () => {
    assert.equal(zoneEvictionQPS('Normal', 3), 0.1)
    assert.equal(zoneEvictionQPS('PartialDisruption', 50), 0)
    assert.equal(zoneEvictionQPS('PartialDisruption', 51), 0.01)
    assert.equal(zoneEvictionQPS('FullDisruption', 3), 0.1)
    assert.equal(takeToken(undefined, 0.1, t0), true)
    assert.equal(takeToken(t0, 0.1, t0 + s(9)), false)
    assert.equal(takeToken(t0, 0.1, t0 + s(10)), true)
    assert.equal(takeToken(undefined, 0, t0), false)
  })

  it('zone keys from the topology labels', () => {
    assert.equal(zoneKey(node()), '')
    assert.equal(zoneKey(node(undefined, undefined, { 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': 'z' })), 'r:\x00:z')
  })
})

describe('planPodNotReady', () => {
  const pod = (nodeName: string, ready?: string): Pod => ({
    metadata: { name: 'p' },
    spec: { nodeName, containers: [] },
    status: { conditions: [{ type: 'PodScheduled', status: 'True' }, ...(ready ? [{ type: 'Ready', status: ready, lastTransitionTime: iso(t0) }] : [])] },
  })
  it('Ready True → False stamped now, other conditions kept; nothing for False, none, or another node', () => {
    assert.deepEqual(planPodNotReady(pod('n1', 'True'), 'n1', t0 + s(5)), [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'False', lastTransitionTime: iso(t0 + s(5)) },
    ])
    assert.equal(planPodNotReady(pod('n1', 'False'), 'n1', t0), undefined)
    assert.equal(planPodNotReady(pod('n1'), 'n1', t0), undefined)
    assert.equal(planPodNotReady(pod('n2', 'True'), 'n1', t0), undefined)
  })
})
