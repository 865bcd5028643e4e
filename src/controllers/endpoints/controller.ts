// The Endpoints controller: the thin shell around planEndpoints. For every Service with a
// selector it keeps the same-named core/v1 Endpoints listing the selected pods; when the Service
// goes, its Endpoints go too (they carry no ownerReference, as upstream).
import type { StoredObject } from '../../apis/meta.js'
import { isAlreadyExists, isNotFound } from '../../client/errors.js'
import { Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type Reconciler, type Result, type RunnerLog } from '../runtime/runner.js'
import type { ServicePodIndex } from './membership.js'
import { planEndpoints, type EndpointsObj } from './plan.js'
import { managesEndpoints } from './podutil.js'

const endpointsGVR = { group: '', version: 'v1', resource: 'endpoints' }
export const endpointsControllerName = 'endpoint-controller'

export class EndpointsController implements Reconciler {
  readonly name = endpointsControllerName
  private readonly queue = new WorkQueue()
  private readonly endpoints: Informer<EndpointsObj>

  constructor(
    private readonly client: Client,
    private readonly index: ServicePodIndex,
    private readonly log?: RunnerLog,
  ) {
    this.endpoints = new Informer<EndpointsObj>(client.resource<EndpointsObj>(endpointsGVR), { onError: (err) => log?.error({ err }, 'endpoints informer') })
    index.onService((key) => this.queue.add(key))
    // Someone else changed or deleted our Endpoints: put them right.
    const recheck = (e: StoredObject) => {
      if (index.services.get(e.metadata.namespace, e.metadata.name!)) this.queue.add(`${e.metadata.namespace}/${e.metadata.name}`)
    }
    this.endpoints.on({ update: (_, e) => recheck(e), delete: recheck })
  }

  /** Runs until the signal aborts; the shared index is started by its owner. */
  async start(signal: AbortSignal): Promise<void> {
    const running = this.endpoints.start(signal)
    await Promise.all([this.endpoints.waitForSync(), this.index.waitForSync()])
    await Promise.all([running, runWorkers(this.queue, this, 2, signal, this.log)])
  }

  async reconcile(key: string): Promise<Result | void> {
    const [ns, name] = key.split('/')
    const svc = this.index.services.get(ns, name)
    const client = this.client.resource<EndpointsObj>(endpointsGVR)
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
