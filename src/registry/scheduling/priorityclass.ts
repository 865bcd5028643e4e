// scheduling.k8s.io/v1 PriorityClass (upstream: pkg/apis/scheduling/validation,
// pkg/registry/scheduling/priorityclass, printers.go printPriorityClass, and the two system
// classes every cluster has, created at start as the scheduling storage's post-start hook does).
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { forbidden, invalid, isDNS1123Subdomain, notSupported, required } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import type { ResourceDef } from '../types.js'

/** HighestUserDefinablePriority: user classes stay at or below 1e9; system classes sit above. */
export const highestUserDefinablePriority = 1_000_000_000
/** SystemCriticalPriority. */
export const systemCriticalPriority = 2 * highestUserDefinablePriority
export const systemPriorityClassPrefix = 'system-'

/** SystemPriorityClasses(): the classes bootstrapped into every cluster. */
export const systemPriorityClasses = [
  { name: 'system-node-critical', value: systemCriticalPriority + 1000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: systemCriticalPriority, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
] as const

export interface PriorityClassObj extends StoredObject {
  value?: number
  globalDefault?: boolean
  description?: string
  preemptionPolicy?: string
}

/** IsKnownSystemPriorityClass: undefined when it is one, else why not. */
function knownSystemClassError(name: string, value: number, globalDefault: boolean): string | undefined {
  const spc = systemPriorityClasses.find((c) => c.name === name)
  if (!spc) return `${name} is not a known system priority class`
  if (spc.value !== value) return `value of ${name} PriorityClass must be ${spc.value}`
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`
  return undefined
}

/** ValidatePreemptionPolicy. */
export function validatePreemptionPolicy(v: unknown, field: string): FieldError[] {
  if (v === 'PreemptLowerPriority' || v === 'Never') return []
  if (v === '') return [required(field, '')]
  return [notSupported(field, v, ['PreemptLowerPriority', 'Never'])]
}

export function validatePriorityClass(pc: PriorityClassObj): FieldError[] {
  const errs: FieldError[] = []
  const name = pc.metadata.name ?? ''
  const value = typeof pc.value === 'number' ? pc.value : 0
  if (name.startsWith(systemPriorityClassPrefix)) {
    const why = knownSystemClassError(name, value, pc.globalDefault === true)
    if (why) errs.push(forbidden('metadata.name', `priority class names with '${systemPriorityClassPrefix}' prefix are reserved for system use only. error: ${why}`))
  } else if (value > highestUserDefinablePriority) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`))
  }
  if (pc.preemptionPolicy !== undefined && pc.preemptionPolicy !== null) errs.push(...validatePreemptionPolicy(pc.preemptionPolicy, 'preemptionPolicy'))
  return errs
}

export function validatePriorityClassUpdate(pc: PriorityClassObj, old: PriorityClassObj): FieldError[] {
  const errs: FieldError[] = []
  if ((pc.value ?? 0) !== (old.value ?? 0)) errs.push(forbidden('value', 'may not be changed in an update.'))
  if ((pc.preemptionPolicy ?? null) !== (old.preemptionPolicy ?? null))
    errs.push(invalid('preemptionPolicy', pc.preemptionPolicy ?? null, 'field is immutable'))
  return errs
}

const columns = [
  nameColumn,
  column('Value', 'integer', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.'),
  column(
    'Global-Default',
    'boolean',
    'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.',
  ),
  ageColumn,
  column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
]

export const priorityClasses: ResourceDef<PriorityClassObj> = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  resource: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  nameValidator: isDNS1123Subdomain,
  defaults(pc) {
    if (pc.preemptionPolicy === undefined || pc.preemptionPolicy === null) pc.preemptionPolicy = 'PreemptLowerPriority'
  },
  validate: validatePriorityClass,
  validateUpdate: (pc, old) => [...validatePriorityClass(pc), ...validatePriorityClassUpdate(pc, old)],
  table: {
    columns,
    cells: (pc, now) => [pc.metadata.name ?? '', typeof pc.value === 'number' ? pc.value : 0, pc.globalDefault === true, age(pc.metadata.creationTimestamp as string | undefined, now), pc.preemptionPolicy ?? ''],
  },
}
