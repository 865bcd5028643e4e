// autoscaling/v1 ⇄ v2 HorizontalPodAutoscaler (upstream: pkg/apis/autoscaling/v1/conversion.go,
// pkg/apis/autoscaling/annotations.go). v1 carries only targetCPUUtilizationPercentage and
// currentCPUUtilizationPercentage; everything else v2 has travels in annotations, so a v1 client
// that reads an object and writes it back loses nothing:
//   autoscaling.alpha.kubernetes.io/metrics          the metrics other than the CPU utilization one (v1 MetricSpec JSON)
//   autoscaling.alpha.kubernetes.io/current-metrics  every status.currentMetrics entry (v1 MetricStatus JSON)
//   autoscaling.alpha.kubernetes.io/conditions       status.conditions
//   autoscaling.alpha.kubernetes.io/behavior         spec.behavior, as upstream marshals its internal
//                                                    type: Go field names (`ScaleUp`, `StabilizationWindowSeconds`)
// Reading v1 turns the annotations back into fields and removes them.
import type { StoredObject } from '../../apis/meta.js'
import { errors } from '../../apis/status.js'

type Obj = Record<string, any>

export const metricSpecsAnnotation = 'autoscaling.alpha.kubernetes.io/metrics'
export const metricStatusesAnnotation = 'autoscaling.alpha.kubernetes.io/current-metrics'
export const conditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions'
export const behaviorAnnotation = 'autoscaling.alpha.kubernetes.io/behavior'

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const set = (v: unknown) => v !== undefined && v !== null
/** A non-pointer resource.Quantity: the zero quantity marshals as "0". */
const qty = (v: unknown) => (set(v) ? v : '0')
/** Keys with an undefined value dropped (Go's omitempty on pointers). */
const compact = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

const refToV1 = (r: Obj | undefined) => compact({ kind: r?.kind ?? '', name: r?.name ?? '', apiVersion: r?.apiVersion || undefined })

// ---- metric specs --------------------------------------------------------------------------------

function metricSpecToV1(m: Obj): Obj {
  const out: Obj = { type: m.type ?? '' }
  if (isObj(m.object)) {
    const o = m.object
    const t = o.target ?? {}
    out.object = compact({ target: refToV1(o.describedObject), metricName: o.metric?.name ?? '', targetValue: qty(t.value), selector: o.metric?.selector ?? undefined, averageValue: t.averageValue ?? undefined })
  }
  if (isObj(m.pods)) {
    const p = m.pods
    out.pods = compact({ metricName: p.metric?.name ?? '', targetAverageValue: qty(p.target?.averageValue), selector: p.metric?.selector ?? undefined })
  }
  if (isObj(m.resource)) {
    const r = m.resource
    out.resource = compact({ name: r.name ?? '', targetAverageUtilization: r.target?.averageUtilization ?? undefined, targetAverageValue: r.target?.averageValue ?? undefined })
  }
  if (isObj(m.containerResource)) {
    const r = m.containerResource
    out.containerResource = compact({ name: r.name ?? '', targetAverageUtilization: r.target?.averageUtilization ?? undefined, targetAverageValue: r.target?.averageValue ?? undefined, container: r.container ?? '' })
  }
  if (isObj(m.external)) {
    const e = m.external
    out.external = compact({ metricName: e.metric?.name ?? '', metricSelector: e.metric?.selector ?? undefined, targetValue: e.target?.value ?? undefined, targetAverageValue: e.target?.averageValue ?? undefined })
  }
  return out
}

const identifier = (name: unknown, selector: unknown) => compact({ name: name ?? '', selector: set(selector) ? selector : undefined })

function resourceSourceToV2(r: Obj, container: boolean): Obj {
  const util = r.targetAverageUtilization
  const target = compact({ type: set(util) ? 'Utilization' : 'AverageValue', averageUtilization: set(util) ? util : undefined, averageValue: set(r.targetAverageValue) ? r.targetAverageValue : undefined })
  return container ? { name: r.name ?? '', container: r.container ?? '', target } : { name: r.name ?? '', target }
}

function metricSpecToV2(m: Obj): Obj {
  const out: Obj = { type: m.type ?? '' }
  if (isObj(m.object)) {
    const o = m.object
    const target = compact({ type: set(o.averageValue) ? 'AverageValue' : 'Value', value: qty(o.targetValue), averageValue: set(o.averageValue) ? o.averageValue : undefined })
    out.object = { describedObject: refToV1(o.target), metric: identifier(o.metricName, o.selector), target }
  }
  if (isObj(m.pods)) out.pods = { metric: identifier(m.pods.metricName, m.pods.selector), target: { type: 'AverageValue', averageValue: qty(m.pods.targetAverageValue) } }
  if (isObj(m.resource)) out.resource = resourceSourceToV2(m.resource, false)
  if (isObj(m.containerResource)) out.containerResource = resourceSourceToV2(m.containerResource, true)
  if (isObj(m.external)) {
    const e = m.external
    const target = compact({ type: set(e.targetValue) ? 'Value' : 'AverageValue', value: set(e.targetValue) ? e.targetValue : undefined, averageValue: set(e.targetAverageValue) ? e.targetAverageValue : undefined })
    out.external = { metric: identifier(e.metricName, e.metricSelector), target }
  }
  return out
}

