// An informer: list + watch into an in-memory cache, with event handlers (client-go's
// SharedInformer, minus the sharing). Cached objects are frozen: readers clone before changing.
// On a watch that ends or expires (410) it re-lists and diffs, so handlers see every change.
import type { StoredObject } from '../apis/meta.js'
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
  onError?(err: unknown): void
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

export class Informer<T extends StoredObject = StoredObject> {
  private readonly cache = new Map<string, T>()
  private readonly indexers = new Map<string, IndexFunc<T>>()
  private readonly indices = new Map<string, Map<string, Set<string>>>()
  private readonly handlers: InformerHandlers<T>[] = []
  private synced = false
  private syncWaiters: (() => void)[] = []

  constructor(
    private readonly client: ResourceClient<T>,
    private readonly opts: InformerOptions = {},
  ) {}

  on(handlers: InformerHandlers<T>): this {
    this.handlers.push(handlers)
    return this
  }

  /** Add an index (before start, or it is built from the current cache). Idempotent by name. */
  addIndex(name: string, fn: IndexFunc<T>): this {
    if (this.indexers.has(name)) return this
    this.indexers.set(name, fn)
    const index = new Map<string, Set<string>>()
    this.indices.set(name, index)
    for (const [key, obj] of this.cache) for (const v of fn(obj)) addTo(index, v, key)
    return this
  }

  /** The cached objects filed under `value` in index `name`. */
  byIndex(name: string, value: string): T[] {
    const keys = this.indices.get(name)?.get(value)
    if (!keys) {
      if (!this.indexers.has(name)) throw new Error(`informer has no index ${JSON.stringify(name)}`)
      return []
    }
    const out: T[] = []
    for (const k of keys) {
      const o = this.cache.get(k)
      if (o) out.push(o)
    }
    return out
  }

  private put(key: string, obj: T): void {
    const old = this.cache.get(key)
    if (old) this.unindex(key, old)
    this.cache.set(key, obj)
    for (const [name, fn] of this.indexers) for (const v of fn(obj)) addTo(this.indices.get(name)!, v, key)
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
      for (const v of fn(obj)) {
        const set = index.get(v)
        set?.delete(key)
        if (set && set.size === 0) index.delete(v)
      }
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
    for (const h of this.handlers) {
      try {
        if (kind === 'add') h.add?.(a)
        else if (kind === 'update') h.update?.(a, b!)
        else h.delete?.(a)
      } catch (err) {
        this.opts.onError?.(err)
      }
    }
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
    const { namespace, labelSelector, fieldSelector } = this.opts
    while (!signal.aborted) {
      try {
        const list = await this.client.list(namespace, { labelSelector, fieldSelector })
        this.replace(list.items)
        if (!this.synced) {
          this.synced = true
          for (const w of this.syncWaiters.splice(0)) w()
        }
        let rv = list.resourceVersion
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
          const obj = deepFreeze(ev.object)
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

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value)
  if (!set) index.set(value, (set = new Set()))
  set.add(key)
}
