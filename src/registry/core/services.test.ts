import { test } from 'node:test'
import assert from 'node:assert/strict'
import { aggregateMessage, fieldErrorMessage } from '../../apis/validation.js'
import { clone } from '../../apis/meta.js'
import { servicesResource, type ServiceObj } from './services.js'

const now = new Date('2025-01-01T12:00:00Z')

function created(spec: Record<string, unknown>, name = 'web'): ServiceObj {
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', creationTimestamp: '2025-01-01T11:55:00Z' }, spec } as unknown as ServiceObj
  servicesResource.defaults!(svc)
  servicesResource.prepareForCreate!(svc)
  return svc
}
const errors = (svc: ServiceObj) => servicesResource.validate!(svc).map(fieldErrorMessage)

test('discovery facts', () => {
  const d = servicesResource
  assert.deepEqual([d.kind, d.resource, d.singular, d.namespaced, d.shortNames, d.categories, d.hasStatus], ['Service', 'services', 'service', true, ['svc'], ['all'], true])
  assert.equal(d.nameValidator('1web').length, 1)
})

test('defaults: the kubectl expose body', () => {
  const svc = created({ ports: [{ port: 8080 }], selector: { app: 'web' }, type: 'NodePort' })
  assert.deepEqual(svc.spec, {
    ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'web' }, type: 'NodePort',
    sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'],
  })
  assert.deepEqual(svc.status, { loadBalancer: {} })
  assert.deepEqual(errors(svc), [])
})

test('headless services', () => {
  const svc = created({ clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] })
  assert.deepEqual([svc.spec?.clusterIPs, svc.spec?.ipFamilyPolicy], [['None'], 'SingleStack'])
  assert.deepEqual(errors(svc), [])
  const bare = created({ clusterIP: 'None' })
  assert.deepEqual([bare.spec?.ipFamilyPolicy, errors(bare)], ['RequireDualStack', []])
  assert.deepEqual(errors(created({ clusterIP: 'None', type: 'NodePort', ports: [{ port: 80 }] })), ['spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for NodePort services'])
})

test('validation errors', () => {
  assert.deepEqual(errors(created({ selector: { app: 'web' } })), ['spec.ports: Required value'])
  assert.deepEqual(errors(created({ ports: [{ port: 0 }] })), [
    'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
  ])
  assert.deepEqual(errors(created({ ports: [{ port: 80 }, { port: 81 }] })), ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'])
  assert.deepEqual(errors(created({ ports: [{ port: 80, nodePort: 30080 }] })), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"])
  assert.deepEqual(errors(created({ type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] })), ['spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767'])
  assert.deepEqual(errors(created({ type: 'Magic', ports: [{ port: 80 }] })), ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'])
  assert.match(aggregateMessage(servicesResource.validate!(created({ ports: [{ port: 80 }], selector: { app: 'a b' } }))), /^spec\.selector: Invalid value: "a b": a valid label must be/)
  assert.deepEqual(errors(created({ type: 'ExternalName', externalName: 'example.com' })), [])
})

test('update: clusterIP is immutable, allocated values survive a replace', () => {
  const old = created({ ports: [{ port: 80 }], type: 'NodePort' })
  old.spec!.clusterIP = '127.96.0.10'
  old.spec!.clusterIPs = ['127.96.0.10']
  old.spec!.ports![0].nodePort = 30080
  const changed = clone(old)
  changed.spec!.clusterIP = '127.96.0.11'
  servicesResource.prepareForUpdate!(changed, old)
  const errs = servicesResource.validateUpdate!(changed, old)
  assert.deepEqual(errs.map(fieldErrorMessage), ['spec.clusterIPs[0]: Invalid value: []string{"127.96.0.11"}: may not change once set'])
  assert.equal((errs[0] as { valueText?: string }).valueText, '[]string{"127.96.0.11"}')
  const replaced = { ...clone(old), spec: { ports: [{ port: 80 }], type: 'NodePort' } } as ServiceObj
  servicesResource.defaults!(replaced)
  servicesResource.prepareForUpdate!(replaced, old)
  assert.deepEqual([replaced.spec?.clusterIP, replaced.spec?.clusterIPs, replaced.spec?.ports?.[0].nodePort, replaced.spec?.ipFamilies], ['127.96.0.10', ['127.96.0.10'], 30080, ['IPv4']])
  assert.deepEqual(servicesResource.validateUpdate!(replaced, old), [])
})

test('table cells', () => {
  const np = created({ ports: [{ port: 8080 }], selector: { app: 'kubernetes-bootcamp' }, type: 'NodePort' })
  np.spec!.clusterIPs = ['127.96.0.10']
  np.spec!.ports![0].nodePort = 30880
  assert.deepEqual(servicesResource.table.cells(np, now), ['web', 'NodePort', '127.96.0.10', '<none>', '8080:30880/TCP', '5m', 'app=kubernetes-bootcamp'])
  const lb = created({ ports: [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }], type: 'LoadBalancer' })
  assert.deepEqual(servicesResource.table.cells(lb, now).slice(1), ['LoadBalancer', '<none>', '<pending>', '80/TCP,53/UDP', '5m', '<none>'])
  const en = created({ type: 'ExternalName', externalName: 'example.com' })
  assert.deepEqual(servicesResource.table.cells(en, now).slice(1, 5), ['ExternalName', '<none>', 'example.com', '<none>'])
  assert.equal(servicesResource.fieldSelectors!['spec.type'](np), 'NodePort')
})
