// Upstream's NodeRestriction admission plugin, for what a node's own user may write: a node
// (system:node:<name> in system:nodes, a joined agent's client certificate) may create and change
// only its own Node and its own Lease in kube-node-lease, and the status of pods bound to it.
// Every other user passes untouched.
import { errors } from '../../apis/status.js'
import type { Admission, AdmissionAttributes } from '../rest.js'

const nodePrefix = 'system:node:'

/** The node a request acts for, or undefined when the user is not a node. */
export function nodeOfUser(user: AdmissionAttributes['user']): string | undefined {
  if (!user || !user.groups.includes('system:nodes') || !user.username.startsWith(nodePrefix)) return undefined
  return user.username.slice(nodePrefix.length) || undefined
}

export const nodeRestriction: Admission = {
  name: 'NodeRestriction',
  async admit(a) {
    const node = nodeOfUser(a.user)
    if (!node || a.operation === 'DELETE') return
    const { group, resource } = a.def
    const ref = { group, resource }
    if (group === '' && resource === 'nodes') {
      if (a.name !== node) throw errors.forbidden(ref, a.name, `node "${node}" is not allowed to modify node "${a.name}"`)
      return
    }
    if (group === 'coordination.k8s.io' && resource === 'leases' && a.namespace === 'kube-node-lease') {
      if (a.name !== node) throw errors.forbidden(ref, a.name, 'can only access node lease with the same name as the requesting node')
      return
    }
    if (group === '' && resource === 'pods' && a.operation === 'UPDATE' && a.subresource === 'status') {
      const bound = (a.oldObject as { spec?: { nodeName?: string } } | undefined)?.spec?.nodeName
      if (bound !== node) throw errors.forbidden(ref, a.name, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`)
    }
  },
}
