// The ConfigMaps and Secrets this node's pods use, each watched on its own: the kubelet's Watch
// strategy (a reflector per referenced object, selected by name), so an agent holds what its pods
// reference rather than every ConfigMap and Secret of the cluster, and learns of a change at once.
import type { StoredObject } from '../../apis/meta.js'
import { Informer } from '../../client/informer.js'
import type { ResourceClient } from '../../client/types.js'

interface Watch<T extends StoredObject> {
  informer: Informer<T>
  abort: AbortController
  run: Promise<void>
}

export class ReferencedObjects<T extends StoredObject> {
  private readonly watches = new Map<string, Watch<T>>()
  private stopped = false

  constructor(
    private readonly resource: ResourceClient<T>,
    /** An object a pod references was created, changed or deleted. */
    private readonly onChange: (namespace: string, name: string) => void,
    private readonly onError?: (err: unknown) => void,
  ) {}

  /**
   * The object, once its watch has listed: null when it does not exist. Undefined before that
   * (the caller reads it from the API); the first call for an object starts its watch.
   */
  get(namespace: string, name: string): T | null | undefined {
    const key = `${namespace}/${name}`
    let w = this.watches.get(key)
    if (!w) {
      if (this.stopped) return undefined
      const informer = new Informer<T>(this.resource, { namespace, fieldSelector: `metadata.name=${name}`, onError: this.onError })
      const changed = () => this.onChange(namespace, name)
      informer.on({ add: changed, update: changed, delete: changed })
      const abort = new AbortController()
      w = { informer, abort, run: informer.start(abort.signal) }
      this.watches.set(key, w)
      return undefined
    }
    return w.informer.hasSynced() ? (w.informer.get(namespace, name) ?? null) : undefined
  }

  /** Stops the watches of objects `inUse` no longer names (called when pods go away). */
  prune(inUse: (namespace: string, name: string) => boolean): void {
    for (const [key, w] of this.watches) {
      const slash = key.indexOf('/')
      if (inUse(key.slice(0, slash), key.slice(slash + 1))) continue
      w.abort.abort()
      this.watches.delete(key)
    }
  }

  /** How many objects are watched. */
  get size(): number {
    return this.watches.size
  }

  async stop(): Promise<void> {
    this.stopped = true
    const runs = [...this.watches.values()].map((w) => (w.abort.abort(), w.run))
    this.watches.clear()
    await Promise.allSettled(runs)
  }
}
