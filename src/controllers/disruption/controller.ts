// The disruption controller (upstream pkg/controller/disruption): keeps every
// PodDisruptionBudget's status — currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed,
// disruptedPods, the DisruptionAllowed condition — current as pods and their controllers change.
// The eviction subresource reads that status to allow or refuse an eviction.
import { parseApiVersion, qualifiedResource, type OwnerReference, type StoredObject } from '../../apis/meta.js'
import type { PDB } from '../../apis/policy/pdb.js'
import { isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { objectKey, type Informer } from '../../client/informer.js'
import type { Client, GVR } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { matches } from '../../lib/selector.js'
import type { PodObj } from '../runtime/pods.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { controllerOf } from '../runtime/controllerref.js'
import { convertSelector, disruptedPodMap, findControllerScale, planDisruption, type ScaleAnswer, type WorkloadLookup } from './plan.js'

export const disruptionControllerName = 'disruption-controller'

export const pdbGVR: GVR = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' }

export class DisruptionController implements Reconciler {
  readonly name = disruptionControllerName
  private readonly queue = new WorkQueue()
  private readonly pdbs: Informer<PDB>
  private readonly pods: Informer<PodObj>
  private readonly workloads: Record<'ReplicaSet' | 'Deployment' | 'StatefulSet', Informer>
  private readonly recorder: EventRecorder
  private readonly clock: () => Date

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.recorder = new EventRecorder(client, { component: 'controllermanager' }, this.clock, (err) => opts.log?.error({ err }, 'disruption event'))
    this.pdbs = informers.informer<PDB>(pdbGVR)
    this.pods = informers.informer<PodObj>(gvrs.pods)
    this.workloads = {
      ReplicaSet: informers.informer(gvrs.replicaSets),
      Deployment: informers.informer(gvrs.deployments),
      StatefulSet: informers.informer(gvrs.statefulSets),
    }
    this.pdbs.on({ add: (p) => this.queue.add(objectKey(p)), update: (_, p) => this.queue.add(objectKey(p)) })
    // A pod change touches the budgets that select it (before and after a label change).
    const forPod = (...pods: (PodObj | undefined)[]) => {
      for (const pod of pods) if (pod) for (const pdb of this.budgetsFor(pod)) this.queue.add(objectKey(pdb))
    }
    this.pods.on({ add: (p) => forPod(p), update: (o, p) => forPod(o, p), delete: (p) => forPod(p) })
    // A scale change of a controller changes the expected count of the budgets over its pods. A
    // namespace without budgets has nothing to look at: its pods are not walked (a rollout of
    // 10,000 pods updates its ReplicaSets thousands of times).
    for (const inf of Object.values(this.workloads)) {
      const forWorkload = (w: StoredObject) => {
        const budgets = this.pdbs.byIndex('namespace', w.metadata.namespace ?? '')
        if (budgets.length === 0) return
        for (const pod of this.pods.byIndex('namespace', w.metadata.namespace ?? '')) {
          if ((pod.metadata.ownerReferences ?? []).some((r) => r.uid === w.metadata.uid)) forPod(pod)
        }
      }
      inf.on({ add: forWorkload, update: (_, w) => forWorkload(w) })
    }
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.pdbs.waitForSync(), this.pods.waitForSync(), ...Object.values(this.workloads).map((i) => i.waitForSync())])
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  /** The budgets in the pod's namespace whose selector matches it (getPdbForPod, without its one-budget rule). */
  private budgetsFor(pod: StoredObject): PDB[] {
    return this.pdbs.byIndex('namespace', pod.metadata.namespace ?? '').filter((pdb) => {
      const sel = convertSelector(pdb.spec?.selector)
      return sel !== undefined && matches(sel, pod.metadata.labels)
    })
  }

  private readonly lookup: WorkloadLookup = (kind, namespace, name) => this.workloads[kind].get(namespace, name)

  /** getScaleController for the pods' controllers the built-in finders do not know: their /scale, read once each. */
  private async ownerScales(pods: readonly PodObj[]): Promise<Map<string, ScaleAnswer>> {
    const out = new Map<string, ScaleAnswer>()
    for (const pod of pods) {
      const ref = controllerOf(pod)
      const namespace = pod.metadata.namespace ?? ''
      if (!ref || out.has(ref.uid) || findControllerScale(ref, namespace, this.lookup)) continue
      out.set(ref.uid, await this.readScale(ref, namespace))
    }
    return out
  }

  private async readScale(ref: OwnerReference, namespace: string): Promise<ScaleAnswer> {
    const { group, version } = parseApiVersion(ref.apiVersion)
    const kinds = this.client.resources().filter((r) => r.group === group && r.kind === ref.kind)
    // Upstream's RESTMapper error for a kind the server does not serve.
    const info = kinds.find((r) => r.version === version) ?? kinds[0]
    if (!info) return { error: `no matches for kind ${JSON.stringify(ref.kind)} in version ${JSON.stringify(ref.apiVersion)}` }
    if (!this.client.getRaw) return { none: true }
    const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`
    const path = `${base}${info.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${info.resource}/${encodeURIComponent(ref.name)}/scale`
    try {
      const scale = (await this.client.getRaw(path)) as { metadata?: { uid?: string }; spec?: { replicas?: number } }
      if (scale.metadata?.uid !== ref.uid) return { none: true }
      return { uid: ref.uid, scale: scale.spec?.replicas ?? 0 }
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    // A 404: the object is gone, or its kind has no scale subresource (upstream asks discovery;
    // here the object itself answers which).
    try {
      await this.client.resource(info).get(info.namespaced ? namespace : undefined, ref.name)
    } catch (err) {
      if (isNotFound(err)) return { none: true }
      throw err
    }
    return { error: `${qualifiedResource(info.group, info.resource)} does not implement the scale subresource` }
  }

  async reconcile(key: string): Promise<Result | void> {
    const pdb = this.pdbs.getByKey(key)
    if (!pdb) return
    const sel = convertSelector(pdb.spec?.selector)
    const pods = sel === undefined ? [] : this.pods.byIndex('namespace', pdb.metadata.namespace ?? '').filter((p) => matches(sel, p.metadata.labels))
    const now = this.clock()
    const plan = planDisruption(pdb, pods, this.lookup, now, await this.ownerScales(pods))
    for (const e of plan.events) this.recorder.event(pdb, e.type, e.reason, e.message)
    for (const name of disruptedPodMap(pods, pdb, now).notDeleted) {
      const pod = pods.find((p) => p.metadata.name === name)
      if (pod) this.recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.name} to be deleted but it wasn't`)
    }
    if (plan.status) {
      try {
        await this.client.resource<PDB>(pdbGVR).update({ ...structuredClone(pdb), status: plan.status }, { subresource: 'status' })
      } catch (err) {
        if (isNotFound(err)) return
        throw err
      }
    }
    if (plan.recheckAfterMs !== undefined) return { requeueAfterMs: plan.recheckAfterMs }
  }
}
