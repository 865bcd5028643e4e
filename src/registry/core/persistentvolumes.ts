// core/v1 PersistentVolume and PersistentVolumeClaim (upstream: pkg/apis/core/v1/defaults.go
// SetDefaults_PersistentVolume{,Claim}, pkg/apis/core/validation ValidatePersistentVolume{,Claim}
// and their Update forms, pkg/registry/core/persistentvolume{,claim}/strategy.go, printers.go
// printPersistentVolume{,Claim}).
import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus, PersistentVolumeStatus } from 'kubernetes-types/core/v1.js'
import { isDeepStrictEqual } from 'node:util'
import type { StoredObject } from '../../apis/meta.js'
import { forbidden, invalid, isDNS1123Subdomain, notSupported, required, type FieldError } from '../../apis/validation.js'
import { parseQuantity, quantityRegexMsg } from '../../apis/core/quantity.js'
import { accessModesAsString, betaStorageClassAnnotation, storageClassOf } from '../../apis/storage.js'
import { age, rfc3339 } from '../../lib/duration.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import type { ResourceDef } from '../types.js'
import { isObj, objOf, str } from './util.js'

export type PersistentVolumeObj = StoredObject & Omit<PersistentVolume, 'status'> & { status?: PersistentVolumeStatus }
export type PersistentVolumeClaimObj = StoredObject & Omit<PersistentVolumeClaim, 'status'> & { status?: PersistentVolumeClaimStatus }

export { betaStorageClassAnnotation }
export const claimClass = storageClassOf
export const volumeClass = storageClassOf

const supportedAccessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod']
const supportedVolumeModes = ['Block', 'Filesystem']
const supportedReclaimPolicies = ['Delete', 'Recycle', 'Retain']
const isNotPositive = 'must be greater than zero'

function validateAccessModes(modes: unknown, path: string, requiredMsg: string): FieldError[] {
  const errs: FieldError[] = []
  const list = Array.isArray(modes) ? modes : []
  if (list.length === 0) errs.push(required(path, requiredMsg))
  let rwop = false
  let other = false
  for (const m of list) {
    if (!supportedAccessModes.includes(str(m))) errs.push(notSupported(path, m, supportedAccessModes))
    else if (m === 'ReadWriteOncePod') rwop = true
    else other = true
  }
  if (rwop && other) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'))
  return errs
}

function validateQuantityPositive(value: unknown, path: string): FieldError[] {
  const n = parseQuantity(value)
  if (n === undefined) return [invalid(path, value, quantityRegexMsg)]
  if (n <= 0) return [invalid(path, value, isNotPositive)]
  return []
}

function validateClassName(name: unknown, path: string): FieldError[] {
  const s = str(name)
  if (s === '') return []
  return isDNS1123Subdomain(s).map((m) => invalid(path, s, m))
}

/** ValidatePersistentVolumeClaimSpec (paths from `path`, `spec` for a claim). */
export function validateClaimSpec(specIn: unknown, path = 'spec'): FieldError[] {
  const spec = objOf(specIn)
  const errs = validateAccessModes(spec.accessModes, `${path}.accessModes`, 'at least 1 access mode is required')
  const requests = objOf(objOf(spec.resources).requests)
  if (!('storage' in requests)) errs.push(required(`${path}.resources[storage]`, ''))
  else errs.push(...validateQuantityPositive(requests.storage, `${path}.resources[storage]`))
  errs.push(...validateClassName(spec.storageClassName, `${path}.storageClassName`))
  if (spec.volumeMode != null && !supportedVolumeModes.includes(str(spec.volumeMode))) errs.push(notSupported(`${path}.volumeMode`, spec.volumeMode, supportedVolumeModes))
  const ds = spec.dataSource
  if (isObj(ds)) {
    if (!str(ds.name)) errs.push(required(`${path}.dataSource.name`, ''))
    if (!str(ds.kind)) errs.push(required(`${path}.dataSource.kind`, ''))
    if (!str(ds.apiGroup) && ds.kind !== 'PersistentVolumeClaim') errs.push(invalid(`${path}.dataSource`, ds.kind ?? '', "must be 'PersistentVolumeClaim' when referencing the default apiGroup"))
  }
  return errs
}

const volumeSourceKeys = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'quobyte', 'cephfs', 'iscsi', 'cinder', 'fc',
  'flexVolume', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'scaleIO', 'local', 'storageos', 'csi', 'flocker',
]

