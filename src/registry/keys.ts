// Store keys and the encoding of objects as stored values.
//
// Keys follow etcd's layout under kube-apiserver, with the group appended to the resource so every
// (group, resource) has its own prefix: `/registry/pods/default/web-1`,
// `/registry/deployments.apps/default/web`, `/registry/namespaces/default` (cluster-scoped).
import type { StoredObject } from '../apis/meta.js'
import type { KeyValue } from '../store/types.js'

export interface KeySpace {
  group: string
  resource: string
  namespaced: boolean
}

function resourceSegment(s: KeySpace): string {
  return s.group === '' ? s.resource : `${s.resource}.${s.group}`
}

/** Prefix of every object of the resource, or of one namespace's objects. */
export function prefixOf(s: KeySpace, namespace?: string): string {
  const base = `/registry/${resourceSegment(s)}/`
  return s.namespaced && namespace ? `${base}${namespace}/` : base
}

export function keyOf(s: KeySpace, namespace: string | undefined, name: string): string {
  return s.namespaced ? `/registry/${resourceSegment(s)}/${namespace}/${name}` : `/registry/${resourceSegment(s)}/${name}`
}

/** The stored value never carries resourceVersion: the store's revision is the source of truth. */
export function encodeObject(obj: StoredObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata
  return JSON.stringify({ ...obj, metadata: meta })
}

export function decodeObject(kv: KeyValue, revision = kv.modRevision): StoredObject {
  const obj = JSON.parse(kv.value) as StoredObject
  obj.metadata.resourceVersion = String(revision)
  return obj
}
