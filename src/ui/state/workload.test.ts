import { test } from 'node:test'
import assert from 'node:assert/strict'
import { podDot, replicaSetRows, selectorString, serviceSelects, timeline } from './workload.js'

const deploy = { metadata: { name: 'web', namespace: 'default', uid: 'd1' } }
const rs = (name: string, uid: string, revision: string, replicas: number, owner = 'd1', extra: Record<string, unknown> = {}) => ({
  metadata: { name, uid, namespace: 'default', labels: { 'pod-template-hash': name.split('-')[1] }, annotations: { 'deployment.kubernetes.io/revision': revision, ...extra }, ownerReferences: [{ uid: owner, controller: true, kind: 'Deployment', name: 'web' }] },
  spec: { replicas, template: { spec: { containers: [{ name: 'c', image: `img:${revision}` }] } } },
  status: { readyReplicas: replicas },
})
const pod = (name: string, owner: string, status: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({ metadata: { name, uid: `u-${name}`, ownerReferences: [{ uid: owner, controller: true }], ...meta }, status })
const running = (ready: boolean) => ({ phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], containerStatuses: [{ name: 'c', state: { running: {} } }] })

test('pods become dots by phase and readiness, with the word kubectl prints', () => {
  assert.deepEqual(podDot(pod('a', 'x', running(true))), { name: 'a', state: 'ready', status: 'Running', ready: true })
  assert.equal(podDot(pod('a', 'x', running(false))).state, 'running')
  assert.deepEqual(podDot(pod('a', 'x', { phase: 'Pending' })), { name: 'a', state: 'pending', status: 'Pending', ready: false })
  const creating = podDot(pod('a', 'x', { phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }] }))
  assert.deepEqual([creating.state, creating.status], ['pending', 'ContainerCreating'])
  const pull = podDot(pod('a', 'x', { phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ImagePullBackOff' } } }] }))
  assert.deepEqual([pull.state, pull.status], ['failed', 'ImagePullBackOff'])
  const term = podDot(pod('a', 'x', running(true), { deletionTimestamp: '2026-12-07T10:00:00Z' }))
  assert.deepEqual([term.state, term.status], ['terminating', 'Terminating'])
})

test('ReplicaSets by revision, newest first, each with its own pods; others and empty old ones left out', () => {
  const rss = [rs('web-aaa', 'r1', '1', 2), rs('web-bbb', 'r2', '2', 1), rs('web-old', 'r0', '0', 0), rs('other-ccc', 'r9', '5', 3, 'someone-else')]
  const pods = [pod('web-aaa-1', 'r1', running(true)), pod('web-aaa-2', 'r1', running(true)), pod('web-bbb-1', 'r2', running(false)), pod('stray', 'r9', running(true))]
  const rows = replicaSetRows(deploy, rss, pods)
  assert.deepEqual(
    rows.map((r) => [r.name, r.revision, r.current, r.pods.map((p) => `${p.name}:${p.state}`)]),
    [
      ['web-bbb', 2, true, ['web-bbb-1:running']],
      ['web-aaa', 1, false, ['web-aaa-1:ready', 'web-aaa-2:ready']],
    ],
  )
  const all = replicaSetRows(deploy, rss, pods, true)
  assert.deepEqual(
    all.map((r) => r.name),
    ['web-bbb', 'web-aaa', 'web-old'],
  )
})

test('revisions compare as numbers (10 after 9), and change-cause is carried', () => {
  const rows = replicaSetRows(deploy, [rs('web-a', 'a', '9', 1), rs('web-b', 'b', '10', 1, 'd1', { 'kubernetes.io/change-cause': 'kubectl set image' })], [], true)
  assert.deepEqual(
    rows.map((r) => [r.revision, r.changeCause]),
    [
      [10, 'kubectl set image'],
      [9, undefined],
    ],
  )
})

test('Rollout ReplicaSets are named stable / canary from the Rollout status', () => {
  const ro = { metadata: { name: 'ro', uid: 'd1' }, status: { stableRS: 'aaa', currentPodHash: 'bbb' } }
  const a = rs('ro-aaa', 'r1', '1', 3)
  const b = rs('ro-bbb', 'r2', '2', 1)
  a.metadata.labels = { 'rollouts-pod-template-hash': 'aaa' } as never
  b.metadata.labels = { 'rollouts-pod-template-hash': 'bbb' } as never
  const rows = replicaSetRows(ro, [a, b], [])
  assert.deepEqual(
    rows.map((r) => [r.name, r.role]),
    [
      ['ro-bbb', 'canary'],
      ['ro-aaa', 'stable'],
    ],
  )
})

test('the timeline keeps events about the workload, its ReplicaSets and pods, newest first', () => {
  const ev = (name: string, kind: string, obj: string, time: string, uid?: string) => ({ metadata: { name, namespace: 'default', uid: name }, involvedObject: { kind, name: obj, uid }, reason: 'R', message: name, lastTimestamp: time })
  const entries = timeline(
    [ev('e1', 'Deployment', 'web', '2026-12-07T10:00:01Z', 'd1'), ev('e2', 'ReplicaSet', 'web-aaa', '2026-12-07T10:00:03Z'), ev('e3', 'Deployment', 'other', '2026-12-07T10:00:04Z'), ev('e4', 'Pod', 'p', '2026-12-07T10:00:02Z', 'pu')],
    [
      { kind: 'Deployment', name: 'web', uid: 'd1' },
      { kind: 'ReplicaSet', name: 'web-aaa' },
      { kind: 'Pod', name: 'renamed', uid: 'pu' },
    ],
  )
  assert.deepEqual(
    entries.map((e) => [e.message, e.object]),
    [
      ['e2', 'replicaset/web-aaa'],
      ['e4', 'pod/p'],
      ['e1', 'deployment/web'],
    ],
  )
  assert.equal(timeline([ev('x', 'Pod', 'p', '2026-12-07T10:00:00Z')], [{ kind: 'Pod', name: 'p' }], 0).length, 0)
})

test('selectors as query strings, and which Services select a template', () => {
  assert.equal(selectorString({ matchLabels: { app: 'web', tier: 'front' } }), 'app=web,tier=front')
  assert.equal(selectorString({ matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }] }), 'env in (a,b),!x')
  assert.equal(serviceSelects({ app: 'web' }, { app: 'web', 'pod-template-hash': 'x' }), true)
  assert.equal(serviceSelects({ app: 'web', v: '2' }, { app: 'web' }), false)
  assert.equal(serviceSelects({}, { app: 'web' }), false)
})
