// Table tests after upstream's pkg/controller/disruption/disruption_test.go (TestNoSelector,
// TestUnavailable, TestIntegerMaxUnavailable, TestReplicaSet, TestStatefulSetController,
// TestTwoControllers, TestUpdateDisruptedPods, TestBasicFinderFunctions): observed budget, pods and
// controllers → the status the controller writes.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import type { PDB } from '../../apis/policy/pdb.js'
import { convertSelector, expectedPodCount, findControllerScale, goSelectorString, planDisruption, type WorkloadLookup } from './plan.js'

const now = new Date('2026-01-01T00:10:00Z')
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

const pdb = (spec: PDB['spec'], status: PDB['status'] = {}, generation = 1): PDB =>
  Object.freeze({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default', uid: 'pdb-uid', generation }, spec, status }) as PDB

let seq = 0
const pod = (opts: { ready?: boolean; owner?: StoredObject & { kind?: string }; name?: string; deleting?: boolean } = {}): StoredObject => ({
  metadata: {
    name: opts.name ?? `pod-${++seq}`,
    namespace: 'default',
    labels: { app: 'web' },
    ...(opts.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: opts.owner.kind!, name: opts.owner.metadata.name!, uid: opts.owner.metadata.uid!, controller: true }] } : {}),
    ...(opts.deleting ? { deletionTimestamp: iso(now) } : {}),
  },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
})

const workload = (kind: string, name: string, replicas: number, owner?: StoredObject & { kind?: string }) =>
  ({
    kind,
    metadata: { name, namespace: 'default', uid: `${kind}-${name}`, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true }] } : {}) },
    spec: { replicas },
  }) as StoredObject & { kind: string }

const lookupOf = (...objs: (StoredObject & { kind: string })[]): WorkloadLookup => (kind, ns, name) => objs.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name)

const counts = (p: ReturnType<typeof planDisruption>) => {
  const s = p.status!
  return { currentHealthy: s.currentHealthy, desiredHealthy: s.desiredHealthy, expectedPods: s.expectedPods, disruptionsAllowed: s.disruptionsAllowed }
}

