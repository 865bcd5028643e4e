// Table tests of the ReplicaSet controller's decisions, transcribed from upstream's
// pkg/controller/replicaset (replica_set_test.go, replica_set_utils_test.go) and
// pkg/controller/controller_utils_test.go (TestSortingActivePods, TestSortingActivePodsWithRanks).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rfc3339 } from '../../lib/duration.js'
import type { PodObj } from '../runtime/pods.js'
import {
  burstReplicas,
  comparePodsForDeletion,
  computeReplicaSetStatus,
  planReplicas,
  podDeletionCostAnnotation,
  podFromTemplate,
  podsToDelete,
  replicaSetStatusChanged,
  slowStartBatches,
  type ReplicaSetObj,
} from './plan.js'

const now = new Date('2026-03-01T10:00:00Z')
const ago = (ms: number) => rfc3339(new Date(now.getTime() - ms))
const hour = 3_600_000
const month = 30 * 24 * hour

function replicaSet(replicas: number | undefined, selector: Record<string, string> = { name: 'foo' }, extra: Partial<ReplicaSetObj['spec']> = {}): ReplicaSetObj {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'foo', namespace: 'default', uid: 'uid-foo', generation: 1 },
    // upstream's newReplicaSet: the template's labels are always name=foo,type=production.
    spec: { ...(replicas === undefined ? {} : { replicas }), selector: { matchLabels: selector }, template: { metadata: { labels: { name: 'foo', type: 'production' } }, spec: { containers: [{ name: 'c', image: 'foo/bar' }] } }, ...extra },
  }
}

interface PodOptions {
  node?: string
  phase?: string
  ready?: boolean
  readySince?: string
  restarts?: number[]
  created?: string
  annotations?: Record<string, string>
  labels?: Record<string, string>
  deleting?: boolean
}

function pod(name: string, o: PodOptions = {}): PodObj {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      ...(o.created ? { creationTimestamp: o.created } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.deleting ? { deletionTimestamp: ago(0) } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'i' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ready ? { conditions: [{ type: 'Ready', status: 'True', ...(o.readySince ? { lastTransitionTime: o.readySince } : {}) }] } : {}),
      ...(o.restarts ? { containerStatuses: o.restarts.map((restartCount, i) => ({ name: `c${i}`, image: 'i', imageID: '', ready: true, restartCount })) } : {}),
    },
  } as PodObj
}

/** A deterministic shuffle (upstream sorts 20 random permutations). */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items]
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

// ---- manageReplicas ----------------------------------------------------------------------------

test('planReplicas: create the missing pods, delete the surplus, nothing when even', () => {
  const rs = replicaSet(3)
  assert.deepEqual(planReplicas(rs, [pod('a')], [], now), { kind: 'create', count: 2 })
  assert.deepEqual(planReplicas(rs, [pod('a'), pod('b'), pod('c')], [], now), { kind: 'none' })
  assert.deepEqual(planReplicas(replicaSet(undefined), [], [], now), { kind: 'create', count: 1 }) // replicas defaults to 1
  assert.deepEqual(planReplicas(replicaSet(0), [], [], now), { kind: 'none' })

  // Surplus: the pods that cost least go (unscheduled, then pending, then not ready, ...).
  const pods = [pod('running', { node: 'n', ready: true, readySince: ago(hour) }), pod('pending', { node: 'n', phase: 'Pending' }), pod('unscheduled', { phase: 'Pending' }), pod('not-ready', { node: 'n' })]
  const del = planReplicas(replicaSet(1), pods, pods, now)
  assert.equal(del.kind, 'delete')
  assert.deepEqual(
    del.kind === 'delete' && del.pods.map((p) => p.metadata.name),
    ['unscheduled', 'pending', 'not-ready'],
  )
  // All of them: no sorting needed, every pod goes.
  const all = planReplicas(replicaSet(0), pods, pods, now)
  assert.deepEqual(all.kind === 'delete' && all.pods.map((p) => p.metadata.name).sort(), ['not-ready', 'pending', 'running', 'unscheduled'])
})

