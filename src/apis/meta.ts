// Object shapes shared by every kind. Field names are the Kubernetes wire names.
import type { ObjectMeta as WireObjectMeta, OwnerReference, LabelSelector } from 'kubernetes-types/meta/v1.js'

export type { OwnerReference, LabelSelector }

/** Strip kubernetes-types' `readonly` marks: the server is the one that writes those fields. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** ObjectMeta as the server handles it (system fields writable). */
export type ObjectMeta = Mutable<WireObjectMeta>

/** Any Kubernetes object as it travels on the wire (JSON). */
export interface KObject {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
  [field: string]: unknown
}

/** A stored object always has metadata. */
export interface StoredObject extends KObject {
  metadata: ObjectMeta
}

export interface GroupVersionKind {
  group: string
  version: string
  kind: string
}

export interface GroupVersionResource {
  group: string
  version: string
  resource: string
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`
}

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/')
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) }
}

/** `deployments.apps` / `pods`: how upstream names a resource in messages. */
export function qualifiedResource(group: string, resource: string): string {
  return group === '' ? resource : `${resource}.${group}`
}

/** Deep copy of a JSON value. Objects from caches are never mutated: clone first. */
export function clone<T>(value: T): T {
  return structuredClone(value)
}

/** Well-known labels and annotations (one place, so names never drift). */
export const wellKnown = {
  lastAppliedConfig: 'kubectl.kubernetes.io/last-applied-configuration',
  restartedAt: 'kubectl.kubernetes.io/restartedAt',
  defaultContainer: 'kubectl.kubernetes.io/default-container',
  changeCause: 'kubernetes.io/change-cause',
  revision: 'deployment.kubernetes.io/revision',
  revisionHistory: 'deployment.kubernetes.io/revision-history',
  desiredReplicas: 'deployment.kubernetes.io/desired-replicas',
  maxReplicas: 'deployment.kubernetes.io/max-replicas',
  podTemplateHash: 'pod-template-hash',
  serviceName: 'kubernetes.io/service-name',
  managedBy: 'endpointslice.kubernetes.io/managed-by',
  metadataName: 'kubernetes.io/metadata.name',
  hostname: 'kubernetes.io/hostname',
  os: 'kubernetes.io/os',
  arch: 'kubernetes.io/arch',
  controlPlaneRole: 'node-role.kubernetes.io/control-plane',
} as const

/** Finalizers the API server itself understands. */
export const finalizers = {
  foregroundDeletion: 'foregroundDeletion',
  orphan: 'orphan',
  namespaceKubernetes: 'kubernetes',
} as const
