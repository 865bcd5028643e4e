// Status conditions as upstream's controllers keep them (deployment/util SetDeploymentCondition,
// replicaset SetCondition): a condition with the same status and reason is left as it is; a
// change of reason keeps lastTransitionTime while the status stays the same.

export interface Condition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  reason?: string
  message?: string
  lastUpdateTime?: string
  lastTransitionTime?: string
}

export function getCondition<C extends Condition>(conditions: readonly C[] | undefined, type: string): C | undefined {
  return (conditions ?? []).find((c) => c.type === type)
}

/** Returns the new list (never mutates the input). */
export function setCondition<C extends Condition>(conditions: readonly C[] | undefined, cond: C): C[] {
  const list = [...(conditions ?? [])]
  const current = list.find((c) => c.type === cond.type)
  if (current && current.status === cond.status && current.reason === cond.reason) return list
  const next = { ...cond }
  if (current && current.status === cond.status) next.lastTransitionTime = current.lastTransitionTime
  return [...list.filter((c) => c.type !== cond.type), next]
}

export function removeCondition<C extends Condition>(conditions: readonly C[] | undefined, type: string): C[] {
  return (conditions ?? []).filter((c) => c.type !== type)
}
