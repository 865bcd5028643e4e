// User impersonation (`kubectl --as=jane --as-group=dev`), as upstream's WithImpersonation filter:
// the Impersonate-User, -Group, -Uid and -Extra-<key> headers make the request act as another
// user, if the requester may impersonate each of them. Until RBAC is served only the cluster admin
// may; anyone else gets upstream's 403 for the first thing they asked to impersonate. Never
// silently ignored.
import { errors } from '../../apis/status.js'
import { forbidResource, type UserInfo } from '../authz.js'

/** Header values as Node's `req.headersDistinct` gives them (lower-case names, every value). */
export type DistinctHeaders = Record<string, string[] | undefined>

const serviceAccountPrefix = 'system:serviceaccount:'

/** `system:serviceaccount:ns:name` → [ns, name], as upstream's serviceaccount.SplitUsername. */
function splitServiceAccount(username: string): [string, string] | undefined {
  if (!username.startsWith(serviceAccountPrefix)) return undefined
  const parts = username.slice(serviceAccountPrefix.length).split(':')
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined
  return [parts[0], parts[1]]
}

/** The user the request acts as: `requestor` itself without impersonation headers. */
export function impersonate(requestor: UserInfo, headers: DistinctHeaders): UserInfo {
  const requestedUser = headers['impersonate-user']?.[0] ?? ''
  const groups = headers['impersonate-group'] ?? []
  const uid = headers['impersonate-uid']?.[0] ?? ''
  const extras = Object.entries(headers).filter(([name]) => name.startsWith('impersonate-extra-'))
  if (!requestedUser && groups.length === 0 && !uid && extras.length === 0) return requestor
  if (!requestedUser) {
    // Upstream answers this with a 500 (an InternalError from the filter); a client mistake is a 400 here.
    throw errors.badRequest('requested impersonation of groups, a UID or extra fields without impersonating a user')
  }

  // Each thing impersonated is authorized in turn (`impersonate` on users, serviceaccounts,
  // groups, uids, userextras/<key>); the first refusal is the answer.
  const sa = splitServiceAccount(requestedUser)
  const deny = (resource: string, name: string, namespace?: string) =>
    forbidResource(requestor, 'impersonate', { group: '', version: 'v1', resource, name, namespace })
  if (!requestor.admin) {
    if (sa) throw deny('serviceaccounts', sa[1], sa[0])
    throw deny('users', requestedUser)
  }

  let asGroups: string[] = [...groups]
  if (groups.length === 0) {
    if (sa) asGroups = ['system:serviceaccounts', `system:serviceaccounts:${sa[0]}`]
    if (requestedUser !== 'system:anonymous' && !asGroups.includes('system:authenticated') && !asGroups.includes('system:unauthenticated')) asGroups.push('system:authenticated')
  }
  return { username: requestedUser, groups: asGroups, ...(asGroups.includes('system:masters') ? { admin: true } : {}) }
}
