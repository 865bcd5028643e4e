// The node IPAM controller (upstream: kube-controller-manager's nodeipam, range allocator): a Node
// registered without spec.podCIDR (a `kubelite agent` that joined) gets the next free range of
// 127.244.0.0/16; the agent waits for it before it runs pods. Nodes of `kubelite up` register with
// theirs already set, and their ranges are never handed out again.
import type { Node } from 'kubernetes-types/core/v1.js'
import { clone, type StoredObject } from '../../apis/meta.js'
import { EventRecorder } from '../../client/events.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import type { Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { nextPodCIDR } from './plan.js'

type NodeObj = StoredObject & Node

export class NodeIpamController implements Reconciler {
  readonly name = 'node-ipam-controller'
  private readonly queue = new WorkQueue()
  private readonly nodes: Informer<NodeObj>
  private readonly events: EventRecorder
  /** Ranges handed out by this process whose Node update the cache may not show yet. */
  private readonly pending = new Map<string, string>()

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.nodes = informers.informer<NodeObj>(gvrs.nodes)
    this.events = new EventRecorder(client, { component: 'cidrAllocator' }, opts.clock)
    const enqueue = (n: StoredObject) => this.queue.add(n.metadata.name!)
    this.nodes.on({ add: enqueue, update: (_, n) => enqueue(n) })
  }

  async start(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this, 1, signal, this.opts.log)
  }

  async reconcile(name: string): Promise<Result | void> {
    const node = this.nodes.get(undefined, name)
    if (!node) return void this.pending.delete(name)
    if (node.spec?.podCIDR) return void this.pending.delete(name)
    const taken = [
      ...this.nodes.list().flatMap((n) => (n.metadata.name === name ? [] : [...(n.spec?.podCIDRs ?? []), ...(n.spec?.podCIDR ? [n.spec.podCIDR] : [])])),
      ...[...this.pending].filter(([n]) => n !== name).map(([, c]) => c),
    ]
    const cidr = nextPodCIDR(taken)
    if (!cidr) {
      this.events.event({ ...node, kind: 'Node', apiVersion: 'v1' }, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`)
      return { requeueAfterMs: 30_000 }
    }
    const next = clone(node)
    next.spec = { ...next.spec, podCIDR: cidr, podCIDRs: [cidr] }
    this.pending.set(name, cidr)
    await this.client.resource<NodeObj>(gvrs.nodes).update(next)
    this.events.event({ ...node, kind: 'Node', apiVersion: 'v1' }, 'Normal', 'CIDRAssignmentSucceeded', `Node ${name} got CIDR ${cidr}`)
  }
}
