// The replica calculator (upstream: pkg/controller/podautoscaler/replica_calculator.go
// GetResourceReplicas, GetRawResourceReplicas, calcPlainMetricReplicas, groupPods,
// calculatePodRequests, and metrics/utilization.go). Pure: the clock is a parameter.
import { parseQuantity } from '../../apis/core/quantity.js'

/** --horizontal-pod-autoscaler-tolerance. */
export const tolerance = 0.1
/** --horizontal-pod-autoscaler-cpu-initialization-period. */
export const cpuInitializationPeriodMs = 5 * 60_000
/** --horizontal-pod-autoscaler-initial-readiness-delay. */
export const delayOfInitialReadinessStatusMs = 30_000

export interface PodMetric {
  /** Milli-units: millicores for CPU, milli-bytes for memory. */
  value: number
  timestamp: number
  windowMs: number
}

export interface Pod {
  metadata: { name?: string; namespace?: string; deletionTimestamp?: string }
  spec?: { containers?: { name: string; resources?: { requests?: Record<string, unknown> } }[]; initContainers?: { name: string; restartPolicy?: string; resources?: { requests?: Record<string, unknown> } }[] }
  status?: { phase?: string; startTime?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] }
}

export class CalculatorError extends Error {}

/** resource.Quantity.MilliValue(): rounded up, without the float noise of `1.1 * 1000`. */
export function milliValue(q: unknown): number | undefined {
  const v = parseQuantity(q)
  return v === undefined ? undefined : Math.ceil(Number((v * 1000).toPrecision(15)))
}

/** resource.NewMilliQuantity(v, DecimalSI).String(): `500m`, `1500`, `2k`, `9867264`. */
export function milliQuantity(milli: number): string {
  if (milli % 1000 !== 0) return `${milli}m`
  let v = milli / 1000
  const suffixes = ['', 'k', 'M', 'G', 'T', 'P', 'E']
  let i = 0
  while (v !== 0 && v % 1000 === 0 && i < suffixes.length - 1) {
    v /= 1000
    i++
  }
  return `${v}${suffixes[i]}`
}

/** groupPods: ready ones count; pending, not yet ready (CPU only) and missing ones are set aside. */
export function groupPods(pods: Pod[], metrics: Map<string, PodMetric>, resource: string, now: number): { ready: number; unready: Set<string>; missing: Set<string>; ignored: Set<string> } {
  const unready = new Set<string>()
  const missing = new Set<string>()
  const ignored = new Set<string>()
  let ready = 0
  for (const pod of pods) {
    const name = pod.metadata.name ?? ''
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      ignored.add(name)
      continue
    }
    if (pod.status?.phase === 'Pending') {
      unready.add(name)
      continue
    }
    const metric = metrics.get(name)
    if (!metric) {
      missing.add(name)
      continue
    }
    if (resource === 'cpu') {
      const cond = pod.status?.conditions?.find((c) => c.type === 'Ready')
      const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined
      let isUnready: boolean
      if (!cond || start === undefined) isUnready = true
      else {
        const transition = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : 0
        if (start + cpuInitializationPeriodMs > now) {
          // Within the initialization period: a sample counts once the pod is ready and a whole
          // window of it was collected after the pod became ready.
          isUnready = cond.status === 'False' || metric.timestamp < transition + metric.windowMs
        } else {
          // Later: only a pod that has never been ready is left out.
          isUnready = cond.status === 'False' && start + delayOfInitialReadinessStatusMs > transition
        }
      }
      if (isUnready) {
        unready.add(name)
        continue
      }
    }
    ready++
  }
  return { ready, unready, missing, ignored }
}

/**
 * calculatePodRequests: each pod's requests for the resource, milli-units (its regular and
 * restartable init containers, or only `container`); a container without one is an error.
 */
