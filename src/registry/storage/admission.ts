// The storage admission plugins upstream enables by default: DefaultStorageClass (a claim without a
// class gets the default one), PersistentVolumeClaimResize (a claim grows only when its class
// allows expansion) and StorageObjectInUseProtection (the pvc-protection and pv-protection
// finalizers). Upstream: plugin/pkg/admission/storage/{storageclass/setdefault,
// persistentvolume/resize, storageobjectinuseprotection}.
import { errors } from '../../apis/status.js'
import { parseQuantity } from '../../apis/core/quantity.js'
import type { StoredObject } from '../../apis/meta.js'
import { isDefaultClass, pvcProtectionFinalizer, pvProtectionFinalizer } from '../../apis/storage.js'
import { betaStorageClassAnnotation } from '../../apis/storage.js'
import type { PersistentVolumeClaimObj } from '../core/persistentvolumes.js'
import type { Admission } from '../rest.js'
import type { StorageClassObj } from './storageclass.js'


const isClaim = (attrs: { def: { group: string; resource: string } }) => attrs.def.group === '' && attrs.def.resource === 'persistentvolumeclaims'

/**
 * GetDefaultClass: of the classes marked default, the newest (then the first by name), as
 * upstream since 1.26 picks one instead of refusing when several are marked.
 */
export function defaultClass(classes: readonly StorageClassObj[]): StorageClassObj | undefined {
  const defaults = classes.filter(isDefaultClass)
  defaults.sort((a, b) => {
    const ta = a.metadata.creationTimestamp ?? ''
    const tb = b.metadata.creationTimestamp ?? ''
    if (ta !== tb) return ta > tb ? -1 : 1
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1
  })
  return defaults[0]
}

export interface StorageAdmissionDeps {
  listStorageClasses(): Promise<StorageClassObj[]>
  getStorageClass(name: string): Promise<StorageClassObj | undefined>
}

/** DefaultStorageClass: on create, a claim that names no class (no field, no beta annotation) gets the default one. */
export function defaultStorageClass(deps: StorageAdmissionDeps): Admission {
  return {
    name: 'DefaultStorageClass',
    async admit(attrs) {
      if (attrs.operation !== 'CREATE' || !isClaim(attrs) || attrs.subresource) return
      const pvc = attrs.object as PersistentVolumeClaimObj
      if (pvc.spec?.storageClassName != null) return
      if (pvc.metadata.annotations?.[betaStorageClassAnnotation] !== undefined) return
      const def = defaultClass(await deps.listStorageClasses())
      if (!def) return
      pvc.spec = { ...pvc.spec, storageClassName: def.metadata.name }
    },
  }
}

/** PersistentVolumeClaimResize: a bigger request needs a bound claim whose class allows expansion. */
export function persistentVolumeClaimResize(deps: StorageAdmissionDeps): Admission {
  return {
    name: 'PersistentVolumeClaimResize',
    async admit(attrs) {
      if (attrs.operation !== 'UPDATE' || !isClaim(attrs) || attrs.subresource) return
      const pvc = attrs.object as PersistentVolumeClaimObj
      const old = attrs.oldObject as PersistentVolumeClaimObj
      const newSize = parseQuantity(pvc.spec?.resources?.requests?.storage)
      const oldSize = parseQuantity(old.spec?.resources?.requests?.storage)
      if (newSize === undefined || oldSize === undefined || newSize <= oldSize) return
      const ref = { group: '', resource: 'persistentvolumeclaims' }
      if (old.status?.phase !== 'Bound') throw errors.forbidden(ref, attrs.name, 'Only bound persistent volume claims can be expanded')
      const className = pvc.spec?.storageClassName ?? ''
      const sc = className ? await deps.getStorageClass(className) : undefined
      if (!sc?.allowVolumeExpansion)
        throw errors.forbidden(ref, attrs.name, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize')
    },
  }
}

/** StorageObjectInUseProtection: every new claim and volume carries its protection finalizer. */
export function storageObjectInUseProtection(): Admission {
  return {
    name: 'StorageObjectInUseProtection',
    async admit(attrs) {
      if (attrs.operation !== 'CREATE' || attrs.def.group !== '' || attrs.subresource) return
      const finalizer = attrs.def.resource === 'persistentvolumeclaims' ? pvcProtectionFinalizer : attrs.def.resource === 'persistentvolumes' ? pvProtectionFinalizer : undefined
      if (!finalizer) return
      const m = (attrs.object as StoredObject).metadata
      if (!(m.finalizers ?? []).includes(finalizer)) m.finalizers = [...(m.finalizers ?? []), finalizer]
    },
  }
}

/** The three, in upstream's order. */
export function storageAdmission(deps: StorageAdmissionDeps): Admission[] {
  return [defaultStorageClass(deps), persistentVolumeClaimResize(deps), storageObjectInUseProtection()]
}
