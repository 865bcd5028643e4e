import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { PodObj, ServiceObj } from '../endpoints/podutil.js'
import { planEndpointSlices, podToEndpoint, sliceLabels, type SliceObj } from './plan.js'

function svc(spec: Record<string, unknown> = {}, labels?: Record<string, string>): ServiceObj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', ...(labels ? { labels } : {}) },
    spec: { selector: { app: 'web' }, clusterIP: '127.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
  } as ServiceObj
}

function pod(name: string, ip: string, opts: { ready?: boolean; deleting?: boolean } = {}): PodObj {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'kubelite', containers: [{ name: 'c', image: 'i' }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  } as PodObj
}

const ports = [{ name: 'http', port: 8080, protocol: 'TCP' }]
const ep = (name: string, ip: string, c = { ready: true, serving: true, terminating: false }) => ({
  addresses: [ip],
  conditions: c,
  targetRef: { kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` },
  nodeName: 'kubelite',
})
/** A slice as stored: named, with a resourceVersion. */
const stored = (name: string, s: SliceObj): SliceObj => ({ ...s, metadata: { ...s.metadata, name, resourceVersion: '7' } }) as SliceObj

test('podToEndpoint: ready / serving / terminating as upstream', () => {
  assert.deepEqual(podToEndpoint(pod('a', '127.244.0.2'), svc()).conditions, { ready: true, serving: true, terminating: false })
  assert.deepEqual(podToEndpoint(pod('a', '127.244.0.2', { ready: false }), svc()).conditions, { ready: false, serving: false, terminating: false })
  assert.deepEqual(podToEndpoint(pod('a', '127.244.0.2', { deleting: true }), svc()).conditions, { ready: false, serving: true, terminating: true })
  assert.deepEqual(podToEndpoint(pod('a', '127.244.0.2', { deleting: true }), svc({ publishNotReadyAddresses: true })).conditions, { ready: true, serving: true, terminating: true })
})

test('sliceLabels: service labels, reserved ones, headless', () => {
  assert.deepEqual(sliceLabels(svc({}, { app: 'web', 'kubernetes.io/service-name': 'x' })), {
    app: 'web',
    'kubernetes.io/service-name': 'web',
    'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
  })
  assert.equal(sliceLabels(svc({ clusterIP: 'None' }))['service.kubernetes.io/headless'], '')
})

test('planEndpointSlices: a new service gets one slice named by generateName, owned by the service', () => {
  const plan = planEndpointSlices(svc(), [pod('b', '127.244.0.3'), pod('a', '127.244.0.2')], [])
  assert.equal(plan.create.length, 1)
  assert.deepEqual(plan.update, [])
  const s = plan.create[0]
  assert.equal(s.metadata.generateName, 'web-')
  assert.equal(s.addressType, 'IPv4')
  assert.deepEqual(s.ports, ports)
  assert.deepEqual(s.endpoints, [ep('a', '127.244.0.2'), ep('b', '127.244.0.3')])
  assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }])
})

test('planEndpointSlices: no pods → one empty placeholder, kept as is', () => {
  const plan = planEndpointSlices(svc(), [], [])
  assert.deepEqual(plan.create.map((s) => [s.endpoints, s.ports]), [[[], []]])
  const again = planEndpointSlices(svc(), [], [stored('web-abcde', plan.create[0])])
  assert.deepEqual(again, { create: [], update: [], delete: [] })
})

test('planEndpointSlices: the placeholder is reused when endpoints appear (stable name)', () => {
  const placeholder = stored('web-abcde', planEndpointSlices(svc(), [], []).create[0])
  const plan = planEndpointSlices(svc(), [pod('a', '127.244.0.2')], [placeholder])
  assert.deepEqual(plan.create, [])
  assert.deepEqual(plan.delete, [])
  assert.equal(plan.update[0].metadata.name, 'web-abcde')
  assert.deepEqual(plan.update[0].endpoints, [ep('a', '127.244.0.2')])
})

test('planEndpointSlices: in place: changed conditions update, gone pods drop, unchanged is a no-op', () => {
  const first = stored('web-abcde', planEndpointSlices(svc(), [pod('a', '127.244.0.2'), pod('b', '127.244.0.3')], []).create[0])
  assert.deepEqual(planEndpointSlices(svc(), [pod('a', '127.244.0.2'), pod('b', '127.244.0.3')], [first]), { create: [], update: [], delete: [] })
  const terminating = planEndpointSlices(svc(), [pod('a', '127.244.0.2', { deleting: true }), pod('b', '127.244.0.3')], [first])
  assert.deepEqual(terminating.update[0].endpoints, [ep('a', '127.244.0.2', { ready: false, serving: true, terminating: true }), ep('b', '127.244.0.3')])
  const gone = planEndpointSlices(svc(), [pod('b', '127.244.0.3')], [first])
  assert.deepEqual(gone.update[0].endpoints, [ep('b', '127.244.0.3')])
  assert.equal(gone.update[0].metadata.resourceVersion, '7')
})

test('planEndpointSlices: at most 100 endpoints a slice; fills existing room first', () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(`p${i}`, `127.244.${Math.floor(i / 200)}.${(i % 200) + 1}`))
  const plan = planEndpointSlices(svc(), pods, [])
  assert.deepEqual(plan.create.map((s) => s.endpoints!.length), [100, 100, 50])
  const existing = plan.create.map((s, i) => stored(`web-${i}`, s))
  const more = planEndpointSlices(svc(), [...pods, pod('x', '127.244.9.9')], existing)
  assert.deepEqual(more.create, [])
  assert.deepEqual(more.update.map((s) => [s.metadata.name, s.endpoints!.length]), [['web-2', 51]])
})

test('planEndpointSlices: slices of another owner are deleted', () => {
  const foreign = stored('web-old', { ...planEndpointSlices(svc(), [pod('a', '127.244.0.2')], []).create[0] })
  foreign.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'old-uid' }]
  const plan = planEndpointSlices(svc(), [pod('a', '127.244.0.2')], [foreign])
  assert.deepEqual(plan.delete.map((s) => s.metadata.name), ['web-old'])
  assert.equal(plan.create.length, 1)
})
