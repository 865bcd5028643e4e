// The ServiceAccounts controller (upstream pkg/controller/serviceaccount): every namespace has a
// ServiceAccount `default`, made again if deleted. Pods name it unless they name another.
import type { ServiceAccount } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { isAlreadyExists } from '../../client/errors.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import type { Informer } from '../../client/informer.js'
import type { Client, GVR } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type Reconciler, type Result, type RunnerLog } from '../runtime/runner.js'

const serviceAccounts: GVR = { group: '', version: 'v1', resource: 'serviceaccounts' }
type ServiceAccountObj = StoredObject & ServiceAccount

export class ServiceAccountsController implements Reconciler {
  readonly name = 'serviceaccount-controller'
  private readonly queue = new WorkQueue()
  private readonly namespaces: Informer
  private readonly accounts: Informer<ServiceAccountObj>

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly log?: RunnerLog,
  ) {
    this.namespaces = informers.informer(gvrs.namespaces)
    this.accounts = informers.informer<ServiceAccountObj>(serviceAccounts)
    this.namespaces.on({ add: (ns) => this.queue.add(ns.metadata.name!), update: (_, ns) => this.queue.add(ns.metadata.name!) })
    this.accounts.on({ delete: (sa) => sa.metadata.name === 'default' && this.queue.add(sa.metadata.namespace!) })
  }

  async start(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this, 1, signal, this.log)
  }

  async reconcile(namespace: string): Promise<Result | void> {
    const ns = this.namespaces.get(undefined, namespace)
    if (!ns || ns.metadata.deletionTimestamp || this.accounts.get(namespace, 'default')) return
    try {
      await this.client.resource<ServiceAccountObj>(serviceAccounts).create(namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } } as ServiceAccountObj)
    } catch (err) {
      if (!isAlreadyExists(err)) throw err
    }
  }
}
