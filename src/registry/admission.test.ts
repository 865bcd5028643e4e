// The ServiceAccount admission's token volume, exactly as upstream 1.32 injects it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../apis/meta.js'
import { serviceAccountAdmission, serviceAccountMountPath } from './admission.js'
import type { AdmissionAttributes } from './rest.js'
import type { ResourceDef } from './types.js'

const podsDef = { group: '', resource: 'pods' } as ResourceDef
const attrs = (object: unknown, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes => ({ operation: 'CREATE', def: podsDef, namespace: 'default', name: 'p', object: object as StoredObject, dryRun: false, ...extra })

test('a pod gets serviceAccountName default and the kube-api-access-xxxxx projected volume mounted read-only in every container', async () => {
  const pod = { metadata: { name: 'p' }, spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }, { name: 'b', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', emptyDir: {} }] } }
  let i = 0
  await serviceAccountAdmission(() => [0, 0.1, 0.5, 0.9, 0.99][i++ % 5]).admit(attrs(pod))
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
