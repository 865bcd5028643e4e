import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fieldErrorMessage } from '../../apis/validation.js'
import { endpointsResource as d, type EndpointsObj } from './endpoints.js'

const now = new Date('2025-01-01T12:00:00Z')
const ep = (subsets: unknown[]): EndpointsObj => {
  const e = { metadata: { name: 'web', namespace: 'default', creationTimestamp: '2025-01-01T11:59:00Z' }, subsets } as unknown as EndpointsObj
  d.defaults!(e)
  return e
}
const addrs = (n: number) => Array.from({ length: n }, (_, i) => ({ ip: `127.244.0.${i + 5}` }))

test('discovery facts', () => {
  assert.deepEqual([d.kind, d.resource, d.singular, d.namespaced, d.shortNames, d.hasStatus], ['Endpoints', 'endpoints', 'endpoints', true, ['ep'], undefined])
})

test('defaults and validation (loopback pod IPs are allowed)', () => {
  const e = ep([{ addresses: addrs(2), ports: [{ port: 8080 }] }])
  assert.equal(e.subsets![0].ports![0].protocol, 'TCP')
  assert.deepEqual(d.validate!(e), [])
  assert.deepEqual(d.validate!(ep([{ ports: [{ port: 0 }] }])).map(fieldErrorMessage), [
    'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
    'subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
  ])
  assert.deepEqual(d.validate!(ep([{ addresses: [{ ip: 'x' }] }])).map(fieldErrorMessage), ['subsets[0].addresses[0].ip: Invalid value: "x": must be a valid IP address, (e.g. 127.244.8.7 or 2001:db8::ffff)'])
})

test('host loopback addresses are refused as upstream refuses loopback, except for the endpoints of kubelite listeners', () => {
  const hostLoopback = ep([{ addresses: [{ ip: '127.0.0.1' }], notReadyAddresses: [{ ip: '::1' }], ports: [{ port: 6443 }] }])
  assert.deepEqual(d.validate!(hostLoopback).map(fieldErrorMessage), [
    'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    'subsets[0].notReadyAddresses[0].ip: Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
  ])
  const apiServer = ep([{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 6443 }] }])
  apiServer.metadata.name = 'kubernetes'
  assert.deepEqual(d.validate!(apiServer), [], 'the kubernetes Service in default points at the API server')
  apiServer.metadata.namespace = 'elsewhere'
  assert.equal(d.validate!(apiServer).length, 1, 'only in default')
  assert.deepEqual(d.validate!(ep([{ addresses: [{ ip: '169.254.169.254' }], ports: [{ port: 80 }] }])).map(fieldErrorMessage), [
    'subsets[0].addresses[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
  ])
})

test('table cells truncate after three', () => {
  assert.deepEqual(d.table.cells(ep([]), now), ['web', '<none>', '60s'])
  assert.equal(d.table.cells(ep([{ addresses: addrs(2), ports: [{ port: 8080 }] }]), now)[1], '127.244.0.5:8080,127.244.0.6:8080')
  assert.equal(d.table.cells(ep([{ addresses: addrs(5), ports: [{ port: 8080 }] }]), now)[1], '127.244.0.5:8080,127.244.0.6:8080,127.244.0.7:8080 + 2 more...')
  assert.equal(d.table.cells(ep([{ addresses: addrs(1) }]), now)[1], '127.244.0.5')
  assert.equal(d.table.cells(ep([{ notReadyAddresses: addrs(1), ports: [{ port: 80 }] }]), now)[1], '')
})
