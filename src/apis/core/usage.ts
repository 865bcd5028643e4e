// What one object costs a ResourceQuota (upstream pkg/quota/v1/evaluator/core: PodUsageFunc,
// podComputeUsageHelper, the service evaluator and the generic object-count evaluator). Pure, so
// the quota admission plugin and the quota controller count the same way.
import type { StoredObject } from '../meta.js'
import { addAmounts, toAmount, type Amount } from './quantity-format.js'
import { computeQOSClass } from './resources.js'

export type Usage = Record<string, Amount>

const one = (): Amount => ({ nano: 1_000_000_000n, format: 'DecimalSI' })

type Container = { name?: string; resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } }
type PodLike = StoredObject & { spec?: { containers?: Container[]; initContainers?: Container[]; overhead?: Record<string, unknown>; activeDeadlineSeconds?: number }; status?: { phase?: string } }

function addInto(into: Usage, k: string, a: Amount): void {
  into[k] = into[k] ? addAmounts(into[k], a) : a
}

/** resourcehelper.PodRequests / PodLimits: sum of containers, at least the largest init container, plus overhead. */
export function podResources(pod: PodLike, which: 'requests' | 'limits'): Usage {
  const sum: Usage = {}
  for (const c of pod.spec?.containers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) {
      const a = toAmount(v)
      if (a) addInto(sum, k, a)
    }
  }
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) {
      const a = toAmount(v)
      if (a && (!sum[k] || a.nano > sum[k].nano)) sum[k] = a
    }
  }
  for (const [k, v] of Object.entries(pod.spec?.overhead ?? {})) {
    const a = toAmount(v)
    if (a && (which === 'requests' || sum[k])) addInto(sum, k, a)
  }
  return sum
}

/** podComputeUsageHelper: pods 1, and cpu/memory/ephemeral-storage under both their bare and requests./limits. names. */
export function computeUsage(requests: Usage, limits: Usage): Usage {
  const out: Usage = { pods: one() }
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests[r]) {
      out[r] = requests[r]
      out[`requests.${r}`] = requests[r]
    }
    if (limits[r]) out[`limits.${r}`] = limits[r]
  }
  for (const [k, v] of Object.entries(requests)) {
    if (k.startsWith('hugepages-')) {
      out[k] = v
      out[`requests.${k}`] = v
    } else if (k.includes('/') && !k.startsWith('kubernetes.io/') && !k.startsWith('requests.')) out[`requests.${k}`] = v
  }
  return out
}

/** QuotaV1Pod: finished pods, and pods past their deletion grace, no longer use compute quota. */
export function podCountsForCompute(pod: PodLike, now: Date): boolean {
  const phase = pod.status?.phase
  if (phase === 'Succeeded' || phase === 'Failed') return false
  const del = pod.metadata.deletionTimestamp
  if (del && pod.metadata.deletionGracePeriodSeconds !== undefined) return now.getTime() <= Date.parse(del) + pod.metadata.deletionGracePeriodSeconds * 1000
  return true
}

/** PodUsageFunc. */
export function podUsage(pod: PodLike, now: Date): Usage {
  const out: Usage = { 'count/pods': one() }
  if (!podCountsForCompute(pod, now)) return out
  return { ...out, ...computeUsage(podResources(pod, 'requests'), podResources(pod, 'limits')) }
}

/** The quota name of an object count: `count/deployments.apps`, `count/pods`. */
export const countName = (group: string, resource: string) => (group === '' ? `count/${resource}` : `count/${resource}.${group}`)

/** Legacy count names of core kinds (`services`, `secrets`, ...). */
const legacyCounted = new Set(['services', 'secrets', 'configmaps', 'resourcequotas', 'persistentvolumeclaims', 'replicationcontrollers'])

/** The usage of any object: pods and services by their evaluators, everything else by object count. */
export function objectUsage(group: string, resource: string, obj: StoredObject, now: Date): Usage {
  if (group === '' && resource === 'pods') return podUsage(obj as PodLike, now)
  const out: Usage = { [countName(group, resource)]: one() }
  if (group === '' && legacyCounted.has(resource)) out[resource] = one()
  if (group === '' && resource === 'services') {
    const spec = (obj.spec ?? {}) as { type?: string; ports?: unknown[] }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') out['services.nodeports'] = { nano: BigInt((spec.ports ?? []).length) * 1_000_000_000n, format: 'DecimalSI' }
    if (spec.type === 'LoadBalancer') out['services.loadbalancers'] = one()
  }
  return out
}

/** The compute resources a pod quota makes every container state (the pod evaluator's validationSet). */
export const requiredPerContainer = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']

/**
 * The pod evaluator's Constraints: a quota on cpu or memory needs every container to state them.
 * Returns upstream's `must specify ...` text, or undefined.
 */
export function podConstraints(pod: PodLike, hard: readonly string[]): string | undefined {
  const required = requiredPerContainer.filter((r) => hard.includes(r))
  if (required.length === 0) return undefined
  const missing = new Map<string, Set<string>>()
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const have = computeUsage(podResources({ metadata: {}, spec: { containers: [c] } }, 'requests'), podResources({ metadata: {}, spec: { containers: [c] } }, 'limits'))
    for (const r of required) if (!have[r]) (missing.get(r) ?? missing.set(r, new Set()).get(r)!).add(c.name ?? '')
  }
  if (missing.size === 0) return undefined
  return `must specify ${[...missing.keys()]
    .sort()
    .map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`)
    .join('; ')}`
}

/** The part of a ResourceQuota that decides what it covers. */
export interface QuotaLike {
  spec?: { scopes?: string[]; scopeSelector?: unknown }
}

/** Whether a quota's scopes select this object (scopes only ever select pods). */
export function quotaSelects(q: QuotaLike, group: string, resource: string, obj: StoredObject): boolean {
  const scopes = q.spec?.scopes ?? []
  if (scopes.length === 0 && !q.spec?.scopeSelector) return true
  if (group !== '' || resource !== 'pods') return false
  const pod = obj as PodLike & { spec?: { activeDeadlineSeconds?: number; priorityClassName?: string }; status?: { qosClass?: string } }
  const qos = pod.status?.qosClass ?? computeQOSClass(pod.spec as never)
  const terminating = typeof pod.spec?.activeDeadlineSeconds === 'number'
  for (const s of scopes) {
    if (s === 'BestEffort' && qos !== 'BestEffort') return false
    if (s === 'NotBestEffort' && qos === 'BestEffort') return false
    if (s === 'Terminating' && !terminating) return false
    if (s === 'NotTerminating' && terminating) return false
  }
  const exprs = (q.spec?.scopeSelector as { matchExpressions?: { scopeName: string; operator: string; values?: string[] }[] } | undefined)?.matchExpressions ?? []
  for (const e of exprs) {
    if (e.scopeName !== 'PriorityClass') continue
    const pc = pod.spec?.priorityClassName ?? ''
    const ok = e.operator === 'In' ? (e.values ?? []).includes(pc) : e.operator === 'NotIn' ? !(e.values ?? []).includes(pc) : e.operator === 'Exists' ? pc !== '' : pc === ''
    if (!ok) return false
  }
  return true
}

