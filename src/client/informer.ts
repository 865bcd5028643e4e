// An informer: list + watch into an in-memory cache, with event handlers (client-go's
// SharedInformer; factory.ts shares one per resource). Cached objects are frozen: readers clone
// before changing. On a watch that ends or expires (410) it re-lists and diffs, so handlers see
// every change.
import type { StoredObject } from '../apis/meta.js'
import { realClock, type Clock } from '../lib/clock.js'
import { isGone } from './errors.js'
import type { ResourceClient } from './types.js'

export interface InformerHandlers<T> {
  add?(obj: T): void
  update?(oldObj: T, newObj: T): void
  delete?(obj: T): void
}

export interface InformerOptions {
  namespace?: string
  labelSelector?: string
  fieldSelector?: string
  /** Pause before re-listing after an error (ms). */
  retryDelayMs?: number
  /**
   * Every resyncMs, hand every cached object to the handlers again as update(obj, obj), so a
   * controller that dropped a key gets another look (client-go's resyncPeriod). Off by default.
   */
  resyncMs?: number
  /** The clock that times resyncs (tests pass a FakeClock). */
  clock?: Clock
  /**
   * Applied to every object before it is cached and handed to handlers (client-go's SetTransform):
   * keep only what the users of this informer read, so the cache holds less.
   */
  transform?: (obj: StoredObject) => StoredObject
  onError?(err: unknown): void
}

/**
 * An object reduced to what the garbage collector reads (upstream's GC caches metadata only, as
 * PartialObjectMetadata): identity, owners, finalizers, deletion. No spec, status, data, labels,
 * annotations (last-applied-configuration) or managedFields.
 */
export function metadataOnly(obj: StoredObject): StoredObject {
  const m = obj.metadata
  const meta: StoredObject['metadata'] = { name: m.name, uid: m.uid, resourceVersion: m.resourceVersion }
  if (m.namespace !== undefined) meta.namespace = m.namespace
  if (m.ownerReferences?.length) meta.ownerReferences = m.ownerReferences
  if (m.finalizers?.length) meta.finalizers = m.finalizers
  if (m.deletionTimestamp !== undefined) meta.deletionTimestamp = m.deletionTimestamp
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: meta } as StoredObject
}

/**
 * An object without metadata.managedFields, as kube-controller-manager's informers trim them
 * (its `trim` transform): no controller reads them, an update without them keeps the live ones,
 * and they are a large share of every cached pod. A shallow copy: the object handed in may be
 * shared (a watch event's object goes to every watcher) and stays as it is.
 */
export function withoutManagedFields(obj: StoredObject): StoredObject {
  const m = obj.metadata
  if (m?.managedFields === undefined) return obj
  const { managedFields: _drop, ...metadata } = m
  return { ...obj, metadata } as StoredObject
}

export function objectKey(obj: { metadata?: { namespace?: string; name?: string } }): string {
  const m = obj.metadata ?? {}
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? '')
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o)
    for (const v of Object.values(o)) deepFreeze(v)
  }
  return o
}

/** An index function: the values an object is filed under (client-go's IndexFunc). */
export type IndexFunc<T> = (obj: T) => string[]

/** Files objects by namespace (client-go's MetaNamespaceIndexFunc). */
export const byNamespace = (obj: StoredObject): string[] => [obj.metadata.namespace ?? '']
/** Files objects by the UID of their controller (owner with controller: true). */
export const byControllerUID = (obj: StoredObject): string[] => {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true)
  return ref?.uid ? [ref.uid] : []
}
/** The name nodeName indexes go by: the field a kubelet's watch selects on. */
export const nodeNameIndex = 'spec.nodeName'
/** Files pods by the node they are bound to (unbound pods are filed nowhere). */
/** Files objects without a controller by namespace: the orphans a controller may adopt. */
export const orphansByNamespace = (obj: StoredObject): string[] => ((obj.metadata.ownerReferences ?? []).some((r) => r.controller === true) ? [] : [obj.metadata.namespace ?? ''])
export const byNodeName = (obj: StoredObject): string[] => {
  const node = (obj.spec as { nodeName?: string } | undefined)?.nodeName
  return node ? [node] : []
}

/**
 * Handlers that see only the objects `keep` accepts, the way a watch with a selector would see
 * them (client-go's FilteringResourceEventHandler): an update that makes an object match arrives
 * as add, one that makes it stop matching as delete.
 */
export function filtered<T>(keep: (obj: T) => boolean, handlers: InformerHandlers<T>): InformerHandlers<T> {
  return {
    add: (obj) => {
      if (keep(obj)) handlers.add?.(obj)
    },
    update: (oldObj, newObj) => {
      const was = keep(oldObj)
      const is = keep(newObj)
      if (was && is) handlers.update?.(oldObj, newObj)
      else if (is) handlers.add?.(newObj)
      else if (was) handlers.delete?.(oldObj)
    },
    delete: (obj) => {
      if (keep(obj)) handlers.delete?.(obj)
    },
  }
}

