// The pieces every workload controller shares: claiming by controller reference (upstream
// controller_ref_manager_test.go TestClaimPods), expectations (TestControllerExpectations) and
// conditions (deployment_util_test.go TestGetCondition / TestSetCondition / TestRemoveCondition).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { getCondition, removeCondition, setCondition, type Condition } from './conditions.js'
import { adoptPatch, controllerOf, isControlledBy, newControllerRef, planClaim, releasePatch } from './controllerref.js'
import { Expectations, expectationsTimeoutMs } from './expectations.js'
import { isPodActive, isPodAvailable, isPodReady, podAvailableAt } from './pods.js'

// ---- controller references and claiming ------------------------------------------------------

const controllerUID = '123'
const productionLabel = { type: 'production' }
const testLabel = { name: 'test' }

function controller(extra: { uid?: string; deleting?: boolean; namespace?: string } = {}): StoredObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'rs', namespace: extra.namespace ?? 'default', uid: extra.uid ?? controllerUID, ...(extra.deleting ? { deletionTimestamp: '2026-03-01T10:00:00Z' } : {}) },
  }
}

function newPod(name: string, labels: Record<string, string>, owner?: StoredObject, extra: { deleting?: boolean; namespace?: string } = {}): StoredObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      uid: `uid-${name}`,
      labels,
      ...(owner ? { ownerReferences: [newControllerRef(owner, 'apps/v1', 'ReplicaSet')] } : {}),
      ...(extra.deleting ? { deletionTimestamp: '2026-03-01T10:00:00Z' } : {}),
    },
  }
}

const matchesProduction = (o: StoredObject) => o.metadata.labels?.type === 'production'
const names = (objs: StoredObject[]) => objs.map((o) => o.metadata.name)

test('ClaimPods (upstream TestClaimPods)', async (t) => {
  const cases: { name: string; manager: StoredObject; pods: StoredObject[]; claimed: string[]; adopted: string[]; released: string[] }[] = [
    { name: 'Claim pods with correct label', manager: controller(), pods: [newPod('pod1', productionLabel), newPod('pod2', testLabel)], claimed: ['pod1'], adopted: ['pod1'], released: [] },
    {
      name: 'Controller marked for deletion can not claim pods',
      manager: controller({ deleting: true }),
      pods: [newPod('pod1', productionLabel), newPod('pod2', productionLabel)],
      claimed: [],
      adopted: [],
      released: [],
    },
    {
      name: 'Controller marked for deletion can not claim new pods',
      manager: controller({ deleting: true }),
      pods: [newPod('pod1', productionLabel, controller()), newPod('pod2', productionLabel)],
      claimed: ['pod1'],
      adopted: [],
      released: [],
    },
    {
      name: 'Controller can not claim pods owned by another controller',
      manager: controller(),
      pods: [newPod('pod1', productionLabel, controller()), newPod('pod2', productionLabel, controller({ uid: 'AAAAA' }))],
      claimed: ['pod1'],
      adopted: [],
      released: [],
    },
    {
      name: "Controller releases claimed pods when selector doesn't match",
      manager: controller(),
      pods: [newPod('pod1', productionLabel, controller()), newPod('pod2', testLabel, controller())],
      claimed: ['pod1'],
      adopted: [],
      released: ['pod2'],
    },
    {
      name: 'Controller does not claim orphaned pods marked for deletion',
      manager: controller(),
      pods: [newPod('pod1', productionLabel, controller(), { deleting: true }), newPod('pod2', productionLabel, undefined, { deleting: true })],
      claimed: ['pod1'],
      adopted: [],
      released: [],
    },
    // A controller being deleted keeps what it owns and still matches, and releases nothing.
    {
      name: 'Controller marked for deletion does not release pods',
      manager: controller({ deleting: true }),
      pods: [newPod('pod1', testLabel, controller())],
      claimed: [],
      adopted: [],
      released: [],
    },
    {
      name: 'Controller does not adopt orphans from another namespace',
      manager: controller(),
      pods: [newPod('pod1', productionLabel, undefined, { namespace: 'other' })],
      claimed: [],
      adopted: [],
      released: [],
    },
  ]
  for (const c of cases) {
    await t.test(c.name, () => {
      const claim = planClaim(c.manager, c.pods, matchesProduction)
      assert.deepEqual(names(claim.owned), c.claimed)
      assert.deepEqual(names(claim.adopt), c.adopted)
      assert.deepEqual(names(claim.release), c.released)
    })
  }
})

