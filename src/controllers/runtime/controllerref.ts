// Controller references (upstream pkg/controller/controller_ref_manager.go): which object controls
// which, and the claim rule every workload controller applies to the objects its selector matches:
// keep what it owns and still matches, release what it owns but no longer matches, adopt orphans
// that match. Pure: the shell turns the decisions into patches.
import type { OwnerReference, StoredObject } from '../../apis/meta.js'

export function controllerOf(obj: StoredObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true)
}

export function isControlledBy(obj: StoredObject, owner: StoredObject): boolean {
  return controllerOf(obj)?.uid === owner.metadata.uid
}

/** metav1.NewControllerRef: controller and blockOwnerDeletion set. */
export function newControllerRef(owner: StoredObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true }
}

export interface Claim<T> {
  /** Owned and matching, including those to adopt (once adopted). */
  owned: T[]
  adopt: T[]
  release: T[]
}

/**
 * ClaimObject over a list. An owner being deleted adopts nothing and releases nothing; objects
 * being deleted are never adopted; objects controlled by someone else are left alone.
 */
export function planClaim<T extends StoredObject>(owner: StoredObject, candidates: T[], match: (obj: T) => boolean): Claim<T> {
  const out: Claim<T> = { owned: [], adopt: [], release: [] }
  const ownerDeleting = Boolean(owner.metadata.deletionTimestamp)
  for (const obj of candidates) {
    const ref = controllerOf(obj)
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue
      if (match(obj)) out.owned.push(obj)
      else if (!ownerDeleting) out.release.push(obj)
      continue
    }
    if (ownerDeleting || !match(obj) || obj.metadata.deletionTimestamp) continue
    if (owner.metadata.namespace && owner.metadata.namespace !== obj.metadata.namespace) continue
    out.adopt.push(obj)
    out.owned.push(obj)
  }
  return out
}

/** The strategic merge patch that adopts `obj` (upstream's exact shape: the uid guards a re-created object). */
export function adoptPatch(obj: StoredObject, ref: OwnerReference): unknown {
  return { metadata: { ownerReferences: [ref], uid: obj.metadata.uid } }
}

/** The strategic merge patch that releases `obj` from its owner. */
export function releasePatch(obj: StoredObject, ownerUID: string): unknown {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUID }], uid: obj.metadata.uid } }
}
