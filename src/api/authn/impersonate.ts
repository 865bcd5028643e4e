// User impersonation (`kubectl --as=jane --as-group=dev`), as upstream's WithImpersonation filter:
// the Impersonate-User, -Group, -Uid and -Extra-<key> headers make the request act as another
// user, if the requester may impersonate each of them: the cluster admin always, anyone else when
// `may` (RBAC's `impersonate` verb on users, groups, serviceaccounts, uids) allows it; otherwise
// upstream's 403 for the first thing they asked to impersonate. Never silently ignored.
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

/** Whether the requester may `impersonate` one thing (resource `users`, `groups`, `serviceaccounts`, `uids`, `userextras/<key>`). */
export type ImpersonationCheck = (requestor: UserInfo, what: { resource: string; subresource?: string; name: string; namespace?: string; group: string }) => Promise<boolean>

/** The user the request acts as: `requestor` itself without impersonation headers. */
export async function impersonate(requestor: UserInfo, headers: DistinctHeaders, may?: ImpersonationCheck): Promise<UserInfo> {
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
  if (!requestor.admin) {
    const check = async (what: { resource: string; subresource?: string; name: string; namespace?: string; group?: string }) => {
      const t = { group: what.group ?? '', version: 'v1', resource: what.resource, subresource: what.subresource, name: what.name, namespace: what.namespace }
      if (!may || !(await may(requestor, { ...what, group: t.group }))) throw forbidResource(requestor, 'impersonate', t)
    }
    if (sa) await check({ resource: 'serviceaccounts', name: sa[1], namespace: sa[0] })
    else await check({ resource: 'users', name: requestedUser })
    for (const g of groups) await check({ resource: 'groups', name: g })
    if (uid) await check({ resource: 'uids', name: uid, group: 'authentication.k8s.io' })
    for (const [name, values] of extras) {
      for (const v of values ?? []) await check({ resource: 'userextras', subresource: name.slice('impersonate-extra-'.length), name: v, group: 'authentication.k8s.io' })
    }
  }

  let asGroups: string[] = [...groups]
  if (groups.length === 0 && sa) asGroups = ['system:serviceaccounts', `system:serviceaccounts:${sa[0]}`]
  // As upstream: a user other than system:anonymous is in system:authenticated, asked or not
  // (unless system:unauthenticated is asked for).
  if (requestedUser !== 'system:anonymous' && !asGroups.includes('system:authenticated') && !asGroups.includes('system:unauthenticated')) asGroups.push('system:authenticated')
  return { username: requestedUser, groups: asGroups, ...(asGroups.includes('system:masters') ? { admin: true } : {}) }
}
