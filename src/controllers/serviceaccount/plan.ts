// The ServiceAccounts controller (upstream pkg/controller/serviceaccount/serviceaccounts_controller.go):
// every active namespace has the ServiceAccounts it should (`default`), re-created if deleted.
import type { KObject, StoredObject } from '../../apis/meta.js'

/** Upstream's DefaultServiceAccountsControllerOptions: one account, `default`. */
export const defaultServiceAccounts = ['default']

/**
 * The ServiceAccounts to create in a namespace (pure): none while it terminates (upstream skips
 * namespaces not Active), otherwise those of `wanted` that `existing` lacks.
 */
export function planServiceAccounts(namespace: StoredObject, existing: ReadonlySet<string>, wanted: readonly string[] = defaultServiceAccounts): KObject[] {
  const phase = (namespace.status as { phase?: string } | undefined)?.phase
  if (namespace.metadata.deletionTimestamp || (phase !== undefined && phase !== 'Active')) return []
  return wanted.filter((name) => !existing.has(name)).map((name) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: namespace.metadata.name } }))
}
