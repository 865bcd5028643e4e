// Table tests after upstream's taint_eviction_test.go (TestCreatePod, TestUpdatePod, TestUpdateNode,
// TestGetMinTolerationTime).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js'
import { matchingTolerations, minTolerationMs, noExecuteTaints, planPodEviction, type PendingEviction } from './plan.js'

const t0 = Date.parse('2026-01-01T00:00:00Z')
const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }
const custom: Taint = { key: 'testTaint1', value: 'test1', effect: 'NoExecute' }
const tol = (key: string, seconds?: number, extra: Partial<Toleration> = {}): Toleration => ({ key, operator: 'Exists', effect: 'NoExecute', ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}), ...extra })
const defaults = [tol('node.kubernetes.io/not-ready', 300), tol('node.kubernetes.io/unreachable', 300)]
const pod = (tolerations: Toleration[] = [], extra: Partial<Pod['metadata']> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u1', ...extra },
  spec: { nodeName: 'n1', containers: [], tolerations },
})

describe('planPodEviction', () => {
  const cases: { name: string; pod: Pod; taints: Taint[]; pending?: PendingEviction; now?: number; want: unknown }[] = [
    { name: 'no taints: nothing', pod: pod(), taints: [], want: { kind: 'none', cancel: false } },
    { name: 'untolerated taint: now', pod: pod(defaults), taints: [custom], want: { kind: 'evict', cancel: false } },
    { name: 'the default 300 s toleration: wait 300 s from now', pod: pod(defaults), taints: [unreachable], want: { kind: 'wait', pending: { uid: 'u1', createdAt: t0, fireAt: t0 + 300_000 } } },
    { name: 'tolerated forever: nothing', pod: pod([tol('node.kubernetes.io/unreachable')]), taints: [unreachable], want: { kind: 'none', cancel: false } },
    {
      name: 'the least tolerationSeconds of the tolerations used wins',
      pod: pod([tol('node.kubernetes.io/unreachable', 30), tol('testTaint1', 10)]),
      taints: [unreachable, custom],
      want: { kind: 'wait', pending: { uid: 'u1', createdAt: t0, fireAt: t0 + 10_000 } },
    },
    {
      name: 'pending and due: evict',
      pod: pod(defaults),
      taints: [unreachable],
      pending: { uid: 'u1', createdAt: t0 - 300_000, fireAt: t0 },
      want: { kind: 'evict', cancel: false },
    },
    {
      name: 'pending and not due: the same schedule, not restarted',
      pod: pod(defaults),
      taints: [unreachable],
      pending: { uid: 'u1', createdAt: t0 - 100_000, fireAt: t0 + 200_000 },
      want: { kind: 'wait', pending: { uid: 'u1', createdAt: t0 - 100_000, fireAt: t0 + 200_000 } },
    },
    { name: 'the taint went: the pending eviction is cancelled', pod: pod(defaults), taints: [], pending: { uid: 'u1', createdAt: t0, fireAt: t0 + 1 }, want: { kind: 'none', cancel: true } },
    {
      name: 'an untolerated taint replaces a pending eviction',
      pod: pod(defaults),
      taints: [unreachable, custom],
      pending: { uid: 'u1', createdAt: t0, fireAt: t0 + 300_000 },
      want: { kind: 'evict', cancel: true },
    },
    {
      name: 'tolerations now forever: cancelled',
      pod: pod([tol('node.kubernetes.io/unreachable')]),
      taints: [unreachable],
      pending: { uid: 'u1', createdAt: t0, fireAt: t0 + 300_000 },
      want: { kind: 'none', cancel: true },
    },
    { name: 'a pod already terminating: nothing', pod: pod([], { deletionTimestamp: '2026-01-01T00:00:00Z' }), taints: [custom], want: { kind: 'none', cancel: false } },
    {
      name: 'a pending eviction of an earlier pod of that name does not carry over',
      pod: pod(defaults, { uid: 'u2' }),
      taints: [unreachable],
      pending: { uid: 'u1', createdAt: t0 - 300_000, fireAt: t0 - 1 },
      want: { kind: 'wait', pending: { uid: 'u2', createdAt: t0, fireAt: t0 + 300_000 } },
    },
    { name: 'tolerationSeconds 0: now', pod: pod([tol('node.kubernetes.io/unreachable', 0)]), taints: [unreachable], want: { kind: 'evict', cancel: false } },
  ]
  for (const c of cases) it(c.name, () => assert.deepEqual(planPodEviction(c.pod, c.taints, c.pending, c.now ?? t0), c.want))
})

describe('helpers', () => {
  it('getMinTolerationTime', () => {
    assert.equal(minTolerationMs([]), 0)
    assert.equal(minTolerationMs([tol('a')]), -1)
    assert.equal(minTolerationMs([tol('a'), tol('b', 20)]), 20_000)
    assert.equal(minTolerationMs([tol('a', 5), tol('b', -1)]), 0)
  })
  it('GetMatchingTolerations: every taint needs one; an empty key with Exists tolerates all', () => {
    assert.deepEqual(matchingTolerations([custom], [tol('other')]), { all: false, used: [] })
    assert.deepEqual(matchingTolerations([custom, unreachable], [{ operator: 'Exists' }]), { all: true, used: [{ operator: 'Exists' }, { operator: 'Exists' }] })
    assert.deepEqual(matchingTolerations([custom], [{ key: 'testTaint1', operator: 'Equal', value: 'other', effect: 'NoExecute' }]).all, false)
  })
  it('only NoExecute taints count', () => {
    assert.deepEqual(noExecuteTaints([{ key: 'a', effect: 'NoSchedule' }, unreachable]), [unreachable])
  })
})
