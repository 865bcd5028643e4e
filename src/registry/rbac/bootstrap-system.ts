// The component and controller roles of upstream's bootstrap policy (1.32, default feature gates):
// `system:node`, `system:node-proxier`, `system:kube-scheduler`, `system:kube-controller-manager`,
// `system:volume-scheduler`, ... and one `system:controller:<name>` ClusterRole per
// kube-controller-manager controller, bound to the service account `kube-system/<name>` (what
// --use-service-account-credentials makes each controller run as in a kubeadm cluster). Data only:
// bootstrap.ts creates and reconciles them. Verbs, groups and resources are sorted as upstream's
// rule builder sorts them.
import type { PolicyRule, Subject } from '../../apis/rbac/rules.js'

const rbacGroup = 'rbac.authorization.k8s.io'
const sorted = (xs: string[]) => [...new Set(xs)].sort()

/** A resource rule: verbs on resources of groups, optionally only the named objects. */
export function rule(verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return { apiGroups: sorted(apiGroups), resources: sorted(resources), verbs: sorted(verbs), ...(resourceNames ? { resourceNames } : {}) }
}
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs: sorted(nonResourceURLs), verbs: sorted(verbs) })

const read = ['get', 'list', 'watch']
const events = rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events'])

/** ClusterRoles of the components (policy.go clusterRoles), alongside the user-facing ones. */
export const systemClusterRoles: { name: string; rules: PolicyRule[] }[] = [
  {
    name: 'system:node',
    rules: [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
      rule(read, [''], ['services']),
      rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
      rule(['update', 'patch'], [''], ['nodes/status']),
      rule(['update', 'patch'], [''], ['nodes']),
      rule(['create', 'update', 'patch'], [''], ['events']),
      rule(read, [''], ['pods']),
      rule(['create', 'delete'], [''], ['pods']),
      rule(['update', 'patch'], [''], ['pods/status']),
      rule(['create'], [''], ['pods/eviction']),
      rule(read, [''], ['secrets', 'configmaps']),
      rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['get'], [''], ['endpoints']),
      rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
      rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
      rule(read, ['storage.k8s.io'], ['csidrivers']),
      rule(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
      rule(read, ['node.k8s.io'], ['runtimeclasses']),
    ],
  },
  {
    name: 'system:node-proxier',
    rules: [rule(['list', 'watch'], [''], ['services', 'endpoints']), rule(read, [''], ['nodes']), events, rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      events,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      rule(read, [''], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
      rule(['create'], [''], ['pods/binding', 'bindings']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(read, [''], ['replicationcontrollers', 'services']),
      rule(read, ['apps', 'extensions'], ['replicasets']),
      rule(read, ['apps'], ['statefulsets']),
      rule(read, ['policy'], ['poddisruptionbudgets']),
      rule(read, [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(read, ['storage.k8s.io'], ['csinodes']),
      rule(read, [''], ['namespaces']),
      rule(read, ['storage.k8s.io'], ['csidrivers']),
      rule(read, ['storage.k8s.io'], ['csistoragecapacities']),
    ],
  },
  {
    name: 'system:kube-controller-manager',
    rules: [
      events,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      rule(['create'], [''], ['secrets', 'serviceaccounts']),
      rule(['delete'], [''], ['secrets']),
      rule(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      rule(['update'], [''], ['secrets', 'serviceaccounts']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [''], ['serviceaccounts/token']),
    ],
  },
  { name: 'system:kube-dns', rules: [rule(['list', 'watch'], [''], ['endpoints', 'services'])] },
  {
    name: 'system:volume-scheduler',
    rules: [rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']), rule(read, ['storage.k8s.io'], ['storageclasses']), rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumeclaims'])],
  },
  {
    name: 'system:persistent-volume-provisioner',
    rules: [
      rule(['create', 'delete', 'get', 'list', 'watch'], [''], ['persistentvolumes']),
      rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      rule(read, ['storage.k8s.io'], ['storageclasses']),
      rule(['watch'], [''], ['events']),
      events,
    ],
  },
  { name: 'system:node-bootstrapper', rules: [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])] },
  { name: 'system:node-problem-detector', rules: [rule(['get'], [''], ['nodes']), rule(['patch'], [''], ['nodes/status']), events] },
  {
    name: 'system:kubelet-api-admin',
    rules: [rule(read, [''], ['nodes']), rule(['proxy'], [''], ['nodes']), rule(['*'], [''], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log'])],
  },
  { name: 'system:auth-delegator', rules: [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])] },
  { name: 'system:kube-aggregator', rules: [rule(read, [''], ['services', 'endpoints'])] },
  { name: 'system:heapster', rules: [rule(read, [''], ['events', 'pods', 'nodes', 'namespaces']), rule(read, ['extensions'], ['deployments'])] },
  { name: 'system:monitoring', rules: [urls(['get'], ['/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*', '/metrics', '/metrics/slis'])] },
  { name: 'system:service-account-issuer-discovery', rules: [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', rules: [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', rules: [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])] },
  { name: 'system:certificates.k8s.io:kube-apiserver-client-approver', rules: [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client'])] },
  { name: 'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', rules: [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])] },
  { name: 'system:certificates.k8s.io:kubelet-serving-approver', rules: [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kubelet-serving'])] },
  { name: 'system:certificates.k8s.io:legacy-unknown-approver', rules: [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/legacy-unknown'])] },
]

const user = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'User', name })
const group = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'Group', name })

