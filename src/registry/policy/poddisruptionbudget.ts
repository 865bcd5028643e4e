// policy/v1 PodDisruptionBudget (upstream: pkg/apis/policy/validation ValidatePodDisruptionBudget,
// pkg/registry/policy/poddisruptionbudget/strategy.go, printers.go printPodDisruptionBudget).
// The spec is mutable since 1.15; a spec change bumps metadata.generation, which the eviction
// subresource compares with status.observedGeneration before it trusts the status.
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { isDNS1123Subdomain } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import { goInvalid, goNotSupported, goPointer, goQuote } from '../apps/gosyntax.js'
import { isNotMoreThan100Percent, validatePositiveIntOrPercent } from '../apps/intorpercent.js'
import { isObj, objAt, validateLabelSelector, validateNonNegative } from '../apps/workload.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import type { ResourceDef } from '../types.js'

/** spec.unhealthyPodEvictionPolicy values (sets.List order: sorted). */
export const unhealthyPodEvictionPolicies = ['AlwaysAllow', 'IfHealthyBudget'] as const

/** policy.PodDisruptionBudgetSpec as `%#v` prints it (pointers as addresses). */
function goSpec(spec: Record<string, unknown>): string {
  return (
    `policy.PodDisruptionBudgetSpec{MinAvailable:${goPointer('intstr.IntOrString', spec.minAvailable != null)}, ` +
    `Selector:${goPointer('v1.LabelSelector', spec.selector != null)}, ` +
    `MaxUnavailable:${goPointer('intstr.IntOrString', spec.maxUnavailable != null)}, ` +
    `UnhealthyPodEvictionPolicy:${goPointer('policy.UnhealthyPodEvictionPolicyType', spec.unhealthyPodEvictionPolicy != null)}}`
  )
}

export function validatePodDisruptionBudgetSpec(spec: unknown): FieldError[] {
  const s = isObj(spec) ? spec : {}
  const errs: FieldError[] = []
  if (s.minAvailable != null && s.maxUnavailable != null) errs.push(goInvalid('spec', s, goSpec(s), 'minAvailable and maxUnavailable cannot be both set'))
  for (const f of ['minAvailable', 'maxUnavailable'] as const) {
    if (s[f] == null) continue
    errs.push(...validatePositiveIntOrPercent(s[f], `spec.${f}`), ...isNotMoreThan100Percent(s[f], `spec.${f}`))
  }
  errs.push(...validateLabelSelector(s.selector, 'spec.selector'))
  const policy = s.unhealthyPodEvictionPolicy
  if (policy != null && !(unhealthyPodEvictionPolicies as readonly unknown[]).includes(policy))
    errs.push(goNotSupported('spec.unhealthyPodEvictionPolicy', policy, typeof policy === 'string' ? goQuote(policy) : String(policy), unhealthyPodEvictionPolicies))
  return errs
}

/** ValidatePodDisruptionBudgetStatusUpdate (policy/v1): the counts are never negative. */
export function validatePodDisruptionBudgetStatus(status: unknown): FieldError[] {
  const s = isObj(status) ? status : {}
  return ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'].flatMap((f) => validateNonNegative(s[f], `status.${f}`))
}

/** intstr.IntOrString.String(), `N/A` when unset (printPodDisruptionBudget). */
export function intOrStringCell(v: unknown): string {
  if (v === undefined || v === null) return 'N/A'
  return typeof v === 'number' ? String(Math.trunc(v)) : String(v)
}

const columns = [
  nameColumn,
  column('Min Available', 'string', 'The minimum number of pods that must be available.'),
  column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
  column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
  ageColumn,
]

export const podDisruptionBudgets: ResourceDef = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  resource: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  generation: true,
  validate: (obj) => validatePodDisruptionBudgetSpec(obj.spec),
  validateUpdate: (obj) => [...validatePodDisruptionBudgetSpec(obj.spec), ...validatePodDisruptionBudgetStatus(obj.status)],
  table: {
    columns,
    cells: (obj: StoredObject, now) => {
      const spec = objAt(obj, 'spec') ?? {}
      const allowed = objAt(obj, 'status')?.disruptionsAllowed
      return [obj.metadata.name ?? '', intOrStringCell(spec.minAvailable), intOrStringCell(spec.maxUnavailable), typeof allowed === 'number' ? allowed : 0, age(obj.metadata.creationTimestamp as string | undefined, now)]
    },
  },
}
