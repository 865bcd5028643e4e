// apiextensions.k8s.io/v1 CustomResourceDefinition: defaults, validation (upstream's
// ValidateCustomResourceDefinition and the structural-schema rules, with their wording), the
// NAME / CREATED AT table, the deletion finalizer, and what a CRD serves: one CustomKind and
// one OpenAPI definition per served version (named as kube-apiserver names CRD schemas,
// `com.example.stable.v1.CronTab`).
import type { StoredObject } from '../../apis/meta.js'
import type { Schema } from '../../apis/schema.js'
import { forbidden, invalid, isDNS1035Label, isDNS1123Subdomain, notSupported, required, type FieldError } from '../../apis/validation.js'
import { nameColumn } from '../columns.js'
import type { ResourceDef } from '../types.js'
import { defaultColumns, type CustomColumn, type CustomKind } from './customresource.js'
import { isObj } from '../../lib/guards.js'
import { celCompileError } from '../../apis/cel.js'

type Json = Record<string, unknown>

export const crdGroup = 'apiextensions.k8s.io'
/** Holds a deleting CRD until its instances are gone (upstream's CustomResourceCleanupFinalizer). */
export const cleanupFinalizer = 'customresourcecleanup.apiextensions.k8s.io'

export interface CrdNames {
  plural: string
  singular?: string
  kind: string
  listKind?: string
  shortNames?: string[]
  categories?: string[]
}

export interface CrdVersion {
  name: string
  served: boolean
  storage: boolean
  deprecated?: boolean
  deprecationWarning?: string
  schema?: { openAPIV3Schema?: Json }
  subresources?: { status?: Json; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } }
  additionalPrinterColumns?: { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }[]
  selectableFields?: { jsonPath: string }[]
}

export interface CrdCondition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  lastTransitionTime?: string
  reason?: string
  message?: string
}

export interface Crd extends StoredObject {
  spec: { group: string; names: CrdNames; scope: 'Namespaced' | 'Cluster'; versions: CrdVersion[]; conversion?: Json; preserveUnknownFields?: boolean }
  status?: { acceptedNames?: Partial<CrdNames>; conditions?: CrdCondition[]; storedVersions?: string[] }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

const metaDescription =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
const apiVersionDescription =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'
const kindDescription =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'

// ---- defaults and validation ------------------------------------------------------------------

/** Upstream's SetDefaults for v1: conversion None, listKind, singular. */
function defaults(obj: StoredObject): void {
  const crd = obj as Crd
  if (!isObj(crd.spec)) return
  const spec = crd.spec
  if (!isObj(spec.conversion)) spec.conversion = { strategy: 'None' }
  else if (spec.conversion.strategy === undefined) spec.conversion.strategy = 'None'
  if (isObj(spec.names)) {
    if (!spec.names.listKind && spec.names.kind) spec.names.listKind = `${spec.names.kind}List`
    if (!spec.names.singular && spec.names.kind) spec.names.singular = spec.names.kind.toLowerCase()
  }
  for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
    if (!isObj(v)) continue
    if (v.served === undefined) v.served = false as unknown as boolean
    if (v.storage === undefined) v.storage = false as unknown as boolean
  }
}

function prepareForCreate(obj: StoredObject): void {
  const crd = obj as Crd
  const storage = (Array.isArray(crd.spec?.versions) ? crd.spec.versions : []).find((v) => isObj(v) && v.storage === true)
  crd.status = { acceptedNames: { plural: '', kind: '' }, ...(storage ? { storedVersions: [storage.name] } : {}) }
}

function prepareForUpdate(obj: StoredObject, old: StoredObject): void {
  const crd = obj as Crd
  // Stored versions only grow: the storage version joins them (upstream's strategy).
  const stored = [...((old as Crd).status?.storedVersions ?? [])]
  const storage = (Array.isArray(crd.spec?.versions) ? crd.spec.versions : []).find((v) => isObj(v) && v.storage === true)
  if (storage && !stored.includes(storage.name)) {
    stored.push(storage.name)
    crd.status = { ...(crd.status ?? {}), storedVersions: stored }
  }
}

