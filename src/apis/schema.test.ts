import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  childSchema,
  definition,
  definitions,
  findTypeError,
  findUnknownFields,
  normalizeDecoded,
  itemSchema,
  resolve,
  schemaForKind,
  type Schema,
} from './schema.js'

const deploymentSpec = () => childSchema(schemaForKind('apps', 'v1', 'Deployment')!, 'spec')!

test('Deployment: properties, required, descriptions and GVK as upstream', () => {
  const d = definition('io.k8s.api.apps.v1.Deployment')!
  assert.deepEqual(Object.keys(d.properties!).sort(), ['apiVersion', 'kind', 'metadata', 'spec', 'status'])
  assert.deepEqual(d['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }])
  assert.equal(d.description, 'Deployment enables declarative updates for Pods and ReplicaSets.')
  assert.equal(d.properties!.spec.$ref, '#/definitions/io.k8s.api.apps.v1.DeploymentSpec')

  const spec = definition('io.k8s.api.apps.v1.DeploymentSpec')!
  assert.deepEqual([...spec.required!].sort(), ['selector', 'template'])
  assert.deepEqual(spec.properties!.replicas, {
    description:
      'Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.',
    format: 'int32',
    type: 'integer',
  })
  assert.equal(spec.properties!.strategy['x-kubernetes-patch-strategy'], 'retainKeys')
  assert.equal(definition('io.k8s.api.apps.v1.DeploymentStatus')!.properties!.observedGeneration.format, 'int64')
})

test('special types: Time, IntOrString, Quantity, RawExtension, FieldsV1', () => {
  const time = definition('io.k8s.apimachinery.pkg.apis.meta.v1.Time')!
  assert.equal(time.type, 'string')
  assert.equal(time.format, 'date-time')
  const ios = definition('io.k8s.apimachinery.pkg.util.intstr.IntOrString')!
  assert.equal(ios.type, 'string')
  assert.equal(ios.format, 'int-or-string')
  assert.equal(ios['x-kubernetes-int-or-string'], true)
  assert.equal(definition('io.k8s.apimachinery.pkg.api.resource.Quantity')!.type, 'string')
  assert.equal(definition('io.k8s.apimachinery.pkg.runtime.RawExtension')!.type, 'object')
  assert.equal(definition('io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1')!.type, 'object')
  const rolling = definition('io.k8s.api.apps.v1.RollingUpdateDeployment')!
  assert.equal(rolling.properties!.maxSurge.$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString')
})

test('patch and list extensions on the fields SMP and SSA rely on', () => {
  const props = (name: string) => definition(`io.k8s.api.core.v1.${name}`)!.properties!
  const ext = (s: Schema) => ({
    strategy: s['x-kubernetes-patch-strategy'],
    key: s['x-kubernetes-patch-merge-key'],
    listType: s['x-kubernetes-list-type'],
    mapKeys: s['x-kubernetes-list-map-keys'],
  })
  assert.deepEqual(ext(props('PodSpec').containers), { strategy: 'merge', key: 'name', listType: 'map', mapKeys: ['name'] })
  assert.deepEqual(ext(props('PodSpec').initContainers), { strategy: 'merge', key: 'name', listType: 'map', mapKeys: ['name'] })
  assert.deepEqual(ext(props('PodSpec').volumes), { strategy: 'merge,retainKeys', key: 'name', listType: 'map', mapKeys: ['name'] })
  assert.deepEqual(ext(props('PodSpec').tolerations), { strategy: undefined, key: undefined, listType: 'atomic', mapKeys: undefined })
  assert.deepEqual(ext(props('Container').ports), {
    strategy: 'merge',
    key: 'containerPort',
    listType: 'map',
    mapKeys: ['containerPort', 'protocol'],
  })
  assert.deepEqual(ext(props('Container').env), { strategy: 'merge', key: 'name', listType: 'map', mapKeys: ['name'] })
  assert.deepEqual(ext(props('Container').volumeMounts), { strategy: 'merge', key: 'mountPath', listType: 'map', mapKeys: ['mountPath'] })
  assert.deepEqual(ext(props('ServiceSpec').ports), { strategy: 'merge', key: 'port', listType: 'map', mapKeys: ['port', 'protocol'] })
  assert.deepEqual(ext(props('PodStatus').conditions), { strategy: 'merge', key: 'type', listType: 'map', mapKeys: ['type'] })

  const objectMeta = definition('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')!.properties!
  assert.deepEqual(ext(objectMeta.finalizers), { strategy: 'merge', key: undefined, listType: 'set', mapKeys: undefined })
  assert.deepEqual(ext(objectMeta.ownerReferences), { strategy: 'merge', key: 'uid', listType: 'map', mapKeys: ['uid'] })
  assert.equal(definition('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector')!['x-kubernetes-map-type'], 'atomic')
  assert.equal(definition('io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference')!['x-kubernetes-map-type'], 'atomic')
  assert.equal(
    definition('io.k8s.api.apps.v1.DeploymentStatus')!.properties!.conditions['x-kubernetes-patch-merge-key'],
    'type',
  )
})

test('enums carry upstream "Possible enum values" text; byte and int64 formats', () => {
  const type = definition('io.k8s.api.apps.v1.DeploymentStrategy')!.properties!.type
  assert.deepEqual(type.enum, ['Recreate', 'RollingUpdate'])
  assert.match(type.description!, /\n\nPossible enum values:\n - `"Recreate"` Kill all existing pods before creating new ones\.\n - `"RollingUpdate"` /)
  const secretData = definition('io.k8s.api.core.v1.Secret')!.properties!.data
  assert.deepEqual(secretData.additionalProperties, { format: 'byte', type: 'string' })
  const groups = definition('io.k8s.api.core.v1.PodSecurityContext')!.properties!.supplementalGroups
  assert.deepEqual(groups.items, { format: 'int64', type: 'integer' })
})

test('every served kind and its list has a schema; refs all resolve', () => {
  const kinds: [string, string][] = [
    ['', 'Namespace'], ['', 'Node'], ['', 'Pod'], ['', 'Service'], ['', 'Endpoints'], ['', 'ConfigMap'],
    ['', 'Secret'], ['', 'ServiceAccount'], ['', 'Event'], ['apps', 'Deployment'], ['apps', 'ReplicaSet'],
    ['apps', 'ControllerRevision'], ['apps', 'StatefulSet'], ['apps', 'DaemonSet'],
    ['discovery.k8s.io', 'EndpointSlice'], ['coordination.k8s.io', 'Lease'], ['events.k8s.io', 'Event'],
  ]
  for (const [g, k] of kinds) {
    assert.ok(schemaForKind(g, 'v1', k), `${g}/${k}`)
    assert.ok(schemaForKind(g, 'v1', `${k}List`), `${g}/${k}List`)
  }
  assert.ok(schemaForKind('', 'v1', 'Binding'))
  assert.ok(schemaForKind('autoscaling', 'v1', 'Scale'))
  assert.ok(schemaForKind('', 'v1', 'Status'))
  assert.ok(schemaForKind('apps', 'v1', 'DeleteOptions'))
  assert.equal(schemaForKind('apps', 'v1', 'Nope'), undefined)
  assert.notEqual(schemaForKind('', 'v1', 'Event'), schemaForKind('events.k8s.io', 'v1', 'Event'))

  const refs = JSON.stringify(definitions()).match(/"#\/definitions\/[^"]+"/g) ?? []
  for (const r of new Set(refs)) assert.ok(definition(r.slice(15, -1)), r)
})

test('resolve follows refs and keeps what the referring schema says', () => {
  const strategy = childSchema(deploymentSpec(), 'strategy')!
  assert.equal(strategy['x-kubernetes-patch-strategy'], 'retainKeys')
  assert.ok(strategy.properties!.rollingUpdate)
  assert.equal(strategy.description, 'The deployment strategy to use to replace existing pods with new ones.')
  assert.deepEqual(resolve({ allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }] }).properties, strategy.properties)
  assert.deepEqual(resolve({ $ref: '#/definitions/unknown.Thing' }), { $ref: '#/definitions/unknown.Thing' })

  const podSpec = childSchema(childSchema(deploymentSpec(), 'template')!, 'spec')!
  const container = itemSchema(childSchema(podSpec, 'containers')!)!
  assert.equal(childSchema(container, 'image')!.type, 'string')
  assert.equal(childSchema(childSchema(container, 'resources')!, 'limits')!.type, 'object')
  const labels = childSchema(childSchema(schemaForKind('', 'v1', 'Pod')!, 'metadata')!, 'labels')!
  assert.equal(childSchema(labels, 'app')!.type, 'string')
  assert.equal(childSchema(container, 'nope'), undefined)
  assert.equal(itemSchema(container), undefined)
})

test('findUnknownFields: upstream paths, nested and in lists, in document order', () => {
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    bogus: 1,
    metadata: { name: 'web', labels: { app: 'web' }, annotations: { x: 'y' }, nope: true },
    spec: {
      replicas: 2,
      bogus: { deep: 1 },
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', extra: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'a', image: 'x', ports: [{ containerPort: 80, hostPorts: 1 }] },
            { name: 'b', image: 'y', bogus: 'z', env: [{ name: 'A', value: '1', valueFrom: { fieldRef: { fieldPath: 'x', q: 1 } } }] },
          ],
        },
      },
    },
    status: { replicas: 1, what: 1 },
  }
  assert.deepEqual(findUnknownFields('apps', 'v1', 'Deployment', d), [
    'bogus',
    'metadata.nope',
    'spec.bogus',
    'spec.strategy.rollingUpdate.extra',
    'spec.template.spec.containers[0].ports[0].hostPorts',
    'spec.template.spec.containers[1].bogus',
    'spec.template.spec.containers[1].env[0].valueFrom.fieldRef.q',
    'status.what',
  ])
  assert.deepEqual(findUnknownFields('apps', 'v1', 'Deployment', { spec: { replicas: 1 } }), [])
})

