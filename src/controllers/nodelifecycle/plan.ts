// Taints by condition, the NoSchedule pass of upstream's node lifecycle controller
// (pkg/controller/nodelifecycle, doNoScheduleTaintingPass): a cordoned node (spec.unschedulable)
// carries node.kubernetes.io/unschedulable, and a node whose conditions say so carries not-ready,
// unreachable, memory-pressure, disk-pressure, pid-pressure or network-unavailable, all NoSchedule.
// Other taints (a user's, or another controller's) are left as they are.
import type { Node, Taint } from 'kubernetes-types/core/v1.js'

/** Condition type → status → taint key, as upstream's nodeConditionToTaintKeyStatusMap. */
const byCondition: Record<string, Record<string, string>> = {
  Ready: { False: 'node.kubernetes.io/not-ready', Unknown: 'node.kubernetes.io/unreachable' },
  MemoryPressure: { True: 'node.kubernetes.io/memory-pressure' },
  DiskPressure: { True: 'node.kubernetes.io/disk-pressure' },
  NetworkUnavailable: { True: 'node.kubernetes.io/network-unavailable' },
  PIDPressure: { True: 'node.kubernetes.io/pid-pressure' },
}

export const unschedulableTaintKey = 'node.kubernetes.io/unschedulable'

/** Every key this pass manages. */
const managed = new Set([unschedulableTaintKey, ...Object.values(byCondition).flatMap((m) => Object.values(m))])

/** The node's taints after the pass, or undefined when they are right already. */
export function planNoScheduleTaints(node: Node): Taint[] | undefined {
  const want = new Set<string>()
  for (const c of node.status?.conditions ?? []) {
    const key = byCondition[c.type]?.[c.status]
    if (key) want.add(key)
  }
  if (node.spec?.unschedulable) want.add(unschedulableTaintKey)
  const taints = node.spec?.taints ?? []
  const have = new Set(taints.filter((t) => t.effect === 'NoSchedule' && managed.has(t.key)).map((t) => t.key))
  const toDelete = [...have].filter((k) => !want.has(k))
  const toAdd = [...want].filter((k) => !have.has(k))
  if (toDelete.length === 0 && toAdd.length === 0) return undefined
  const kept = taints.filter((t) => !(t.effect === 'NoSchedule' && toDelete.includes(t.key)))
  return [...kept, ...[...toAdd].sort().map((key): Taint => ({ key, effect: 'NoSchedule' }))]
}
