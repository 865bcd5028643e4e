// Create an object if it is absent, else bring the fields its owner manages up to date: how the
// API server's bootstrap objects (the `kubernetes` and `kube-dns` Services and their endpoints)
// are kept, idempotent across restarts.
import type { StoredObject } from '../apis/meta.js'
import { isAlreadyExists, isNotFound } from './errors.js'
import type { ResourceClient } from './types.js'

export interface EnsureSpec {
  /** The object to create when there is none. */
  desired: StoredObject
  /** Whether the live object needs an update. */
  differs(live: StoredObject): boolean
  /** The live object with the managed fields set (sent as an update, with live's resourceVersion). */
  merge(live: StoredObject): StoredObject
  fieldManager: string
}

/** Create `desired` if absent; else update it when `differs(live)`. A conflict or a racing create is retried (5 attempts). */
export async function ensureObject(client: ResourceClient, spec: EnsureSpec): Promise<void> {
  const ns = spec.desired.metadata.namespace
  const name = spec.desired.metadata.name!
  for (let attempt = 0; attempt < 5; attempt++) {
    let live: StoredObject | undefined
    try {
      live = await client.get(ns, name)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    try {
      if (!live) await client.create(ns, spec.desired, { fieldManager: spec.fieldManager })
      else if (spec.differs(live)) await client.update(spec.merge(live), { fieldManager: spec.fieldManager })
      return
    } catch (err) {
      if (isAlreadyExists(err) || (err as { status?: { reason?: string } }).status?.reason === 'Conflict') continue
      throw err
    }
  }
}
