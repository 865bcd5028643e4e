// RBAC's rule semantics, as upstream's plugin/pkg/auth/authorizer/rbac (rbac.go, RuleAllows) and
// pkg/registry/rbac/validation (rule.go: who a binding applies to, which rules a user holds).
// Pure: the roles and bindings come in as plain objects.

export interface PolicyRule {
  verbs?: string[]
  apiGroups?: string[]
  resources?: string[]
  resourceNames?: string[]
  nonResourceURLs?: string[]
}

export interface Subject {
  kind?: string
  apiGroup?: string
  name?: string
  namespace?: string
}

export interface RoleRef {
  apiGroup?: string
  kind?: string
  name?: string
}

export interface Binding {
  metadata: { name?: string; namespace?: string }
  subjects?: Subject[] | null
  roleRef?: RoleRef
}

export interface Role {
  metadata: { name?: string; namespace?: string; labels?: Record<string, string> }
  rules?: PolicyRule[] | null
}

export interface User {
  username: string
  groups: string[]
}

/** What a request asks to do (upstream authorizer.Attributes). */
export interface Attributes {
  user: User
  verb: string
  resourceRequest: boolean
  /** Non-resource requests: the URL path. */
  path?: string
  namespace?: string
  apiGroup?: string
  resource?: string
  subresource?: string
  name?: string
}

/** The roles and bindings in force (what upstream reads from its listers). */
export interface Policy {
  clusterRoleBindings(): Binding[]
  roleBindings(namespace: string): Binding[]
  clusterRole(name: string): Role | undefined
  role(namespace: string, name: string): Role | undefined
}

const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v)

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, '*') || has(rule.verbs, verb)
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, '*') || has(rule.apiGroups, group)
}

/** `pods`, `pods/log`, `*`, and `*\/scale` for any resource's scale subresource. */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true
    if (!subresource) continue
    if (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true
  }
  return false
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? []
  return names.length === 0 || names.includes(name)
}

/** `/healthz`, `*`, and a trailing `*` as a prefix (`/apis/*`). */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true
    if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true
  }
  return false
}

export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (attrs.resourceRequest) {
    const sub = attrs.subresource ?? ''
    const combined = sub ? `${attrs.resource}/${sub}` : (attrs.resource ?? '')
    return verbMatches(rule, attrs.verb) && apiGroupMatches(rule, attrs.apiGroup ?? '') && resourceMatches(rule, combined, sub) && resourceNameMatches(rule, attrs.name ?? '')
  }
  return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path ?? '')
}

const serviceAccountPrefix = 'system:serviceaccount:'

/** Whether a subject names the user; a ServiceAccount without a namespace takes the binding's. */
export function appliesToUser(user: User, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name
    case 'Group':
      return user.groups.includes(subject.name ?? '')
    case 'ServiceAccount': {
      const ns = subject.namespace || namespace
      if (!ns) return false
      return user.username === `${serviceAccountPrefix}${ns}:${subject.name}`
    }
    default:
      return false
  }
}

/** The subject a binding grants the user through (upstream appliesTo), or undefined. */
export function bindingSubject(user: User, subjects: Subject[] | null | undefined, namespace: string): Subject | undefined {
  return (subjects ?? []).find((s) => appliesToUser(user, s, namespace))
}

/** The rules a roleRef points at; undefined when the role is missing (upstream: a NotFound). */
export function roleRefRules(policy: Policy, ref: RoleRef | undefined, namespace: string): PolicyRule[] | undefined {
  if (!ref) return undefined
  if (ref.kind === 'ClusterRole') {
    const role = policy.clusterRole(ref.name ?? '')
    return role ? (role.rules ?? []) : undefined
  }
  if (ref.kind === 'Role' && namespace) {
    const role = policy.role(namespace, ref.name ?? '')
    return role ? (role.rules ?? []) : undefined
  }
  return undefined
}

/** One applicable binding with its rules, as upstream's VisitRulesFor walks them. */
export interface Grant {
  binding: Binding
  clusterWide: boolean
  subject: Subject
  rules: PolicyRule[]
}

/** Cluster role bindings first, then the namespace's role bindings (upstream's order). */
export function* grantsFor(policy: Policy, user: User, namespace: string | undefined): Generator<Grant> {
  for (const b of policy.clusterRoleBindings()) {
    const subject = bindingSubject(user, b.subjects, '')
    if (!subject) continue
    const rules = roleRefRules(policy, b.roleRef, '')
    if (rules) yield { binding: b, clusterWide: true, subject, rules }
  }
  if (!namespace) return
  for (const b of policy.roleBindings(namespace)) {
    const subject = bindingSubject(user, b.subjects, namespace)
    if (!subject) continue
    const rules = roleRefRules(policy, b.roleRef, namespace)
    if (rules) yield { binding: b, clusterWide: false, subject, rules }
  }
}

/** Every rule the user holds in a namespace ('' = cluster-wide only): upstream's RulesFor. */
export function rulesFor(policy: Policy, user: User, namespace: string | undefined): PolicyRule[] {
  const out: PolicyRule[] = []
  for (const g of grantsFor(policy, user, namespace)) out.push(...g.rules)
  return out
}

export interface Decision {
  allowed: boolean
  /** Upstream's reason on an allow: `RBAC: allowed by RoleBinding "b/ns" of Role "r" to User "u"`. */
  reason: string
}

/** upstream describeSubject: a ServiceAccount as `name/namespace` (the binding's when it names none). */
function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount "${s.name}/${s.namespace || bindingNamespace}"`
  return `${s.kind} "${s.name}"`
}

/** The RBAC decision for one request: allowed by the first rule that matches, else denied with no reason. */
export function authorize(policy: Policy, attrs: Attributes): Decision {
  for (const g of grantsFor(policy, attrs.user, attrs.resourceRequest ? attrs.namespace : undefined)) {
    if (!g.rules.some((r) => ruleAllows(attrs, r))) continue
    const b = g.binding
    const what = g.clusterWide ? `ClusterRoleBinding "${b.metadata.name}"` : `RoleBinding "${b.metadata.name}/${b.metadata.namespace}"`
    return { allowed: true, reason: `RBAC: allowed by ${what} of ${b.roleRef?.kind} "${b.roleRef?.name}" to ${describeSubject(g.subject, b.metadata.namespace ?? '')}` }
  }
  return { allowed: false, reason: '' }
}
