// Well-known names of persistent storage (upstream: k8s.io/api/core/v1 annotation_key_constants.go,
// pkg/controller/volume/persistentvolume/util, storage/util): shared by the API's admission and
// printers and by the binder, provisioner and protection controllers.

export const pvcProtectionFinalizer = 'kubernetes.io/pvc-protection'
export const pvProtectionFinalizer = 'kubernetes.io/pv-protection'

export const isDefaultClassAnnotation = 'storageclass.kubernetes.io/is-default-class'
export const betaIsDefaultClassAnnotation = 'storageclass.beta.kubernetes.io/is-default-class'
/** The claim's or volume's class, before spec.storageClassName existed (still read first). */
export const betaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class'

/** On a claim: the binding is complete (the controller has seen both sides). */
export const annBindCompleted = 'pv.kubernetes.io/bind-completed'
/** On a claim or volume: the controller, not the user, set volumeName / claimRef. */
export const annBoundByController = 'pv.kubernetes.io/bound-by-controller'
/** On a volume: the provisioner that made it (and will delete it). */
export const annDynamicallyProvisioned = 'pv.kubernetes.io/provisioned-by'
/** On a claim: the provisioner expected to provision it. */
export const annStorageProvisioner = 'volume.kubernetes.io/storage-provisioner'
export const annBetaStorageProvisioner = 'volume.beta.kubernetes.io/storage-provisioner'
/** On a claim of a WaitForFirstConsumer class: the node its first consumer was scheduled to. */
export const annSelectedNode = 'volume.kubernetes.io/selected-node'

/** The provisioner name of kubelite's `standard` class (kind's is rancher.io/local-path). */
export const localPathProvisioner = 'kubelite.io/local-path'
/** A class with this provisioner is never provisioned (static volumes only). */
export const noProvisioner = 'kubernetes.io/no-provisioner'

/** storageutil.IsDefaultAnnotation: either annotation, exactly "true". */
export function isDefaultClass(sc: { metadata?: { annotations?: Record<string, string> | null } }): boolean {
  const a = sc.metadata?.annotations ?? {}
  return a[isDefaultClassAnnotation] === 'true' || a[betaIsDefaultClassAnnotation] === 'true'
}

/** helper.GetAccessModesAsString: `RWO,ROX,RWX,RWOP`, in that order, each once. */
export function accessModesAsString(modes: readonly string[] | undefined | null): string {
  const have = new Set(modes ?? [])
  return [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ]
    .filter(([m]) => have.has(m))
    .map(([, s]) => s)
    .join(',')
}

type Classed = { metadata?: { annotations?: Record<string, string> | null }; spec?: { storageClassName?: string | null } | null }

/** GetPersistentVolume{,Claim}Class: the beta annotation, else spec.storageClassName, else "". */
export function storageClassOf(obj: Classed): string {
  const beta = obj.metadata?.annotations?.[betaStorageClassAnnotation]
  if (beta !== undefined) return beta
  return obj.spec?.storageClassName ?? ''
}
