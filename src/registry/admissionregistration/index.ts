// admissionregistration.k8s.io/v1: ValidatingWebhookConfiguration, MutatingWebhookConfiguration,
// ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding (upstream
// pkg/apis/admissionregistration/validation, v1/defaults.go, printers.go). The policies are
// enforced by the ValidatingAdmissionPolicy admission plugin (policy.ts); webhook configurations are
// stored and served so charts and operators apply, but kubelite calls no webhook (docs/crds.md).
import type { StoredObject } from '../../apis/meta.js'
import { celCompileError } from '../../apis/cel.js'
import { forbidden, invalid, isDNS1123Subdomain, notSupported, required, type FieldError } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import { isObj } from '../../lib/guards.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import type { ResourceDef } from '../types.js'

type Json = Record<string, unknown>
export type AdmissionRegObj = StoredObject & Json

const group = 'admissionregistration.k8s.io'
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const count = (v: unknown) => list(v).length

// ---- defaults (v1/defaults.go) ----------------------------------------------------------------

function defaultRules(rules: unknown): void {
  for (const r of list(rules)) if (isObj(r) && r.scope === undefined) r.scope = '*'
}

function defaultMatchResources(m: unknown): void {
  if (!isObj(m)) return
  m.namespaceSelector ??= {}
  m.objectSelector ??= {}
  m.matchPolicy ??= 'Equivalent'
  defaultRules(m.resourceRules)
  defaultRules(m.excludeResourceRules)
}

function defaultWebhooks(obj: AdmissionRegObj, mutating: boolean): void {
  for (const w of list(obj.webhooks)) {
    if (!isObj(w)) continue
    w.failurePolicy ??= 'Fail'
    w.matchPolicy ??= 'Equivalent'
    w.namespaceSelector ??= {}
    w.objectSelector ??= {}
    w.timeoutSeconds ??= 10
    if (mutating) w.reinvocationPolicy ??= 'Never'
    defaultRules(w.rules)
    const svc = isObj(w.clientConfig) && isObj(w.clientConfig.service) ? w.clientConfig.service : undefined
    if (svc) svc.port ??= 443
  }
}

// ---- validation (pkg/apis/admissionregistration/validation) ------------------------------------

const operations = ['*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT']

function validateRules(rules: unknown, path: string, errs: FieldError[]): void {
  list(rules).forEach((r, i) => {
    if (!isObj(r)) return
    const p = `${path}[${i}]`
    if (!list(r.apiGroups).length) errs.push(required(`${p}.apiGroups`, ''))
    if (!list(r.apiVersions).length) errs.push(required(`${p}.apiVersions`, ''))
    if (!list(r.resources).length) errs.push(required(`${p}.resources`, ''))
    if (!list(r.operations).length) errs.push(required(`${p}.operations`, ''))
    list(r.operations).forEach((o, j) => {
      if (!operations.includes(String(o))) errs.push(notSupported(`${p}.operations[${j}]`, o, operations))
    })
    if (r.scope !== undefined && !['*', 'Cluster', 'Namespaced'].includes(String(r.scope))) errs.push(notSupported(`${p}.scope`, r.scope, ['*', 'Cluster', 'Namespaced']))
  })
}

