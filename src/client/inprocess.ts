// A Client that calls the API server's storage in this process (no HTTP, no serialization beyond
// the store's own). It goes through the same admission, validation and watch paths as HTTP
// requests, so components behave the same as when they run elsewhere.
import type { KObject, StoredObject } from '../apis/meta.js'
import type { FairTurns } from './turns.js'
import type { Client, DeleteOptions, GVR, ListOptions, ListResult, PatchType, ResourceClient, ResourceInfo, Scale, WatchEvent, WatchOptions, WriteOptions } from './types.js'

/** What the in-process client needs of the server's per-resource storage (registry/rest.ts fits). */
export interface LocalResource {
  get(namespace: string | undefined, name: string): Promise<StoredObject>
  list(namespace: string | undefined, opts: ListOptions): Promise<ListResult>
  watch(namespace: string | undefined, opts: WatchOptions, signal: AbortSignal): AsyncIterable<{ type: string; object: unknown }>
  create(namespace: string | undefined, body: KObject, opts: { fieldManager?: string; dryRun?: boolean; fieldValidation?: 'Strict' | 'Warn' | 'Ignore' }): Promise<StoredObject>
  update(namespace: string | undefined, name: string, body: KObject, opts: { fieldManager?: string; dryRun?: boolean; subresource?: string }): Promise<StoredObject>
  patch(namespace: string | undefined, name: string, contentType: string, body: string, opts: { fieldManager?: string; dryRun?: boolean; subresource?: string; force?: boolean }): Promise<{ object: StoredObject }>
  delete(namespace: string | undefined, name: string, opts: DeleteOptions): Promise<unknown>
}

export interface LocalBackend {
  resources(): ResourceInfo[]
  resource(group: string, resource: string): LocalResource | undefined
  /** A POST to a subresource (create with opts.subresource: `serviceaccounts/token`). */
  createSubresource?(group: string, resource: string, namespace: string | undefined, name: string, subresource: string, body: KObject): Promise<unknown>
  /** A GET of a non-resource path (Client.getRaw). */
  getRaw?(path: string): Promise<unknown>
  /** The `scale` subresource: GET without `scale`, PUT with it. */
  scale?(group: string, resource: string, namespace: string | undefined, name: string, scale?: KObject, fieldManager?: string): Promise<unknown>
}

export interface InProcessClientOptions {
  /**
   * Admits every request (but watches) in the loop turns' slices, fairly across flows (see
   * turns.ts); without it a request runs at once.
   */
  turns?: Pick<FairTurns, 'run'>
  /** This client's flow for `turns` (default: the component). */
  flow?: string
}

type Admit = <R>(request: () => Promise<R>) => Promise<R>

class LocalResourceClient<T extends StoredObject> implements ResourceClient<T> {
  constructor(
    readonly info: ResourceInfo,
    private readonly r: LocalResource,
    private readonly defaultManager: string,
    private readonly admit: Admit,
    private readonly backend?: LocalBackend,
  ) {}

  get(namespace: string | undefined, name: string): Promise<T> {
    return this.admit(() => this.r.get(namespace, name) as Promise<T>)
  }
  list(namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult<T>> {
    return this.admit(() => this.r.list(namespace, opts) as Promise<ListResult<T>>)
  }
  watch(namespace: string | undefined, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    return this.r.watch(namespace, opts, signal) as AsyncIterable<WatchEvent<T>>
  }
  create(namespace: string | undefined, obj: KObject, opts: WriteOptions = {}): Promise<T> {
    if (opts.subresource) {
      // POST .../{name}/{subresource}: the name is the object's (TokenRequest: the ServiceAccount's).
      const backend = this.backend
      if (!backend?.createSubresource) return Promise.reject(new Error(`the server does not serve ${this.info.resource}/${opts.subresource} in process`))
      return this.admit(() => backend.createSubresource!(this.info.group, this.info.resource, namespace, obj.metadata?.name ?? '', opts.subresource!, obj) as Promise<T>)
    }
    return this.admit(() => this.r.create(namespace, obj, { fieldManager: opts.fieldManager ?? this.defaultManager, dryRun: opts.dryRun, fieldValidation: 'Ignore' }) as Promise<T>)
  }
  update(obj: T, opts: WriteOptions = {}): Promise<T> {
    // A copy, as a request body is over HTTP: the server normalises the body it is given (drops
    // nulls, prunes), and callers often pass an informer's frozen object, or one built from it.
    const body = structuredClone(obj)
    return this.admit(() => this.r.update(obj.metadata.namespace, obj.metadata.name!, body, { fieldManager: opts.fieldManager ?? this.defaultManager, dryRun: opts.dryRun, subresource: opts.subresource }) as Promise<T>)
  }
  async patch(namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOptions & { force?: boolean } = {}): Promise<T> {
    const body = typeof patch === 'string' ? patch : JSON.stringify(patch)
    const { object } = await this.admit(() => this.r.patch(namespace, name, type, body, { fieldManager: opts.fieldManager ?? this.defaultManager, dryRun: opts.dryRun, subresource: opts.subresource, force: opts.force }))
    return object as T
  }
  async delete(namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<void> {
    await this.admit(() => this.r.delete(namespace, name, opts))
  }
  getScale(namespace: string | undefined, name: string): Promise<Scale> {
    const backend = this.backend
    if (!backend?.scale) return Promise.reject(new Error(`the server does not serve ${this.info.resource}/scale in process`))
    return this.admit(() => backend.scale!(this.info.group, this.info.resource, namespace, name) as Promise<Scale>)
  }
  updateScale(scale: Scale, opts: WriteOptions = {}): Promise<Scale> {
    const backend = this.backend
    if (!backend?.scale) return Promise.reject(new Error(`the server does not serve ${this.info.resource}/scale in process`))
    const body = { kind: 'Scale', apiVersion: 'autoscaling/v1', ...scale } as KObject
    return this.admit(() => backend.scale!(this.info.group, this.info.resource, scale.metadata.namespace, scale.metadata.name!, body, opts.fieldManager ?? this.defaultManager) as Promise<Scale>)
  }
}

/** A Client for `component` (its name is the default field manager, like a User-Agent). */
export function inProcessClient(backend: LocalBackend, component: string, opts: InProcessClientOptions = {}): Client {
  const { turns } = opts
  const flow = opts.flow ?? component
  const admit: Admit = turns ? (request) => turns.run(flow, request) : (request) => request()
  return {
    resources: () => backend.resources(),
    resource<T extends StoredObject>(gvr: GVR): ResourceClient<T> {
      const info = backend.resources().find((r) => r.group === gvr.group && r.resource === gvr.resource)
      const r = backend.resource(gvr.group, gvr.resource)
      if (!info || !r) throw new Error(`the server does not serve ${gvr.resource}${gvr.group ? '.' + gvr.group : ''}`)
      return new LocalResourceClient<T>(info, r, component, admit, backend)
    },
    ...(backend.getRaw ? { getRaw: (path: string) => admit(() => backend.getRaw!(path)) } : {}),
  }
}
