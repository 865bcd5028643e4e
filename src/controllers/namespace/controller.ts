// The namespace controller: the thin shell around planNamespaceDeletion.
import type { StoredObject } from '../../apis/meta.js'
import { clone, finalizers } from '../../apis/meta.js'
import { isNotFound } from '../../client/errors.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import type { Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type Reconciler, type Result, type RunnerLog } from '../runtime/runner.js'
import { planNamespaceDeletion, type NamespaceContents } from './plan.js'

/** How soon to look again while content is still terminating. */
const recheckMs = 1000

export class NamespaceController implements Reconciler {
  readonly name = 'namespace-controller'
  private readonly queue = new WorkQueue()
  private readonly namespaces: Informer

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly log?: RunnerLog,
  ) {
    this.namespaces = informers.informer(gvrs.namespaces)
    const enqueue = (ns: StoredObject) => {
      if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name!)
    }
    this.namespaces.on({ add: enqueue, update: (_, ns) => enqueue(ns) })
  }

  /** Runs until the signal aborts; the informer is started by the factory's owner. */
  async start(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this, 2, signal, this.log)
  }

  async reconcile(name: string): Promise<Result | void> {
    const ns = this.namespaces.get(undefined, name)
    if (!ns) return
    const contents: NamespaceContents[] = []
    for (const r of this.client.resources()) {
      if (!r.namespaced || !r.verbs.includes('list') || !r.verbs.includes('delete')) continue
      // events.k8s.io events are core events under another name: list them once.
      if (r.group === 'events.k8s.io') continue
      const { items } = await this.client.resource(r).list(name)
      contents.push({ resource: r, items })
    }
    for (const action of planNamespaceDeletion(ns, contents)) {
      switch (action.type) {
        case 'delete':
          try {
            await this.client.resource(action.resource).delete(name, action.name, { propagationPolicy: 'Background' })
          } catch (err) {
            if (!isNotFound(err)) throw err
          }
          break
        case 'wait':
          return { requeueAfterMs: recheckMs }
        case 'finalize': {
          const next = clone(ns)
          const spec = (next.spec ?? {}) as { finalizers?: string[] }
          spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== finalizers.namespaceKubernetes)
          next.spec = spec
          try {
            await this.client.resource(gvrs.namespaces).update(next, { subresource: 'finalize' })
          } catch (err) {
            if (!isNotFound(err)) throw err
          }
          return
        }
      }
    }
  }
}
