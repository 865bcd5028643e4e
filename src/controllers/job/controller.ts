// The Job controller: the thin shell around plan.ts (upstream pkg/controller/job). It runs a Job's
// pods to completion, counts every finished pod exactly once through the tracking finalizer and
// status.uncountedTerminatedPods, and lets go of the pods of finished or deleted Jobs.
import { errorMessage, isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { byControllerUID, objectKey, orphansByNamespace, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { fromLabelSelector, matches } from '../../lib/selector.js'
import { claimObjects } from '../runtime/claim.js'
import { controllerOf } from '../runtime/controllerref.js'
import { Expectations } from '../runtime/expectations.js'
import { isPodActive, type PodObj } from '../runtime/pods.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { slowStartBatches } from '../replicaset/plan.js'
import { isJobFinished, jobStatusChanged, jobTrackingFinalizer, planJob, podForJob, type JobObj, type JobPlan } from './plan.js'

export const jobControllerName = 'job-controller'

/** Strategic merge patch that drops the tracking finalizer (removeTrackingFinalizerPatch). */
const removeFinalizerPatch = { metadata: { '$deleteFromPrimitiveList/finalizers': [jobTrackingFinalizer] } }

export class JobController implements Reconciler {
  readonly name = jobControllerName
  private readonly queue = new WorkQueue()
  private readonly pods: Informer<PodObj>
  private readonly jobs: Informer<JobObj>
  private readonly expectations: Expectations
  /** Per Job key, the pods whose finalizer removal the cache has not shown yet (finalizerExpectations). */
  private readonly rmFinalizers = new Map<string, Set<string>>()
  private readonly recorder: EventRecorder
  private readonly clock: () => Date

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.expectations = new Expectations(() => this.clock().getTime())
    this.recorder = new EventRecorder(client, { component: jobControllerName }, this.clock, (err) => opts.log?.error({ err }, 'job event'))
    this.pods = informers.informer<PodObj>(gvrs.pods).addIndex('controller', byControllerUID).addIndex('orphans', orphansByNamespace)
    this.jobs = informers.informer<JobObj>(gvrs.jobs)
    this.jobs.on({
      add: (j) => this.queue.add(objectKey(j)),
      update: (_, j) => this.queue.add(objectKey(j)),
      delete: (j) => {
        const key = objectKey(j)
        this.expectations.forget(key)
        this.rmFinalizers.delete(key)
        // Its pods may still hold the tracking finalizer: let them go.
        for (const p of this.pods.byIndex('controller', j.metadata.uid!)) void this.releaseOrphan(p)
      },
    })
    this.pods.on({
      add: (p) => this.podChanged(undefined, p),
      update: (old, p) => this.podChanged(old, p),
      delete: (p) => this.podDeleted(p),
    })
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.pods.waitForSync(), this.jobs.waitForSync()])
    // Upstream's --concurrent-job-syncs default.
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  // ---- event handlers ---------------------------------------------------------------------

  private ownerKey(p: PodObj): { key?: string; jobRef: boolean } {
    const ref = controllerOf(p)
    if (ref?.kind !== 'Job' || !ref.apiVersion?.startsWith('batch/')) return { jobRef: false }
    const job = this.jobs.get(p.metadata.namespace, ref.name)
    return { key: job && job.metadata.uid === ref.uid ? objectKey(job) : undefined, jobRef: true }
  }

  private podChanged(old: PodObj | undefined, p: PodObj): void {
    const { key, jobRef } = this.ownerKey(p)
    if (key) {
      if (!old) this.expectations.creationObserved(key)
      if (p.metadata.deletionTimestamp && !old?.metadata.deletionTimestamp) this.expectations.deletionObserved(key, objectKey(p))
      if (!(p.metadata.finalizers ?? []).includes(jobTrackingFinalizer)) this.rmFinalizers.get(key)?.delete(p.metadata.uid!)
      this.queue.add(key)
      return
    }
    // A pod whose Job is gone still carries the finalizer: remove it (syncOrphanPod).
    if (jobRef) void this.releaseOrphan(p)
    else if (!controllerOf(p)) {
      for (const j of this.jobs.byIndex('namespace', p.metadata.namespace ?? '')) {
        const sel = fromLabelSelector(j.spec?.selector)
        if (sel && matches(sel, p.metadata.labels)) this.queue.add(objectKey(j))
      }
    }
  }

  private podDeleted(p: PodObj): void {
    const { key } = this.ownerKey(p)
    if (!key) return
    this.expectations.deletionObserved(key, objectKey(p))
    this.rmFinalizers.get(key)?.delete(p.metadata.uid!)
    this.queue.add(key)
  }

  private async releaseOrphan(p: PodObj): Promise<void> {
    if (!(p.metadata.finalizers ?? []).includes(jobTrackingFinalizer)) return
    try {
      await this.removeFinalizer(p)
    } catch (err) {
      if (!isNotFound(err)) this.opts.log?.error({ err, pod: objectKey(p) }, 'removing the job tracking finalizer of an orphan pod')
    }
  }

  private removeFinalizer(p: PodObj): Promise<unknown> {
    return this.client.resource<PodObj>(gvrs.pods).patch(p.metadata.namespace, p.metadata.name!, 'application/strategic-merge-patch+json', removeFinalizerPatch)
  }

  // ---- reconcile ------------------------------------------------------------------------------

  async reconcile(key: string): Promise<Result | void> {
    const job = this.jobs.getByKey(key)
    if (!job) {
      this.expectations.forget(key)
      this.rmFinalizers.delete(key)
      return
    }
    const pods = isJobFinished(job) ? this.pods.byIndex('controller', job.metadata.uid!) : await this.claimPods(job)
    let rm = this.rmFinalizers.get(key)
    if (!rm) this.rmFinalizers.set(key, (rm = new Set()))
    const plan = planJob({ job, pods, now: this.clock(), expectationsSatisfied: this.expectations.satisfied(key), expectedRmFinalizers: rm })

    let failure: unknown
    try {
      await this.managePods(key, job, plan)
    } catch (err) {
      failure = err
    }
    await this.flushStatus(job, plan, rm)
    for (const e of plan.events) this.recorder.event(job, e.type, e.reason, e.message)
    if (failure) throw failure
    if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: Math.max(1, plan.requeueAfterMs) }
  }

  /** The Job's pods after adopting matching orphans (its generated selector makes that rare). */
  private claimPods(job: JobObj): Promise<PodObj[]> {
    const selector = fromLabelSelector(job.spec?.selector)
    const own = this.pods.byIndex('controller', job.metadata.uid!)
    const orphans = this.pods.byIndex('orphans', job.metadata.namespace ?? '').filter(isPodActive)
    return claimObjects(this.client, {
      owner: job,
      ownerKind: { apiVersion: 'batch/v1', kind: 'Job', gvr: gvrs.jobs },
      candidates: orphans.length ? [...own, ...orphans] : own,
      matches: (p) => selector !== undefined && matches(selector, p.metadata.labels),
      objects: this.client.resource<PodObj>(gvrs.pods),
    })
  }

  private async managePods(key: string, job: JobObj, plan: JobPlan): Promise<void> {
    const pods = this.client.resource<PodObj>(gvrs.pods)
    if (plan.deletes.length) {
      this.expectations.expectDeletions(
        key,
        plan.deletes.map((p) => objectKey(p)),
      )
      const results = await Promise.allSettled(
        plan.deletes.map(async (p) => {
          try {
            await pods.delete(p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } })
            this.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`)
          } catch (err) {
            this.expectations.deletionObserved(key, objectKey(p))
            if (isNotFound(err)) return
            this.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`)
            throw err
          }
        }),
      )
      const failed = results.find((r) => r.status === 'rejected')
      if (failed) throw (failed as PromiseRejectedResult).reason
    }
    if (plan.creates.length) {
      this.expectations.expectCreations(key, plan.creates.length)
      let done = 0
      for (const size of slowStartBatches(plan.creates.length)) {
        const batch = plan.creates.slice(done, done + size)
        const results = await Promise.allSettled(batch.map((c) => this.createPod(job, c)))
        done += size
        const failed = results.filter((r) => r.status === 'rejected')
        for (let i = 0; i < failed.length; i++) this.expectations.creationObserved(key)
        if (failed.length) {
          for (let i = done; i < plan.creates.length; i++) this.expectations.creationObserved(key)
          throw (failed[0] as PromiseRejectedResult).reason
        }
      }
    }
  }

  private async createPod(job: JobObj, c: JobPlan['creates'][number]): Promise<void> {
    try {
      const pod = await this.client.resource<PodObj>(gvrs.pods).create(job.metadata.namespace, podForJob(job, c.index, c))
      this.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`)
    } catch (err) {
      this.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`)
      throw err
    }
  }

  /**
   * Writes the status in upstream's order: newly finished pods go into uncountedTerminatedPods
   * first, then their finalizers are removed, then they move into succeeded/failed. A failure in
   * between leaves them uncounted, and the next pass finishes the hand-over.
   */
  private async flushStatus(job: JobObj, plan: JobPlan, rm: Set<string>): Promise<void> {
    const jobs = this.client.resource<JobObj>(gvrs.jobs)
    let current = job
    if (plan.interimStatus && jobStatusChanged(current, plan.interimStatus)) {
      current = await jobs.update({ ...structuredClone(current), status: plan.interimStatus } as JobObj, { subresource: 'status' })
    }
    if (plan.removeFinalizers.length) {
      const results = await Promise.allSettled(
        plan.removeFinalizers.map(async (p) => {
          try {
            await this.removeFinalizer(p)
            rm.add(p.metadata.uid!)
          } catch (err) {
            if (!isNotFound(err)) throw err
          }
        }),
      )
      const failed = results.find((r) => r.status === 'rejected')
      if (failed) throw (failed as PromiseRejectedResult).reason
    }
    if (jobStatusChanged(current, plan.status)) {
      const next = { ...structuredClone(current), status: plan.status } as JobObj
      await jobs.update(next, { subresource: 'status' })
    }
  }
}