export function podRequests(pods: Pod[], resource: string, container = ''): Map<string, number> {
  const out = new Map<string, number>()
  for (const pod of pods) {
    const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')]
    let sum = 0
    for (const c of containers) {
      if (container !== '' && container !== c.name) continue
      const v = milliValue(c.resources?.requests?.[resource])
      if (v === undefined) throw new CalculatorError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name ?? ''}`)
      sum += v
    }
    out.set(pod.metadata.name ?? '', sum)
  }
  return out
}

/** GetResourceUtilizationRatio. */
export function utilizationRatio(metrics: Map<string, PodMetric>, requests: Map<string, number>, targetUtilization: number): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0
  let requestsTotal = 0
  let entries = 0
  for (const [name, m] of metrics) {
    const request = requests.get(name)
    if (request === undefined) continue
    metricsTotal += m.value
    requestsTotal += request
    entries++
  }
  if (requestsTotal === 0) throw new CalculatorError('no metrics returned matched known pods')
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal)
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / entries) }
}

/** GetMetricUsageRatio. */
export function usageRatio(metrics: Map<string, PodMetric>, targetUsage: number): { ratio: number; usage: number } {
  let total = 0
  for (const m of metrics.values()) total += m.value
  const usage = Math.trunc(total / metrics.size)
  return { ratio: usage / targetUsage, usage }
}

export interface ResourceReplicas {
  replicas: number
  utilization: number
  /** Average usage per pod, milli-units. */
  rawAverage: number
}

const within = (ratio: number) => Math.abs(1.0 - ratio) <= tolerance

/**
 * GetResourceReplicas: the replica count that brings average utilization (usage against the
 * pods' requests) to the target. `metricsIn` are the pods' metrics from the resource metrics API.
 */
export function resourceReplicas(currentReplicas: number, targetUtilization: number, resource: string, pods: Pod[], metricsIn: Map<string, PodMetric>, now: number, container = ''): ResourceReplicas {
  if (pods.length === 0) throw new CalculatorError('no pods returned by selector while calculating replica count')
  const metrics = new Map(metricsIn)
  const { ready, unready, missing, ignored } = groupPods(pods, metrics, resource, now)
  for (const n of [...ignored, ...unready]) metrics.delete(n)
  if (metrics.size === 0) throw new CalculatorError('did not receive metrics for targeted pods (pods might be unready)')
  const requests = podRequests(pods, resource, container)
  const { ratio, utilization, rawAverage } = utilizationRatio(metrics, requests, targetUtilization)
  const result = (replicas: number) => ({ replicas, utilization, rawAverage })

  const scaleUpWithUnready = unready.size > 0 && ratio > 1.0
  if (!scaleUpWithUnready && missing.size === 0) {
    if (within(ratio)) return result(currentReplicas)
    return result(Math.ceil(ratio * ready))
  }
  if (missing.size > 0) {
    // Scale-down: missing pods count as using 100% of their request (or the target, if above);
    // scale-up: as using nothing.
    if (ratio < 1.0) {
      const fallback = Math.max(100, targetUtilization)
      for (const name of missing) metrics.set(name, { value: Math.trunc(((requests.get(name) ?? 0) * fallback) / 100), timestamp: 0, windowMs: 0 })
    } else if (ratio > 1.0) for (const name of missing) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 })
  }
  if (scaleUpWithUnready) for (const name of unready) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 })
  const next = utilizationRatio(metrics, requests, targetUtilization).ratio
  if (within(next) || (ratio < 1.0 && next > 1.0) || (ratio > 1.0 && next < 1.0)) return result(currentReplicas)
  const replicas = Math.ceil(next * metrics.size)
  if ((next < 1.0 && replicas > currentReplicas) || (next > 1.0 && replicas < currentReplicas)) return result(currentReplicas)
  return result(replicas)
}

/**
 * calcPlainMetricReplicas (GetRawResourceReplicas for an averageValue target, GetMetricReplicas for
 * a Pods metric): the replica count that brings the pods' average to `targetUsage` (milli-units).
 * `resource` is the resource name for a resource metric (`cpu` applies CPU's readiness rules),
 * empty for a Pods metric.
 */
export function plainMetricReplicas(currentReplicas: number, targetUsage: number, resource: string, pods: Pod[], metricsIn: Map<string, PodMetric>, now: number): { replicas: number; usage: number } {
  if (pods.length === 0) throw new CalculatorError('no pods returned by selector while calculating replica count')
  const metrics = new Map(metricsIn)
  const { ready, unready, missing, ignored } = groupPods(pods, metrics, resource, now)
  for (const n of [...ignored, ...unready]) metrics.delete(n)
  if (metrics.size === 0) throw new CalculatorError('did not receive metrics for targeted pods (pods might be unready)')
  const { ratio, usage } = usageRatio(metrics, targetUsage)
  const scaleUpWithUnready = unready.size > 0 && ratio > 1.0
  if (!scaleUpWithUnready && missing.size === 0) {
    if (within(ratio)) return { replicas: currentReplicas, usage }
    return { replicas: Math.ceil(ratio * ready), usage }
  }
  if (missing.size > 0) {
    // Scale-down: missing pods count as using exactly the target; scale-up: as using nothing.
    if (ratio < 1.0) for (const name of missing) metrics.set(name, { value: targetUsage, timestamp: 0, windowMs: 0 })
    else if (ratio > 1.0) for (const name of missing) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 })
  }
  if (scaleUpWithUnready) for (const name of unready) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 })
  const next = usageRatio(metrics, targetUsage).ratio
  if (within(next) || (ratio < 1.0 && next > 1.0) || (ratio > 1.0 && next < 1.0)) return { replicas: currentReplicas, usage }
  const replicas = Math.ceil(next * metrics.size)
  if ((next < 1.0 && replicas > currentReplicas) || (next > 1.0 && replicas < currentReplicas)) return { replicas: currentReplicas, usage }
  return { replicas, usage }
}
