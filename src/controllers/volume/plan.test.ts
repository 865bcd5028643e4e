import assert from 'node:assert/strict'
import { test } from 'node:test'
import { claimInUse, findMatchingVolume, planClaim, planProvision, planVolume, shouldDeleteProvisioned, type ClaimObj, type ClassObj, type PodObj, type VolumeObj } from './plan.js'

function pv(name: string, size: string, modes: string[], extra: Partial<{ cls: string; phase: string; labels: Record<string, string>; claimRef: Record<string, string>; mode: string; deleting: boolean; policy: string; annotations: Record<string, string> }> = {}): VolumeObj {
  return Object.freeze({
    metadata: { name, uid: `uid-${name}`, labels: extra.labels, annotations: extra.annotations, ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { capacity: { storage: size }, accessModes: modes, storageClassName: extra.cls ?? '', claimRef: extra.claimRef, volumeMode: extra.mode, persistentVolumeReclaimPolicy: extra.policy, hostPath: { path: `/v/${name}` } },
    status: { phase: extra.phase ?? 'Available' },
  }) as unknown as VolumeObj
}

function pvc(size: string, modes: string[], extra: Partial<{ cls: string; selector: Record<string, string>; volumeName: string; phase: string; annotations: Record<string, string>; mode: string }> = {}): ClaimObj {
  return Object.freeze({
    metadata: { name: 'c', namespace: 'ns', uid: 'uid-c', resourceVersion: '7', annotations: extra.annotations },
    spec: {
      accessModes: modes,
      resources: { requests: { storage: size } },
      storageClassName: extra.cls,
      selector: extra.selector ? { matchLabels: extra.selector } : undefined,
      volumeName: extra.volumeName,
      volumeMode: extra.mode,
    },
    status: { phase: extra.phase ?? 'Pending' },
  }) as unknown as ClaimObj
}

const sc = (name: string, provisioner: string, mode = 'Immediate'): ClassObj => ({ metadata: { name }, provisioner, volumeBindingMode: mode, reclaimPolicy: 'Delete' }) as unknown as ClassObj

test('findMatchingVolume: upstream index rules, table', () => {
  const cases: { name: string; claim: ClaimObj; volumes: VolumeObj[]; delay?: boolean; want: string | undefined }[] = [
    { name: 'smallest that fits', claim: pvc('1Gi', ['ReadWriteOnce']), volumes: [pv('big', '10Gi', ['ReadWriteOnce']), pv('small', '2Gi', ['ReadWriteOnce']), pv('tiny', '500Mi', ['ReadWriteOnce'])], want: 'small' },
    { name: 'exact size fits', claim: pvc('1Gi', ['ReadWriteOnce']), volumes: [pv('a', '1024Mi', ['ReadWriteOnce'])], want: 'a' },
    { name: 'too small', claim: pvc('3Gi', ['ReadWriteOnce']), volumes: [pv('a', '2Gi', ['ReadWriteOnce'])], want: undefined },
    { name: 'access modes must contain the claim\'s', claim: pvc('1Gi', ['ReadWriteMany']), volumes: [pv('a', '5Gi', ['ReadWriteOnce']), pv('b', '5Gi', ['ReadWriteOnce', 'ReadWriteMany'])], want: 'b' },
    { name: 'fewest access modes first, even if bigger', claim: pvc('1Gi', ['ReadWriteOnce']), volumes: [pv('multi', '1Gi', ['ReadWriteOnce', 'ReadOnlyMany']), pv('single', '8Gi', ['ReadWriteOnce'])], want: 'single' },
    { name: 'class must match', claim: pvc('1Gi', ['ReadWriteOnce'], { cls: 'manual' }), volumes: [pv('other', '1Gi', ['ReadWriteOnce'], { cls: 'fast' }), pv('m', '5Gi', ['ReadWriteOnce'], { cls: 'manual' })], want: 'm' },
    { name: 'no class takes only classless volumes', claim: pvc('1Gi', ['ReadWriteOnce'], { cls: '' }), volumes: [pv('m', '1Gi', ['ReadWriteOnce'], { cls: 'manual' })], want: undefined },
    { name: 'selector', claim: pvc('1Gi', ['ReadWriteOnce'], { selector: { tier: 'db' } }), volumes: [pv('a', '1Gi', ['ReadWriteOnce'], { labels: { tier: 'web' } }), pv('b', '2Gi', ['ReadWriteOnce'], { labels: { tier: 'db' } })], want: 'b' },
    { name: 'not Available', claim: pvc('1Gi', ['ReadWriteOnce']), volumes: [pv('r', '1Gi', ['ReadWriteOnce'], { phase: 'Released' })], want: undefined },
    { name: 'claimed by another', claim: pvc('1Gi', ['ReadWriteOnce']), volumes: [pv('o', '1Gi', ['ReadWriteOnce'], { claimRef: { namespace: 'ns', name: 'other', uid: 'x' } })], want: undefined },
    { name: 'pre-bound to this claim wins over a smaller one', claim: pvc('1Gi', ['ReadWriteOnce']), volumes: [pv('small', '1Gi', ['ReadWriteOnce']), pv('pre', '5Gi', ['ReadWriteOnce'], { claimRef: { namespace: 'ns', name: 'c' } })], want: 'pre' },
    { name: 'volume mode must match', claim: pvc('1Gi', ['ReadWriteOnce'], { mode: 'Block' }), volumes: [pv('fs', '1Gi', ['ReadWriteOnce'])], want: undefined },
    { name: 'being deleted', claim: pvc('1Gi', ['ReadWriteOnce']), volumes: [pv('d', '1Gi', ['ReadWriteOnce'], { deleting: true })], want: undefined },
    { name: 'delayed binding takes only a pre-bound volume', claim: pvc('1Gi', ['ReadWriteOnce']), volumes: [pv('a', '1Gi', ['ReadWriteOnce'])], delay: true, want: undefined },
  ]
  for (const c of cases) assert.equal(findMatchingVolume(c.claim, c.volumes, c.delay ?? false)?.metadata.name, c.want, c.name)
})

test('planClaim: binds a matching volume both ways, in upstream order', () => {
  const acts = planClaim(pvc('1Gi', ['ReadWriteOnce']), [pv('a', '2Gi', ['ReadWriteOnce'])], undefined, undefined)
  assert.deepEqual(
    acts.map((a) => a.kind),
    ['bindVolume', 'volumePhase', 'bindClaim', 'claimStatus'],
  )
  assert.deepEqual(acts[0], { kind: 'bindVolume', volume: 'a', byController: true })
})

test('planClaim: WaitForFirstConsumer waits, then the consumer\'s node is recorded', () => {
  const wffc = sc('standard', 'kubelite.io/local-path', 'WaitForFirstConsumer')
  const waiting = planClaim(pvc('1Gi', ['ReadWriteOnce'], { cls: 'standard' }), [], wffc, undefined)
  assert.deepEqual(waiting.map((a) => (a.kind === 'event' ? a.reason : a.kind)), ['WaitForFirstConsumer'])
  const consumed = planClaim(pvc('1Gi', ['ReadWriteOnce'], { cls: 'standard' }), [], wffc, 'node-1')
  assert.deepEqual(consumed, [{ kind: 'annotateClaim', annotations: { 'volume.kubernetes.io/selected-node': 'node-1' } }])
  const selected = planClaim(pvc('1Gi', ['ReadWriteOnce'], { cls: 'standard', annotations: { 'volume.kubernetes.io/selected-node': 'node-1' } }), [], wffc, 'node-1')
  assert.deepEqual(selected.map((a) => (a.kind === 'event' ? a.reason : a.kind)), ['annotateClaim', 'ExternalProvisioning'])
})

test('planClaim: a missing class and no class say so', () => {
  const missing = planClaim(pvc('1Gi', ['ReadWriteOnce'], { cls: 'gold' }), [], undefined, undefined)
  assert.deepEqual(missing.at(-1), { kind: 'event', on: 'claim', type: 'Warning', reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "gold" not found' })
  const none = planClaim(pvc('1Gi', ['ReadWriteOnce'], { cls: '' }), [], undefined, undefined)
  assert.deepEqual(none.at(-1), { kind: 'event', on: 'claim', type: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' })
})

test('planClaim: a bound claim whose volume is gone is Lost', () => {
  const acts = planClaim(pvc('1Gi', ['ReadWriteOnce'], { volumeName: 'gone', phase: 'Bound', annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }), [], undefined, undefined)
  assert.deepEqual(acts.map((a) => (a.kind === 'event' ? a.reason : a.kind)), ['claimStatus', 'ClaimLost'])
})

test('planVolume: Available, Bound, Released, and the reclaim policy', () => {
  assert.deepEqual(planVolume(pv('a', '1Gi', ['ReadWriteOnce'], { phase: 'Pending' }), undefined, []), [{ kind: 'volumePhase', volume: 'a', phase: 'Available' }])
  const ref = { namespace: 'ns', name: 'c', uid: 'uid-c' }
  const bound = pvc('1Gi', ['ReadWriteOnce'], { volumeName: 'a' })
  assert.deepEqual(planVolume(pv('a', '1Gi', ['ReadWriteOnce'], { phase: 'Available', claimRef: ref }), bound, []), [{ kind: 'volumePhase', volume: 'a', phase: 'Bound' }])
  assert.deepEqual(planVolume(pv('a', '1Gi', ['ReadWriteOnce'], { phase: 'Bound', claimRef: ref, policy: 'Retain' }), undefined, []), [{ kind: 'volumePhase', volume: 'a', phase: 'Released' }])
  // Delete of a volume no provisioner owns: Failed, as upstream without a deleter plugin.
  const failed = planVolume(pv('a', '1Gi', ['ReadWriteOnce'], { phase: 'Released', claimRef: ref, policy: 'Delete' }), undefined, ['kubelite.io/local-path'])
  assert.deepEqual(failed[0], { kind: 'volumePhase', volume: 'a', phase: 'Failed', message: 'error getting deleter volume plugin for volume "a": no deletable volume plugin matched' })
  // Its provisioner's volume is left to the provisioner.
  const own = pv('a', '1Gi', ['ReadWriteOnce'], { phase: 'Released', claimRef: ref, policy: 'Delete', annotations: { 'pv.kubernetes.io/provisioned-by': 'kubelite.io/local-path' } })
  assert.deepEqual(planVolume(own, undefined, ['kubelite.io/local-path']), [])
  assert.equal(shouldDeleteProvisioned(own, 'kubelite.io/local-path'), true)
  // A claim recreated under the same name is another claim: the volume is still Released.
  const other = { ...bound, metadata: { ...bound.metadata, uid: 'uid-new' } } as ClaimObj
  assert.deepEqual(planVolume(pv('a', '1Gi', ['ReadWriteOnce'], { phase: 'Bound', claimRef: ref }), other, [])[0], { kind: 'volumePhase', volume: 'a', phase: 'Released' })
})

test('planProvision: only claims handed to this provisioner, once, with a node for WaitForFirstConsumer', () => {
  const cls = sc('standard', 'kubelite.io/local-path', 'WaitForFirstConsumer')
  const handed = { 'volume.kubernetes.io/storage-provisioner': 'kubelite.io/local-path' }
  assert.equal(planProvision(pvc('1Gi', ['ReadWriteOnce'], { cls: 'standard' }), cls, 'kubelite.io/local-path', new Set(), '/d').kind, 'none')
  assert.equal(planProvision(pvc('1Gi', ['ReadWriteOnce'], { cls: 'standard', annotations: handed }), cls, 'kubelite.io/local-path', new Set(), '/d').kind, 'none')
  const claim = pvc('1Gi', ['ReadWriteOnce'], { cls: 'standard', annotations: { ...handed, 'volume.kubernetes.io/selected-node': 'kubelite' } })
  const d = planProvision(claim, cls, 'kubelite.io/local-path', new Set(), '/d')
  assert.equal(d.kind, 'provision')
  if (d.kind !== 'provision') return
  assert.equal(d.path, '/d/pvc-uid-c_ns_c')
  assert.equal(d.volume.metadata.name, 'pvc-uid-c')
  assert.deepEqual(d.volume.spec?.claimRef, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'c', uid: 'uid-c', resourceVersion: '7' })
  assert.equal(d.volume.spec?.persistentVolumeReclaimPolicy, 'Delete')
  assert.deepEqual(d.volume.spec?.capacity, { storage: '1Gi' })
  assert.equal(planProvision(claim, cls, 'kubelite.io/local-path', new Set(['pvc-uid-c']), '/d').kind, 'none')
  assert.equal(planProvision(claim, sc('standard', 'other.io/x', 'WaitForFirstConsumer'), 'kubelite.io/local-path', new Set(), '/d').kind, 'none')
})

test('claimInUse: only scheduled pods that mount the claim', () => {
  const pod = (node: string | undefined, claim: string) => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: node, volumes: [{ name: 'v', persistentVolumeClaim: { claimName: claim } }] } }) as unknown as PodObj
  const c = pvc('1Gi', ['ReadWriteOnce'])
  assert.equal(claimInUse(c, [pod('n', 'c')]), true)
  assert.equal(claimInUse(c, [pod(undefined, 'c')]), false)
  assert.equal(claimInUse(c, [pod('n', 'other')]), false)
})
