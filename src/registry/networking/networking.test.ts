import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { pickDefaultIngressClass } from './admission.js'
import { ingressCells, validateIngress, validateIngressUpdate } from './ingress.js'
import { defaultIngressClass, ingressClassCells, validateIngressClass, validateIngressClassUpdate } from './ingressclass.js'
import { defaultNetworkPolicy, networkpolicies, validateNetworkPolicy } from './networkpolicy.js'

const now = new Date('2026-01-01T00:05:00Z')
const obj = (kind: string, spec: unknown, extra: Record<string, unknown> = {}): StoredObject =>
  ({ apiVersion: 'networking.k8s.io/v1', kind, metadata: { name: 'x', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' }, spec, ...extra }) as StoredObject
const backend = (name = 'web', port: Record<string, unknown> = { number: 80 }) => ({ service: { name, port } })
const rule = (paths: unknown[], host?: string) => ({ ...(host ? { host } : {}), http: { paths } })
const ingressMessages = (spec: unknown, annotations?: Record<string, string>) => {
  const o = obj('Ingress', spec)
  if (annotations) o.metadata.annotations = annotations
  return validateIngress(o).map(fieldErrorMessage)
}

describe('networking.k8s.io/v1 Ingress', () => {
  it('accepts what kubectl create ingress sends', () => {
    assert.deepEqual(ingressMessages({ ingressClassName: 'kubelite', rules: [rule([{ path: '/', pathType: 'Prefix', backend: backend() }], 'foo.example.com')], tls: [{ hosts: ['foo.example.com'], secretName: 'tls' }] }), [])
    assert.deepEqual(ingressMessages({ defaultBackend: backend('web', { name: 'http' }) }), [])
  })

  it('rejects with upstream field paths and words', () => {
    assert.deepEqual(ingressMessages({}), ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified'])
    assert.deepEqual(ingressMessages({ rules: [rule([{ path: '/', backend: backend() }])] }), ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified'])
    assert.deepEqual(ingressMessages({ rules: [rule([{ path: 'foo', pathType: 'Prefix', backend: backend() }])] }), ['spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path'])
    assert.deepEqual(ingressMessages({ rules: [rule([{ path: '/a//b/..', pathType: 'Exact', backend: backend() }])] }), [
      `spec.rules[0].http.paths[0].path: Invalid value: "/a//b/..": must not contain '//'`,
      `spec.rules[0].http.paths[0].path: Invalid value: "/a//b/..": cannot end with '/..'`,
    ])
    assert.deepEqual(ingressMessages({ rules: [rule([{ path: '/', pathType: 'Regex', backend: backend() }])] }), [
      'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
    ])
    assert.deepEqual(ingressMessages({ rules: [rule([{ path: '/', pathType: 'Prefix', backend: {} }])] }), ['spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required'])
    assert.deepEqual(ingressMessages({ defaultBackend: { service: { name: 'web', port: {} } } }), ['spec.defaultBackend: Required value: port name or number is required'])
    assert.deepEqual(ingressMessages({ defaultBackend: { service: { name: 'web', port: { name: 'http', number: 80 } } } }), ['spec.defaultBackend: Invalid value: "": cannot set both port name & port number'])
    assert.deepEqual(ingressMessages({ defaultBackend: { ...backend(), resource: { kind: 'Bucket', name: 'b' } } }), ['spec.defaultBackend: Invalid value: "": cannot set both resource and service backends'])
    assert.deepEqual(ingressMessages({ rules: [rule([{ path: '/', pathType: 'Prefix', backend: backend() }], '127.0.0.1')] }).slice(0, 1), ['spec.rules[0].host: Invalid value: "127.0.0.1": must be a DNS name, not an IP address'])
    assert.match(ingressMessages({ rules: [rule([{ path: '/', pathType: 'Prefix', backend: backend() }], 'a.*.com')] })[0], /^spec\.rules\[0\]\.host: Invalid value: "a\.\*\.com": a wildcard DNS-1123 subdomain must start with '\*\.'/)
    assert.match(ingressMessages({ defaultBackend: backend(), tls: [{ hosts: ['Foo.com'], secretName: 'Bad_Name' }] })[0], /^spec\.tls\[0\]\.hosts\[0\]: Invalid value: "Foo\.com": a lowercase RFC 1123 subdomain/)
    assert.match(ingressMessages({ defaultBackend: backend(), tls: [{ secretName: 'Bad_Name' }] })[0], /^spec\.tls\[0\]\.secretName: Invalid value: "Bad_Name"/)
    assert.deepEqual(ingressMessages({ ingressClassName: 'a', defaultBackend: backend() }, { 'kubernetes.io/ingress.class': 'b' }), [
      'annotations.kubernetes.io/ingress.class: Invalid value: "b": must match `ingressClassName` when both are specified',
    ])
  })

  it('keeps allowing an invalid secret name an old object already had', () => {
    const old = obj('Ingress', { defaultBackend: backend(), tls: [{ secretName: 'Bad_Name' }] })
    assert.deepEqual(validateIngressUpdate(old, old), [])
  })

  it('validates status.loadBalancer on update (the status subresource)', () => {
    const o = obj('Ingress', { defaultBackend: backend() }, { status: { loadBalancer: { ingress: [{ ip: 'localhost' }, { hostname: '127.0.0.1' }] } } })
    assert.deepEqual(validateIngressUpdate(o, o).map(fieldErrorMessage), [
      'status.loadBalancer.ingress[0].ip: Invalid value: "localhost": must be a valid IP address',
      'status.loadBalancer.ingress[1].hostname: Invalid value: "127.0.0.1": must be a DNS name, not an IP address',
    ])
  })

  it('prints NAME CLASS HOSTS ADDRESS PORTS AGE as printIngress', () => {
    const o = obj('Ingress', { ingressClassName: 'kubelite', rules: ['a.com', 'b.com', 'c.com', 'd.com', 'e.com'].map((h) => rule([], h)), tls: [{}] }, { status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } })
    assert.deepEqual(ingressCells(o, now), ['x', 'kubelite', 'a.com,b.com,c.com + 2 more...', '127.0.0.1', '80, 443', '5m'])
    assert.deepEqual(ingressCells(obj('Ingress', { defaultBackend: backend() }), now), ['x', '<none>', '*', '', '80', '5m'])
  })
})

describe('networking.k8s.io/v1 IngressClass', () => {
  it('defaults parameters.scope, validates the controller and prints its columns', () => {
    const c = obj('IngressClass', { controller: 'kubelite.io/ingress-controller', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } })
    defaultIngressClass(c)
    assert.equal((c.spec as { parameters: { scope: string } }).parameters.scope, 'Cluster')
    assert.deepEqual(validateIngressClass(c), [])
    assert.deepEqual(ingressClassCells(c, now), ['x', 'kubelite.io/ingress-controller', 'IngressParameters.k8s.example.com/external-lb', '5m'])
    assert.deepEqual(validateIngressClass(obj('IngressClass', {})).map(fieldErrorMessage), ['spec.controller: Required value'])
    assert.deepEqual(validateIngressClass(obj('IngressClass', { controller: 'nginx' })).map(fieldErrorMessage), ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")'])
    const changed = obj('IngressClass', { controller: 'example.com/other' })
    assert.deepEqual(validateIngressClassUpdate(changed, c).map(fieldErrorMessage), ['spec.controller: Invalid value: "example.com/other": field is immutable'])
    const ns = obj('IngressClass', { controller: 'a.io/b', parameters: { kind: 'K', name: 'n', scope: 'Namespace' } })
    assert.deepEqual(validateIngressClass(ns).map(fieldErrorMessage), ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"])
  })

  it('picks the newest default class, as the DefaultIngressClass admission does', () => {
    const cls = (name: string, ts: string, isDefault: boolean) =>
      ({ metadata: { name, creationTimestamp: ts, annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {} } }) as StoredObject
    assert.equal(pickDefaultIngressClass([cls('a', '2026-01-01T00:00:00Z', true), cls('b', '2026-01-02T00:00:00Z', true), cls('c', '2026-01-03T00:00:00Z', false)])?.metadata.name, 'b')
    assert.equal(pickDefaultIngressClass([cls('c', '2026-01-03T00:00:00Z', false)]), undefined)
  })
})

describe('networking.k8s.io/v1 NetworkPolicy', () => {
  it('defaults policyTypes and port protocols as SetDefaults_NetworkPolicy', () => {
    const p = obj('NetworkPolicy', { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] })
    defaultNetworkPolicy(p)
    const spec = p.spec as { policyTypes: string[]; egress: { ports: { protocol: string }[] }[] }
    assert.deepEqual(spec.policyTypes, ['Ingress', 'Egress'])
    assert.equal(spec.egress[0].ports[0].protocol, 'TCP')
    assert.deepEqual(networkpolicies.table.cells(p, now), ['x', '<none>', '5m'])
  })

  it('rejects with upstream field paths and words', () => {
    const msgs = (spec: unknown) => validateNetworkPolicy(obj('NetworkPolicy', spec)).map(fieldErrorMessage)
    assert.deepEqual(msgs({ podSelector: {}, ingress: [{ from: [{}] }] }), ['spec.ingress[0].from[0]: Required value: must specify a peer'])
    assert.deepEqual(msgs({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '127.244.0.0/16', except: ['127.0.0.0/8'] }, podSelector: {} }] }] }), [
      'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "127.0.0.0/8": must be a strict subset of `cidr`',
      'spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer',
    ])
    assert.deepEqual(msgs({ podSelector: {}, egress: [{ ports: [{ port: 'dns', endPort: 60 }] }] }), ['spec.egress[0].ports[0].endPort: Invalid value: 60: may not be specified when `port` is non-numeric'])
    assert.deepEqual(msgs({ podSelector: {}, policyTypes: ['Ingress', 'Sideways'] }), ['spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"'])
  })
})