interface Registration<T> {
  /** What the caller passed (the key for off()). */
  given: InformerHandlers<T>
  handlers: InformerHandlers<T>
}

export class Informer<T extends StoredObject = StoredObject> {
  private readonly cache = new Map<string, T>()
  private readonly indexers = new Map<string, IndexFunc<T>>()
  /** Index name → value → the objects filed under it, by key (the objects themselves: byIndex looks nothing up). */
  private readonly indices = new Map<string, Map<string, Map<string, T>>>()
  private registrations: Registration<T>[] = []
  private synced = false
  private syncWaiters: (() => void)[] = []

  constructor(
    private readonly client: ResourceClient<T>,
    private readonly opts: InformerOptions = {},
  ) {
    if (opts.resyncMs !== undefined && !(opts.resyncMs > 0)) throw new TypeError(`resyncMs: must be a positive number of milliseconds, got ${opts.resyncMs}`)
  }

  /**
   * Add handlers. Objects already cached are handed to them as adds at once, so a handler added
   * to a running, shared informer sees what one on a fresh informer would (client-go's
   * AddEventHandler).
   */
  on(handlers: InformerHandlers<T>): this {
    return this.register(handlers, handlers, this.cache.values())
  }

  /**
   * Handlers for the objects filed under `value` in index `name` only, as if this informer's watch
   * selected on it: an object that comes under `value` arrives as add, one that leaves as delete.
   * Only those objects are replayed. A kubelet's pods: `onIndex(nodeNameIndex, node, ...)`.
   */
  onIndex(name: string, value: string, handlers: InformerHandlers<T>): this {
    const fn = this.indexers.get(name)
    if (!fn) throw new Error(`informer has no index ${JSON.stringify(name)}`)
    return this.register(
      handlers,
      filtered((obj) => fn(obj).includes(value), handlers),
      this.byIndex(name, value),
    )
  }

  /** Remove handlers added with on() or onIndex() (they get no further calls). */
  off(handlers: InformerHandlers<T>): this {
    this.registrations = this.registrations.filter((r) => r.given !== handlers)
    return this
  }

  private register(given: InformerHandlers<T>, handlers: InformerHandlers<T>, cached: Iterable<T>): this {
    const reg = { given, handlers }
    this.registrations = [...this.registrations, reg]
    for (const obj of [...cached]) this.call(reg.handlers, 'add', obj)
    return this
  }

  /** Add an index (before start, or it is built from the current cache). Idempotent by name. */
  addIndex(name: string, fn: IndexFunc<T>): this {
    if (this.indexers.has(name)) return this
    this.indexers.set(name, fn)
    const index = new Map<string, Map<string, T>>()
    this.indices.set(name, index)
    for (const [key, obj] of this.cache) for (const v of fn(obj)) addTo(index, v, key, obj)
    return this
  }

  /** The cached objects filed under `value` in index `name`. */
  byIndex(name: string, value: string): T[] {
    const objs = this.indices.get(name)?.get(value)
    if (!objs) {
      if (!this.indexers.has(name)) throw new Error(`informer has no index ${JSON.stringify(name)}`)
      return []
    }
    return [...objs.values()]
  }