function validateWebhooks(obj: AdmissionRegObj, mutating: boolean): FieldError[] {
  const errs: FieldError[] = []
  const names = new Set<string>()
  list(obj.webhooks).forEach((w, i) => {
    if (!isObj(w)) return
    const p = `webhooks[${i}]`
    const name = typeof w.name === 'string' ? w.name : ''
    if (!name) errs.push(required(`${p}.name`, ''))
    else {
      for (const e of isDNS1123Subdomain(name)) errs.push(invalid(`${p}.name`, name, e))
      if (name.split('.').length < 3) errs.push(invalid(`${p}.name`, name, 'should be a domain with at least three segments separated by dots'))
      if (names.has(name)) errs.push({ type: 'FieldValueDuplicate', field: `${p}.name`, value: name })
      names.add(name)
    }
    validateRules(w.rules, `${p}.rules`, errs)
    const cc = isObj(w.clientConfig) ? w.clientConfig : {}
    if ((cc.url === undefined) === (cc.service === undefined)) errs.push(required(`${p}.clientConfig`, 'exactly one of url or service is required'))
    if (typeof cc.url === 'string' && !/^https:\/\//.test(cc.url)) errs.push(invalid(`${p}.clientConfig.url`, cc.url, "'https' is the only allowed URL scheme"))
    if (!['None', 'NoneOnDryRun'].includes(String(w.sideEffects)))
      errs.push(w.sideEffects === undefined ? required(`${p}.sideEffects`, 'must specify one of None, NoneOnDryRun') : notSupported(`${p}.sideEffects`, w.sideEffects, ['None', 'NoneOnDryRun']))
    if (!list(w.admissionReviewVersions).some((v) => v === 'v1' || v === 'v1beta1'))
      errs.push(required(`${p}.admissionReviewVersions`, 'must specify one of v1, v1beta1'))
    if (!['Ignore', 'Fail'].includes(String(w.failurePolicy))) errs.push(notSupported(`${p}.failurePolicy`, w.failurePolicy, ['Fail', 'Ignore']))
    if (!['Exact', 'Equivalent'].includes(String(w.matchPolicy))) errs.push(notSupported(`${p}.matchPolicy`, w.matchPolicy, ['Equivalent', 'Exact']))
    if (typeof w.timeoutSeconds === 'number' && (w.timeoutSeconds < 1 || w.timeoutSeconds > 30)) errs.push(invalid(`${p}.timeoutSeconds`, w.timeoutSeconds, 'the timeout value must be between 1 and 30 seconds'))
    if (mutating && !['Never', 'IfNeeded'].includes(String(w.reinvocationPolicy))) errs.push(notSupported(`${p}.reinvocationPolicy`, w.reinvocationPolicy, ['IfNeeded', 'Never']))
    validateMatchConditions(w.matchConditions, `${p}.matchConditions`, errs)
  })
  return errs
}

function validateExpression(expr: unknown, path: string, errs: FieldError[], what = 'compilation failed'): void {
  if (typeof expr !== 'string' || expr.trim() === '') {
    errs.push(required(path, 'expression is not specified'))
    return
  }
  const why = celCompileError(expr)
  if (why) errs.push(invalid(path, expr, `${what}: ERROR: <input>: ${why}`))
}

function validateMatchConditions(conds: unknown, path: string, errs: FieldError[]): void {
  const names = new Set<string>()
  list(conds).forEach((c, i) => {
    if (!isObj(c)) return
    const name = typeof c.name === 'string' ? c.name : ''
    if (!name) errs.push(required(`${path}[${i}].name`, ''))
    else if (names.has(name)) errs.push({ type: 'FieldValueDuplicate', field: `${path}[${i}].name`, value: name })
    names.add(name)
    validateExpression(c.expression, `${path}[${i}].expression`, errs)
  })
}

function validatePolicy(obj: AdmissionRegObj): FieldError[] {
  const errs: FieldError[] = []
  const spec = isObj(obj.spec) ? obj.spec : {}
  if (!isObj(spec.matchConstraints)) errs.push(required('spec.matchConstraints', ''))
  else {
    if (!list(spec.matchConstraints.resourceRules).length) errs.push(required('spec.matchConstraints.resourceRules', ''))
    validateRules(spec.matchConstraints.resourceRules, 'spec.matchConstraints.resourceRules', errs)
    validateRules(spec.matchConstraints.excludeResourceRules, 'spec.matchConstraints.excludeResourceRules', errs)
  }
  if (!count(spec.validations) && !count(spec.auditAnnotations)) errs.push(required('spec.validations', 'validations or auditAnnotations must contain at least one item'))
  if (spec.failurePolicy !== undefined && !['Ignore', 'Fail'].includes(String(spec.failurePolicy))) errs.push(notSupported('spec.failurePolicy', spec.failurePolicy, ['Fail', 'Ignore']))
  if (spec.paramKind !== undefined) {
    const pk = isObj(spec.paramKind) ? spec.paramKind : {}
    if (!pk.apiVersion) errs.push(required('spec.paramKind.apiVersion', ''))
    if (!pk.kind) errs.push(required('spec.paramKind.kind', ''))
  }
  list(spec.validations).forEach((v, i) => {
    if (!isObj(v)) return
    validateExpression(v.expression, `spec.validations[${i}].expression`, errs)
    if (typeof v.messageExpression === 'string' && v.messageExpression !== '') validateExpression(v.messageExpression, `spec.validations[${i}].messageExpression`, errs, 'compilation failed')
    if (v.reason !== undefined && !['Unauthorized', 'Forbidden', 'Invalid', 'RequestEntityTooLarge'].includes(String(v.reason)))
      errs.push(notSupported(`spec.validations[${i}].reason`, v.reason, ['Unauthorized', 'Forbidden', 'Invalid', 'RequestEntityTooLarge']))
  })
  list(spec.variables).forEach((v, i) => {
    if (!isObj(v)) return
    if (typeof v.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name)) errs.push(invalid(`spec.variables[${i}].name`, v.name ?? '', 'name is not a valid CEL identifier'))
    validateExpression(v.expression, `spec.variables[${i}].expression`, errs)
  })
  validateMatchConditions(spec.matchConditions, 'spec.matchConditions', errs)
  return errs
}

