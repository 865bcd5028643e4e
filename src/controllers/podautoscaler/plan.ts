// One pass of the HorizontalPodAutoscaler controller (upstream: pkg/controller/podautoscaler/
// horizontal.go reconcileAutoscaler, computeReplicasForMetrics, computeReplicasForMetric,
// normalizeDesiredReplicas(WithBehaviors), stabilizeRecommendation(WithBehaviors),
// convertDesiredReplicasWithBehaviorRate). Pure: the target's scale, its pods and their metrics, the
// clock and what earlier passes recommended and did come in; the status to write, the size to scale
// to, the events and the new history go out.
import { CalculatorError, milliQuantity, milliValue, plainMetricReplicas, resourceReplicas, type Pod, type PodMetric } from './replicas.js'

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

/** The target's scale subresource (autoscaling/v1 Scale) as the controller reads it. */
export interface ObservedScale {
  /** spec.replicas */
  replicas: number
  /** status.replicas */
  statusReplicas?: number
  /** status.selector, in string form. */
  selector: string
  /** Why status.selector does not parse (labels.Parse's error), if it does not. */
  selectorError?: string
  /** The HPAs (`namespace/name`, this one included) whose selectors select some of these pods, when more than one does. */
  controlledBy?: string[]
}

export interface Observed {
  hpa: Obj
  /** The target's scale subresource, or why it could not be read (the scale client's error). */
  scale: ObservedScale | { error: string }
  /** The pods status.selector selects, in the HPA's namespace. */
  pods: Obj[]
  /** PodMetrics of the selected pods (metrics.k8s.io), or why they could not be listed. */
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
  /** The history once the target is scaled to scaleTo (storeScaleEvent runs only after a successful update). */
  historyAfterScale?: History
}

/**
 * No custom or external metrics API is served (no adapter, as on a cluster without
 * prometheus-adapter): what upstream's metrics clients answer then. The custom metrics client
 * finds no `custom.metrics.k8s.io` group in discovery; the external one gets a 404 for its path.
 */
export const noCustomMetricsAPI = 'no custom metrics API (custom.metrics.k8s.io) registered'
export const noExternalMetric = (metric: string) => `the server could not find the requested resource (get ${metric}.external.metrics.k8s.io)`

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

const parseWindow = (w: unknown) => {
  const m = /^(?:(\d+)m)?([\d.]+)s$/.exec(String(w ?? '0s'))
  return m ? (Number(m[1] ?? 0) * 60 + Number(m[2])) * 1000 : 0
}

/**
 * metrics/client.go GetResourceMetric: per pod, the sum over its containers (a pod missing one is
 * left out), or with `container` that container's figure (a pod without it is an error).
 */
export function podMetricsInfo(items: Obj[], resource: string, container = ''): Map<string, PodMetric> {
  const out = new Map<string, PodMetric>()
  for (const m of items) {
    const at = { timestamp: Date.parse(m.timestamp), windowMs: parseWindow(m.window) }
    if (container) {
      const c = (m.containers ?? []).find((x: Obj) => x.name === container)
      if (!c) throw new CalculatorError(`failed to get container metrics: container ${container} not present in metrics for pod ${m.metadata?.namespace}/${m.metadata?.name}`)
      const v = milliValue(c.usage?.[resource])
      if (v !== undefined) out.set(m.metadata.name, { value: v, ...at })
      continue
    }
    let sum = 0
    let missing = false
    for (const c of m.containers ?? []) {
      const v = milliValue(c.usage?.[resource])
      if (v === undefined) {
        missing = true
        break
      }
      sum += v
    }
    if (!missing) out.set(m.metadata.name, { value: sum, ...at })
  }
  return out
}

