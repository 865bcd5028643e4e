// PodDisruptionBudget types and the helpers the eviction subresource and the disruption
// controller share (upstream: k8s.io/component-helpers/apps/poddisruptionbudget and
// apimachinery's meta.SetStatusCondition for metav1.Condition lists).
import type { LabelSelector, StoredObject } from '../meta.js'

export interface MetaCondition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  observedGeneration?: number
  lastTransitionTime: string
  reason: string
  message: string
}

export interface PDBSpec {
  minAvailable?: number | string | null
  maxUnavailable?: number | string | null
  selector?: LabelSelector | null
  unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow' | null
}

export interface PDBStatus {
  observedGeneration?: number
  disruptedPods?: Record<string, string> | null
  disruptionsAllowed?: number
  currentHealthy?: number
  desiredHealthy?: number
  expectedPods?: number
  conditions?: MetaCondition[]
}

export interface PDB extends StoredObject {
  spec?: PDBSpec
  status?: PDBStatus
}

export const disruptionAllowedCondition = 'DisruptionAllowed'
/** Reasons of the DisruptionAllowed condition (policy/v1 types.go). */
export const pdbReasons = { syncFailed: 'SyncFailed', sufficientPods: 'SufficientPods', insufficientPods: 'InsufficientPods' } as const

/**
 * meta.SetStatusCondition: adds or updates the condition of that type; lastTransitionTime moves
 * only when the status changes. Returns a new list.
 */
export function setStatusCondition(conditions: readonly MetaCondition[] | undefined, cond: Omit<MetaCondition, 'lastTransitionTime'>, now: string): MetaCondition[] {
  const list = (conditions ?? []).map((c) => ({ ...c }))
  const existing = list.find((c) => c.type === cond.type)
  if (!existing) return [...list, { ...cond, lastTransitionTime: now }]
  if (existing.status !== cond.status) {
    existing.status = cond.status
    existing.lastTransitionTime = now
  }
  existing.reason = cond.reason
  existing.message = cond.message
  existing.observedGeneration = cond.observedGeneration
  return list
}

/** pdbhelper.UpdateDisruptionAllowedCondition: True/SufficientPods while disruptions are allowed, else False/InsufficientPods. */
export function updateDisruptionAllowedCondition(status: PDBStatus, now: string): MetaCondition[] {
  const allowed = (status.disruptionsAllowed ?? 0) > 0
  return setStatusCondition(
    status.conditions,
    {
      type: disruptionAllowedCondition,
      status: allowed ? 'True' : 'False',
      reason: allowed ? pdbReasons.sufficientPods : pdbReasons.insufficientPods,
      message: '',
      observedGeneration: status.observedGeneration ?? 0,
    },
    now,
  )
}

/** pdbhelper.ConditionsAreUpToDate. */
export function conditionsAreUpToDate(pdb: PDB): boolean {
  const status = pdb.status ?? {}
  const cond = (status.conditions ?? []).find((c) => c.type === disruptionAllowedCondition)
  if (!cond) return false
  if ((status.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false
  if ((status.disruptionsAllowed ?? 0) > 0) return cond.status === 'True' && cond.reason === pdbReasons.sufficientPods
  return cond.status === 'False' && cond.reason === pdbReasons.insufficientPods
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: StoredObject): boolean {
  const conds = (pod.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? []
  return conds.some((c) => c.type === 'Ready' && c.status === 'True')
}

/** How long an evicted pod may take to go before the controller stops counting it as disrupted (DeletionTimeout). */
export const deletionTimeoutMs = 2 * 60 * 1000
