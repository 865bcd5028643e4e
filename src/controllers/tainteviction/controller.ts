// The taint eviction controller (upstream pkg/controller/tainteviction, `taint-eviction-controller`):
// pods on a node with NoExecute taints are deleted when they do not tolerate them, at once, or
// when their tolerationSeconds run out (plan.ts). Before the delete the pod gets the condition
// DisruptionTarget=True (reason DeletionByTaintManager), and an event TaintManagerEviction says
// `Marking for deletion Pod NS/NAME` (`Cancelling deletion of Pod NS/NAME` when the taint goes
// first). The node lifecycle controller puts `node.kubernetes.io/unreachable:NoExecute` on a node
// that stopped answering; a user may put any NoExecute taint (`kubectl taint nodes N k=v:NoExecute`).
import type { Node, Pod } from 'kubernetes-types/core/v1.js'
import { setPodCondition } from '../../apis/core/pod-conditions.js'
import type { StoredObject } from '../../apis/meta.js'
import { isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import { byNodeName, nodeNameIndex, objectKey, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { noExecuteTaints, planPodEviction, taintManagerDisruptionTarget, type PendingEviction } from './plan.js'

type NodeObj = StoredObject & Node
type PodObj = StoredObject & Pod

export const taintEvictionControllerName = 'taint-eviction-controller'

const sameJSON = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

export class TaintEvictionController implements Reconciler {
  readonly name = taintEvictionControllerName
  private readonly queue = new WorkQueue()
  private readonly nodes: Informer<NodeObj>
  private readonly pods: Informer<PodObj>
  private readonly recorder: EventRecorder
  private readonly clock: () => Date
  /** Evictions waiting for their tolerationSeconds, by pod key. */
  private readonly pending = new Map<string, PendingEviction>()

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.recorder = new EventRecorder(client, { component: taintEvictionControllerName }, this.clock, (err) => opts.log?.error({ err }, 'taint eviction event'))
    this.nodes = informers.informer<NodeObj>(gvrs.nodes)
    this.pods = informers.informer<PodObj>(gvrs.pods).addIndex(nodeNameIndex, byNodeName)
    const podsOn = (node: NodeObj) => {
      for (const p of this.pods.byIndex(nodeNameIndex, node.metadata.name!)) this.queue.add(objectKey(p))
    }
    // Only NoExecute taints matter (upstream NodeUpdated).
    this.nodes.on({
      add: (n) => noExecuteTaints(n.spec?.taints).length > 0 && podsOn(n),
      update: (old, n) => !sameJSON(noExecuteTaints(old.spec?.taints), noExecuteTaints(n.spec?.taints)) && podsOn(n),
      delete: podsOn,
    })
    // A pod matters when it lands on a node or its tolerations change (upstream PodUpdated).
    this.pods.on({
      add: (p) => p.spec?.nodeName && this.queue.add(objectKey(p)),
      update: (old, p) => {
        if (old.spec?.nodeName !== p.spec?.nodeName || !sameJSON(old.spec?.tolerations, p.spec?.tolerations)) this.queue.add(objectKey(p))
      },
      delete: (p) => this.pending.has(objectKey(p)) && this.queue.add(objectKey(p)),
    })
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.nodes.waitForSync(), this.pods.waitForSync()])
    await runWorkers(this.queue, this, this.opts.workers ?? 4, signal, this.opts.log)
  }

  async reconcile(key: string): Promise<Result | void> {
    const pod = this.pods.getByKey(key)
    const pending = this.pending.get(key)
    const [namespace, name] = key.split('/')
    if (!pod) {
      if (pending) this.cancel(key, namespace, name)
      return
    }
    const node = pod.spec?.nodeName ? this.nodes.get(undefined, pod.spec.nodeName) : undefined
    const now = this.clock().getTime()
    const plan = planPodEviction(pod, noExecuteTaints(node?.spec?.taints), pending, now)
    switch (plan.kind) {
      case 'none':
        if (plan.cancel && pending) this.cancel(key, namespace, name)
        return
      case 'wait':
        this.pending.set(key, plan.pending)
        return { requeueAfterMs: plan.pending.fireAt - now }
      case 'evict':
        if (plan.cancel) this.cancel(key, namespace, name)
        await this.evict(pod)
        // Only once it went: a failed delete is retried as due, not rescheduled from now.
        this.pending.delete(key)
    }
  }

  /** The event's object is a bare reference, as upstream's (no uid). */
  private ref(namespace: string, name: string): StoredObject {
    return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } }
  }

  private cancel(key: string, namespace: string, name: string): void {
    this.pending.delete(key)
    this.recorder.event(this.ref(namespace, name), 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${namespace}/${name}`)
  }

  /** deletePodHandler → addConditionAndDeletePod: the condition through /status (when new), then the delete. */
  private async evict(cached: PodObj): Promise<void> {
    const { namespace, name } = cached.metadata
    this.recorder.event(this.ref(namespace!, name!), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`)
    const pods = this.client.resource<PodObj>(gvrs.pods)
    try {
      const pod = await pods.get(namespace, name!)
      if (pod.metadata.uid !== cached.metadata.uid) return
      const status = { ...(pod.status ?? {}) } as Record<string, unknown>
      setPodCondition(status, { ...taintManagerDisruptionTarget }, this.clock())
      if (!sameJSON(status.conditions, pod.status?.conditions)) await pods.update({ ...pod, status }, { subresource: 'status' })
      await pods.delete(namespace, name!, { preconditions: { uid: pod.metadata.uid } })
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
}