// ---- metric statuses -----------------------------------------------------------------------------

function metricStatusToV1(m: Obj): Obj {
  const out: Obj = { type: m.type ?? '' }
  if (isObj(m.object)) {
    const o = m.object
    out.object = compact({ target: refToV1(o.describedObject), metricName: o.metric?.name ?? '', currentValue: qty(o.current?.value), selector: o.metric?.selector ?? undefined, averageValue: o.current?.averageValue ?? undefined })
  }
  if (isObj(m.pods)) out.pods = compact({ metricName: m.pods.metric?.name ?? '', currentAverageValue: qty(m.pods.current?.averageValue), selector: m.pods.metric?.selector ?? undefined })
  for (const [key, container] of [['resource', false], ['containerResource', true]] as const) {
    if (!isObj(m[key])) continue
    const r = m[key]
    out[key] = compact({ name: r.name ?? '', currentAverageUtilization: r.current?.averageUtilization ?? undefined, currentAverageValue: qty(r.current?.averageValue), container: container ? (r.container ?? '') : undefined })
  }
  if (isObj(m.external)) {
    const e = m.external
    out.external = compact({ metricName: e.metric?.name ?? '', metricSelector: e.metric?.selector ?? undefined, currentValue: qty(e.current?.value), currentAverageValue: e.current?.averageValue ?? undefined })
  }
  return out
}

function metricStatusToV2(m: Obj): Obj {
  const out: Obj = { type: m.type ?? '' }
  if (isObj(m.object)) {
    const o = m.object
    out.object = { metric: identifier(o.metricName, o.selector), current: compact({ value: qty(o.currentValue), averageValue: set(o.averageValue) ? o.averageValue : undefined }), describedObject: refToV1(o.target) }
  }
  if (isObj(m.pods)) out.pods = { metric: identifier(m.pods.metricName, m.pods.selector), current: { averageValue: qty(m.pods.currentAverageValue) } }
  for (const [key, container] of [['resource', false], ['containerResource', true]] as const) {
    if (!isObj(m[key])) continue
    const r = m[key]
    const current = compact({ averageValue: qty(r.currentAverageValue), averageUtilization: set(r.currentAverageUtilization) ? r.currentAverageUtilization : undefined })
    out[key] = container ? { name: r.name ?? '', container: r.container ?? '', current } : { name: r.name ?? '', current }
  }
  if (isObj(m.external)) {
    const e = m.external
    out.external = { metric: identifier(e.metricName, e.metricSelector), current: compact({ value: qty(e.currentValue), averageValue: set(e.currentAverageValue) ? e.currentAverageValue : undefined }) }
  }
  return out
}

// ---- behavior (the internal type, without json tags) ---------------------------------------------

function rulesToGo(r: Obj | undefined): Obj | null {
  if (!isObj(r)) return null
  return {
    StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
    SelectPolicy: r.selectPolicy ?? null,
    Policies: Array.isArray(r.policies) ? r.policies.map((p: Obj) => ({ Type: p.type ?? '', Value: p.value ?? 0, PeriodSeconds: p.periodSeconds ?? 0 })) : null,
  }
}

/** encoding/json matches keys case-insensitively. */
function field(o: Obj, name: string): unknown {
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : o[key]
}

function rulesFromGo(r: unknown): Obj | undefined {
  if (!isObj(r)) return undefined
  const policies = field(r, 'Policies')
  return compact({
    stabilizationWindowSeconds: field(r, 'StabilizationWindowSeconds') ?? undefined,
    selectPolicy: field(r, 'SelectPolicy') ?? undefined,
    policies: Array.isArray(policies) ? policies.filter(isObj).map((p) => ({ type: field(p, 'Type') ?? '', value: field(p, 'Value') ?? 0, periodSeconds: field(p, 'PeriodSeconds') ?? 0 })) : undefined,
  })
}

// ---- the objects ---------------------------------------------------------------------------------

const isCPU = (m: Obj) => m.type === 'Resource' && isObj(m.resource) && m.resource.name === 'cpu'

/** An annotation holding JSON: a malformed one is the client's error (upstream: the decode fails with a 400). */
function parseAnnotation(key: string, value: string): unknown {
  try {
    return JSON.parse(value)
  } catch (err) {
    throw errors.badRequest(`error decoding ${key} annotation: ${(err as Error).message}`)
  }
}

