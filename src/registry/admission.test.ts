// The ServiceAccount admission's token volume, exactly as upstream 1.32 injects it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../apis/meta.js'
import { errors } from '../apis/status.js'
import { mountServiceAccountToken, serviceAccountMountPath } from './admission.js'
import { serviceAccountAdmission as plugin } from './serviceaccount.js'
import type { AdmissionAttributes } from './rest.js'
import type { ResourceDef } from './types.js'

const podsDef = { group: '', resource: 'pods' } as ResourceDef
/** The ServiceAccount plugin over a namespace holding `default` and `robot` (whose own automount is off). */
const accounts: Record<string, StoredObject> = {
  default: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } },
  robot: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' }, automountServiceAccountToken: false } as StoredObject,
}
const serviceAccountAdmission = (random?: () => number) =>
  plugin({
    getServiceAccount: async (_ns, name) => {
      if (accounts[name]) return accounts[name]
      throw errors.notFound({ group: '', resource: 'serviceaccounts' }, name)
    },
    sleep: async () => {},
    random,
  })
const attrs = (object: unknown, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes => ({ operation: 'CREATE', def: podsDef, namespace: 'default', name: 'p', object: object as StoredObject, dryRun: false, ...extra })

test('a pod gets serviceAccountName default and the kube-api-access-xxxxx projected volume mounted read-only in every container', async () => {
  const pod = { metadata: { name: 'p' }, spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }, { name: 'b', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', emptyDir: {} }] } }
  let i = 0
  await serviceAccountAdmission(() => [0, 0.1, 0.5, 0.9, 0.99][i++ % 5]).admit(attrs(pod))
  assert.equal(typeof mountServiceAccountToken, 'function')
  const name = 'kube-api-access-bdr79'
  assert.equal(pod.spec.volumes[1].name, name)
  assert.deepEqual(pod.spec.volumes[1], {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
      ],
      defaultMode: 420,
    },
  })
  const mount = { name, readOnly: true, mountPath: serviceAccountMountPath }
  assert.deepEqual((pod.spec.initContainers[0] as { volumeMounts?: unknown[] }).volumeMounts, [mount])
  assert.deepEqual((pod.spec.containers[0] as { volumeMounts?: unknown[] }).volumeMounts, [mount])
  assert.deepEqual(pod.spec.containers[1].volumeMounts, [{ name: 'data', mountPath: '/data' }, mount])
  assert.equal((pod.spec as { serviceAccountName?: string }).serviceAccountName, 'default')
  assert.equal((pod.spec as { serviceAccount?: string }).serviceAccount, 'default')
})

test('automountServiceAccountToken: false, a container that mounts the path itself, other operations: nothing added', async () => {
  const off = { spec: { automountServiceAccountToken: false, serviceAccountName: 'robot', containers: [{ name: 'a' }] } }
  await serviceAccountAdmission().admit(attrs(off))
  assert.deepEqual(off.spec, { automountServiceAccountToken: false, serviceAccountName: 'robot', serviceAccount: 'robot', containers: [{ name: 'a' }] })
  const own = { spec: { containers: [{ name: 'a', volumeMounts: [{ name: 'mine', mountPath: serviceAccountMountPath }] }], volumes: [{ name: 'mine', emptyDir: {} }] } }
  await serviceAccountAdmission().admit(attrs(own))
  assert.equal(own.spec.volumes.length, 1)
  const update = { spec: { containers: [{ name: 'a' }] } }
  await serviceAccountAdmission().admit(attrs(update, { operation: 'UPDATE' }))
  assert.deepEqual(update, { spec: { containers: [{ name: 'a' }] } })
  const notPod = { data: {} }
  await serviceAccountAdmission().admit(attrs(notPod, { def: { group: '', resource: 'configmaps' } as ResourceDef }))
  assert.deepEqual(notPod, { data: {} })
})

test('an account that says automountServiceAccountToken: false gets no token volume unless the pod asks for one', async () => {
  const pod = { spec: { serviceAccountName: 'robot', containers: [{ name: 'a' }] } }
  await serviceAccountAdmission().admit(attrs(pod))
  assert.equal((pod.spec as { volumes?: unknown[] }).volumes, undefined)
  const asks = { spec: { serviceAccountName: 'robot', automountServiceAccountToken: true, containers: [{ name: 'a' }] } }
  await serviceAccountAdmission().admit(attrs(asks))
  assert.equal((asks.spec as { volumes?: unknown[] }).volumes?.length, 1)
})