test('planReplicas: at most burstReplicas (500) creations or deletions a pass', () => {
  assert.equal(burstReplicas, 500)
  assert.deepEqual(planReplicas(replicaSet(1200), [], [], now), { kind: 'create', count: 500 })
  const many = Array.from({ length: 700 }, (_, i) => pod(`p${i}`, { node: 'n', ready: true, readySince: ago(hour) }))
  const del = planReplicas(replicaSet(0), many, many, now)
  assert.equal(del.kind === 'delete' && del.pods.length, 500)
})

test('slowStartBatches: 1, 2, 4, ... until all are done', () => {
  const cases: [number, number[]][] = [
    [0, []],
    [1, [1]],
    [2, [1, 1]],
    [3, [1, 2]],
    [7, [1, 2, 4]],
    [8, [1, 2, 4, 1]],
    [10, [1, 2, 4, 3]],
    [500, [1, 2, 4, 8, 16, 32, 64, 128, 245]],
  ]
  for (const [count, batches] of cases) {
    assert.deepEqual(slowStartBatches(count), batches, `${count}`)
    assert.equal(batches.reduce((a, b) => a + b, 0), count)
  }
  assert.deepEqual(slowStartBatches(5, 5), [5])
  assert.deepEqual(slowStartBatches(10, 3), [3, 6, 1])
})

test('slowStartBatch (upstream TestSlowStartBatch): a failing batch stops the rest', async (t) => {
  // As the controller runs them: each batch in full, then stop if any call in it failed.
  const run = (count: number, callLimit: number) => {
    let calls = 0
    let successes = 0
    for (const size of slowStartBatches(count)) {
      let failed = false
      for (let i = 0; i < size; i++) {
        calls++
        if (calls > callLimit) failed = true
        else successes++
      }
      if (failed) break
    }
    return { successes, calls }
  }
  const cases: { name: string; count: number; callLimit: number; expectedSuccesses: number; expectedCallCnt: number }[] = [
    { name: 'callLimit = 0 (all fail)', count: 10, callLimit: 0, expectedSuccesses: 0, expectedCallCnt: 1 },
    { name: 'callLimit = count (all succeed)', count: 10, callLimit: 10, expectedSuccesses: 10, expectedCallCnt: 10 }, // 1 + 2 + 4 + 3
    { name: 'callLimit < count (some succeed)', count: 10, callLimit: 5, expectedSuccesses: 5, expectedCallCnt: 7 }, // 1 + 2 + 4
  ]
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(run(c.count, c.callLimit), { successes: c.expectedSuccesses, calls: c.expectedCallCnt }))
})

// ---- which pods go first -----------------------------------------------------------------------

test('ActivePods order (upstream TestSortingActivePods: Sorts by active pod)', () => {
  const then = ago(month)
  const pods = [
    pod('unscheduled', { phase: 'Pending' }),
    pod('scheduledButPending', { node: 'bar', phase: 'Pending' }),
    pod('unknownPhase', { node: 'foo', phase: 'Unknown' }),
    pod('runningButNotReady', { node: 'foo', phase: 'Running' }),
    pod('runningNoLastTransitionTime', { node: 'foo', ready: true, restarts: [3, 0] }),
    pod('runningWithLastTransitionTime', { node: 'foo', ready: true, readySince: ago(0), restarts: [3, 0] }),
    pod('runningLongerTime', { node: 'foo', ready: true, readySince: then, restarts: [3, 0] }),
    pod('lowerContainerRestartCount', { node: 'foo', ready: true, readySince: then, restarts: [2, 1], created: ago(0) }),
    pod('oldest', { node: 'foo', ready: true, readySince: then, restarts: [2, 1], created: then }),
  ]
  const wantOrder = pods.map((p) => p.metadata.name)
  for (let i = 0; i < 20; i++) {
    const sorted = shuffled(pods, i + 1).sort((a, b) => comparePodsForDeletion(a, b, 0, 0, now))
    assert.deepEqual(
      sorted.map((p) => p.metadata.name),
      wantOrder,
      `permutation ${i}`,
    )
    // podsToDelete takes them in that order.
    assert.deepEqual(
      podsToDelete(shuffled(pods, i + 100), [], 4, now).map((p) => p.metadata.name),
      wantOrder.slice(0, 4),
    )
  }
})

