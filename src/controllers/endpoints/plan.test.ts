import { test } from 'node:test'
import assert from 'node:assert/strict'
import { computeSubsets, planEndpoints, type EndpointsObj } from './plan.js'
import { findPort, type PodObj, type ServiceObj } from './podutil.js'

function svc(name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>): ServiceObj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(labels ? { labels } : {}) },
    spec: { selector: { app: 'web' }, clusterIP: '127.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
  } as ServiceObj
}

function pod(name: string, ip: string | undefined, opts: { ready?: boolean; deleting?: boolean; labels?: Record<string, string>; ports?: unknown[]; phase?: string } = {}): PodObj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: opts.labels ?? { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'kubelite', containers: [{ name: 'c', image: 'i', ports: opts.ports ?? [] }] },
    status: {
      phase: opts.phase ?? 'Running',
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  } as PodObj
}

const addr = (name: string, ip: string) => ({ ip, nodeName: 'kubelite', targetRef: { kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` } })

test('computeSubsets: ready, not ready, terminating, no IP, finished', () => {
  const pods = [
    pod('b', '127.244.0.3'),
    pod('a', '127.244.0.2'),
    pod('slow', '127.244.0.4', { ready: false }),
    pod('bye', '127.244.0.5', { deleting: true }),
    pod('new', undefined),
    pod('done', '127.244.0.6', { phase: 'Succeeded' }),
  ]
  assert.deepEqual(computeSubsets(svc('web'), pods), [
    { addresses: [addr('a', '127.244.0.2'), addr('b', '127.244.0.3')], notReadyAddresses: [addr('slow', '127.244.0.4')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
  ])
})

test('computeSubsets: publishNotReadyAddresses lists not-ready and terminating pods as ready', () => {
  const s = computeSubsets(svc('web', { publishNotReadyAddresses: true }), [pod('slow', '127.244.0.4', { ready: false }), pod('bye', '127.244.0.5', { deleting: true })])
  assert.deepEqual(s, [{ addresses: [addr('slow', '127.244.0.4'), addr('bye', '127.244.0.5')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }])
})

test('computeSubsets: named target ports resolve per pod; pods without the port are left out', () => {
  const service = svc('web', { ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }] })
  const s = computeSubsets(service, [
    pod('v1', '127.244.0.2', { ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }] }),
    pod('v2', '127.244.0.3', { ports: [{ name: 'web', containerPort: 9090, protocol: 'TCP' }] }),
    pod('none', '127.244.0.4'),
  ])
  assert.deepEqual(s, [
    { addresses: [addr('v1', '127.244.0.2')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    { addresses: [addr('v2', '127.244.0.3')], ports: [{ name: 'http', port: 9090, protocol: 'TCP' }] },
  ])
})

test('computeSubsets: a headless service without ports lists addresses only', () => {
  assert.deepEqual(computeSubsets(svc('h', { clusterIP: 'None', ports: [] }), [pod('a', '127.244.0.2')]), [{ addresses: [addr('a', '127.244.0.2')] }])
  assert.deepEqual(computeSubsets(svc('n', { ports: [] }), [pod('a', '127.244.0.2')]), [])
})

test('findPort: numbers as is, names by protocol', () => {
  const p = pod('a', '127.244.0.2', { ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }] })
  assert.equal(findPort(p, { port: 80, targetPort: 8080 }), 8080)
  assert.equal(findPort(p, { port: 53, targetPort: 'dns', protocol: 'UDP' }), 53)
  assert.equal(findPort(p, { port: 53, targetPort: 'dns', protocol: 'TCP' }), undefined)
})

test('planEndpoints: create, then nothing when current, update when a pod changes; headless label', () => {
  const s = svc('web', {}, { app: 'web' })
  const create = planEndpoints(s, [pod('a', '127.244.0.2')], undefined)
  assert.equal(create?.type, 'create')
  assert.deepEqual(create?.object.metadata, { name: 'web', namespace: 'default', labels: { app: 'web' } })
  const current = { ...create!.object, metadata: { ...create!.object.metadata, resourceVersion: '5' } } as EndpointsObj
  assert.equal(planEndpoints(s, [pod('a', '127.244.0.2')], current), undefined)
  const upd = planEndpoints(s, [pod('a', '127.244.0.2', { deleting: true })], current)
  assert.equal(upd?.type, 'update')
  assert.deepEqual(upd?.object.subsets, [])
  assert.equal(upd?.object.metadata.resourceVersion, '5')
  const headless = planEndpoints(svc('h', { clusterIP: 'None' }), [], undefined)
  assert.deepEqual(headless?.object.metadata.labels, { 'service.kubernetes.io/headless': '' })
})