test('controller references: the controlling owner, and the patches that adopt and release', () => {
  const rs = controller()
  const ref = newControllerRef(rs, 'apps/v1', 'ReplicaSet')
  assert.deepEqual(ref, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: controllerUID, controller: true, blockOwnerDeletion: true })
  const p = newPod('pod1', productionLabel, rs)
  assert.equal(controllerOf(p)?.uid, controllerUID)
  assert.equal(isControlledBy(p, rs), true)
  assert.equal(isControlledBy(p, controller({ uid: 'other' })), false)
  // A plain (non-controller) owner reference does not control.
  const owned = { ...p, metadata: { ...p.metadata, ownerReferences: [{ ...ref, controller: false }] } }
  assert.equal(controllerOf(owned), undefined)
  // Upstream's patches: the uid guards against a re-created object of the same name.
  assert.deepEqual(adoptPatch(p, ref), { metadata: { ownerReferences: [ref], uid: 'uid-pod1' } })
  assert.deepEqual(releasePatch(p, controllerUID), { metadata: { ownerReferences: [{ $patch: 'delete', uid: controllerUID }], uid: 'uid-pod1' } })
})

// ---- expectations ----------------------------------------------------------------------------

test('Expectations: an owner syncs once every expected creation and deletion was observed', () => {
  const e = new Expectations(() => 0)
  assert.equal(e.satisfied('ns/rs'), true) // never set
  e.expectCreations('ns/rs', 2)
  assert.equal(e.satisfied('ns/rs'), false)
  e.creationObserved('ns/rs')
  assert.equal(e.satisfied('ns/rs'), false)
  e.creationObserved('ns/rs')
  assert.equal(e.satisfied('ns/rs'), true)
  assert.equal(e.satisfied('ns/other'), true) // per owner

  e.expectDeletions('ns/rs', ['ns/a', 'ns/b'])
  assert.equal(e.satisfied('ns/rs'), false)
  e.deletionObserved('ns/rs', 'ns/a')
  e.deletionObserved('ns/rs', 'ns/a') // the same pod seen going twice counts once
  assert.equal(e.satisfied('ns/rs'), false)
  e.deletionObserved('ns/rs', 'ns/unrelated')
  assert.equal(e.satisfied('ns/rs'), false)
  e.deletionObserved('ns/rs', 'ns/b')
  assert.equal(e.satisfied('ns/rs'), true)

  e.expectCreations('ns/rs', 1)
  e.forget('ns/rs')
  assert.equal(e.satisfied('ns/rs'), true)
  e.creationObserved('ns/rs') // observing with no expectations is harmless
  assert.equal(e.satisfied('ns/rs'), true)
})

test('Expectations expire after 5 minutes, so a lost watch event cannot wedge an owner', () => {
  let now = 1_000_000
  const e = new Expectations(() => now)
  assert.equal(expectationsTimeoutMs, 5 * 60_000)
  e.expectCreations('ns/rs', 3)
  now += expectationsTimeoutMs
  assert.equal(e.satisfied('ns/rs'), false) // exactly 5 minutes: not yet (upstream: Since > timeout)
  now += 1
  assert.equal(e.satisfied('ns/rs'), true)
  // New expectations start a new clock.
  e.expectDeletions('ns/rs', ['ns/a'])
  assert.equal(e.satisfied('ns/rs'), false)
  now += expectationsTimeoutMs + 1
  assert.equal(e.satisfied('ns/rs'), true)
})

// ---- conditions -------------------------------------------------------------------------------

const condProgressing = (): Condition => ({ type: 'Progressing', status: 'False', reason: 'ForSomeReason' })
const condProgressing2 = (): Condition => ({ type: 'Progressing', status: 'True', reason: 'BecauseItIs' })
const condAvailable = (): Condition => ({ type: 'Available', status: 'True', reason: 'AwesomeController' })
const status = () => [condProgressing(), condAvailable()]

test('GetCondition (upstream TestGetCondition)', () => {
  assert.ok(getCondition(status(), 'Available'), 'condition exists')
  assert.equal(getCondition(status(), 'ReplicaFailure'), undefined, 'condition does not exist')
  assert.equal(getCondition(undefined, 'Available'), undefined)
})

