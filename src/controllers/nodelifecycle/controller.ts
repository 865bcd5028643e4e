// The node lifecycle controller's NoSchedule tainting pass (upstream pkg/controller/nodelifecycle):
// keeps each Node's condition and cordon taints in line with its spec and conditions (plan.ts).
// Lease-based NotReady detection and NoExecute eviction are not here.
import type { Node } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { isNotFound } from '../../client/errors.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { objectKey, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type ControllerOptions, type Reconciler } from '../runtime/runner.js'
import { planNoScheduleTaints } from './plan.js'

type NodeObj = StoredObject & Node

export class NodeLifecycleController implements Reconciler {
  readonly name = 'node-lifecycle-controller'
  private readonly queue = new WorkQueue()
  private readonly nodes: Informer<NodeObj>

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.nodes = informers.informer<NodeObj>(gvrs.nodes)
    const enqueue = (n: NodeObj) => {
      if (planNoScheduleTaints(n)) this.queue.add(objectKey(n))
    }
    this.nodes.on({ add: enqueue, update: (_, n) => enqueue(n) })
  }

  async start(signal: AbortSignal): Promise<void> {
    await this.nodes.waitForSync()
    await runWorkers(this.queue, this, 1, signal, this.opts.log)
  }

  async reconcile(key: string): Promise<void> {
    const node = this.nodes.getByKey(key)
    if (!node) return
    const taints = planNoScheduleTaints(node)
    if (!taints) return
    // A 409 (the node changed meanwhile: its agent posts status often) requeues quietly.
    try {
      await this.client.resource<NodeObj>(gvrs.nodes).update({ ...node, spec: { ...node.spec, taints } })
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
}