describe('planDisruption', () => {
  it('minAvailable 2 over two ready pods allows nothing; three allow one (TestUnavailable)', () => {
    const b = pdb({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } })
    const two = planDisruption(b, [pod(), pod()], lookupOf(), now)
    assert.deepEqual(counts(two), { currentHealthy: 2, desiredHealthy: 2, expectedPods: 2, disruptionsAllowed: 0 })
    assert.deepEqual(
      two.status!.conditions!.map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration]),
      [['DisruptionAllowed', 'False', 'InsufficientPods', '', 1]],
    )
    const three = planDisruption(b, [pod(), pod(), pod()], lookupOf(), now)
    assert.deepEqual(counts(three), { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 })
    assert.equal(three.status!.conditions![0].reason, 'SufficientPods')
    assert.equal(three.status!.conditions![0].status, 'True')
    assert.equal(three.status!.observedGeneration, 1)
  })

  it('an unready pod is not healthy', () => {
    const p = planDisruption(pdb({ minAvailable: 1 }), [pod(), pod({ ready: false })], lookupOf(), now)
    assert.deepEqual(counts(p), { currentHealthy: 1, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 0 })
  })

  it('no pods: a Normal NoPods event and nothing allowed (TestNoSelector)', () => {
    const p = planDisruption(pdb({ minAvailable: 0 }), [], lookupOf(), now)
    assert.deepEqual(p.events, [{ type: 'Normal', reason: 'NoPods', message: 'No matching pods found' }])
    assert.deepEqual(counts(p), { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 })
  })

  it('maxUnavailable and percentages take the scale of the Deployment over the ReplicaSet (TestReplicaSet, TestIntegerMaxUnavailable)', () => {
    const d = workload('Deployment', 'web', 4)
    const rs = workload('ReplicaSet', 'web-abc', 4, d)
    const lookup = lookupOf(d, rs)
    const pods = [pod({ owner: rs }), pod({ owner: rs }), pod({ owner: rs })]
    // 50% of 4 rounds up to 2 unavailable: desired 2, healthy 3, one may go.
    assert.deepEqual(counts(planDisruption(pdb({ maxUnavailable: '50%' }), pods, lookup, now)), { currentHealthy: 3, desiredHealthy: 2, expectedPods: 4, disruptionsAllowed: 1 })
    assert.deepEqual(counts(planDisruption(pdb({ maxUnavailable: 1 }), pods, lookup, now)), { currentHealthy: 3, desiredHealthy: 3, expectedPods: 4, disruptionsAllowed: 0 })
    // minAvailable 30% of 4 = 1.2, rounded up: 2.
    assert.deepEqual(counts(planDisruption(pdb({ minAvailable: '30%' }), pods, lookup, now)), { currentHealthy: 3, desiredHealthy: 2, expectedPods: 4, disruptionsAllowed: 1 })
  })

  it('adds up two controllers, StatefulSet included (TestTwoControllers, TestStatefulSetController)', () => {
    const rs = workload('ReplicaSet', 'a', 3)
    const ss = workload('StatefulSet', 'b', 2)
    const pods = [pod({ owner: rs }), pod({ owner: rs }), pod({ owner: ss })]
    assert.equal(expectedPodCount(pdb({ maxUnavailable: 0 }), pods, lookupOf(rs, ss)).expectedCount, 5)
  })

  it('a pod whose controller cannot be found fails safe with SyncFailed', () => {
    const rs = workload('ReplicaSet', 'gone', 2)
    const p = planDisruption(pdb({ maxUnavailable: 1 }, { disruptionsAllowed: 3 }), [pod({ owner: rs, name: 'x' })], lookupOf(), now)
    assert.equal(p.status!.disruptionsAllowed, 0)
    assert.deepEqual(
      p.status!.conditions!.map((c) => [c.status, c.reason, c.message]),
      [['False', 'SyncFailed', 'found no controllers for pod "x"']],
    )
    assert.deepEqual(p.events.at(-1), { type: 'Warning', reason: 'CalculateExpectedPodCountFailed', message: 'Failed to calculate the number of expected pods: found no controllers for pod "x"' })
  })

  it('unmanaged pods with a percentage: a Warning, counted as zero scale', () => {
    const p = planDisruption(pdb({ minAvailable: '50%', selector: { matchLabels: { app: 'web' } } }), [pod()], lookupOf(), now)
    assert.equal(p.events[0].reason, 'UnmanagedPods')
    assert.match(p.events[0].message, /^Pods selected by this PodDisruptionBudget \(selector: &LabelSelector\{MatchLabels:map\[string\]string\{app: web,\},MatchExpressions:\[\]LabelSelectorRequirement\{\},\}\) were found to be unmanaged/)
    assert.deepEqual(counts(p), { currentHealthy: 1, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 })
  })

  it('evicted pods stay out of the healthy count until DeletionTimeout, then come back (TestUpdateDisruptedPods)', () => {
    const a = pod({ name: 'a' })
    const b = pod({ name: 'b' })
    const c = pod({ name: 'c', deleting: true })
    const recent = iso(new Date(now.getTime() - 30_000))
    const stale = iso(new Date(now.getTime() - 3 * 60_000))
    const p = planDisruption(pdb({ minAvailable: 1 }, { disruptedPods: { a: recent, b: stale, c: recent, gone: recent } }), [a, b, c], lookupOf(), now)
    assert.deepEqual(p.status!.disruptedPods, { a: recent })
    assert.equal(p.status!.currentHealthy, 1)
    assert.equal(p.recheckAfterMs, 90_000)
  })

  it('writes nothing when the status is current, and again when the generation moves', () => {
    const first = planDisruption(pdb({ minAvailable: 1 }), [pod(), pod()], lookupOf(), now)
    const stored = pdb({ minAvailable: 1 }, first.status)
    assert.equal(planDisruption(stored, [pod(), pod()], lookupOf(), now).status, undefined)
    const bumped = pdb({ minAvailable: 1 }, first.status, 2)
    const again = planDisruption(bumped, [pod(), pod()], lookupOf(), now)
    assert.equal(again.status!.observedGeneration, 2)
    // Same status, so lastTransitionTime is kept.
    assert.equal(again.status!.conditions![0].lastTransitionTime, first.status!.conditions![0].lastTransitionTime)
  })
})

