// coordination.k8s.io/v1 Lease (upstream: pkg/apis/coordination/validation,
// pkg/registry/coordination/lease/strategy.go, printers.go printLease).
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { forbidden, invalid, isDNS1123Subdomain, isQualifiedName, notSupported } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { ageColumn, nameColumn } from '../columns.js'
import { isObj, objAt } from '../apps/workload.js'

const validStrategies = ['OldestEmulationVersion']

/** ValidateCoordinatedLeaseStrategy (upstream appends `strategy` twice to the path). */
function validateStrategy(strategy: unknown, field: string): FieldError[] {
  const s = typeof strategy === 'string' ? strategy : ''
  if (s.split('/').length === 1) return validStrategies.includes(s) ? [] : [notSupported(`${field}.strategy`, s, validStrategies)]
  return isQualifiedName(s).map((msg) => invalid(`${field}.strategy`, s, msg))
}

export function validateLeaseSpec(spec: unknown): FieldError[] {
  const s = isObj(spec) ? spec : {}
  const errs: FieldError[] = []
  if (typeof s.leaseDurationSeconds === 'number' && s.leaseDurationSeconds <= 0)
    errs.push(invalid('spec.leaseDurationSeconds', s.leaseDurationSeconds, 'must be greater than 0'))
  if (typeof s.leaseTransitions === 'number' && s.leaseTransitions < 0)
    errs.push(invalid('spec.leaseTransitions', s.leaseTransitions, 'must be greater than or equal to 0'))
  if (s.strategy !== undefined && s.strategy !== null) errs.push(...validateStrategy(s.strategy, 'spec.strategy'))
  if (typeof s.preferredHolder === 'string' && s.preferredHolder !== '' && (s.strategy === undefined || s.strategy === null || s.strategy === ''))
    errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'))
  return errs
}

/**
 * strategy and preferredHolder belong to the CoordinatedLeaderElection feature, off by default in
 * 1.32: upstream drops them unless the old object already used them.
 */
function dropDisabledFields(obj: StoredObject, old?: StoredObject): void {
  const spec = objAt(obj, 'spec')
  if (!spec) return
  const oldSpec = old ? objAt(old, 'spec') : undefined
  const inUse = oldSpec !== undefined && (oldSpec.strategy != null || oldSpec.preferredHolder != null)
  if (!inUse) {
    delete spec.strategy
    delete spec.preferredHolder
  }
}

const columns: TableColumn[] = [
  nameColumn,
  {
    name: 'Holder',
    type: 'string',
    format: '',
    description:
      'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
    priority: 0,
  },
  ageColumn,
]

export const leases: ResourceDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  resource: 'leases',
  singular: 'lease',
  namespaced: true,
  nameValidator: isDNS1123Subdomain,
  prepareForCreate: (obj) => dropDisabledFields(obj),
  prepareForUpdate: (obj, old) => dropDisabledFields(obj, old),
  validate: (obj) => validateLeaseSpec(obj.spec),
  table: {
    columns,
    cells: (obj, now) => {
      const holder = objAt(obj, 'spec')?.holderIdentity
      return [obj.metadata.name ?? '', typeof holder === 'string' ? holder : '', age(obj.metadata.creationTimestamp as string | undefined, now)]
    },
  },
}