/** metav1.LabelSelector printed with %+v (its generated String()), as upstream's messages show it. */
export function goLabelSelector(sel: Obj | undefined | null): string {
  if (!sel) return 'nil'
  const labels = Object.keys(sel.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${sel.matchLabels[k]},`)
    .join('')
  const exprs = (sel.matchExpressions ?? []).map((e: Obj) => `LabelSelectorRequirement{Key:${e.key ?? ''},Operator:${e.operator ?? ''},Values:[${(e.values ?? []).join(' ')}],},`).join('')
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`
}

// ---- behavior (normalizeDesiredReplicasWithBehaviors) ------------------------------------------

export interface Rules {
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

/** GenerateHPAScaleUpRules: what is not given comes from the defaults (4 pods or 100% per 15 s, no window, Max). */
export function scaleUpRules(given?: Rules): Rules {
  return {
    stabilizationWindowSeconds: given?.stabilizationWindowSeconds ?? 0,
    selectPolicy: given?.selectPolicy ?? 'Max',
    policies: given?.policies?.length ? given.policies : [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
  }
}

/** GenerateHPAScaleDownRules, with maybeInitScaleDownStabilizationWindow's 300 s for an unset window. */
export function scaleDownRules(given?: Rules): Rules {
  return {
    stabilizationWindowSeconds: given?.stabilizationWindowSeconds ?? downscaleStabilizationSeconds,
    selectPolicy: given?.selectPolicy ?? 'Max',
    policies: given?.policies?.length ? given.policies : [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  }
}

/**
 * convertDesiredReplicasWithBehaviorRate: the stabilized count within the policies' rate (what the
 * last periodSeconds already added or removed counts against it) and min/max, with the
 * ScalingLimited reason and message.
 */
export function convertDesiredReplicasWithBehaviorRate(a: { current: number; desired: number; min: number; max: number; up: Rules; down: Rules }, h: History, now: number): { replicas: number; reason: string; message: string } {
  if (a.desired > a.current) {
    const limit = Math.max(scaleUpLimit(a.current, h, a.up, now), a.current)
    if (a.max > limit) {
      if (a.desired > limit) return { replicas: limit, reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' }
    } else if (a.desired > a.max) return { replicas: a.max, reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' }
  } else if (a.desired < a.current) {
    const limit = Math.min(scaleDownLimit(a.current, h, a.down, now), a.current)
    if (a.min < limit) {
      if (a.desired < limit) return { replicas: limit, reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' }
    } else if (a.desired < a.min) return { replicas: a.min, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' }
  }
  return { replicas: a.desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' }
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

  const up = scaleUpRules(behavior.scaleUp)
  const down = scaleDownRules(behavior.scaleDown)
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

  const { replicas: out, reason, message } = convertDesiredReplicasWithBehaviorRate({ current, desired: stabilized, min: minReplicas, max, up, down }, h, now)
  conditions = setCondition(conditions, 'ScalingLimited', out === stabilized ? 'False' : 'True', reason, message, now)
  return { replicas: out, conditions, history: { ...h, recommendations } }
}

// ---- one metric (computeReplicasForMetric) -----------------------------------------------------

interface MetricContext {
  namespace: string
  current: number
  statusReplicas: number
  pods: Pod[]
  podMetrics: Obj[] | { error: string }
  now: number
}

type MetricResult =
  | { replicas: number; name: string; status: Obj }
  /** reason/message: the ScalingActive condition and the per-metric Warning event; err: the error computeReplicasForMetrics reports. */
  | { failure: { reason: string; message: string; err: string } }

const failure = (reason: string, message: string, err: string = message): MetricResult => ({ failure: { reason, message, err } })

/** computeStatusForResourceMetricGeneric: a Resource or ContainerResource metric from metrics.k8s.io. */
function resourceMetric(src: Obj, container: string, ctx: MetricContext): { replicas: number; name: string; current: Obj } | { error: string } {
  const name: string = src.name ?? ''
  const target = src.target ?? {}
  const metrics = (): Map<string, PodMetric> => {
    if ('error' in ctx.podMetrics) throw new CalculatorError(`unable to get metrics for resource ${name}: ${ctx.podMetrics.error}`)
    try {
      return podMetricsInfo(ctx.podMetrics, name, container)
    } catch (err) {
      throw new CalculatorError(`unable to get metrics for resource ${name}: ${(err as Error).message}`)
    }
  }
  const averageValue = milliValue(target.averageValue)
  if (target.averageValue !== undefined && target.averageValue !== null && averageValue !== undefined) {
    try {
      const r = plainMetricReplicas(ctx.current, averageValue, name, ctx.pods, metrics(), ctx.now)
      return { replicas: r.replicas, name: `${name} resource`, current: { averageValue: milliQuantity(r.usage) } }
    } catch (err) {
      if (!(err instanceof CalculatorError)) throw err
      return { error: `failed to get ${name} usage: ${err.message}` }
    }
  }
  if (typeof target.averageUtilization !== 'number') return { error: 'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set' }
  try {
    const r = resourceReplicas(ctx.current, target.averageUtilization, name, ctx.pods, metrics(), ctx.now, container)
    const what = container ? `${name} container resource utilization (percentage of request)` : `${name} resource utilization (percentage of request)`
    return { replicas: r.replicas, name: what, current: { averageUtilization: r.utilization, averageValue: milliQuantity(r.rawAverage) } }
  } catch (err) {
    if (!(err instanceof CalculatorError)) throw err
    return { error: `failed to get ${name} utilization: ${err.message}` }
  }
}

export function computeReplicasForMetric(m: Obj, ctx: MetricContext): MetricResult {
  switch (m.type) {
    case 'Resource': {
      const src = m.resource ?? {}
      const r = resourceMetric(src, '', ctx)
      if ('error' in r) return failure('FailedGetResourceMetric', r.error, `failed to get ${src.name} resource metric value: ${r.error}`)
      return { replicas: r.replicas, name: r.name, status: { type: 'Resource', resource: { name: src.name, current: r.current } } }
    }
    case 'ContainerResource': {
      const src = m.containerResource ?? {}
      const r = resourceMetric(src, src.container ?? '', ctx)
      if ('error' in r) return failure('FailedGetContainerResourceMetric', r.error, `failed to get ${src.container} container metric value: ${r.error}`)
      return { replicas: r.replicas, name: r.name, status: { type: 'ContainerResource', containerResource: { name: src.name, container: src.container, current: r.current } } }
    }
    case 'Pods': {
      // GetMetricReplicas → customMetricsClient.GetRawMetric.
      const name = m.pods?.metric?.name ?? ''
      const err = `unable to get metric ${name}: unable to fetch metrics from custom metrics API: ${noCustomMetricsAPI}`
      return failure('FailedGetPodsMetric', err, `failed to get pods metric value: ${err}`)
    }
    case 'Object': {
      const o = m.object ?? {}
      const name = o.metric?.name ?? ''
      const target = o.target ?? {}
      // GetObjectMetricReplicas / GetObjectPerPodMetricReplicas: upstream's format string has its
      // arguments out of order, so the object comes before the error: "...: Service on default web/unable to ...".
      const err = `unable to get metric ${name}: ${o.describedObject?.kind ?? ''} on ${ctx.namespace} ${o.describedObject?.name ?? ''}/unable to fetch metrics from custom metrics API: ${noCustomMetricsAPI}`
      if (target.type === 'Value' && target.value !== undefined && target.value !== null) return failure('FailedGetObjectMetric', err, `failed to get object metric value: ${err}`)
      if (target.type === 'AverageValue' && target.averageValue !== undefined && target.averageValue !== null) return failure('FailedGetObjectMetric', err, `failed to get object metric value: failed to get ${name} object metric: ${err}`)
      const invalid = 'invalid object metric source: neither a value target nor an average value target was set'
      return failure('FailedGetObjectMetric', invalid, `failed to get object metric value: ${invalid}`)
    }
    case 'External': {
      const e = m.external ?? {}
      const name = e.metric?.name ?? ''
      const target = e.target ?? {}
      const err = `unable to get external metric ${ctx.namespace}/${name}/${goLabelSelector(e.metric?.selector)}: unable to fetch metrics from external metrics API: ${noExternalMetric(name)}`
      if (target.averageValue !== undefined && target.averageValue !== null) return failure('FailedGetExternalMetric', err, `failed to get ${name} external metric value: failed to get ${name} external metric: ${err}`)
      if (target.value !== undefined && target.value !== null) return failure('FailedGetExternalMetric', err, `failed to get ${name} external metric value: failed to get external metric ${name}: ${err}`)
      const invalid = 'invalid external metric source: neither a value target nor an average value target was set'
      return failure('FailedGetExternalMetric', invalid, `failed to get ${name} external metric value: ${invalid}`)
    }
    default: {
      const err = `unknown metric source type "${m.type ?? ''}"`
      return failure('InvalidMetricSourceType', err)
    }
  }
}

// ---- the pass -----------------------------------------------------------------------------------

export function planHPA(o: Observed, nowDate: Date): Plan {
  const now = nowDate.getTime()
  const hpa = o.hpa
  const spec = hpa.spec ?? {}
  const events: Plan['events'] = []
  let conditions: Condition[] = (hpa.status?.conditions ?? []).map((c: Condition) => ({ ...c }))
  const minReplicas: number = spec.minReplicas ?? 1
  // setStatus: the status is rebuilt each pass from these fields (upstream keeps no observedGeneration).
  const statusOf = (current: number, desired: number, metrics: Obj[] | undefined): Obj => ({
    ...(hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
    currentReplicas: current,
    desiredReplicas: desired,
    ...(metrics && metrics.length ? { currentMetrics: metrics } : {}),
    conditions,
  })

  if ('error' in o.scale) {
    const msg = o.scale.error
    events.push({ type: 'Warning', reason: 'FailedGetScale', message: msg })
    conditions = setCondition(conditions, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${msg}`, now)
    const st = hpa.status ?? {}
    return { status: { ...st, conditions }, events, history: o.history }
  }
  conditions = setCondition(conditions, 'AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale", now)
  const scale = o.scale
  const current = scale.replicas
  let history = o.history
  // recordInitialRecommendation: the current size counts as a recommendation from the first pass.
  if (history.recommendations.length === 0) history = { ...history, recommendations: [{ replicas: current, at: now }] }
  let desired = 0
  let reason = ''
  let metricStatuses: Obj[] | undefined
  let rescale = true

  if (current === 0 && minReplicas !== 0) {
    rescale = false
    conditions = setCondition(conditions, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero', now)
  } else if (current > spec.maxReplicas) {
    reason = 'Current number of replicas above Spec.MaxReplicas'
    desired = spec.maxReplicas
  } else if (current < minReplicas) {
    reason = 'Current number of replicas below Spec.MinReplicas'
    desired = minReplicas
  } else {
    // validateAndParseSelector.
    let selectorFailure: string | undefined
    if (!scale.selector) {
      selectorFailure = 'selector is required'
      events.push({ type: 'Warning', reason: 'SelectorRequired', message: selectorFailure })
      conditions = setCondition(conditions, 'ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector", now)
    } else if (scale.selectorError) {
      selectorFailure = `couldn't convert selector into a corresponding internal selector object: ${scale.selectorError}`
      events.push({ type: 'Warning', reason: 'InvalidSelector', message: selectorFailure })
      conditions = setCondition(conditions, 'ScalingActive', 'False', 'InvalidSelector', selectorFailure, now)
    } else if (scale.controlledBy && scale.controlledBy.length > 1) {
      selectorFailure = `pods by selector ${scale.selector} are controlled by multiple HPAs: [${scale.controlledBy.join(' ')}]`
      events.push({ type: 'Warning', reason: 'AmbiguousSelector', message: selectorFailure })
      conditions = setCondition(conditions, 'ScalingActive', 'False', 'AmbiguousSelector', selectorFailure, now)
    }
    if (selectorFailure) {
      events.push({ type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: selectorFailure })
      return { status: statusOf(current, hpa.status?.desiredReplicas ?? 0, undefined), events, history }
    }

    // computeReplicasForMetrics: the largest proposal of the valid metrics wins.
    const specs: Obj[] = spec.metrics ?? []
    const ctx: MetricContext = { namespace: hpa.metadata?.namespace ?? '', current, statusReplicas: scale.statusReplicas ?? current, pods: o.pods as Pod[], podMetrics: o.podMetrics, now }
    const statuses: Obj[] = []
    let proposal = 0
    let metricName = ''
    let invalid = 0
    let first: { reason: string; message: string; err: string } | undefined
    for (const m of specs) {
      const r = computeReplicasForMetric(m, ctx)
      if ('failure' in r) {
        // getUnableComputeReplicaCountCondition: a Warning per failing metric.
        events.push({ type: 'Warning', reason: r.failure.reason, message: r.failure.message })
        first ??= r.failure
        invalid++
        statuses.push({ type: '' })
        continue
      }
      statuses.push(r.status)
      if (proposal === 0 || r.replicas > proposal) {
        proposal = r.replicas
        metricName = r.name
      }
    }
    metricStatuses = statuses
    // All metrics invalid, or some invalid and the rest would scale down: no change.
    if (invalid >= specs.length || (invalid > 0 && proposal < current)) {
      const fe = first!
      conditions = setCondition(conditions, 'ScalingActive', 'False', fe.reason, `the HPA was unable to compute the replica count: ${fe.message}`, now)
      events.push({ type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${fe.err}` })
      return { status: statusOf(current, hpa.status?.desiredReplicas ?? 0, metricStatuses), events, history }
    }
    conditions = setCondition(conditions, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metricName}`, now)
    desired = proposal
    if (desired > current) reason = `${metricName} above target`
    if (desired < current) reason = 'All metrics below target'
    const n = normalize(hpa, current, desired, minReplicas, conditions, history, now)
    desired = n.replicas
    conditions = n.conditions
    history = n.history
    rescale = desired !== current
  }

  if (!rescale) return { status: statusOf(current, current, metricStatuses), events, history }
  // storeScaleEvent (only with a behavior, as upstream).
  const before = history
  if (spec.behavior) {
    const longest = (rules?: Rules) => Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds))
    const keep = (list: { change: number; at: number }[], rules?: Rules) => list.filter((e) => e.at > now - longest(rules) * 1000)
    if (desired > current) history = { ...history, scaleUpEvents: [...keep(history.scaleUpEvents, spec.behavior.scaleUp), { change: desired - current, at: now }] }
    else history = { ...history, scaleDownEvents: [...keep(history.scaleDownEvents, spec.behavior.scaleDown), { change: current - desired, at: now }] }
  }
  return { status: statusOf(current, desired, metricStatuses), scaleTo: desired, reason, events, history: before, historyAfterScale: history }
}