  private put(key: string, obj: T): void {
    const old = this.cache.get(key)
    this.cache.set(key, obj)
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!
      const values = fn(obj)
      // Values the object keeps stay where they are (index order is insertion order): Map.set
      // of a key already there replaces the object in place.
      if (old) for (const v of fn(old)) if (!values.includes(v)) removeFrom(index, v, key)
      for (const v of values) addTo(index, v, key, obj)
    }
  }

  private remove(key: string): void {
    const old = this.cache.get(key)
    if (!old) return
    this.unindex(key, old)
    this.cache.delete(key)
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!
      for (const v of fn(obj)) removeFrom(index, v, key)
    }
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name)
  }

  getByKey(key: string): T | undefined {
    return this.cache.get(key)
  }

  list(filter?: (obj: T) => boolean): T[] {
    const all = [...this.cache.values()]
    return filter ? all.filter(filter) : all
  }

  hasSynced(): boolean {
    return this.synced
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r))
  }

  private emit(kind: 'add' | 'update' | 'delete', a: T, b?: T): void {
    // registrations is replaced, never changed in place: a handler that adds or removes handlers
    // does not change who hears this event.
    for (const r of this.registrations) this.call(r.handlers, kind, a, b)
  }

  private call(h: InformerHandlers<T>, kind: 'add' | 'update' | 'delete', a: T, b?: T): void {
    try {
      if (kind === 'add') h.add?.(a)
      else if (kind === 'update') h.update?.(a, b!)
      else h.delete?.(a)
    } catch (err) {
      this.opts.onError?.(err)
    }
  }

  /** Every resyncMs until the signal aborts: every cached object to every handler as update(obj, obj). */
  private resyncEvery(ms: number, signal: AbortSignal): () => void {
    const clock = this.opts.clock ?? realClock
    let timer: unknown
    const tick = () => {
      if (signal.aborted) return
      for (const obj of [...this.cache.values()]) this.emit('update', obj, obj)
      timer = clock.setTimeout(tick, ms)
    }
    timer = clock.setTimeout(tick, ms)
    return () => clock.clearTimeout(timer)
  }

  /** Replace the cache with a fresh list, emitting the differences. */
  private replace(items: T[]): void {
    const seen = new Set<string>()
    for (const item of items) {
      const obj = deepFreeze(item)
      const key = objectKey(obj)
      seen.add(key)
      const old = this.cache.get(key)
      this.put(key, obj)
      if (!old) this.emit('add', obj)
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('update', old, obj)
    }
    for (const [key, old] of [...this.cache]) {
      if (!seen.has(key)) {
        this.remove(key)
        this.emit('delete', old)
      }
    }
  }

  /** Runs until the signal aborts. */
  async start(signal: AbortSignal): Promise<void> {
    const stopResync = this.opts.resyncMs ? this.resyncEvery(this.opts.resyncMs, signal) : undefined
    try {
      await this.run(signal)
    } finally {
      stopResync?.()
    }
  }

  /**
   * Lists and replaces the cache with what it found; returns the list's resourceVersion. With a
   * transform, in pages of 500 (as client-go's reflector), each reduced as it comes, so a kind with
   * many objects never sits whole in memory.
   */
  private async relist(): Promise<string | undefined> {
    const { namespace, labelSelector, fieldSelector, transform } = this.opts
    if (!transform) {
      const list = await this.client.list(namespace, { labelSelector, fieldSelector })
      this.replace(list.items)
      return list.resourceVersion
    }
    const items: T[] = []
    let next: string | undefined
    let rv: string | undefined
    do {
      const page = await this.client.list(namespace, { labelSelector, fieldSelector, limit: 500, continue: next })
      for (const item of page.items) items.push(transform(item) as T)
      rv = page.resourceVersion
      next = page.continue || undefined
    } while (next)
    this.replace(items)
    return rv
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { namespace, labelSelector, fieldSelector } = this.opts
    while (!signal.aborted) {
      try {
        // The list is read in a function of its own: a variable here would keep the whole list (not
        // what the transform kept of it) alive in this frame for as long as the watch runs.
        let rv = await this.relist()
        if (!this.synced) {
          this.synced = true
          for (const w of this.syncWaiters.splice(0)) w()
        }
        let handled = 0
        for await (const ev of this.client.watch(namespace, { labelSelector, fieldSelector, resourceVersion: rv }, signal)) {
          // In-process watches deliver through promise continuations alone: yield to the event
          // loop now and then so HTTP requests are served during a burst.
          if (++handled % 64 === 0) await new Promise((r) => setImmediate(r))
          if (ev.type === 'ERROR') {
            const status = ev.object as unknown as { code?: number }
            if (status.code === 410) break
            throw Object.assign(new Error('watch error'), { status })
          }
          if (ev.type === 'BOOKMARK') {
            rv = ev.object.metadata.resourceVersion ?? rv
            continue
          }
          const obj = deepFreeze(this.opts.transform ? (this.opts.transform(ev.object) as T) : ev.object)
          const key = objectKey(obj)
          const old = this.cache.get(key)
          if (ev.type === 'DELETED') {
            this.remove(key)
            this.emit('delete', old ?? obj)
          } else {
            this.put(key, obj)
            if (old) this.emit('update', old, obj)
            else this.emit('add', obj)
          }
          rv = obj.metadata.resourceVersion ?? rv
        }
      } catch (err) {
        if (signal.aborted) return
        if (!isGone(err)) this.opts.onError?.(err)
        await new Promise((r) => setTimeout(r, this.opts.retryDelayMs ?? 1000).unref?.())
      }
    }
  }
}

function addTo<T>(index: Map<string, Map<string, T>>, value: string, key: string, obj: T): void {
  let objs = index.get(value)
  if (!objs) index.set(value, (objs = new Map()))
  objs.set(key, obj)
}

function removeFrom<T>(index: Map<string, Map<string, T>>, value: string, key: string): void {
  const objs = index.get(value)
  objs?.delete(key)
  if (objs && objs.size === 0) index.delete(value)
}
