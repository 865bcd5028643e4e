// A shared informer factory (client-go's SharedInformerFactory): one list+watch per resource per
// process, however many controllers ask for it. Controllers take their informers from here, add
// the indexes they need and their handlers before start, and wait for sync before working. A
// component that filters (a kubelet's pods on its node, the proxy's Services) does so on the shared
// cache (Informer.onIndex, filtered) rather than opening a watch of its own.
import type { StoredObject } from '../apis/meta.js'
import type { Clock } from '../lib/clock.js'
import { byNamespace, Informer, metadataOnly, withoutManagedFields } from './informer.js'
import type { Client, GVR } from './types.js'

export interface InformerFactoryOptions {
  /** Every informer's resync period (client-go's defaultResync); off by default. */
  resyncMs?: number
  /** The clock resyncs are timed by (tests). */
  clock?: Clock
}

export class InformerFactory {
  private readonly informers = new Map<string, Informer>()
  private readonly running = new Map<string, Promise<void>>()
  private signal?: AbortSignal

  constructor(
    private readonly client: Client,
    private readonly onError?: (err: unknown, resource: string) => void,
    private readonly opts: InformerFactoryOptions = {},
  ) {}

  /**
   * The shared informer of a resource (created on first use; indexed by namespace; its objects
   * without metadata.managedFields, see withoutManagedFields). With a
   * `filter`, one of only the objects its selectors match (client-go's filtered factory), shared
   * with those asking for the same filter: for a component that needs a few objects of a kind
   * that may hold many (the root CA publisher's ConfigMaps), so the process does not cache them all.
   */
  informer<T extends StoredObject = StoredObject>(gvr: GVR, filter: { fieldSelector?: string; labelSelector?: string; metadataOnly?: boolean } = {}): Informer<T> {
    const { fieldSelector, labelSelector } = filter
    const key = `${gvr.group}/${gvr.resource}${fieldSelector ? `?fields=${fieldSelector}` : ''}${labelSelector ? `?labels=${labelSelector}` : ''}${filter.metadataOnly ? '?metadata' : ''}`
    let inf = this.informers.get(key)
    if (!inf) {
      const { resyncMs, clock } = this.opts
      // Cached objects never carry managedFields (kube-controller-manager trims them too).
      const transform = filter.metadataOnly ? metadataOnly : withoutManagedFields
      inf = new Informer(this.client.resource(gvr), { resyncMs, clock, fieldSelector, labelSelector, transform, onError: (err) => this.onError?.(err, gvr.resource) }).addIndex('namespace', byNamespace)
      this.informers.set(key, inf)
      // Asked for after start (a controller started late): start it too.
      if (this.signal) this.running.set(key, inf.start(this.signal))
    }
    return inf as unknown as Informer<T>
  }

  /** Whether someone asked for the whole objects of a resource (its unfiltered informer). */
  has(gvr: GVR): boolean {
    return this.informers.has(`${gvr.group}/${gvr.resource}`)
  }

  /** Starts every informer asked for so far (and any asked for later) until the signal aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal
    for (const [key, inf] of this.informers) if (!this.running.has(key)) this.running.set(key, inf.start(signal))
  }

  /** Resolves once every informer asked for so far has listed once. */
  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()))
  }

  /** Resolves when every started informer has stopped (after the signal aborts). */
  async stopped(): Promise<void> {
    await Promise.allSettled([...this.running.values()])
  }
}

export const gvrs = {
  pods: { group: '', version: 'v1', resource: 'pods' },
  services: { group: '', version: 'v1', resource: 'services' },
  configMaps: { group: '', version: 'v1', resource: 'configmaps' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  endpoints: { group: '', version: 'v1', resource: 'endpoints' },
  serviceAccounts: { group: '', version: 'v1', resource: 'serviceaccounts' },
  endpointSlices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  replicaSets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  statefulSets: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  daemonSets: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  controllerRevisions: { group: 'apps', version: 'v1', resource: 'controllerrevisions' },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs' },
  cronJobs: { group: 'batch', version: 'v1', resource: 'cronjobs' },
} as const
