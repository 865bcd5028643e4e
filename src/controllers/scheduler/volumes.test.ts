import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Node, Pod } from 'kubernetes-types/core/v1.js'
import { planSchedule } from './plan.js'
import { Snapshot } from './snapshot.js'
import type { ClaimObj, VolumeObj } from '../volume/plan.js'
import type { ClassObj, VolumeView } from './volumes.js'

const node = (name: string): Node => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
})
const nodes = [node('a'), node('b')]

const pod = (claim: string): Pod => ({
  metadata: { name: 'web-0', namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] },
})

const claim = (name: string, o: { class?: string; volume?: string; annotations?: Record<string, string> } = {}): ClaimObj =>
  ({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations: o.annotations },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: o.class ?? 'standard', volumeName: o.volume },
  }) as ClaimObj

const onNode = (n: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } })

const volume = (name: string, o: { node?: string; class?: string; claimRef?: object } = {}): VolumeObj =>
  ({
    metadata: { name },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: o.class ?? 'standard', hostPath: { path: '/x' }, ...(o.node ? { nodeAffinity: onNode(o.node) } : {}), claimRef: o.claimRef },
    status: { phase: o.claimRef ? 'Bound' : 'Available' },
  }) as VolumeObj

const classes: Record<string, ClassObj> = {
  standard: { metadata: { name: 'standard' }, provisioner: 'kubelite.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
  immediate: { metadata: { name: 'immediate' }, provisioner: 'kubelite.io/local-path', volumeBindingMode: 'Immediate' },
  local: { metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' },
}

function view(claims: ClaimObj[], volumes: VolumeObj[]): VolumeView {
  return {
    claim: (ns, name) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    volume: (name) => volumes.find((v) => v.metadata.name === name),
    storageClass: (name) => classes[name],
    volumes: () => volumes,
  }
}

const schedule = (c: ClaimObj[], v: VolumeObj[], p = pod('data'), n = nodes) => planSchedule(p, Snapshot.of(n, []), { volumes: view(c, v) })

test('volume binding: a claim bound to a volume with node affinity keeps the pod on that node', () => {
  assert.deepEqual(schedule([claim('data', { volume: 'pv1' })], [volume('pv1', { node: 'b', claimRef: { name: 'data', namespace: 'default' } })]), { type: 'bind', node: 'b' })
})

test('volume binding: its node unavailable → volume node affinity conflict, preemption cannot help', () => {
  const cordoned = { ...node('b'), spec: { unschedulable: true } }
  assert.deepEqual(schedule([claim('data', { volume: 'pv1' })], [volume('pv1', { node: 'b' })], pod('data'), [node('a'), cordoned]), {
    type: 'unschedulable',
    reason: 'Unschedulable',
    message: '0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  })
})

test('volume binding: an unbound immediate claim, a missing claim, a missing volume', () => {
  assert.deepEqual(schedule([claim('data', { class: 'immediate' })], []), {
    type: 'unschedulable',
    reason: 'Unschedulable',
    message: '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  })
  assert.equal((schedule([], []) as { message: string }).message, '0/2 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.')
  assert.equal(
    (schedule([claim('data', { volume: 'gone' })], []) as { message: string }).message,
    '0/2 nodes are available: 2 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s). preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  )
})

test('volume binding: WaitForFirstConsumer with a provisioner selects the chosen node', () => {
  assert.deepEqual(schedule([claim('data')], []), { type: 'bind', node: 'a', volumes: [{ kind: 'selectNode', namespace: 'default', claim: 'data', node: 'a' }] })
  // Already selected for that node: nothing more to do.
  assert.deepEqual(schedule([claim('data', { annotations: { 'volume.kubernetes.io/selected-node': 'a' } })], []), { type: 'bind', node: 'a' })
})

test('volume binding: WaitForFirstConsumer without a provisioner binds a static volume reachable from the node', () => {
  assert.deepEqual(schedule([claim('data', { class: 'local' })], [volume('pv-b', { class: 'local', node: 'b' })]), {
    type: 'bind',
    node: 'b',
    volumes: [{ kind: 'bindVolume', volume: 'pv-b', namespace: 'default', claim: 'data' }],
  })
  assert.equal(
    (schedule([claim('data', { class: 'local' })], []) as { message: string }).message,
    "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  )
})
