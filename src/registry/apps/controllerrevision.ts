// apps/v1 ControllerRevision (upstream: ValidateControllerRevision[Update],
// printers.go printControllerRevision).
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { isDNS1123Subdomain, required } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { ageColumn, nameColumn } from '../columns.js'
import { goInvalid, goRawExtension } from './gosyntax.js'
import { isObj, numOr, validateNonNegative } from './workload.js'

export function validateControllerRevision(obj: StoredObject): FieldError[] {
  const errs: FieldError[] = []
  if (obj.data === undefined || obj.data === null) errs.push(required('data', 'data is mandatory'))
  errs.push(...validateNonNegative(obj.revision, 'revision'))
  return errs
}

export function validateControllerRevisionUpdate(obj: StoredObject, old: StoredObject): FieldError[] {
  const errs = validateControllerRevision(obj)
  if (JSON.stringify(obj.data ?? null) !== JSON.stringify(old.data ?? null))
    errs.push(goInvalid('data', obj.data ?? null, goRawExtension(obj.data), 'field is immutable'))
  return errs
}

/** `statefulset.apps/web`: the controller owner's lower-cased Kind.group and name, else `<none>`. */
export function controllerOf(obj: StoredObject): string {
  const refs = Array.isArray(obj.metadata.ownerReferences) ? obj.metadata.ownerReferences : []
  const ref = refs.find((r) => isObj(r) && r.controller === true)
  if (!ref) return '<none>'
  const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : ''
  const slash = apiVersion.indexOf('/')
  const group = slash < 0 ? '' : apiVersion.slice(0, slash)
  const kind = typeof ref.kind === 'string' ? ref.kind : ''
  if (!group && !kind) return ref.name ?? ''
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${ref.name ?? ''}`
}

const columns: TableColumn[] = [
  nameColumn,
  { name: 'Controller', type: 'string', format: '', description: 'Controller of the object', priority: 0 },
  { name: 'Revision', type: 'string', format: '', description: 'revision indicates the revision of the state represented by Data.', priority: 0 },
  ageColumn,
]

export const controllerrevisions: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  resource: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  nameValidator: isDNS1123Subdomain,
  validate: validateControllerRevision,
  validateUpdate: validateControllerRevisionUpdate,
  table: {
    columns,
    cells: (obj, now) => [obj.metadata.name ?? '', controllerOf(obj), numOr(obj.revision, 0), age(obj.metadata.creationTimestamp as string | undefined, now)],
  },
}
