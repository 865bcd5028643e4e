// The objects a controller wrote itself, kept until its informer catches up (what the kubelet's
// status manager and upstream's EndpointSliceTracker do): a pass that starts before the watch
// delivers our own last write plans from that write instead of the older cached copy, so it does
// not spend itself on a certain 409.
import type { StoredObject } from '../../apis/meta.js'

const rv = (o: StoredObject) => Number(o.metadata.resourceVersion ?? 0)

export class OwnWrites {
  private readonly byUID = new Map<string, StoredObject>()

  /** Remember what the API returned for our write. */
  remember(obj: StoredObject): void {
    if (obj.metadata.uid) this.byUID.set(obj.metadata.uid, obj)
  }

  /** The newer of the cached object and our own last write of it (dropping writes the cache has). */
  fresher<T extends StoredObject>(cached: T): T {
    const uid = cached.metadata.uid
    if (!uid) return cached
    const mine = this.byUID.get(uid)
    if (!mine) return cached
    if (rv(mine) > rv(cached)) return mine as T
    this.byUID.delete(uid)
    return cached
  }

  /**
   * Objects we created for `ownerUID` that the cache has not shown yet (their uids not in `seen`):
   * a pass must not create them again.
   */
  unseenOf(ownerUID: string, seen: Set<string>): StoredObject[] {
    const out: StoredObject[] = []
    for (const o of this.byUID.values()) {
      if (seen.has(o.metadata.uid!)) continue
      if ((o.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === ownerUID)) out.push(o)
    }
    return out
  }

  forget(uid: string | undefined): void {
    if (uid) this.byUID.delete(uid)
  }
}
