// The CronJob controller: the thin shell around plan.ts (upstream pkg/controller/cronjob,
// ControllerV2). Each pass reads the CronJob and the Jobs it owns, creates the Job of the most
// recent unmet schedule, deletes replaced and surplus finished Jobs, writes the status and asks to
// be woken just after the next activation. The clock is injected (tests move it instead of waiting).
import { errorMessage, isAlreadyExists, isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { byControllerUID, objectKey, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { controllerOf } from '../runtime/controllerref.js'
import { enqueueObject } from '../runtime/enqueue.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { cronJobStatusChanged, jobReference, planCronJob, type CronJobObj, type JobObj } from './plan.js'

export const cronJobControllerName = 'cronjob-controller'

export class CronJobController implements Reconciler {
  readonly name = cronJobControllerName
  private readonly queue = new WorkQueue()
  private readonly jobs: Informer<JobObj>
  private readonly cronJobs: Informer<CronJobObj>
  private readonly recorder: EventRecorder
  private readonly clock: () => Date

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.recorder = new EventRecorder(client, { component: cronJobControllerName }, this.clock, (err) => opts.log?.error({ err }, 'cronjob event'))
    this.jobs = informers.informer<JobObj>(gvrs.jobs).addIndex('controller', byControllerUID)
    this.cronJobs = informers.informer<CronJobObj>(gvrs.cronJobs)
    this.cronJobs.on(enqueueObject(this.queue))
    const byOwner = (j: JobObj) => {
      const ref = controllerOf(j)
      if (ref?.kind === 'CronJob') this.queue.add(`${j.metadata.namespace}/${ref.name}`)
    }
    this.jobs.on({ add: byOwner, update: (_, j) => byOwner(j), delete: byOwner })
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.jobs.waitForSync(), this.cronJobs.waitForSync()])
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  async reconcile(key: string): Promise<Result | void> {
    const cj = this.cronJobs.getByKey(key)
    if (!cj) return
    const jobs = this.jobs.byIndex('controller', cj.metadata.uid!)
    const plan = planCronJob(cj, jobs, this.clock())
    const jobClient = this.client.resource<JobObj>(gvrs.jobs)
    const status = structuredClone(plan.status)
    for (const e of plan.events.filter((x) => x.reason !== 'SuccessfulDelete')) this.recorder.event(cj, e.type, e.reason, e.message)

    for (const j of plan.deletes) {
      try {
        await jobClient.delete(j.metadata.namespace, j.metadata.name!, { propagationPolicy: 'Background', preconditions: { uid: j.metadata.uid } })
        this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`)
      } catch (err) {
        if (isNotFound(err)) continue
        this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${errorMessage(err)}`)
        throw err
      }
    }
    if (plan.create) {
      try {
        const created = await jobClient.create(cj.metadata.namespace, plan.create)
        this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`)
        status.active = [...(status.active ?? []), jobReference(created)]
      } catch (err) {
        if (isAlreadyExists(err)) {
          // Created by an earlier pass whose status write was lost: it counts as this run.
          const existing = await jobClient.get(cj.metadata.namespace, plan.create.metadata!.name!)
          if (controllerOf(existing)?.uid === cj.metadata.uid && !(status.active ?? []).some((a) => a.uid === existing.metadata.uid)) status.active = [...(status.active ?? []), jobReference(existing)]
        } else {
          this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${errorMessage(err)}`)
          throw err
        }
      }
    }
    if (cronJobStatusChanged(cj, status)) {
      await this.client.resource<CronJobObj>(gvrs.cronJobs).update({ ...structuredClone(cj), status } as CronJobObj, { subresource: 'status' })
    }
    if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: Math.max(1, plan.requeueAfterMs) }
  }
}
