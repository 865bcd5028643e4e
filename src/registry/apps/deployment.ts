// apps/v1 Deployment (upstream: pkg/apis/apps/v1/defaults.go, pkg/apis/apps/validation,
// pkg/registry/apps/deployment/strategy.go, printers.go printDeployment).
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { forbidden, invalid, isDNS1123Subdomain, required } from '../../apis/validation.js'
import { defaultPodTemplateSpec } from '../../apis/core/pod.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef, ScaleDef, TableColumn } from '../types.js'
import { goDeploymentStrategy, goIntOrString, goInvalid, goLabelSelector, goNotSupported } from './gosyntax.js'
import { intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent } from './intorpercent.js'
import { nameColumn, ageColumn, containersColumn, imagesColumn } from '../columns.js'
import {
  containerCells,
  ensureObj,
  isObj,
  numOr,
  objAt,
  semanticEqual,
  selectorString,
  validateNonNegative,
  validateTemplateForReplicaSet,
  validateWorkloadSelector,
  type Obj,
} from './workload.js'

/** SetDefaults_Deployment plus the pod template's defaults. `strategy: {}` and `type: ""` count as unset. */
export function defaultDeployment(obj: StoredObject): void {
  const spec = ensureObj(obj, 'spec')
  if (!spec) return
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1
  const strategy = ensureObj(spec, 'strategy')
  if (strategy) {
    if (strategy.type === undefined || strategy.type === null || strategy.type === '') strategy.type = 'RollingUpdate'
    if (strategy.type === 'RollingUpdate') {
      const ru = ensureObj(strategy, 'rollingUpdate')
      if (ru) {
        if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = '25%'
        if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = '25%'
      }
    }
  }
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10
  if (spec.progressDeadlineSeconds === undefined || spec.progressDeadlineSeconds === null) spec.progressDeadlineSeconds = 600
  const template = ensureObj(spec, 'template')
  if (template) defaultPodTemplateSpec(template)
}

/** ValidateRollingUpdateDeployment. */
function validateRollingUpdate(ru: Obj, field: string): FieldError[] {
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, `${field}.maxUnavailable`),
    ...validatePositiveIntOrPercent(ru.maxSurge, `${field}.maxSurge`),
  ]
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    // Both zero would make no progress: 4 replicas could neither surge nor go unavailable.
    errs.push(goInvalid(`${field}.maxUnavailable`, ru.maxUnavailable, goIntOrStringOf(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'))
  }
  errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, `${field}.maxUnavailable`))
  return errs
}

// The internal type holds a zero IntOrString where v1 has nil.
const goIntOrStringOf = (v: unknown) => goIntOrString(v ?? 0)

/** ValidateDeploymentStrategy. */
function validateStrategy(strategy: unknown, field: string): FieldError[] {
  const s = isObj(strategy) ? strategy : {}
  switch (s.type) {
    case 'Recreate':
      return s.rollingUpdate != null ? [forbidden(`${field}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : []
    case 'RollingUpdate':
      if (!isObj(s.rollingUpdate)) return [required(`${field}.rollingUpdate`, 'this should be defaulted and never be nil')]
      return validateRollingUpdate(s.rollingUpdate, `${field}.rollingUpdate`)
    default:
      return [goNotSupported(field, s, goDeploymentStrategy(s), ['Recreate', 'RollingUpdate'])]
  }
}

/** ValidateDeploymentSpec (field paths from `spec`). */
export function validateDeploymentSpec(spec: unknown): FieldError[] {
  const s = isObj(spec) ? spec : {}
  const errs = validateNonNegative(s.replicas, 'spec.replicas')
  const sel = validateWorkloadSelector(s.selector, 'spec.selector', 'deployment')
  errs.push(...sel.errs)
  if (sel.selector) errs.push(...validateTemplateForReplicaSet(s.template, sel.selector, 'spec.template', 'ReplicaSet'))
  errs.push(...validateStrategy(s.strategy, 'spec.strategy'))
  errs.push(...validateNonNegative(s.minReadySeconds, 'spec.minReadySeconds'))
  if (s.revisionHistoryLimit != null) errs.push(...validateNonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'))
  if (s.progressDeadlineSeconds != null) {
    errs.push(...validateNonNegative(s.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'))
    if (numOr(s.progressDeadlineSeconds, 0) <= numOr(s.minReadySeconds, 0))
      errs.push(invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'))
  }
  return errs
}

/** The strategy's selector immutability check (apps/v1 and every version but the old betas). */
export function validateSelectorImmutable(obj: StoredObject, old: StoredObject): FieldError[] {
  const next = objAt(obj, 'spec')?.selector
  const prev = objAt(old, 'spec')?.selector
  if (semanticEqual(next ?? null, prev ?? null) && (next == null) === (prev == null)) return []
  return [goInvalid('spec.selector', next ?? null, goLabelSelector(next), 'field is immutable')]
}

const columns: TableColumn[] = [
  nameColumn,
  { name: 'Ready', type: 'string', format: '', description: 'Number of the pod with ready state', priority: 0 },
  { name: 'Up-to-date', type: 'string', format: '', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', priority: 0 },
  { name: 'Available', type: 'string', format: '', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', priority: 0 },
  ageColumn,
  containersColumn,
  imagesColumn,
  { name: 'Selector', type: 'string', format: '', description: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', priority: 1 },
]

/** printDeployment's cells (the server always prints wide). */
export function deploymentCells(obj: StoredObject, now: Date): unknown[] {
  const spec = objAt(obj, 'spec') ?? {}
  const status = objAt(obj, 'status') ?? {}
  const [names, images] = containerCells(spec.template)
  const selector = selectorString(spec.selector) ?? '<invalid>'
  return [
    obj.metadata.name ?? '',
    `${numOr(status.readyReplicas, 0)}/${numOr(spec.replicas, 0)}`,
    numOr(status.updatedReplicas, 0),
    numOr(status.availableReplicas, 0),
    age(obj.metadata.creationTimestamp as string | undefined, now),
    names,
    images,
    selector,
  ]
}

/** Scale for deployments and replica sets: spec.replicas, status.replicas, selector.String(). */
export const replicasScale: ScaleDef = {
  specReplicas: (obj) => numOr(objAt(obj, 'spec')?.replicas, 0),
  statusReplicas: (obj) => numOr(objAt(obj, 'status')?.replicas, 0),
  selector: (obj) => selectorString(objAt(obj, 'spec')?.selector) ?? '',
  withReplicas(obj, replicas) {
    const copy = structuredClone(obj)
    const spec = ensureObj(copy, 'spec') ?? {}
    spec.replicas = replicas
    copy.spec = spec
    return copy
  },
}

export const deployments: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  resource: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  statusTakesAnnotations: true,
  generation: true,
  scale: replicasScale,
  defaults: defaultDeployment,
  validate: (obj) => validateDeploymentSpec(obj.spec),
  validateUpdate: (obj, old) => [...validateDeploymentSpec(obj.spec), ...validateSelectorImmutable(obj, old)],
  prepareForUpdate(obj, old) {
    // Annotations are copied to the ReplicaSets, so changing them counts as a new generation too.
    if (!semanticEqual(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {}))
      obj.metadata.generation = (old.metadata.generation ?? 0) + 1
  },
  table: { columns, cells: deploymentCells },
}
