// The parts of argoproj.io/v1alpha1 objects the plugin reads (wire names, as Argo's Go types), and
// the apps/core objects it shows. Loose on purpose: the plugin reads what the server sends and
// never needs the whole schema.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js'
import type { Pod } from 'kubernetes-types/core/v1.js'
import type { ObjectMeta } from '../../apis/meta.js'

export type { Deployment, ReplicaSet, Pod }

export const group = 'argoproj.io'
export const version = 'v1alpha1'
export const gvr = {
  rollouts: { group, version, resource: 'rollouts' },
  analysisRuns: { group, version, resource: 'analysisruns' },
  experiments: { group, version, resource: 'experiments' },
  replicaSets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  podTemplates: { group: '', version: 'v1', resource: 'podtemplates' },
} as const

/** Argo's well-known keys. */
export const keys = {
  podTemplateHash: 'rollouts-pod-template-hash',
  revision: 'rollout.argoproj.io/revision',
  workloadGeneration: 'rollout.argoproj.io/workload-generation',
  scaleDownDeadline: 'scale-down-deadline',
  experimentTemplateName: 'experiment.argoproj.io/template-name',
  jobName: 'job-name',
  jobNamespace: 'job-namespace',
} as const

export interface CanaryStep {
  setWeight?: number
  pause?: { duration?: string | number }
  [k: string]: unknown
}

export interface Rollout {
  apiVersion?: string
  kind?: string
  metadata: ObjectMeta
  spec: {
    replicas?: number
    paused?: boolean
    restartAt?: string
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }
    template?: { metadata?: { labels?: Record<string, string>; [k: string]: unknown }; spec?: { containers?: { name: string; image?: string }[]; initContainers?: { name: string; image?: string }[]; [k: string]: unknown } }
    workloadRef?: { apiVersion?: string; kind?: string; name?: string }
    templateResolvedFromRef?: boolean
    strategy?: {
      canary?: {
        steps?: CanaryStep[]
        trafficRouting?: { maxTrafficWeight?: number; [k: string]: unknown }
        pingPong?: unknown
        [k: string]: unknown
      }
      blueGreen?: { postPromotionAnalysis?: unknown; [k: string]: unknown }
    }
    [k: string]: unknown
  }
  status?: {
    phase?: string
    message?: string
    abort?: boolean
    observedGeneration?: string | number
    workloadObservedGeneration?: string
    currentStepIndex?: number
    currentPodHash?: string
    stableRS?: string
    controllerPause?: boolean
    pauseConditions?: { reason: string; startTime?: string }[] | null
    replicas?: number
    updatedReplicas?: number
    readyReplicas?: number
    availableReplicas?: number
    restartedAt?: string
    promoteFull?: boolean
    conditions?: { type: string; status?: string; reason?: string; message?: string }[]
    canary?: {
      weights?: { canary?: { weight?: number } }
      stablePingPong?: string
      currentStepAnalysisRunStatus?: { status?: string }
    }
    blueGreen?: { activeSelector?: string; previewSelector?: string; postPromotionAnalysisRunStatus?: { status?: string } }
    [k: string]: unknown
  }
}

export interface Measurement {
  phase?: string
  startedAt?: string
  metadata?: Record<string, string>
  value?: string
}

export interface AnalysisRun {
  metadata: ObjectMeta
  spec?: unknown
  status?: {
    phase?: string
    message?: string
    metricResults?: { name: string; successful?: number; failed?: number; inconclusive?: number; error?: number; measurements?: Measurement[] }[]
  }
}

export interface Experiment {
  metadata: ObjectMeta
  spec?: unknown
  status?: { phase?: string; message?: string }
}
