// The clusterrole-aggregation controller's thin shell: any ClusterRole change queues every
// ClusterRole that aggregates (which ones a change affects depends on labels old and new).
import type { StoredObject } from '../../apis/meta.js'
import type { InformerFactory } from '../../client/factory.js'
import type { Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type Reconciler, type RunnerLog } from '../runtime/runner.js'
import { aggregationRuleOf, planAggregatedRules } from './plan.js'

const clusterRoles = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' }

export class ClusterRoleAggregationController implements Reconciler {
  readonly name = 'clusterrole-aggregation-controller'
  private readonly queue = new WorkQueue({ name: 'clusterrole-aggregation' })
  private readonly roles: Informer

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly log?: RunnerLog,
  ) {
    this.roles = informers.informer(clusterRoles)
    const enqueueAll = () => {
      for (const r of this.roles.list((r) => aggregationRuleOf(r) !== undefined)) this.queue.add(r.metadata.name!)
    }
    this.roles.on({ add: enqueueAll, update: enqueueAll, delete: enqueueAll })
  }

  async start(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this, 1, signal, this.log)
  }

  async reconcile(name: string): Promise<void> {
    const role = this.roles.get(undefined, name)
    if (!role) return
    const rules = planAggregatedRules(role, this.roles.list())
    if (!rules) return
    const next: StoredObject = { ...structuredClone(role), rules }
    await this.client.resource(clusterRoles).update(next) // a 409 (stale cache) requeues quietly
  }
}
