// What the decoder covers: the kinds it accepts at the top level, and the messages it converts
// specially instead of field by field (their JSON form is not their protobuf form).

/** `apiVersion kind` (as in runtime.Unknown's typeMeta) → the table's message name. */
export const rootKinds: Record<string, string> = {
  'apps/v1 Deployment': 'apps.Deployment',
  'apps/v1 ReplicaSet': 'apps.ReplicaSet',
  'batch/v1 Job': 'batch.Job',
  'batch/v1 CronJob': 'batch.CronJob',
  'networking.k8s.io/v1 Ingress': 'networking.Ingress',
  'networking.k8s.io/v1 IngressClass': 'networking.IngressClass',
  'networking.k8s.io/v1 NetworkPolicy': 'networking.NetworkPolicy',
  'v1 Pod': 'core.Pod',
  'v1 Service': 'core.Service',
  'v1 Endpoints': 'core.Endpoints',
  'v1 Namespace': 'core.Namespace',
  'v1 ConfigMap': 'core.ConfigMap',
  'v1 Secret': 'core.Secret',
  'v1 ServiceAccount': 'core.ServiceAccount',
  'v1 Event': 'core.Event',
  'v1 Node': 'core.Node',
  'v1 ResourceQuota': 'core.ResourceQuota',
  'scheduling.k8s.io/v1 PriorityClass': 'scheduling.PriorityClass',
  'autoscaling/v2 HorizontalPodAutoscaler': 'autoscaling.HorizontalPodAutoscaler',
  'autoscaling/v1 HorizontalPodAutoscaler': 'autoscalingv1.HorizontalPodAutoscaler',
  'policy/v1 Eviction': 'policy.Eviction',
  'policy/v1 PodDisruptionBudget': 'policy.PodDisruptionBudget',
  'authentication.k8s.io/v1 TokenRequest': 'authentication.TokenRequest',
  // certificates/v1 by hand from its generated.proto and types.go (v0.32.4): `kubectl certificate approve|deny`.
  'certificates.k8s.io/v1 CertificateSigningRequest': 'certificates.CertificateSigningRequest',
  'certificates.k8s.io/v1 DeleteOptions': 'meta.DeleteOptions',
  'authentication.k8s.io/v1 SelfSubjectReview': 'authentication.SelfSubjectReview',
  'rbac.authorization.k8s.io/v1 Role': 'rbac.Role',
  'rbac.authorization.k8s.io/v1 ClusterRole': 'rbac.ClusterRole',
  'rbac.authorization.k8s.io/v1 RoleBinding': 'rbac.RoleBinding',
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': 'rbac.ClusterRoleBinding',
  'authorization.k8s.io/v1 SelfSubjectAccessReview': 'authorization.SelfSubjectAccessReview',
  'authorization.k8s.io/v1 SelfSubjectRulesReview': 'authorization.SelfSubjectRulesReview',
  'authorization.k8s.io/v1 SubjectAccessReview': 'authorization.SubjectAccessReview',
  'authorization.k8s.io/v1 LocalSubjectAccessReview': 'authorization.LocalSubjectAccessReview',
  'rbac.authorization.k8s.io/v1 DeleteOptions': 'meta.DeleteOptions',
  // DeleteOptions is registered in every group version (client-go sends it as `v1` to core paths).
  'v1 DeleteOptions': 'meta.DeleteOptions',
  'meta.k8s.io/v1 DeleteOptions': 'meta.DeleteOptions',
  'apps/v1 DeleteOptions': 'meta.DeleteOptions',
  'batch/v1 DeleteOptions': 'meta.DeleteOptions',
  'networking.k8s.io/v1 DeleteOptions': 'meta.DeleteOptions',
  'policy/v1 DeleteOptions': 'meta.DeleteOptions',
  'scheduling.k8s.io/v1 DeleteOptions': 'meta.DeleteOptions',
  'autoscaling/v2 DeleteOptions': 'meta.DeleteOptions',
  'autoscaling/v1 DeleteOptions': 'meta.DeleteOptions',
}

/** Table name → fully qualified proto message, for the messages with a custom JSON form. */
export const specialTypes = {
  Time: 'k8s.io.apimachinery.pkg.apis.meta.v1.Time',
  MicroTime: 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime',
  FieldsV1: 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1',
  IntOrString: 'k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  Quantity: 'k8s.io.apimachinery.pkg.api.resource.Quantity',
  // `type ExtraValue []string`: a message of repeated `items` on the wire, a plain list in JSON.
  ExtraValue: 'k8s.io.api.authorization.v1.ExtraValue',
  AuthenticationExtraValue: 'k8s.io.api.authentication.v1.ExtraValue',
} as const

export type SpecialType = keyof typeof specialTypes
