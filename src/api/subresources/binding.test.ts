import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ApiServer } from '../server.js'
import { builtInResources } from '../../registry/index.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { setPodCondition } from '../../apis/core/pod-conditions.js'
import { podBinding, validateBinding } from './binding.js'

test('validateBinding: target kind Node or empty, name required', () => {
  assert.deepEqual(validateBinding({ target: { kind: 'Node', name: 'n' } }), [])
  assert.deepEqual(validateBinding({ target: { name: 'n' } }), [])
  assert.deepEqual(
    validateBinding({ target: { kind: 'Pod' } }).map((e) => [e.type, e.field]),
    [
      ['FieldValueNotSupported', 'target.kind'],
      ['FieldValueRequired', 'target.name'],
    ],
  )
})

test('setPodCondition: keeps the transition time while the status stays, drops reason and message', () => {
  const t1 = new Date('2025-01-01T00:00:00Z')
  const t2 = new Date('2025-01-01T00:01:00Z')
  const status: Record<string, unknown> = {}
  setPodCondition(status, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no' }, t1)
  setPodCondition(status, { type: 'PodScheduled', status: 'True' }, t2)
  assert.deepEqual(status.conditions, [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:01:00Z' }])
  setPodCondition(status, { type: 'PodScheduled', status: 'True' }, new Date('2025-01-02T00:00:00Z'))
  assert.equal((status.conditions as { lastTransitionTime: string }[])[0].lastTransitionTime, '2025-01-01T00:01:00Z')
})

async function serve() {
  const store = new MemoryStore()
  const binding = podBinding({ store })
  const api = new ApiServer({ resources: builtInResources(), store, serverAddress: '127.0.0.1:0', subresources: new Map([['pods/binding', binding]]) })
  await api.resource('', 'namespaces')!.create(undefined, { metadata: { name: 'default' } })
  const server = createServer(api.handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const post = async (path: string, body: unknown) => {
    const r = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    return { code: r.status, body: (await r.json()) as Record<string, any> }
  }
  const close = async () => {
    await new Promise((r) => server.close(r))
    await store.close()
  }
  return { api, base, post, close, binding, pods: api.resource('', 'pods')! }
}

const pod = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra } })
const bindingFor = (name: string, node: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name, ...extra }, target: { kind: 'Node', name: node } })

test('POST pods/binding sets nodeName and PodScheduled=True, answers 201 Success', async () => {
  const s = await serve()
  try {
    const before = await s.pods.create('default', pod('web'))
    const r = await s.post('/api/v1/namespaces/default/pods/web/binding', bindingFor('web', 'kubelite', { annotations: { a: 'b' } }))
    assert.equal(r.code, 201)
    assert.deepEqual(r.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 })
    const after = (await s.pods.get('default', 'web')) as any
    assert.equal(after.spec.nodeName, 'kubelite')
    assert.equal(after.metadata.annotations.a, 'b')
    assert.equal(after.metadata.uid, before.metadata.uid)
    assert.deepEqual(after.status.conditions.map((c: any) => [c.type, c.status]), [['PodScheduled', 'True']])
    assert.equal(after.status.phase, 'Pending')

    const again = await s.post('/api/v1/namespaces/default/pods/web/binding', bindingFor('web', 'other'))
    assert.equal(again.code, 409)
    assert.equal(again.body.reason, 'Conflict')
    assert.equal(again.body.message, 'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "kubelite"')
  } finally {
    await s.close()
  }
})

test('pods/binding errors: name mismatch, invalid target, missing pod, deleting pod, GET', async () => {
  const s = await serve()
  try {
    await s.pods.create('default', pod('web'))
    const mismatch = await s.post('/api/v1/namespaces/default/pods/web/binding', bindingFor('other', 'n'))
    assert.equal(mismatch.code, 400)
    assert.equal(mismatch.body.message, 'name in URL does not match name in Binding object')
    const invalid = await s.post('/api/v1/namespaces/default/pods/web/binding', { metadata: { name: 'web' }, target: {} })
    assert.equal(invalid.code, 422)
    assert.equal(invalid.body.message, 'Binding "web" is invalid: target.name: Required value')
    const missing = await s.post('/api/v1/namespaces/default/pods/nope/binding', bindingFor('nope', 'n'))
    assert.equal(missing.code, 404)
    assert.equal(missing.body.message, 'pods "nope" not found')
    const get = await fetch(`${s.base}/api/v1/namespaces/default/pods/web/binding`)
    assert.equal(get.status, 405)

    await s.pods.create('default', pod('gated', { schedulingGates: [{ name: 'g' }] }))
    const gated = await s.post('/api/v1/namespaces/default/pods/gated/binding', bindingFor('gated', 'n'))
    assert.equal(gated.body.message, 'Operation cannot be fulfilled on pods/binding "gated": pod gated has non-empty .spec.schedulingGates')

    await s.pods.create('default', { ...pod('fin'), metadata: { name: 'fin', finalizers: ['x/y'] } })
    await s.pods.delete('default', 'fin')
    const deleting = await s.post('/api/v1/namespaces/default/pods/fin/binding', bindingFor('fin', 'n'))
    assert.equal(deleting.code, 409)
    assert.equal(deleting.body.message, 'Operation cannot be fulfilled on pods/binding "fin": pod fin is being deleted, cannot be assigned to a host')

    const dry = await s.post('/api/v1/namespaces/default/pods/web/binding?dryRun=All', bindingFor('web', 'n'))
    assert.equal(dry.code, 201)
    assert.equal(((await s.pods.get('default', 'web')) as any).spec.nodeName, undefined)
  } finally {
    await s.close()
  }
})

test('discovery lists pods/binding; the in-process bind works like the POST', async () => {
  const s = await serve()
  try {
    const doc = (await (await fetch(`${s.base}/api/v1`)).json()) as { resources: { name: string; kind: string; verbs: string[] }[] }
    assert.deepEqual(doc.resources.find((r) => r.name === 'pods/binding'), { name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] })
    await s.pods.create('default', pod('p'))
    const status = await s.binding.bind(s.pods, 'default', 'p', bindingFor('p', 'n1'))
    assert.equal(status.code, 201)
    assert.equal(((await s.pods.get('default', 'p')) as any).spec.nodeName, 'n1')
  } finally {
    await s.close()
  }
})
