// Table tests of the answers, against CoreDNS's kubernetes plugin behaviour (kubeadm's Corefile).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Service } from 'kubernetes-types/core/v1.js'
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js'
import { addressFromReverse, Answerer, reverseName, type ClusterView, type Outcome } from './answer.js'
import { Class, Rcode, Type, type ResourceRecord } from './wire.js'

function viewOf(services: Service[], slices: EndpointSlice[], namespaces = ['default', 'kube-system', 'other']): ClusterView {
  const ipsOf = (s: Service) => s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])
  return {
    namespaceExists: (n) => namespaces.includes(n),
    service: (ns, name) => services.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name),
    endpointSlices: (ns, svc) => slices.filter((s) => s.metadata?.namespace === ns && s.metadata?.labels?.['kubernetes.io/service-name'] === svc),
    servicesByClusterIP: (ip) => services.filter((s) => ipsOf(s).includes(ip)),
    endpointSlicesByAddress: (ip) => slices.filter((s) => (s.endpoints ?? []).some((e) => e.addresses.includes(ip))),
    serial: () => 1700000000,
  }
}

const svc = (name: string, spec: Service['spec'], ns = 'default'): Service => Object.freeze({ metadata: { name, namespace: ns }, spec }) as Service
const slice = (svcName: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'], ns = 'default'): EndpointSlice =>
  ({ metadata: { name: `${svcName}-x`, namespace: ns, labels: { 'kubernetes.io/service-name': svcName } }, addressType: 'IPv4', endpoints, ports }) as EndpointSlice

const services = [
  svc('backend', { type: 'ClusterIP', clusterIP: '127.96.3.4', clusterIPs: ['127.96.3.4'], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] }),
  svc('db', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }),
  svc('empty', { type: 'ClusterIP', clusterIP: 'None', ports: [{ port: 80 }] }),
  svc('portless', { type: 'ClusterIP', clusterIP: 'None' }),
  svc('search', { type: 'ExternalName', externalName: 'search.example.com' }),
  svc('alias', { type: 'ExternalName', externalName: 'backend.default.svc.cluster.local' }),
  svc('kube-dns', { type: 'ClusterIP', clusterIP: '127.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }, 'kube-system'),
]
const slices = [
  slice(
    'db',
    [
      { addresses: ['127.244.0.7'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['127.244.0.8'], conditions: {} },
      { addresses: ['127.244.0.9'], conditions: { ready: false, terminating: true } },
    ],
    [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  ),
  slice('backend', [{ addresses: ['127.244.0.2'], conditions: { ready: true } }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
  slice('portless', [{ addresses: ['127.244.0.5'], conditions: { ready: true } }], []),
]

const answerer = new Answerer(viewOf(services, slices), { zone: 'cluster.local', ttl: 30, nameservers: ['127.96.0.10'] })
const ask = (name: string, type: number, cls: number = Class.IN): Outcome => answerer.answer({ name, type, class: cls })

/** Records as dig prints them, in a compact form: `name ttl TYPE data`. */
function show(rrs: ResourceRecord[]): string[] {
  return rrs.map((r) => {
    const d = r.data
    const data =
      d.type === 'A' || d.type === 'AAAA'
        ? d.address
        : d.type === 'SRV'
          ? `${d.priority} ${d.weight} ${d.port} ${d.target}`
          : d.type === 'SOA'
            ? `${d.mname} ${d.rname} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`
            : d.type === 'TXT'
              ? JSON.stringify(d.strings)
              : d.target
    return `${r.name} ${r.ttl} ${d.type} ${data}`
  })
}

const soa = 'cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 1700000000 7200 1800 86400 30'

const cases: { name: string; q: [string, number]; rcode?: number; answers?: string[]; additionals?: string[]; authority?: boolean; forward?: boolean; chase?: string }[] = [
  { name: 'ClusterIP Service → its ClusterIP', q: ['backend.default.svc.cluster.local', Type.A], answers: ['backend.default.svc.cluster.local 30 A 127.96.3.4'] },
  { name: 'case is kept in the answer, ignored in the match', q: ['Backend.Default.SVC.cluster.local', Type.A], answers: ['Backend.Default.SVC.cluster.local 30 A 127.96.3.4'] },
  { name: 'trailing dot', q: ['backend.default.svc.cluster.local.', Type.A], answers: ['backend.default.svc.cluster.local. 30 A 127.96.3.4'] },
  { name: 'AAAA of an IPv4 Service: NODATA', q: ['backend.default.svc.cluster.local', Type.AAAA], answers: [], authority: true },
  { name: 'missing Service: NXDOMAIN', q: ['nope.default.svc.cluster.local', Type.A], rcode: Rcode.NXDOMAIN, authority: true },
  { name: 'missing namespace: NXDOMAIN', q: ['backend.nons.svc.cluster.local', Type.A], rcode: Rcode.NXDOMAIN, authority: true },
  { name: 'namespace name alone: NODATA', q: ['default.svc.cluster.local', Type.A], answers: [], authority: true },
  { name: 'svc apex: NODATA', q: ['svc.cluster.local', Type.A], answers: [], authority: true },
  { name: 'zone apex: NODATA', q: ['cluster.local', Type.A], answers: [], authority: true },
  { name: 'neither svc nor pod: NXDOMAIN', q: ['backend.default.cluster.local', Type.A], rcode: Rcode.NXDOMAIN, authority: true },
  { name: 'search-path miss (ns.default.svc...): NXDOMAIN', q: ['backend.default.default.svc.cluster.local', Type.A], rcode: Rcode.NXDOMAIN, authority: true },
  { name: 'too many labels: NXDOMAIN', q: ['a.b.c.backend.default.svc.cluster.local', Type.A], rcode: Rcode.NXDOMAIN, authority: true },
  {
    name: 'headless → ready endpoints (ready unset counts), not the terminating one',
    q: ['db.default.svc.cluster.local', Type.A],
    answers: ['db.default.svc.cluster.local 30 A 127.244.0.7', 'db.default.svc.cluster.local 30 A 127.244.0.8'],
  },
  { name: 'headless endpoint by hostname', q: ['db-0.db.default.svc.cluster.local', Type.A], answers: ['db-0.db.default.svc.cluster.local 30 A 127.244.0.7'] },
  { name: 'headless endpoint by dashed IP', q: ['127-244-0-8.db.default.svc.cluster.local', Type.A], answers: ['127-244-0-8.db.default.svc.cluster.local 30 A 127.244.0.8'] },
  { name: 'endpoint name under a ClusterIP Service', q: ['127-244-0-2.backend.default.svc.cluster.local', Type.A], answers: ['127-244-0-2.backend.default.svc.cluster.local 30 A 127.244.0.2'] },
  { name: 'unknown endpoint: NXDOMAIN', q: ['db-9.db.default.svc.cluster.local', Type.A], rcode: Rcode.NXDOMAIN, authority: true },
  { name: 'headless without endpoints: NXDOMAIN', q: ['empty.default.svc.cluster.local', Type.A], rcode: Rcode.NXDOMAIN, authority: true },
  { name: 'headless without ports still has A records', q: ['portless.default.svc.cluster.local', Type.A], answers: ['portless.default.svc.cluster.local 30 A 127.244.0.5'] },
  {
    name: 'ExternalName → CNAME, its target chased upstream',
    q: ['search.default.svc.cluster.local', Type.A],
    answers: ['search.default.svc.cluster.local 30 CNAME search.example.com'],
    chase: 'search.example.com',
  },
  {
    name: 'ExternalName to a cluster name → CNAME and the target resolved here',
    q: ['alias.default.svc.cluster.local', Type.A],
    answers: ['alias.default.svc.cluster.local 30 CNAME backend.default.svc.cluster.local', 'backend.default.svc.cluster.local 30 A 127.96.3.4'],
  },
  { name: 'CNAME question for an ExternalName', q: ['search.default.svc.cluster.local', Type.CNAME], answers: ['search.default.svc.cluster.local 30 CNAME search.example.com'] },
  { name: 'CNAME question for a ClusterIP Service: NODATA', q: ['backend.default.svc.cluster.local', Type.CNAME], answers: [], authority: true },
  {
    name: 'SRV by port name and protocol → the Service name, ClusterIP as extra',
    q: ['_http._tcp.backend.default.svc.cluster.local', Type.SRV],
    answers: ['_http._tcp.backend.default.svc.cluster.local 30 SRV 0 100 8080 backend.default.svc.cluster.local'],
    additionals: ['backend.default.svc.cluster.local 30 A 127.96.3.4'],
  },
  {
    name: 'SRV of the bare Service name: every port',
    q: ['backend.default.svc.cluster.local', Type.SRV],
    answers: ['backend.default.svc.cluster.local 30 SRV 0 50 8080 backend.default.svc.cluster.local', 'backend.default.svc.cluster.local 30 SRV 0 50 53 backend.default.svc.cluster.local'],
    additionals: ['backend.default.svc.cluster.local 30 A 127.96.3.4'],
  },
  { name: 'SRV with the wrong protocol: NXDOMAIN', q: ['_http._udp.backend.default.svc.cluster.local', Type.SRV], rcode: Rcode.NXDOMAIN, authority: true },
  {
    name: 'SRV of a headless Service → each endpoint by name',
    q: ['_pg._tcp.db.default.svc.cluster.local', Type.SRV],
    answers: ['_pg._tcp.db.default.svc.cluster.local 30 SRV 0 50 5432 db-0.db.default.svc.cluster.local', '_pg._tcp.db.default.svc.cluster.local 30 SRV 0 50 5432 127-244-0-8.db.default.svc.cluster.local'],
    additionals: ['db-0.db.default.svc.cluster.local 30 A 127.244.0.7', '127-244-0-8.db.default.svc.cluster.local 30 A 127.244.0.8'],
  },
  { name: 'pod record (pods insecure)', q: ['127-244-0-42.default.pod.cluster.local', Type.A], answers: ['127-244-0-42.default.pod.cluster.local 30 A 127.244.0.42'] },
  { name: 'pod record in a missing namespace: NXDOMAIN', q: ['127-244-0-42.nons.pod.cluster.local', Type.A], rcode: Rcode.NXDOMAIN, authority: true },
  { name: 'pod record that is no address: NXDOMAIN', q: ['web-1.default.pod.cluster.local', Type.A], rcode: Rcode.NXDOMAIN, authority: true },
  { name: 'PTR of a ClusterIP', q: ['4.3.96.127.in-addr.arpa', Type.PTR], answers: ['4.3.96.127.in-addr.arpa 30 PTR backend.default.svc.cluster.local'] },
  { name: 'PTR of an endpoint with a hostname', q: ['7.0.244.127.in-addr.arpa', Type.PTR], answers: ['7.0.244.127.in-addr.arpa 30 PTR db-0.db.default.svc.cluster.local'] },
  { name: 'PTR of an endpoint without one', q: ['2.0.244.127.in-addr.arpa', Type.PTR], answers: ['2.0.244.127.in-addr.arpa 30 PTR 127-244-0-2.backend.default.svc.cluster.local'] },
  { name: 'PTR of an unknown address: the host resolvers (fallthrough)', q: ['9.9.96.127.in-addr.arpa', Type.PTR], forward: true },
  { name: 'A in a reverse zone: the host resolvers', q: ['4.3.96.127.in-addr.arpa', Type.A], forward: true },
  { name: 'outside the cluster: the host resolvers', q: ['example.com', Type.A], forward: true },
  { name: 'a name that only ends like the zone: the host resolvers', q: ['notcluster.local', Type.A], forward: true },
  { name: 'SOA of the zone', q: ['cluster.local', Type.SOA], answers: [soa] },
  { name: 'NS of the zone, with the DNS Service address as glue', q: ['cluster.local', Type.NS], answers: ['cluster.local 30 NS ns.dns.cluster.local'], additionals: ['ns.dns.cluster.local 30 A 127.96.0.10'] },
  { name: 'the name server name', q: ['ns.dns.cluster.local', Type.A], answers: ['ns.dns.cluster.local 30 A 127.96.0.10'] },
  { name: 'schema version', q: ['dns-version.cluster.local', Type.TXT], answers: ['dns-version.cluster.local 28800 TXT ["1.1.0"]'] },
  { name: 'MX of a Service: NODATA', q: ['backend.default.svc.cluster.local', Type.MX], answers: [], authority: true },
  { name: 'MX of a missing Service: NXDOMAIN', q: ['nope.default.svc.cluster.local', Type.MX], rcode: Rcode.NXDOMAIN, authority: true },
]

for (const c of cases) {
  test(`answer: ${c.name}`, () => {
    const out = ask(...c.q)
    if (c.forward) {
      assert.deepEqual(out, { kind: 'forward' })
      return
    }
    assert.equal(out.kind, 'answer')
    if (out.kind !== 'answer') return
    assert.equal(out.rcode, c.rcode ?? Rcode.NOERROR)
    if (c.answers) assert.deepEqual(show(out.answers), c.answers)
    else assert.deepEqual(out.answers, [])
    assert.deepEqual(show(out.additionals), c.additionals ?? [])
    assert.deepEqual(show(out.authorities), c.authority ? [soa] : [])
    assert.equal(out.chase?.name, c.chase)
  })
}

test('answer: another class in the zone is refused; ANY class is answered', () => {
  assert.deepEqual(ask('backend.default.svc.cluster.local', Type.A, 3), { kind: 'refused' })
  assert.equal(ask('backend.default.svc.cluster.local', Type.A, Class.ANY).kind, 'answer')
})

test('answer: a CNAME chain that loops ends (no answer, no hang)', () => {
  const loop = [svc('a', { type: 'ExternalName', externalName: 'b.default.svc.cluster.local' }), svc('b', { type: 'ExternalName', externalName: 'a.default.svc.cluster.local' })]
  const out = new Answerer(viewOf(loop, []), { zone: 'cluster.local', ttl: 30, nameservers: [] }).answer({ name: 'a.default.svc.cluster.local', type: Type.A, class: Class.IN })
  assert.equal(out.kind, 'answer')
  if (out.kind === 'answer') assert.equal(out.rcode, Rcode.NOERROR)
})

test('addressFromReverse: IPv4 and IPv6 reverse names; anything else undefined', () => {
  assert.equal(addressFromReverse('4.3.96.127.in-addr.arpa.'), '127.96.3.4')
  assert.equal(addressFromReverse(reverseName('127.244.0.1')), '127.244.0.1')
  assert.equal(addressFromReverse('3.96.127.in-addr.arpa'), undefined)
  assert.equal(addressFromReverse('04.3.96.127.in-addr.arpa'), undefined)
  assert.equal(addressFromReverse('256.3.96.127.in-addr.arpa'), undefined)
  const v6 = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'
  assert.equal(addressFromReverse(v6), '2001:db8::1')
  assert.equal(addressFromReverse('1.0.ip6.arpa'), undefined)
})
