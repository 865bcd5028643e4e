// The ecosystem's own client: @kubernetes/client-node drives kubelite from its kubeconfig
// (TLS with the written CA, bearer token), including a watch and pod logs.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as k8s from '@kubernetes/client-node'
import { startCluster, until, type Cluster } from './harness.js'

describe('@kubernetes/client-node', () => {
  let c: Cluster
  let kc: k8s.KubeConfig
  before(async () => {
    c = await startCluster()
    kc = new k8s.KubeConfig()
    kc.loadFromFile(c.kubeconfig)
  })
  after(async () => {
    await c?.destroy()
  })

  test('CRUD, patch, watch, logs and errors', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api)
    const apps = kc.makeApiClient(k8s.AppsV1Api)
    const ns = await core.listNamespace()
    assert.deepEqual(ns.items.map((n) => n.metadata?.name), ['default', 'kube-node-lease', 'kube-public', 'kube-system'])

    await apps.createNamespacedDeployment({ namespace: 'default', body: { metadata: { name: 'cn' }, spec: { selector: { matchLabels: { app: 'cn' } }, template: { metadata: { labels: { app: 'cn' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } } })
    const d = await apps.readNamespacedDeployment({ name: 'cn', namespace: 'default' })
    assert.equal(d.spec?.replicas, 1)
    assert.equal(d.spec?.strategy?.type, 'RollingUpdate')
    await apps.patchNamespacedDeployment(
      { name: 'cn', namespace: 'default', body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    )
    assert.equal((await apps.readNamespacedDeployment({ name: 'cn', namespace: 'default' })).spec?.replicas, 3)

    const seen: string[] = []
    const watch = new k8s.Watch(kc)
    // Only the bare pod: the Deployment's own pods come and go on the same watch otherwise.
    const req = await watch.watch('/api/v1/namespaces/default/pods', { fieldSelector: 'metadata.name=cnpod' }, (type, obj) => seen.push(`${type} ${obj.metadata?.name} ${obj.status?.phase}`), () => {})
    try {
      await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'cnpod' }, spec: { containers: [{ name: 'c', image: 'gcr.io/google-samples/kubernetes-bootcamp:v1' }] } } })
      await until('the watch to see it Running', async () => seen.includes('MODIFIED cnpod Running'))
      assert.equal(seen[0], 'ADDED cnpod Pending')
    } finally {
      req.abort()
    }
    const log = await core.readNamespacedPodLog({ name: 'cnpod', namespace: 'default' })
    assert.match(log, /^Kubernetes Bootcamp App Started At: \S+ \| Running On:  cnpod \n/)

    await assert.rejects(core.readNamespacedPod({ name: 'nope', namespace: 'default' }), (err: { code?: number; body?: string }) => {
      assert.equal(err.code, 404)
      assert.equal(JSON.parse(err.body!).message, 'pods "nope" not found')
      return true
    })
  })
})
