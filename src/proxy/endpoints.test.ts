import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Service } from 'kubernetes-types/core/v1.js'
import type { EndpointSlice, Endpoint } from 'kubernetes-types/discovery/v1.js'
import { affinitySeconds, clusterIPs, defaultAffinitySeconds, isProxied, listenSpecs, planPorts } from './endpoints.js'

const svc = (spec: Service['spec']): Service => ({ metadata: { namespace: 'default', name: 'web' }, spec })

const slice = (name: string, ports: EndpointSlice['ports'], endpoints: Endpoint[], addressType = 'IPv4'): EndpointSlice => ({
  metadata: { namespace: 'default', name, labels: { 'kubernetes.io/service-name': 'web' } },
  addressType,
  ports,
  endpoints,
})

const ep = (ip: string, conditions: Endpoint['conditions'] = { ready: true }, pod?: string): Endpoint => ({
  addresses: [ip],
  conditions,
  ...(pod ? { targetRef: { kind: 'Pod', namespace: 'default', name: pod } } : {}),
})

test('listenSpecs: ClusterIP per TCP and UDP port, NodePort listeners only for NodePort/LoadBalancer; SCTP not proxied', () => {
  const ports = [
    { name: 'http', port: 80, nodePort: 30880, protocol: 'TCP' },
    { name: 'dns', port: 53, protocol: 'UDP' },
    { name: 'syslog', port: 514, nodePort: 30514, protocol: 'UDP' },
    { name: 'sig', port: 2905, protocol: 'SCTP' },
  ]
  assert.deepEqual(listenSpecs(svc({ type: 'ClusterIP', clusterIP: '127.96.0.5', clusterIPs: ['127.96.0.5'], ports }), '127.0.0.1'), [
    { address: '127.96.0.5', port: 80, portName: 'http', kind: 'ClusterIP' },
    { address: '127.96.0.5', port: 53, protocol: 'UDP', portName: 'dns', kind: 'ClusterIP' },
    { address: '127.96.0.5', port: 514, protocol: 'UDP', portName: 'syslog', kind: 'ClusterIP' },
  ])
  for (const type of ['NodePort', 'LoadBalancer']) {
    assert.deepEqual(listenSpecs(svc({ type, clusterIP: '127.96.0.5', ports }), '127.0.0.1'), [
      { address: '127.96.0.5', port: 80, portName: 'http', kind: 'ClusterIP' },
      { address: '127.0.0.1', port: 30880, portName: 'http', kind: 'NodePort' },
      { address: '127.96.0.5', port: 53, protocol: 'UDP', portName: 'dns', kind: 'ClusterIP' },
      { address: '127.96.0.5', port: 514, protocol: 'UDP', portName: 'syslog', kind: 'ClusterIP' },
      { address: '127.0.0.1', port: 30514, protocol: 'UDP', portName: 'syslog', kind: 'NodePort' },
    ])
  }
  assert.equal(isProxied(svc({ clusterIP: '127.96.0.5', ports: [{ port: 2905, protocol: 'SCTP' }] })), false)
})

test('listenSpecs: headless, ExternalName and port-less Services get no listener', () => {
  assert.deepEqual(listenSpecs(svc({ clusterIP: 'None', ports: [{ port: 80 }] }), '127.0.0.1'), [])
  assert.deepEqual(listenSpecs(svc({ type: 'ExternalName', externalName: 'example.invalid', ports: [{ port: 80 }] }), '127.0.0.1'), [])
  assert.deepEqual(listenSpecs(svc({ clusterIP: '127.96.0.5' }), '127.0.0.1'), [])
  assert.equal(isProxied(svc({ type: 'ExternalName', ports: [{ port: 80 }] })), false)
  assert.deepEqual(clusterIPs(svc({ clusterIP: 'None', clusterIPs: ['None'] })), [])
  assert.deepEqual(clusterIPs(svc({ clusterIP: 'bogus' })), [])
})

test('affinitySeconds: ClientIP with the configured or default timeout', () => {
  assert.equal(affinitySeconds(svc({ sessionAffinity: 'None' })), undefined)
  assert.equal(affinitySeconds(svc({ sessionAffinity: 'ClientIP' })), defaultAffinitySeconds)
  assert.equal(affinitySeconds(svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })), 60)
})

test('planPorts: ready endpoints per port name with the slice target port', () => {
  const s = svc({ clusterIP: '127.96.0.5', ports: [{ name: 'http', port: 80 }, { name: 'admin', port: 81 }] })
  const plans = planPorts(s, [
    slice('web-a', [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'admin', port: 9090, protocol: 'TCP' }], [ep('127.244.0.2', { ready: true }, 'p2'), ep('127.244.0.1', {}, 'p1')]),
    slice('web-b', [{ name: 'http', port: 8081, protocol: 'TCP' }], [ep('127.244.0.3')]),
  ])
  assert.deepEqual(
    plans.map((p) => [p.name, p.port, p.backends.map((b) => b.key)]),
    [
      ['http', 80, ['127.244.0.1:8080', '127.244.0.2:8080', '127.244.0.3:8081']],
      ['admin', 81, ['127.244.0.1:9090', '127.244.0.2:9090']],
    ],
  )
  assert.deepEqual(plans[0].backends[0].pod, { namespace: 'default', name: 'p1' })
})

