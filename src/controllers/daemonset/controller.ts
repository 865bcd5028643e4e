// The DaemonSet controller: the thin shell around plan.ts (upstream pkg/controller/daemon). It
// watches nodes as well as its pods, so a node that joins, changes labels or taints, or goes gets
// its daemon pod made or removed; pods are bound by node affinity and placed by the scheduler.
import { errorMessage, isAlreadyExists, isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { byControllerUID, objectKey, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { controllerOf } from '../runtime/controllerref.js'
import type { PodObj } from '../runtime/pods.js'
import { enqueueController, enqueueObject } from '../runtime/enqueue.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import type { RevisionObj } from '../statefulset/plan.js'
import { daemonSetStatusChanged, planDaemonSet, type DaemonSetAction, type DaemonSetObj, type NodeObj } from './plan.js'

export const daemonSetControllerName = 'daemonset-controller'

export class DaemonSetController implements Reconciler {
  readonly name = daemonSetControllerName
  private readonly queue = new WorkQueue()
  private readonly pods: Informer<PodObj>
  private readonly nodes: Informer<NodeObj>
  private readonly sets: Informer<DaemonSetObj>
  private readonly revisions: Informer<RevisionObj>
  private readonly recorder: EventRecorder
  private readonly clock: () => Date

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.recorder = new EventRecorder(client, { component: daemonSetControllerName }, this.clock, (err) => opts.log?.error({ err }, 'daemonset event'))
    this.pods = informers.informer<PodObj>(gvrs.pods).addIndex('controller', byControllerUID)
    this.nodes = informers.informer<NodeObj>(gvrs.nodes)
    this.sets = informers.informer<DaemonSetObj>(gvrs.daemonSets)
    this.revisions = informers.informer<RevisionObj>(gvrs.controllerRevisions).addIndex('controller', byControllerUID)
    this.sets.on(enqueueObject(this.queue))
    this.pods.on(enqueueController<PodObj>('DaemonSet', this.queue))
    this.revisions.on(enqueueController<RevisionObj>('DaemonSet', this.queue))
    const all = () => {
      for (const s of this.sets.list()) this.queue.add(objectKey(s))
    }
    // Heartbeats do not change where daemons run; labels, taints and membership do.
    this.nodes.on({
      add: all,
      delete: all,
      update: (a, b) => {
        if (JSON.stringify(a.metadata.labels) !== JSON.stringify(b.metadata.labels) || JSON.stringify(a.spec?.taints) !== JSON.stringify(b.spec?.taints)) all()
      },
    })
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.pods.waitForSync(), this.nodes.waitForSync(), this.sets.waitForSync(), this.revisions.waitForSync()])
    await runWorkers(this.queue, this, this.opts.workers ?? 2, signal, this.opts.log)
  }

  async reconcile(key: string): Promise<Result | void> {
    const ds = this.sets.getByKey(key)
    if (!ds || ds.metadata.deletionTimestamp) return
    const uid = ds.metadata.uid!
    const plan = planDaemonSet(ds, this.nodes.list(), this.pods.byIndex('controller', uid), this.revisions.byIndex('controller', uid), this.clock())
    for (const a of plan.actions) await this.apply(ds, a)
    if (plan.status && daemonSetStatusChanged(ds, plan.status)) {
      await this.client.resource<DaemonSetObj>(gvrs.daemonSets).update({ ...structuredClone(ds), status: plan.status } as DaemonSetObj, { subresource: 'status' })
    }
    const minReady = ds.spec?.minReadySeconds ?? 0
    if (minReady > 0 && plan.status && (plan.status.numberAvailable ?? 0) !== plan.status.numberReady) return { requeueAfterMs: minReady * 1000 }
  }

  private async apply(ds: DaemonSetObj, a: DaemonSetAction): Promise<void> {
    switch (a.kind) {
      case 'createRevision':
        try {
          await this.client.resource<RevisionObj>(gvrs.controllerRevisions).create(ds.metadata.namespace, a.revision)
        } catch (err) {
          if (!isAlreadyExists(err)) throw err
        }
        return
      case 'bumpRevision':
        await this.client.resource<RevisionObj>(gvrs.controllerRevisions).update({ ...structuredClone(a.revision), revision: a.to } as RevisionObj)
        return
      case 'deleteRevision':
        try {
          await this.client.resource(gvrs.controllerRevisions).delete(a.revision.metadata.namespace, a.revision.metadata.name!, { preconditions: { uid: a.revision.metadata.uid } })
        } catch (err) {
          if (!isNotFound(err)) throw err
        }
        return
      case 'createPod':
        try {
          const pod = await this.client.resource<PodObj>(gvrs.pods).create(ds.metadata.namespace, a.pod)
          this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`)
        } catch (err) {
          this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`)
          throw err
        }
        return
      case 'deletePod':
        if (a.failedOn)
          this.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${a.pod.metadata.namespace}/${a.pod.metadata.name} on node ${a.failedOn}, will try to kill it`)
        try {
          await this.client.resource(gvrs.pods).delete(a.pod.metadata.namespace, a.pod.metadata.name!, { preconditions: { uid: a.pod.metadata.uid } })
          this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${a.pod.metadata.name}`)
        } catch (err) {
          if (isNotFound(err)) return
          this.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`)
          throw err
        }
    }
  }
}
