// The garbage collector: cascading deletion through ownerReferences, as upstream does it —
// background (dependents deleted after the owner is gone), foreground (the owner waits, with the
// `foregroundDeletion` finalizer, until its dependents are gone) and orphan (dependents lose the
// reference, then the `orphan` finalizer is removed).
import { clone, finalizers, parseApiVersion, type OwnerReference, type StoredObject } from '../../apis/meta.js'
import { isNotFound } from '../../client/errors.js'
import type { InformerFactory } from '../../client/factory.js'
import { Informer, metadataOnly, type InformerHandlers } from '../../client/informer.js'
import type { Client, ResourceInfo } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type Reconciler, type Result, type RunnerLog } from '../runtime/runner.js'
import { Graph, planDependent, type Node, type OwnerState } from './graph.js'

const fieldManager = 'generic-garbage-collector'

/** How often the watched kinds are compared with discovery besides CRD events (upstream's GC: 30 s). */
export const resyncMonitorsMs = 30_000

const crdGVR = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' }
const resyncKey = 'resync:'

/** A watched resource: its informer, the handlers the GC added, and how to stop it (kinds served later). */
interface Monitor {
  info: ResourceInfo
  informer: Informer
  handlers: InformerHandlers<StoredObject>
  stop?: AbortController
}

export class GarbageCollector implements Reconciler {
  readonly name = 'garbage-collector'
  private readonly queue = new WorkQueue()
  private readonly graph = new Graph()
  private readonly monitors = new Map<string, Monitor>()
  private byKind = new Map<string, ResourceInfo>()
  /** Dependents whose owner's kind was not served when they were looked at: looked at again once it is. */
  private readonly unresolved = new Set<string>()
  private readonly crds: Informer
  private signal?: AbortSignal

  /** Watches every resource it can delete, through the process's shared informers. */
  constructor(
    private readonly client: Client,
    private readonly informers: InformerFactory,
    private readonly log?: RunnerLog,
    private readonly opts: { resyncMs?: number } = {},
  ) {
    this.refreshKinds()
    // Upstream's GC re-reads discovery every 30 s (garbageCollector.Sync); a CRD change here
    // re-reads it at once, so a kind served a moment ago is watched a moment later.
    this.crds = informers.informer(crdGVR)
    const resync = () => this.queue.add(resyncKey)
    this.crds.on({ add: resync, update: resync, delete: resync })
  }

  private refreshKinds(): void {
    const next = new Map<string, ResourceInfo>()
    for (const r of this.client.resources()) next.set(`${r.group}/${r.kind}`, r)
    this.byKind = next
  }

  /**
   * The informers: a kind some other component caches whole (pods, ReplicaSets...) shares its
   * informer; any other kind (ConfigMaps, Secrets, ...: what a cluster holds most of) is cached as
   * metadata only, as upstream's GC does, so memory follows what controllers need, not the store.
   * Kinds served after start (CustomResourceDefinitions) get an informer of the GC's own, stopped
   * when the kind is no longer served. Returns the informers it started.
   */
  private syncMonitors(initial: boolean): Informer[] {
    this.refreshKinds()
    const started: Informer[] = []
    const wanted = new Set<string>()
    for (const r of this.byKind.values()) {
      // Events never own anything and are many: upstream's GC ignores them too.
      if (r.resource === 'events' || !['list', 'watch', 'delete'].every((v) => r.verbs.includes(v))) continue
      const key = `${r.group}/${r.resource}`
      wanted.add(key)
      if (this.monitors.has(key)) continue
      const handlers: InformerHandlers<StoredObject> = {
        add: (o) => this.observe(r, o),
        update: (_, o) => this.observe(r, o),
        delete: (o) => this.forget(o),
      }
      let informer: Informer
      let stop: AbortController | undefined
      if (this.informers.has(r) || (initial && !this.isCustom(r))) {
        informer = this.informers.has(r) ? this.informers.informer(r) : this.informers.informer(r, { metadataOnly: true })
      } else {
        stop = new AbortController()
        const signal = this.signal ? AbortSignal.any([this.signal, stop.signal]) : stop.signal
        informer = new Informer(this.client.resource(r), { transform: metadataOnly, onError: (err) => this.log?.error({ err }, `garbage collector: watching ${key}`) })
        void informer.start(signal)
      }
      informer.on(handlers)
      this.monitors.set(key, { info: r, informer, handlers, stop })
      started.push(informer)
    }
    for (const [key, m] of this.monitors) {
      if (wanted.has(key) || !m.stop) continue
      m.informer.off(m.handlers)
      m.stop.abort()
      this.monitors.delete(key)
    }
    if (!initial && started.length && this.unresolved.size) {
      for (const uid of this.unresolved) this.queue.add(`dep:${uid}`)
      this.unresolved.clear()
    }
    return started
  }

  private isCustom(r: ResourceInfo): boolean {
    return this.crds.list().some((crd) => {
      const spec = crd.spec as { group?: string; names?: { plural?: string } } | undefined
      return spec?.group === r.group && spec?.names?.plural === r.resource
    })
  }

  /** Served CRD kinds discovery does not list yet (a CRD established a moment ago). */
  private missingCustomKinds(): number {
    let missing = 0
    for (const crd of this.crds.list()) {
      const spec = crd.spec as { group?: string; names?: { plural?: string }; versions?: { served?: boolean }[] } | undefined
      const established = ((crd.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True')
      if (!established || crd.metadata.deletionTimestamp || !spec?.versions?.some((v) => v.served)) continue
      if (!this.monitors.has(`${spec.group}/${spec.names?.plural}`)) missing++
    }
    return missing
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
    this.signal = signal
    // After the turn that constructs the other controllers, so their informers exist to share.
    await new Promise((r) => setImmediate(r))
    await this.crds.waitForSync()
    const informers = this.syncMonitors(true)
    await Promise.all(informers.map((i) => i.waitForSync()))
    this.queue.add(resyncKey)
    await runWorkers(this.queue, this, 2, signal, this.log)
    for (const m of this.monitors.values()) m.stop?.abort()
  }

  async reconcile(key: string): Promise<Result | void> {
    if (key === resyncKey) {
      this.syncMonitors(false)
      // A CRD established but not in discovery yet: look again soon, else at the periodic resync.
      return { requeueAfterMs: this.missingCustomKinds() > 0 ? 500 : (this.opts.resyncMs ?? resyncMonitorsMs) }
    }
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
    if (!r) {
      // An owner kind not served (yet): never delete on a guess; look again when kinds change.
      this.unresolved.add(dependent.ref.uid)
      return 'present'
    }
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
