import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { endpointslices } from './endpointslice.js'

function slice(): StoredObject {
  return {
    metadata: { name: 'web-abc12', labels: { 'kubernetes.io/service-name': 'web' }, creationTimestamp: '2026-01-01T00:00:00Z' },
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['127.244.0.2'], conditions: { ready: true } },
      { addresses: ['127.244.0.3'], conditions: { ready: true } },
    ],
    ports: [{ port: 8080 }],
  }
}

const errs = (obj: StoredObject, old?: StoredObject) => (old ? endpointslices.validateUpdate!(obj, old) : endpointslices.validate!(obj)).map(fieldErrorMessage)

describe('endpointslices', () => {
  it('defaults port name and protocol, and accepts loopback pod IPs', () => {
    const s = slice()
    endpointslices.defaults!(s)
    assert.deepEqual(s.ports, [{ port: 8080, name: '', protocol: 'TCP' }])
    assert.deepEqual(errs(s), [])
  })

  const cases: [string, (s: Record<string, any>) => void, string[]][] = [
    ['address type required', (s) => delete s.addressType, ['addressType: Required value']],
    ['address type unsupported', (s) => (s.addressType = 'IP'), ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']],
    ['no addresses', (s) => (s.endpoints[0].addresses = []), ['endpoints[0].addresses: Required value: must contain at least 1 address']],
    ['bad IPv4', (s) => (s.endpoints[1].addresses = ['::1']), ['endpoints[1].addresses[0]: Invalid value: "::1": must be a valid IPv4 address', 'endpoints[1].addresses[0]: Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    // The pod network (127.244.0.0/16) is loopback by design; the rest of 127/8 is the host.
    ['host loopback', (s) => (s.endpoints[0].addresses = ['127.0.0.1']), ['endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['the Service range', (s) => (s.endpoints[0].addresses = ['127.96.0.1']), ['endpoints[0].addresses[0]: Invalid value: "127.96.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['link-local', (s) => (s.endpoints[0].addresses = ['169.254.1.1']), ['endpoints[0].addresses[0]: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
    ['unspecified', (s) => (s.endpoints[0].addresses = ['0.0.0.0']), ['endpoints[0].addresses[0]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)']],
    [
      'duplicate port names and bad protocol',
      (s) => (s.ports = [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'http', port: 81, protocol: 'HTTP' }]),
      ['ports[1].name: Duplicate value: "http"', 'ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    ['FQDN', (s) => {
      s.addressType = 'FQDN'
      s.endpoints = [{ addresses: ['localhost'] }]
    }, ['endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots']],
  ]
  for (const [name, mutate, want] of cases) {
    it(name, () => {
      const s = slice()
      endpointslices.defaults!(s)
      mutate(s as Record<string, any>)
      assert.deepEqual(errs(s), want)
    })
  }

  it('address type is immutable', () => {
    const old = slice()
    const next = slice()
    next.addressType = 'IPv6'
    next.endpoints = [{ addresses: ['::2'] }]
    endpointslices.defaults!(next)
    assert.deepEqual(errs(next, old), ['addressType: Invalid value: "IPv6": field is immutable'])
  })

  it('prints ports and endpoints like upstream', () => {
    const now = new Date('2026-01-01T00:00:07Z')
    assert.deepEqual(endpointslices.table.cells(slice(), now), ['web-abc12', 'IPv4', '8080', '127.244.0.2,127.244.0.3', '7s'])
    const s = slice()
    s.ports = [{ port: 80 }, { port: 443 }, { name: 'metrics' }, { port: 9090 }]
    s.endpoints = [{ addresses: ['127.244.0.2', '127.244.0.3'] }, { addresses: ['127.244.0.4', '127.244.0.5', '127.244.0.6'] }]
    const cells = endpointslices.table.cells(s, now)
    assert.equal(cells[2], '80,443,metrics + 1 more...')
    assert.equal(cells[3], '127.244.0.2,127.244.0.3,127.244.0.4 + 2 more...')
    s.ports = []
    s.endpoints = []
    assert.deepEqual(endpointslices.table.cells(s, now).slice(2, 4), ['<unset>', '<unset>'])
    s.ports = [{}]
    assert.equal(endpointslices.table.cells(s, now)[2], '*')
  })

  it('label changes bump the generation', () => {
    const old = slice()
    old.metadata.generation = 1
    const next = structuredClone(old)
    next.metadata.labels = { a: 'b' }
    endpointslices.prepareForUpdate!(next, old)
    assert.equal(next.metadata.generation, 2)
  })
})
