// batch/v1 Job (upstream: pkg/apis/batch/v1/defaults.go SetDefaults_Job,
// pkg/apis/batch/validation ValidateJob / ValidateJobUpdate, pkg/registry/batch/job/strategy.go
// generateSelector, printers.go printJob).
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { forbidden, invalid, isDNS1123Label, isDNS1123Subdomain, notSupported, required } from '../../apis/validation.js'
import { defaultPodTemplateSpec } from '../../apis/core/pod.js'
import { validatePodTemplateSpec } from '../../apis/core/pod.js'
import { age, humanDuration } from '../../lib/duration.js'
import { ageColumn, column, containersColumn, imagesColumn, nameColumn } from '../columns.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { goInvalid, goLabelSelector, goStringMap } from '../apps/gosyntax.js'
import {
  containerCells,
  convertLabelSelector,
  ensureObj,
  formatLabelSelectorCell,
  isObj,
  numOr,
  objAt,
  semanticEqual,
  validateLabelSelector,
  validateNonNegative,
  type Obj,
} from '../apps/workload.js'
import { matches } from '../../lib/selector.js'

/** Well-known Job labels and annotations (upstream pkg/apis/batch/types.go). */
export const jobLabels = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  legacyControllerUid: 'controller-uid',
  legacyJobName: 'job-name',
  completionIndex: 'batch.kubernetes.io/job-completion-index',
  trackingFinalizer: 'batch.kubernetes.io/job-tracking',
} as const

/** Indexed Jobs may run at most this many pods at once (maxParallelismForIndexedJob). */
export const maxParallelismForIndexedJob = 100000

const isSet = (v: unknown) => v !== undefined && v !== null

/**
 * SetDefaults_Job: completions and parallelism 1 when both are unset, parallelism 1, backoffLimit 6
 * (MaxInt32 with backoffLimitPerIndex), the template's labels as the Job's when it has none,
 * completionMode NonIndexed, suspend false, onPodConditions status True, and podReplacementPolicy
 * Failed with a podFailurePolicy, TerminatingOrFailed without; then the pod template's defaults.
 */
