// autoscaling/v2 HorizontalPodAutoscaler, and autoscaling/v1 served from the same objects
// (upstream: pkg/apis/autoscaling/v2/defaults.go, pkg/apis/autoscaling/validation,
// printers.go printHorizontalPodAutoscaler; the v1 conversion is in hpa-v1.ts).
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { invalid, notSupported, required } from '../../apis/validation.js'
import { parseQuantity } from '../../apis/core/quantity.js'
import { age } from '../../lib/duration.js'
import { isObj, objAt } from '../apps/workload.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { hpaV1ToV2, hpaV2ToV1 } from './hpa-v1.js'

type Obj = Record<string, unknown>
const isSet = (v: unknown) => v !== undefined && v !== null

/** DefaultCPUUtilization. */
export const defaultCPUUtilization = 80

export const defaultScaleUpRules = () => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
})

/** The scale-down window stays unset: the controller's --horizontal-pod-autoscaler-downscale-stabilization (5 min) applies. */
export const defaultScaleDownRules = () => ({ selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }) as Obj

function fillRules(given: unknown, defaults: Obj): Obj {
  if (!isObj(given)) return defaults
  const out: Obj = { ...defaults }
  for (const k of ['selectPolicy', 'stabilizationWindowSeconds', 'policies']) if (isSet(given[k])) out[k] = given[k]
  return out
}

/** SetDefaults_HorizontalPodAutoscaler (1.32): minReplicas 1, 80% CPU, behavior filled when given. */
export function defaultHPA(obj: StoredObject): void {
  const spec = objAt(obj, 'spec')
  if (!spec) return
  if (!isSet(spec.minReplicas)) spec.minReplicas = 1
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: defaultCPUUtilization } } }]
  }
  if (isObj(spec.behavior)) {
    spec.behavior = { ...spec.behavior, scaleUp: fillRules(spec.behavior.scaleUp, defaultScaleUpRules()), scaleDown: fillRules(spec.behavior.scaleDown, defaultScaleDownRules()) }
  }
}

