// Volume contents as upstream's plugins compute them: keys, items, modes, optional, missing
// sources with upstream's FailedMount wording, downward API, projected, and the pod's mounts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ConfigMap, Pod, Secret, Volume } from 'kubernetes-types/core/v1.js'
import { claimMount, failedMountMessage, planVolume, podMounts, volumeSources, type VolumeSources } from './volumes.js'

const pod: Pod = {
  metadata: { name: 'web', namespace: 'shop', uid: 'u1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'hi' } },
  spec: { containers: [{ name: 'c', resources: { limits: { memory: '64Mi' } } }] },
}
const cm: ConfigMap = { metadata: { name: 'cfg' }, data: { 'game.properties': 'lives=3\n', ui: 'dark' }, binaryData: { bin: Buffer.from([1, 2]).toString('base64') } }
const secret: Secret = { metadata: { name: 'creds' }, data: { password: Buffer.from('s3cret').toString('base64') } }
const src = (extra: Partial<VolumeSources> = {}): VolumeSources => ({
  configMaps: new Map([['cfg', cm], ['gone', null]]),
  secrets: new Map([['creds', secret], ['nope', null]]),
  tokens: new Map([['token', 'jwt']]),
  ...extra,
})
const files = (v: Volume, s = src()) => {
  const p = planVolume(pod, v, s)
  assert.ok('kind' in p && p.kind === 'files', JSON.stringify(p))
  return Object.fromEntries([...p.payload].map(([k, f]) => [k, [f.data.toString(), f.mode.toString(8)]]))
}

test('configMap: every key at 0644 by default; items and their modes; missing key; missing map; optional', () => {
  assert.deepEqual(files({ name: 'v', configMap: { name: 'cfg' } }), { 'game.properties': ['lives=3\n', '644'], ui: ['dark', '644'], bin: ['\u0001\u0002', '644'] })
  assert.deepEqual(files({ name: 'v', configMap: { name: 'cfg', defaultMode: 0o600, items: [{ key: 'ui', path: 'conf/ui.txt', mode: 0o444 }, { key: 'game.properties', path: 'g' }] } }), {
    'conf/ui.txt': ['dark', '444'],
    g: ['lives=3\n', '600'],
  })
  assert.deepEqual(planVolume(pod, { name: 'v', configMap: { name: 'cfg', items: [{ key: 'nope', path: 'x' }] } }, src()), { error: 'configmap references non-existent config key: nope' })
  const missing = planVolume(pod, { name: 'config-vol', configMap: { name: 'gone' } }, src())
  assert.deepEqual(missing, { error: 'configmap "gone" not found' })
  assert.equal(failedMountMessage('config-vol', (missing as { error: string }).error), 'MountVolume.SetUp failed for volume "config-vol" : configmap "gone" not found')
  assert.deepEqual(files({ name: 'v', configMap: { name: 'gone', optional: true } }), {})
})

test('secret: decoded, defaultMode 0400; missing secret', () => {
  assert.deepEqual(files({ name: 's', secret: { secretName: 'creds', defaultMode: 0o400 } }), { password: ['s3cret', '400'] })
  assert.deepEqual(planVolume(pod, { name: 's', secret: { secretName: 'nope' } }, src()), { error: 'secret "nope" not found' })
})

test('downwardAPI: name, namespace, labels and annotations as upstream formats them, resource limits', () => {
  assert.deepEqual(
    files({
      name: 'd',
      downwardAPI: {
        items: [
          { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } },
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
          { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
        ],
      },
    }),
    { name: ['web', '644'], ns: ['shop', '644'], labels: ['app="web"\ntier="front"', '644'], annotations: ['note="hi"', '644'], mem: ['64', '644'] },
  )
})

test('projected: the service-account token volume upstream injects', () => {
  const v: Volume = {
    name: 'kube-api-access-abcde',
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  }
  const root: ConfigMap = { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'PEM' } }
  assert.deepEqual(files(v, src({ configMaps: new Map([['kube-root-ca.crt', root]]) })), { token: ['jwt', '644'], 'ca.crt': ['PEM', '644'], namespace: ['shop', '644'] })
  assert.deepEqual(planVolume(pod, v, src()), { error: 'configmap "kube-root-ca.crt" not found' })
  assert.deepEqual(volumeSources({ spec: { containers: [], volumes: [v, { name: 's', secret: { secretName: 'creds' } }] } }), { configMaps: new Set(['kube-root-ca.crt']), secrets: new Set(['creds']) })
})

