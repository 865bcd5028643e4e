// The garbage collector: cascading deletion through ownerReferences, as upstream does it —
// background (dependents deleted after the owner is gone), foreground (the owner waits, with the
// `foregroundDeletion` finalizer, until its dependents are gone) and orphan (dependents lose the
// reference, then the `orphan` finalizer is removed).
import { clone, finalizers, parseApiVersion, type OwnerReference, type StoredObject } from '../../apis/meta.js'
import { isNotFound } from '../../client/errors.js'
import type { InformerFactory } from '../../client/factory.js'
import type { Informer } from '../../client/informer.js'
import type { Client, ResourceInfo } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type Reconciler, type Result, type RunnerLog } from '../runtime/runner.js'
import { Graph, planDependent, type Node, type OwnerState } from './graph.js'

const fieldManager = 'generic-garbage-collector'

export class GarbageCollector implements Reconciler {
  readonly name = 'garbage-collector'
  private readonly queue = new WorkQueue()
  private readonly graph = new Graph()
  private readonly watched: Informer[] = []
  private readonly byKind = new Map<string, ResourceInfo>()

  /** Watches every resource it can delete, through the process's shared informers. */
  constructor(
    private readonly client: Client,
    private readonly informers: InformerFactory,
    private readonly log?: RunnerLog,
  ) {
    for (const r of client.resources()) this.byKind.set(`${r.group}/${r.kind}`, r)
  }

  /**
   * The informers: a kind some other component caches whole (pods, ReplicaSets...) shares its
   * informer; any other kind (ConfigMaps, Secrets, ...: what a cluster holds most of) is cached as
   * metadata only, as upstream's GC does, so memory follows what controllers need, not the store.
   */
  private watch(): void {
    for (const r of this.byKind.values()) {
      // Events never own anything and are many: upstream's GC ignores them too.
      if (r.resource === 'events' || !['list', 'watch', 'delete'].every((v) => r.verbs.includes(v))) continue
      const inf = this.informers.has(r) ? this.informers.informer(r) : this.informers.informer(r, { metadataOnly: true })
      inf.on({
        add: (o) => this.observe(r, o),
        update: (_, o) => this.observe(r, o),
        delete: (o) => this.forget(o),
      })
      this.watched.push(inf)
    }
  }

  private observe(r: ResourceInfo, obj: StoredObject): void {
    const node = this.graph.upsert(r, obj)
    const uid = node.ref.uid
    if (node.owners.length) this.queue.add(`dep:${uid}`)
    if (node.deleting && node.finalizers.includes(finalizers.foregroundDeletion)) this.queue.add(`fg:${uid}`)
    if (node.deleting && node.finalizers.includes(finalizers.orphan)) this.queue.add(`orphan:${uid}`)
    // A dependent that started deleting may unblock a foreground owner.
    for (const o of node.owners) if (this.graph.get(o.uid)?.deleting) this.queue.add(`fg:${o.uid}`)
  }

  private forget(obj: StoredObject): void {
    const node = this.graph.remove(obj.metadata.uid!)
    if (!node) return
    for (const d of this.graph.dependentsOf(node.ref.uid)) this.queue.add(`dep:${d.ref.uid}`)
    for (const o of node.owners) this.queue.add(`fg:${o.uid}`)
  }

  /** Runs until the signal aborts; the informers are started by the factory's owner. */
  async start(signal: AbortSignal): Promise<void> {
    // After the turn that constructs the other controllers, so their informers exist to share.
    await new Promise((r) => setImmediate(r))
    this.watch()
    await Promise.all(this.watched.map((i) => i.waitForSync()))
    await runWorkers(this.queue, this, 2, signal, this.log)
  }

  async reconcile(key: string): Promise<Result | void> {
    const [kind, uid] = key.split(':')
    if (kind === 'dep') return this.syncDependent(uid)
    if (kind === 'fg') return this.syncForeground(uid)
    if (kind === 'orphan') return this.syncOrphan(uid)
  }

