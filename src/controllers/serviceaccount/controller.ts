// The ServiceAccounts controller's thin shell: namespaces and ServiceAccounts from the shared
// informers; a namespace key is queued when a namespace appears or one of its accounts goes.
import type { StoredObject } from '../../apis/meta.js'
import { isAlreadyExists } from '../../client/errors.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import type { Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type Reconciler, type RunnerLog } from '../runtime/runner.js'
import { planServiceAccounts } from './plan.js'

export class ServiceAccountsController implements Reconciler {
  readonly name = 'serviceaccount-controller'
  private readonly queue = new WorkQueue({ name: 'serviceaccount' })
  private readonly namespaces: Informer
  private readonly accounts: Informer

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly log?: RunnerLog,
  ) {
    this.namespaces = informers.informer(gvrs.namespaces)
    this.accounts = informers.informer(gvrs.serviceAccounts)
    const enqueue = (ns: StoredObject) => this.queue.add(ns.metadata.name!)
    this.namespaces.on({ add: enqueue, update: (_, ns) => enqueue(ns) })
    this.accounts.on({ delete: (sa) => sa.metadata.namespace && this.queue.add(sa.metadata.namespace) })
  }

  async start(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this, 1, signal, this.log)
  }

  async reconcile(name: string): Promise<void> {
    const ns = this.namespaces.get(undefined, name)
    if (!ns) return
    const existing = new Set(this.accounts.byIndex('namespace', name).map((sa) => sa.metadata.name!))
    for (const sa of planServiceAccounts(ns, existing)) {
      try {
        await this.client.resource(gvrs.serviceAccounts).create(name, sa)
      } catch (err) {
        if (!isAlreadyExists(err)) throw err // made by someone else meanwhile: what we wanted
      }
    }
  }
}
