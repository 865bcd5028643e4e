// Argo Rollouts' replica arithmetic (utils/replicaset/canary.go, utils/replicaset/replicaset.go),
// as free functions over plain objects. kubelite carries Service traffic in its own proxy, so a
// canary with both stableService and canaryService is "traffic routed" here (exact weights,
// independent of pod counts) even without a trafficRouting block; without the Services the
// weights are approximated by replica counts, as Argo's basic canary does.
import { scaledValue as resolveIntOrPercent } from '../../lib/intstr.js'

export type Json = Record<string, any>

export const replicasOf = (rs: Json | undefined): number => (rs ? (typeof rs.spec?.replicas === 'number' ? rs.spec.replicas : 1) : 0)
export const statusReplicas = (rs: Json | undefined): number => rs?.status?.replicas ?? 0
export const availableOf = (rs: Json | undefined): number => rs?.status?.availableReplicas ?? 0
export const readyOf = (rs: Json | undefined): number => rs?.status?.readyReplicas ?? 0
export const hashOf = (rs: Json | undefined): string | undefined => rs?.metadata?.labels?.['rollouts-pod-template-hash']
export const sum = (rss: (Json | undefined)[], f: (rs: Json | undefined) => number) => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0)

export function specReplicas(ro: Json): number {
  return typeof ro.spec?.replicas === 'number' ? ro.spec.replicas : 1
}

export function canaryOf(ro: Json): Json | undefined {
  return ro.spec?.strategy?.canary ?? undefined
}

export function steps(ro: Json): Json[] {
  return (canaryOf(ro)?.steps as Json[] | undefined) ?? []
}

/** Both Services set: kubelite's proxy gives exact weights (Argo's "trafficRouting != nil"). */
export function isTrafficRouted(ro: Json): boolean {
  const c = canaryOf(ro)
  return !!(c && c.stableService && c.canaryService)
}

export function maxWeight(ro: Json): number {
  return canaryOf(ro)?.trafficRouting?.maxTrafficWeight ?? 100
}

/** MaxSurge: default 25% rounded up (canary); for traffic-routed canaries the surge is irrelevant. */
export function maxSurge(ro: Json): number {
  const c = canaryOf(ro)
  const replicas = specReplicas(ro)
  const surge = resolveIntOrPercent(c?.maxSurge ?? '25%', replicas, true)
  const unavailable = resolveIntOrPercent(c?.maxUnavailable ?? '25%', replicas, false)
  return surge === 0 && unavailable === 0 ? 1 : surge
}

export function maxUnavailable(ro: Json): number {
  const c = canaryOf(ro)
  const replicas = specReplicas(ro)
  if (!c) {
    const bg = ro.spec?.strategy?.blueGreen
    if (bg?.maxUnavailable === undefined) return 0
    return Math.min(resolveIntOrPercent(bg.maxUnavailable, replicas, false), replicas)
  }
  const surge = resolveIntOrPercent(c.maxSurge ?? '25%', replicas, true)
  const unavailable = resolveIntOrPercent(c.maxUnavailable ?? '25%', replicas, false)
  if (surge === 0 && unavailable === 0) return 0
  return Math.min(unavailable, replicas)
}

export function currentStep(ro: Json): { step?: Json; index?: number } {
  const s = steps(ro)
  if (!canaryOf(ro) || s.length === 0) return {}
  const index = ro.status?.currentStepIndex ?? 0
  return { step: index < s.length ? s[index] : undefined, index }
}

/** GetCurrentSetWeight: the last setWeight at or before the current step (0 when aborted). */
export function currentSetWeight(ro: Json): number {
  if (ro.status?.abort) return 0
  const { step, index } = currentStep(ro)
  if (!step) return maxWeight(ro)
  for (let i = index!; i >= 0; i--) if (typeof steps(ro)[i].setWeight === 'number') return steps(ro)[i].setWeight
  return 0
}

/** UseSetCanaryScale: the setCanaryScale in force (traffic-routed canaries only). */
export function setCanaryScaleInForce(ro: Json): Json | undefined {
  if (!isTrafficRouted(ro)) return undefined
  if (ro.status?.abort) {
    const delay = abortScaleDownDelaySeconds(ro)
    if (delay !== undefined) return undefined
  }
  const { step, index } = currentStep(ro)
  if (!step) return undefined
  for (let i = index!; i >= 0; i--) {
    const scs = steps(ro)[i].setCanaryScale
    if (!scs) continue
    if (scs.matchTrafficWeight) return undefined
    return scs
  }
  return undefined
}