test('planPorts: unnamed port matches the slice port named ""; UDP slice ports do not match', () => {
  const s = svc({ clusterIP: '127.96.0.5', ports: [{ port: 80 }] })
  const plans = planPorts(s, [slice('a', [{ port: 8080 }], [ep('127.244.0.1')]), slice('b', [{ port: 53, protocol: 'UDP' }], [ep('127.244.0.9')])])
  assert.deepEqual(plans[0].backends.map((b) => b.key), ['127.244.0.1:8080'])
})

test('planPorts: a UDP Service port takes only UDP slice ports of its name (dns and dns-tcp on one number)', () => {
  const s = svc({ clusterIP: '127.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] })
  const plans = planPorts(s, [
    slice('a', [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'dns-tcp', port: 5354, protocol: 'TCP' }], [ep('127.0.0.1')]),
    slice('b', [{ name: 'dns', port: 5355, protocol: 'TCP' }], [ep('127.244.0.9')]),
  ])
  assert.deepEqual(
    plans.map((p) => [p.name, p.protocol ?? 'TCP', p.backends.map((b) => b.key)]),
    [
      ['dns', 'UDP', ['127.0.0.1:5353']],
      ['dns-tcp', 'TCP', ['127.0.0.1:5354']],
    ],
  )
})

test('planPorts: not-ready and terminating endpoints are left out; FQDN slices ignored', () => {
  const s = svc({ clusterIP: '127.96.0.5', ports: [{ port: 80 }] })
  const plans = planPorts(s, [
    slice('a', [{ port: 8080 }], [
      ep('127.244.0.1', { ready: false }),
      ep('127.244.0.2', { ready: false, serving: true, terminating: true }),
      ep('127.244.0.3', { ready: true, terminating: true }),
      ep('127.244.0.4', { ready: true }),
    ]),
    slice('f', [{ port: 8080 }], [{ addresses: ['pod.example.invalid'] }], 'FQDN'),
  ])
  assert.deepEqual(plans[0].backends.map((b) => b.key), ['127.244.0.4:8080'])
})

test('planPorts: terminatingFallback uses serving-terminating endpoints only when none is ready', () => {
  const s = svc({ clusterIP: '127.96.0.5', ports: [{ port: 80 }] })
  const eps = [ep('127.244.0.1', { ready: false }), ep('127.244.0.2', { ready: false, serving: true, terminating: true })]
  assert.deepEqual(planPorts(s, [slice('a', [{ port: 8080 }], eps)])[0].backends, [])
  assert.deepEqual(planPorts(s, [slice('a', [{ port: 8080 }], eps)], { terminatingFallback: true })[0].backends.map((b) => b.key), ['127.244.0.2:8080'])
})

test('planPorts: an endpoint listed twice is usable only if every copy is ready', () => {
  const s = svc({ clusterIP: '127.96.0.5', ports: [{ port: 80 }] })
  const plans = planPorts(s, [
    slice('a', [{ port: 8080 }], [ep('127.244.0.1'), ep('127.244.0.2')]),
    slice('b', [{ port: 8080 }], [ep('127.244.0.1', { ready: false, terminating: true }), ep('127.244.0.2')]),
  ])
  assert.deepEqual(plans[0].backends.map((b) => b.key), ['127.244.0.2:8080'])
})

test('planPorts: garbage in slices is skipped, never thrown', () => {
  const s = svc({ clusterIP: '127.96.0.5', ports: [{ port: 80 }] })
  const bad = [
    { metadata: {}, addressType: 'IPv4', ports: [{ port: 0 }], endpoints: [ep('127.244.0.1')] },
    { metadata: {}, addressType: 'IPv4', ports: [{ port: 8080 }], endpoints: [{ addresses: [] }, { addresses: ['not-an-ip'] }] },
    { metadata: {}, addressType: 'IPv4' },
  ] as unknown as EndpointSlice[]
  assert.deepEqual(planPorts(s, bad)[0].backends, [])
})

test('planPorts and listenSpecs: malformed Services are handled, never thrown', () => {
  const weird = [
    { metadata: {}, spec: { ports: 'x', clusterIPs: 'y' } },
    { metadata: {}, spec: { ports: [null, { port: 'a' }], clusterIP: '127.96.0.1' } },
    { metadata: {} },
  ] as unknown as Service[]
  for (const s of weird) {
    assert.deepEqual(listenSpecs(s, '127.0.0.1'), [])
    assert.deepEqual(planPorts(s, [null, { endpoints: 'z', ports: {} }] as unknown as EndpointSlice[]), [])
  }
})