test('ActivePodsWithRanks (upstream TestSortingActivePodsWithRanks)', async (t) => {
  const then1Month = ago(month)
  const then2Hours = ago(2 * hour)
  const then5Hours = ago(5 * hour)
  const then8Hours = ago(8 * hour)
  const zero = undefined
  const p = (name: string, node: string, phase: string, ready: boolean, restarts: number, readySince: string | undefined, created: string | undefined, annotations?: Record<string, string>) =>
    pod(name, { node: node || undefined, phase, ready, readySince, created, annotations, restarts: ready ? [restarts] : undefined })
  const unscheduledPod = p('unscheduled', '', 'Pending', false, 0, zero, zero)
  const scheduledPendingPod = p('pending', 'node', 'Pending', false, 0, zero, zero)
  const unknownPhasePod = p('unknown-phase', 'node', 'Unknown', false, 0, zero, zero)
  const runningNotReadyPod = p('not-ready', 'node', 'Running', false, 0, zero, zero)
  const runningReadyNoLastTransitionTimePod = p('ready-no-last-transition-time', 'node', 'Running', true, 0, zero, zero)
  const runningReadyNow = p('ready-now', 'node', 'Running', true, 0, ago(0), ago(0))
  const runningReadyThen = p('ready-then', 'node', 'Running', true, 0, then1Month, then1Month)
  const runningReadyNowHighRestarts = p('ready-high-restarts', 'node', 'Running', true, 9001, ago(0), ago(0))
  const runningReadyNowCreatedThen = p('ready-now-created-then', 'node', 'Running', true, 0, ago(0), then1Month)
  const lowPodDeletionCost = p('low-deletion-cost', 'node', 'Running', true, 0, ago(0), then1Month, { [podDeletionCostAnnotation]: '10' })
  const highPodDeletionCost = p('high-deletion-cost', 'node', 'Running', true, 0, ago(0), then1Month, { [podDeletionCostAnnotation]: '100' })
  const unscheduled5Hours = p('unscheduled-5-hours', '', 'Pending', false, 0, then5Hours, then5Hours)
  const unscheduled8Hours = p('unscheduled-10-hours', '', 'Pending', false, 0, then8Hours, then8Hours)
  const ready2Hours = p('ready-2-hours', '', 'Running', true, 0, then2Hours, then1Month)
  const ready5Hours = p('ready-5-hours', '', 'Running', true, 0, then5Hours, then1Month)
  const ready10Hours = p('ready-10-hours', '', 'Running', true, 0, then8Hours, then1Month)
  // Upstream's pods have no UIDs: times in the same power-of-two bucket tie.
  for (const x of [unscheduled5Hours, unscheduled8Hours, ready5Hours, ready10Hours]) x.metadata = { ...x.metadata, uid: undefined }

  const equalityTests: { p1: PodObj; p2?: PodObj }[] = [
    { p1: unscheduledPod },
    { p1: scheduledPendingPod },
    { p1: unknownPhasePod },
    { p1: runningNotReadyPod },
    { p1: runningReadyNowCreatedThen },
    { p1: runningReadyNow },
    { p1: runningReadyThen },
    { p1: runningReadyNowHighRestarts },
    { p1: runningReadyNowCreatedThen },
    { p1: unscheduled5Hours, p2: unscheduled8Hours },
    { p1: ready5Hours, p2: ready10Hours },
  ]
  for (const [i, c] of equalityTests.entries()) {
    await t.test(`Equality tests ${i}`, () => {
      const p2 = c.p2 ?? c.p1
      assert.equal(comparePodsForDeletion(c.p1, p2, 1, 1, now), 0, `${c.p1.metadata.name} ~ ${p2.metadata.name}`)
      assert.equal(comparePodsForDeletion(p2, c.p1, 1, 1, now), 0)
    })
  }

  const inequalityTests: { lesser: [PodObj, number]; greater: [PodObj, number] }[] = [
    { lesser: [unscheduledPod, 1], greater: [scheduledPendingPod, 2] },
    { lesser: [unscheduledPod, 2], greater: [scheduledPendingPod, 1] },
    { lesser: [scheduledPendingPod, 1], greater: [unknownPhasePod, 2] },
    { lesser: [unknownPhasePod, 1], greater: [runningNotReadyPod, 2] },
    { lesser: [runningNotReadyPod, 1], greater: [runningReadyNoLastTransitionTimePod, 1] },
    { lesser: [runningReadyNoLastTransitionTimePod, 1], greater: [runningReadyNow, 1] },
    { lesser: [runningReadyNow, 2], greater: [runningReadyNoLastTransitionTimePod, 1] },
    { lesser: [runningReadyNow, 1], greater: [runningReadyThen, 1] },
    { lesser: [runningReadyNow, 2], greater: [runningReadyThen, 1] },
    { lesser: [runningReadyNowHighRestarts, 1], greater: [runningReadyNow, 1] },
    { lesser: [runningReadyNow, 2], greater: [runningReadyNowHighRestarts, 1] },
    { lesser: [runningReadyNow, 1], greater: [runningReadyNowCreatedThen, 1] },
    { lesser: [runningReadyNowCreatedThen, 2], greater: [runningReadyNow, 1] },
    { lesser: [lowPodDeletionCost, 2], greater: [highPodDeletionCost, 1] },
    // (upstream's case 14 turns the PodDeletionCost gate off; the gate is always on here)
    { lesser: [ready2Hours, 1], greater: [ready5Hours, 1] },
    // Not upstream's: the cost decides before the rank (in case 13 the rank agrees with it).
    { lesser: [lowPodDeletionCost, 1], greater: [highPodDeletionCost, 2] },
  ]
  for (const [i, c] of inequalityTests.entries()) {
    await t.test(`Inequality tests ${i}: ${c.lesser[0].metadata.name}/${c.lesser[1]} before ${c.greater[0].metadata.name}/${c.greater[1]}`, () => {
      assert.ok(comparePodsForDeletion(c.lesser[0], c.greater[0], c.lesser[1], c.greater[1], now) < 0)
      assert.ok(comparePodsForDeletion(c.greater[0], c.lesser[0], c.greater[1], c.lesser[1], now) > 0)
    })
  }
})

