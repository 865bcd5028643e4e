// A trimmed copy of the Deployment schema (OpenAPI v3 as Kubernetes 1.32 serves it), with the
// extensions server-side apply reads, for the tests in this folder.

import type { Schema, SchemaResolver } from '../../apis/schema.js'

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` })
const str: Schema = { type: 'string' }
const int: Schema = { type: 'integer', format: 'int32' }
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' } }

export const definitions: Record<string, Schema> = {
  Deployment: {
    type: 'object',
    properties: { apiVersion: str, kind: str, metadata: ref('ObjectMeta'), spec: ref('DeploymentSpec'), status: ref('DeploymentStatus') },
  },
  ObjectMeta: {
    type: 'object',
    properties: {
      name: str,
      namespace: str,
      uid: str,
      resourceVersion: str,
      generation: { type: 'integer', format: 'int64' },
      creationTimestamp: { type: 'string', format: 'date-time' },
      labels: stringMap,
      annotations: stringMap,
      finalizers: { type: 'array', items: str, 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' },
      managedFields: { type: 'array', items: { type: 'object', properties: { manager: str } }, 'x-kubernetes-list-type': 'atomic' },
      ownerReferences: {
        type: 'array',
        items: { type: 'object', properties: { uid: str, name: str, kind: str, apiVersion: str, controller: { type: 'boolean' } } },
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['uid'],
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
      },
    },
  },
  DeploymentSpec: {
    type: 'object',
    required: ['selector', 'template'],
    properties: {
      replicas: int,
      minReadySeconds: int,
      paused: { type: 'boolean' },
      revisionHistoryLimit: int,
      progressDeadlineSeconds: int,
      selector: { allOf: [ref('LabelSelector')] },
      template: { allOf: [ref('PodTemplateSpec')] },
      strategy: { allOf: [ref('DeploymentStrategy')] },
    },
  },
  DeploymentStrategy: { type: 'object', properties: { type: str, rollingUpdate: { allOf: [ref('RollingUpdateDeployment')] } } },
  RollingUpdateDeployment: { type: 'object', properties: { maxSurge: ref('IntOrString'), maxUnavailable: ref('IntOrString') } },
  IntOrString: { 'x-kubernetes-int-or-string': true },
  LabelSelector: {
    type: 'object',
    'x-kubernetes-map-type': 'atomic',
    properties: { matchLabels: stringMap, matchExpressions: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'atomic' } },
  },
  PodTemplateSpec: { type: 'object', properties: { metadata: { allOf: [ref('ObjectMeta')] }, spec: { allOf: [ref('PodSpec')] } } },
  PodSpec: {
    type: 'object',
    required: ['containers'],
    properties: {
      containers: {
        type: 'array',
        items: { allOf: [ref('Container')] },
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge',
      },
      restartPolicy: str,
      dnsPolicy: str,
      schedulerName: str,
      terminationGracePeriodSeconds: { type: 'integer', format: 'int64' },
      securityContext: { type: 'object', properties: { runAsUser: int } },
      nodeSelector: { ...stringMap, 'x-kubernetes-map-type': 'atomic' },
      // No list-type: only the patch strategy says how to merge (the fallback).
      volumes: { type: 'array', items: { type: 'object', properties: { name: str, emptyDir: { type: 'object' } } }, 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge,retainKeys' },
      tolerations: { type: 'array', items: { type: 'object', properties: { key: str } } },
    },
  },
  Container: {
    type: 'object',
    required: ['name'],
    properties: {
      name: str,
      image: str,
      imagePullPolicy: str,
      args: { type: 'array', items: str, 'x-kubernetes-list-type': 'atomic' },
      ports: {
        type: 'array',
        items: { allOf: [ref('ContainerPort')] },
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
      },
      env: { type: 'array', items: { type: 'object', properties: { name: str, value: str } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
      resources: { type: 'object', properties: { limits: { type: 'object', additionalProperties: ref('Quantity') }, requests: { type: 'object', additionalProperties: ref('Quantity') } } },
      terminationMessagePath: str,
      terminationMessagePolicy: str,
    },
  },
  ContainerPort: { type: 'object', required: ['containerPort'], properties: { containerPort: int, protocol: { type: 'string', default: 'TCP' }, name: str } },
  Quantity: { type: 'string' },
  DeploymentStatus: {
    type: 'object',
    properties: {
      replicas: int,
      observedGeneration: { type: 'integer', format: 'int64' },
      conditions: { type: 'array', items: { type: 'object', properties: { type: str, status: str } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
    },
  },
}

export const resolve: SchemaResolver = (s) => {
  if (s.$ref) return definitions[s.$ref.replace('#/definitions/', '')] ?? {}
  if (s.allOf?.length === 1) return s.allOf[0]
  return s
}

export const deploymentSchema = definitions.Deployment
