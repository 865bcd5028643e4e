// The replica calculator for resource metrics (upstream: pkg/controller/podautoscaler/
// replica_calculator.go GetResourceReplicas, groupPods, calculatePodRequests and metrics/utilization.go
// GetResourceUtilizationRatio). Pure: the clock is a parameter.
import { parseQuantity } from '../../apis/core/quantity.js'

/** --horizontal-pod-autoscaler-tolerance. */
export const tolerance = 0.1
/** --horizontal-pod-autoscaler-cpu-initialization-period. */
export const cpuInitializationPeriodMs = 5 * 60_000
/** --horizontal-pod-autoscaler-initial-readiness-delay. */
export const delayOfInitialReadinessStatusMs = 30_000

export interface PodMetric {
  /** Milli-units: millicores for CPU. */
  value: number
  timestamp: number
  windowMs: number
}

interface Pod {
  metadata: { name?: string; deletionTimestamp?: string }
  spec?: { containers?: { name: string; resources?: { requests?: Record<string, unknown> } }[]; initContainers?: { name: string; restartPolicy?: string; resources?: { requests?: Record<string, unknown> } }[] }
  status?: { phase?: string; startTime?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] }
}

export class CalculatorError extends Error {}

/** groupPods: ready ones count; pending, not yet ready (CPU) and missing ones are set aside. */
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

/** calculatePodRequests: each pod's requests for the resource, milli-units; a container without one is an error. */
export function podRequests(pods: Pod[], resource: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const pod of pods) {
    const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')]
    let sum = 0
    for (const c of containers) {
      const q = c.resources?.requests?.[resource]
      const v = q === undefined ? undefined : parseQuantity(q)
      if (v === undefined) throw new CalculatorError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name ?? ''}`)
      sum += Math.ceil(v * 1000)
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

export interface ResourceReplicas {
  replicas: number
  utilization: number
  /** Average usage per pod, milli-units. */
  rawAverage: number
  timestamp: number
}

/** GetResourceReplicas: the replica count that brings average utilization to the target. */
export function resourceReplicas(currentReplicas: number, targetUtilization: number, resource: string, pods: Pod[], metricsIn: Map<string, PodMetric>, now: number): ResourceReplicas {
  if (metricsIn.size === 0) throw new CalculatorError(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`)
  const timestamp = [...metricsIn.values()][0].timestamp
  if (pods.length === 0) throw new CalculatorError('no pods returned by selector while calculating replica count')
  const metrics = new Map(metricsIn)
  const { ready, unready, missing, ignored } = groupPods(pods, metrics, resource, now)
  for (const n of [...ignored, ...unready]) metrics.delete(n)
  if (metrics.size === 0) throw new CalculatorError('did not receive metrics for targeted pods (pods might be unready)')
  const requests = podRequests(pods, resource)
  const { ratio, utilization, rawAverage } = utilizationRatio(metrics, requests, targetUtilization)
  const result = (replicas: number) => ({ replicas, utilization, rawAverage, timestamp })

  const scaleUpWithUnready = unready.size > 0 && ratio > 1.0
  if (!scaleUpWithUnready && missing.size === 0) {
    if (Math.abs(1.0 - ratio) <= tolerance) return result(currentReplicas)
    return result(Math.ceil(ratio * ready))
  }
  if (missing.size > 0) {
    // Scale-down: missing pods count as using 100% of their request (or the target, if above);
    // scale-up: as using nothing.
    const fallback = Math.max(100, targetUtilization)
    for (const name of missing) metrics.set(name, { value: ratio < 1.0 ? Math.trunc(((requests.get(name) ?? 0) * fallback) / 100) : 0, timestamp, windowMs: 0 })
  }
  if (scaleUpWithUnready) for (const name of unready) metrics.set(name, { value: 0, timestamp, windowMs: 0 })
  const next = utilizationRatio(metrics, requests, targetUtilization).ratio
  if (Math.abs(1.0 - next) <= tolerance || (ratio < 1.0 && next > 1.0) || (ratio > 1.0 && next < 1.0)) return result(currentReplicas)
  const replicas = Math.ceil(next * metrics.size)
  if ((next < 1.0 && replicas > currentReplicas) || (next > 1.0 && replicas < currentReplicas)) return result(currentReplicas)
  return result(replicas)
}