test('deletion rank: pods doubled up with related pods on a node go first; finished or deleting pods do not count', () => {
  const ready = (name: string, node: string, extra: PodOptions = {}) => pod(name, { node, ready: true, readySince: ago(hour), created: ago(hour), ...extra })
  const owned = [ready('on-a', 'a'), ready('on-b', 'b'), ready('on-c', 'c')]
  // Node b has one sibling pod (of another ReplicaSet of the same Deployment) besides on-b.
  const related = [...owned, ready('sibling-b', 'b')]
  assert.deepEqual(
    podsToDelete(owned, related, 1, now).map((p) => p.metadata.name),
    ['on-b'],
  )
  // Finished (Failed/Succeeded) and terminating pods are not active: they make no node crowded
  // (upstream's getPodsRankedByRelatedPodsOnSameNode counts controller.IsPodActive pods only).
  for (const gone of [ready('evicted-c', 'c', { phase: 'Failed' }), ready('done-c', 'c', { phase: 'Succeeded' }), ready('leaving-c', 'c', { deleting: true })]) {
    const relatedWithGone = [...related, gone, { ...gone, metadata: { ...gone.metadata, name: `${gone.metadata.name}-2`, uid: `${gone.metadata.uid}-2` } }]
    assert.deepEqual(
      podsToDelete(owned, relatedWithGone, 1, now).map((p) => p.metadata.name),
      ['on-b'],
      gone.metadata.name,
    )
  }
})

// ---- status -----------------------------------------------------------------------------------

/** upstream's newPod: labelled with the ReplicaSet's selector; Running means Ready. */
function newPod(name: string, rs: ReplicaSetObj, phase: 'Running' | 'Pending', readySince?: string): PodObj {
  return pod(name, { phase, ready: phase === 'Running', readySince, labels: { ...(rs.spec!.selector!.matchLabels as Record<string, string>) } })
}

