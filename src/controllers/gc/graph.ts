// The garbage collector's view of the cluster (upstream pkg/controller/garbagecollector): every
// object by uid, and for each owner uid the set of its dependents. Pure data, no I/O.
import type { OwnerReference, StoredObject } from '../../apis/meta.js'

export interface ObjectRef {
  group: string
  version: string
  resource: string
  namespace?: string
  name: string
  uid: string
}

export interface Node {
  ref: ObjectRef
  owners: OwnerReference[]
  deleting: boolean
  finalizers: string[]
}

export class Graph {
  private readonly nodes = new Map<string, Node>()
  private readonly dependents = new Map<string, Set<string>>()

  get(uid: string): Node | undefined {
    return this.nodes.get(uid)
  }

  dependentsOf(uid: string): Node[] {
    return [...(this.dependents.get(uid) ?? [])].map((u) => this.nodes.get(u)).filter((n): n is Node => n !== undefined)
  }

  upsert(resource: { group: string; version: string; resource: string }, obj: StoredObject): Node {
    const m = obj.metadata
    const uid = m.uid!
    const old = this.nodes.get(uid)
    if (old) for (const o of old.owners) this.dependents.get(o.uid)?.delete(uid)
    const node: Node = {
      ref: { ...resource, namespace: m.namespace, name: m.name!, uid },
      owners: [...(m.ownerReferences ?? [])],
      deleting: m.deletionTimestamp !== undefined,
      finalizers: [...(m.finalizers ?? [])],
    }
    this.nodes.set(uid, node)
    for (const o of node.owners) {
      if (!this.dependents.has(o.uid)) this.dependents.set(o.uid, new Set())
      this.dependents.get(o.uid)!.add(uid)
    }
    return node
  }

  remove(uid: string): Node | undefined {
    const node = this.nodes.get(uid)
    if (!node) return undefined
    this.nodes.delete(uid)
    for (const o of node.owners) this.dependents.get(o.uid)?.delete(uid)
    return node
  }
}

export type OwnerState = 'present' | 'absent' | 'deletingForeground'

export type DependentAction =
  | { type: 'none' }
  | { type: 'delete'; policy: 'Background' | 'Foreground' }
  | { type: 'removeOwners'; uids: string[] }

/**
 * What to do with a dependent given its owners' states (upstream attemptToDeleteItem):
 * - every owner gone → delete it (in the background);
 * - some gone, some left → drop the dangling references;
 * - an owner being deleted in the foreground and the rest gone → delete it in the foreground if
 *   it has dependents of its own (they must go first), else in the background — a pod given the
 *   foregroundDeletion finalizer would wait on the garbage collector after its kubelet is done.
 */
export function planDependent(node: Node, owners: Map<string, OwnerState>, hasDependents = false): DependentAction {
  if (node.deleting || node.owners.length === 0) return { type: 'none' }
  const states = node.owners.map((o) => owners.get(o.uid) ?? 'absent')
  const absent = node.owners.filter((_, i) => states[i] === 'absent').map((o) => o.uid)
  const foreground = states.filter((s) => s === 'deletingForeground').length
  const present = states.filter((s) => s === 'present').length
  if (present === 0 && foreground === 0) return { type: 'delete', policy: 'Background' }
  if (present === 0 && foreground > 0) return { type: 'delete', policy: hasDependents ? 'Foreground' : 'Background' }
  if (absent.length > 0) return { type: 'removeOwners', uids: absent }
  return { type: 'none' }
}
