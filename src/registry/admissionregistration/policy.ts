// The ValidatingAdmissionPolicy admission plugin (upstream
// staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating): every write is checked
// against each policy whose binding matches it. A binding matches when the request is in the
// policy's matchConstraints and the binding's matchResources (resource rules, namespace and object
// selectors), and the policy's matchConditions hold. The validations are CEL expressions over
// `object`, `oldObject`, `request`, `params`, `namespaceObject` and `variables`; a false one
// denies the request (Deny: 422 Invalid, or the validation's reason), warns (Warn: a `Warning:`
// header) or is only noted (Audit: kubelite keeps no audit log). An expression that errors follows
// the policy's failurePolicy (Fail denies, Ignore lets it through).
import { compileCel, toCel } from '../../apis/cel.js'
import type { StoredObject } from '../../apis/meta.js'
import { StatusError, type StatusReason } from '../../apis/status.js'
import { isObj } from '../../lib/guards.js'
import { labelSelectorMatches } from '../../lib/selector.js'
import type { Admission, AdmissionAttributes } from '../rest.js'
import type { AdmissionRegObj } from './index.js'

type Json = Record<string, unknown>
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObj) : [])
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [])

export interface PolicyDeps {
  listPolicies(): Promise<AdmissionRegObj[]>
  listBindings(): Promise<AdmissionRegObj[]>
  getNamespace(name: string): Promise<StoredObject | undefined>
  /** The parameter object a binding's paramRef names (undefined when absent or the kind is unknown). */
  getParam(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<StoredObject | undefined>
  clock?: () => number
}

const group = 'admissionregistration.k8s.io'
/** Policies never apply to their own kinds (upstream's exemption, so a bad policy cannot lock itself in). */
const exempt = new Set(['validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'validatingwebhookconfigurations', 'mutatingwebhookconfigurations'])

// One rule of resourceRules: apiGroups, apiVersions, resources (pods, pods/status, a star, star/scale),
// operations, scope.
function ruleMatches(rule: Json, a: AdmissionAttributes): boolean {
  const has = (xs: string[], v: string) => xs.includes('*') || xs.includes(v)
  if (!has(strings(rule.apiGroups), a.def.group)) return false
  if (!has(strings(rule.apiVersions), a.def.version)) return false
  if (!has(strings(rule.operations), a.operation)) return false
  const scope = typeof rule.scope === 'string' ? rule.scope : '*'
  if (scope === 'Cluster' && a.def.namespaced) return false
  if (scope === 'Namespaced' && !a.def.namespaced) return false
  const resourceOk = strings(rule.resources).some((r) => {
    if (r === '*') return !a.subresource
    if (r === '*/*') return true
    const [res, sub] = r.split('/')
    if (sub === undefined) return !a.subresource && res === a.def.resource
    return (res === '*' || res === a.def.resource) && (sub === '*' || sub === a.subresource) && !!a.subresource
  })
  if (!resourceOk) return false
  const names = strings(rule.resourceNames)
  return names.length === 0 || names.includes(a.name)
}

async function matchResources(m: Json | undefined, a: AdmissionAttributes, nsLabels: () => Promise<Record<string, string> | undefined>): Promise<boolean> {
  if (!m) return true
  const rules = list(m.resourceRules)
  if (rules.length && !rules.some((r) => ruleMatches(r, a))) return false
  if (list(m.excludeResourceRules).some((r) => ruleMatches(r, a))) return false
  const obj = a.object ?? a.oldObject
  if (isObj(m.objectSelector) && Object.keys(m.objectSelector).length) {
    const labels = (obj?.metadata.labels ?? {}) as Record<string, string>
    const old = (a.oldObject?.metadata.labels ?? {}) as Record<string, string>
    if (!labelSelectorMatches(m.objectSelector as never, labels) && !labelSelectorMatches(m.objectSelector as never, old)) return false
  }
  if (isObj(m.namespaceSelector) && Object.keys(m.namespaceSelector).length) {
    // Cluster-scoped objects other than Namespaces are not filtered by it.
    if (a.def.namespaced || (a.def.group === '' && a.def.resource === 'namespaces')) {
      const labels = a.def.namespaced ? await nsLabels() : ((obj?.metadata.labels ?? {}) as Record<string, string>)
      if (!labelSelectorMatches(m.namespaceSelector as never, labels ?? {})) return false
    }
  }
  return true
}

const codeOf: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 }

interface Decision {
  policy: string
  binding: string
  message: string
  reason: string
  actions: string[]
}

export function validatingAdmissionPolicy(deps: PolicyDeps): Admission {
  let cache: { at: number; policies: AdmissionRegObj[]; bindings: AdmissionRegObj[] } | undefined
  let dirtyUntil = 0
  const clock = deps.clock ?? Date.now
  const load = async () => {
    const now = clock()
    // Policies change rarely: read them at most once a second, and on every request for a
    // moment after one of them was written (the write lands after this plugin saw it).
    if (!cache || now - cache.at > 1000 || now < dirtyUntil) cache = { at: now, policies: await deps.listPolicies(), bindings: await deps.listBindings() }
    return cache
  }
  return {
    name: 'ValidatingAdmissionPolicy',
    async admit(a: AdmissionAttributes) {
      if (a.def.group === group && exempt.has(a.def.resource)) {
        dirtyUntil = clock() + 3000
        return
      }
      const { policies, bindings } = await load()
      if (!bindings.length) return
      const byName = new Map(policies.map((p) => [p.metadata.name!, p]))
      let nsLabels: Promise<Record<string, string> | undefined> | undefined
      let nsObject: Promise<StoredObject | undefined> | undefined
      const namespaceObject = () => (nsObject ??= a.namespace ? deps.getNamespace(a.namespace) : Promise.resolve(undefined))
      const labelsOfNs = () => (nsLabels ??= namespaceObject().then((n) => n?.metadata.labels as Record<string, string> | undefined))
      const denied: Decision[] = []
      for (const b of [...bindings].sort((x, y) => (x.metadata.name! < y.metadata.name! ? -1 : 1))) {
        const bspec = isObj(b.spec) ? b.spec : {}
        const policy = byName.get(String(bspec.policyName ?? ''))
        if (!policy || !isObj(policy.spec)) continue
        const spec = policy.spec
        if (!(await matchResources(isObj(spec.matchConstraints) ? spec.matchConstraints : undefined, a, labelsOfNs))) continue
        if (isObj(bspec.matchResources) && !(await matchResources(bspec.matchResources, a, labelsOfNs))) continue
        const failClosed = spec.failurePolicy !== 'Ignore'
        const actions = strings(bspec.validationActions)
        const decide = (message: string, reason = 'Invalid') => {
          const d = { policy: policy.metadata.name!, binding: b.metadata.name!, message, reason, actions }
          if (actions.includes('Warn')) a.warnings?.push(`Validation failed for ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}': ${message}`)
          if (actions.includes('Deny')) denied.push(d)
        }
        // params
        let params: unknown = null
        if (isObj(spec.paramKind) && isObj(bspec.paramRef)) {
          const pr = bspec.paramRef
          const ns = typeof pr.namespace === 'string' && pr.namespace ? pr.namespace : a.namespace
          const found = typeof pr.name === 'string' ? await deps.getParam(String(spec.paramKind.apiVersion), String(spec.paramKind.kind), ns, pr.name) : undefined
          if (!found) {
            if (pr.parameterNotFoundAction !== 'Allow') decide(`no params found for policy binding with \`Deny\` parameterNotFoundAction`)
            continue
          }
          params = toCel(found, undefined)
        }
        const ctx: Json = {
          object: a.object ? toCel(a.object, undefined) : null,
          oldObject: a.oldObject ? toCel(a.oldObject, undefined) : null,
          request: toCel(requestOf(a), undefined),
          params,
          namespaceObject: a.namespace ? toCel((await namespaceObject()) ?? null, undefined) : null,
        }
        const vars: Json = {}
        ctx.variables = vars
        for (const v of list(spec.variables)) {
          try {
            vars[String(v.name)] = run(String(v.expression), ctx)
          } catch {
            // A variable that errors is absent: an expression using it errors in turn.
          }
        }
        // matchConditions: all must hold; an error follows the failure policy.
        let applies = true
        for (const mc of list(spec.matchConditions)) {
          try {
            if (run(String(mc.expression), ctx) !== true) applies = false
          } catch (err) {
            if (failClosed) decide(`failed to evaluate match condition ${JSON.stringify(mc.name)}: ${(err as Error).message}`)
            applies = false
          }
          if (!applies) break
        }
        if (!applies) continue
        for (const v of list(spec.validations)) {
          const expr = String(v.expression)
          let ok: unknown
          try {
            ok = run(expr, ctx)
          } catch (err) {
            if (failClosed) decide(`expression '${expr}' resulted in error: ${(err as Error).message.split('\n')[0]}`)
            continue
          }
          if (ok === true) continue
          if (typeof ok !== 'boolean') {
            if (failClosed) decide(`expression '${expr}' resulted in error: validation expression must evaluate to a bool`)
            continue
          }
          let message = typeof v.message === 'string' && v.message ? v.message : `failed expression: ${expr}`
          if (typeof v.messageExpression === 'string' && v.messageExpression) {
            try {
              const m = run(v.messageExpression, ctx)
              if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) message = m
            } catch {
              // upstream keeps the message
            }
          }
          decide(message, typeof v.reason === 'string' && v.reason ? v.reason : 'Invalid')
        }
      }
      if (denied.length) {
        const d = denied[0]
        const message = `ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}' denied request: ${d.message}`
        const ref = a.def.group ? `${a.def.resource}.${a.def.group}` : a.def.resource
        throw new StatusError({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `${ref} ${JSON.stringify(a.name)} is forbidden: ${message}`,
          reason: d.reason as StatusReason,
          details: { name: a.name, group: a.def.group || undefined, kind: a.def.resource, causes: [{ message }] },
          code: codeOf[d.reason] ?? 422,
        })
      }
    },
  }
}

function run(expr: string, ctx: Json): unknown {
  const program = compileCel(expr)
  if (program instanceof Error) throw program
  return program(ctx)
}

function requestOf(a: AdmissionAttributes): Json {
  const kind = { group: a.def.group, version: a.def.version, kind: a.def.kind }
  const resource = { group: a.def.group, version: a.def.version, resource: a.def.resource }
  return {
    kind,
    resource,
    subResource: a.subresource ?? '',
    requestKind: kind,
    requestResource: resource,
    requestSubResource: a.subresource ?? '',
    name: a.name,
    namespace: a.namespace ?? '',
    operation: a.operation,
    userInfo: a.user ? { username: a.user.username, groups: a.user.groups } : { username: 'system:apiserver', groups: ['system:masters'] },
    dryRun: a.dryRun,
  }
}