/**
 * Their ClusterRoleBindings (policy.go ClusterRoleBindings). `system:node` is bound to no one, as
 * upstream since 1.8: the Node authorizer grants kubelets their access.
 */
export const systemClusterRoleBindings: { name: string; subjects: Subject[] | null }[] = [
  { name: 'system:node', subjects: null },
  { name: 'system:node-proxier', subjects: [user('system:kube-proxy')] },
  { name: 'system:kube-controller-manager', subjects: [user('system:kube-controller-manager')] },
  { name: 'system:kube-dns', subjects: [{ kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' }] },
  { name: 'system:kube-scheduler', subjects: [user('system:kube-scheduler')] },
  { name: 'system:volume-scheduler', subjects: [user('system:kube-scheduler')] },
  { name: 'system:monitoring', subjects: [group('system:monitoring')] },
  { name: 'system:service-account-issuer-discovery', subjects: [group('system:serviceaccounts')] },
]

const rw = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']

/** controller_policy.go: `system:controller:<name>` → its rules (bound to kube-system/<name>). */
export const controllerRoles: { name: string; rules: PolicyRule[] }[] = [
  {
    name: 'attachdetach-controller',
    rules: [
      rule(['list', 'watch'], [''], ['persistentvolumes', 'persistentvolumeclaims']),
      rule(read, [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['list', 'watch'], [''], ['pods']),
      events,
      rule(['get', 'create', 'delete', 'list', 'watch'], ['storage.k8s.io'], ['volumeattachments']),
      rule(read, ['storage.k8s.io'], ['csidrivers']),
      rule(read, ['storage.k8s.io'], ['csinodes']),
    ],
  },
  { name: 'clusterrole-aggregation-controller', rules: [rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], [rbacGroup], ['clusterroles'])] },
  {
    name: 'cronjob-controller',
    rules: [
      rule(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
      rule(rw, ['batch'], ['jobs']),
      rule(['update'], ['batch'], ['cronjobs/status']),
      rule(['update'], ['batch'], ['cronjobs/finalizers']),
      rule(['list', 'watch', 'delete'], [''], ['pods']),
      events,
    ],
  },
  {
    name: 'daemon-set-controller',
    rules: [
      rule(read, ['extensions', 'apps'], ['daemonsets']),
      rule(['update'], ['extensions', 'apps'], ['daemonsets/status']),
      rule(['update'], ['extensions', 'apps'], ['daemonsets/finalizers']),
      rule(['list', 'watch'], [''], ['nodes']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
      rule(['create'], [''], ['pods/binding']),
      rule(rw, ['apps'], ['controllerrevisions']),
      events,
    ],
  },
  {
    name: 'deployment-controller',
    rules: [
      rule(['get', 'list', 'watch', 'update'], ['extensions', 'apps'], ['deployments']),
      rule(['update'], ['extensions', 'apps'], ['deployments/status']),
      rule(['update'], ['extensions', 'apps'], ['deployments/finalizers']),
      rule(rw, ['apps', 'extensions'], ['replicasets']),
      rule(['get', 'list', 'watch', 'update'], [''], ['pods']),
      events,
    ],
  },
  {
    name: 'disruption-controller',
    rules: [
      rule(read, ['extensions', 'apps'], ['deployments']),
      rule(read, ['apps', 'extensions'], ['replicasets']),
      rule(read, [''], ['replicationcontrollers']),
      rule(read, ['policy'], ['poddisruptionbudgets']),
      rule(read, ['apps'], ['statefulsets']),
      rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['get'], ['*'], ['*/scale']),
      events,
    ],
  },
  {
    name: 'endpoint-controller',
    rules: [rule(read, [''], ['services', 'pods']), rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['endpoints']), rule(['create'], [''], ['endpoints/restricted']), events],
  },
  {
    name: 'endpointslice-controller',
    rules: [rule(read, [''], ['services', 'pods', 'nodes']), rule(['update'], [''], ['services/finalizers']), rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']), events],
  },
  {
    name: 'endpointslicemirroring-controller',
    rules: [
      rule(read, [''], ['services', 'endpoints']),
      rule(['update'], [''], ['services/finalizers']),
      rule(['update'], [''], ['endpoints/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
      events,
    ],
  },
  {
    name: 'ephemeral-volume-controller',
    rules: [rule(read, [''], ['pods']), rule(['update'], [''], ['pods/finalizers']), rule(['get', 'list', 'watch', 'create'], [''], ['persistentvolumeclaims']), events],
  },
  {
    name: 'expand-controller',
    rules: [
      rule(['get', 'list', 'watch', 'update', 'patch'], [''], ['persistentvolumes']),
      rule(['update', 'patch'], [''], ['persistentvolumeclaims/status']),
      rule(read, [''], ['persistentvolumeclaims']),
      events,
      rule(['get'], [''], ['services']),
    ],
  },
  { name: 'generic-garbage-collector', rules: [rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']), events] },
  {
    name: 'horizontal-pod-autoscaler',
    rules: [
      rule(read, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
      rule(['get', 'update'], ['*'], ['*/scale']),
      rule(['list', 'watch'], [''], ['pods']),
      rule(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
      rule(read, ['custom.metrics.k8s.io'], ['*']),
      rule(read, ['external.metrics.k8s.io'], ['*']),
      events,
    ],
  },
  {
    name: 'job-controller',
    rules: [
      rule(['get', 'list', 'watch', 'update', 'patch'], ['batch'], ['jobs']),
      rule(['update'], ['batch'], ['jobs/status']),
      rule(['update'], ['batch'], ['jobs/finalizers']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
      events,
    ],
  },
  {
    name: 'legacy-service-account-token-cleaner',
    rules: [rule(['get'], [''], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']), rule(['patch', 'delete'], [''], ['secrets'])],
  },
  {
    name: 'namespace-controller',
    rules: [rule(['get', 'list', 'watch', 'delete'], [''], ['namespaces']), rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']), rule(['get', 'list', 'watch', 'delete', 'deletecollection'], ['*'], ['*'])],
  },
  {
    name: 'node-controller',
    rules: [
      rule(['get', 'list', 'watch', 'update', 'delete', 'patch'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['list', 'watch', 'get', 'delete'], [''], ['pods']),
      events,
    ],
  },
  {
    name: 'persistent-volume-binder',
    rules: [
      rule(['get', 'list', 'watch', 'update', 'create', 'delete'], [''], ['persistentvolumes']),
      rule(['update'], [''], ['persistentvolumes/status']),
      rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
      rule(['update'], [''], ['persistentvolumeclaims/status']),
      rule(['list', 'watch', 'get', 'create', 'delete'], [''], ['pods']),
      rule(read, ['storage.k8s.io'], ['storageclasses']),
      rule(['list', 'watch'], [''], ['nodes']),
      events,
      rule(['watch'], [''], ['events']),
      rule(['get'], [''], ['services']),
    ],
  },
  { name: 'pod-garbage-collector', rules: [rule(['list', 'watch', 'delete'], [''], ['pods']), rule(read, [''], ['nodes']), rule(['patch'], [''], ['pods/status'])] },
  { name: 'pv-protection-controller', rules: [rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumes']), events] },
  { name: 'pvc-protection-controller', rules: [rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']), rule(read, [''], ['pods']), events] },
  {
    name: 'replicaset-controller',
    rules: [
      rule(['get', 'list', 'watch', 'update'], ['apps', 'extensions'], ['replicasets']),
      rule(['update'], ['apps', 'extensions'], ['replicasets/status']),
      rule(['update'], ['apps', 'extensions'], ['replicasets/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
      events,
    ],
  },
  {
    name: 'replication-controller',
    rules: [
      rule(['get', 'list', 'watch', 'update'], [''], ['replicationcontrollers']),
      rule(['update'], [''], ['replicationcontrollers/status']),
      rule(['update'], [''], ['replicationcontrollers/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
      events,
    ],
  },
  { name: 'resourcequota-controller', rules: [rule(['list', 'watch'], ['*'], ['*']), rule(['update'], [''], ['resourcequotas/status']), events] },
  { name: 'root-ca-cert-publisher', rules: [rule(['create', 'update'], [''], ['configmaps']), events] },
  { name: 'route-controller', rules: [rule(['list', 'watch'], [''], ['nodes']), rule(['patch'], [''], ['nodes/status']), events] },
  { name: 'service-account-controller', rules: [rule(['create'], [''], ['serviceaccounts']), events] },
  { name: 'service-controller', rules: [rule(read, [''], ['services']), rule(['patch', 'update'], [''], ['services/status']), rule(['list', 'watch'], [''], ['nodes']), events] },
  {
    name: 'statefulset-controller',
    rules: [
      rule(['list', 'watch'], [''], ['pods']),
      rule(read, ['apps'], ['statefulsets']),
      rule(['update'], ['apps'], ['statefulsets/status']),
      rule(['update'], ['apps'], ['statefulsets/finalizers']),
      rule(['get', 'create', 'delete', 'update', 'patch'], [''], ['pods']),
      rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], ['apps'], ['controllerrevisions']),
      rule(['get', 'create', 'list', 'watch'], [''], ['persistentvolumeclaims']),
      rule(['update', 'delete'], [''], ['persistentvolumeclaims']),
      rule(['update'], [''], ['pods/finalizers']),
      events,
    ],
  },
  { name: 'ttl-after-finished-controller', rules: [rule(['get', 'list', 'watch', 'delete'], ['batch'], ['jobs']), events] },
  { name: 'ttl-controller', rules: [rule(['update', 'patch', 'list', 'watch'], [''], ['nodes']), events] },
  {
    name: 'certificate-controller',
    rules: [
      rule(['get', 'list', 'watch', 'delete'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
      rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
      rule(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/legacy-unknown', 'kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      events,
    ],
  },
  {
    name: 'validatingadmissionpolicy-status-controller',
    rules: [rule(read, ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']), rule(['get', 'patch', 'update'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies/status']), events],
  },
]
