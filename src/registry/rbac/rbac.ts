// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding and ClusterRoleBinding (upstream:
// pkg/apis/rbac/validation, pkg/registry/rbac/*/strategy.go, printers.go printRoleBinding).
// Roles and ClusterRoles have no printer upstream: `kubectl get roles` shows NAME and CREATED AT.
import type { StoredObject } from '../../apis/meta.js'
import { invalid, notSupported, required, type FieldError } from '../../apis/validation.js'
import { isDNS1123Subdomain } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import { ageColumn, column, creationTimestampDescription, nameColumn } from '../columns.js'
import { goInvalid, goQuote, goStringSlice } from '../apps/gosyntax.js'
import { isObj, validateLabelSelector } from '../apps/workload.js'
import type { ResourceDef, TableColumn } from '../types.js'

export const rbacGroup = 'rbac.authorization.k8s.io'

/** upstream path.IsValidPathSegmentName: what a Role, ClusterRole or binding may be called. */
export function isValidPathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`]
  const errs: string[] = []
  if (name.includes('/')) errs.push("may not contain '/'")
  if (name.includes('%')) errs.push("may not contain '%'")
  return errs
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

/** ValidatePolicyRule: verbs always; either non-resource URLs (cluster roles only) or groups and resources. */
export function validatePolicyRule(rule: unknown, namespaced: boolean, path: string): FieldError[] {
  const r = isObj(rule) ? rule : {}
  const errs: FieldError[] = []
  if (strings(r.verbs).length === 0) errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'))
  const urls = strings(r.nonResourceURLs)
  if (urls.length > 0) {
    if (namespaced) errs.push(goInvalid(`${path}.nonResourceURLs`, urls, goStringSlice(urls), 'namespaced rules cannot apply to non-resource URLs'))
    if (strings(r.apiGroups).length > 0 || strings(r.resources).length > 0 || strings(r.resourceNames).length > 0)
      errs.push(goInvalid(`${path}.nonResourceURLs`, urls, goStringSlice(urls), 'rules cannot apply to both regular resources and non-resource URLs'))
    return errs
  }
  if (strings(r.apiGroups).length === 0) errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'))
  if (strings(r.resources).length === 0) errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'))
  return errs
}

function validateRules(obj: StoredObject, namespaced: boolean): FieldError[] {
  const rules = Array.isArray(obj.rules) ? obj.rules : []
  return rules.flatMap((rule, i) => validatePolicyRule(rule, namespaced, `rules[${i}]`))
}

function validateClusterRole(obj: StoredObject): FieldError[] {
  const errs = validateRules(obj, false)
  const agg = obj.aggregationRule
  if (agg !== undefined && agg !== null) {
    const selectors = isObj(agg) && Array.isArray(agg.clusterRoleSelectors) ? agg.clusterRoleSelectors : []
    if (selectors.length === 0) errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'))
    selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)))
  }
  return errs
}

const subjectKinds = ['ServiceAccount', 'User', 'Group']

/** ValidateRoleBindingSubject. */
function validateSubject(subject: unknown, namespaced: boolean, path: string): FieldError[] {
  const s = isObj(subject) ? subject : {}
  const errs: FieldError[] = []
  const name = typeof s.name === 'string' ? s.name : ''
  const apiGroup = typeof s.apiGroup === 'string' ? s.apiGroup : ''
  if (name === '') errs.push(required(`${path}.name`, ''))
  switch (s.kind) {
    case 'ServiceAccount':
      if (name !== '') for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(`${path}.name`, name, msg))
      if (apiGroup !== '') errs.push(notSupported(`${path}.apiGroup`, apiGroup, ['']))
      if (!namespaced && !(typeof s.namespace === 'string' && s.namespace)) errs.push(required(`${path}.namespace`, ''))
      break
    case 'User':
    case 'Group':
      if (apiGroup !== rbacGroup) errs.push(notSupported(`${path}.apiGroup`, apiGroup, [rbacGroup]))
      break
    default:
      errs.push(notSupported(`${path}.kind`, s.kind ?? '', subjectKinds))
  }
  return errs
}

/** ValidateRoleBinding / ValidateClusterRoleBinding. */
function validateBinding(obj: StoredObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = []
  const ref = isObj(obj.roleRef) ? obj.roleRef : {}
  const apiGroup = typeof ref.apiGroup === 'string' ? ref.apiGroup : ''
  if (apiGroup !== rbacGroup) errs.push(notSupported('roleRef.apiGroup', apiGroup, [rbacGroup]))
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole']
  if (!kinds.includes(ref.kind as string)) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds))
  const name = typeof ref.name === 'string' ? ref.name : ''
  if (name === '') errs.push(required('roleRef.name', ''))
  else for (const msg of isValidPathSegmentName(name)) errs.push(invalid('roleRef.name', name, msg))
  const subjects = Array.isArray(obj.subjects) ? obj.subjects : []
  subjects.forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)))
  return errs
}

/** `rbac.RoleRef{APIGroup:"...", Kind:"Role", Name:"x"}`, as upstream's `%#v` of the internal type. */
function goRoleRef(ref: unknown): string {
  const r = isObj(ref) ? ref : {}
  const s = (v: unknown) => goQuote(typeof v === 'string' ? v : '')
  return `rbac.RoleRef{APIGroup:${s(r.apiGroup)}, Kind:${s(r.kind)}, Name:${s(r.name)}}`
}

