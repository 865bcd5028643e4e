// The AnalysisRun controller: the thin shell around planAnalysisRun/finishAnalysisRun (Argo
// Rollouts' analysis/controller.go and sync). It resolves secret-valued arguments, takes the
// planned measurements through the providers (in parallel, as Argo's goroutines), writes the
// status back on the object (Argo's AnalysisRun has no status subresource: its controller updates
// the object), records Argo's events, removes runs whose ttlStrategy has passed, and looks again
// when the next measurement falls due. At start it keeps the built-in ClusterAnalysisTemplate
// `kubelite-canary-judge` in place.
import { EventRecorder } from '../../client/events.js'
import { errorMessage, isNotFound } from '../../client/errors.js'
import { ensureObject } from '../../client/ensure.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import { objectKey, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import type { StoredObject } from '../../apis/meta.js'
import { resolveMetricArgs } from './args.js'
import { canaryJudgeTemplate } from './builtin.js'
import { errorOutcome, finishAnalysisRun, planAnalysisRun, type Measured, type RunEvent } from './plan.js'
import { providerFor } from './providers/index.js'
import { clientTraffic, type TrafficSource } from './providers/kubelite.js'
import { markError } from './providers/provider.js'
import { rfc3339 } from '../../lib/duration.js'
import { enqueueObject } from '../runtime/enqueue.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { analysisGVRs, isCompleted, type AnalysisRunObj, type AnalysisRunStatus, type Argument } from './types.js'

export const analysisControllerName = 'analysisrun-controller'

export interface AnalysisControllerOptions extends ControllerOptions {
  /** Where the kubelite provider reads the proxy's traffic report. */
  traffic?: TrafficSource
  /** Environment for providers (ARGO_ROLLOUTS_PROMETHEUS_ADDRESS). */
  env?: Record<string, string | undefined>
}

interface SecretObj extends StoredObject {
  data?: Record<string, string>
}

