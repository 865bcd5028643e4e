// The EndpointSlice controller: the thin shell around planEndpointSlices. It follows the slices it
// manages (label endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io) on the
// shared slice informer, indexed by Service, and rewrites a Service's slices whenever the Service,
// its pods or its slices change.
// Deleted Services lose their slices through the garbage collector (ownerReferences).
import { isNotFound } from '../../client/errors.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import { filtered, objectKey, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { ServicePodIndex } from '../endpoints/membership.js'
import { managesEndpoints } from '../endpoints/podutil.js'
import { runWorkers, type Reconciler, type Result, type RunnerLog } from '../runtime/runner.js'
import { controllerName, managedByLabel, planEndpointSlices, serviceNameLabel, type SliceObj } from './plan.js'

/** Ours: the slices labelled managed-by us (the shared informer holds every slice). */
const isManaged = (s: SliceObj) => s.metadata.labels?.[managedByLabel] === controllerName

export class EndpointSliceController implements Reconciler {
  readonly name = 'endpointslice-controller'
  private readonly queue = new WorkQueue()
  private readonly index: ServicePodIndex
  private readonly slices: Informer<SliceObj>
  /** Service key → slice keys. */
  private readonly byService = new Map<string, Set<string>>()
  /**
   * Our own writes the cache has not shown yet (upstream's EndpointSliceTracker): service key →
   * slice name → the resourceVersion we wrote, or null for a delete. Planning from a cache that
   * lacks them could list an endpoint twice, so such a sync waits for the cache.
   */
  private readonly expected = new Map<string, Map<string, number | null>>()

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly log?: RunnerLog,
  ) {
    this.index = new ServicePodIndex(informers, (key) => this.queue.add(key))
    this.slices = informers.informer<SliceObj>(gvrs.endpointSlices)
    const serviceKey = (s: SliceObj) => `${s.metadata.namespace}/${s.metadata.labels?.[serviceNameLabel] ?? ''}`
    const put = (s: SliceObj) => {
      const k = serviceKey(s)
      let set = this.byService.get(k)
      if (!set) this.byService.set(k, (set = new Set()))
      set.add(objectKey(s))
    }
    const drop = (s: SliceObj) => {
      const k = serviceKey(s)
      this.byService.get(k)?.delete(objectKey(s))
      if (this.byService.get(k)?.size === 0) this.byService.delete(k)
    }
    // A slice that loses our label leaves as a delete, as it would from a label-selected watch.
    this.slices.on(
      filtered(isManaged, {
        add: put,
        // A slice changed by someone else (or by us, before our cache caught up) is checked again.
        update: (old, s) => {
          drop(old)
          put(s)
          this.queue.add(serviceKey(s))
        },
        delete: (s) => {
          drop(s)
          this.queue.add(serviceKey(s))
        },
      }),
    )
  }

  /** Runs until the signal aborts; the informers are started by the factory's owner. */
  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.slices.waitForSync(), this.index.waitForSync()])
    await runWorkers(this.queue, this, 2, signal, this.log)
  }

  /** One of our slices from the cache. */
  private managed(ns: string, name: string): SliceObj | undefined {
    const s = this.slices.get(ns, name)
    return s && isManaged(s) ? s : undefined
  }

  private slicesOf(serviceKey: string): SliceObj[] {
    const out: SliceObj[] = []
    for (const k of this.byService.get(serviceKey) ?? []) {
      const s = this.slices.getByKey(k)
      if (s && isManaged(s)) out.push(s)
    }
    return out.sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))
  }

  /** True when the cache shows every write we made for this Service. */
  private cacheCurrent(key: string, ns: string): boolean {
    const exp = this.expected.get(key)
    if (!exp) return true
    for (const [name, rv] of exp) {
      const cached = this.managed(ns, name)
      const seen = rv === null ? !cached : cached !== undefined && Number(cached.metadata.resourceVersion) >= rv
      if (seen) exp.delete(name)
    }
    if (exp.size === 0) this.expected.delete(key)
    return exp.size === 0
  }

  private expect(key: string, name: string, rv: number | null): void {
    let exp = this.expected.get(key)
    if (!exp) this.expected.set(key, (exp = new Map()))
    exp.set(name, rv)
  }

  async reconcile(key: string): Promise<Result | void> {
    const [ns, name] = key.split('/')
    if (!this.cacheCurrent(key, ns)) return { requeueAfterMs: 20 }
    const svc = this.index.services.get(ns, name)
    // Gone: the garbage collector removes the slices it owned.
    if (!svc || svc.metadata.deletionTimestamp || !managesEndpoints(svc)) return
    const plan = planEndpointSlices(svc, this.index.podsOf(svc), this.slicesOf(key))
    const client = this.client.resource<SliceObj>(gvrs.endpointSlices)
    for (const s of plan.delete) {
      try {
        await client.delete(ns, s.metadata.name!)
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
      this.expect(key, s.metadata.name!, null)
    }
    for (const s of plan.update) {
      const out = await client.update(s)
      this.expect(key, out.metadata.name!, Number(out.metadata.resourceVersion))
    }
    for (const s of plan.create) {
      const out = await client.create(ns, s)
      this.expect(key, out.metadata.name!, Number(out.metadata.resourceVersion))
    }
  }
}
