// networking.k8s.io/v1 IngressClass (upstream: pkg/apis/networking/v1/defaults.go
// SetDefaults_IngressClass, validation ValidateIngressClass / ValidateIngressClassUpdate,
// printers.go printIngressClass).
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { forbidden, invalid, isDNS1123Label, isDNS1123Subdomain, notSupported, required, tooLong } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import { isObj, str } from '../core/util.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { validateTypedLocalObjectReference } from './ingress.js'
import { validateDomainPrefixedPath } from './names.js'

/** The annotation that makes a class the default for Ingresses that name none. */
export const defaultIngressClassAnnotation = 'ingressclass.kubernetes.io/is-default-class'

const maxControllerLength = 250
const scopes = ['Cluster', 'Namespace']

/** SetDefaults_IngressClass: parameters.scope Cluster. */
export function defaultIngressClass(obj: StoredObject): void {
  const spec = isObj(obj.spec) ? obj.spec : undefined
  const params = spec && isObj(spec.parameters) ? spec.parameters : undefined
  if (params && (params.scope === undefined || params.scope === null)) params.scope = 'Cluster'
}

function validateParameters(params: unknown): FieldError[] {
  if (!isObj(params)) return []
  const field = 'spec.parameters'
  const errs = validateTypedLocalObjectReference(params, field)
  if (params.scope === undefined || params.scope === null) return [...errs, required(`${field}.scope`, '')]
  const scope = str(params.scope)
  if (!scopes.includes(scope)) return [...errs, notSupported(`${field}.scope`, scope, scopes)]
  const hasNamespace = typeof params.namespace === 'string'
  if (scope === 'Namespace') {
    if (!hasNamespace) errs.push(required(`${field}.namespace`, "`parameters.scope` is set to 'Namespace'"))
    else for (const m of isDNS1123Label(str(params.namespace))) errs.push(invalid(`${field}.namespace`, params.namespace, m))
  }
  if (scope === 'Cluster' && hasNamespace) errs.push(forbidden(`${field}.namespace`, "`parameters.scope` is set to 'Cluster'"))
  return errs
}

export function validateIngressClass(obj: StoredObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {}
  const controller = str(spec.controller)
  const errs: FieldError[] = []
  if (controller === '') errs.push(required('spec.controller', ''))
  else {
    if (controller.length > maxControllerLength) errs.push(tooLong('spec.controller', maxControllerLength))
    errs.push(...validateDomainPrefixedPath(controller, 'spec.controller'))
  }
  return [...errs, ...validateParameters(spec.parameters)]
}

export function validateIngressClassUpdate(obj: StoredObject, old: StoredObject): FieldError[] {
  const controller = str(isObj(obj.spec) ? obj.spec.controller : undefined)
  const before = str(isObj(old.spec) ? old.spec.controller : undefined)
  const errs = controller !== before ? [invalid('spec.controller', controller, 'field is immutable')] : []
  return [...errs, ...validateIngressClass(obj)]
}

const columns: TableColumn[] = [
  nameColumn,
  column('Controller', 'string', 'Controller that is responsible for handling this class'),
  column('Parameters', 'string', 'A reference to a resource with additional parameters'),
  ageColumn,
]

export function ingressClassCells(obj: StoredObject, now: Date): unknown[] {
  const spec = isObj(obj.spec) ? obj.spec : {}
  let parameters = '<none>'
  if (isObj(spec.parameters)) {
    const p = spec.parameters
    parameters = `${str(p.kind)}${typeof p.apiGroup === 'string' ? `.${p.apiGroup}` : ''}/${str(p.name)}`
  }
  return [obj.metadata.name ?? '', str(spec.controller), parameters, age(obj.metadata.creationTimestamp as string | undefined, now)]
}

export const ingressclasses: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  resource: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  nameValidator: isDNS1123Subdomain,
  generation: true,
  defaults: defaultIngressClass,
  validate: validateIngressClass,
  validateUpdate: validateIngressClassUpdate,
  table: { columns, cells: ingressClassCells },
}