test('emptyDir, memory emptyDir, hostPath', () => {
  assert.deepEqual(planVolume(pod, { name: 'e', emptyDir: {} }, src()), { kind: 'emptyDir', memory: false })
  assert.deepEqual(planVolume(pod, { name: 'e', emptyDir: { medium: 'Memory' } }, src()), { kind: 'emptyDir', memory: true })
  assert.deepEqual(planVolume(pod, { name: 'h', hostPath: { path: '/var/log' } }, src()), { kind: 'hostPath', path: '/var/log' })
})

test('podMounts: every container, init first, one volume per mountPath, subPath and readOnly kept', () => {
  const p: Pod = {
    spec: {
      volumes: [{ name: 'shared', emptyDir: {} }, { name: 'cfg', configMap: { name: 'cfg' } }],
      initContainers: [{ name: 'init', volumeMounts: [{ name: 'shared', mountPath: '/work' }] }],
      containers: [
        { name: 'a', volumeMounts: [{ name: 'shared', mountPath: '/work' }, { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'ui', readOnly: true }] },
        { name: 'b', volumeMounts: [{ name: 'shared', mountPath: '/data' }, { name: 'undefined', mountPath: '/x' }] },
      ],
    },
  }
  assert.deepEqual(podMounts(p), [
    { volume: 'shared', mountPath: '/work', subPath: undefined, readOnly: false },
    { volume: 'cfg', mountPath: '/etc/app.conf', subPath: 'ui', readOnly: true },
    { volume: 'shared', mountPath: '/data', subPath: undefined, readOnly: false },
  ])
})

test('persistentVolumeClaim: the bound volume\'s directory, or the kubelet\'s reason', () => {
  const claim = { metadata: { name: 'data', uid: 'c1' }, spec: { volumeName: 'pv1' }, status: { phase: 'Bound' } }
  const pv = { metadata: { name: 'pv1' }, spec: { claimRef: { uid: 'c1' }, hostPath: { path: '/d/pv1', type: 'DirectoryOrCreate' } } }
  assert.deepEqual(claimMount('shop', 'data', claim, pv), { path: '/d/pv1', create: true })
  assert.deepEqual(claimMount('shop', 'data', null, undefined), { error: 'error processing PVC shop/data: failed to fetch PVC from API server: persistentvolumeclaims "data" not found' })
  assert.deepEqual(claimMount('shop', 'data', { ...claim, status: { phase: 'Pending' } }, pv), { error: 'error processing PVC shop/data: PVC is not bound' })
  assert.deepEqual(claimMount('shop', 'data', { ...claim, metadata: { ...claim.metadata, deletionTimestamp: 'x' } }, pv), { error: "error processing PVC shop/data: can't start pod because PVC is being deleted" })
  assert.deepEqual(claimMount('shop', 'data', claim, { ...pv, spec: { ...pv.spec, claimRef: { uid: 'other' } } }), { error: 'error processing PVC shop/data: PV pv1 is not bound to PVC shop/data' })
  const v: Volume = { name: 'd', persistentVolumeClaim: { claimName: 'data' } }
  const src: VolumeSources = { configMaps: new Map(), secrets: new Map(), tokens: new Map(), claims: new Map([['data', { path: '/d/pv1', create: false }]]) }
  assert.deepEqual(planVolume(pod, v, src), { kind: 'hostPath', path: '/d/pv1', create: false })
  assert.deepEqual(planVolume(pod, v, { ...src, claims: new Map([['data', { error: 'error processing PVC shop/data: PVC is not bound' }]]) }), { error: 'error processing PVC shop/data: PVC is not bound' })
})
