// The Deployment controller: the thin shell around planDeployment. It claims the ReplicaSets a
// Deployment's selector matches, performs the planned writes in order (the first failure ends the
// pass and the key is retried), records ScalingReplicaSet events, and looks again when the
// progress deadline falls due (upstream pkg/controller/deployment/deployment_controller.go).
import { errorMessage, isAlreadyExists, isNotFound, statusCode } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import { byControllerUID, objectKey, orphansByNamespace, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { fromLabelSelector, labelSelectorMatches, matches } from '../../lib/selector.js'
import { rfc3339 } from '../../lib/duration.js'
import { claimObjects } from '../runtime/claim.js'
import { setCondition, type Condition } from '../runtime/conditions.js'
import { OwnWrites } from '../runtime/written.js'
import { controllerOf } from '../runtime/controllerref.js'
import type { PodObj } from '../runtime/pods.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { planDeployment, reasons, type DeploymentAction } from './plan.js'
import { equalIgnoreHash, hasProgressDeadline, type DeploymentObj, type ReplicaSetObj } from './util.js'

export const deploymentControllerName = 'deployment-controller'

export type DeploymentControllerOptions = ControllerOptions

export class DeploymentController implements Reconciler {
  readonly name = deploymentControllerName
  private readonly queue = new WorkQueue()
  private readonly deployments: Informer<DeploymentObj>
  private readonly replicaSets: Informer<ReplicaSetObj>
  private readonly pods: Informer<PodObj>
  private readonly recorder: EventRecorder
  private readonly written = new OwnWrites()
  private readonly clock: () => Date

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: DeploymentControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.recorder = new EventRecorder(client, { component: deploymentControllerName }, this.clock, (err) => opts.log?.error({ err }, 'deployment event'))
    this.deployments = informers.informer<DeploymentObj>(gvrs.deployments)
    this.replicaSets = informers.informer<ReplicaSetObj>(gvrs.replicaSets).addIndex('controller', byControllerUID).addIndex('orphans', orphansByNamespace)
    this.pods = informers.informer<PodObj>(gvrs.pods).addIndex('controller', byControllerUID)
    this.deployments.on({
      add: (d) => this.queue.add(objectKey(d)),
      update: (_, d) => this.queue.add(objectKey(d)),
      delete: (d) => {
        this.written.forget(d.metadata.uid)
        this.queue.add(objectKey(d))
      },
    })
    this.replicaSets.on({
      add: (rs) => this.replicaSetChanged(rs),
      update: (old, rs) => {
        if (controllerOf(old)?.uid !== controllerOf(rs)?.uid) this.replicaSetChanged(old)
        this.replicaSetChanged(rs)
      },
      delete: (rs) => {
        this.written.forget(rs.metadata.uid)
        this.replicaSetChanged(rs)
      },
    })
    // Recreate waits for the old pods to be gone: their deletion wakes the Deployment.
    this.pods.on({ delete: (p) => this.podDeleted(p) })
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deployments.waitForSync(), this.replicaSets.waitForSync(), this.pods.waitForSync()])
    // Upstream's --concurrent-deployment-syncs default.
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  private ownerOf(rs: ReplicaSetObj): DeploymentObj | undefined {
    const ref = controllerOf(rs)
    if (ref?.kind !== 'Deployment') return undefined
    const d = this.deployments.get(rs.metadata.namespace, ref.name)
    return d && d.metadata.uid === ref.uid ? d : undefined
  }

  private replicaSetChanged(rs: ReplicaSetObj): void {
    const owner = this.ownerOf(rs)
    if (owner) return this.queue.add(objectKey(owner))
    if (controllerOf(rs)) return
    // An orphan: every Deployment that selects it may adopt it.
    for (const d of this.deployments.byIndex('namespace', rs.metadata.namespace ?? '')) {
      if (d.spec?.selector && labelSelectorMatches(d.spec.selector, rs.metadata.labels)) this.queue.add(objectKey(d))
    }
  }

  private podDeleted(p: PodObj): void {
    const ref = controllerOf(p)
    if (ref?.kind !== 'ReplicaSet') return
    const rs = this.replicaSets.get(p.metadata.namespace, ref.name)
    const d = rs && this.ownerOf(rs)
    if (d && d.spec?.strategy?.type === 'Recreate') this.queue.add(objectKey(d))
  }

  async reconcile(key: string): Promise<Result | void> {
    const cached = this.deployments.getByKey(key)
    if (!cached) return
    // Our own last writes stand in for cached copies the watch has not refreshed yet.
    const d = this.written.fresher(cached)
    const claimed = (await this.claimReplicaSets(d)).map((rs) => this.written.fresher(rs))
    const seen = new Set(claimed.map((rs) => rs.metadata.uid!))
    const replicaSets = [...claimed, ...(this.written.unseenOf(d.metadata.uid!, seen) as ReplicaSetObj[])]
    const podsByReplicaSet = new Map<string, PodObj[]>()
    if (d.spec?.strategy?.type === 'Recreate') for (const rs of replicaSets) podsByReplicaSet.set(rs.metadata.uid!, this.pods.byIndex('controller', rs.metadata.uid!))
    const plan = planDeployment({ deployment: d, replicaSets, podsByReplicaSet }, this.clock())
    for (const action of plan.actions) {
      const stop = await this.perform(d, action)
      if (stop) return stop
    }
    if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: plan.requeueAfterMs }
  }

  /** Performs one action; returns a Result when the pass must end early (a create collided). */
  private async perform(d: DeploymentObj, action: DeploymentAction): Promise<Result | undefined> {
    const rsClient = this.client.resource<ReplicaSetObj>(gvrs.replicaSets)
    switch (action.type) {
      case 'createReplicaSet':
        try {
          this.written.remember(await rsClient.create(d.metadata.namespace, action.rs))
        } catch (err) {
          if (isAlreadyExists(err)) return this.collided(d, action.rs)
          if (statusCode(err) === 403 || isNotFound(err)) throw err // namespace terminating: just retry
          const msg = `Failed to create new replica set "${action.rs.metadata.name}": ${errorMessage(err)}`
          if (hasProgressDeadline(d)) {
            const next = structuredClone(d)
            const ts = rfc3339(this.clock())
            const cond = { type: 'Progressing', status: 'False' as const, reason: reasons.failedRSCreate, message: msg, lastUpdateTime: ts, lastTransitionTime: ts }
            next.status = { ...(next.status ?? {}), conditions: setCondition(next.status?.conditions as Condition[], cond) as never }
            await this.client
              .resource<DeploymentObj>(gvrs.deployments)
              .update(next, { subresource: 'status' })
              .catch(() => undefined)
          }
          this.recorder.event(d, 'Warning', reasons.failedRSCreate, msg)
          throw err
        }
        break
      case 'updateReplicaSet':
        this.written.remember(await rsClient.update(action.rs))
        break
      case 'deleteReplicaSet':
        try {
          this.written.forget(action.rs.metadata.uid)
          await rsClient.delete(action.rs.metadata.namespace, action.rs.metadata.name!, { preconditions: { uid: action.rs.metadata.uid } })
        } catch (err) {
          if (!isNotFound(err)) throw err
        }
        break
      case 'updateStatus':
        this.written.remember(await this.client.resource<DeploymentObj>(gvrs.deployments).update(action.deployment, { subresource: 'status' }))
        break
      case 'event':
        this.recorder.event(d, action.event.type, action.event.reason, action.event.message)
        return
    }
    if ('event' in action && action.event) this.recorder.event(d, action.event.type, action.event.reason, action.event.message)
    return undefined
  }

  /**
   * A ReplicaSet of that name exists. Ours with the same template: the cache was behind, look
   * again. Someone else's: a hash collision — bump status.collisionCount so the next name differs.
   */
  private async collided(d: DeploymentObj, wanted: ReplicaSetObj): Promise<Result> {
    const existing = await this.client.resource<ReplicaSetObj>(gvrs.replicaSets).get(d.metadata.namespace, wanted.metadata.name!)
    const ref = controllerOf(existing)
    if (ref?.uid === d.metadata.uid && equalIgnoreHash(existing.spec?.template, d.spec?.template)) return { requeueAfterMs: 0 }
    const next = structuredClone(d)
    next.status = { ...(next.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 }
    await this.client.resource<DeploymentObj>(gvrs.deployments).update(next, { subresource: 'status' })
    this.opts.log?.error({ deployment: objectKey(d), collisionCount: next.status.collisionCount }, 'found a hash collision for deployment - bumping collisionCount')
    return { requeueAfterMs: 0 }
  }

  /** getReplicaSetsForDeployment: adopt matching orphans, release owned ones that no longer match. */
  private claimReplicaSets(d: DeploymentObj): Promise<ReplicaSetObj[]> {
    const selector = fromLabelSelector(d.spec?.selector)
    return claimObjects(this.client, {
      owner: d,
      ownerKind: { apiVersion: 'apps/v1', kind: 'Deployment', gvr: gvrs.deployments },
      candidates: [...this.replicaSets.byIndex('controller', d.metadata.uid!), ...this.replicaSets.byIndex('orphans', d.metadata.namespace ?? '')],
      matches: (rs) => selector !== undefined && matches(selector, rs.metadata.labels),
      objects: this.client.resource<ReplicaSetObj>(gvrs.replicaSets),
    })
  }
}
