import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AdmissionAttributes } from '../rest.js'
import type { ResourceDef } from '../types.js'
import { defaultClass, defaultStorageClass, persistentVolumeClaimResize, storageObjectInUseProtection } from './admission.js'
import type { StorageClassObj } from './storageclass.js'

const sc = (name: string, created: string, isDefault: boolean, expand = false) =>
  ({ metadata: { name, creationTimestamp: created, annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} }, provisioner: 'p', allowVolumeExpansion: expand }) as unknown as StorageClassObj
const classes = [sc('old', '2026-01-01T00:00:00Z', true), sc('new', '2026-02-01T00:00:00Z', true), sc('plain', '2026-03-01T00:00:00Z', false), sc('grow', '2026-01-01T00:00:00Z', false, true)]
const deps = { listStorageClasses: async () => classes, getStorageClass: async (n: string) => classes.find((c) => c.metadata.name === n) }
const claimDef = { group: '', resource: 'persistentvolumeclaims' } as ResourceDef
const attrs = (operation: 'CREATE' | 'UPDATE', object: unknown, oldObject?: unknown): AdmissionAttributes =>
  ({ operation, def: claimDef, namespace: 'ns', name: 'c', object, oldObject, dryRun: false }) as AdmissionAttributes

test('DefaultStorageClass: the newest default class, only when the claim names none', async () => {
  assert.equal(defaultClass(classes)?.metadata.name, 'new')
  const unset = { metadata: { name: 'c' }, spec: {} } as { spec: { storageClassName?: string } }
  await defaultStorageClass(deps).admit(attrs('CREATE', unset))
  assert.equal(unset.spec.storageClassName, 'new')
  const empty = { metadata: { name: 'c' }, spec: { storageClassName: '' } }
  await defaultStorageClass(deps).admit(attrs('CREATE', empty))
  assert.equal(empty.spec.storageClassName, '')
})

test('PersistentVolumeClaimResize: growing needs a Bound claim of an expandable class', async () => {
  const claim = (cls: string, size: string, phase = 'Bound') => ({ metadata: { name: 'c' }, spec: { storageClassName: cls, resources: { requests: { storage: size } } }, status: { phase } })
  const admit = (cls: string, phase?: string) => persistentVolumeClaimResize(deps).admit(attrs('UPDATE', claim(cls, '2Gi'), claim(cls, '1Gi', phase)))
  await admit('grow')
  await assert.rejects(admit('plain'), { message: 'persistentvolumeclaims "c" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize' })
  await assert.rejects(admit('grow', 'Pending'), { message: 'persistentvolumeclaims "c" is forbidden: Only bound persistent volume claims can be expanded' })
})

test('StorageObjectInUseProtection: the protection finalizers on create', async () => {
  const claim = { metadata: { name: 'c' } } as { metadata: { finalizers?: string[] } }
  await storageObjectInUseProtection().admit(attrs('CREATE', claim))
  assert.deepEqual(claim.metadata.finalizers, ['kubernetes.io/pvc-protection'])
  const pv = { metadata: { name: 'v' } } as { metadata: { finalizers?: string[] } }
  await storageObjectInUseProtection().admit({ ...attrs('CREATE', pv), def: { group: '', resource: 'persistentvolumes' } as ResourceDef })
  assert.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection'])
})