test('calculateStatus (upstream TestCalculateStatus)', async (t) => {
  const labelMap = { name: 'foo' }
  const fullLabelMap = { name: 'foo', type: 'production' }
  const notFullyLabelledRS = replicaSet(1, labelMap)
  // Set replica num to 2 for status condition testing (diff < 0, diff > 0)
  const fullyLabelledRS = replicaSet(2, fullLabelMap)
  const longMinReadySecondsRS = replicaSet(1, fullLabelMap, { minReadySeconds: 3600 })
  const cases: { name: string; replicaset: ReplicaSetObj; filteredPods: PodObj[]; expected: { replicas: number; fullyLabeledReplicas: number; readyReplicas: number; availableReplicas: number } }[] = [
    { name: '1 fully labelled pod', replicaset: fullyLabelledRS, filteredPods: [newPod('pod1', fullyLabelledRS, 'Running')], expected: { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1 } },
    { name: '1 not fully labelled pod', replicaset: notFullyLabelledRS, filteredPods: [newPod('pod1', notFullyLabelledRS, 'Running')], expected: { replicas: 1, fullyLabeledReplicas: 0, readyReplicas: 1, availableReplicas: 1 } },
    {
      name: '2 fully labelled pods',
      replicaset: fullyLabelledRS,
      filteredPods: [newPod('pod1', fullyLabelledRS, 'Running'), newPod('pod2', fullyLabelledRS, 'Running')],
      expected: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
    },
    {
      name: '2 not fully labelled pods',
      replicaset: notFullyLabelledRS,
      filteredPods: [newPod('pod1', notFullyLabelledRS, 'Running'), newPod('pod2', notFullyLabelledRS, 'Running')],
      expected: { replicas: 2, fullyLabeledReplicas: 0, readyReplicas: 2, availableReplicas: 2 },
    },
    {
      name: '1 fully labelled pod, 1 not fully labelled pod',
      replicaset: notFullyLabelledRS,
      filteredPods: [newPod('pod1', notFullyLabelledRS, 'Running'), newPod('pod2', fullyLabelledRS, 'Running')],
      expected: { replicas: 2, fullyLabeledReplicas: 1, readyReplicas: 2, availableReplicas: 2 },
    },
    { name: '1 non-ready pod', replicaset: fullyLabelledRS, filteredPods: [newPod('pod1', fullyLabelledRS, 'Pending')], expected: { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 0, availableReplicas: 0 } },
    { name: '1 ready but non-available pod', replicaset: longMinReadySecondsRS, filteredPods: [newPod('pod1', longMinReadySecondsRS, 'Running')], expected: { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 0 } },
  ]
  for (const c of cases) {
    await t.test(c.name, () => {
      const s = computeReplicaSetStatus(c.replicaset, c.filteredPods, undefined, now)
      assert.deepEqual(
        { replicas: s.replicas ?? 0, fullyLabeledReplicas: s.fullyLabeledReplicas ?? 0, readyReplicas: s.readyReplicas ?? 0, availableReplicas: s.availableReplicas ?? 0 },
        c.expected,
      )
      assert.equal(s.conditions, undefined)
    })
  }
})

test('calculateStatus: available after minReadySeconds (strictly after), with observedGeneration; zero counts omitted', () => {
  const rs = replicaSet(3, { name: 'foo', type: 'production' }, { minReadySeconds: 5 })
  rs.metadata = { ...rs.metadata, generation: 4 }
  const pods = [newPod('long', rs, 'Running', ago(6000)), newPod('exactly', rs, 'Running', ago(5000)), newPod('fresh', rs, 'Running', ago(1000))]
  assert.deepEqual(computeReplicaSetStatus(rs, pods, undefined, now), { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 1, observedGeneration: 4 })
  assert.deepEqual(computeReplicaSetStatus(rs, [], undefined, now), { replicas: 0, observedGeneration: 4 })
})

