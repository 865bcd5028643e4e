// The labels, annotations and reasons Argo Rollouts writes (pkg/apis/rollouts/v1alpha1/types.go,
// utils/annotations, utils/conditions), and kubelite's own traffic keys (docs/traffic.md).
export const labels = {
  podTemplateHash: 'rollouts-pod-template-hash',
  revision: 'rollout.argoproj.io/revision',
  desiredReplicas: 'rollout.argoproj.io/desired-replicas',
  scaleDownDeadline: 'scale-down-deadline',
  managedBy: 'argo-rollouts.argoproj.io/managed-by-rollouts',
  rolloutType: 'rollout-type',
  stepIndex: 'step-index',
  /** kubelite's traffic annotation on the stable Service (docs/traffic.md). */
  traffic: 'kubelite.io/traffic',
  /** On a Rollout: `cookie`, `cookie=NAME` or `clientIP` — stickiness of the split (docs/rollouts.md). */
  trafficSticky: 'kubelite.io/traffic-sticky',
} as const

export const reasons = {
  invalidSpec: 'InvalidSpec',
  available: 'AvailableReason',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rolloutUpdated: 'RolloutUpdated',
  rolloutCompleted: 'RolloutCompleted',
  rolloutNotCompleted: 'RolloutNotCompleted',
  rolloutHealthy: 'RolloutHealthy',
  rolloutAborted: 'RolloutAborted',
  rolloutRetry: 'RolloutRetry',
  rolloutPaused: 'RolloutPaused',
  rolloutResumed: 'RolloutResumed',
  replicaSetNotAvailable: 'ReplicaSetNotAvailable',
  stepCompleted: 'RolloutStepCompleted',
  trafficWeightUpdated: 'TrafficWeightUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  analysisRunFailed: 'AnalysisRunFailed',
  timedOut: 'ProgressDeadlineExceeded',
  scalingReplicaSet: 'ScalingReplicaSet',
  skipSteps: 'SkipSteps',
  switchService: 'SwitchService',
  analysisRunCreated: 'AnalysisRunCreated',
} as const

export const messages = {
  available: 'Rollout has minimum availability',
  notAvailable: 'Rollout does not have minimum availability',
  healthy: 'Rollout is healthy',
  notHealthy: 'Rollout is not healthy',
  paused: 'Rollout is paused',
  resumed: 'Rollout is resumed',
  retry: 'Retrying Rollout after abort',
  selectAll: 'This rollout is selecting all pods. A non-empty selector is required.',
} as const
