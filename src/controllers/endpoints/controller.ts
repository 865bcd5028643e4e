// The Endpoints controller: the thin shell around planEndpoints. For every Service with a
// selector it keeps the same-named core/v1 Endpoints listing the selected pods; when the Service
// goes, its Endpoints go too (they carry no ownerReference, as upstream).
import type { StoredObject } from '../../apis/meta.js'
import { isAlreadyExists, isNotFound } from '../../client/errors.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import type { Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type Reconciler, type Result, type RunnerLog } from '../runtime/runner.js'
import { ServicePodIndex } from './membership.js'
import { planEndpoints, type EndpointsObj } from './plan.js'
import { managesEndpoints } from './podutil.js'

export const endpointsControllerName = 'endpoint-controller'

export class EndpointsController implements Reconciler {
  readonly name = endpointsControllerName
  private readonly queue = new WorkQueue()
  private readonly index: ServicePodIndex
  private readonly endpoints: Informer<EndpointsObj>

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly log?: RunnerLog,
  ) {
    this.index = new ServicePodIndex(informers, (key) => this.queue.add(key))
    this.endpoints = informers.informer<EndpointsObj>(gvrs.endpoints)
    // Someone else changed or deleted our Endpoints: put them right.
    const recheck = (e: StoredObject) => {
      if (this.index.services.get(e.metadata.namespace, e.metadata.name!)) this.queue.add(`${e.metadata.namespace}/${e.metadata.name}`)
    }
    this.endpoints.on({ update: (_, e) => recheck(e), delete: recheck })
  }

  /** Runs until the signal aborts; the informers are started by the factory's owner. */
  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.endpoints.waitForSync(), this.index.waitForSync()])
    await runWorkers(this.queue, this, 2, signal, this.log)
  }

  async reconcile(key: string): Promise<Result | void> {
    const [ns, name] = key.split('/')
    const svc = this.index.services.get(ns, name)
    const client = this.client.resource<EndpointsObj>(gvrs.endpoints)
    if (!svc) {
      // Upstream deletes the Endpoints of a deleted Service unconditionally.
      try {
        await client.delete(ns, name)
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
      return
    }
    if (!managesEndpoints(svc)) return
    const action = planEndpoints(svc, this.index.podsOf(svc), this.endpoints.get(ns, name))
    if (!action) return
    if (action.type === 'create') {
      try {
        await client.create(ns, action.object)
      } catch (err) {
        // Our cache was behind: look again once it has caught up.
        if (isAlreadyExists(err)) return { requeueAfterMs: 100 }
        throw err
      }
    } else {
      await client.update(action.object)
    }
  }
}
