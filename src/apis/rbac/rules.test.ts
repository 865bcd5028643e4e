// Table tests after upstream's plugin/pkg/auth/authorizer/rbac/rbac_test.go (TestAuthorizer,
// TestRuleMatches) and pkg/registry/rbac/validation (appliesTo).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { authorize, ruleAllows, rulesFor, type Attributes, type Binding, type Policy, type PolicyRule, type Role } from './rules.js'

const rbac = 'rbac.authorization.k8s.io'
const split = (s: string) => s.split(',')
const newRule = (verbs: string, apiGroups: string, resources: string, urls: string): PolicyRule => ({ verbs: split(verbs), apiGroups: split(apiGroups), resources: split(resources), nonResourceURLs: split(urls) })

function subjects(list: string[]) {
  return list.map((s) => {
    const [kind, ...rest] = s.split(':')
    const name = rest.join(':')
    if (kind === 'ServiceAccount') {
      const [namespace, n] = name.includes('/') ? name.split('/') : ['', name]
      return { kind, name: n, ...(namespace ? { namespace } : {}), apiGroup: '' }
    }
    return { kind, name, apiGroup: rbac }
  })
}

interface Fixture {
  roles?: Role[]
  clusterRoles?: Role[]
  roleBindings?: Binding[]
  clusterRoleBindings?: Binding[]
}

function policy(f: Fixture): Policy {
  return {
    clusterRoleBindings: () => f.clusterRoleBindings ?? [],
    roleBindings: (ns) => (f.roleBindings ?? []).filter((b) => b.metadata.namespace === ns),
    clusterRole: (name) => f.clusterRoles?.find((r) => r.metadata.name === name),
    role: (ns, name) => f.roles?.find((r) => r.metadata.name === name && r.metadata.namespace === ns),
  }
}

const clusterRole = (name: string, ...rules: PolicyRule[]): Role => ({ metadata: { name }, rules })
const crb = (role: string, ...subs: string[]): Binding => ({ metadata: { name: role }, roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role }, subjects: subjects(subs) })
const rb = (ns: string, role: string, kind: 'Role' | 'ClusterRole', ...subs: string[]): Binding => ({ metadata: { name: role, namespace: ns }, roleRef: { apiGroup: rbac, kind, name: role }, subjects: subjects(subs) })

/** user, groups, verb, resource, subresource, namespace, apiGroup: upstream's defaultAttributes. */
const res = (user: string, groups: string, verb: string, resource: string, subresource: string, namespace: string, apiGroup: string): Attributes => ({
  user: { username: user, groups: groups ? split(groups) : [] },
  verb,
  resourceRequest: true,
  resource,
  subresource,
  namespace,
  apiGroup,
})
const path = (user: string, groups: string[], verb: string, p: string): Attributes => ({ user: { username: user, groups }, verb, resourceRequest: false, path: p })

