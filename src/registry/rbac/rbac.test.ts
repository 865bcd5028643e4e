import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { reconcileBootstrapObject, bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap.js'
import { clusterRoleBindings, clusterRoles, roleBindings, roles } from './rbac.js'

const obj = (o: Record<string, unknown>) => ({ metadata: { name: 'x', namespace: 'default' }, ...o }) as StoredObject
const messages = (errs: { field: string }[]) => errs.map((e) => fieldErrorMessage(e as never))

test('policy rules: verbs, groups and resources required; non-resource URLs only in cluster roles and alone', () => {
  assert.deepEqual(messages(roles.validate!(obj({ rules: [{ resources: ['pods'] }] }))), [
    'rules[0].verbs: Required value: verbs must contain at least one value',
    'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
  ])
  assert.deepEqual(messages(roles.validate!(obj({ rules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] }))), ['rules[0].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs'])
  assert.deepEqual(messages(clusterRoles.validate!(obj({ rules: [{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }] }))), [
    'rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs',
  ])
  assert.deepEqual(messages(clusterRoles.validate!(obj({ aggregationRule: {} }))), ['aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil'])
  assert.deepEqual(roles.nameValidator('a/b'), ["may not contain '/'"])
})

test('bindings: roleRef group and kind, subjects; roleRef cannot change', () => {
  const ref = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }
  assert.deepEqual(messages(clusterRoleBindings.validate!(obj({ roleRef: ref, subjects: [{ kind: 'ServiceAccount', name: 'sa' }, { kind: 'Robot', name: 'r' }] }))), [
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    'subjects[0].namespace: Required value',
    'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
  ])
  assert.deepEqual(messages(roleBindings.validate!(obj({ roleRef: { ...ref, apiGroup: '' }, subjects: [{ kind: 'User', name: 'u' }] }))), [
    'roleRef.apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
    'subjects[0].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
  ])
  assert.deepEqual(messages(roleBindings.validateUpdate!(obj({ roleRef: { ...ref, name: 'other' } }), obj({ roleRef: ref }))), [
    'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef',
  ])
})

test('RoleBinding table: ROLE as Kind/name; users, groups and service accounts (-o wide)', () => {
  const b = obj({ roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'a' }, { kind: 'Group', name: 'g' }, { kind: 'ServiceAccount', name: 's', namespace: 'ns' }, { kind: 'User', name: 'b' }] })
  assert.deepEqual(roleBindings.table.columns.map((c) => `${c.name}:${c.priority}`), ['Name:0', 'Role:0', 'Age:0', 'Users:1', 'Groups:1', 'ServiceAccounts:1'])
  assert.deepEqual(roleBindings.table.cells(b, new Date()), ['x', 'ClusterRole/view', '<unknown>', 'a, b', 'g', 'ns/s'])
})

test('bootstrap reconcile: missing rules, subjects and labels come back; autoupdate "false" is left alone', () => {
  const discovery = bootstrapClusterRoles.find((r) => r.metadata?.name === 'system:discovery')!
  const trimmed = { ...structuredClone(discovery), rules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }], metadata: { name: 'system:discovery' } } as StoredObject
  const next = reconcileBootstrapObject(discovery, trimmed)!
  assert.equal((next.rules as unknown[]).length, 11)
  assert.equal(next.metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true')
  assert.equal(reconcileBootstrapObject(discovery, { ...trimmed, metadata: { name: 'system:discovery', annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } } }), undefined)
  assert.equal(reconcileBootstrapObject(discovery, structuredClone(discovery) as StoredObject), undefined)

  const masters = bootstrapClusterRoleBindings.find((b) => b.metadata?.name === 'cluster-admin')!
  const emptied = { ...structuredClone(masters), subjects: [] } as StoredObject
  assert.deepEqual(reconcileBootstrapObject(masters, emptied)!.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }])
})

test('bootstrap policy: controller service accounts, the scheduler and kube-proxy hold upstream rules', async () => {
  const { authorize } = await import('../../apis/rbac/rules.js')
  const policy = {
    clusterRoleBindings: () => bootstrapClusterRoleBindings as never[],
    roleBindings: () => [],
    clusterRole: (name: string) => bootstrapClusterRoles.find((r) => r.metadata?.name === name) as never,
    role: () => undefined,
  }
  const sa = (name: string) => ({ username: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] })
  const can = (user: { username: string; groups: string[] }, verb: string, apiGroup: string, resource: string, subresource = '') =>
    authorize(policy, { user, verb, resourceRequest: true, apiGroup, resource, subresource, namespace: 'default', name: '' }).allowed
  assert.equal(can(sa('deployment-controller'), 'create', 'apps', 'replicasets'), true)
  assert.equal(can(sa('deployment-controller'), 'delete', 'apps', 'deployments'), false)
  assert.equal(can(sa('deployment-controller'), 'update', 'apps', 'deployments', 'status'), true)
  assert.equal(can(sa('replicaset-controller'), 'create', '', 'pods'), true)
  assert.equal(can(sa('replicaset-controller'), 'get', '', 'secrets'), false)
  assert.equal(can(sa('generic-garbage-collector'), 'delete', 'batch', 'jobs'), true)
  const scheduler = { username: 'system:kube-scheduler', groups: ['system:authenticated'] }
  assert.equal(can(scheduler, 'create', '', 'pods', 'binding'), true)
  assert.equal(can(scheduler, 'patch', '', 'persistentvolumeclaims'), true, 'system:volume-scheduler')
  assert.equal(can(scheduler, 'create', '', 'pods'), false)
  assert.equal(can({ username: 'system:kube-proxy', groups: ['system:authenticated'] }, 'watch', 'discovery.k8s.io', 'endpointslices'), true)
  // system:node is bound to no one: kubelets get their access from the Node authorizer upstream.
  assert.equal(bootstrapClusterRoleBindings.find((b) => b.metadata?.name === 'system:node')?.subjects, undefined)
  const names = bootstrapClusterRoles.map((r) => r.metadata!.name!)
  assert.equal(new Set(names).size, names.length)
  for (const n of ['system:node', 'system:node-proxier', 'system:kube-scheduler', 'system:kube-controller-manager', 'system:controller:statefulset-controller']) assert.ok(names.includes(n), n)
})