const dns1035 = (field: string, v: string): FieldError[] => {
  const e = isDNS1035Label(v)
  return e.length ? [invalid(field, v, e.join(','))] : []
}

function validateNames(n: Partial<CrdNames>, path: string): FieldError[] {
  const errs: FieldError[] = []
  if (n.plural) errs.push(...dns1035(`${path}.plural`, n.plural))
  if (n.singular) errs.push(...dns1035(`${path}.singular`, n.singular))
  for (const [k, v] of [['kind', n.kind], ['listKind', n.listKind]] as const) {
    if (!v) continue
    const e = isDNS1035Label(v.toLowerCase())
    if (e.length) errs.push(invalid(`${path}.${k}`, v, `may have mixed case, but should otherwise match: ${e.join(',')}`))
  }
  ;(n.shortNames ?? []).forEach((s, i) => errs.push(...dns1035(`${path}.shortNames[${i}]`, s)))
  if (n.kind && n.kind === n.listKind) errs.push(invalid(`${path}.listKind`, n.listKind, 'kind and listKind may not be the same'))
  ;(n.categories ?? []).forEach((s, i) => errs.push(...dns1035(`${path}.categories[${i}]`, s)))
  return errs
}

type Level = 'root' | 'item' | 'field'

/** The structural-schema rules (apiextensions' structural/validation.go) and the static schema checks. */
function validateSchema(s: unknown, path: string, level: Level, errs: FieldError[]): void {
  if (!isObj(s)) return
  if ('$ref' in s) errs.push(forbidden(`${path}.$ref`, '$ref is not supported'))
  if (s.uniqueItems === true) errs.push(forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'))
  const type = str(s.type)
  if (s['x-kubernetes-embedded-resource'] === true) {
    if (type === '') errs.push(required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'))
    else if (type !== 'object') errs.push(invalid(`${path}.type`, type, 'must be object if x-kubernetes-embedded-resource is true'))
  } else if (type === '' && s['x-kubernetes-int-or-string'] !== true && s['x-kubernetes-preserve-unknown-fields'] !== true) {
    const detail = level === 'root' ? 'must not be empty at the root' : level === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields'
    errs.push(required(`${path}.type`, detail))
  }
  if (level === 'root' && type !== '' && type !== 'object') errs.push(invalid(`${path}.type`, type, 'must be object at the root'))
  if (type !== '' && !['object', 'array', 'string', 'integer', 'number', 'boolean'].includes(type))
    errs.push(notSupported(`${path}.type`, type, ['array', 'boolean', 'integer', 'number', 'object', 'string']))
  validateRules(s['x-kubernetes-validations'], `${path}.x-kubernetes-validations`, errs)
  if (s['x-kubernetes-preserve-unknown-fields'] === false) errs.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'))
  const props = isObj(s.properties) ? s.properties : undefined
  if (props && Object.keys(props).length && s.additionalProperties !== undefined && s.additionalProperties !== true)
    errs.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'))
  if (type === 'array' && s.items === undefined) errs.push(required(`${path}.items`, 'must be specified'))
  if (isObj(s.items)) validateSchema(s.items, `${path}.items`, 'item', errs)
  if (isObj(s.additionalProperties)) validateSchema(s.additionalProperties, `${path}.additionalProperties`, 'field', errs)
  if (props) for (const [k, v] of Object.entries(props)) validateSchema(v, `${path}.properties[${k}]`, 'field', errs)
  // `anyOf: [{type: integer}, {type: string}]` beside x-kubernetes-int-or-string is the one place
  // a type may appear in a value validation.
  const intOrString = s['x-kubernetes-int-or-string'] === true
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[key]
    if (Array.isArray(list)) list.forEach((x, i) => validateValueValidation(x, `${path}.${key}[${i}]`, errs, intOrString))
  }
  if (level === 'root' && props && isObj(props.metadata)) {
    const m = props.metadata
    const keys = Object.keys(isObj(m.properties) ? m.properties : {}).filter((k) => k !== 'name' && k !== 'generateName')
    if (keys.length || (m.type !== undefined && m.type !== 'object'))
      errs.push(forbidden(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'))
  }
}

/** Go's %#v of an apiextensions.ValidationRule, as upstream prints a rule that does not compile. */
function goRule(r: Json): string {
  const q = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : '')
  const reason = typeof r.reason === 'string' ? `(*apiextensions.FieldValueErrorReason)(${q(r.reason)})` : '(*apiextensions.FieldValueErrorReason)(nil)'
  const optional = typeof r.optionalOldSelf === 'boolean' ? `(*bool)(${r.optionalOldSelf})` : '(*bool)(nil)'
  return `apiextensions.ValidationRule{Rule:${q(r.rule)}, Message:${q(r.message)}, MessageExpression:${q(r.messageExpression)}, Reason:${reason}, FieldPath:${q(r.fieldPath)}, OptionalOldSelf:${optional}}`
}

/** x-kubernetes-validations: each rule present and compiling (its syntax; functions are checked when it runs). */
function validateRules(rules: unknown, path: string, errs: FieldError[]): void {
  if (!Array.isArray(rules)) return
  rules.forEach((r, i) => {
    if (!isObj(r)) return
    if (typeof r.rule !== 'string' || r.rule.trim() === '') {
      errs.push(required(`${path}[${i}].rule`, 'rule is not specified'))
      return
    }
    const ruleErr = celCompileError(r.rule)
    if (ruleErr) errs.push({ type: 'FieldValueInvalid', field: `${path}[${i}].rule`, valueText: goRule(r), detail: `compilation failed: ERROR: <input>: ${ruleErr}` })
    if (typeof r.messageExpression === 'string' && r.messageExpression !== '') {
      const msgErr = celCompileError(r.messageExpression)
      if (msgErr) errs.push({ type: 'FieldValueInvalid', field: `${path}[${i}].messageExpression`, valueText: goRule(r), detail: `messageExpression compilation failed: ERROR: <input>: ${msgErr}` })
    }
  })
}

/** In allOf/anyOf/oneOf only value validations are allowed: no types, defaults or descriptions (structural rule). */
function validateValueValidation(s: unknown, path: string, errs: FieldError[], intOrString = false): void {
  if (!isObj(s)) return
  for (const k of ['type', 'default', 'nullable', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource'])
    if (s[k] !== undefined && !(k === 'type' && intOrString && (s.type === 'integer' || s.type === 'string'))) errs.push(forbidden(`${path}.${k}`, 'must be empty to be structural'))
  if (isObj(s.properties)) for (const [k, v] of Object.entries(s.properties)) validateValueValidation(v, `${path}.properties[${k}]`, errs)
  if (isObj(s.items)) validateValueValidation(s.items, `${path}.items`, errs)
}

export function validateCrd(obj: StoredObject): FieldError[] {
  const crd = obj as Crd
  const errs: FieldError[] = []
  const spec = isObj(crd.spec) ? crd.spec : ({} as Crd['spec'])
  const names: Partial<CrdNames> = isObj(spec.names) ? spec.names : {}
  const group = str(spec.group)
  if (crd.metadata.name !== `${str(names.plural)}.${group}`) errs.push(invalid('metadata.name', crd.metadata.name, 'must be spec.names.plural+"."+spec.group'))
  // Groups of the Kubernetes project need an approved API review (upstream's protected groups).
  if (/(^|\.)k8s\.io$|(^|\.)kubernetes\.io$/.test(group) && !crd.metadata.annotations?.['api-approved.kubernetes.io'])
    errs.push(required('metadata.annotations[api-approved.kubernetes.io]', 'protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111'))
  if (!group) errs.push(required('spec.group'))
  else {
    const e = isDNS1123Subdomain(group)
    if (e.length) errs.push(invalid('spec.group', group, e.join(',')))
    else if (group.split('.').length < 2) errs.push(invalid('spec.group', group, 'should be a domain with at least one dot'))
  }
  if (!spec.scope) errs.push(required('spec.scope'))
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') errs.push(notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']))
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObj) : []
  if (versions.length === 0) errs.push(required('spec.versions', 'must have exactly one version marked as storage version'))
  else {
    const seen = new Set<string>()
    let unique = true
    versions.forEach((v, i) => {
      if (seen.has(v.name)) unique = false
      seen.add(v.name)
      errs.push(...dns1035(`spec.versions[${i}].name`, str(v.name)))
    })
    if (!unique) errs.push(invalid('spec.versions', versionsText(versions), 'must contain unique version names'))
    if (versions.filter((v) => v.storage === true).length !== 1) errs.push(invalid('spec.versions', versionsText(versions), 'must have exactly one version marked as storage version'))
    if (!versions.some((v) => v.served === true)) errs.push(invalid('spec.versions', versionsText(versions), 'must have at least one version marked as served'))
  }
  if (!names.plural) errs.push(required('spec.names.plural'))
  if (!names.singular) errs.push(required('spec.names.singular'))
  if (!names.kind) errs.push(required('spec.names.kind'))
  if (!names.listKind) errs.push(required('spec.names.listKind'))
  errs.push(...validateNames(names, 'spec.names'))
  if (spec.preserveUnknownFields === true) errs.push(invalid('spec.preserveUnknownFields', true, 'must be false in order to use defaults in the schema'))
  versions.forEach((v, i) => {
    const path = `spec.versions[${i}]`
    const schema = isObj(v.schema) ? v.schema.openAPIV3Schema : undefined
    if (!isObj(schema)) errs.push(required(`${path}.schema.openAPIV3Schema`, 'schemas are required'))
    else {
      validateSchema(schema, `${path}.schema.openAPIV3Schema`, 'root', errs)
      if (isObj(v.subresources) && v.subresources.status !== undefined) {
        const extra = Object.keys(schema).filter((k) => !['properties', 'required', 'type', 'description', 'x-kubernetes-validations', 'x-kubernetes-preserve-unknown-fields'].includes(k))
        if (extra.length) errs.push(invalid(`${path}.schema.openAPIV3Schema`, '', 'must only have "properties", "required" or "description" at the root if the status subresource is enabled'))
      }
    }
    const scale = isObj(v.subresources) ? v.subresources.scale : undefined
    if (isObj(scale)) {
      for (const k of ['specReplicasPath', 'statusReplicasPath'] as const) {
        const p = str(scale[k])
        if (!p) errs.push(required(`${path}.subresources.scale.${k}`))
        else if (!/^\.[A-Za-z0-9_.]+$/.test(p)) errs.push(invalid(`${path}.subresources.scale.${k}`, p, 'should be a json path under .spec'))
      }
    }
    ;(Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []).forEach((c, j) => {
      const cp = `${path}.additionalPrinterColumns[${j}]`
      if (!c.name) errs.push(required(`${cp}.name`))
      if (!c.type) errs.push(required(`${cp}.type`))
      else if (!['number', 'integer', 'string', 'boolean', 'date'].includes(c.type)) errs.push(notSupported(`${cp}.type`, c.type, ['number', 'integer', 'string', 'boolean', 'date']))
      if (!c.jsonPath) errs.push(required(`${cp}.JSONPath`))
    })
  })
  return errs
}

