// The HorizontalPodAutoscaler controller: the thin shell around plan.ts (upstream
// pkg/controller/podautoscaler, horizontal.go). Every HPA is synced every 15 s
// (--horizontal-pod-autoscaler-sync-period): read the target's scale (its spec.replicas and selector),
// the pods it selects and their PodMetrics (metrics.k8s.io, as kube-controller-manager reads them),
// plan, scale the target, write the status. Recommendations and scale events stay in memory, as
// upstream's do (a restart forgets them).
import { errorMessage, isConflict, isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import type { StoredObject } from '../../apis/meta.js'
import { formatLabelSelector, matches, parseLabelSelector } from '../../lib/selector.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { emptyHistory, planHPA, setCondition, syncPeriodMs, type Condition, type History, type Observed } from './plan.js'

export const hpaControllerName = 'horizontal-pod-autoscaler'
const hpaGVR = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' }
const podMetricsGVR = { group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods' }

type Obj = StoredObject & Record<string, any>

export class HPAController implements Reconciler {
  readonly name = hpaControllerName
  private readonly queue = new WorkQueue()
  private readonly hpas: Informer<Obj>
  private readonly pods: Informer<Obj>
  private readonly recorder: EventRecorder
  private readonly clock: () => Date
  private readonly history = new Map<string, History>()

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.recorder = new EventRecorder(client, { component: hpaControllerName }, this.clock, (err) => opts.log?.error({ err }, 'hpa event'))
    this.hpas = informers.informer<Obj>(hpaGVR)
    this.pods = informers.informer<Obj>(gvrs.pods)
    // Each HPA is processed every sync period (the runner requeues it); upstream adds every event
    // with the resync delay, so its own status writes never cause an extra pass. A spec change is
    // taken at once.
    const enqueue = { add: (o: Obj) => this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`) }
    this.hpas.on({
      add: enqueue.add,
      update: (old, cur) => {
        if (old.metadata.generation !== cur.metadata.generation) enqueue.add(cur)
      },
      delete: (o: Obj) => this.history.delete(`${o.metadata.namespace}/${o.metadata.name}`),
    })
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.hpas.waitForSync(), this.pods.waitForSync()])
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  /** The target's resource, from discovery (upstream: the RESTMapper). */
  private targetResource(ref: { apiVersion?: string; kind?: string }) {
    const [group, version] = (ref.apiVersion ?? '').includes('/') ? ref.apiVersion!.split('/') : ['', ref.apiVersion ?? 'v1']
    const info = this.client.resources().find((r) => r.group === group && r.kind === ref.kind && (r.version === version || !version))
    if (!info) throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`)
    return this.client.resource<Obj>(info)
  }

  private async observe(hpa: Obj, key: string): Promise<Observed & { target?: Obj }> {
    const ns = hpa.metadata.namespace!
    const ref = hpa.spec?.scaleTargetRef ?? {}
    let scale: Observed['scale']
    let target: Obj | undefined
    try {
      target = await this.targetResource(ref).get(ns, ref.name)
      scale = { replicas: target.spec?.replicas ?? 0, selector: formatLabelSelector(target.spec?.selector) }
    } catch (err) {
      scale = { error: errorMessage(err) }
    }
    let pods: Obj[] = []
    let podMetrics: Observed['podMetrics'] = []
    if ('selector' in scale && scale.selector) {
      const sel = parseLabelSelector(scale.selector)
      pods = this.pods.list().filter((p) => p.metadata.namespace === ns && matches(sel, p.metadata.labels))
      try {
        podMetrics = (await this.client.resource<Obj>(podMetricsGVR).list(ns, { labelSelector: scale.selector })).items
        if (podMetrics.length === 0) podMetrics = { error: 'no metrics returned from resource metrics API' }
      } catch (err) {
        podMetrics = { error: errorMessage(err) }
      }
    }
    return { hpa, scale, pods, podMetrics, history: this.history.get(key) ?? emptyHistory(), target }
  }

  async reconcile(key: string): Promise<Result | void> {
    const hpa = this.hpas.getByKey(key)
    if (!hpa) return
    const observed = await this.observe(hpa, key)
    const plan = planHPA(observed, this.clock())
    this.history.set(key, plan.history)
    for (const e of plan.events) this.recorder.event(hpa, e.type, e.reason, e.message)
    const status = structuredClone(plan.status)
    if (plan.scaleTo !== undefined && observed.target) {
      const now = this.clock()
      const target = observed.target
      try {
        await this.targetResource(hpa.spec.scaleTargetRef).patch(target.metadata.namespace, target.metadata.name!, 'application/merge-patch+json', { spec: { replicas: plan.scaleTo } })
        this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${plan.scaleTo}; reason: ${plan.reason}`)
        status.conditions = setCondition(status.conditions as Condition[], 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${plan.scaleTo}`, now.getTime())
        status.lastScaleTime = now.toISOString().replace(/\.\d{3}Z$/, 'Z')
      } catch (err) {
        this.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${plan.scaleTo}; reason: ${plan.reason}; error: ${errorMessage(err)}`)
        status.conditions = setCondition(status.conditions as Condition[], 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${errorMessage(err)}`, now.getTime())
        status.desiredReplicas = status.currentReplicas
      }
    }
    if (JSON.stringify(hpa.status ?? {}) !== JSON.stringify(status)) {
      try {
        await this.client.resource<Obj>(hpaGVR).update({ ...structuredClone(hpa), status } as Obj, { subresource: 'status' })
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err
        return { requeueAfterMs: 1000 }
      }
    }
    return { requeueAfterMs: syncPeriodMs }
  }
}
