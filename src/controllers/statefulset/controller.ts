// The StatefulSet controller: the thin shell around plan.ts (upstream pkg/controller/statefulset).
// It keeps the ControllerRevisions (so `kubectl rollout history|undo` work), makes and removes the
// ordinal pods one step at a time, and reports the counts and revisions in status.
import { errorMessage, isAlreadyExists, isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { byControllerUID, objectKey, orphansByNamespace, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { claimObjects } from '../runtime/claim.js'
import { controllerOf } from '../runtime/controllerref.js'
import { fromLabelSelector, matches } from '../../lib/selector.js'
import type { PodObj } from '../runtime/pods.js'
import { enqueueController, enqueueObject } from '../runtime/enqueue.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { claimsFor, ordinalOf, planStatefulSet, statefulSetStatusChanged, type ClaimObj, type RevisionObj, type StatefulSetAction, type StatefulSetObj } from './plan.js'

const claimsGVR = { group: '', version: 'v1', resource: 'persistentvolumeclaims' }

export const statefulSetControllerName = 'statefulset-controller'

export class StatefulSetController implements Reconciler {
  readonly name = statefulSetControllerName
  private readonly queue = new WorkQueue()
  private readonly pods: Informer<PodObj>
  private readonly sets: Informer<StatefulSetObj>
  private readonly revisions: Informer<RevisionObj>
  private readonly claims: Informer<ClaimObj>
  private readonly recorder: EventRecorder
  private readonly clock: () => Date

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.recorder = new EventRecorder(client, { component: statefulSetControllerName }, this.clock, (err) => opts.log?.error({ err }, 'statefulset event'))
    this.pods = informers.informer<PodObj>(gvrs.pods).addIndex('controller', byControllerUID).addIndex('orphans', orphansByNamespace)
    this.sets = informers.informer<StatefulSetObj>(gvrs.statefulSets)
    this.revisions = informers.informer<RevisionObj>(gvrs.controllerRevisions).addIndex('controller', byControllerUID).addIndex('orphans', orphansByNamespace)
    this.sets.on(enqueueObject(this.queue))
    this.pods.on(enqueueController<PodObj>('StatefulSet', this.queue))
    this.revisions.on(enqueueController<RevisionObj>('StatefulSet', this.queue))
    // An orphan pod (its set deleted with --cascade=orphan) wakes the sets that may adopt it.
    const orphan = (p: PodObj) => {
      if (controllerOf(p)) return
      for (const set of this.sets.byIndex('namespace', p.metadata.namespace ?? '')) if (this.isMember(set, p)) this.queue.add(objectKey(set))
    }
    this.pods.on({ add: orphan, update: (_, p) => orphan(p) })
    this.claims = informers.informer<ClaimObj>(claimsGVR)
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.pods.waitForSync(), this.sets.waitForSync(), this.revisions.waitForSync(), this.claims.waitForSync()])
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  async reconcile(key: string): Promise<Result | void> {
    const set = this.sets.getByKey(key)
    if (!set || set.metadata.deletionTimestamp) return
    const uid = set.metadata.uid!
    // Upstream's adoptOrphanRevisions and getPodsForStatefulSet: what the set's selector matches and
    // nobody controls becomes the set's (a set re-created after `delete --cascade=orphan`).
    const revisions = await this.claim(set, this.revisions, gvrs.controllerRevisions, (r) => this.selects(set, r))
    const pods = await this.claim(set, this.pods, gvrs.pods, (p) => this.isMember(set, p))
    const now = this.clock()
    const claims = new Map<string, ClaimObj>()
    const replicas = (set.spec?.replicas ?? 1) + (set.spec?.ordinals?.start ?? 0) + pods.length
    if ((set.spec?.volumeClaimTemplates ?? []).length > 0)
      for (let o = 0; o <= replicas; o++)
        for (const c of claimsFor(set, o)) {
          const have = this.claims.get(set.metadata.namespace, c.metadata!.name!)
          if (have) claims.set(c.metadata!.name!, have)
        }
    const plan = planStatefulSet(set, pods, revisions, now, claims)
    for (const a of plan.actions) await this.apply(set, a)
    if (plan.status && statefulSetStatusChanged(set, plan.status)) {
      await this.client.resource<StatefulSetObj>(gvrs.statefulSets).update({ ...structuredClone(set), status: plan.status } as StatefulSetObj, { subresource: 'status' })
    }
    const minReady = set.spec?.minReadySeconds ?? 0
    if (minReady > 0 && plan.status && plan.status.availableReplicas !== plan.status.readyReplicas) return { requeueAfterMs: minReady * 1000 }
  }

  private selects(set: StatefulSetObj, obj: { metadata: { labels?: Record<string, string> } }): boolean {
    const sel = fromLabelSelector(set.spec?.selector)
    return sel !== undefined && matches(sel, obj.metadata.labels)
  }

  /** isMemberOf: selected, and named `<set>-<ordinal>`. */
  private isMember(set: StatefulSetObj, pod: PodObj): boolean {
    return this.selects(set, pod) && ordinalOf(set, pod) !== undefined
  }

  private claim<T extends PodObj | RevisionObj>(set: StatefulSetObj, cache: Informer<T>, gvr: typeof gvrs.pods | typeof gvrs.controllerRevisions, match: (o: T) => boolean): Promise<T[]> {
    const own = cache.byIndex('controller', set.metadata.uid!)
    const orphans = cache.byIndex('orphans', set.metadata.namespace ?? '').filter(match)
    if (orphans.length === 0 && own.every(match)) return Promise.resolve(own)
    return claimObjects(this.client, {
      owner: set,
      ownerKind: { apiVersion: 'apps/v1', kind: 'StatefulSet', gvr: gvrs.statefulSets },
      candidates: [...own, ...orphans],
      matches: match,
      objects: this.client.resource<T>(gvr),
    })
  }

  private async apply(set: StatefulSetObj, a: StatefulSetAction): Promise<void> {
    const setName = set.metadata.name
    switch (a.kind) {
      case 'createRevision':
        try {
          await this.client.resource<RevisionObj>(gvrs.controllerRevisions).create(set.metadata.namespace, a.revision)
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
      case 'createClaim': {
        const name = a.claim.metadata!.name
        try {
          await this.client.resource<ClaimObj>(claimsGVR).create(set.metadata.namespace, a.claim)
          this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${a.pod} in StatefulSet ${setName} success`)
        } catch (err) {
          if (isAlreadyExists(err)) return
          this.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${a.pod} in StatefulSet ${setName} failed error: ${errorMessage(err)}`)
          throw err
        }
        return
      }
      case 'claimOwners': {
        const next = structuredClone(a.claim)
        next.metadata.ownerReferences = a.ownerReferences
        await this.client.resource<ClaimObj>(claimsGVR).update(next)
        return
      }
      case 'createPod': {
        const name = a.pod.metadata!.name
        try {
          await this.client.resource<PodObj>(gvrs.pods).create(set.metadata.namespace, a.pod)
          this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${setName} successful`)
        } catch (err) {
          if (isAlreadyExists(err)) return
          this.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${setName} failed error: ${errorMessage(err)}`)
          throw err
        }
        return
      }
      case 'deletePod': {
        const name = a.pod.metadata.name
        try {
          await this.client.resource(gvrs.pods).delete(a.pod.metadata.namespace, name!, { preconditions: { uid: a.pod.metadata.uid } })
          this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${name} in StatefulSet ${setName} successful`)
        } catch (err) {
          if (isNotFound(err)) return
          this.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${name} in StatefulSet ${setName} failed error: ${errorMessage(err)}`)
          throw err
        }
      }
    }
  }
}
