// The resource quota controller (upstream pkg/controller/resourcequota): keeps every
// ResourceQuota's status.hard and status.used current. Pods, Services, ConfigMaps and Secrets are
// watched, so a deletion frees quota at once; every quota is also recounted every 30 s (upstream's
// full resync is --resource-quota-sync-period, 5 minutes) for the kinds counted as `count/...`.
import { objectUsage, quotaSelects, type Usage } from '../../apis/core/usage.js'
import type { StoredObject } from '../../apis/meta.js'
import { isNotFound } from '../../client/errors.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { objectKey, type Informer } from '../../client/informer.js'
import type { Client, GVR } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { runWorkers, type ControllerOptions, type Reconciler, type Result } from '../runtime/runner.js'
import { planQuotaStatus, totalUsage, type QuotaObj } from './plan.js'

export const resourceQuotaControllerName = 'resourcequota-controller'
export const quotaGVR: GVR = { group: '', version: 'v1', resource: 'resourcequotas' }
const resyncMs = 30_000

export class ResourceQuotaController implements Reconciler {
  readonly name = resourceQuotaControllerName
  private readonly queue = new WorkQueue()
  private readonly quotas: Informer<QuotaObj>
  private readonly watched: { gvr: GVR; informer: Informer }[]
  private readonly clock: () => Date

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: ControllerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.quotas = informers.informer<QuotaObj>(quotaGVR)
    // As upstream's updateQuota: a change of spec.hard (or a status.hard behind it) recounts; a
    // status.used change alone does not — it is admission's reservation for an object about to be
    // written, which a recount before that write lands would hand back.
    const hardChanged = (o: QuotaObj, q: QuotaObj) => JSON.stringify(o.spec?.hard ?? {}) !== JSON.stringify(q.spec?.hard ?? {}) || JSON.stringify(q.status?.hard ?? {}) !== JSON.stringify(q.spec?.hard ?? {})
    this.quotas.on({ add: (q) => this.queue.add(objectKey(q)), update: (o, q) => hardChanged(o, q) && this.queue.add(objectKey(q)) })
    this.watched = [gvrs.pods, gvrs.services, gvrs.configMaps, gvrs.secrets].map((gvr) => ({ gvr, informer: informers.informer(gvr) }))
    const touch = (obj: StoredObject) => {
      for (const q of this.quotas.byIndex('namespace', obj.metadata.namespace ?? '')) this.queue.add(objectKey(q))
    }
    // Replenishment as upstream's: a deletion, or an update that changes what the object uses (a
    // pod that finished); creations were counted by admission already.
    for (const { gvr, informer } of this.watched) {
      const usage = (obj: StoredObject) => JSON.stringify(objectUsage(gvr.group, gvr.resource, obj, this.clock()), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))
      informer.on({ update: (old, cur) => (usage(old) !== usage(cur) ? touch(cur) : undefined), delete: touch })
    }
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.quotas.waitForSync(), ...this.watched.map((w) => w.informer.waitForSync())])
    await runWorkers(this.queue, this, this.opts.workers ?? 5, signal, this.opts.log)
  }

  /**
   * The objects of a resource in a namespace, listed fresh rather than from the caches: admission
   * reserves usage before the object lands, and a recount from a cache that lags behind would hand
   * that reservation back.
   */
  private async objects(group: string, resource: string, namespace: string): Promise<StoredObject[] | undefined> {
    const info = this.client.resources().find((r) => r.group === group && r.resource === resource && r.namespaced && r.verbs.includes('list'))
    if (!info) return undefined
    return (await this.client.resource(info).list(namespace)).items
  }

  /** Which resource a quota name counts (`count/deployments.apps` → apps/deployments). */
  private static resourceOf(name: string): { group: string; resource: string } | undefined {
    if (name.startsWith('count/')) {
      const rest = name.slice('count/'.length)
      const dot = rest.indexOf('.')
      return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) }
    }
    if (['services', 'services.nodeports', 'services.loadbalancers'].includes(name)) return { group: '', resource: 'services' }
    if (['secrets', 'configmaps', 'resourcequotas', 'persistentvolumeclaims', 'replicationcontrollers'].includes(name)) return { group: '', resource: name }
    // pods and every compute resource come from pods.
    return { group: '', resource: 'pods' }
  }

  async reconcile(key: string): Promise<Result | void> {
    const q = this.quotas.getByKey(key)
    if (!q) return
    const ns = q.metadata.namespace ?? ''
    const now = this.clock()
    const usages: Usage[] = []
    const seen = new Set<string>()
    for (const name of Object.keys(q.spec?.hard ?? {})) {
      const r = ResourceQuotaController.resourceOf(name)
      if (!r || seen.has(`${r.group}/${r.resource}`)) continue
      seen.add(`${r.group}/${r.resource}`)
      const objs = await this.objects(r.group, r.resource, ns)
      for (const o of objs ?? []) if (quotaSelects(q, r.group, r.resource, o)) usages.push(objectUsage(r.group, r.resource, o, now))
    }
    const status = planQuotaStatus(q, totalUsage(usages))
    if (status) {
      try {
        await this.client.resource<QuotaObj>(quotaGVR).update({ ...structuredClone(q), status }, { subresource: 'status' })
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
    }
    return { requeueAfterMs: resyncMs }
  }
}