/** ValidatePersistentVolumeSpec, for the sources kubelite can mount (hostPath, local) and the counts of the others. */
export function validatePersistentVolume(pv: PersistentVolumeObj): FieldError[] {
  const spec = objOf(pv.spec)
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', '')
  const capacity = objOf(spec.capacity)
  if (Object.keys(capacity).length === 0) errs.push(required('spec.capacity', ''))
  else if (!('storage' in capacity) || Object.keys(capacity).length > 1) errs.push(notSupported('spec.capacity', capacity, ['storage']))
  for (const [r, q] of Object.entries(capacity)) errs.push(...validateQuantityPositive(q, `spec.capacity[${r}]`))
  const policy = spec.persistentVolumeReclaimPolicy
  if (policy != null && policy !== '' && !supportedReclaimPolicies.includes(str(policy))) errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, supportedReclaimPolicies))
  const present = volumeSourceKeys.filter((k) => spec[k] != null)
  present.slice(1).forEach((k) => errs.push(forbidden(`spec.${k}`, 'may not specify more than 1 volume type')))
  if (present.length === 0) errs.push(required('spec', 'must specify a volume type'))
  const hostPath = objOf(spec.hostPath)
  if (present[0] === 'hostPath') {
    if (!str(hostPath.path)) errs.push(required('spec.hostPath.path', ''))
    else if (str(hostPath.path).split('/').includes('..')) errs.push(invalid('spec.hostPath.path', hostPath.path, "must not contain '..'"))
    if (hostPath.path === '/' && policy === 'Recycle') errs.push(forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"))
  }
  if (present[0] === 'local') {
    const local = objOf(spec.local)
    if (!str(local.path)) errs.push(required('spec.local.path', ''))
    if (!isObj(spec.nodeAffinity)) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'))
  }
  errs.push(...validateClassName(spec.storageClassName, 'spec.storageClassName'))
  if (spec.volumeMode != null && !supportedVolumeModes.includes(str(spec.volumeMode))) errs.push(notSupported('spec.volumeMode', spec.volumeMode, supportedVolumeModes))
  const claimRef = spec.claimRef
  if (isObj(claimRef) && !str(claimRef.name)) errs.push(required('spec.claimRef.name', ''))
  return errs
}

function sourceOf(spec: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(volumeSourceKeys.filter((k) => spec[k] != null).map((k) => [k, spec[k]]))
}

/** A short old → new account of what changed (upstream prints a cmp.Diff of the structs). */
function specDiff(old: unknown, next: unknown): string {
  const a = objOf(old)
  const b = objOf(next)
  const lines: string[] = []
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (isDeepStrictEqual(a[k], b[k])) continue
    if (k in a) lines.push(`- \t${k}: ${JSON.stringify(a[k])},`)
    if (k in b) lines.push(`+ \t${k}: ${JSON.stringify(b[k])},`)
  }
  return `  core.PersistentVolumeClaimSpec{\n${lines.join('\n')}\n  }\n`
}