export function defaultJob(obj: StoredObject): void {
  const spec = ensureObj(obj, 'spec')
  if (!spec) return
  if (!isSet(spec.completions) && !isSet(spec.parallelism)) {
    spec.completions = 1
    spec.parallelism = 1
  }
  if (!isSet(spec.parallelism)) spec.parallelism = 1
  if (!isSet(spec.backoffLimit)) spec.backoffLimit = isSet(spec.backoffLimitPerIndex) ? 2147483647 : 6
  const template = ensureObj(spec, 'template')
  const templateLabels = objAt(template, 'metadata')?.labels
  if (isObj(templateLabels) && Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = { ...(templateLabels as Record<string, string>) }
  if (!isSet(spec.completionMode) || spec.completionMode === '') spec.completionMode = 'NonIndexed'
  if (!isSet(spec.suspend)) spec.suspend = false
  const pfp = objAt(spec, 'podFailurePolicy')
  for (const rule of Array.isArray(pfp?.rules) ? pfp.rules : []) {
    if (!isObj(rule) || !Array.isArray(rule.onPodConditions)) continue
    for (const p of rule.onPodConditions) if (isObj(p) && (!isSet(p.status) || p.status === '')) p.status = 'True'
  }
  if (!isSet(spec.podReplacementPolicy) || spec.podReplacementPolicy === '') spec.podReplacementPolicy = pfp ? 'Failed' : 'TerminatingOrFailed'
  if (template) defaultPodTemplateSpec(template)
}

/**
 * The strategy's PrepareForCreate: a fresh status and, unless spec.manualSelector, the generated
 * selector (generateSelector): the template gains `batch.kubernetes.io/job-name`, `job-name`,
 * `batch.kubernetes.io/controller-uid` and `controller-uid` (where not set), and the selector
 * matches the controller-uid. A Job without labels of its own shows the template's (upstream's
 * defaulting copies them on the next read).
 */
export function prepareJobForCreate(obj: StoredObject): void {
  const spec = ensureObj(obj, 'spec')
  if (!spec) return
  if (spec.manualSelector !== true) {
    const template = ensureObj(spec, 'template')
    const meta = template ? ensureObj(template, 'metadata') : undefined
    if (meta) {
      const labels = (ensureObj(meta, 'labels') ?? {}) as Record<string, string>
      for (const k of [jobLabels.legacyJobName, jobLabels.jobName]) if (!(k in labels)) labels[k] = obj.metadata.name ?? ''
      for (const k of [jobLabels.legacyControllerUid, jobLabels.controllerUid]) if (!(k in labels)) labels[k] = obj.metadata.uid ?? ''
      const selector = ensureObj(spec, 'selector')
      if (selector) {
        const ml = ensureObj(selector, 'matchLabels')
        if (ml && !(jobLabels.controllerUid in ml)) ml[jobLabels.controllerUid] = obj.metadata.uid ?? ''
      }
      if (Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = { ...labels }
    }
  }
}

/** validateGeneratedSelector: a Job without manualSelector must carry exactly the generated selector. */
function validateGeneratedSelector(obj: StoredObject): FieldError[] {
  const spec = objAt(obj, 'spec') ?? {}
  if (spec.manualSelector === true || !isSet(spec.selector)) return []
  const errs: FieldError[] = []
  const labels = (objAt(objAt(spec, 'template'), 'metadata')?.labels ?? {}) as Record<string, unknown>
  const uid = obj.metadata.uid ?? ''
  const name = obj.metadata.name ?? ''
  const want: [string, string][] = [
    [jobLabels.legacyControllerUid, uid],
    [jobLabels.legacyJobName, name],
    [jobLabels.controllerUid, uid],
    [jobLabels.jobName, name],
  ]
  for (const [k, v] of want) {
    // apivalidation.ValidateHasLabel
    if (!(k in labels)) errs.push(required(`spec.template.metadata.labels[${k}]`, v))
    else if (labels[k] !== v) errs.push(goInvalid(`spec.template.metadata.labels[${k}]`, labels, goStringMap(labels), v))
  }
  if (!semanticEqual(spec.selector, { matchLabels: { [jobLabels.controllerUid]: uid } }))
    errs.push(goInvalid('spec.selector', spec.selector, goLabelSelector(spec.selector), '`selector` not auto-generated'))
  return errs
}

/** validatePodFailurePolicy (the rules' shape; FailIndex needs backoffLimitPerIndex). */
function validatePodFailurePolicy(spec: Obj, field: string): FieldError[] {
  const errs: FieldError[] = []
  const pfp = objAt(spec, 'podFailurePolicy') ?? {}
  const rules = Array.isArray(pfp.rules) ? pfp.rules : []
  const containerNames = new Set(
    (['containers', 'initContainers'] as const).flatMap((k) => {
      const list = objAt(objAt(spec, 'template'), 'spec')?.[k]
      return Array.isArray(list) ? list.filter(isObj).map((c) => String(c.name ?? '')) : []
    }),
  )
  rules.forEach((r, i) => {
    const p = `${field}.rules[${i}]`
    const rule = isObj(r) ? r : {}
    const actions = ['Count', 'FailIndex', 'FailJob', 'Ignore']
    if (!actions.includes(rule.action as string)) errs.push(notSupported(`${p}.action`, rule.action ?? '', actions))
    else if (rule.action === 'FailIndex' && !isSet(spec.backoffLimitPerIndex))
      errs.push(forbidden(`${p}.action`, 'requires the backoffLimitPerIndex to be set'))
    const onExit = isObj(rule.onExitCodes) ? rule.onExitCodes : undefined
    const onConds = Array.isArray(rule.onPodConditions) ? rule.onPodConditions : undefined
    if ((onExit && onConds?.length) || (!onExit && !onConds?.length)) {
      errs.push(invalid(p, '', 'specifying one of OnExitCodes and OnPodConditions is required'))
      return
    }
    if (onExit) {
      const ep = `${p}.onExitCodes`
      if (isSet(onExit.containerName) && !containerNames.has(String(onExit.containerName)))
        errs.push(invalid(`${ep}.containerName`, onExit.containerName, 'must be one of the container or initContainer names in the pod template'))
      if (onExit.operator !== 'In' && onExit.operator !== 'NotIn') errs.push(notSupported(`${ep}.operator`, onExit.operator ?? '', ['In', 'NotIn']))
      const values = Array.isArray(onExit.values) ? onExit.values : []
      if (values.length === 0) errs.push(required(`${ep}.values`, 'at least one value is required'))
      else if (values.length > 255) errs.push({ type: 'FieldValueTooMany', field: `${ep}.values`, value: values.length, detail: 'must have at most 255 items' })
      let prev: number | undefined
      values.forEach((v, j) => {
        if (v === 0 && onExit.operator === 'In') errs.push(invalid(`${ep}.values[${j}]`, 0, 'must not be 0 for the In operator'))
        if (prev !== undefined && typeof v === 'number') {
          if (prev === v) errs.push({ type: 'FieldValueDuplicate', field: `${ep}.values[${j}]`, value: v })
          else if (prev > v) errs.push(invalid(`${ep}.values`, values, 'must be ordered'))
        }
        if (typeof v === 'number') prev = v
      })
    } else {
      onConds!.forEach((c, j) => {
        const cp = `${p}.onPodConditions[${j}]`
        const cond = isObj(c) ? c : {}
        if (!['True', 'False', 'Unknown'].includes(cond.status as string)) errs.push(notSupported(`${cp}.status`, cond.status ?? '', ['True', 'False', 'Unknown']))
        if (!isSet(cond.type) || cond.type === '') errs.push(required(`${cp}.type`))
      })
    }
  })
  return errs
}

/**
 * ValidateJobSpec (field paths under `path`); without `withSelector` it is validateJobSpec, the part a
 * CronJob's jobTemplate shares (its selector is generated per Job).
 */
export function validateJobSpec(specIn: unknown, path = 'spec', withSelector = true): FieldError[] {
  const spec = isObj(specIn) ? specIn : {}
  const errs: FieldError[] = []
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes'])
    errs.push(...validateNonNegative(spec[f], `${path}.${f}`))
  if (isSet(spec.backoffLimitPerIndex) && spec.completionMode !== 'Indexed') errs.push(forbidden(`${path}.backoffLimitPerIndex`, 'requires indexed completion mode'))
  if (isSet(spec.maxFailedIndexes) && !isSet(spec.backoffLimitPerIndex))
    errs.push(required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'))
  if (isSet(spec.completionMode)) {
    if (spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed')
      errs.push(notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']))
    if (spec.completionMode === 'Indexed') {
      if (!isSet(spec.completions)) errs.push(required(`${path}.completions`, 'when completion mode is Indexed'))
      if (numOr(spec.parallelism, 0) > maxParallelismForIndexedJob)
        errs.push(invalid(`${path}.parallelism`, spec.parallelism, `must be less than or equal to ${maxParallelismForIndexedJob} when completion mode is Indexed`))
    }
  }
  if (isSet(spec.podFailurePolicy)) errs.push(...validatePodFailurePolicy(spec, `${path}.podFailurePolicy`))
  if (isSet(spec.podReplacementPolicy) && spec.podReplacementPolicy !== 'TerminatingOrFailed' && spec.podReplacementPolicy !== 'Failed')
    errs.push(notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed', 'TerminatingOrFailed']))
  else if (spec.podReplacementPolicy === 'TerminatingOrFailed' && isSet(spec.podFailurePolicy))
    errs.push(notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed']))
  errs.push(...validatePodTemplateSpec(spec.template, `${path}.template`))
  const restartPolicy = objAt(objAt(spec, 'template'), 'spec')?.restartPolicy
  // The pod defaults turn an unset restartPolicy into Always, so both read as "not given".
  if (restartPolicy === 'Always' || !isSet(restartPolicy) || restartPolicy === '')
    errs.push(required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'))
  else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never')
    errs.push(notSupported(`${path}.template.spec.restartPolicy`, restartPolicy, ['OnFailure', 'Never']))
  else if (isSet(spec.podFailurePolicy) && restartPolicy !== 'Never')
    errs.push(invalid(`${path}.template.spec.restartPolicy`, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'))

  if (!withSelector) return errs
  // ValidateJobSpec's selector part: required, well formed, and matching the template.
  if (!isSet(spec.selector)) errs.push(required(`${path}.selector`, ''))
  else errs.push(...validateLabelSelector(spec.selector, `${path}.selector`))
  const sel = convertLabelSelector(spec.selector)
  if (sel.kind !== 'error') {
    const labels = objAt(objAt(spec, 'template'), 'metadata')?.labels
    const ok = sel.kind === 'everything' || (sel.kind === 'selector' && matches(sel.selector, isObj(labels) ? (labels as Record<string, string>) : undefined))
    if (!ok) errs.push(goInvalid(`${path}.template.metadata.labels`, labels ?? null, goStringMap(labels), '`selector` does not match template `labels`'))
  }
  return errs
}

/** ValidateJob. */
export function validateJob(obj: StoredObject): FieldError[] {
  const spec = objAt(obj, 'spec') ?? {}
  const errs = [...validateGeneratedSelector(obj), ...validateJobSpec(spec)]
  if (spec.completionMode === 'Indexed' && typeof spec.completions === 'number' && spec.completions > 0) {
    // Pods of an Indexed Job are named `<job>-<index>` as hostnames: the largest must be a DNS label.
    const maximumPodHostname = `${obj.metadata.name}-${spec.completions - 1}`
    if (isDNS1123Label(maximumPodHostname).length)
      errs.push(invalid('metadata.name', obj.metadata.name, `will not able to create pod with invalid DNS label: ${maximumPodHostname}`))
  }
  return errs
}

/** The template fields a suspended Job that never started may still change (scheduling directives). */
const mutableWhenSuspended = ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates']

/** ValidateJobUpdate: the spec's immutable fields (the template may change only while suspended, and then only its scheduling directives, labels and annotations). */
export function validateJobUpdate(obj: StoredObject, old: StoredObject): FieldError[] {
  const errs = validateJob(obj)
  const spec = objAt(obj, 'spec') ?? {}
  const prev = objAt(old, 'spec') ?? {}
  const same = (a: unknown, b: unknown) => semanticEqual(a ?? null, b ?? null) && (a == null) === (b == null)
  if (!same(spec.selector, prev.selector)) errs.push(goInvalid('spec.selector', spec.selector ?? null, goLabelSelector(spec.selector), 'field is immutable'))
  const suspendedNeverStarted = spec.suspend === true && !isSet(objAt(old, 'status')?.startTime)
  let template = spec.template
  let oldTemplate = prev.template
  if (suspendedNeverStarted) {
    const strip = (t: unknown) => {
      const c = structuredClone(isObj(t) ? t : {}) as Obj
      const meta = objAt(c, 'metadata')
      if (meta) {
        delete meta.labels
        delete meta.annotations
      }
      const s = objAt(c, 'spec')
      if (s) for (const k of mutableWhenSuspended) delete s[k]
      return c
    }
    template = strip(template)
    oldTemplate = strip(oldTemplate)
  }
  if (!same(template, oldTemplate)) errs.push(invalid('spec.template', spec.template, 'field is immutable'))
  if (!same(spec.completionMode, prev.completionMode)) errs.push(invalid('spec.completionMode', spec.completionMode, 'field is immutable'))
  if (!same(spec.podFailurePolicy, prev.podFailurePolicy)) errs.push(invalid('spec.podFailurePolicy', spec.podFailurePolicy, 'field is immutable'))
  if (!same(spec.backoffLimitPerIndex, prev.backoffLimitPerIndex)) errs.push(invalid('spec.backoffLimitPerIndex', spec.backoffLimitPerIndex, 'field is immutable'))
  // Elastic Indexed Jobs may change completions together with parallelism (kept equal).
  if (!same(spec.completions, prev.completions)) {
    const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism && prev.completions === prev.parallelism
    if (!elastic) {
      if (spec.completionMode === 'Indexed')
        errs.push(invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'))
      else errs.push(invalid('spec.completions', spec.completions, 'field is immutable'))
    }
  }
  return errs
}

const hasCondition = (obj: StoredObject, type: string) => {
  const conds = objAt(obj, 'status')?.conditions
  return Array.isArray(conds) && conds.some((c) => isObj(c) && c.type === type && c.status === 'True')
}

/** printJob's STATUS: Complete, Failed, Terminating, Suspended, FailureTarget or Running. */
export function jobStatusCell(obj: StoredObject): string {
  if (hasCondition(obj, 'Complete')) return 'Complete'
  if (hasCondition(obj, 'Failed')) return 'Failed'
  if (obj.metadata.deletionTimestamp) return 'Terminating'
  if (hasCondition(obj, 'Suspended')) return 'Suspended'
  if (hasCondition(obj, 'FailureTarget')) return 'FailureTarget'
  return 'Running'
}

/** The wide `SELECTOR` column printJob and printCronJob share. */
export const selectorColumn = column(
  'Selector',
  'string',
  'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
  true,
)

const columns: TableColumn[] = [
  nameColumn,
  column('Status', 'string', 'Status of the job.'),
  column('Completions', 'string', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
  column('Duration', 'string', 'Time required to complete the job.'),
  ageColumn,
  containersColumn,
  imagesColumn,
  selectorColumn,
]

/** printJob's cells (wide). */
export function jobCells(obj: StoredObject, now: Date): unknown[] {
  const spec = objAt(obj, 'spec') ?? {}
  const status = objAt(obj, 'status') ?? {}
  const succeeded = numOr(status.succeeded, 0)
  let completions: string
  if (typeof spec.completions === 'number') completions = `${succeeded}/${spec.completions}`
  else {
    const parallelism = numOr(spec.parallelism, 0)
    completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`
  }
  let duration = ''
  const start = typeof status.startTime === 'string' ? Date.parse(status.startTime) : NaN
  if (!Number.isNaN(start)) {
    const end = typeof status.completionTime === 'string' ? Date.parse(status.completionTime) : now.getTime()
    duration = humanDuration(end - start)
  }
  const [names, images] = containerCells(spec.template)
  return [obj.metadata.name ?? '', jobStatusCell(obj), completions, duration, age(obj.metadata.creationTimestamp as string | undefined, now), names, images, formatLabelSelectorCell(spec.selector)]
}

export const jobs: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  resource: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  generation: true,
  defaults: defaultJob,
  prepareForCreate: prepareJobForCreate,
  validate: validateJob,
  validateUpdate: validateJobUpdate,
  table: { columns, cells: jobCells },
  fieldSelectors: { 'status.successful': (obj) => String(numOr(objAt(obj, 'status')?.succeeded, 0)) },
}
