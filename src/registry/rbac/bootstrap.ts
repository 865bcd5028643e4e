// Upstream's bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy, 1.32): the default
// ClusterRoles and ClusterRoleBindings every cluster starts with, created at start and reconciled
// as kube-apiserver's RBAC post-start hook does: an object annotated
// `rbac.authorization.kubernetes.io/autoupdate: "true"` (the default) gets back the rules,
// subjects, labels and annotations it lacks; `"false"` leaves it as the user made it.
// The components of this process reach the API in-process and need no roles of their own.
import type { KObject, StoredObject } from '../../apis/meta.js'
import { uncovered } from '../../apis/rbac/escalation.js'
import type { PolicyRule, Subject } from '../../apis/rbac/rules.js'
import type { ResourceStore } from '../rest.js'
import { rbacGroup } from './rbac.js'
import { controllerRoles, systemClusterRoleBindings, systemClusterRoles } from './bootstrap-system.js'

export const autoupdateAnnotation = 'rbac.authorization.kubernetes.io/autoupdate'
const bootstrapLabels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' }
const read = ['get', 'list', 'watch']
const write = ['create', 'delete', 'deletecollection', 'patch', 'update']
const readWrite = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ apiGroups, resources, verbs })
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs, verbs })

function clusterRole(name: string, rules: PolicyRule[] | null, extra: { labels?: Record<string, string>; aggregateFrom?: string } = {}): KObject {
  return {
    apiVersion: `${rbacGroup}/v1`,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...bootstrapLabels, ...extra.labels }, annotations: { [autoupdateAnnotation]: 'true' } },
    ...(extra.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/${extra.aggregateFrom}`]: 'true' } }] } } : {}),
    rules,
  }
}

const toAdmin = { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }
const toEdit = { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }
const toView = { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }

export const bootstrapClusterRoles: KObject[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  // The user-facing roles are aggregated: their rules are the union of the labelled roles below (and
  // of any ClusterRole a user labels the same way), filled in by the clusterrole-aggregation controller.
  clusterRole('admin', null, { aggregateFrom: 'aggregate-to-admin' }),
  clusterRole('edit', null, { aggregateFrom: 'aggregate-to-edit', labels: toAdmin }),
  clusterRole('view', null, { aggregateFrom: 'aggregate-to-view', labels: toEdit }),
  clusterRole(
    'system:aggregate-to-admin',
    [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(readWrite, [rbacGroup], ['rolebindings', 'roles'])],
    { labels: toAdmin },
  ),
  clusterRole(
    'system:aggregate-to-edit',
    [
      rule(read, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(write, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
      rule(['create'], [''], ['pods/eviction']),
      rule(write, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(write, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
      rule(write, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(write, ['batch'], ['cronjobs', 'jobs']),
      rule(write, ['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale']),
      rule(write, ['policy'], ['poddisruptionbudgets']),
      rule(write, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
      rule(readWrite, ['coordination.k8s.io'], ['leases']),
    ],
    { labels: toEdit },
  ),
  clusterRole(
    'system:aggregate-to-view',
    [
      rule(read, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
      rule(read, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
      rule(read, [''], ['namespaces']),
      rule(read, ['discovery.k8s.io'], ['endpointslices']),
      rule(read, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
      rule(read, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(read, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
      rule(read, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale']),
      rule(read, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(read, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
    ],
    { labels: toView },
  ),
  clusterRole('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
  clusterRole('system:basic-user', [
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ]),
  clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
  ...systemClusterRoles.map((r) => clusterRole(r.name, r.rules)),
  ...controllerRoles.map((r) => clusterRole(`system:controller:${r.name}`, r.rules)),
  // What upstream's Node authorizer grants a kubelet beyond system:node, for the objects its pods
  // reference (kubelite's agent follows them with list+watch), and kubeadm's get-nodes.
  clusterRole('kubelite:node-references', [rule(['list', 'watch'], [''], ['configmaps', 'persistentvolumeclaims', 'secrets']), rule(['get', 'list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])]),
  clusterRole('kubeadm:get-nodes', [rule(['get'], [''], ['nodes'])]),
]

const group = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'Group', name })

function clusterRoleBinding(name: string, subjects: Subject[] | null, role = name): KObject {
  return {
    apiVersion: `${rbacGroup}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...bootstrapLabels }, annotations: { [autoupdateAnnotation]: 'true' } },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: role },
    ...(subjects ? { subjects } : {}),
  }
}

const nodeToken = group('system:bootstrappers:kubeadm:default-node-token')

