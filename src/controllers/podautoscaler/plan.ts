// One pass of the HorizontalPodAutoscaler controller (upstream: pkg/controller/podautoscaler/
// horizontal.go reconcileAutoscaler, computeReplicasForMetrics, normalizeDesiredReplicas(WithBehaviors),
// stabilizeRecommendation(WithBehaviors), convertDesiredReplicasWithBehaviorRate). Pure: the target's
// scale, its pods and their metrics, the clock and what earlier passes recommended and did come in;
// the status to write, the size to scale to, the events and the new history go out.
import { CalculatorError, resourceReplicas, type PodMetric } from './replicas.js'

/** --horizontal-pod-autoscaler-downscale-stabilization. */
export const downscaleStabilizationSeconds = 300
/** --horizontal-pod-autoscaler-sync-period. */
export const syncPeriodMs = 15_000

type Obj = Record<string, any>

export interface Condition {
  type: 'AbleToScale' | 'ScalingActive' | 'ScalingLimited'
  status: 'True' | 'False'
  lastTransitionTime?: string
  reason: string
  message: string
}

export interface History {
  /** Unstabilized recommendations, newest last. */
  recommendations: { replicas: number; at: number }[]
  scaleUpEvents: { change: number; at: number }[]
  scaleDownEvents: { change: number; at: number }[]
}

export const emptyHistory = (): History => ({ recommendations: [], scaleUpEvents: [], scaleDownEvents: [] })

export interface Observed {
  hpa: Obj
  /** The target's scale subresource, or why it could not be read. */
  scale: { replicas: number; selector: string } | { error: string }
  pods: Obj[]
  /** PodMetrics of the selected pods, or why they could not be listed. */
  podMetrics: Obj[] | { error: string }
  history: History
}

export interface Plan {
  status: Obj
  /** Set when the target must be scaled. */
  scaleTo?: number
  /** Why (the SuccessfulRescale event's reason part). */
  reason?: string
  events: { type: 'Normal' | 'Warning'; reason: string; message: string }[]
  history: History
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** setConditionInList: in place by type; lastTransitionTime moves only when the status does. */
export function setCondition(list: Condition[], type: Condition['type'], status: Condition['status'], reason: string, message: string, now: number): Condition[] {
  const out = list.map((c) => ({ ...c }))
  let c = out.find((x) => x.type === type)
  if (!c) {
    c = { type, status, reason, message }
    out.push(c)
    c.lastTransitionTime = rfc3339(now)
  } else if (c.status !== status) c.lastTransitionTime = rfc3339(now)
  c.status = status
  c.reason = reason
  c.message = message
  return out
}

/** The milli-value of a quantity string (`250m` → 250, `1` → 1000, `1234567n` → 2). */
function milli(q: unknown): number {
  const s = String(q ?? '0')
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(s)
  if (!m) return 0
  const n = Number(m[1])
  const f: Record<string, number> = { n: 1e-6, u: 1e-3, m: 1, '': 1000, k: 1e6, M: 1e9, G: 1e12, Ki: 1024e3, Mi: 1048576e3, Gi: 1073741824e3 }
  return Math.ceil(n * (f[m[2]] ?? 0))
}

/** metrics/client.go getPodMetrics: per pod, the sum over its containers; a pod missing one is left out. */
export function podMetricsInfo(items: Obj[], resource: string): Map<string, PodMetric> {
  const out = new Map<string, PodMetric>()
  for (const m of items) {
    let sum = 0
    let missing = false
    for (const c of m.containers ?? []) {
      if (c.usage?.[resource] === undefined) {
        missing = true
        break
      }
      sum += milli(c.usage[resource])
    }
    if (missing) continue
    const window = /^(?:(\d+)m)?([\d.]+)s$/.exec(String(m.window ?? '0s'))
    const windowMs = window ? (Number(window[1] ?? 0) * 60 + Number(window[2])) * 1000 : 0
    out.set(m.metadata.name, { value: sum, timestamp: Date.parse(m.timestamp), windowMs })
  }
  return out
}

/** Milli-units as resource.NewMilliQuantity(v, DecimalSI).String(): `115m`, `2`. */
function milliQuantity(v: number): string {
  return v % 1000 === 0 ? String(v / 1000) : `${v}m`
}

// ---- behavior (normalizeDesiredReplicasWithBehaviors) ------------------------------------------

interface Rules {
  stabilizationWindowSeconds?: number
  selectPolicy?: string
  policies?: { type: string; value: number; periodSeconds: number }[]
}

function changeInPeriod(periodSeconds: number, events: { change: number; at: number }[], now: number): number {
  const cutoff = now - periodSeconds * 1000
  return events.filter((e) => e.at > cutoff).reduce((s, e) => s + e.change, 0)
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(current: number, h: History, rules: Rules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current
  const min = rules.selectPolicy === 'Min'
  let result = min ? Infinity : -Infinity
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, h.scaleUpEvents, now) + changeInPeriod(p.periodSeconds, h.scaleDownEvents, now)
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100))
    result = min ? Math.min(result, proposed) : Math.max(result, proposed)
  }
  return result
}

/** calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimit(current: number, h: History, rules: Rules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current
  const min = rules.selectPolicy === 'Min'
  let result = min ? -Infinity : Infinity
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, h.scaleUpEvents, now) + changeInPeriod(p.periodSeconds, h.scaleDownEvents, now)
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100))
    result = min ? Math.max(result, proposed) : Math.min(result, proposed)
  }
  return result
}

interface Normalized {
  replicas: number
  conditions: Condition[]
  history: History
}

function normalize(hpa: Obj, current: number, desired: number, minReplicas: number, conditionsIn: Condition[], h: History, now: number): Normalized {
  const behavior = hpa.spec?.behavior
  const max: number = hpa.spec?.maxReplicas ?? 0
  let conditions = conditionsIn
  if (!behavior) {
    // stabilizeRecommendation: the highest recommendation of the last 5 minutes.
    const cutoff = now - downscaleStabilizationSeconds * 1000
    let stabilized = desired
    for (const r of h.recommendations) if (r.at > cutoff) stabilized = Math.max(stabilized, r.replicas)
    const recommendations = [...h.recommendations.filter((r) => r.at > cutoff), { replicas: desired, at: now }]
    conditions =
      stabilized !== desired
        ? setCondition(conditions, 'AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation', now)
        : setCondition(conditions, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', now)
    // convertDesiredReplicasWithRules: no more than max(2 × current, 4) at once.
    const upLimit = Math.max(2 * current, 4)
    let maxAllowed: number
    let reason: string
    let message: string
    if (max > upLimit) [maxAllowed, reason, message] = [upLimit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
    else [maxAllowed, reason, message] = [max, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count']
    let out = stabilized
    if (stabilized < minReplicas) [out, reason, message] = [minReplicas, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count']
    else if (stabilized > maxAllowed) out = maxAllowed
    else [reason, message] = ['DesiredWithinRange', 'the desired count is within the acceptable range']
    conditions = setCondition(conditions, 'ScalingLimited', out === stabilized ? 'False' : 'True', reason, message, now)
    return { replicas: out, conditions, history: { ...h, recommendations } }
  }

  const up: Rules = behavior.scaleUp ?? {}
  const down: Rules = { ...behavior.scaleDown, stabilizationWindowSeconds: behavior.scaleDown?.stabilizationWindowSeconds ?? downscaleStabilizationSeconds }
  // stabilizeRecommendationWithBehaviors.
  const upCutoff = now - (up.stabilizationWindowSeconds ?? 0) * 1000
  const downCutoff = now - (down.stabilizationWindowSeconds ?? 0) * 1000
  let upRec = desired
  let downRec = desired
  for (const r of h.recommendations) {
    if (r.at > upCutoff) upRec = Math.min(r.replicas, upRec)
    if (r.at > downCutoff) downRec = Math.max(r.replicas, downRec)
  }
  let stabilized = current
  if (stabilized < upRec) stabilized = upRec
  if (stabilized > downRec) stabilized = downRec
  const keepFrom = Math.min(upCutoff, downCutoff)
  const recommendations = [...h.recommendations.filter((r) => r.at >= keepFrom), { replicas: desired, at: now }]
  const [stReason, stMessage] =
    desired >= current
      ? ['ScaleUpStabilized', 'recent recommendations were lower than current one, applying the lowest recent recommendation']
      : ['ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation']
  conditions =
    stabilized !== desired
      ? setCondition(conditions, 'AbleToScale', 'True', stReason, stMessage, now)
      : setCondition(conditions, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', now)

  // convertDesiredReplicasWithBehaviorRate.
  let out = stabilized
  let reason = 'DesiredWithinRange'
  let message = 'the desired count is within the acceptable range'
  if (stabilized > current) {
    const limit = Math.max(scaleUpLimit(current, h, up, now), current)
    let maxAllowed = max
    let r = 'TooManyReplicas'
    let m = 'the desired replica count is more than the maximum replica count'
    if (maxAllowed > limit) [maxAllowed, r, m] = [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
    if (stabilized > maxAllowed) [out, reason, message] = [maxAllowed, r, m]
  } else if (stabilized < current) {
    const limit = Math.min(scaleDownLimit(current, h, down, now), current)
    let minAllowed = minReplicas
    let r = 'TooFewReplicas'
    let m = 'the desired replica count is less than the minimum replica count'
    if (minAllowed < limit) [minAllowed, r, m] = [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']
    if (stabilized < minAllowed) [out, reason, message] = [minAllowed, r, m]
  }
  conditions = setCondition(conditions, 'ScalingLimited', out === stabilized ? 'False' : 'True', reason, message, now)
  return { replicas: out, conditions, history: { ...h, recommendations } }
}

// ---- the pass -----------------------------------------------------------------------------------

export function planHPA(o: Observed, nowDate: Date): Plan {
  const now = nowDate.getTime()
  const hpa = o.hpa
  const spec = hpa.spec ?? {}
  const events: Plan['events'] = []
  let conditions: Condition[] = (hpa.status?.conditions ?? []).map((c: Condition) => ({ ...c }))
  const ref = spec.scaleTargetRef ?? {}
  const reference = `${ref.kind}/${ref.name}`
  const minReplicas: number = spec.minReplicas ?? 1
  const baseStatus = (current: number, desired: number, metrics: Obj[] | undefined): Obj => ({
    observedGeneration: hpa.metadata?.generation,
    ...(hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
    currentReplicas: current,
    desiredReplicas: desired,
    ...(metrics && metrics.length ? { currentMetrics: metrics } : {}),
  })

  if ('error' in o.scale) {
    const msg = o.scale.error
    events.push({ type: 'Warning', reason: 'FailedGetScale', message: msg })
    conditions = setCondition(conditions, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${msg}`, now)
    return { status: { ...baseStatus(hpa.status?.currentReplicas ?? 0, hpa.status?.desiredReplicas ?? 0, hpa.status?.currentMetrics), conditions }, events, history: o.history }
  }
  conditions = setCondition(conditions, 'AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale", now)
  const current = o.scale.replicas
  let desired = 0
  let reason = ''
  let metricStatuses: Obj[] = []
  let history = o.history

  if (current === 0 && minReplicas !== 0) {
    conditions = setCondition(conditions, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero', now)
  } else if (current > spec.maxReplicas) {
    reason = 'Current number of replicas above Spec.MaxReplicas'
    desired = spec.maxReplicas
  } else if (current < minReplicas) {
    reason = 'Current number of replicas below Spec.MinReplicas'
    desired = minReplicas
  } else {
    // computeReplicasForMetrics: the largest proposal of the valid metrics.
    const specs: Obj[] = spec.metrics ?? []
    let proposal = 0
    let metricName = ''
    let invalid = 0
    let firstError: { reason: string; message: string; err: string } | undefined
    specs.forEach((m, i) => {
      const fail = (condReason: string, err: string) => {
        events.push({ type: 'Warning', reason: condReason, message: err })
        if (!firstError) firstError = { reason: condReason, message: `the HPA was unable to compute the replica count: ${err}`, err }
        invalid++
        metricStatuses[i] = {}
      }
      if (m.type !== 'Resource' || !m.resource) {
        fail('InvalidMetricSourceType', `unknown metric source type "${m.type}"`)
        return
      }
      const name = m.resource.name
      if (!o.scale || !('selector' in o.scale) || !o.scale.selector) {
        fail('InvalidSelector', 'selector is required')
        return
      }
      const target = m.resource.target ?? {}
      try {
        if ('error' in o.podMetrics) throw new CalculatorError(`unable to get metrics for resource ${name}: ${o.podMetrics.error}`)
        const metrics = podMetricsInfo(o.podMetrics, name)
        if (typeof target.averageUtilization !== 'number') throw new CalculatorError('only averageUtilization targets are supported')
        const r = resourceReplicas(current, target.averageUtilization, name, o.pods as Parameters<typeof resourceReplicas>[3], metrics, now)
        metricStatuses[i] = { type: 'Resource', resource: { name, current: { averageUtilization: r.utilization, averageValue: milliQuantity(r.rawAverage) } } }
        if (proposal === 0 || r.replicas > proposal) {
          proposal = r.replicas
          metricName = `${name} resource utilization (percentage of request)`
        }
      } catch (err) {
        if (!(err instanceof CalculatorError)) throw err
        fail('FailedGetResourceMetric', `failed to get ${name} utilization: ${err.message}`)
        firstError!.err = `failed to get ${name} resource metric value: ${firstError!.err}`
      }
    })
    metricStatuses = metricStatuses.filter((s) => s && Object.keys(s).length)
    if (invalid >= specs.length || (invalid > 0 && proposal < current)) {
      const fe = firstError!
      conditions = setCondition(conditions, 'ScalingActive', 'False', fe.reason, fe.message, now)
      const err = `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${fe.err}`
      events.push({ type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: err })
      return { status: { ...baseStatus(current, hpa.status?.desiredReplicas ?? 0, metricStatuses), conditions }, events, history }
    }
    conditions = setCondition(conditions, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metricName}`, now)
    desired = proposal
    if (desired > current) reason = `${metricName} above target`
    if (desired < current) reason = 'All metrics below target'
    const n = normalize(hpa, current, desired, minReplicas, conditions, history, now)
    desired = n.replicas
    conditions = n.conditions
    history = n.history
  }

  const rescale = desired !== current && !(current === 0 && minReplicas !== 0)
  const status = { ...baseStatus(current, rescale ? desired : current === 0 && minReplicas !== 0 ? 0 : desired, metricStatuses), conditions }
  if (!rescale) return { status, events, history }
  // storeScaleEvent (only with a behavior, as upstream).
  if (spec.behavior) {
    const longest = (rules?: Rules) => Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds))
    const keep = (list: { change: number; at: number }[], rules?: Rules) => list.filter((e) => e.at > now - longest(rules) * 1000)
    if (desired > current) history = { ...history, scaleUpEvents: [...keep(history.scaleUpEvents, spec.behavior.scaleUp), { change: desired - current, at: now }] }
    else history = { ...history, scaleDownEvents: [...keep(history.scaleDownEvents, spec.behavior.scaleDown), { change: current - desired, at: now }] }
  }
  return { status, scaleTo: desired, reason, events, history }
}