test('calculateStatus conditions (upstream TestCalculateStatusConditions)', async (t) => {
  const labelMap = { name: 'foo' }
  const rs = replicaSet(2, labelMap)
  const replicaFailureRS = replicaSet(10, labelMap)
  replicaFailureRS.status = { replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True' }] }
  const ts = rfc3339(now)
  const cases: { name: string; replicaset: ReplicaSetObj; filteredPods: PodObj[]; manageReplicasErr: string | undefined; expected: unknown[] | undefined }[] = [
    {
      name: 'manageReplicasErr != nil && failureCond == nil, diff < 0',
      replicaset: rs,
      filteredPods: [newPod('pod1', rs, 'Running')],
      manageReplicasErr: 'fake manageReplicasErr',
      expected: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'fake manageReplicasErr', lastTransitionTime: ts }],
    },
    {
      name: 'manageReplicasErr != nil && failureCond == nil, diff > 0',
      replicaset: rs,
      filteredPods: [newPod('pod1', rs, 'Running'), newPod('pod2', rs, 'Running'), newPod('pod3', rs, 'Running')],
      manageReplicasErr: 'fake manageReplicasErr',
      expected: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedDelete', message: 'fake manageReplicasErr', lastTransitionTime: ts }],
    },
    { name: 'manageReplicasErr == nil && failureCond != nil', replicaset: replicaFailureRS, filteredPods: [newPod('pod1', replicaFailureRS, 'Running')], manageReplicasErr: undefined, expected: undefined },
    {
      name: 'manageReplicasErr != nil && failureCond != nil',
      replicaset: replicaFailureRS,
      filteredPods: [newPod('pod1', replicaFailureRS, 'Running')],
      manageReplicasErr: 'fake manageReplicasErr',
      expected: [{ type: 'ReplicaFailure', status: 'True' }],
    },
    { name: 'manageReplicasErr == nil && failureCond == nil', replicaset: rs, filteredPods: [newPod('pod1', rs, 'Running')], manageReplicasErr: undefined, expected: undefined },
  ]
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(computeReplicaSetStatus(c.replicaset, c.filteredPods, c.manageReplicasErr, now).conditions, c.expected))
})

test('replicaSetStatusChanged: counts, generation or conditions', () => {
  const rs = replicaSet(2)
  rs.status = { replicas: 2, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1 }
  const same = { replicas: 2, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1 }
  assert.equal(replicaSetStatusChanged(rs, same), false)
  assert.equal(replicaSetStatusChanged(rs, { ...same, availableReplicas: 1 }), true)
  assert.equal(replicaSetStatusChanged({ ...rs, metadata: { ...rs.metadata, generation: 2 } }, same), true)
  assert.equal(replicaSetStatusChanged(rs, { ...same, conditions: [{ type: 'ReplicaFailure', status: 'True' }] }), true)
})

// ---- podFromTemplate ---------------------------------------------------------------------------

test('podFromTemplate (controller.GetPodFromTemplate): generateName <rs>-, labels, annotations, finalizers, controller ref, a copy of the spec', () => {
  const rs = replicaSet(1)
  rs.spec!.template = {
    metadata: { name: 'ignored', labels: { name: 'foo', type: 'production' }, annotations: { note: 'x' }, finalizers: ['example.com/keep'] },
    spec: { containers: [{ name: 'c', image: 'foo/bar', env: [{ name: 'A', value: '1' }] }], restartPolicy: 'Always' },
  }
  const p = podFromTemplate(rs.spec!.template, rs, 'apps/v1', 'ReplicaSet')
  assert.deepEqual(p, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'foo-',
      namespace: 'default',
      labels: { name: 'foo', type: 'production' },
      annotations: { note: 'x' },
      finalizers: ['example.com/keep'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'foo', uid: 'uid-foo', controller: true, blockOwnerDeletion: true }],
    },
    spec: { containers: [{ name: 'c', image: 'foo/bar', env: [{ name: 'A', value: '1' }] }], restartPolicy: 'Always' },
  })
  // A deep copy: the pod can be changed without touching the (cached) template.
  ;(p.spec as { containers: { image: string }[] }).containers[0].image = 'changed'
  ;(p.metadata!.labels as Record<string, string>).extra = 'y'
  assert.equal(rs.spec!.template.spec!.containers[0].image, 'foo/bar')
  assert.equal(rs.spec!.template.metadata!.labels!.extra, undefined)
  // No labels, annotations or finalizers in the template: none on the pod.
  const bare = podFromTemplate({ spec: { containers: [] } }, rs, 'apps/v1', 'ReplicaSet')
  assert.deepEqual(Object.keys(bare.metadata!).sort(), ['generateName', 'namespace', 'ownerReferences'])
})
