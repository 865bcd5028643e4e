// What workload controllers ask of pods (upstream pkg/api/v1/pod and pkg/controller): readiness,
// availability after minReadySeconds, and whether a pod still counts towards its owner.
import type { Pod } from 'kubernetes-types/core/v1.js'
import type { PodObj } from '../../apis/core/pod.js'
export type { PodObj }

export function podReadyCondition(pod: Pod) {
  return (pod.status?.conditions ?? []).find((c) => c.type === 'Ready')
}

export const isPodReady = (pod: Pod): boolean => podReadyCondition(pod)?.status === 'True'

/**
 * podutil.IsPodAvailable: ready, and ready for at least minReadySeconds (strictly more, as
 * upstream's `lastTransitionTime + minReadySeconds < now`).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const c = podReadyCondition(pod)
  if (c?.status !== 'True') return false
  if (!minReadySeconds) return true
  if (!c.lastTransitionTime) return false
  return Date.parse(c.lastTransitionTime) + minReadySeconds * 1000 < now.getTime()
}

/** When an available-after-minReadySeconds pod becomes available (ms epoch), if it is ready now. */
export function podAvailableAt(pod: Pod, minReadySeconds: number): number | undefined {
  const c = podReadyCondition(pod)
  if (c?.status !== 'True' || !c.lastTransitionTime) return undefined
  return Date.parse(c.lastTransitionTime) + minReadySeconds * 1000
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && !pod.metadata?.deletionTimestamp
}
