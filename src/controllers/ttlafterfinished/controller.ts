// The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): deletes a finished
// Job ttlSecondsAfterFinished after it finished, with its pods (foreground propagation), after
// re-reading the Job from the API so a TTL changed meanwhile is honoured.
import { isNotFound } from '../../client/errors.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { objectKey, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import type { JobObj } from '../job/plan.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { planTTL } from './plan.js'

export const ttlAfterFinishedControllerName = 'ttl-after-finished-controller'

export class TTLAfterFinishedController implements Reconciler {
  readonly name = ttlAfterFinishedControllerName
  private readonly queue = new WorkQueue()
  private readonly jobs: Informer<JobObj>
  private readonly clock: () => Date

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.jobs = informers.informer<JobObj>(gvrs.jobs)
    const enqueue = (j: JobObj) => {
      if (planTTL(j, this.clock()).kind !== 'none') this.queue.add(objectKey(j))
    }
    this.jobs.on({ add: enqueue, update: (_, j) => enqueue(j) })
  }

  async start(signal: AbortSignal): Promise<void> {
    await this.jobs.waitForSync()
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  async reconcile(key: string): Promise<Result | void> {
    const cached = this.jobs.getByKey(key)
    if (!cached) return
    const d = planTTL(cached, this.clock())
    if (d.kind === 'wait') return { requeueAfterMs: d.ms }
    if (d.kind !== 'delete') return
    const jobs = this.client.resource<JobObj>(gvrs.jobs)
    // The cache may be stale: decide again on a fresh read, and delete exactly that Job.
    let fresh: JobObj
    try {
      fresh = await jobs.get(cached.metadata.namespace, cached.metadata.name!)
    } catch (err) {
      if (isNotFound(err)) return
      throw err
    }
    const again = planTTL(fresh, this.clock())
    if (again.kind === 'wait') return { requeueAfterMs: again.ms }
    if (again.kind !== 'delete') return
    try {
      await jobs.delete(fresh.metadata.namespace, fresh.metadata.name!, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata.uid, resourceVersion: fresh.metadata.resourceVersion } })
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
}