const cases: { name: string; fixture: Fixture; pass: Attributes[]; fail: Attributes[] }[] = [
  {
    name: 'a RoleBinding to a ClusterRole grants in its namespace only, to its user and its groups',
    fixture: { clusterRoles: [clusterRole('admin', newRule('*', '*', '*', '*'))], roleBindings: [rb('ns1', 'admin', 'ClusterRole', 'User:admin', 'Group:admins')] },
    pass: [
      res('admin', '', 'get', 'Pods', '', 'ns1', ''),
      res('admin', '', 'watch', 'Pods', '', 'ns1', ''),
      res('admin', 'group1', 'watch', 'Foobar', '', 'ns1', ''),
      res('joe', 'admins', 'watch', 'Foobar', '', 'ns1', ''),
      res('joe', 'group1,admins', 'watch', 'Foobar', '', 'ns1', ''),
    ],
    fail: [res('admin', '', 'GET', 'Pods', '', 'ns2', ''), res('admin', '', 'GET', 'Nodes', '', '', ''), res('admin', 'admins', 'GET', 'Pods', '', 'ns2', ''), res('admin', 'admins', 'GET', 'Nodes', '', '', '')],
  },
  {
    name: 'non-resource URLs: exact, any verb, and a trailing * as a prefix',
    fixture: {
      clusterRoles: [
        clusterRole('non-resource-url-getter', newRule('get', '', '', '/apis')),
        clusterRole('non-resource-url', newRule('*', '', '', '/apis')),
        clusterRole('non-resource-url-prefix', newRule('get', '', '', '/apis/*')),
      ],
      clusterRoleBindings: [crb('non-resource-url-getter', 'User:foo', 'Group:bar'), crb('non-resource-url', 'User:admin', 'Group:admin'), crb('non-resource-url-prefix', 'User:prefixed', 'Group:prefixed')],
    },
    pass: [
      path('foo', [], 'get', '/apis'),
      path('', ['bar'], 'get', '/apis'),
      path('admin', [], 'get', '/apis'),
      path('', ['admin'], 'get', '/apis'),
      path('admin', [], 'watch', '/apis'),
      path('', ['admin'], 'watch', '/apis'),
      path('prefixed', [], 'get', '/apis/v1'),
      path('', ['prefixed'], 'get', '/apis/v1'),
      path('prefixed', [], 'get', '/apis/v1/foobar'),
    ],
    fail: [
      path('foo', [], 'watch', '/apis'),
      path('', ['bar'], 'watch', '/apis'),
      path('foo', [], 'get', '/api/v1'),
      path('admin', [], 'get', '/api/v1'),
      path('prefixed', [], 'get', '/api/v1'),
      path('', ['prefixed'], 'get', '/api/v1'),
    ],
  },
  {
    name: 'a rule on pods does not grant pods/status',
    fixture: { clusterRoles: [clusterRole('admin', newRule('*', '*', 'pods', '*'))], roleBindings: [rb('ns1', 'admin', 'ClusterRole', 'User:admin')] },
    pass: [res('admin', '', 'get', 'pods', '', 'ns1', '')],
    fail: [res('admin', '', 'get', 'pods', 'status', 'ns1', '')],
  },
  {
    name: 'a rule on pods/status does not grant pods',
    fixture: { clusterRoles: [clusterRole('admin', newRule('*', '*', 'pods/status', '*'))], roleBindings: [rb('ns1', 'admin', 'ClusterRole', 'User:admin')] },
    pass: [res('admin', '', 'get', 'pods', 'status', 'ns1', '')],
    fail: [res('admin', '', 'get', 'pods', '', 'ns1', '')],
  },
  {
    name: 'service accounts: by namespace, a RoleBinding subject without one takes the binding namespace; SA groups',
    fixture: {
      roles: [{ metadata: { name: 'reader', namespace: 'ns1' }, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }] }],
      clusterRoles: [clusterRole('viewer', { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] })],
      roleBindings: [rb('ns1', 'reader', 'Role', 'ServiceAccount:default')],
      clusterRoleBindings: [crb('viewer', 'Group:system:serviceaccounts:ns2')],
    },
    pass: [res('system:serviceaccount:ns1:default', '', 'list', 'pods', '', 'ns1', ''), res('system:serviceaccount:ns2:x', 'system:serviceaccounts,system:serviceaccounts:ns2', 'get', 'deployments', '', 'ns9', 'apps')],
    fail: [
      res('system:serviceaccount:ns2:default', '', 'list', 'pods', '', 'ns1', ''),
      res('system:serviceaccount:ns1:default', '', 'list', 'pods', '', 'ns2', ''),
      res('system:serviceaccount:ns1:x', 'system:serviceaccounts,system:serviceaccounts:ns1', 'get', 'deployments', '', 'ns9', 'apps'),
    ],
  },
  {
    name: 'a binding to a role that does not exist grants nothing',
    fixture: { roleBindings: [rb('ns1', 'missing', 'Role', 'User:amy')], clusterRoleBindings: [crb('missing', 'User:amy')] },
    pass: [],
    fail: [res('amy', '', 'get', 'pods', '', 'ns1', '')],
  },
]

for (const c of cases) {
  test(`authorize: ${c.name}`, () => {
    const p = policy(c.fixture)
    for (const a of c.pass) assert.equal(authorize(p, a).allowed, true, `incorrectly restricted ${JSON.stringify(a)}`)
    for (const a of c.fail) assert.equal(authorize(p, a).allowed, false, `incorrectly passed ${JSON.stringify(a)}`)
  })
}