  private resourceOf(ref: OwnerReference): ResourceInfo | undefined {
    return this.byKind.get(`${parseApiVersion(ref.apiVersion).group}/${ref.kind}`)
  }

  /** Is the owner there? The graph may lag, so an absent owner is confirmed with a live read. */
  private async ownerState(dependent: Node, ref: OwnerReference): Promise<OwnerState> {
    const known = this.graph.get(ref.uid)
    if (known) return known.deleting && known.finalizers.includes(finalizers.foregroundDeletion) ? 'deletingForeground' : 'present'
    const r = this.resourceOf(ref)
    if (!r) return 'present' // an owner kind we cannot look up: never delete on a guess
    try {
      const live = await this.client.resource(r).get(r.namespaced ? dependent.ref.namespace : undefined, ref.name)
      if (live.metadata.uid !== ref.uid) return 'absent'
      return live.metadata.deletionTimestamp && live.metadata.finalizers?.includes(finalizers.foregroundDeletion) ? 'deletingForeground' : 'present'
    } catch (err) {
      if (isNotFound(err)) return 'absent'
      throw err
    }
  }

  private async syncDependent(uid: string): Promise<void> {
    const node = this.graph.get(uid)
    if (!node) return
    const states = new Map<string, OwnerState>()
    for (const o of node.owners) states.set(o.uid, await this.ownerState(node, o))
    const action = planDependent(node, states, this.graph.dependentsOf(uid).length > 0)
    const rc = this.client.resource(node.ref)
    if (action.type === 'delete') {
      try {
        await rc.delete(node.ref.namespace, node.ref.name, { propagationPolicy: action.policy, preconditions: { uid } })
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
    } else if (action.type === 'removeOwners') {
      await this.updateLive(node, (o) => {
        o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => !action.uids.includes(r.uid))
      })
    }
  }

  private async syncForeground(uid: string): Promise<Result | void> {
    const owner = this.graph.get(uid)
    if (!owner || !owner.deleting || !owner.finalizers.includes(finalizers.foregroundDeletion)) return
    const dependents = this.graph.dependentsOf(uid)
    for (const d of dependents) {
      if (d.deleting) continue
      try {
        // As upstream's attemptToDeleteItem: foreground only for a dependent with dependents.
        const policy = this.graph.dependentsOf(d.ref.uid).length > 0 ? 'Foreground' : 'Background'
        await this.client.resource(d.ref).delete(d.ref.namespace, d.ref.name, { propagationPolicy: policy, preconditions: { uid: d.ref.uid } })
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
    }
    // Upstream waits only for dependents that block owner deletion.
    const blocking = dependents.filter((d) => d.owners.some((o) => o.uid === uid && o.blockOwnerDeletion))
    if (blocking.length > 0) return { requeueAfterMs: 1000 }
    await this.removeFinalizer(owner, finalizers.foregroundDeletion)
  }

  private async syncOrphan(uid: string): Promise<void> {
    const owner = this.graph.get(uid)
    if (!owner || !owner.deleting || !owner.finalizers.includes(finalizers.orphan)) return
    for (const d of this.graph.dependentsOf(uid)) {
      await this.updateLive(d, (o) => {
        o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid)
        if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences
      })
    }
    await this.removeFinalizer(owner, finalizers.orphan)
  }

  private async removeFinalizer(node: Node, finalizer: string): Promise<void> {
    await this.updateLive(node, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer)
      if (o.metadata.finalizers.length === 0) delete o.metadata.finalizers
    })
  }

  /** Read the object, change it, write it back with its resourceVersion (409 → requeue). */
  private async updateLive(node: Node, change: (o: StoredObject) => void): Promise<void> {
    const rc = this.client.resource(node.ref)
    let live: StoredObject
    try {
      live = await rc.get(node.ref.namespace, node.ref.name)
    } catch (err) {
      if (isNotFound(err)) return
      throw err
    }
    if (live.metadata.uid !== node.ref.uid) return
    const next = clone(live)
    change(next)
    try {
      await rc.update(next, { fieldManager })
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
}
