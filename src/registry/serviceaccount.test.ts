import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bootstrapNamespaces, buildApiServer } from '../cli/wiring.js'
import { MemoryStore } from '../store/memory/memory.js'
import { serviceAccountAdmission } from './serviceaccount.js'
import { errors } from '../apis/status.js'
import { podsResource } from './core/pods.js'
import type { ResourceDef } from './types.js'

const pod = (sa?: string, annotations?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team', annotations }, spec: { serviceAccountName: sa, containers: [{ name: 'c', image: 'nginx' }] } })

test('a pod naming a missing ServiceAccount is refused with upstream’s words; `default` is looked up 10 times first', async () => {
  const looked: string[] = []
  const slept: number[] = []
  const plugin = serviceAccountAdmission({
    getServiceAccount: async (ns, name) => {
      looked.push(`${ns}/${name}`)
      throw errors.notFound({ group: '', resource: 'serviceaccounts' }, name)
    },
    sleep: async (ms) => void slept.push(ms),
  })
  const attrs = (object: object) => ({ operation: 'CREATE' as const, def: podsResource as unknown as ResourceDef, namespace: 'team', name: 'web', object: object as never, dryRun: false })
  await assert.rejects(plugin.admit(attrs(pod('builder'))), (err: any) => {
    assert.equal(err.status.code, 403)
    assert.equal(err.status.message, 'pods "web" is forbidden: error looking up service account team/builder: serviceaccount "builder" not found')
    return true
  })
  assert.deepEqual(looked, ['team/builder'])
  looked.length = 0
  const p = pod()
  await assert.rejects(plugin.admit(attrs(p)), /serviceaccount "default" not found/)
  assert.equal(looked.length, 10)
  assert.equal(slept.length, 9)
  assert.ok(slept.every((ms) => ms >= 100 && ms < 200))
  assert.equal(p.spec.serviceAccountName, 'default')
  // A mirror pod never names one.
  await plugin.admit(attrs(pod(undefined, { 'kubernetes.io/config.mirror': 'x' })))
  await assert.rejects(plugin.admit(attrs(pod('x', { 'kubernetes.io/config.mirror': 'x' }))), /a mirror pod may not reference service accounts/)
})

test('through the API: system namespaces have `default`; a pod with it is admitted, one with a missing account is not', async () => {
  const api = buildApiServer({ store: new MemoryStore(), serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const sas = api.resource('', 'serviceaccounts')!
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.equal((await sas.get(ns, 'default')).metadata.name, 'default')
  const pods = api.resource('', 'pods')!
  const created = await pods.create('default', { ...pod(), metadata: { name: 'ok' } }, {})
  assert.equal((created.spec as { serviceAccountName: string }).serviceAccountName, 'default')
  await assert.rejects(pods.create('default', { ...pod('nobody'), metadata: { name: 'no' } }, {}), /error looking up service account default\/nobody: serviceaccount "nobody" not found/)
  await bootstrapNamespaces(api) // again, as after a restart
})