/** How upstream prints the versions in its messages is a Go struct dump; the names stand for it here. */
function versionsText(versions: CrdVersion[]): string {
  return `[${versions.map((v) => v.name).join(' ')}]`
}

function validateCrdUpdate(obj: StoredObject, old: StoredObject): FieldError[] {
  const errs = validateCrd(obj)
  const a = (obj as Crd).spec ?? {}
  const b = (old as Crd).spec ?? {}
  const immutable = (path: string, x: unknown, y: unknown) => {
    if (x !== y) errs.push(invalid(path, x, 'field is immutable'))
  }
  if (isEstablished(old as Crd)) {
    immutable('spec.scope', a.scope, b.scope)
    immutable('spec.names.kind', a.names?.kind, b.names?.kind)
  }
  immutable('spec.group', a.group, b.group)
  immutable('spec.names.plural', a.names?.plural, b.names?.plural)
  return errs
}

export function condition(crd: Crd, type: string): CrdCondition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type)
}

export function isEstablished(crd: Crd): boolean {
  return condition(crd, 'Established')?.status === 'True'
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

export const customResourceDefinitions: ResourceDef = {
  group: crdGroup,
  version: 'v1',
  kind: 'CustomResourceDefinition',
  resource: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  nameValidator: isDNS1123Subdomain,
  generation: true,
  hasStatus: true,
  defaults,
  prepareForCreate,
  prepareForUpdate,
  validate: validateCrd,
  validateUpdate: validateCrdUpdate,
  // Upstream's REST Delete: the first delete adds the cleanup finalizer and the Terminating
  // condition; the CRD goes once its instances are gone and the finalizer is removed.
  pendingFinalizers: (obj) => (obj.metadata.deletionTimestamp ? [] : [cleanupFinalizer]),
  prepareForDelete(obj) {
    const crd = obj as Crd
    const fins = new Set(crd.metadata.finalizers ?? [])
    fins.add(cleanupFinalizer)
    crd.metadata.finalizers = [...fins]
    const conditions = (crd.status?.conditions ?? []).filter((c) => c.type !== 'Terminating')
    conditions.push({ type: 'Terminating', status: 'True', lastTransitionTime: rfc3339(new Date()), reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon' })
    crd.status = { ...(crd.status ?? {}), conditions }
  },
  table: {
    columns: [
      nameColumn,
      {
        name: 'Created At',
        type: 'date',
        format: '',
        description:
          'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
        priority: 0,
      },
    ],
    cells: (obj) => [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? null],
  },
}

export const apiextensionsResources: ResourceDef[] = [customResourceDefinitions]

// ---- what a CRD serves ----------------------------------------------------------------------------

/** `stable.example.com`, `v1`, `CronTab` → `com.example.stable.v1.CronTab`. */
export function definitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`
}

export interface ServedVersion {
  kind: CustomKind
  schema: Schema
  deprecated: boolean
  deprecationWarning?: string
}

/** The served versions of a (valid) CRD, as they are served, with the names it was accepted with. */
export function servedVersions(crd: Crd): ServedVersion[] {
  const spec = crd.spec
  const names = spec.names
  const out: ServedVersion[] = []
  for (const v of spec.versions) {
    if (!v.served) continue
    const schema = structuredClone((v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as Json)
    const props = (isObj(schema.properties) ? schema.properties : (schema.properties = {})) as Json
    // As the apiextensions-apiserver publishes a CRD: standard descriptions on apiVersion and kind,
    // metadata as ObjectMeta.
    props.apiVersion = { description: apiVersionDescription, type: 'string' }
    props.kind = { description: kindDescription, type: 'string' }
    props.metadata = { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', description: metaDescription }
    schema['x-kubernetes-group-version-kind'] = [{ group: spec.group, version: v.name, kind: names.kind }]
    const columns: CustomColumn[] = v.additionalPrinterColumns
      ? v.additionalPrinterColumns.map((c) => ({ name: c.name, type: c.type as CustomColumn['type'], format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0, jsonPath: c.jsonPath }))
      : defaultColumns
    out.push({
      kind: {
        group: spec.group,
        version: v.name,
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        scope: spec.scope,
        definition: definitionName(spec.group, v.name, names.kind),
        columns,
        subresources: v.subresources ?? {},
        ...(v.selectableFields?.length ? { selectableFields: v.selectableFields.map((f) => f.jsonPath) } : {}),
      },
      schema: schema as Schema,
      deprecated: v.deprecated === true,
      deprecationWarning: v.deprecationWarning,
    })
  }
  return out
}

/** The definitions (kind and list) a served version publishes. */
export function definitionsOf(v: ServedVersion): Record<string, Schema> {
  const k = v.kind
  const listKind = k.listKind ?? `${k.kind}List`
  return {
    [k.definition]: v.schema,
    [definitionName(k.group, k.version, listKind)]: {
      description: `${listKind} is a list of ${k.kind}`,
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: { description: apiVersionDescription, type: 'string' },
        items: { description: `List of ${k.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: { $ref: `#/definitions/${k.definition}` } },
        kind: { description: kindDescription, type: 'string' },
        metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
      },
      'x-kubernetes-group-version-kind': [{ group: k.group, version: k.version, kind: listKind }],
    },
  }
}