export const bootstrapClusterRoleBindings: KObject[] = [
  clusterRoleBinding('cluster-admin', [group('system:masters')]),
  clusterRoleBinding('system:basic-user', [group('system:authenticated')]),
  clusterRoleBinding('system:discovery', [group('system:authenticated')]),
  clusterRoleBinding('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
  ...systemClusterRoleBindings.map((b) => clusterRoleBinding(b.name, b.subjects)),
  ...controllerRoles.map((r) => clusterRoleBinding(`system:controller:${r.name}`, [{ kind: 'ServiceAccount', name: r.name, namespace: 'kube-system' }])),
  // kubeadm's bindings for joining nodes (kubeadm init's bootstrap-token phase).
  clusterRoleBinding('kubeadm:kubelet-bootstrap', [nodeToken], 'system:node-bootstrapper'),
  clusterRoleBinding('kubeadm:node-autoapprove-bootstrap', [nodeToken], 'system:certificates.k8s.io:certificatesigningrequests:nodeclient'),
  clusterRoleBinding('kubeadm:node-autoapprove-certificate-rotation', [group('system:nodes')], 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient'),
  clusterRoleBinding('kubeadm:get-nodes', [nodeToken]),
  // Nodes act as system:node:<name> in group system:nodes (their client certificates): the roles a
  // kubelet and kube-proxy need, bound to the group (upstream narrows these with the Node authorizer).
  clusterRoleBinding('kubelite:node', [group('system:nodes')], 'system:node'),
  clusterRoleBinding('kubelite:node-proxier', [group('system:nodes')], 'system:node-proxier'),
  clusterRoleBinding('kubelite:node-references', [group('system:nodes')]),
]

const sameSubject = (a: Subject, b: Subject) => a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '') && (a.apiGroup ?? '') === (b.apiGroup ?? '')

/** The reconciled object, or undefined when `live` needs nothing (or opted out with autoupdate "false"). Pure. */
export function reconcileBootstrapObject(expected: KObject, live: StoredObject): StoredObject | undefined {
  if (live.metadata.annotations?.[autoupdateAnnotation] === 'false') return undefined
  const next = structuredClone(live)
  let changed = false
  for (const key of ['labels', 'annotations'] as const) {
    const want = expected.metadata?.[key] ?? {}
    const have = next.metadata[key] ?? {}
    for (const [k, v] of Object.entries(want)) {
      if (!(k in have)) {
        have[k] = v
        changed = true
      }
    }
    if (Object.keys(have).length) next.metadata[key] = have
  }
  if (expected.kind === 'ClusterRole') {
    const missing = uncovered((next.rules as PolicyRule[] | null) ?? [], (expected.rules as PolicyRule[] | null) ?? [])
    if (missing.length) {
      next.rules = [...((next.rules as PolicyRule[] | null) ?? []), ...missing]
      changed = true
    }
    const want = (expected.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined)?.clusterRoleSelectors ?? []
    if (want.length) {
      const agg = (next.aggregationRule ??= {}) as { clusterRoleSelectors?: unknown[] }
      const have = (agg.clusterRoleSelectors ??= [])
      for (const s of want) {
        if (!have.some((h) => JSON.stringify(h) === JSON.stringify(s))) {
          have.push(s)
          changed = true
        }
      }
    }
  } else {
    const have = ((next.subjects as Subject[] | null) ?? []).slice()
    for (const s of (expected.subjects as Subject[]) ?? []) {
      if (!have.some((h) => sameSubject(h, s))) {
        have.push(s)
        changed = true
      }
    }
    next.subjects = have
  }
  return changed ? next : undefined
}

/** Creates what is missing and reconciles what is there (idempotent; run at every start). */
export async function ensureBootstrapPolicy(clusterRoles: ResourceStore, clusterRoleBindings: ResourceStore): Promise<void> {
  // One list per kind (not a get per object): ~100 objects are checked on every start.
  const [roles, bindings] = await Promise.all([clusterRoles.list(undefined), clusterRoleBindings.list(undefined)])
  const byName = (items: StoredObject[]) => new Map(items.map((o) => [o.metadata.name ?? '', o]))
  const sync = async (rs: ResourceStore, existing: Map<string, StoredObject>, expected: KObject) => {
    const name = expected.metadata!.name!
    const live = existing.get(name)
    if (!live) {
      await rs.create(undefined, structuredClone(expected), { fieldManager: 'kube-apiserver' }).catch((err: { status?: { reason?: string } }) => {
        if (err.status?.reason !== 'AlreadyExists') throw err
      })
      return
    }
    const next = reconcileBootstrapObject(expected, live)
    if (next) await rs.update(undefined, name, next, { fieldManager: 'kube-apiserver' })
  }
  const liveRoles = byName(roles.items)
  const liveBindings = byName(bindings.items)
  // Independent objects: written at once, so a first start pays one group commit, not ~100 in a row.
  await Promise.all([...bootstrapClusterRoles.map((r) => sync(clusterRoles, liveRoles, r)), ...bootstrapClusterRoleBindings.map((b) => sync(clusterRoleBindings, liveBindings, b))])
}
