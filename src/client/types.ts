// The client interface controllers, the node agent and the proxy use to reach the API: the same
// whether the API server is in this process or across HTTPS, so those components never touch the
// store or the registry directly.
import type { KObject, StoredObject } from '../apis/meta.js'

export interface GVR {
  group: string
  version: string
  resource: string
}

export interface ResourceInfo extends GVR {
  kind: string
  namespaced: boolean
  verbs: string[]
}

export interface ListOptions {
  labelSelector?: string
  fieldSelector?: string
  limit?: number
  continue?: string
  resourceVersion?: string
}

export interface ListResult<T = StoredObject> {
  items: T[]
  resourceVersion: string
  continue?: string
}

export interface WatchOptions {
  labelSelector?: string
  fieldSelector?: string
  resourceVersion?: string
}

export interface WatchEvent<T = StoredObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  /** For ERROR: a metav1.Status. */
  object: T
}

export interface WriteOptions {
  fieldManager?: string
  dryRun?: boolean
  subresource?: string
}

export interface DeleteOptions {
  gracePeriodSeconds?: number
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground'
  preconditions?: { uid?: string; resourceVersion?: string }
}

/** autoscaling/v1 Scale: what the `scale` subresource of any scalable kind reads and writes. */
export interface Scale {
  kind?: 'Scale'
  apiVersion?: string
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; creationTimestamp?: string }
  spec: { replicas?: number }
  status: { replicas: number; selector?: string }
}

export type PatchType = 'application/json-patch+json' | 'application/merge-patch+json' | 'application/strategic-merge-patch+json' | 'application/apply-patch+yaml'

/** Operations on one resource (group, version, resource). `namespace` is ignored for cluster-scoped kinds. */
export interface ResourceClient<T extends StoredObject = StoredObject> {
  readonly info: ResourceInfo
  get(namespace: string | undefined, name: string): Promise<T>
  list(namespace: string | undefined, opts?: ListOptions): Promise<ListResult<T>>
  watch(namespace: string | undefined, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>>
  create(namespace: string | undefined, obj: KObject, opts?: WriteOptions): Promise<T>
  /** PUT the whole object (its resourceVersion, if set, is a precondition). */
  update(obj: T, opts?: WriteOptions): Promise<T>
  patch(namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts?: WriteOptions & { force?: boolean }): Promise<T>
  delete(namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<void>
  /** GET .../{name}/scale (client-go's ScalesGetter); a kind without the subresource answers 404. */
  getScale?(namespace: string | undefined, name: string): Promise<Scale>
  /** PUT .../{name}/scale; its resourceVersion, if set, is a precondition. */
  updateScale?(scale: Scale, opts?: WriteOptions): Promise<Scale>
}

export interface Client {
  /** Every resource the server serves (discovery). */
  resources(): ResourceInfo[]
  resource<T extends StoredObject = StoredObject>(gvr: GVR): ResourceClient<T>
  /**
   * A GET of a non-resource path that answers JSON (`kubectl get --raw`), such as the traffic
   * report at /traffic/v1/...; errors are the server's metav1.Status as for resources.
   */
  getRaw?(path: string): Promise<unknown>
}