test('ruleAllows: star verb, group and resource; tuple expansion; */subresource; resourceNames', () => {
  const r = (verb: string, group: string, resource: string, subresource = '', name = ''): Attributes => ({ user: { username: 'u', groups: [] }, verb, resourceRequest: true, apiGroup: group, resource, subresource, name })
  const table: [PolicyRule, Attributes, boolean][] = [
    [{ verbs: ['*'], apiGroups: ['group1'], resources: ['resource1'] }, r('verb2', 'group1', 'resource1'), true],
    [{ verbs: ['*'], apiGroups: ['group1'], resources: ['resource1'] }, r('verb1', 'group2', 'resource1'), false],
    [{ verbs: ['verb1'], apiGroups: ['*'], resources: ['resource1'] }, r('verb1', 'group2', 'resource1'), true],
    [{ verbs: ['verb1'], apiGroups: ['*'], resources: ['resource1'] }, r('verb1', 'group2', 'resource2'), false],
    [{ verbs: ['verb1'], apiGroups: ['group1'], resources: ['*'] }, r('verb1', 'group1', 'resource2'), true],
    [{ verbs: ['verb1', 'verb2'], apiGroups: ['group1', 'group2'], resources: ['resource1', 'resource2'] }, r('verb2', 'group2', 'resource2'), true],
    [{ verbs: ['*'], apiGroups: ['*'], resources: ['resource1/subresource1'] }, r('verb1', 'group1', 'resource1', 'subresource1'), true],
    [{ verbs: ['*'], apiGroups: ['*'], resources: ['resource1/subresource1'] }, r('verb1', 'group1', 'resource1', 'subresource2'), false],
    [{ verbs: ['*'], apiGroups: ['*'], resources: ['*/scale'] }, r('update', 'apps', 'deployments', 'scale'), true],
    [{ verbs: ['*'], apiGroups: ['*'], resources: ['*/scale'] }, r('update', 'apps', 'deployments'), false],
    [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, r('get', '', 'configmaps', '', 'a'), true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, r('get', '', 'configmaps', '', 'b'), false],
    [{ verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, r('list', '', 'configmaps'), false],
  ]
  for (const [rule, attrs, want] of table) assert.equal(ruleAllows(attrs, rule), want, `${JSON.stringify(rule)} ${JSON.stringify(attrs)}`)
})

test('the allow reason names the binding, the role and the subject, as upstream', () => {
  const p = policy({
    roles: [{ metadata: { name: 'pod-reader', namespace: 'default' }, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }] }],
    roleBindings: [rb('default', 'pod-reader', 'Role', 'ServiceAccount:default/reader')],
  })
  assert.deepEqual(authorize(p, res('system:serviceaccount:default:reader', '', 'list', 'pods', '', 'default', '')), {
    allowed: true,
    reason: 'RBAC: allowed by RoleBinding "pod-reader/default" of Role "pod-reader" to ServiceAccount "reader/default"',
  })
  assert.deepEqual(authorize(p, res('x', '', 'list', 'pods', '', 'default', '')), { allowed: false, reason: '' })
})

test('rulesFor: cluster-wide rules first, then the namespace rules', () => {
  const p = policy({
    clusterRoles: [clusterRole('c', { verbs: ['get'], nonResourceURLs: ['/x'] })],
    roles: [{ metadata: { name: 'r', namespace: 'ns1' }, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }] }],
    clusterRoleBindings: [crb('c', 'Group:g')],
    roleBindings: [rb('ns1', 'r', 'Role', 'User:u')],
  })
  const u = { username: 'u', groups: ['g'] }
  assert.deepEqual(rulesFor(p, u, 'ns1'), [{ verbs: ['get'], nonResourceURLs: ['/x'] }, { verbs: ['list'], apiGroups: [''], resources: ['pods'] }])
  assert.deepEqual(rulesFor(p, u, undefined), [{ verbs: ['get'], nonResourceURLs: ['/x'] }])
})
