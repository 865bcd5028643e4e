import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { definitionName, definitionsOf, servedVersions, validateCrd, type Crd } from './crd.js'
import { customResourceDef } from './customresource.js'
import { compareKubeAwareVersions, deprecationWarning } from './serve.js'

type Json = Record<string, any>

function crd(over: (c: Json) => void = () => undefined): Crd {
  const c: Json = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct'] },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } } } } }],
    },
  }
  over(c)
  return c as Crd
}

const messages = (c: Crd) => validateCrd(c as StoredObject).map(fieldErrorMessage)

test('a valid CRD has no errors', () => {
  assert.deepEqual(messages(crd()), [])
})

test('names, group, scope and versions with upstream\'s wording', () => {
  assert.deepEqual(messages(crd((c) => (c.metadata.name = 'crontab.stable.example.com'))), ['metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group'])
  assert.ok(messages(crd((c) => ((c.spec.group = 'example'), (c.metadata.name = 'crontabs.example')))).includes('spec.group: Invalid value: "example": should be a domain with at least one dot'))
  assert.ok(messages(crd((c) => (c.spec.scope = 'Global'))).includes('spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'))
  assert.ok(messages(crd((c) => (c.spec.versions[0].storage = false))).some((m) => /^spec.versions: Invalid value: .*: must have exactly one version marked as storage version$/.test(m)))
  assert.ok(messages(crd((c) => (c.spec.names.kind = 'CronTabList'))).includes('spec.names.listKind: Invalid value: "CronTabList": kind and listKind may not be the same'))
  assert.ok(messages(crd((c) => (c.spec.names.shortNames = ['C T']))).some((m) => m.startsWith('spec.names.shortNames[0]: Invalid value: "C T": a DNS-1035 label must consist of lower case alphanumeric characters')))
})

test('structural schema rules', () => {
  const schema = (s: Json) => crd((c) => (c.spec.versions[0].schema.openAPIV3Schema = s))
  assert.deepEqual(messages(schema({ type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } })), [
    'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
  ])
  assert.deepEqual(messages(schema({ type: 'string' })), ['spec.versions[0].schema.openAPIV3Schema.type: Invalid value: "string": must be object at the root'])
  assert.deepEqual(messages(crd((c) => delete c.spec.versions[0].schema)), ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required'])
  assert.deepEqual(messages(schema({ type: 'object', properties: { l: { type: 'array', items: { type: 'string' }, uniqueItems: true } } })), [
    'spec.versions[0].schema.openAPIV3Schema.properties[l].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
  ])
  // int-or-string's anyOf of types is structural; a type in another value validation is not.
  assert.deepEqual(messages(schema({ type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } } })), [])
  assert.deepEqual(messages(schema({ type: 'object', properties: { p: { type: 'string', anyOf: [{ type: 'string' }] } } })), [
    'spec.versions[0].schema.openAPIV3Schema.properties[p].anyOf[0].type: Forbidden: must be empty to be structural',
  ])
})

test('what a CRD serves: definitions named as kube-apiserver names them, AGE when there are no columns', () => {
  const [v] = servedVersions(crd())
  assert.equal(v.kind.definition, 'com.example.stable.v1.CronTab')
  assert.deepEqual(v.kind.columns.map((c) => [c.name, c.jsonPath]), [['Age', '.metadata.creationTimestamp']])
  assert.deepEqual(Object.keys(definitionsOf(v)), ['com.example.stable.v1.CronTab', 'com.example.stable.v1.CronTabList'])
  assert.equal(definitionName('cert-manager.io', 'v1', 'Certificate'), 'io.cert-manager.v1.Certificate')
  assert.deepEqual(servedVersions(crd((c) => (c.spec.versions[0].served = false))), [])
})

test('versions sort as upstream sorts them, and a deprecated one points at the newest served one', () => {
  assert.deepEqual(['v1alpha1', 'foo', 'v2beta1', 'v1', 'v1beta2', 'v2'].sort(compareKubeAwareVersions), ['v2', 'v1', 'v2beta1', 'v1beta2', 'v1alpha1', 'foo'])
  const two = crd((c) => c.spec.versions.unshift({ name: 'v1beta1', served: true, storage: false, deprecated: true }))
  assert.equal(deprecationWarning(two, 'v1beta1'), 'stable.example.com/v1beta1 CronTab is deprecated; use stable.example.com/v1 CronTab')
  assert.equal(deprecationWarning(two, 'v1'), 'stable.example.com/v1 CronTab is deprecated')
})

test('a protected group needs the api-approved annotation', () => {
  const k8s = crd((c) => ((c.spec.group = 'stable.k8s.io'), (c.metadata.name = 'crontabs.stable.k8s.io')))
  assert.deepEqual(messages(k8s), [
    'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
  ])
  k8s.metadata.annotations = { 'api-approved.kubernetes.io': 'https://github.com/kubernetes/kubernetes/pull/1' }
  assert.deepEqual(messages(k8s), [])
})

test('selectableFields become field selectors', () => {
  const [v] = servedVersions(crd((c) => (c.spec.versions[0].selectableFields = [{ jsonPath: '.spec.replicas' }])))
  const def = customResourceDef(v.kind, v.schema)
  const obj = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'a' }, spec: { replicas: 2 } } as StoredObject
  assert.equal(def.fieldSelectors?.['spec.replicas']?.(obj), '2')
})

test('x-kubernetes-validations: a rule that does not compile is refused when the CRD is written, as upstream', () => {
  const withRules = (rules: Json[]) => crd((c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = rules))
  assert.deepEqual(messages(withRules([{ rule: 'self.replicas >= 0' }, { rule: 'has(self.items[0].name) || true', messageExpression: '"n=" + string(self.replicas)' }])), [])
  assert.deepEqual(messages(withRules([{ rule: 'self.replicas >', message: 'm' }, { rule: '' }])), [
    'spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.replicas >", Message:"m", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>: Unexpected token: EOF',
    'spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: Required value: rule is not specified',
  ])
})