export class AnalysisRunController implements Reconciler {
  readonly name = analysisControllerName
  private readonly queue = new WorkQueue()
  private readonly runs: Informer<AnalysisRunObj>
  private readonly recorder: EventRecorder
  private readonly clock: () => Date
  private readonly traffic?: TrafficSource

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: AnalysisControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.traffic = opts.traffic ?? clientTraffic(client)
    // Argo's events come from the rollouts controller.
    this.recorder = new EventRecorder(client, { component: 'rollouts-controller' }, this.clock, (err) => opts.log?.error({ err }, 'analysisrun event'))
    this.runs = informers.informer<AnalysisRunObj>(analysisGVRs.analysisRuns)
    this.runs.on(enqueueObject(this.queue))
  }

  async start(signal: AbortSignal): Promise<void> {
    await this.ensureBuiltinTemplate()
    await this.runs.waitForSync()
    // Argo's --analysis-threads default is 30; five keep a small machine responsive.
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  /** The built-in canary judge template; a failure is logged, never fatal. */
  private async ensureBuiltinTemplate(): Promise<void> {
    try {
      const desired = canaryJudgeTemplate()
      await ensureObject(this.client.resource(analysisGVRs.clusterAnalysisTemplates), {
        desired,
        fieldManager: analysisControllerName,
        differs: (live) => JSON.stringify((live as StoredObject & { spec?: unknown }).spec) !== JSON.stringify(desired.spec),
        merge: (live) => ({ ...live, spec: desired.spec }),
      })
    } catch (err) {
      this.opts.log?.error({ err }, 'could not create the built-in ClusterAnalysisTemplate kubelite-canary-judge')
    }
  }

  async reconcile(key: string): Promise<Result | void> {
    const cached = this.runs.getByKey(key)
    if (!cached) return
    const run = structuredClone(cached)
    const now = this.clock()
    if (isCompleted(run.status?.phase)) return this.maybeDeleteExpired(run, now)
    const plan = planAnalysisRun(run, now)
    if (plan.kind === 'completed') return
    if (plan.kind === 'error') return this.write(run, plan.status, plan.events)

    let args: Argument[]
    let secrets: string[]
    try {
      ;({ args, secrets } = await this.resolveSecretArgs(run.spec.args ?? [], run.metadata.namespace))
    } catch (err) {
      const out = errorOutcome(run, `Unable to resolve metric arguments: ${errorMessage(err)}`)
      return this.write(run, out.status, out.events)
    }
    const redact = (s: string | undefined) => (s === undefined ? s : secrets.reduce((acc, x) => (x ? acc.split(x).join('*****') : acc), s))

    const measured: Measured[] = await Promise.all(
      plan.tasks.map(async (task): Promise<Measured> => {
        let metric = task.metric
        try {
          metric = resolveMetricArgs(run.spec.metrics.find((m) => m.name === task.metric.name)!, args)
        } catch {
          // The placeholder-resolved metric validated; keep it.
        }
        const provider = providerFor(metric, { client: this.client, now: this.clock, traffic: this.traffic, env: this.opts.env })
        let measurement
        if (typeof provider === 'string') {
          const base = task.incomplete ?? { phase: 'Error' as const, startedAt: rfc3339(this.clock()) }
          measurement = { ...base, phase: 'Error' as const, message: provider }
        } else {
          try {
            if (!task.incomplete) measurement = await provider.run(run, metric)
            else if (plan.terminating) {
              measurement = await provider.terminate(run, metric, task.incomplete)
              if (measurement.phase === 'Successful' || measurement.phase === 'Inconclusive') measurement = { ...measurement, message: 'Metric Terminated' }
            } else measurement = await provider.resume(run, metric, task.incomplete)
          } catch (err) {
            measurement = markError(task.incomplete ?? { phase: 'Running', startedAt: rfc3339(this.clock()) }, err, this.clock())
          }
        }
        if (measurement.message !== undefined) measurement = { ...measurement, message: redact(measurement.message) }
        const metadata = typeof provider === 'string' ? undefined : provider.metadata?.(task.metric)
        return { task, measurement, ...(metadata ? { metadata } : {}) }
      }),
    )
    const out = finishAnalysisRun(run, plan, measured, this.clock())
    for (const t of out.trimmed) {
      const provider = providerFor(t.metric, { client: this.client, now: this.clock, traffic: this.traffic, env: this.opts.env })
      if (typeof provider !== 'string') await provider.garbageCollect(run, t.metric, t.limit).catch((err) => this.opts.log?.error({ err, key }, 'measurement garbage collection failed'))
    }
    const result = await this.write(run, out.status, out.events)
    if (result) return result
    if (out.requeueAfterMs !== undefined) return { requeueAfterMs: out.requeueAfterMs }
  }

  /** Argo's resolveArgs: secretKeyRef values from the run's namespace. */
  private async resolveSecretArgs(args: readonly Argument[], namespace: string | undefined): Promise<{ args: Argument[]; secrets: string[] }> {
    const secrets: string[] = []
    const out: Argument[] = []
    for (const a of args) {
      const ref = a.valueFrom?.secretKeyRef
      if (!ref) {
        out.push(a)
        continue
      }
      const secret = await this.client.resource<SecretObj>(gvrs.secrets).get(namespace, ref.name)
      const raw = secret.data?.[ref.key]
      if (raw === undefined) throw new Error(`key '${ref.key}' does not exist in secret '${ref.name}'`)
      const value = Buffer.from(raw, 'base64').toString('utf8')
      secrets.push(value)
      out.push({ name: a.name, value })
    }
    return { args: out, secrets }
  }

  /** Writes the status when it changed and records the events (after the write, as Argo records them in the pass). */
  private async write(run: AnalysisRunObj, status: AnalysisRunStatus, events: RunEvent[]): Promise<Result | void> {
    if (JSON.stringify(status) !== JSON.stringify(run.status ?? {})) {
      const next: AnalysisRunObj = { ...run, status }
      try {
        await this.client.resource<AnalysisRunObj>(analysisGVRs.analysisRuns).update(next)
      } catch (err) {
        if (isNotFound(err)) return
        throw err
      }
    }
    for (const e of events) this.recorder.event(run, e.type, e.reason, e.message)
  }

  /** Argo's maybeGarbageCollectAnalysisRun: delete a completed run whose ttlStrategy has passed. */
  private async maybeDeleteExpired(run: AnalysisRunObj, now: Date): Promise<Result | void> {
    const ttl = run.spec.ttlStrategy
    if (!ttl || !run.status?.completedAt || run.metadata.deletionTimestamp) return
    const phase = run.status.phase
    const seconds = phase === 'Successful' && ttl.secondsAfterSuccess !== undefined ? ttl.secondsAfterSuccess : phase === 'Failed' && ttl.secondsAfterFailure !== undefined ? ttl.secondsAfterFailure : ttl.secondsAfterCompletion
    if (seconds === undefined) return
    const due = Date.parse(run.status.completedAt) + seconds * 1000
    if (now.getTime() <= due) return { requeueAfterMs: due - now.getTime() + 1000 }
    try {
      await this.client.resource(analysisGVRs.analysisRuns).delete(run.metadata.namespace, run.metadata.name!)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
}
