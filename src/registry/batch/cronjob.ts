// batch/v1 CronJob (upstream: pkg/apis/batch/v1/defaults.go SetDefaults_CronJob,
// pkg/apis/batch/validation ValidateCronJobCreate / ValidateCronJobUpdate, printers.go
// printCronJob).
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { invalid, isDNS1123Subdomain, notSupported, required } from '../../apis/validation.js'
import { defaultPodTemplateSpec } from '../../apis/core/pod.js'
import { isKnownTimeZone, parseSchedule } from '../../lib/cron.js'
import { age } from '../../lib/duration.js'
import { goLabelSelector, goInvalid } from '../apps/gosyntax.js'
import { containerCells, ensureObj, formatLabelSelectorCell, isObj, objAt, validateNonNegative } from '../apps/workload.js'
import { ageColumn, column, containersColumn, imagesColumn, nameColumn } from '../columns.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { selectorColumn, validateJobSpec } from './job.js'

const isSet = (v: unknown) => v !== undefined && v !== null

/** SetDefaults_CronJob: concurrencyPolicy Allow, suspend false, history limits 3 and 1; the pod template's defaults. */
export function defaultCronJob(obj: StoredObject): void {
  const spec = ensureObj(obj, 'spec')
  if (!spec) return
  if (!isSet(spec.concurrencyPolicy) || spec.concurrencyPolicy === '') spec.concurrencyPolicy = 'Allow'
  if (!isSet(spec.suspend)) spec.suspend = false
  if (!isSet(spec.successfulJobsHistoryLimit)) spec.successfulJobsHistoryLimit = 3
  if (!isSet(spec.failedJobsHistoryLimit)) spec.failedJobsHistoryLimit = 1
  const jobSpec = objAt(objAt(spec, 'jobTemplate'), 'spec')
  const template = jobSpec ? ensureObj(jobSpec, 'template') : undefined
  if (template) defaultPodTemplateSpec(template)
}

// validTimeZoneCharacters: IANA names are letters, digits, `_`, `-`, `+` and `/`.
const validTimeZone = /^[A-Za-z.\-_0-9+]{1,14}(\/[A-Za-z.\-_0-9+]{1,14})*$/

/** validateTimeZone. */
function validateTimeZone(tz: unknown, field: string): FieldError[] {
  if (!isSet(tz)) return []
  const s = String(tz)
  if (s.length === 0) return [invalid(field, s, 'timeZone must be nil or non-empty string')]
  if (s.toLowerCase() === 'local') return [invalid(field, s, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')]
  if (!validTimeZone.test(s)) return [invalid(field, s, `unknown time zone ${s}`)]
  if (!isKnownTimeZone(s)) return [invalid(field, s, `unknown time zone ${s}`)]
  return []
}

/** validateScheduleFormat: robfig's parse, and no TZ prefix in the schedule (the timeZone field instead). */
function validateSchedule(schedule: string, allowTZ: boolean, timeZone: unknown, field: string): FieldError[] {
  const errs: FieldError[] = []
  try {
    parseSchedule(schedule)
  } catch (err) {
    errs.push(invalid(field, schedule, (err as Error).message))
  }
  if (allowTZ && schedule.includes('TZ') && isSet(timeZone)) errs.push(invalid(field, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'))
  else if (!allowTZ && schedule.includes('TZ')) errs.push(invalid(field, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'))
  return errs
}

/** validateCronJobSpec (paths from `spec`); `old` is the previous spec on update. */
export function validateCronJobSpec(specIn: unknown, old?: Record<string, unknown>): FieldError[] {
  const spec = isObj(specIn) ? specIn : {}
  const errs: FieldError[] = []
  const schedule = typeof spec.schedule === 'string' ? spec.schedule : ''
  if (schedule.length === 0) errs.push(required('spec.schedule', ''))
  else errs.push(...validateSchedule(schedule, typeof old?.schedule === 'string' && old.schedule.includes('TZ'), spec.timeZone, 'spec.schedule'))
  errs.push(...validateNonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'))
  if (!old || old.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'))
  const policy = spec.concurrencyPolicy
  if (!isSet(policy) || policy === '') errs.push(required('spec.concurrencyPolicy', ''))
  else if (!['Allow', 'Forbid', 'Replace'].includes(policy as string)) errs.push(notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']))
  // ValidateJobTemplateSpec: the Job spec without its selector, which each Job generates.
  const jobSpec = objAt(objAt(spec, 'jobTemplate'), 'spec') ?? {}
  errs.push(...validateJobSpec(jobSpec, 'spec.jobTemplate.spec', false))
  if (isSet(jobSpec.selector)) errs.push(goInvalid('spec.jobTemplate.spec.selector', jobSpec.selector, goLabelSelector(jobSpec.selector), '`selector` will be auto-generated'))
  if (jobSpec.manualSelector === true) errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']))
  errs.push(...validateNonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'))
  errs.push(...validateNonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'))
  return errs
}

/** ValidateCronJobCreate: job names add 11 characters (`-<minutes>`), so at most 52. */
export function validateCronJob(obj: StoredObject): FieldError[] {
  const errs: FieldError[] = []
  if ((obj.metadata.name ?? '').length > 52) errs.push(invalid('metadata.name', obj.metadata.name, 'must be no more than 52 characters'))
  return [...errs, ...validateCronJobSpec(obj.spec)]
}

export function validateCronJobUpdate(obj: StoredObject, old: StoredObject): FieldError[] {
  return validateCronJobSpec(obj.spec, objAt(old, 'spec'))
}

const columns: TableColumn[] = [
  nameColumn,
  column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
  column(
    'Timezone',
    'string',
    'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones',
  ),
  { ...column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.') },
  column('Active', 'integer', 'A list of pointers to currently running jobs.'),
  column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
  ageColumn,
  containersColumn,
  imagesColumn,
  selectorColumn,
]

/** printCronJob's cells (wide). */
export function cronJobCells(obj: StoredObject, now: Date): unknown[] {
  const spec = objAt(obj, 'spec') ?? {}
  const status = objAt(obj, 'status') ?? {}
  const jobSpec = objAt(objAt(spec, 'jobTemplate'), 'spec') ?? {}
  const [names, images] = containerCells(jobSpec.template)
  const last = typeof status.lastScheduleTime === 'string' ? age(status.lastScheduleTime, now) : '<none>'
  // printBoolPtr: "<unset>" for nil.
  const suspend = typeof spec.suspend === 'boolean' ? String(spec.suspend) : '<unset>'
  return [
    obj.metadata.name ?? '',
    spec.schedule ?? '',
    typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
    suspend,
    Array.isArray(status.active) ? status.active.length : 0,
    last,
    age(obj.metadata.creationTimestamp as string | undefined, now),
    names,
    images,
    formatLabelSelectorCell(jobSpec.selector),
  ]
}

export const cronjobs: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  resource: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  generation: true,
  defaults: defaultCronJob,
  validate: validateCronJob,
  validateUpdate: validateCronJobUpdate,
  table: { columns, cells: cronJobCells },
}