test('findUnknownFields: free-form objects, unknown kinds and bad input never throw', () => {
  const rev = { apiVersion: 'apps/v1', kind: 'ControllerRevision', revision: 1, data: { anything: { goes: [1] } } }
  assert.deepEqual(findUnknownFields('apps', 'v1', 'ControllerRevision', rev), [])
  const managed = { metadata: { managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, bad: 1 }] } }
  assert.deepEqual(findUnknownFields('apps', 'v1', 'Deployment', managed), ['metadata.managedFields[0].bad'])
  assert.deepEqual(findUnknownFields('example.com', 'v1', 'Widget', { any: 1 }), [])
  // a type mismatch is not an unknown field
  assert.deepEqual(findUnknownFields('apps', 'v1', 'Deployment', { spec: 'x', metadata: [1, 2] }), [])
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const r = findUnknownFields('', 'v1', 'Pod', v)
      assert.ok(Array.isArray(r))
    }),
    { numRuns: 200 },
  )
})

test('findTypeError words type mismatches as Go encoding/json does', async () => {
  const { findTypeError } = await import('./schema.js')
  const d = (spec: unknown, metadata: unknown = { name: 'x' }) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec })
  const ok = { replicas: 2, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'a', image: 'i', resources: { limits: { cpu: 1, memory: '1Gi' } } }] } }, strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } } }
  assert.equal(findTypeError('apps', 'v1', 'Deployment', d(ok)), undefined)
  assert.equal(findTypeError('apps', 'v1', 'Deployment', d(ok, { name: 'x', labels: { app: true } })), 'json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string')
  assert.equal(findTypeError('apps', 'v1', 'Deployment', d({ ...ok, replicas: 'three' })), 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32')
  assert.equal(findTypeError('apps', 'v1', 'Deployment', d({ ...ok, replicas: 1.5 })), 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32')
  assert.match(findTypeError('apps', 'v1', 'Deployment', d({ ...ok, template: { spec: { containers: { name: 'a' } } } }))!, /^json: cannot unmarshal object into Go struct field PodSpec\.spec\.template\.spec\.containers of type \[\]v1\.Container$/)
  assert.equal(findTypeError('apps', 'v1', 'Deployment', d({ ...ok, paused: null })), undefined)
})