// IsValidPathSegmentName.
function pathSegment(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`]
  for (const bad of ['/', '%']) if (name.includes(bad)) return [`may not contain '${bad}'`]
  return []
}

function validateRef(ref: unknown, path: string): FieldError[] {
  const r = isObj(ref) ? ref : {}
  const errs: FieldError[] = []
  for (const key of ['kind', 'name']) {
    const v = typeof r[key] === 'string' ? (r[key] as string) : ''
    if (v === '') errs.push(required(`${path}.${key}`, ''))
    else for (const msg of pathSegment(v)) errs.push(invalid(`${path}.${key}`, v, msg))
  }
  return errs
}

const metricSourceTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource']
const sourceField: Record<string, string> = { Resource: 'resource', ContainerResource: 'containerResource', Pods: 'pods', Object: 'object', External: 'external' }

function validateTarget(t: unknown, path: string): FieldError[] {
  const mt = isObj(t) ? t : {}
  const errs: FieldError[] = []
  const type = typeof mt.type === 'string' ? mt.type : ''
  if (type === '') errs.push(required(`${path}.type`, 'must specify a metric target type'))
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') errs.push(invalid(`${path}.type`, type, 'must be either Utilization, Value, or AverageValue'))
  for (const key of ['value', 'averageValue']) {
    if (isSet(mt[key]) && !((parseQuantity(mt[key]) ?? 0) > 0)) errs.push(invalid(`${path}.${key}`, mt[key], 'must be positive'))
  }
  if (typeof mt.averageUtilization === 'number' && mt.averageUtilization < 1) errs.push(invalid(`${path}.averageUtilization`, mt.averageUtilization, 'must be greater than 0'))
  return errs
}

function validateResourceSource(src: Obj, path: string, container: boolean): FieldError[] {
  const errs: FieldError[] = []
  if (!src.name) errs.push(required(`${path}.name`, 'must specify a resource name'))
  if (container && !src.container) errs.push(required(`${path}.container`, 'must specify a container'))
  const target = isObj(src.target) ? src.target : {}
  errs.push(...validateTarget(target, `${path}.target`))
  if (!isSet(target.averageUtilization) && !isSet(target.averageValue)) errs.push(required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'))
  if (isSet(target.averageUtilization) && isSet(target.averageValue)) errs.push({ type: 'FieldValueForbidden', field: `${path}.target.averageValue`, detail: 'may not set both a target raw value and a target utilization' })
  return errs
}

function validateMetrics(metrics: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  const list = Array.isArray(metrics) ? metrics : []
  list.forEach((m: unknown, i) => {
    const spec = isObj(m) ? m : {}
    const p = `${path}[${i}]`
    const type = typeof spec.type === 'string' ? spec.type : ''
    if (type === '') errs.push(required(`${p}.type`, 'must specify a metric source type'))
    if (!metricSourceTypes.includes(type)) errs.push(notSupported(`${p}.type`, type, metricSourceTypes))
    const present = Object.entries(sourceField).filter(([, f]) => isSet(spec[f]))
    for (const [t, f] of present) if (t !== type) errs.push({ type: 'FieldValueForbidden', field: `${p}.${f}`, detail: 'must populate the given metric source only' })
    const expected = sourceField[type]
    if (expected && !isSet(spec[expected])) {
      errs.push(required(`${p}.${expected}`, 'must populate information for the given metric source'))
      return
    }
    if (type === 'Resource' || type === 'ContainerResource') errs.push(...validateResourceSource(spec[expected] as Obj, `${p}.${expected}`, type === 'ContainerResource'))
    else if (expected) {
      const src = spec[expected] as Obj
      errs.push(...validateTarget(src.target, `${p}.${expected}.target`))
    }
  })
  return errs
}

function validateRules(rules: unknown, path: string): FieldError[] {
  if (!isObj(rules)) return []
  const errs: FieldError[] = []
  const w = rules.stabilizationWindowSeconds
  if (typeof w === 'number' && w < 0) errs.push(invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'))
  if (typeof w === 'number' && w > 3600) errs.push(invalid(`${path}.stabilizationWindowSeconds`, w, 'must be less than or equal to 3600'))
  if (isSet(rules.selectPolicy) && !['Max', 'Min', 'Disabled'].includes(String(rules.selectPolicy))) errs.push(notSupported(`${path}.selectPolicy`, rules.selectPolicy, ['Disabled', 'Max', 'Min']))
  const policies = Array.isArray(rules.policies) ? rules.policies : []
  if (policies.length === 0) errs.push(required(`${path}.policies`, 'must specify at least one Policy'))
  policies.forEach((pol: unknown, i) => {
    const p = isObj(pol) ? pol : {}
    const at = `${path}.policies[${i}]`
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.push(notSupported(`${at}.type`, p.type ?? '', ['Percent', 'Pods']))
    if (!(typeof p.value === 'number' && p.value > 0)) errs.push(invalid(`${at}.value`, p.value ?? 0, 'must be greater than zero'))
    const period = typeof p.periodSeconds === 'number' ? p.periodSeconds : 0
    if (period <= 0) errs.push(invalid(`${at}.periodSeconds`, period, 'must be greater than zero'))
    if (period > 1800) errs.push(invalid(`${at}.periodSeconds`, period, 'must be less than or equal to 1800'))
  })
  return errs
}

/** validateHorizontalPodAutoscalerSpec (HPAScaleToZero off: minReplicas ≥ 1). */
export function validateHPA(obj: StoredObject): FieldError[] {
  const spec = objAt(obj, 'spec') ?? {}
  const errs: FieldError[] = []
  const min = spec.minReplicas
  const max = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0
  if (typeof min === 'number' && min < 1) errs.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'))
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'))
  if (typeof min === 'number' && max < min) errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'))
  const refErrs = validateRef(spec.scaleTargetRef, 'spec.scaleTargetRef')
  if (refErrs.length) return [...errs, ...refErrs]
  const metricErrs = validateMetrics(spec.metrics, 'spec.metrics')
  if (metricErrs.length) return [...errs, ...metricErrs]
  const behavior = objAt(spec, 'behavior')
  if (behavior) errs.push(...validateRules(behavior.scaleUp, 'spec.behavior.scaleUp'), ...validateRules(behavior.scaleDown, 'spec.behavior.scaleDown'))
  return errs
}

const d = (name: string) => `${name} is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.`
const columns: TableColumn[] = [
  nameColumn,
  column('Reference', 'string', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
  column('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.'),
  column('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.'),
  column('MaxPods', 'integer', d('maxReplicas')),
  column('Replicas', 'integer', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
  ageColumn,
]

const q = (v: unknown) => (v === undefined || v === null ? '<unknown>' : String(v))

/** formatHPAMetrics: `cpu: 23%/50%`, at most two, then `+ N more...`. */
export function formatHPAMetrics(specs: unknown, statuses: unknown): string {
  const list = Array.isArray(specs) ? (specs as Obj[]) : []
  const st = Array.isArray(statuses) ? (statuses as Obj[]) : []
  if (list.length === 0) return '<none>'
  const out = list.map((spec, i) => {
    const status = st[i]
    const type = spec.type
    const field = sourceField[String(type)]
    if (!field || !isObj(spec[field])) return '<unknown type>'
    const src = spec[field] as Obj
    const target = (isObj(src.target) ? src.target : {}) as Obj
    const cur = (isObj(status?.[field]) ? objAt(status[field], 'current') : undefined) ?? undefined
    if (type === 'Resource' || type === 'ContainerResource') {
      if (isSet(target.averageValue)) return `${src.name}: ${cur ? q(cur.averageValue) : '<unknown>'}/${target.averageValue}`
      const current = cur && typeof cur.averageUtilization === 'number' ? `${cur.averageUtilization}%` : '<unknown>'
      const tgt = typeof target.averageUtilization === 'number' ? `${target.averageUtilization}%` : '<auto>'
      return `${src.name}: ${current}/${tgt}`
    }
    if (type === 'Pods') return `${cur ? q(cur.averageValue) : '<unknown>'}/${target.averageValue}`
    if (isSet(target.averageValue)) return `${cur ? q(cur.averageValue) : '<unknown>'}/${target.averageValue} (avg)`
    return `${cur ? q(cur.value) : '<unknown>'}/${target.value}`
  })
  return out.length > 2 ? `${out.slice(0, 2).join(', ')} + ${out.length - 2} more...` : out.join(', ')
}

export function hpaCells(obj: StoredObject, now: Date): unknown[] {
  const spec = objAt(obj, 'spec') ?? {}
  const status = objAt(obj, 'status') ?? {}
  const ref = objAt(spec, 'scaleTargetRef') ?? {}
  return [
    obj.metadata.name ?? '',
    `${ref.kind ?? ''}/${ref.name ?? ''}`,
    formatHPAMetrics(spec.metrics, status.currentMetrics),
    typeof spec.minReplicas === 'number' ? String(spec.minReplicas) : '<unset>',
    typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0,
    typeof status.currentReplicas === 'number' ? status.currentReplicas : 0,
    age(obj.metadata.creationTimestamp as string | undefined, now),
  ]
}

const base = {
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  resource: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  nameValidator: (name: string) => pathSegment(name),
  hasStatus: true,
  generation: true,
}

export const hpaV2: ResourceDef = {
  ...base,
  version: 'v2',
  defaults: defaultHPA,
  validate: validateHPA,
  table: { columns, cells: hpaCells },
}

// ---- autoscaling/v1 ⇄ v2: hpa-v1.ts ----------------------------------------------------------

export { hpaV1ToV2, hpaV2ToV1 }

export const hpaV1: ResourceDef = {
  ...base,
  version: 'v1',
  storage: { group: 'autoscaling', resource: 'horizontalpodautoscalers', toStorage: (o) => {
      if (o.apiVersion === 'autoscaling/v2') return o
      const v2 = hpaV1ToV2(o)
      defaultHPA(v2)
      return v2
    },
    fromStorage: hpaV2ToV1 },
  defaults: (obj) => {
    const spec = objAt(obj, 'spec')
    if (spec && !isSet(spec.minReplicas)) spec.minReplicas = 1
  },
  validate: (obj) => {
    const errs = validateHPA(hpaV1ToV2(obj))
    const cpu = objAt(obj, 'spec')?.targetCPUUtilizationPercentage
    if (typeof cpu === 'number' && cpu < 1) errs.push(invalid('spec.targetCPUUtilizationPercentage', cpu, 'must be greater than 0'))
    return errs
  },
  table: { columns, cells: (o, now) => hpaCells(hpaV1ToV2(o), now) },
}