export function validatePersistentVolumeUpdate(pv: PersistentVolumeObj, old: PersistentVolumeObj): FieldError[] {
  const errs = validatePersistentVolume(pv)
  const a = sourceOf(objOf(old.spec))
  const b = sourceOf(objOf(pv.spec))
  if (!isDeepStrictEqual(a, b)) errs.push(forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${specDiff(a, b)}`))
  if ((old.spec?.volumeMode ?? null) !== (pv.spec?.volumeMode ?? null)) errs.push(invalid('volumeMode', pv.spec?.volumeMode ?? null, 'field is immutable'))
  if (old.spec?.nodeAffinity && !isDeepStrictEqual(old.spec.nodeAffinity, pv.spec?.nodeAffinity)) errs.push(invalid('nodeAffinity', pv.spec?.nodeAffinity ?? null, 'field is immutable'))
  return errs
}

/** ValidatePersistentVolumeClaimUpdate: the spec is fixed but for the volumeName (once) and, bound, the storage request. */
export function validateClaimUpdate(pvc: PersistentVolumeClaimObj, old: PersistentVolumeClaimObj): FieldError[] {
  const errs = validateClaimSpec(pvc.spec)
  const oldSpec = structuredClone(objOf(old.spec))
  const newSpec = structuredClone(objOf(pvc.spec))
  if (!str(oldSpec.volumeName)) {
    if (newSpec.volumeName === undefined) delete oldSpec.volumeName
    else oldSpec.volumeName = newSpec.volumeName
  }
  // Upgrade from an unset class to a set one is allowed (the DefaultStorageClass controller's retroactive assignment).
  const beta = old.metadata.annotations?.[betaStorageClassAnnotation]
  if (oldSpec.storageClassName == null && newSpec.storageClassName != null && (beta === undefined || beta === newSpec.storageClassName)) oldSpec.storageClassName = newSpec.storageClassName
  if ((old.metadata.annotations?.[betaStorageClassAnnotation] ?? '') !== (pvc.metadata.annotations?.[betaStorageClassAnnotation] ?? ''))
    errs.push(invalid(`metadata.annotations[${betaStorageClassAnnotation}]`, pvc.metadata.annotations?.[betaStorageClassAnnotation] ?? '', 'field is immutable'))
  const bound = pvc.status?.phase === 'Bound'
  if (bound && isObj(objOf(newSpec.resources).requests)) {
    const req = objOf(objOf(newSpec.resources).requests)
    const oldReq = objOf(objOf(oldSpec.resources).requests)
    if ('storage' in oldReq) req.storage = oldReq.storage
    else delete req.storage
  }
  if (bound && newSpec.volumeAttributesClassName != null) newSpec.volumeAttributesClassName = oldSpec.volumeAttributesClassName
  if (!isDeepStrictEqual(newSpec, oldSpec))
    errs.push(forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${specDiff(oldSpec, newSpec)}`))
  const oldSize = parseQuantity(old.spec?.resources?.requests?.storage)
  const newSize = parseQuantity(pvc.spec?.resources?.requests?.storage)
  if (oldSize !== undefined && newSize !== undefined && newSize < oldSize) errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'))
  if ((old.spec?.volumeMode ?? null) !== (pvc.spec?.volumeMode ?? null)) errs.push(invalid('volumeMode', pvc.spec?.volumeMode ?? null, 'field is immutable'))
  return errs
}

/** The PV and PVC strategies: a phase change stamps lastPhaseTransitionTime (PersistentVolumeLastPhaseTransitionTime, GA in 1.31). */
function stampPhaseTransition(obj: PersistentVolumeObj, old: PersistentVolumeObj | undefined, now: Date): void {
  const status = (obj.status ??= {})
  if (!old || old.status?.phase !== status.phase) status.lastPhaseTransitionTime = rfc3339(now)
}

const docs = {
  pvCapacity: 'capacity is the description of the persistent volume\'s resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity',
  accessModes: 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes',
  reclaimPolicy:
    'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming',
  pvPhase: 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase',
  claimRef:
    'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding',
  pvClass: 'storageClassName is the name of StorageClass to which this persistent volume belongs. Empty value means that this volume does not belong to any StorageClass.',
  vacName:
    'Name of VolumeAttributesClass to which this persistent volume belongs. Empty value is not allowed. When this field is not set, it indicates that this volume does not belong to any VolumeAttributesClass. This field is mutable and can be changed by the CSI driver after a volume has been updated successfully to a new class. For an unbound PersistentVolume, the volumeAttributesClassName will be matched with unbound PersistentVolumeClaims during the binding process. This is a beta field and requires enabling VolumeAttributesClass feature (off by default).',
  reason: 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.',
  volumeMode: 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.',
  pvcPhase: 'phase represents the current phase of PersistentVolumeClaim.',
  volumeName: 'volumeName is the binding reference to the PersistentVolume backing this claim.',
  pvcCapacity: 'capacity represents the actual resources of the underlying volume.',
  pvcAccessModes: 'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1',
  pvcClass: 'storageClassName is the name of the StorageClass required by the claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#class-1',
  pvcVac:
    'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim. If specified, the CSI driver will create or update the volume with the attributes defined in the corresponding VolumeAttributesClass. This has a different purpose than storageClassName, it can be changed after the claim is created. An empty string value means that no VolumeAttributesClass will be applied to the claim but it\'s not allowed to reset this field to empty string once it is set. If unspecified and the PersistentVolumeClaim is unbound, the default VolumeAttributesClass will be set by the persistentvolume controller if it exists. If the resource referred to by volumeAttributesClass does not exist, this PersistentVolumeClaim will be set to a Pending state, as reflected by the modifyVolumeStatus field, until such as a resource exists. More info: https://kubernetes.io/docs/concepts/storage/volume-attributes-classes/ (Beta) Using this field requires the VolumeAttributesClass feature gate to be enabled (off by default).',
}

