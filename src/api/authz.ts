// What a user may do, until RBAC is served: the cluster admin (the admin token, client certificates)
// everything; any other authenticated user (service accounts) what upstream's default bootstrap
// roles give every authenticated user and nothing more — discovery, OpenAPI, health and version
// (system:discovery, system:public-info-viewer). So a pod's token reads the API's shape, as on a
// fresh cluster, and is refused everything else with upstream's words.
import { errors, type StatusError } from '../apis/status.js'
import type { ApiTarget } from './request.js'

export interface UserInfo {
  username: string
  groups: string[]
  uid?: string
  /** Extra attributes (a service-account token's credential id, bound pod and node). */
  extra?: Record<string, string[]>
  /** Bypasses authorization (system:masters). */
  admin?: boolean
}

/** The request verb as upstream's RequestInfo names it. */
export function verbOf(method: string, target: ApiTarget, watch: boolean): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return target.name ? 'get' : watch ? 'watch' : 'list'
    case 'POST':
      return 'create'
    case 'PUT':
      return 'update'
    case 'PATCH':
      return 'patch'
    case 'DELETE':
      return target.name ? 'delete' : 'deletecollection'
    default:
      return method.toLowerCase()
  }
}

/**
 * Upstream's RBAC denial: `pods "web" is forbidden: User "system:serviceaccount:default:default"
 * cannot get resource "pods" in API group "" in the namespace "default"`.
 */
export function forbidResource(user: UserInfo, verb: string, target: ApiTarget): StatusError {
  const resource = target.subresource ? `${target.resource}/${target.subresource}` : target.resource
  const scope = target.namespace ? `in the namespace "${target.namespace}"` : 'at the cluster scope'
  return errors.forbidden({ group: target.group, resource: target.resource }, target.name ?? '', `User "${user.username}" cannot ${verb} resource "${resource}" in API group "${target.group}" ${scope}`)
}

/** Upstream's denial for a path that names no resource: `forbidden: User "x" cannot get path "/metrics"`. */
export function forbidPath(user: UserInfo, verb: string, path: string): StatusError {
  return errors.forbiddenMessage(`forbidden: User "${user.username}" cannot ${verb} path "${path}"`)
}