describe('finders (TestBasicFinderFunctions)', () => {
  it('a ReplicaSet counts on its own unless a Deployment controls it; uids must match', () => {
    const d = workload('Deployment', 'web', 5)
    const owned = workload('ReplicaSet', 'web-1', 2, d)
    const lone = workload('ReplicaSet', 'lone', 3)
    const lookup = lookupOf(d, owned, lone)
    assert.deepEqual(findControllerScale({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'ReplicaSet-web-1' }, 'default', lookup), { uid: 'Deployment-web', scale: 5 })
    assert.deepEqual(findControllerScale({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'lone', uid: 'ReplicaSet-lone' }, 'default', lookup), { uid: 'ReplicaSet-lone', scale: 3 })
    assert.equal(findControllerScale({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'lone', uid: 'other' }, 'default', lookup), undefined)
    assert.equal(findControllerScale({ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'j' }, 'default', lookup), undefined)
  })
})

describe('selectors', () => {
  it('nil matches nothing, empty everything (policy/v1)', () => {
    assert.equal(convertSelector(undefined), undefined)
    assert.deepEqual(convertSelector({}), [])
    assert.equal(goSelectorString(undefined), 'nil')
  })
})

describe('controllers found through their scale subresource (getScaleController)', () => {
  // Pods controlled by a custom kind: apiVersion stable.example.com/v1, as an operator makes them.
  const custom = (uid: string, ready = true) => {
    const p = pod({ ready })
    p.metadata.ownerReferences = [{ apiVersion: 'stable.example.com/v1', kind: 'CronTab', name: 'tab', uid, controller: true }]
    return p
  }
  it('counts the scale of a custom owner: maxUnavailable 1 over 3 replicas with 2 ready pods allows none', () => {
    const scales = new Map([['tab-uid', { uid: 'tab-uid', scale: 3 }]])
    const p = planDisruption(pdb({ maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } }), [custom('tab-uid'), custom('tab-uid')], lookupOf(), now, scales)
    assert.deepEqual(counts(p), { currentHealthy: 2, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 0 })
    // minAvailable 50% of 3 rounds up to 2.
    const half = planDisruption(pdb({ minAvailable: '50%', selector: { matchLabels: { app: 'web' } } }), [custom('tab-uid'), custom('tab-uid'), custom('tab-uid')], lookupOf(), now, scales)
    assert.deepEqual(counts(half), { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 })
  })
  it('an owner without a scale subresource, or of an unknown kind: SyncFailed with upstream words', () => {
    const noScale = planDisruption(pdb({ maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } }), [custom('tab-uid')], lookupOf(), now, new Map([['tab-uid', { error: 'crontabs.stable.example.com does not implement the scale subresource' }]]))
    assert.equal(noScale.status!.disruptionsAllowed, 0)
    assert.deepEqual(
      noScale.status!.conditions!.map((c) => [c.type, c.status, c.reason, c.message]),
      [['DisruptionAllowed', 'False', 'SyncFailed', 'crontabs.stable.example.com does not implement the scale subresource']],
    )
    assert.deepEqual(noScale.events, [{ type: 'Warning', reason: 'CalculateExpectedPodCountFailed', message: 'Failed to calculate the number of expected pods: crontabs.stable.example.com does not implement the scale subresource' }])
    // The owner is gone (or its scale names another uid): no controller found for the pod.
    const none = planDisruption(pdb({ maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } }), [custom('tab-uid')], lookupOf(), now, new Map([['tab-uid', { none: true as const }]]))
    assert.match(none.events[0].message, /found no controllers for pod "pod-\d+"/)
  })
  it('an integer minAvailable never reads the scale', () => {
    const p = planDisruption(pdb({ minAvailable: 1, selector: { matchLabels: { app: 'web' } } }), [custom('tab-uid'), custom('tab-uid')], lookupOf(), now)
    assert.deepEqual(counts(p), { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1 })
  })
})
