// The review kinds a POST is answered for and nothing stored (upstream pkg/registry/authorization
// and pkg/registry/authentication/selfsubjectreview): SelfSubjectAccessReview (`kubectl auth
// can-i`), SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectRulesReview (`can-i --list`)
// and SelfSubjectReview (`kubectl auth whoami`).
import type { KObject } from '../../apis/meta.js'
import { errors } from '../../apis/status.js'
import { required, type FieldError } from '../../apis/validation.js'
import type { RequestUser } from '../../registry/rest.js'
import type { RbacAuthorizer } from './authorizer.js'
import type { Attributes, Decision, User } from '../../apis/rbac/rules.js'
import { isObj } from '../../lib/guards.js'

type Obj = Record<string, unknown>
const str = (v: unknown) => (typeof v === 'string' ? v : '')

/** `group/resource` of every review kind answered here. */
export const reviewKeys = new Set([
  'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
])

const kinds: Record<string, string> = {
  selfsubjectreviews: 'SelfSubjectReview',
  selfsubjectaccessreviews: 'SelfSubjectAccessReview',
  subjectaccessreviews: 'SubjectAccessReview',
  localsubjectaccessreviews: 'LocalSubjectAccessReview',
  selfsubjectrulesreviews: 'SelfSubjectRulesReview',
}

/** What system:masters gets: everything, by upstream's privileged-group authorizer before RBAC. */
async function decide(authz: RbacAuthorizer, attrs: Attributes): Promise<Decision> {
  if (attrs.user.groups.includes('system:masters')) return { allowed: true, reason: '' }
  return authz.authorize(attrs)
}

/** Resource or non-resource attributes of an access review spec → authorizer attributes. */
function attributesOf(spec: Obj, user: User, kind: string, namespace?: string): Attributes {
  const ra = isObj(spec.resourceAttributes) ? spec.resourceAttributes : undefined
  const nra = isObj(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined
  const errs: FieldError[] = []
  if (!ra && !nra) errs.push(required('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'))
  if (ra && nra) errs.push({ type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', valueText: '"non-null"', detail: 'cannot be specified in combination with resourceAttributes' })
  if (errs.length) throw errors.invalid({ group: 'authorization.k8s.io', kind }, '', errs)
  if (ra) {
    return {
      user,
      verb: str(ra.verb),
      resourceRequest: true,
      namespace: namespace ?? str(ra.namespace),
      apiGroup: str(ra.group),
      resource: str(ra.resource),
      subresource: str(ra.subresource),
      name: str(ra.name),
    }
  }
  return { user, verb: str(nra!.verb), resourceRequest: false, path: str(nra!.path) }
}

function statusOf(d: Decision): Obj {
  return { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) }
}

/** The answer to a POST of a review kind by `requester`, or a StatusError. */
export async function answerReview(authz: RbacAuthorizer, requester: RequestUser & { uid?: string; extra?: Record<string, string[]> }, group: string, resource: string, namespace: string | undefined, body: KObject): Promise<KObject> {
  const kind = kinds[resource]
  const spec = isObj(body.spec) ? body.spec : {}
  const me: User = { username: requester.username, groups: requester.groups }
  const out: KObject = { kind, apiVersion: `${group}/v1`, metadata: isObj(body.metadata) ? body.metadata : {} }
  switch (resource) {
    case 'selfsubjectreviews':
      out.status = {
        userInfo: {
          username: requester.username,
          ...(requester.uid ? { uid: requester.uid } : {}),
          groups: requester.groups,
          ...(requester.extra && Object.keys(requester.extra).length ? { extra: requester.extra } : {}),
        },
      }
      return out
    case 'selfsubjectaccessreviews':
      out.spec = spec
      out.status = statusOf(await decide(authz, attributesOf(spec, me, kind)))
      return out
    case 'subjectaccessreviews':
    case 'localsubjectaccessreviews': {
      const user = str(spec.user)
      const groups = Array.isArray(spec.groups) ? spec.groups.filter((g): g is string => typeof g === 'string') : []
      if (!user && groups.length === 0) throw errors.invalid({ group: 'authorization.k8s.io', kind }, '', [required('spec.user', 'at least one of user or group must be specified')])
      if (resource === 'localsubjectaccessreviews') {
        const ra = isObj(spec.resourceAttributes) ? spec.resourceAttributes : undefined
        if (ra && str(ra.namespace) !== (namespace ?? '')) {
          throw errors.invalid({ group: 'authorization.k8s.io', kind }, '', [
            { type: 'FieldValueInvalid', field: 'spec.resourceAttributes.namespace', value: str(ra.namespace), detail: 'must match metadata.namespace' },
          ])
        }
        if (!ra && spec.nonResourceAttributes) throw errors.invalid({ group: 'authorization.k8s.io', kind }, '', [{ type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', valueText: '"non-null"', detail: 'disallowed on this kind of request' }])
      }
      out.spec = spec
      out.status = statusOf(await decide(authz, attributesOf(spec, { username: user, groups }, kind)))
      return out
    }
    case 'selfsubjectrulesreviews': {
      const ns = str(spec.namespace)
      const rules = await authz.rulesFor(me, ns || undefined)
      out.spec = spec
      out.status = {
        resourceRules: rules
          .filter((r) => !(r.nonResourceURLs ?? []).length)
          .map((r) => ({ verbs: r.verbs ?? [], ...(r.apiGroups?.length ? { apiGroups: r.apiGroups } : {}), ...(r.resources?.length ? { resources: r.resources } : {}), ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) })),
        nonResourceRules: rules.filter((r) => (r.nonResourceURLs ?? []).length).map((r) => ({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs })),
        incomplete: false,
      }
      return out
    }
    default:
      throw errors.pathNotFound()
  }
}
