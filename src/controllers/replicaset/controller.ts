// The ReplicaSet controller: the thin shell around plan.ts. It keeps spec.replicas active pods
// for every ReplicaSet, adopting orphans its selector matches and releasing pods that no longer
// match, and reports the counts in status (upstream pkg/controller/replicaset).
import type { StoredObject } from '../../apis/meta.js'
import { errorMessage, isNotFound, statusCode } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { byControllerUID, objectKey, orphansByNamespace, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { fromLabelSelector, labelSelectorMatches, matches } from '../../lib/selector.js'
import { claimObjects } from '../runtime/claim.js'
import { controllerOf } from '../runtime/controllerref.js'
import { Expectations } from '../runtime/expectations.js'
import { isPodActive, isPodReady, type PodObj } from '../runtime/pods.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { computeReplicaSetStatus, planReplicas, podFromTemplate, replicaSetStatusChanged, slowStartBatches, type ReplicaSetObj } from './plan.js'

export const replicaSetControllerName = 'replicaset-controller'

export type ReplicaSetControllerOptions = ControllerOptions

export class ReplicaSetController implements Reconciler {
  readonly name = replicaSetControllerName
  private readonly queue = new WorkQueue()
  private readonly pods: Informer<PodObj>
  private readonly replicaSets: Informer<ReplicaSetObj>
  private readonly expectations: Expectations
  private readonly recorder: EventRecorder
  private readonly clock: () => Date

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ReplicaSetControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.expectations = new Expectations(() => this.clock().getTime())
    this.recorder = new EventRecorder(client, { component: replicaSetControllerName }, this.clock, (err) => opts.log?.error({ err }, 'replicaset event'))
    this.pods = informers.informer<PodObj>(gvrs.pods).addIndex('controller', byControllerUID).addIndex('orphans', orphansByNamespace)
    this.replicaSets = informers.informer<ReplicaSetObj>(gvrs.replicaSets)
    this.replicaSets.on({
      add: (rs) => this.queue.add(objectKey(rs)),
      update: (_, rs) => this.queue.add(objectKey(rs)),
      delete: (rs) => {
        this.expectations.forget(objectKey(rs))
        this.queue.add(objectKey(rs))
      },
    })
    this.pods.on({
      add: (p) => this.podAdded(p),
      update: (old, p) => this.podUpdated(old, p),
      delete: (p) => this.podDeleted(p),
    })
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.pods.waitForSync(), this.replicaSets.waitForSync()])
    // Upstream's --concurrent-replicaset-syncs default.
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  // ---- event handlers: map a pod to the ReplicaSets that care --------------------------------

  private ownerKey(p: PodObj): string | undefined {
    const ref = controllerOf(p)
    if (ref?.kind !== 'ReplicaSet') return undefined
    const rs = this.replicaSets.get(p.metadata.namespace, ref.name)
    return rs && rs.metadata.uid === ref.uid ? objectKey(rs) : undefined
  }

  /** An orphan pod wakes every ReplicaSet whose selector matches it (one may adopt it). */
  private enqueueMatching(p: PodObj): void {
    for (const rs of this.replicaSets.byIndex('namespace', p.metadata.namespace ?? '')) {
      if (rs.spec?.selector && labelSelectorMatches(rs.spec.selector, p.metadata.labels)) this.queue.add(objectKey(rs))
    }
  }

  private podAdded(p: PodObj): void {
    if (p.metadata.deletionTimestamp) return this.podDeleted(p)
    const owner = this.ownerKey(p)
    if (owner) {
      this.expectations.creationObserved(owner)
      this.queue.add(owner)
    } else if (!controllerOf(p)) this.enqueueMatching(p)
  }

  private podUpdated(old: PodObj, p: PodObj): void {
    const owner = this.ownerKey(p)
    if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp && owner) this.expectations.deletionObserved(owner, objectKey(p))
    const oldOwner = this.ownerKey(old)
    if (oldOwner && oldOwner !== owner) this.queue.add(oldOwner)
    if (owner) {
      this.queue.add(owner)
      // Available only minReadySeconds after Ready: look again then.
      const rs = this.replicaSets.getByKey(owner)
      const minReady = rs?.spec?.minReadySeconds ?? 0
      if (minReady > 0 && isPodReady(p) && !isPodReady(old)) this.queue.addAfter(owner, minReady * 1000 + 1)
    } else if (!controllerOf(p)) this.enqueueMatching(p)
  }

  private podDeleted(p: PodObj): void {
    const ref = controllerOf(p)
    if (ref?.kind !== 'ReplicaSet') return
    const key = `${p.metadata.namespace}/${ref.name}`
    this.expectations.deletionObserved(key, objectKey(p))
    this.queue.add(key)
  }

  // ---- reconcile ------------------------------------------------------------------------------

  async reconcile(key: string): Promise<Result | void> {
    const rs = this.replicaSets.getByKey(key)
    if (!rs) {
      this.expectations.forget(key)
      return
    }
    const now = this.clock()
    const needsSync = this.expectations.satisfied(key)
    const owned = await this.claimPods(rs)

    let manageError: string | undefined
    let failure: unknown
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, owned, now)
      } catch (err) {
        failure = err
        manageError = errorMessage(err)
      }
    }

    const status = computeReplicaSetStatus(rs, owned, manageError, now)
    if (replicaSetStatusChanged(rs, status)) {
      const next = { ...structuredClone(rs), status } as ReplicaSetObj
      await this.client.resource<ReplicaSetObj>(gvrs.replicaSets).update(next, { subresource: 'status' })
    }
    if (failure) throw failure
    const replicas = rs.spec?.replicas ?? 1
    const minReady = rs.spec?.minReadySeconds ?? 0
    // Resync after minReadySeconds as a last line of defence against clock skew (upstream does too).
    if (minReady > 0 && (status.readyReplicas ?? 0) === replicas && (status.availableReplicas ?? 0) !== replicas) return { requeueAfterMs: minReady * 1000 }
  }

  /** The active pods this ReplicaSet owns after adopting matching orphans and releasing the rest. */
  private claimPods(rs: ReplicaSetObj): Promise<PodObj[]> {
    // Only its own pods and the namespace's orphans can be claimed: pods of other owners are
    // never looked at, so a pass costs the ReplicaSet's size, not the namespace's.
    const selector = fromLabelSelector(rs.spec?.selector)
    const own = this.pods.byIndex('controller', rs.metadata.uid!)
    const orphans = this.pods.byIndex('orphans', rs.metadata.namespace ?? '')
    return claimObjects(this.client, {
      owner: rs,
      ownerKind: { apiVersion: 'apps/v1', kind: 'ReplicaSet', gvr: gvrs.replicaSets },
      candidates: (orphans.length ? [...own, ...orphans] : own).filter(isPodActive),
      matches: (p) => selector !== undefined && matches(selector, p.metadata.labels),
      objects: this.client.resource<PodObj>(gvrs.pods),
    })
  }

  private async manageReplicas(key: string, rs: ReplicaSetObj, owned: PodObj[], now: Date): Promise<void> {
    // The family's pods only rank pods to delete (planReplicas reads them only then): a pass that
    // creates or does nothing does not gather them.
    const related = owned.length > (rs.spec?.replicas ?? 1) ? this.relatedPods(rs) : []
    const plan = planReplicas(rs, owned, related, now)
    const pods = this.client.resource<PodObj>(gvrs.pods)
    if (plan.kind === 'create') {
      this.expectations.expectCreations(key, plan.count)
      let done = 0
      for (const size of slowStartBatches(plan.count)) {
        const results = await Promise.allSettled(Array.from({ length: size }, () => this.createPod(rs)))
        done += size
        const failed = results.filter((r) => r.status === 'rejected')
        // A create that failed (and those never tried) will never be observed.
        for (let i = 0; i < failed.length; i++) this.expectations.creationObserved(key)
        if (failed.length) {
          for (let i = done; i < plan.count; i++) this.expectations.creationObserved(key)
          throw (failed[0] as PromiseRejectedResult).reason
        }
      }
    } else if (plan.kind === 'delete') {
      this.expectations.expectDeletions(
        key,
        plan.pods.map((p) => objectKey(p)),
      )
      const results = await Promise.allSettled(
        plan.pods.map(async (p) => {
          try {
            await pods.delete(p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } })
            this.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`)
          } catch (err) {
            // Already gone: it will never be observed going.
            this.expectations.deletionObserved(key, objectKey(p))
            if (isNotFound(err)) return
            this.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`)
            throw err
          }
        }),
      )
      const failed = results.find((r) => r.status === 'rejected')
      if (failed) throw (failed as PromiseRejectedResult).reason
    }
  }

  private async createPod(rs: ReplicaSetObj): Promise<void> {
    try {
      const pod = await this.client.resource<PodObj>(gvrs.pods).create(rs.metadata.namespace, podFromTemplate(rs.spec?.template, rs, 'apps/v1', 'ReplicaSet'))
      this.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`)
    } catch (err) {
      this.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`)
      throw err
    }
  }

  /** Pods of this ReplicaSet and of its siblings (the same controlling owner): they spread together. */
  private relatedPods(rs: ReplicaSetObj): PodObj[] {
    const owner = controllerOf(rs)
    const family: StoredObject[] = owner ? this.replicaSets.byIndex('namespace', rs.metadata.namespace ?? '').filter((x) => controllerOf(x)?.uid === owner.uid) : [rs]
    return family.flatMap((x) => this.pods.byIndex('controller', x.metadata.uid!))
  }
}