test('normalizeDecoded drops exactly what findUnknownFields names, however deep the unknown subtree', () => {
  let deep: unknown = 1
  for (let i = 0; i < 50_000; i++) deep = { a: deep }
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', bogus: 1, labels: { a: 'b' } }, data: { k: 'v' }, x: deep }
  assert.deepEqual(findUnknownFields('', 'v1', 'ConfigMap', cm), ['metadata.bogus', 'x'])
  normalizeDecoded('', 'v1', 'ConfigMap', cm)
  assert.deepEqual(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: 'b' } }, data: { k: 'v' } })
  assert.deepEqual(findUnknownFields('', 'v1', 'ConfigMap', cm), [])
})

test('normalizeDecoded: nulls become what Go decoding leaves (dropped fields, zero list elements and map values)', () => {
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', ownerReferences: [null], finalizers: [null], labels: { a: null }, managedFields: [null] },
    spec: { replicas: null, template: { spec: { containers: [{ name: 'c', image: null, ports: [null] }] } } },
  }
  normalizeDecoded('apps', 'v1', 'Deployment', d)
  assert.deepEqual(d, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', ownerReferences: [{}], finalizers: [''], labels: { a: '' }, managedFields: [{}] },
    spec: { template: { spec: { containers: [{ name: 'c', ports: [{}] }] } } },
  })
})

test('findTypeError: a custom resource is unstructured, but its metadata is an ObjectMeta', () => {
  assert.equal(
    findTypeError('argoproj.io', 'v1alpha1', 'ClusterAnalysisTemplate', { metadata: { name: 'x', managedFields: {} } }),
    'json: cannot unmarshal object into Go struct field ObjectMeta.metadata.managedFields of type []v1.ManagedFieldsEntry',
  )
  assert.equal(findTypeError('argoproj.io', 'v1alpha1', 'ClusterAnalysisTemplate', { metadata: { name: 'x' }, spec: 5 }), undefined, 'the rest is schema validation (a 422)')
})