export const persistentVolumesResource: ResourceDef<PersistentVolumeObj> = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  resource: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,

  defaults(pv) {
    const spec = (pv.spec ??= {})
    if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = 'Retain'
    if (!spec.volumeMode) spec.volumeMode = 'Filesystem'
    const status = (pv.status ??= {})
    if (!status.phase) status.phase = 'Pending'
  },
  prepareForCreate(pv) {
    pv.status = { phase: 'Pending' }
    stampPhaseTransition(pv, undefined, new Date())
  },
  validate: validatePersistentVolume,
  validateUpdate(pv, old) {
    // Also the status strategy's one change: the time of a phase change (there is no status hook).
    if (pv.status?.phase !== old.status?.phase) stampPhaseTransition(pv, old, new Date())
    return isDeepStrictEqual(pv.spec, old.spec) ? [] : validatePersistentVolumeUpdate(pv, old)
  },

  table: {
    columns: [
      nameColumn,
      column('Capacity', 'string', docs.pvCapacity),
      column('Access Modes', 'string', docs.accessModes),
      column('Reclaim Policy', 'string', docs.reclaimPolicy),
      column('Status', 'string', docs.pvPhase),
      column('Claim', 'string', docs.claimRef),
      column('StorageClass', 'string', docs.pvClass),
      column('VolumeAttributesClass', 'string', docs.vacName),
      column('Reason', 'string', docs.reason),
      ageColumn,
      column('VolumeMode', 'string', docs.volumeMode, true),
    ],
    cells(pv, now) {
      const ref = pv.spec?.claimRef
      const claim = ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : ''
      const phase = pv.metadata.deletionTimestamp ? 'Terminating' : str(pv.status?.phase)
      return [
        pv.metadata.name,
        str(pv.spec?.capacity?.storage) || '0',
        accessModesAsString(pv.spec?.accessModes),
        str(pv.spec?.persistentVolumeReclaimPolicy),
        phase,
        claim,
        volumeClass(pv),
        pv.spec?.volumeAttributesClassName ?? '<unset>',
        str(pv.status?.reason),
        age(pv.metadata.creationTimestamp, now),
        pv.spec?.volumeMode ?? '<unset>',
      ]
    },
  },
}

export const persistentVolumeClaimsResource: ResourceDef<PersistentVolumeClaimObj> = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  resource: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,

  defaults(pvc) {
    const spec = (pvc.spec ??= {})
    if (!spec.volumeMode) spec.volumeMode = 'Filesystem'
    const status = (pvc.status ??= {})
    if (!status.phase) status.phase = 'Pending'
  },
  prepareForCreate(pvc) {
    pvc.status = { phase: 'Pending' }
  },
  validate: (pvc) => validateClaimSpec(pvc.spec),
  validateUpdate(pvc, old) {
    return isDeepStrictEqual(pvc.spec, old.spec) ? [] : validateClaimUpdate(pvc, old)
  },

  table: {
    columns: [
      nameColumn,
      column('Status', 'string', docs.pvcPhase),
      column('Volume', 'string', docs.volumeName),
      column('Capacity', 'string', docs.pvcCapacity),
      column('Access Modes', 'string', docs.pvcAccessModes),
      column('StorageClass', 'string', docs.pvcClass),
      column('VolumeAttributesClass', 'string', docs.pvcVac),
      ageColumn,
      column('VolumeMode', 'string', docs.volumeMode, true),
    ],
    cells(pvc, now) {
      const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : str(pvc.status?.phase)
      const volume = str(pvc.spec?.volumeName)
      const capacity = volume ? str(pvc.status?.capacity?.storage) || '0' : ''
      const modes = volume ? accessModesAsString(pvc.status?.accessModes) : ''
      return [pvc.metadata.name, phase, volume, capacity, modes, claimClass(pvc), pvc.spec?.volumeAttributesClassName ?? '<unset>', age(pvc.metadata.creationTimestamp, now), pvc.spec?.volumeMode ?? '<unset>']
    },
  },
}
