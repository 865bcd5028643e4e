// storage.k8s.io/v1 StorageClass (upstream: pkg/apis/storage/v1/defaults.go SetDefaults_StorageClass,
// pkg/apis/storage/validation ValidateStorageClass{,Update}, printers.go printStorageClass).
import type { StorageClass } from 'kubernetes-types/storage/v1.js'
import { isDeepStrictEqual } from 'node:util'
import type { StoredObject } from '../../apis/meta.js'
import { forbidden, invalid, isDNS1123Subdomain, isQualifiedName, notSupported, required, type FieldError } from '../../apis/validation.js'
import { isDefaultClass } from '../../apis/storage.js'
import { age } from '../../lib/duration.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import type { ResourceDef } from '../types.js'

export type StorageClassObj = StoredObject & StorageClass

const maxProvisionerParameterSize = 256 * 1024
const maxProvisionerParameterLen = 512

function validateStorageClass(sc: StorageClassObj): FieldError[] {
  const errs: FieldError[] = []
  const prov = sc.provisioner ?? ''
  if (prov === '') errs.push(required('provisioner', ''))
  else {
    if (prov.length > 63 * 4) errs.push({ type: 'FieldValueTooLong', field: 'provisioner', value: prov, detail: `must have at most ${63 * 4} bytes` })
    for (const m of isQualifiedName(prov.toLowerCase())) errs.push(invalid('provisioner', prov, m))
  }
  const params = sc.parameters ?? {}
  let total = 0
  for (const [k, v] of Object.entries(params)) {
    if (k.length === 0) errs.push(invalid('parameters', k, 'field can not be empty.'))
    total += k.length + String(v).length
  }
  if (Object.keys(params).length > maxProvisionerParameterLen) errs.push(invalid('parameters', Object.keys(params).length, `must have at most ${maxProvisionerParameterLen} parameters`))
  if (total > maxProvisionerParameterSize) errs.push({ type: 'FieldValueTooLong', field: 'parameters', value: '', detail: `must have at most ${maxProvisionerParameterSize} bytes` })
  if (sc.reclaimPolicy != null && !['Delete', 'Retain'].includes(sc.reclaimPolicy)) errs.push(notSupported('reclaimPolicy', sc.reclaimPolicy, ['Delete', 'Retain']))
  if (sc.volumeBindingMode == null) errs.push(required('volumeBindingMode', ''))
  else if (!['Immediate', 'WaitForFirstConsumer'].includes(sc.volumeBindingMode)) errs.push(notSupported('volumeBindingMode', sc.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']))
  return errs
}

function validateStorageClassUpdate(sc: StorageClassObj, old: StorageClassObj): FieldError[] {
  const errs = validateStorageClass(sc)
  if (!isDeepStrictEqual(sc.parameters ?? {}, old.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'))
  if (sc.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'))
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'))
  if (sc.volumeBindingMode !== old.volumeBindingMode) errs.push(invalid('volumeBindingMode', sc.volumeBindingMode ?? null, 'field is immutable'))
  return errs
}

const docs = {
  provisioner: 'provisioner indicates the type of the provisioner.',
  reclaimPolicy: 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.',
  bindingMode: 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.',
  expansion: 'allowVolumeExpansion shows whether the storage class allow volume expand.',
}

export const storageClassesResource: ResourceDef<StorageClassObj> = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  resource: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  nameValidator: isDNS1123Subdomain,

  defaults(sc) {
    if (!sc.reclaimPolicy) sc.reclaimPolicy = 'Delete'
    if (!sc.volumeBindingMode) sc.volumeBindingMode = 'Immediate'
  },
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,

  table: {
    columns: [
      nameColumn,
      column('Provisioner', 'string', docs.provisioner),
      column('ReclaimPolicy', 'string', docs.reclaimPolicy),
      column('VolumeBindingMode', 'string', docs.bindingMode),
      column('AllowVolumeExpansion', 'string', docs.expansion),
      ageColumn,
    ],
    cells: (sc, now) => [
      isDefaultClass(sc) ? `${sc.metadata.name} (default)` : sc.metadata.name,
      sc.provisioner ?? '',
      sc.reclaimPolicy ?? 'Delete',
      sc.volumeBindingMode ?? 'Immediate',
      sc.allowVolumeExpansion ?? false,
      age(sc.metadata.creationTimestamp, now),
    ],
  },
}
