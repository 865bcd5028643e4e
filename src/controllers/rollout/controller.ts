// The Rollout controller: the thin shell around planRollout. It watches Rollouts and what they
// touch (ReplicaSets, Services, AnalysisRuns, the templates, a workloadRef's Deployment), claims
// the ReplicaSets a Rollout's selector matches, performs the planned writes in order (the first
// failure ends the pass and the key is retried), records Argo's events as `rollouts-controller`,
// and looks again when a pause, a scale-down delay or the progress deadline falls due.
import type { StoredObject } from '../../apis/meta.js'
import { isAlreadyExists, isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import { byControllerUID, objectKey, orphansByNamespace, type Informer } from '../../client/informer.js'
import type { Client, GVR } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { fromLabelSelector, matches } from '../../lib/selector.js'
import { claimObjects } from '../runtime/claim.js'
import { controllerOf } from '../runtime/controllerref.js'
import { OwnWrites } from '../runtime/written.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { planRollout, type RolloutAction } from './plan.js'

export const rolloutControllerName = 'rollouts-controller'

export const argoGVRs = {
  rollouts: { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' },
  analysisRuns: { group: 'argoproj.io', version: 'v1alpha1', resource: 'analysisruns' },
  analysisTemplates: { group: 'argoproj.io', version: 'v1alpha1', resource: 'analysistemplates' },
  clusterAnalysisTemplates: { group: 'argoproj.io', version: 'v1alpha1', resource: 'clusteranalysistemplates' },
} as const satisfies Record<string, GVR>

type Json = Record<string, any>

export class RolloutController implements Reconciler {
  readonly name = rolloutControllerName
  private readonly queue = new WorkQueue()
  private readonly rollouts: Informer
  private readonly replicaSets: Informer
  private readonly services: Informer
  private readonly analysisRuns: Informer
  private readonly templates: Informer
  private readonly clusterTemplates: Informer
  private readonly deployments: Informer
  private readonly pods: Informer
  private readonly recorder: EventRecorder
  private readonly written = new OwnWrites()
  private readonly clock: () => Date

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.recorder = new EventRecorder(client, { component: rolloutControllerName }, this.clock, (err) => opts.log?.error({ err }, 'rollout event'))
    this.rollouts = informers.informer(argoGVRs.rollouts)
    this.replicaSets = informers.informer(gvrs.replicaSets).addIndex('controller', byControllerUID).addIndex('orphans', orphansByNamespace)
    this.services = informers.informer(gvrs.services)
    this.analysisRuns = informers.informer(argoGVRs.analysisRuns).addIndex('controller', byControllerUID)
    this.templates = informers.informer(argoGVRs.analysisTemplates)
    this.clusterTemplates = informers.informer(argoGVRs.clusterAnalysisTemplates)
    this.deployments = informers.informer(gvrs.deployments)
    this.pods = informers.informer(gvrs.pods).addIndex('controller', byControllerUID)
    const enqueue = (o: StoredObject) => this.queue.add(objectKey(o))
    this.rollouts.on({ add: enqueue, update: (_, o) => enqueue(o), delete: (o) => (this.written.forget(o.metadata.uid), enqueue(o)) })
    const owned = (o: StoredObject) => {
      const ref = controllerOf(o)
      if (ref?.kind === 'Rollout') this.queue.add(`${o.metadata.namespace}/${ref.name}`)
      else if (!ref && o.kind !== 'AnalysisRun') this.enqueueNamespace(o.metadata.namespace)
    }
    this.replicaSets.on({ add: owned, update: (old, o) => (owned(old), owned(o)), delete: owned })
    this.analysisRuns.on({ add: owned, update: (_, o) => owned(o), delete: owned })
    // Services, templates and Deployments: every Rollout of the namespace may refer to them.
    const ns = (o: StoredObject) => this.enqueueNamespace(o.metadata.namespace)
    this.services.on({ add: ns, update: (_, o) => ns(o), delete: ns })
    this.templates.on({ add: ns, update: (_, o) => ns(o), delete: ns })
    this.deployments.on({ add: ns, update: (_, o) => ns(o), delete: ns })
    this.clusterTemplates.on({ add: () => this.enqueueAll(), delete: () => this.enqueueAll() })
  }

  private enqueueNamespace(namespace: string | undefined): void {
    for (const r of this.rollouts.byIndex('namespace', namespace ?? '')) this.queue.add(objectKey(r))
  }

  private enqueueAll(): void {
    for (const r of this.rollouts.list()) this.queue.add(objectKey(r))
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.rollouts, this.replicaSets, this.services, this.analysisRuns, this.templates, this.clusterTemplates, this.deployments, this.pods].map((i) => i.waitForSync()))
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  async reconcile(key: string): Promise<Result | void> {
    const cached = this.rollouts.getByKey(key)
    if (!cached) return
    const ro = this.written.fresher(cached)
    const ns = ro.metadata.namespace ?? 'default'
    const ref = (ro.spec as Json)?.workloadRef
    const workload = ref?.kind === 'Deployment' && ref.name ? this.deployments.get(ns, ref.name) : undefined
    // workloadRef: the selector is the Deployment's when the Rollout has none (Argo's resolver).
    const selector = (ro.spec as Json)?.selector ?? (workload?.spec as Json | undefined)?.selector
    const claimed = (await this.claimReplicaSets(ro, selector)).map((rs) => this.written.fresher(rs))
    const seen = new Set(claimed.map((rs) => rs.metadata.uid!))
    const replicaSets = [...claimed, ...this.written.unseenOf(ro.metadata.uid!, seen).filter((o) => o.kind === 'ReplicaSet')]
    const services = new Map(this.services.byIndex('namespace', ns).map((s) => [s.metadata.name!, this.written.fresher(s)]))
    const runs = this.analysisRuns.byIndex('controller', ro.metadata.uid!).map((r) => this.written.fresher(r))
    const plan = planRollout(
      {
        rollout: ro,
        workload,
        replicaSets,
        services,
        analysisRuns: runs,
        pods: (ro.spec as Json)?.restartAt ? replicaSets.flatMap((rs) => this.pods.byIndex('controller', rs.metadata.uid!)) : [],
        templates: { template: (name) => this.templates.get(ns, name), clusterTemplate: (name) => this.clusterTemplates.get(undefined, name) },
      },
      this.clock(),
    )
    for (const action of plan.actions) await this.perform(ro, action)
    if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: plan.requeueAfterMs }
  }

  private async perform(ro: StoredObject, action: RolloutAction): Promise<void> {
    const ns = ro.metadata.namespace
    switch (action.type) {
      case 'updateRollout':
        this.written.remember(await this.client.resource(argoGVRs.rollouts).update(action.rollout))
        return
      case 'createReplicaSet':
        try {
          this.written.remember(await this.client.resource(gvrs.replicaSets).create(ns, action.rs))
        } catch (err) {
          if (!isAlreadyExists(err)) throw err
          // Ours already (a stale cache): fine. Someone else's: a hash collision.
          const existing = await this.client.resource(gvrs.replicaSets).get(ns, action.rs.metadata.name!)
          if (controllerOf(existing)?.uid === ro.metadata.uid) return
          const next = structuredClone(ro)
          const status = (next.status ?? {}) as Json
          status.collisionCount = (status.collisionCount ?? 0) + 1
          next.status = status
          this.written.remember(await this.client.resource(argoGVRs.rollouts).update(next, { subresource: 'status' }))
        }
        return
      case 'updateReplicaSet':
        this.written.remember(await this.client.resource(gvrs.replicaSets).update(action.rs))
        return
      case 'patchService':
        this.written.remember(await this.client.resource(gvrs.services).patch(ns, action.name, 'application/merge-patch+json', action.patch))
        return
      case 'createAnalysisRun':
        try {
          this.written.remember(await this.client.resource(argoGVRs.analysisRuns).create(ns, action.run))
        } catch (err) {
          if (!isAlreadyExists(err)) throw err
        }
        return
      case 'patchAnalysisRun':
        try {
          await this.client.resource(argoGVRs.analysisRuns).patch(ns, action.name, 'application/merge-patch+json', action.patch)
        } catch (err) {
          if (!isNotFound(err)) throw err
        }
        return
      case 'deletePod':
        try {
          await this.client.resource(gvrs.pods).delete(ns, action.name, { preconditions: { uid: action.uid } })
        } catch (err) {
          if (!isNotFound(err)) throw err
        }
        return
      case 'updateStatus': {
        const next = { ...ro, status: action.status }
        this.written.remember(await this.client.resource(argoGVRs.rollouts).update(next, { subresource: 'status' }))
        return
      }
      case 'event':
        this.recorder.event(ro, action.eventType, action.reason, action.message)
        return
    }
  }

  /** Adopt matching orphan ReplicaSets, release owned ones that no longer match (as Argo's RS control). */
  private claimReplicaSets(ro: StoredObject, labelSelector: unknown): Promise<StoredObject[]> {
    // No selector (yet): claim nothing and release nothing.
    if (!labelSelector) return Promise.resolve(this.replicaSets.byIndex('controller', ro.metadata.uid!))
    const selector = fromLabelSelector(labelSelector as Parameters<typeof fromLabelSelector>[0])
    return claimObjects(this.client, {
      owner: ro,
      ownerKind: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', gvr: argoGVRs.rollouts },
      candidates: [...this.replicaSets.byIndex('controller', ro.metadata.uid!), ...this.replicaSets.byIndex('orphans', ro.metadata.namespace ?? '')],
      matches: (rs) => selector !== undefined && selector.length > 0 && matches(selector, rs.metadata.labels),
      objects: this.client.resource(gvrs.replicaSets),
    })
  }
}
