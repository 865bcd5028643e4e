import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StatefulSetSpec } from 'kubernetes-types/apps/v1.js'
import type { PodObj } from '../runtime/pods.js'
import { newRevision, planStatefulSet, podIndexLabel, podNameLabel, revisionLabel, type ClaimObj, type RevisionObj, type StatefulSetObj } from './plan.js'

const now = new Date('2026-01-01T00:01:00Z')

function sts(spec: Partial<StatefulSetSpec> = {}, image = 'v1', status: Record<string, unknown> = {}): StatefulSetObj {
  return Object.freeze({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'sts-uid', generation: 1 },
    spec: {
      replicas: 3,
      serviceName: 'nginx',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image }] } },
      ...spec,
    },
    status,
  }) as unknown as StatefulSetObj
}

const rev = (set: StatefulSetObj, n: number): RevisionObj => {
  const r = newRevision(set, n) as unknown as RevisionObj
  return { ...r, metadata: { ...r.metadata, uid: `rev-${n}` } } as RevisionObj
}

function pod(ordinal: number, revision: string, state: 'ready' | 'pending' | 'failed' | 'terminating' = 'ready'): PodObj {
  return {
    metadata: {
      name: `web-${ordinal}`,
      namespace: 'default',
      uid: `pod-${ordinal}`,
      labels: { app: 'nginx', [revisionLabel]: revision },
      ...(state === 'terminating' ? { deletionTimestamp: '2026-01-01T00:00:30Z' } : {}),
    },
    status: {
      phase: state === 'failed' ? 'Failed' : state === 'pending' ? 'Pending' : 'Running',
      conditions: [{ type: 'Ready', status: state === 'ready' ? 'True' : 'False' }],
    },
  } as unknown as PodObj
}

const kinds = (p: ReturnType<typeof planStatefulSet>) =>
  p.actions.map((a) => (a.kind === 'createPod' ? `create ${a.pod.metadata!.name}` : a.kind === 'deletePod' ? `delete ${a.pod.metadata.name}` : a.kind))

describe('planStatefulSet', () => {
  it('first records the template as revision 1', () => {
    const p = planStatefulSet(sts(), [], [], now)
    assert.equal(p.actions[0].kind, 'createRevision')
    const r = (p.actions[0] as unknown as { revision: RevisionObj }).revision
    assert.match(r.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/)
    assert.equal(r.revision, 1)
    assert.equal(r.metadata.labels!.app, 'nginx', 'revisions carry the template labels (rollout history selects them)')
    assert.deepEqual((r.data as any).spec.template.$patch, 'replace')
  })

  it('OrderedReady: one pod at a time, each once the one before is Running and Ready', () => {
    const s = sts()
    const r = rev(s, 1)
    const name = r.metadata.name!
    assert.deepEqual(kinds(planStatefulSet(s, [], [r], now)), ['create web-0'])
    assert.deepEqual(kinds(planStatefulSet(s, [pod(0, name, 'pending')], [r], now)), [])
    assert.deepEqual(kinds(planStatefulSet(s, [pod(0, name)], [r], now)), ['create web-1'])
    const created = planStatefulSet(s, [pod(0, name)], [r], now).actions[0] as { pod: any }
    assert.equal(created.pod.spec.hostname, 'web-1')
    assert.equal(created.pod.spec.subdomain, 'nginx')
    assert.deepEqual(created.pod.metadata.labels, { app: 'nginx', [podNameLabel]: 'web-1', [podIndexLabel]: '1', [revisionLabel]: name })
  })

  it('Parallel creates every missing pod at once', () => {
    const s = sts({ podManagementPolicy: 'Parallel' })
    const r = rev(s, 1)
    assert.deepEqual(kinds(planStatefulSet(s, [], [r], now)), ['create web-0', 'create web-1', 'create web-2'])
  })

  it('scales down from the highest ordinal, one at a time, waiting for it to go', () => {
    const s = sts({ replicas: 1 })
    const r = rev(s, 1)
    const n = r.metadata.name!
    assert.deepEqual(kinds(planStatefulSet(s, [pod(0, n), pod(1, n), pod(2, n)], [r], now)), ['delete web-2'])
    assert.deepEqual(kinds(planStatefulSet(s, [pod(0, n), pod(1, n), pod(2, n, 'terminating')], [r], now)), [])
  })

  it('replaces a failed pod', () => {
    const s = sts()
    const r = rev(s, 1)
    const n = r.metadata.name!
    assert.deepEqual(kinds(planStatefulSet(s, [pod(0, n), pod(1, n, 'failed'), pod(2, n)], [r], now)), ['delete web-1'])
  })

  it('RollingUpdate replaces from the highest ordinal down to the partition', () => {
    const v1 = sts()
    const r1 = rev(v1, 1)
    const v2 = sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }, 'v2', { currentRevision: r1.metadata.name })
    const r2 = rev(v2, 2)
    const a = r1.metadata.name!
    const b = r2.metadata.name!
    assert.deepEqual(kinds(planStatefulSet(v2, [pod(0, a), pod(1, a), pod(2, a)], [r1, r2], now)), ['delete web-2'])
    const p = planStatefulSet(v2, [pod(0, a), pod(1, a)], [r1, r2], now)
    assert.deepEqual(kinds(p), ['create web-2'])
    assert.equal((p.actions[0] as any).pod.spec.containers[0].image, 'v2')
    assert.deepEqual(kinds(planStatefulSet(v2, [pod(0, a), pod(1, a), pod(2, b)], [r1, r2], now)), ['delete web-1'])
    // At the partition it stops: web-0 keeps the current revision, and a new web-0 gets it too.
    const done = planStatefulSet(v2, [pod(0, a), pod(1, b), pod(2, b)], [r1, r2], now)
    assert.deepEqual(kinds(done), [])
    assert.deepEqual([done.status?.currentRevision, done.status?.updateRevision, done.status?.updatedReplicas, done.status?.currentReplicas], [a, b, 2, 1])
    const recreated = planStatefulSet(v2, [pod(1, b), pod(2, b)], [r1, r2], now).actions[0] as any
    assert.equal(recreated.pod.spec.containers[0].image, 'v1')
  })

  it('OnDelete leaves old pods alone; a deleted pod comes back at the update revision', () => {
    const v1 = sts()
    const r1 = rev(v1, 1)
    const v2 = sts({ updateStrategy: { type: 'OnDelete' } }, 'v2', { currentRevision: r1.metadata.name })
    const r2 = rev(v2, 2)
    const a = r1.metadata.name!
    assert.deepEqual(kinds(planStatefulSet(v2, [pod(0, a), pod(1, a), pod(2, a)], [r1, r2], now)), [])
    const p = planStatefulSet(v2, [pod(0, a), pod(2, a)], [r1, r2], now)
    assert.equal((p.actions[0] as any).pod.spec.containers[0].image, 'v2')
  })

  it('going back to an older template makes its revision the newest (rollout undo)', () => {
    const v1 = sts()
    const r1 = rev(v1, 1)
    const r2 = rev(sts({}, 'v2'), 2)
    const p = planStatefulSet(v1, [], [r1, r2], now)
    assert.deepEqual(p.actions, [{ kind: 'bumpRevision', revision: r1, to: 3 }])
  })

  it('once all pods are updated and ready, the update revision becomes current; old revisions beyond the limit go', () => {
    const set = sts({ revisionHistoryLimit: 1 }, 'v3', { currentRevision: 'web-old' })
    const revs = [rev(sts({}, 'v0'), 1), rev(sts({}, 'v1'), 2), rev(sts({}, 'v2'), 3), rev(set, 4)]
    const b = revs[3].metadata.name!
    const p = planStatefulSet(set, [pod(0, b), pod(1, b), pod(2, b)], revs, now)
    assert.equal(p.status?.currentRevision, b)
    assert.equal(p.status?.currentReplicas, 3)
    assert.deepEqual(
      p.actions.map((a) => (a.kind === 'deleteRevision' ? a.revision.revision : a.kind)),
      [1, 2],
    )
  })
})

