// What the taint eviction controller (upstream pkg/controller/tainteviction) does with one pod on a
// node with NoExecute taints. Pure: the pending eviction and the clock come in as values.
//
// - a taint the pod does not tolerate: delete it now;
// - every taint tolerated, and one of the tolerations used has tolerationSeconds: delete it that
//   many seconds (the least of them) after the controller first saw it so (300 s for the default
//   not-ready/unreachable tolerations every pod gets at admission);
// - tolerated forever (no tolerationSeconds), or no NoExecute taint left: nothing, and a pending
//   eviction is cancelled.
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js'
import { tolerates } from '../scheduler/plan.js'

/** A scheduled eviction (upstream's TimedWorker): when it was decided and when it falls due (ms). */
export interface PendingEviction {
  uid: string
  createdAt: number
  fireAt: number
}

export type EvictionPlan =
  /** Nothing to do; `cancel`: a pending eviction goes (with a "Cancelling deletion" event). */
  | { kind: 'none'; cancel: boolean }
  /** Delete the pod now; `cancel`: a pending eviction was replaced by this one (an untolerated taint came). */
  | { kind: 'evict'; cancel: boolean }
  /** Wait: look again at `pending.fireAt`. */
  | { kind: 'wait'; pending: PendingEviction }

export function noExecuteTaints(taints: readonly Taint[] | undefined): Taint[] {
  return (taints ?? []).filter((t) => t.effect === 'NoExecute')
}

/** GetMatchingTolerations: whether every taint is tolerated, and by which tolerations (the first match of each). */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): { all: boolean; used: Toleration[] } {
  const used: Toleration[] = []
  for (const taint of taints) {
    const t = tolerations.find((x) => tolerates(x, taint))
    if (!t) return { all: false, used: [] }
    used.push(t)
  }
  return { all: true, used }
}

/** getMinTolerationTime (ms): 0 with none, -1 when none of them has tolerationSeconds (forever), ≤0 seconds is 0. */
export function minTolerationMs(used: readonly Toleration[]): number {
  if (used.length === 0) return 0
  let min = Infinity
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue
    if (t.tolerationSeconds <= 0) return 0
    min = Math.min(min, t.tolerationSeconds)
  }
  return min === Infinity ? -1 : min * 1000
}

/** processPodOnNode, for a pod bound to a node whose NoExecute taints are `taints`. */
export function planPodEviction(pod: Pod, taints: readonly Taint[], pending: PendingEviction | undefined, now: number): EvictionPlan {
  const live = pending && pending.uid === pod.metadata?.uid ? pending : undefined
  // A pod on its way out (deleted by us or anyone) needs nothing more.
  if (pod.metadata?.deletionTimestamp || !pod.spec?.nodeName) return { kind: 'none', cancel: pending !== undefined }
  if (taints.length === 0) return { kind: 'none', cancel: pending !== undefined }
  const { all, used } = matchingTolerations(taints, pod.spec?.tolerations ?? [])
  if (!all) return { kind: 'evict', cancel: live !== undefined }
  const min = minTolerationMs(used)
  if (min < 0) return { kind: 'none', cancel: pending !== undefined }
  // An eviction already pending stays as it was scheduled (upstream keeps a worker created earlier).
  const next = live ?? { uid: pod.metadata?.uid ?? '', createdAt: now, fireAt: now + min }
  if (now >= next.fireAt) return { kind: 'evict', cancel: false }
  return { kind: 'wait', pending: next }
}

/** The condition a pod gets before the controller deletes it. */
export const taintManagerDisruptionTarget = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' } as const
