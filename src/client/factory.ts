// A shared informer factory (client-go's SharedInformerFactory): one list+watch per resource per
// process, however many controllers ask for it. Controllers take their informers from here, add
// the indexes they need and their handlers before start, and wait for sync before working.
import type { StoredObject } from '../apis/meta.js'
import { byNamespace, Informer } from './informer.js'
import type { Client, GVR } from './types.js'

export class InformerFactory {
  private readonly informers = new Map<string, Informer>()
  private readonly running = new Map<string, Promise<void>>()
  private signal?: AbortSignal

  constructor(
    private readonly client: Client,
    private readonly onError?: (err: unknown, resource: string) => void,
  ) {}

  /** The shared informer of a resource (created on first use; indexed by namespace). */
  informer<T extends StoredObject = StoredObject>(gvr: GVR): Informer<T> {
    const key = `${gvr.group}/${gvr.resource}`
    let inf = this.informers.get(key)
    if (!inf) {
      inf = new Informer(this.client.resource(gvr), { onError: (err) => this.onError?.(err, gvr.resource) }).addIndex('namespace', byNamespace)
      this.informers.set(key, inf)
      // Asked for after start (a controller started late): start it too.
      if (this.signal) this.running.set(key, inf.start(this.signal))
    }
    return inf as unknown as Informer<T>
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
  replicaSets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
} as const