function validateBindingUpdate(obj: StoredObject, old: StoredObject, namespaced: boolean): FieldError[] {
  const errs = validateBinding(obj, namespaced)
  const a = isObj(obj.roleRef) ? obj.roleRef : {}
  const b = isObj(old.roleRef) ? old.roleRef : {}
  if (a.apiGroup !== b.apiGroup || a.kind !== b.kind || a.name !== b.name) errs.push(goInvalid('roleRef', obj.roleRef, goRoleRef(obj.roleRef), 'cannot change roleRef'))
  return errs
}

/** `kubectl get rolebindings` cells: ROLE `Kind/name`; USERS, GROUPS, SERVICEACCOUNTS (`ns/name`) with -o wide. */
function bindingCells(obj: StoredObject, now: Date): unknown[] {
  const ref = isObj(obj.roleRef) ? obj.roleRef : {}
  const subjects = (Array.isArray(obj.subjects) ? obj.subjects : []).filter(isObj)
  const users = subjects.filter((s) => s.kind === 'User').map((s) => String(s.name ?? ''))
  const groups = subjects.filter((s) => s.kind === 'Group').map((s) => String(s.name ?? ''))
  const sas = subjects.filter((s) => s.kind === 'ServiceAccount').map((s) => `${String(s.namespace ?? '')}/${String(s.name ?? '')}`)
  return [obj.metadata.name ?? '', `${String(ref.kind ?? '')}/${String(ref.name ?? '')}`, age(obj.metadata.creationTimestamp as string | undefined, now), users.join(', '), groups.join(', '), sas.join(', ')]
}

function bindingColumns(what: 'roleBinding' | 'clusterRoleBinding', roleRefDoc: string): TableColumn[] {
  return [
    nameColumn,
    column('Role', 'string', roleRefDoc),
    ageColumn,
    column('Users', 'string', `Users in the ${what}`, true),
    column('Groups', 'string', `Groups in the ${what}`, true),
    column('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, true),
  ]
}

const createdAt: TableColumn = { name: 'Created At', type: 'date', format: '', description: creationTimestampDescription, priority: 0 }
const createdAtTable = { columns: [nameColumn, createdAt], cells: (obj: StoredObject) => [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? ''] }

export const roles: ResourceDef = {
  group: rbacGroup,
  version: 'v1',
  kind: 'Role',
  resource: 'roles',
  singular: 'role',
  namespaced: true,
  nameValidator: isValidPathSegmentName,
  validate: (obj) => validateRules(obj, true),
  table: createdAtTable,
}

export const clusterRoles: ResourceDef = {
  group: rbacGroup,
  version: 'v1',
  kind: 'ClusterRole',
  resource: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  nameValidator: isValidPathSegmentName,
  validate: validateClusterRole,
  table: createdAtTable,
}

export const roleBindings: ResourceDef = {
  group: rbacGroup,
  version: 'v1',
  kind: 'RoleBinding',
  resource: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  nameValidator: isValidPathSegmentName,
  validate: (obj) => validateBinding(obj, true),
  validateUpdate: (obj, old) => validateBindingUpdate(obj, old, true),
  table: {
    columns: bindingColumns(
      'roleBinding',
      'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.',
    ),
    cells: bindingCells,
  },
}

export const clusterRoleBindings: ResourceDef = {
  group: rbacGroup,
  version: 'v1',
  kind: 'ClusterRoleBinding',
  resource: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  nameValidator: isValidPathSegmentName,
  validate: (obj) => validateBinding(obj, false),
  validateUpdate: (obj, old) => validateBindingUpdate(obj, old, false),
  table: {
    columns: bindingColumns(
      'clusterRoleBinding',
      'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.',
    ),
    cells: bindingCells,
  },
}
