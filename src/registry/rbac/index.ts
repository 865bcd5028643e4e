// The rbac.authorization.k8s.io/v1 kinds, and the create-only review kinds of authorization.k8s.io/v1
// and authentication.k8s.io/v1 (SelfSubjectAccessReview, SelfSubjectReview, ...): those are never
// stored; the API answers a POST to them (api/rbac/reviews.ts). Listed here for discovery and OpenAPI.
import type { StoredObject } from '../../apis/meta.js'
import { nameColumn } from '../columns.js'
import type { ResourceDef } from '../types.js'
import { clusterRoleBindings, clusterRoles, roleBindings, roles } from './rbac.js'

export { clusterRoleBindings, clusterRoles, roleBindings, roles }

function review(group: string, kind: string, resource: string, namespaced = false): ResourceDef {
  return {
    group,
    version: 'v1',
    kind,
    resource,
    singular: kind.toLowerCase(),
    namespaced,
    verbs: ['create'],
    nameValidator: () => [],
    table: { columns: [nameColumn], cells: (obj: StoredObject) => [obj.metadata.name ?? ''] },
  }
}

/** Kinds a POST is answered for and nothing is stored, keyed `group/resource` in api/rbac/reviews.ts. */
export const reviewResources: ResourceDef[] = [
  review('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews'),
  review('authorization.k8s.io', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true),
  review('authorization.k8s.io', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  review('authorization.k8s.io', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
  review('authorization.k8s.io', 'SubjectAccessReview', 'subjectaccessreviews'),
]

export const rbacResources: ResourceDef[] = [clusterRoleBindings, clusterRoles, roleBindings, roles, ...reviewResources]
