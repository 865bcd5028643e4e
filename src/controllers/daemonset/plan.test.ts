import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { PodObj } from '../runtime/pods.js'
import type { RevisionObj } from '../statefulset/plan.js'
import { newRevision, planDaemonSet, podNode, revisionHashLabel, type DaemonSetObj, type NodeObj } from './plan.js'

const now = new Date('2026-01-01T00:01:00Z')

function ds(image = 'v1', extra: Record<string, unknown> = {}, strategy: Record<string, unknown> = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }): DaemonSetObj {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', uid: 'ds-uid', generation: 1 },
    spec: { selector: { matchLabels: { app: 'agent' } }, updateStrategy: strategy, revisionHistoryLimit: 10, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image }], ...extra } } },
    status: {},
  } as unknown as DaemonSetObj
}
const rev = (d: DaemonSetObj, n: number) => {
  const r = newRevision(d, n) as unknown as RevisionObj
  return { ...r, metadata: { ...r.metadata, uid: `rev-${n}` } } as RevisionObj
}
const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []) => ({ metadata: { name, labels }, spec: { taints } }) as unknown as NodeObj
const pod = (name: string, nodeName: string, hash: string, state: 'ready' | 'pending' | 'failed' = 'ready') =>
  ({
    metadata: { name, namespace: 'default', uid: name, labels: { app: 'agent', [revisionHashLabel]: hash }, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { nodeName },
    status: { phase: state === 'failed' ? 'Failed' : state === 'pending' ? 'Pending' : 'Running', conditions: [{ type: 'Ready', status: state === 'ready' ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  }) as unknown as PodObj
const hashOf = (r: RevisionObj) => r.metadata.labels![revisionHashLabel]
const summary = (p: ReturnType<typeof planDaemonSet>) => p.actions.map((a) => (a.kind === 'createPod' ? `create on ${a.node}` : a.kind === 'deletePod' ? `delete ${a.pod.metadata.name}` : a.kind))

describe('planDaemonSet', () => {
  it('one pod per node, bound there by node affinity, with the daemon tolerations', () => {
    const d = ds()
    const r = rev(d, 1)
    const p = planDaemonSet(d, [node('n1'), node('n2')], [], [r], now)
    assert.deepEqual(summary(p), ['create on n1', 'create on n2'])
    const created = (p.actions[0] as { pod: PodObj }).pod
    assert.equal(podNode(created), 'n1')
    assert.ok(created.spec!.tolerations!.some((t) => t.key === 'node.kubernetes.io/unschedulable'))
    assert.equal(p.status?.desiredNumberScheduled, 2)
  })

  it('the nodeSelector and untolerated taints choose the nodes; NoSchedule does not evict a running pod', () => {
    const d = ds('v1', { nodeSelector: { disk: 'ssd' } })
    const r = rev(d, 1)
    const h = hashOf(r)
    assert.deepEqual(summary(planDaemonSet(d, [node('n1'), node('n2', { disk: 'ssd' })], [], [r], now)), ['create on n2'])
    const tainted = node('n2', { disk: 'ssd' }, [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }])
    assert.deepEqual(summary(planDaemonSet(d, [tainted], [], [r], now)), [])
    const kept = planDaemonSet(d, [tainted], [pod('a', 'n2', h)], [r], now)
    assert.deepEqual(summary(kept), [])
    assert.equal(kept.status?.numberMisscheduled, 1)
    const evicting = node('n2', { disk: 'ssd' }, [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }])
    assert.deepEqual(summary(planDaemonSet(d, [evicting], [pod('a', 'n2', h)], [r], now)), ['delete a'])
    const tolerated = ds('v1', { nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }] })
    assert.deepEqual(summary(planDaemonSet(tolerated, [evicting], [], [rev(tolerated, 1)], now)), ['create on n2'])
  })

  it('a failed pod is deleted (and made again on the next pass)', () => {
    const d = ds()
    const r = rev(d, 1)
    assert.deepEqual(summary(planDaemonSet(d, [node('n1')], [pod('a', 'n1', hashOf(r), 'failed')], [r], now)), ['delete a'])
  })

  it('RollingUpdate replaces one node at a time (maxUnavailable 1)', () => {
    const r1 = rev(ds('v1'), 1)
    const d2 = ds('v2')
    const r2 = rev(d2, 2)
    const old = hashOf(r1)
    const p = planDaemonSet(d2, [node('n1'), node('n2')], [pod('a', 'n1', old), pod('b', 'n2', old)], [r1, r2], now)
    assert.deepEqual(summary(p), ['delete a'])
    // While n1 has no available pod, n2 waits.
    assert.deepEqual(summary(planDaemonSet(d2, [node('n1'), node('n2')], [pod('c', 'n1', hashOf(r2), 'pending'), pod('b', 'n2', old)], [r1, r2], now)), [])
    const onDelete = ds('v2', {}, { type: 'OnDelete' })
    assert.deepEqual(summary(planDaemonSet(onDelete, [node('n1')], [pod('a', 'n1', old)], [r1, rev(onDelete, 2)], now)), [])
  })
})
