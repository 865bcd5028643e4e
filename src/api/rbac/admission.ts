// Escalation prevention on the RBAC kinds (upstream's policybased storages of roles, clusterroles,
// rolebindings and clusterrolebindings): outside system:masters, a user may write a Role only with
// every permission it grants (or the `escalate` verb on it), and bind a role only holding its
// permissions (or the `bind` verb on it). In-process writes carry no user and are the system's own.
import { errors } from '../../apis/status.js'
import type { StoredObject } from '../../apis/meta.js'
import type { Admission, AdmissionAttributes, RequestUser } from '../../registry/rest.js'
import type { RbacAuthorizer } from './authorizer.js'
import { escalationMessage } from '../../apis/rbac/escalation.js'
import { roleRefRules, type PolicyRule, type RoleRef } from '../../apis/rbac/rules.js'

const rbacGroup = 'rbac.authorization.k8s.io'

/** What cluster-admin holds: upstream's fullAuthority, needed to write an aggregationRule. */
const fullAuthority: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
]

/** upstream IsOnlyMutatingGCFields: an update that only touches ownerReferences and finalizers. */
function onlyGCFields(obj: StoredObject, old: StoredObject | undefined): boolean {
  if (!old) return false
  const strip = (o: StoredObject) => {
    const { ownerReferences: _o, finalizers: _f, managedFields: _m, resourceVersion: _r, generation: _g, ...meta } = o.metadata
    return JSON.stringify({ ...o, metadata: meta })
  }
  return strip(obj) === strip(old)
}

export function rbacEscalationAdmission(authz: Pick<RbacAuthorizer, 'authorize' | 'rulesFor' | 'policy'>): Admission {
  return {
    name: 'RBACEscalation',
    async admit(attrs: AdmissionAttributes): Promise<void> {
      const { def, object, user } = attrs
      if (def.group !== rbacGroup || !object || !user || user.admin) return
      if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return
      if (attrs.subresource) return
      if (attrs.operation === 'UPDATE' && onlyGCFields(object, attrs.oldObject)) return
      const namespace = def.namespaced ? (attrs.namespace ?? '') : ''
      const ref = { group: def.group, resource: def.resource }
      const asUser = { username: user.username, groups: user.groups }
      const allowedVerb = async (verb: string, resource: string, name: string) =>
        (await authz.authorize({ user: asUser, verb, resourceRequest: true, apiGroup: rbacGroup, resource, name, namespace })).allowed

      if (def.resource === 'roles' || def.resource === 'clusterroles') {
        if (def.resource === 'clusterroles' && object.aggregationRule) {
          if (escalationMessage(asUser, await authz.rulesFor(asUser, ''), fullAuthority))
            throw errors.forbidden(ref, attrs.name, 'must have cluster-admin privileges to use the aggregationRule')
          return
        }
        if (await allowedVerb('escalate', def.resource, attrs.name)) return
        const wanted = (Array.isArray(object.rules) ? object.rules : []) as PolicyRule[]
        return confirm(ref, attrs.name, asUser, await authz.rulesFor(asUser, namespace), wanted)
      }
      if (def.resource === 'rolebindings' || def.resource === 'clusterrolebindings') {
        const roleRef = (object.roleRef ?? {}) as RoleRef
        const roleResource = roleRef.kind === 'ClusterRole' ? 'clusterroles' : roleRef.kind === 'Role' ? 'roles' : undefined
        if (roleResource && (await authz.authorize({ user: asUser, verb: 'bind', resourceRequest: true, apiGroup: roleRef.apiGroup ?? '', resource: roleResource, name: roleRef.name ?? '', namespace })).allowed) return
        const wanted = roleRefRules(await authz.policy(), roleRef, namespace)
        if (!wanted) throw errors.notFound({ group: rbacGroup, resource: roleResource ?? 'roles' }, roleRef.name ?? '')
        return confirm(ref, attrs.name, asUser, await authz.rulesFor(asUser, namespace), wanted)
      }
    },
  }
}

function confirm(ref: { group: string; resource: string }, name: string, user: RequestUser, held: PolicyRule[], wanted: PolicyRule[]): void {
  const msg = escalationMessage(user, held, wanted)
  if (msg) throw errors.forbidden(ref, name, msg)
}
