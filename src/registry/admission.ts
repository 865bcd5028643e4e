// Built-in admission (upstream: the NamespaceLifecycle plugin). Others (Service IP allocation,
// ServiceAccount defaults) join later as their owners land.
import type { StoredObject } from '../apis/meta.js'
import { errors, isStatusError } from '../apis/status.js'
import type { Admission } from './rest.js'

/** Namespaces that always exist and may not be deleted. */
export const immortalNamespaces = ['default', 'kube-system', 'kube-public']

/**
 * NamespaceLifecycle: new namespaced objects need an existing, non-terminating namespace; the
 * system namespaces cannot be deleted.
 */
export function namespaceLifecycle(getNamespace: (name: string) => Promise<StoredObject>): Admission {
  return {
    name: 'NamespaceLifecycle',
    async admit(attrs) {
      const { def, operation, namespace } = attrs
      if (def.group === '' && def.resource === 'namespaces') {
        if (operation === 'DELETE' && immortalNamespaces.includes(attrs.name)) {
          throw errors.forbidden({ group: '', resource: 'namespaces' }, attrs.name, 'this namespace may not be deleted')
        }
        return
      }
      if (operation !== 'CREATE' || !def.namespaced || !namespace) return
      let ns: StoredObject
      try {
        ns = await getNamespace(namespace)
      } catch (err) {
        if (isStatusError(err, 'NotFound')) throw errors.notFound({ group: '', resource: 'namespaces' }, namespace)
        throw err
      }
      const terminating = ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating'
      if (terminating && !(def.group === '' && def.resource === 'events')) {
        throw errors.forbidden(
          { group: def.group, resource: def.resource },
          attrs.name,
          `unable to create new content in namespace ${namespace} because it is being terminated`,
        )
      }
    },
  }
}
