// The HorizontalPodAutoscaler controller: the thin shell around plan.ts (upstream
// pkg/controller/podautoscaler, horizontal.go). Every HPA is synced every 15 s
// (--horizontal-pod-autoscaler-sync-period): read the target's `scale` subresource (any kind that
// has one: Deployments, ReplicaSets, StatefulSets, ReplicationControllers, Rollouts, custom
// resources), the pods its status.selector selects and their PodMetrics (metrics.k8s.io, as
// kube-controller-manager reads them), plan, write the new size through the `scale` subresource,
// write the status. Recommendations and scale events stay in memory, as upstream's do (a restart
// forgets them).
import { isDeepStrictEqual } from 'node:util'
import { errorMessage, isConflict, isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { type Informer } from '../../client/informer.js'
import type { Client, ResourceClient, Scale } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import type { StoredObject } from '../../apis/meta.js'
import { matches, parseLabelSelector, type Selector } from '../../lib/selector.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { emptyHistory, planHPA, setCondition, syncPeriodMs, type Condition, type History, type Observed, type ObservedScale } from './plan.js'

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
  /** Each HPA's last parsed selector (upstream's hpaSelectors), to find pods two HPAs control. */
  private readonly selectors = new Map<string, Selector>()

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
      delete: (o: Obj) => {
        const key = `${o.metadata.namespace}/${o.metadata.name}`
        this.history.delete(key)
        this.selectors.delete(key)
      },
    })
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.hpas.waitForSync(), this.pods.waitForSync()])
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  /**
   * The target's scale through its `scale` subresource, whatever its kind (upstream: the RESTMapper's
   * mappings for the group and kind, each tried until one answers; the first error wins).
   */
  private async readScale(ns: string, ref: { apiVersion?: string; kind?: string; name?: string }): Promise<{ scale: Scale; target: ResourceClient<Obj> }> {
    const apiVersion = ref.apiVersion ?? ''
    const parts = apiVersion.split('/')
    if (parts.length > 2) throw new Error(`unexpected GroupVersion string: ${apiVersion}`)
    const group = parts.length === 2 ? parts[0] : ''
    const mappings = this.client.resources().filter((r) => r.group === group && r.kind === ref.kind)
    if (mappings.length === 0) throw new Error(`no matches for kind "${ref.kind ?? ''}" in group "${group}"`)
    let first: unknown
    for (const info of mappings) {
      const target = this.client.resource<Obj>(info)
      try {
        if (!target.getScale) throw new Error(`the client cannot read ${info.resource}/scale`)
        return { scale: await target.getScale(ns, ref.name ?? ''), target }
      } catch (err) {
        first ??= err
      }
    }
    // A kind without the subresource: the API server's plain 404, which client-go words with the request.
    const info = mappings[0]
    const msg = errorMessage(first)
    if (isNotFound(first) && msg === 'the server could not find the requested resource') throw new Error(`${msg} (get ${info.resource}${info.group ? '.' + info.group : ''} ${ref.name ?? ''})`)
    throw first
  }

  private async observe(hpa: Obj, key: string): Promise<Observed & { target?: ResourceClient<Obj>; rawScale?: Scale }> {
    const ns = hpa.metadata.namespace!
    const ref = hpa.spec?.scaleTargetRef ?? {}
    const history = this.history.get(key) ?? emptyHistory()
    let read: { scale: Scale; target: ResourceClient<Obj> }
    try {
      read = await this.readScale(ns, ref)
    } catch (err) {
      return { hpa, scale: { error: errorMessage(err) }, pods: [], podMetrics: [], history }
    }
    const selector = read.scale.status?.selector ?? ''
    const scale: ObservedScale = { replicas: read.scale.spec?.replicas ?? 0, statusReplicas: read.scale.status?.replicas ?? 0, selector }
    let pods: Obj[] = []
    let podMetrics: Observed['podMetrics'] = []
    if (selector) {
      let sel: Selector | undefined
      try {
        sel = parseLabelSelector(selector)
      } catch (err) {
        scale.selectorError = errorMessage(err)
      }
      if (sel) {
        pods = this.pods.list().filter((p) => p.metadata.namespace === ns && matches(sel, p.metadata.labels))
        // validateAndParseSelector: the HPAs whose selectors select any of these pods.
        if (this.hpas.getByKey(key)) this.selectors.set(key, sel)
        const controlling = [...this.selectors].filter(([k, s]) => k.startsWith(`${ns}/`) && pods.some((p) => matches(s, p.metadata.labels))).map(([k]) => k)
        if (controlling.length > 1) scale.controlledBy = controlling.sort()
        const metrics: Obj[] = hpa.spec?.metrics ?? []
        if (metrics.some((m) => m.type === 'Resource' || m.type === 'ContainerResource')) {
          try {
            podMetrics = (await this.client.resource<Obj>(podMetricsGVR).list(ns, { labelSelector: selector })).items
            if (podMetrics.length === 0) podMetrics = { error: 'no metrics returned from resource metrics API' }
          } catch (err) {
            podMetrics = { error: `unable to fetch metrics from resource metrics API: ${errorMessage(err)}` }
          }
        }
      }
    }
    return { hpa, scale, pods, podMetrics, history, target: read.target, rawScale: read.scale }
  }

  async reconcile(key: string): Promise<Result | void> {
    const hpa = this.hpas.getByKey(key)
    if (!hpa) return
    const observed = await this.observe(hpa, key)
    const plan = planHPA(observed, this.clock())
    this.history.set(key, plan.history)
    for (const e of plan.events) this.recorder.event(hpa, e.type, e.reason, e.message)
    const status = structuredClone(plan.status)
    if (plan.scaleTo !== undefined && observed.target && observed.rawScale) {
      const now = this.clock()
      try {
        // scale.Spec.Replicas = desired; Scales(ns).Update: the Scale as read, so a change in between is a conflict.
        const scale = structuredClone(observed.rawScale)
        await observed.target.updateScale!({ ...scale, metadata: { ...scale.metadata, namespace: hpa.metadata.namespace }, spec: { ...scale.spec, replicas: plan.scaleTo } })
        if (plan.historyAfterScale) this.history.set(key, plan.historyAfterScale)
        this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${plan.scaleTo}; reason: ${plan.reason}`)
        status.conditions = setCondition(status.conditions as Condition[], 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${plan.scaleTo}`, now.getTime())
        status.lastScaleTime = now.toISOString().replace(/\.\d{3}Z$/, 'Z')
      } catch (err) {
        this.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${plan.scaleTo}; reason: ${plan.reason}; error: ${errorMessage(err)}`)
        status.conditions = setCondition(status.conditions as Condition[], 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${errorMessage(err)}`, now.getTime())
        status.desiredReplicas = hpa.status?.desiredReplicas ?? 0
      }
    }
    if (!isDeepStrictEqual(hpa.status ?? {}, status)) {
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
