// The strategic merge patches kubectl 1.32 sends (shared/kubectl-wire.md §1), applied to a
// realistic Deployment with schemas that carry upstream's patch strategies and merge keys
// (k8s.io/api apps/v1 and core/v1 struct tags).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Schema } from '../../apis/schema.js'
import { applyPatch, strategicMergePatchType } from './index.js'
import { applyStrategicMergePatch } from './strategic.js'

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` })
const str: Schema = { type: 'string' }
const strMap: Schema = { type: 'object', additionalProperties: str }
const mergeBy = (item: string, key: string, extra = ''): Schema => ({
  type: 'array',
  items: ref(item),
  'x-kubernetes-patch-strategy': extra ? `merge,${extra}` : 'merge',
  'x-kubernetes-patch-merge-key': key,
})

const definitions: Record<string, Schema> = {
  'io.k8s.api.apps.v1.Deployment': {
    type: 'object',
    properties: {
      apiVersion: str,
      kind: str,
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'),
      spec: ref('io.k8s.api.apps.v1.DeploymentSpec'),
      status: ref('io.k8s.api.apps.v1.DeploymentStatus'),
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    type: 'object',
    properties: {
      name: str,
      namespace: str,
      labels: strMap,
      annotations: strMap,
      finalizers: { type: 'array', items: str, 'x-kubernetes-patch-strategy': 'merge' },
      ownerReferences: mergeBy('io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference', 'uid'),
      resourceVersion: str,
      generation: { type: 'integer' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference': { type: 'object', properties: { uid: str, name: str, kind: str } },
  'io.k8s.api.apps.v1.DeploymentSpec': {
    type: 'object',
    properties: {
      replicas: { type: 'integer' },
      paused: { type: 'boolean' },
      selector: { type: 'object', properties: { matchLabels: strMap } },
      template: ref('io.k8s.api.core.v1.PodTemplateSpec'),
      strategy: { allOf: [ref('io.k8s.api.apps.v1.DeploymentStrategy')], 'x-kubernetes-patch-strategy': 'retainKeys' },
      revisionHistoryLimit: { type: 'integer' },
    },
  },
  'io.k8s.api.apps.v1.DeploymentStrategy': {
    type: 'object',
    properties: { type: str, rollingUpdate: { type: 'object', properties: { maxSurge: {}, maxUnavailable: {} } } },
  },
  'io.k8s.api.apps.v1.DeploymentStatus': {
    type: 'object',
    properties: {
      replicas: { type: 'integer' },
      observedGeneration: { type: 'integer' },
      conditions: mergeBy('io.k8s.api.apps.v1.DeploymentCondition', 'type'),
    },
  },
  'io.k8s.api.apps.v1.DeploymentCondition': { type: 'object', properties: { type: str, status: str, reason: str } },
  'io.k8s.api.core.v1.PodTemplateSpec': {
    type: 'object',
    properties: { metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), spec: ref('io.k8s.api.core.v1.PodSpec') },
  },
  'io.k8s.api.core.v1.PodSpec': {
    type: 'object',
    properties: {
      containers: mergeBy('io.k8s.api.core.v1.Container', 'name'),
      initContainers: mergeBy('io.k8s.api.core.v1.Container', 'name'),
      volumes: mergeBy('io.k8s.api.core.v1.Volume', 'name', 'retainKeys'),
      tolerations: { type: 'array', items: ref('io.k8s.api.core.v1.Toleration') },
      imagePullSecrets: mergeBy('io.k8s.api.core.v1.LocalObjectReference', 'name'),
      nodeSelector: strMap,
    },
  },
  'io.k8s.api.core.v1.Container': {
    type: 'object',
    properties: {
      name: str,
      image: str,
      args: { type: 'array', items: str },
      ports: mergeBy('io.k8s.api.core.v1.ContainerPort', 'containerPort'),
      env: mergeBy('io.k8s.api.core.v1.EnvVar', 'name'),
      volumeMounts: mergeBy('io.k8s.api.core.v1.VolumeMount', 'mountPath'),
      resources: { type: 'object', properties: { limits: strMap, requests: strMap } },
    },
  },
  'io.k8s.api.core.v1.ContainerPort': { type: 'object', properties: { containerPort: { type: 'integer' }, name: str, protocol: str } },
  'io.k8s.api.core.v1.EnvVar': { type: 'object', properties: { name: str, value: str } },
  'io.k8s.api.core.v1.VolumeMount': { type: 'object', properties: { name: str, mountPath: str } },
  'io.k8s.api.core.v1.Volume': {
    type: 'object',
    properties: { name: str, emptyDir: { type: 'object', properties: {} }, configMap: { type: 'object', properties: { name: str } } },
  },
  'io.k8s.api.core.v1.Service': {
    type: 'object',
    properties: { metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), spec: ref('io.k8s.api.core.v1.ServiceSpec') },
  },
  'io.k8s.api.core.v1.ServiceSpec': {
    type: 'object',
    properties: { type: str, selector: strMap, ports: mergeBy('io.k8s.api.core.v1.ServicePort', 'port') },
  },
  'io.k8s.api.core.v1.ServicePort': { type: 'object', properties: { port: { type: 'integer' }, targetPort: {}, nodePort: { type: 'integer' }, protocol: str } },
  'io.k8s.api.core.v1.Toleration': { type: 'object', properties: { key: str, operator: str, effect: str } },
  'io.k8s.api.core.v1.LocalObjectReference': { type: 'object', properties: { name: str } },
}

function resolve(s: Schema): Schema {
  if (s.$ref) return definitions[s.$ref.replace('#/definitions/', '')]
  if (s.allOf?.length === 1) return resolve(s.allOf[0])
  return s
}

const deploymentSchema = ref('io.k8s.api.apps.v1.Deployment')

function deployment() {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      generation: 2,
      resourceVersion: '1019',
      labels: { app: 'web' },
      annotations: { 'deployment.kubernetes.io/revision': '1' },
      finalizers: ['example.com/keep'],
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
            { name: 'sidecar', image: 'busybox:1.36', args: ['sleep', 'infinity'] },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
          tolerations: [{ key: 'a', operator: 'Exists' }],
        },
      },
    },
    status: {
      observedGeneration: 2,
      replicas: 1,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    },
  }
}

type D = ReturnType<typeof deployment>

function patched(patch: unknown): D {
  const original = deployment()
  const out = applyStrategicMergePatch(original, patch as Record<string, unknown>, deploymentSchema, resolve) as unknown as D
  assert.deepEqual(original, deployment(), 'original not mutated')
  return out
}

function expected(change: (d: D) => void): D {
  const d = deployment()
  change(d)
  return d
}

describe('kubectl 1.32 strategic merge patches on a Deployment', () => {
  it('set image: $setElementOrder/containers with the one changed container', () => {
    const out = patched({
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ image: 'nginx:1.26', name: 'web' }] } } },
    })
    assert.deepEqual(
      out,
      expected((d) => {
        d.spec.template.spec.containers[0].image = 'nginx:1.26'
      }),
    )
  })

  it('set image on the second container keeps the order', () => {
    const out = patched({
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ image: 'busybox:1.37', name: 'sidecar' }] } } },
    })
    assert.deepEqual(
      out.spec.template.spec.containers.map((c) => [c.name, c.image]),
      [
        ['web', 'nginx:1.25'],
        ['sidecar', 'busybox:1.37'],
      ],
    )
  })

  it('apply: last-applied annotation, replicas, container image', () => {
    const lastApplied = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":"web","namespace":"default"}}\n'
    const out = patched({
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
      spec: { replicas: 3, template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ image: 'nginx:1.26', name: 'web' }] } } },
    })
    assert.deepEqual(
      out,
      expected((d) => {
        ;(d.metadata.annotations as Record<string, string>)['kubectl.kubernetes.io/last-applied-configuration'] = lastApplied
        d.spec.replicas = 3
        d.spec.template.spec.containers[0].image = 'nginx:1.26'
      }),
    )
  })

  it('apply: remove an env var ($patch delete) and add a port with $setElementOrder', () => {
    const out = patched({
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'A' }],
                '$setElementOrder/ports': [{ containerPort: 8080 }, { containerPort: 80 }],
                env: [{ $patch: 'delete', name: 'B' }],
                name: 'web',
                ports: [{ containerPort: 8080, name: 'alt' }],
              },
            ],
          },
        },
      },
    })
    assert.deepEqual(out.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }])
    assert.deepEqual(out.spec.template.spec.containers[0].ports, [{ containerPort: 8080, name: 'alt' }, { containerPort: 80, protocol: 'TCP' }])
  })

  it('apply: remove a container with $patch delete', () => {
    const out = patched({
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ $patch: 'delete', name: 'sidecar' }] } } },
    })
    assert.deepEqual(
      out.spec.template.spec.containers.map((c) => c.name),
      ['web'],
    )
  })

  it('apply: strategy type Recreate clears rollingUpdate through $retainKeys', () => {
    const out = patched({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } })
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' })
  })

  it('apply: volume source switch with $retainKeys and a null for the old source', () => {
    const out = patched({
      spec: {
        template: {
          spec: {
            '$setElementOrder/volumes': [{ name: 'data' }],
            volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' }, emptyDir: null, name: 'data' }],
          },
        },
      },
    })
    assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'data', configMap: { name: 'cfg' } }])
  })

  it('apply: tolerations have no merge strategy, so the list is replaced', () => {
    const out = patched({ spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Equal' }] } } } })
    assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'b', operator: 'Equal' }])
  })

  it('apply: container args (no strategy) are replaced', () => {
    const out = patched({
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ args: ['sleep', '10'], name: 'sidecar' }] } } },
    })
    assert.deepEqual(out.spec.template.spec.containers[1].args, ['sleep', '10'])
  })

  it('edit: a patch touching spec and status merges both (the registry drops status)', () => {
    const out = patched({ spec: { replicas: 3 }, status: { replicas: 3 } })
    assert.deepEqual(
      out,
      expected((d) => {
        d.spec.replicas = 3
        d.status.replicas = 3
      }),
    )
  })

  it('status conditions merge by type', () => {
    const out = patched({ status: { conditions: [{ type: 'Progressing', reason: 'ReplicaSetUpdated' }] } })
    assert.deepEqual(out.status.conditions, [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' },
    ])
  })

  it('rollout pause / resume', () => {
    const paused = patched({ spec: { paused: true } })
    assert.equal((paused.spec as { paused?: boolean }).paused, true)
    const resumed = applyStrategicMergePatch(paused, { spec: { paused: null } }, deploymentSchema, resolve) as unknown as D
    assert.deepEqual(resumed, deployment())
  })

  it('rollout restart adds the restartedAt annotation to the template', () => {
    const out = patched({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-05-01T10:00:00Z' } } } } })
    assert.deepEqual(out.spec.template.metadata, { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-05-01T10:00:00Z' } })
  })

  it('finalizers merge as a set and leave through $deleteFromPrimitiveList', () => {
    const added = patched({ metadata: { finalizers: ['example.com/other', 'example.com/keep'] } })
    assert.deepEqual(added.metadata.finalizers, ['example.com/other', 'example.com/keep'])
    const removed = patched({ metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/keep'] } })
    assert.deepEqual(removed.metadata.finalizers, [])
  })

  it('labels: null deletes, new keys are added', () => {
    const out = patched({ metadata: { labels: { app: null, tier: 'front' } } })
    assert.deepEqual(out.metadata.labels, { tier: 'front' })
  })

  it('a container without its merge key gets upstream’s message, as a 400 (upstream: a 500)', () => {
    assert.throws(() => patched({ spec: { template: { spec: { containers: [{ image: 'nginx' }] } } } }), {
      name: 'PatchError',
      code: 400,
      reason: 'BadRequest',
      message: 'map: map[image:nginx] does not contain declared merge key: name',
    })
  })

  it('through applyPatch: the JSON body kubectl set image sends', () => {
    const body = Buffer.from('{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"containers":[{"image":"nginx:1.26","name":"web"}]}}}}')
    const out = applyPatch(`${strategicMergePatchType}; charset=utf-8`, deployment(), body, { schema: deploymentSchema, resolve }) as unknown as D
    assert.equal(out.spec.template.spec.containers[0].image, 'nginx:1.26')
  })

  it('apply on a Service: ports merge by port, the allocated nodePort stays', () => {
    const svc = {
      metadata: { name: 'web' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 8080, nodePort: 31240, protocol: 'TCP' }] },
    }
    const out = applyStrategicMergePatch(
      svc,
      { spec: { '$setElementOrder/ports': [{ port: 8080 }, { port: 9090 }], ports: [{ port: 8080, targetPort: 80 }, { port: 9090, targetPort: 9090 }] } },
      ref('io.k8s.api.core.v1.Service'),
      resolve,
    )
    assert.deepEqual(out.spec, {
      type: 'NodePort',
      selector: { app: 'web' },
      ports: [
        { port: 8080, targetPort: 80, nodePort: 31240, protocol: 'TCP' },
        { port: 9090, targetPort: 9090 },
      ],
    })
  })
})
