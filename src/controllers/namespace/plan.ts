// Namespace deletion (upstream pkg/controller/namespace/deletion): once a namespace has a
// deletionTimestamp, delete everything in it, wait until it is all gone, then remove the
// `kubernetes` finalizer from spec.finalizers so the API server removes the namespace. Pure.
import type { StoredObject } from '../../apis/meta.js'
import { finalizers } from '../../apis/meta.js'

export interface NamespaceContents {
  /** group/version/resource of a namespaced kind. */
  resource: { group: string; version: string; resource: string }
  items: StoredObject[]
}

export type NamespaceAction =
  | { type: 'delete'; resource: NamespaceContents['resource']; name: string }
  | { type: 'finalize' }
  | { type: 'wait'; remaining: number }

export function planNamespaceDeletion(ns: StoredObject, contents: NamespaceContents[]): NamespaceAction[] {
  if (!ns.metadata.deletionTimestamp) return []
  const specFinalizers = ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [])
  if (!specFinalizers.includes(finalizers.namespaceKubernetes)) return []
  const actions: NamespaceAction[] = []
  let remaining = 0
  for (const { resource, items } of contents) {
    for (const item of items) {
      remaining++
      // Objects already being deleted (grace periods, finalizers) are waited for, not re-deleted.
      if (!item.metadata.deletionTimestamp) actions.push({ type: 'delete', resource, name: item.metadata.name! })
    }
  }
  actions.push(remaining === 0 ? { type: 'finalize' } : { type: 'wait', remaining })
  return actions
}