test('SetCondition (upstream TestSetCondition)', async (t) => {
  const cases: { name: string; status: Condition[]; cond: Condition; expectedStatus: Condition[] }[] = [
    { name: 'set for the first time', status: [], cond: condAvailable(), expectedStatus: [condAvailable()] },
    { name: 'simple set', status: [condProgressing()], cond: condAvailable(), expectedStatus: status() },
    { name: 'overwrite', status: [condProgressing()], cond: condProgressing2(), expectedStatus: [condProgressing2()] },
  ]
  for (const c of cases) {
    await t.test(c.name, () => {
      const before = structuredClone(c.status)
      assert.deepEqual(setCondition(c.status, c.cond), c.expectedStatus)
      assert.deepEqual(c.status, before, 'the input list is not changed')
    })
  }
})

test('SetCondition: same status and reason leaves it as it is; a new reason keeps lastTransitionTime', () => {
  const t0 = '2026-03-01T10:00:00Z'
  const t1 = '2026-03-01T10:05:00Z'
  const current: Condition = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'old', lastUpdateTime: t0, lastTransitionTime: t0 }
  const other: Condition = { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastUpdateTime: t0, lastTransitionTime: t0 }

  // Same status and reason: unchanged, message and times included.
  assert.deepEqual(setCondition([current, other], { ...current, message: 'new', lastUpdateTime: t1, lastTransitionTime: t1 }), [current, other])

  // Same status, another reason: replaced (moved last), the transition time kept.
  assert.deepEqual(setCondition([current, other], { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'done', lastUpdateTime: t1, lastTransitionTime: t1 }), [
    other,
    { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'done', lastUpdateTime: t1, lastTransitionTime: t0 },
  ])

  // Another status: a transition, with its own time.
  assert.deepEqual(setCondition([current], { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', lastUpdateTime: t1, lastTransitionTime: t1 }), [
    { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', lastUpdateTime: t1, lastTransitionTime: t1 },
  ])
})

test('RemoveCondition (upstream TestRemoveCondition)', async (t) => {
  const cases: { name: string; status: Condition[]; condType: string; expectedStatus: Condition[] }[] = [
    { name: 'remove from empty status', status: [], condType: 'Progressing', expectedStatus: [] },
    { name: 'simple remove', status: [condProgressing()], condType: 'Progressing', expectedStatus: [] },
    { name: "doesn't remove anything", status: status(), condType: 'ReplicaFailure', expectedStatus: status() },
  ]
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(removeCondition(c.status, c.condType), c.expectedStatus))
})

// ---- pods ------------------------------------------------------------------------------------

test('pods: ready, available after minReadySeconds (strictly), active', () => {
  const now = new Date('2026-03-01T10:00:10Z')
  const readySince = (t: string | undefined) => ({ status: { conditions: [{ type: 'Ready', status: 'True', ...(t ? { lastTransitionTime: t } : {}) }] } })
  assert.equal(isPodReady(readySince('2026-03-01T10:00:00Z')), true)
  assert.equal(isPodReady({ status: { conditions: [{ type: 'Ready', status: 'False' }] } }), false)
  assert.equal(isPodReady({}), false)

  assert.equal(isPodAvailable(readySince('2026-03-01T10:00:00Z'), 0, now), true)
  assert.equal(isPodAvailable(readySince('2026-03-01T10:00:00Z'), 9, now), true)
  assert.equal(isPodAvailable(readySince('2026-03-01T10:00:00Z'), 10, now), false) // ready 10 s, needs more than 10
  assert.equal(isPodAvailable(readySince(undefined), 10, now), false) // no transition time: never available with minReadySeconds
  assert.equal(isPodAvailable(readySince(undefined), 0, now), true)
  assert.equal(podAvailableAt(readySince('2026-03-01T10:00:00Z'), 10), Date.parse('2026-03-01T10:00:10Z'))
  assert.equal(podAvailableAt({}, 10), undefined)

  assert.equal(isPodActive({ status: { phase: 'Running' } }), true)
  assert.equal(isPodActive({ status: { phase: 'Pending' } }), true)
  assert.equal(isPodActive({ status: { phase: 'Succeeded' } }), false)
  assert.equal(isPodActive({ status: { phase: 'Failed' } }), false)
  assert.equal(isPodActive({ metadata: { deletionTimestamp: '2026-03-01T10:00:00Z' }, status: { phase: 'Running' } }), false)
})