/** abortScaleDownDelaySeconds: default 30 with traffic routing; 0 means "never scale down". */
export function abortScaleDownDelaySeconds(ro: Json): number | undefined {
  if (!isTrafficRouted(ro)) return undefined
  const v = canaryOf(ro)?.abortScaleDownDelaySeconds
  if (v === 0) return undefined
  return typeof v === 'number' ? v : 30
}

export function canaryReplicasOrWeight(ro: Json): { replicas?: number; weight: number } {
  const st = ro.status ?? {}
  if (st.promoteFull || !st.stableRS || st.currentPodHash === st.stableRS) return { weight: maxWeight(ro) }
  const scs = setCanaryScaleInForce(ro)
  if (scs) {
    if (typeof scs.replicas === 'number') return { replicas: scs.replicas, weight: 0 }
    if (typeof scs.weight === 'number') return { weight: scs.weight }
  }
  return { weight: currentSetWeight(ro) }
}

const trafficWeightToReplicas = (replicas: number, weight: number, max: number) => Math.ceil((weight * replicas) / max)

function floorCeilingTied(weight: number, max: number, total: number): boolean {
  const v = total * (weight / max)
  return v - Math.trunc(v) === 0.5
}

/** approximateWeightedCanaryStableReplicaCounts: the canary/stable split closest to the weight. */
export function approximateCounts(replicas: number, weight: number, max: number, surge: number): [number, number] {
  if (replicas === 0) return [0, 0]
  const ceil = Math.ceil((replicas * weight) / max)
  const floor = Math.floor((replicas * weight) / max)
  const zeroAllowed = weight === max || weight === 0 || (replicas === 1 && surge === 0)
  const options: [number, number][] = []
  if (ceil < replicas || zeroAllowed) options.push([ceil, replicas])
  if (!floorCeilingTied(weight, max, replicas) && (floor !== 0 || zeroAllowed)) options.push([floor, replicas])
  if (surge > 0) {
    options.push([ceil, replicas + 1])
    if (!floorCeilingTied(weight, max, replicas + 1) && (floor !== 0 || zeroAllowed)) options.push([floor, replicas + 1])
  }
  if (options.length === 0) return [0, replicas]
  const delta = ([c, t]: [number, number]) => Math.abs((c * max) / t - weight)
  let best = options[0]
  for (const o of options.slice(1)) if (delta(o) < delta(best)) best = o
  return [best[0], best[1] - best[0]]
}

/** CheckStableRSExists: a stable ReplicaSet distinct from the new one. */
export function stableExists(newRS: Json | undefined, stableRS: Json | undefined): boolean {
  if (!stableRS) return false
  if (!newRS) return true
  return newRS.metadata.name !== stableRS.metadata.name
}

function replicasForScaleDown(rs: Json | undefined, ignoreAvailability: boolean): number {
  if (!rs) return 0
  if (replicasOf(rs) < availableOf(rs)) return replicasOf(rs)
  return ignoreAvailability ? replicasOf(rs) : availableOf(rs)
}

