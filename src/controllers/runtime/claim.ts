// The I/O half of the claim rule (upstream ClaimObject's adopt and release): patch what
// planClaim decided, as the owner re-read once says it may, and return what the owner now owns.
import type { StoredObject } from '../../apis/meta.js'
import { isNotFound, statusCode } from '../../client/errors.js'
import type { GVR, Client, ResourceClient } from '../../client/types.js'
import { adoptPatch, newControllerRef, planClaim, releasePatch } from './controllerref.js'

export interface ClaimSpec<T extends StoredObject> {
  owner: StoredObject
  /** The owner's kind and resource, for its controller reference and the adoption re-check. */
  ownerKind: { apiVersion: string; kind: string; gvr: GVR }
  /** The objects that may be claimed: the owner's own and the namespace's orphans. */
  candidates: T[]
  matches: (obj: T) => boolean
  /** Where the claimed objects live. */
  objects: ResourceClient<T>
}

/** A patch that finds the object gone, or no longer fit to patch (422), claims nothing. */
const ignorable = (err: unknown) => isNotFound(err) || statusCode(err) === 422

/**
 * Adopt matching orphans (only if the owner, read fresh, still exists and is not being deleted:
 * upstream's RecheckDeletionTimestamp) and release owned objects that no longer match.
 */
export async function claimObjects<T extends StoredObject>(client: Client, spec: ClaimSpec<T>): Promise<T[]> {
  const { owner, ownerKind, objects } = spec
  const claim = planClaim(owner, spec.candidates, spec.matches)
  const toAdopt = new Set(claim.adopt)
  const owned = claim.owned.filter((o) => !toAdopt.has(o))
  if (claim.adopt.length) {
    const fresh = await client.resource(ownerKind.gvr).get(owner.metadata.namespace, owner.metadata.name!)
    if (fresh.metadata.uid === owner.metadata.uid && !fresh.metadata.deletionTimestamp) {
      const ref = newControllerRef(owner, ownerKind.apiVersion, ownerKind.kind)
      for (const o of claim.adopt) {
        try {
          owned.push(await objects.patch(o.metadata.namespace, o.metadata.name!, 'application/strategic-merge-patch+json', adoptPatch(o, ref)))
        } catch (err) {
          if (!ignorable(err)) throw err
        }
      }
    }
  }
  for (const o of claim.release) {
    try {
      await objects.patch(o.metadata.namespace, o.metadata.name!, 'application/strategic-merge-patch+json', releasePatch(o, owner.metadata.uid!))
    } catch (err) {
      if (!ignorable(err)) throw err
    }
  }
  return owned
}