describe('volumeClaimTemplates', () => {
  const www = { metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }
  const claim = (name: string, owners: { uid: string; kind: string }[] = []) =>
    ({ metadata: { name, namespace: 'default', uid: `c-${name}`, ownerReferences: owners.map((o) => ({ apiVersion: o.kind === 'Pod' ? 'v1' : 'apps/v1', kind: o.kind, name: 'x', uid: o.uid })) } }) as unknown as ClaimObj

  it('creates <template>-<set>-<ordinal> before the pod, which mounts it', () => {
    const set = sts({ volumeClaimTemplates: [www] as never })
    const plan = planStatefulSet(set, [], [rev(set, 1)], now)
    assert.deepEqual(plan.actions.map((a) => a.kind), ['createClaim', 'createPod'])
    const [c, p] = plan.actions as unknown as [{ claim: { metadata: { name: string; labels: Record<string, string>; ownerReferences: unknown[] } } }, { pod: { spec: { volumes: unknown[] } } }]
    assert.equal(c.claim.metadata.name, 'www-web-0')
    assert.deepEqual(c.claim.metadata.labels, { app: 'nginx' })
    assert.deepEqual(c.claim.metadata.ownerReferences, []) // Retain/Retain: nobody owns it
    assert.deepEqual(p.pod.spec.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }])
  })

  it('reuses an existing claim', () => {
    const set = sts({ volumeClaimTemplates: [www] as never })
    const plan = planStatefulSet(set, [], [rev(set, 1)], now, new Map([['www-web-0', claim('www-web-0')]]))
    assert.deepEqual(plan.actions.map((a) => a.kind), ['createPod'])
  })

  it('whenDeleted Delete: the set owns new claims', () => {
    const set = sts({ volumeClaimTemplates: [www] as never, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } })
    const plan = planStatefulSet(set, [], [rev(set, 1)], now)
    const c = plan.actions[0] as { claim: { metadata: { ownerReferences: { kind: string; uid: string }[] } } }
    assert.deepEqual(c.claim.metadata.ownerReferences.map((r) => [r.kind, r.uid]), [['StatefulSet', 'sts-uid']])
  })

  it('whenScaled Delete: a condemned pod owns its claims before it is deleted', () => {
    const set = sts({ replicas: 1, volumeClaimTemplates: [www] as never, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } })
    const r = rev(set, 1)
    const pods = [pod(0, r.metadata.name!), pod(1, r.metadata.name!)]
    const claims = new Map([['www-web-0', claim('www-web-0')], ['www-web-1', claim('www-web-1')]])
    const plan = planStatefulSet(set, pods, [r], now, claims)
    assert.deepEqual(plan.actions.map((a) => a.kind), ['claimOwners', 'deletePod'])
    const owners = (plan.actions[0] as { ownerReferences: { kind: string; uid: string }[] }).ownerReferences
    assert.deepEqual(owners.map((o) => [o.kind, o.uid]), [['Pod', 'pod-1']])
  })
})