/** CalculateReplicaCountsForBasicCanary: [new, stable], honouring maxSurge and maxUnavailable. */
export function basicCanaryCounts(ro: Json, newRS: Json | undefined, stableRS: Json | undefined, oldRSs: Json[]): [number, number] {
  const replicas = specReplicas(ro)
  const { weight } = canaryReplicasOrWeight(ro)
  const surge = maxSurge(ro)
  let [desiredNew, desiredStable] = approximateCounts(replicas, weight, maxWeight(ro), surge)
  let stableCount = 0
  let newCount = newRS ? replicasOf(newRS) : 0
  const scaleStable = stableExists(newRS, stableRS)
  if (scaleStable) stableCount = replicasOf(stableRS)
  else {
    desiredNew = replicas
    desiredStable = 0
  }
  const maxAllowed = replicas + surge
  const all = [...oldRSs, newRS, ...(scaleStable ? [stableRS] : [])]
  let scaleUp = maxAllowed - sum(all, replicasOf)
  if (scaleStable && replicasOf(stableRS) < desiredStable && scaleUp > 0) {
    if (replicasOf(stableRS) + scaleUp < desiredStable) {
      stableCount = replicasOf(stableRS) + scaleUp
      scaleUp = 0
    } else {
      stableCount = desiredStable
      scaleUp -= desiredStable - replicasOf(stableRS)
    }
  }
  if (newRS && replicasOf(newRS) < desiredNew && scaleUp > 0) newCount = Math.min(replicasOf(newRS) + scaleUp, desiredNew)
  if (sum(oldRSs, replicasOf) > 0) return [newCount, stableCount]
  const minAvailable = replicas - maxUnavailable(ro)
  const increasing = !newRS || desiredNew >= replicasOf(newRS)
  const toScaleDown = replicasForScaleDown(newRS, !increasing) + replicasForScaleDown(scaleStable ? stableRS : undefined, increasing)
  if (toScaleDown <= minAvailable) return [newCount, stableCount]
  const scaleDownCount = toScaleDown - minAvailable
  const drain = (rs: Json | undefined, desired: number, count: number) => (rs && replicasOf(rs) > desired ? Math.max(desired, replicasOf(rs) - scaleDownCount) : count)
  const adjust = (drainRS: Json | undefined, adjustRS: Json | undefined, drainCount: number, adjustCount: number): [number, number] => {
    let over = Math.max(0, adjustCount + drainCount - maxAllowed)
    let totalAvailable = drainRS ? Math.min(availableOf(drainRS), drainCount) : 0
    if (adjustRS) {
      adjustCount -= over
      totalAvailable += Math.min(availableOf(adjustRS), adjustCount)
      const extra = Math.max(0, availableOf(adjustRS) - adjustCount)
      adjustCount += Math.min(extra, Math.max(0, minAvailable - totalAvailable))
      over = Math.max(0, adjustCount + drainCount - maxAllowed)
      drainCount -= over
    }
    return [drainCount, adjustCount]
  }
  if (!increasing) {
    newCount = drain(newRS, desiredNew, newCount)
    ;[newCount, stableCount] = adjust(newRS, stableRS, newCount, stableCount)
  } else if (scaleStable) {
    stableCount = drain(stableRS, desiredStable, stableCount)
    ;[stableCount, newCount] = adjust(stableRS, newRS, stableCount, newCount)
  }
  return [newCount, stableCount]
}

/** CalculateReplicaCountsForTrafficRoutedCanary: [canary, stable]. */
export function trafficRoutedCounts(ro: Json, weights: Json | undefined): [number, number] {
  const replicas = specReplicas(ro)
  const { replicas: scsReplicas, weight } = canaryReplicasOrWeight(ro)
  const max = maxWeight(ro)
  const minPods = (n: number) => {
    const m = canaryOf(ro)?.minPodsPerReplicaSet
    return n === 0 || typeof m !== 'number' ? n : Math.max(n, Math.min(m, replicas))
  }
  let canary = scsReplicas !== undefined ? scsReplicas : minPods(trafficWeightToReplicas(replicas, weight, max))
  if (!canaryOf(ro)?.dynamicStableScale) return [canary, replicas]
  let stable = trafficWeightToReplicas(replicas, max - weight, max)
  if (weights) {
    stable = Math.max(stable, trafficWeightToReplicas(replicas, weights.stable?.weight ?? 0, max))
    if (ro.status?.abort) canary = Math.max(canary, trafficWeightToReplicas(replicas, weights.canary?.weight ?? 0, max))
  }
  return [minPods(canary), minPods(stable)]
}

export function desiredCounts(ro: Json, newRS: Json | undefined, stableRS: Json | undefined, others: Json[], weights: Json | undefined): [number, number] {
  return isTrafficRouted(ro) ? trafficRoutedCounts(ro, weights) : basicCanaryCounts(ro, newRS, stableRS, others)
}

/** AtDesiredReplicaCountsForCanary. */
export function atDesiredCounts(ro: Json, newRS: Json | undefined, stableRS: Json | undefined, others: Json[], weights: Json | undefined): boolean {
  const [wantNew, wantStable] = desiredCounts(ro, newRS, stableRS, others, weights)
  if (!(newRS && wantNew === replicasOf(newRS) && wantNew === availableOf(newRS))) return false
  const routed = isTrafficRouted(ro)
  if (!routed || !canaryOf(ro)?.dynamicStableScale) {
    if (stableRS && !(wantStable === replicasOf(stableRS) && wantStable === statusReplicas(stableRS))) {
      if (stableExists(newRS, stableRS)) return false
    }
  }
  if (!routed && sum(others, availableOf) !== 0) return false
  return true
}