function validateBinding(obj: AdmissionRegObj): FieldError[] {
  const errs: FieldError[] = []
  const spec = isObj(obj.spec) ? obj.spec : {}
  if (typeof spec.policyName !== 'string' || spec.policyName === '') errs.push(required('spec.policyName', ''))
  const actions = list(spec.validationActions)
  if (!actions.length) errs.push(required('spec.validationActions', 'at least one validation action is required'))
  actions.forEach((a, i) => {
    if (!['Deny', 'Warn', 'Audit'].includes(String(a))) errs.push(notSupported(`spec.validationActions[${i}]`, a, ['Audit', 'Deny', 'Warn']))
  })
  if (actions.includes('Deny') && actions.includes('Warn')) errs.push(invalid('spec.validationActions', actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'))
  if (isObj(spec.matchResources)) {
    validateRules(spec.matchResources.resourceRules, 'spec.matchResources.resourceRules', errs)
    validateRules(spec.matchResources.excludeResourceRules, 'spec.matchResources.excludeResourceRules', errs)
  }
  if (isObj(spec.paramRef)) {
    const pr = spec.paramRef
    if ((pr.name === undefined) === (pr.selector === undefined)) errs.push(forbidden('spec.paramRef', 'one of name or selector must be specified'))
    if (pr.parameterNotFoundAction !== undefined && !['Allow', 'Deny'].includes(String(pr.parameterNotFoundAction)))
      errs.push(notSupported('spec.paramRef.parameterNotFoundAction', pr.parameterNotFoundAction, ['Allow', 'Deny']))
  }
  return errs
}

// ---- the kinds --------------------------------------------------------------------------------

const webhooksColumns = [nameColumn, column('Webhooks', 'integer', 'Webhooks indicates the number of webhooks.'), ageColumn]

function webhookConfigurations(kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration'): ResourceDef<AdmissionRegObj> {
  const mutating = kind === 'MutatingWebhookConfiguration'
  return {
    group,
    version: 'v1',
    kind,
    resource: `${kind.toLowerCase()}s`,
    singular: kind.toLowerCase(),
    namespaced: false,
    categories: ['api-extensions'],
    nameValidator: isDNS1123Subdomain,
    defaults: (o) => defaultWebhooks(o, mutating),
    validate: (o) => validateWebhooks(o, mutating),
    validateUpdate: (o) => validateWebhooks(o, mutating),
    table: { columns: webhooksColumns, cells: (o, now) => [o.metadata.name ?? '', count(o.webhooks), age(o.metadata.creationTimestamp as string | undefined, now)] },
  }
}

export const validatingWebhookConfigurations = webhookConfigurations('ValidatingWebhookConfiguration')
export const mutatingWebhookConfigurations = webhookConfigurations('MutatingWebhookConfiguration')

export const validatingAdmissionPolicies: ResourceDef<AdmissionRegObj> = {
  group,
  version: 'v1',
  kind: 'ValidatingAdmissionPolicy',
  resource: 'validatingadmissionpolicies',
  singular: 'validatingadmissionpolicy',
  namespaced: false,
  categories: ['api-extensions'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  generation: true,
  defaults(o) {
    if (!isObj(o.spec)) return
    o.spec.failurePolicy ??= 'Fail'
    defaultMatchResources(o.spec.matchConstraints)
  },
  validate: validatePolicy,
  validateUpdate: validatePolicy,
  table: {
    columns: [
      nameColumn,
      column('Validations', 'integer', 'Validations indicates the number of validation rules.'),
      column('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
      ageColumn,
    ],
    cells: (o, now) => {
      const spec = isObj(o.spec) ? o.spec : {}
      const pk = isObj(spec.paramKind) ? `${String(spec.paramKind.apiVersion ?? '')}/${String(spec.paramKind.kind ?? '')}` : '<unset>'
      return [o.metadata.name ?? '', count(spec.validations), pk, age(o.metadata.creationTimestamp as string | undefined, now)]
    },
  },
}

export const validatingAdmissionPolicyBindings: ResourceDef<AdmissionRegObj> = {
  group,
  version: 'v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  resource: 'validatingadmissionpolicybindings',
  singular: 'validatingadmissionpolicybinding',
  namespaced: false,
  categories: ['api-extensions'],
  nameValidator: isDNS1123Subdomain,
  defaults(o) {
    if (!isObj(o.spec)) return
    defaultMatchResources(o.spec.matchResources)
    if (isObj(o.spec.paramRef)) o.spec.paramRef.parameterNotFoundAction ??= 'Deny'
  },
  validate: validateBinding,
  validateUpdate: validateBinding,
  table: {
    columns: [
      nameColumn,
      column('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
      column('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
      ageColumn,
    ],
    cells: (o, now) => {
      const spec = isObj(o.spec) ? o.spec : {}
      let param = '<unset>'
      if (isObj(spec.paramRef)) {
        const pr = spec.paramRef
        if (typeof pr.name === 'string' && pr.name) param = typeof pr.namespace === 'string' && pr.namespace ? `${pr.namespace}/${pr.name}` : `*/${pr.name}`
        else if (isObj(pr.selector)) param = JSON.stringify(pr.selector)
      }
      return [o.metadata.name ?? '', String(spec.policyName ?? ''), param, age(o.metadata.creationTimestamp as string | undefined, now)]
    },
  },
}

export const admissionregistrationResources: ResourceDef[] = [validatingWebhookConfigurations, mutatingWebhookConfigurations, validatingAdmissionPolicies, validatingAdmissionPolicyBindings] as unknown as ResourceDef[]