/** v2 (stored) → v1: Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler. */
export function hpaV2ToV1(v2: StoredObject): StoredObject {
  const o = v2 as unknown as Obj
  const spec: Obj = o.spec ?? {}
  const status: Obj = o.status ?? {}
  const metrics: Obj[] = Array.isArray(spec.metrics) ? spec.metrics : []
  const currentMetrics: Obj[] = Array.isArray(status.currentMetrics) ? status.currentMetrics : []
  const conditions: Obj[] = Array.isArray(status.conditions) ? status.conditions : []

  let cpu: number | undefined
  const cpuMetric = metrics.find(isCPU)
  if (cpuMetric && typeof cpuMetric.resource.target?.averageUtilization === 'number') cpu = cpuMetric.resource.target.averageUtilization
  let currentCPU: number | undefined
  for (const m of currentMetrics) if (isCPU(m) && typeof m.resource.current?.averageUtilization === 'number') currentCPU = m.resource.current.averageUtilization

  const others = metrics.filter((m) => !(isCPU(m) && set(m.resource.target?.averageUtilization))).map(metricSpecToV1)
  const annotations: Obj = { ...(o.metadata?.annotations ?? {}) }
  if (others.length) annotations[metricSpecsAnnotation] = JSON.stringify(others)
  if (currentMetrics.length) annotations[metricStatusesAnnotation] = JSON.stringify(currentMetrics.map(metricStatusToV1))
  if (conditions.length) annotations[conditionsAnnotation] = JSON.stringify(conditions.map((c) => compact({ type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime || undefined, reason: c.reason || undefined, message: c.message || undefined })))
  if (isObj(spec.behavior)) annotations[behaviorAnnotation] = JSON.stringify({ ScaleUp: rulesToGo(spec.behavior.scaleUp), ScaleDown: rulesToGo(spec.behavior.scaleDown) })

  const { metrics: _m, behavior: _b, ...restSpec } = spec
  const { currentMetrics: _cm, conditions: _c, ...restStatus } = status
  const metadata = Object.keys(annotations).length ? { ...o.metadata, annotations } : o.metadata
  return {
    ...o,
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { ...restSpec, ...(cpu !== undefined ? { targetCPUUtilizationPercentage: cpu } : {}) },
    status: { ...restStatus, ...(currentCPU !== undefined ? { currentCPUUtilizationPercentage: currentCPU } : {}) },
  } as StoredObject
}

/** v1 → v2 (stored): Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler. */
export function hpaV1ToV2(v1: StoredObject): StoredObject {
  const o = v1 as unknown as Obj
  const spec: Obj = o.spec ?? {}
  const status: Obj | undefined = isObj(o.status) ? o.status : undefined
  const annotations: Obj = { ...(o.metadata?.annotations ?? {}) }
  const { targetCPUUtilizationPercentage: cpu, ...restSpec } = spec
  const outSpec: Obj = { ...restSpec }
  let metrics: Obj[] | undefined = typeof cpu === 'number' ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } }] : undefined
  if (metricSpecsAnnotation in annotations) {
    const others = parseAnnotation(metricSpecsAnnotation, annotations[metricSpecsAnnotation])
    // The CPU target, if any, goes after the others.
    metrics = [...(Array.isArray(others) ? others.filter(isObj).map(metricSpecToV2) : []), ...(metrics ?? [])]
    delete annotations[metricSpecsAnnotation]
  }
  if (metrics) outSpec.metrics = metrics
  if (behaviorAnnotation in annotations) {
    // Upstream ignores a behavior it cannot decode, and an empty one.
    let b: unknown
    try {
      b = JSON.parse(annotations[behaviorAnnotation])
    } catch {
      b = undefined
    }
    if (isObj(b)) {
      const scaleUp = rulesFromGo(field(b, 'ScaleUp'))
      const scaleDown = rulesFromGo(field(b, 'ScaleDown'))
      if (scaleUp || scaleDown) outSpec.behavior = compact({ scaleUp, scaleDown })
    }
    delete annotations[behaviorAnnotation]
  }

  let outStatus: Obj | undefined
  if (status) {
    const { currentCPUUtilizationPercentage: cur, ...rest } = status
    outStatus = { ...rest, ...(typeof cur === 'number' ? { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cur } } }] } : {}) }
  }
  if (metricStatusesAnnotation in annotations) {
    // These carry more than currentCPUUtilizationPercentage: they win.
    const list = parseAnnotation(metricStatusesAnnotation, annotations[metricStatusesAnnotation])
    outStatus = { ...outStatus, currentMetrics: Array.isArray(list) ? list.filter(isObj).map(metricStatusToV2) : [] }
    delete annotations[metricStatusesAnnotation]
  }
  if (conditionsAnnotation in annotations) {
    const list = parseAnnotation(conditionsAnnotation, annotations[conditionsAnnotation])
    outStatus = { ...outStatus, conditions: Array.isArray(list) ? list.filter(isObj).map((c) => compact({ type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message })) : [] }
    delete annotations[conditionsAnnotation]
  }

  const metadata: Obj = { ...o.metadata }
  if (Object.keys(annotations).length) metadata.annotations = annotations
  else delete metadata.annotations
  const out: Obj = { ...o, apiVersion: 'autoscaling/v2', metadata, spec: outSpec }
  if (outStatus) out.status = outStatus
  return out as StoredObject
}
