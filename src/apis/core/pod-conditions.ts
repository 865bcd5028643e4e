// Pod conditions as upstream's podutil.UpdatePodCondition keeps them: one condition per type; the
// transition time moves only when the status changes. Shared by the API server's binding
// subresource, the node agent and any controller that writes pod status.
import type { PodCondition } from 'kubernetes-types/core/v1.js'
import { rfc3339 } from '../../lib/duration.js'
import { isObj } from '../../lib/guards.js'

/** Replace the condition of `cond.type` in `status.conditions` (mutates `status`). */
export function setPodCondition(status: Record<string, unknown>, cond: PodCondition, now: Date): void {
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []) as PodCondition[]
  const next: PodCondition = { ...cond, lastProbeTime: cond.lastProbeTime ?? (null as unknown as string), lastTransitionTime: rfc3339(now) }
  const i = conditions.findIndex((c) => isObj(c) && c.type === cond.type)
  if (i < 0) {
    status.conditions = [...conditions, next]
    return
  }
  if (conditions[i].status === cond.status && conditions[i].lastTransitionTime) next.lastTransitionTime = conditions[i].lastTransitionTime
  status.conditions = conditions.map((c, j) => (j === i ? next : c))
}
