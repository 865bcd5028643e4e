// The DNS server against an in-process API server, over real UDP and TCP sockets, with fake host
// resolvers on loopback. Addresses: the server and the fake resolvers on 127.0.0.1, free ports.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect, createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { ApiServer } from '../api/server.js'
import { InformerFactory } from '../client/factory.js'
import { inProcessClient } from '../client/inprocess.js'
import type { Client } from '../client/types.js'
import { builtInResources } from '../registry/index.js'
import { MemoryStore } from '../store/index.js'
import { decideLowPortAccess } from './ports.js'
import { parseResolvConf, parseUpstream, upstreamsFrom, type Upstream } from './resolvconf.js'
import { DnsServer, type DnsServerOptions } from './server.js'
import { ensureKubeDnsService } from './service.js'
import { Class, encodeQuery, encodeResponse, parseAnswers, parseQuery, Rcode, responseHeader, Type } from './wire.js'
import { until } from '../../test/kit/index.js'

interface Harness {
  client: Client
  dns: DnsServer
  port: number
  stop(): Promise<void>
}

async function harness(opts: Partial<DnsServerOptions> = {}): Promise<Harness> {
  const store = new MemoryStore()
  const api = new ApiServer({ resources: builtInResources(), store, serverAddress: '127.0.0.1:6443' })
  const client = inProcessClient({ resources: () => api.resourceInfos(), resource: (g, r) => api.resource(g, r) }, 'test')
  for (const name of ['default', 'kube-system']) await client.resource({ group: '', version: 'v1', resource: 'namespaces' }).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
  const informers = new InformerFactory(client)
  const dns = new DnsServer({ informers, upstreams: [], ...opts })
  const addrs = await dns.listen()
  const ac = new AbortController()
  const run = dns.start(ac.signal)
  informers.start(ac.signal)
  await informers.waitForSync()
  return {
    client,
    dns,
    port: addrs.dns.port,
    async stop() {
      ac.abort()
      await run
      await informers.stopped()
      await store.close()
    },
  }
}

function udpExchange(port: number, msg: Buffer, ms = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4')
    const timer = setTimeout(() => {
      s.close()
      reject(new Error('no answer'))
    }, ms)
    s.on('message', (m) => {
      clearTimeout(timer)
      s.close()
      resolve(m)
    })
    s.send(msg, port, '127.0.0.1')
  })
}

function tcpExchange(port: number, msgs: Buffer[], ms = 5000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port })
    const out: Buffer[] = []
    let buf = Buffer.alloc(0)
    // A connection closed or silent before every answer came fails the test instead of hanging it.
    const timer = setTimeout(() => s.destroy(new Error(`TCP: ${out.length} of ${msgs.length} answers within ${ms} ms`)), ms)
    s.on('error', (err) => (clearTimeout(timer), reject(err)))
    s.on('close', () => (clearTimeout(timer), out.length < msgs.length && reject(new Error(`TCP: closed after ${out.length} of ${msgs.length} answers`))))
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c])
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)))
        buf = buf.subarray(2 + buf.readUInt16BE(0))
      }
      if (out.length === msgs.length) {
        s.end()
        resolve(out)
      }
    })
    // Both messages in one write, the second split across the boundary of nothing: the server frames them.
    s.write(Buffer.concat(msgs.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m]))))
  })
}

const q = (name: string, type: number = Type.A, id = 42) => encodeQuery(id, { name, type, class: Class.IN })
const addresses = (b: Buffer) => (parseAnswers(b) ?? []).map((r) => (r.data.type === 'A' ? r.data.address : r.data.type === 'CNAME' ? `CNAME ${r.data.target}` : ''))
const rcode = (b: Buffer) => responseHeader(b)!.rcode

/** A fake host resolver: answers every A question with 127.0.0.99 (UDP and TCP), counting questions. */
async function fakeResolver(): Promise<{ upstream: Upstream; asked: string[]; close(): Promise<void> }> {
  const asked: string[] = []
  const answer = (m: Buffer) => {
    const p = parseQuery(m)
    if (p.kind !== 'query') return undefined
    asked.push(p.query.question.name)
    return encodeResponse({ id: p.query.id, opcode: 0, aa: false, rd: true, ra: true, rcode: 0, question: p.query.question, answers: [{ name: p.query.question.name, ttl: 60, data: { type: 'A', address: '127.0.0.99' } }], authorities: [], additionals: [] })
  }
  const udp: UdpSocket = createSocket('udp4')
  udp.on('message', (m, r) => {
    const a = answer(m)
    if (a) udp.send(a, r.port, r.address)
  })
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()))
  const port = udp.address().port
  const tcp: Server = createServer((s) => {
    s.on('data', (c: Buffer) => {
      const a = answer(c.subarray(2))
      if (a) s.end(Buffer.concat([Buffer.from([a.length >> 8, a.length & 255]), a]))
    })
  })
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', () => r()))
  return { upstream: { host: '127.0.0.1', port }, asked, close: async () => (udp.close(), await new Promise<void>((r) => tcp.close(() => r()))) }
}

test('server: Services by name over UDP and TCP, kept current by the watch; deleted → NXDOMAIN', async () => {
  const h = await harness()
  try {
    const services = h.client.resource({ group: '', version: 'v1', resource: 'services' })
    await services.create('default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: '127.96.200.1', ports: [{ port: 80 }] } })
    await until('web answers', async () => rcode(await udpExchange(h.port, q('web.default.svc.cluster.local'))) === Rcode.NOERROR)
    const udp = await udpExchange(h.port, q('web.default.svc.cluster.local'))
    assert.deepEqual(addresses(udp), ['127.96.200.1'])
    assert.equal(udp.readUInt16BE(0), 42)
    const [a, b] = await tcpExchange(h.port, [q('web.default.svc.cluster.local', Type.A, 1), q('nope.default.svc.cluster.local', Type.A, 2)])
    assert.deepEqual([a.readUInt16BE(0), addresses(a)], [1, ['127.96.200.1']])
    assert.deepEqual([b.readUInt16BE(0), rcode(b)], [2, Rcode.NXDOMAIN])
    await services.delete('default', 'web')
    await until('web gone', async () => rcode(await udpExchange(h.port, q('web.default.svc.cluster.local'))) === Rcode.NXDOMAIN)
    const metrics = await h.dns.registry.metrics()
    assert.match(metrics, /coredns_dns_requests_total\{proto="tcp",type="A"\} 2/)
    assert.match(metrics, /coredns_dns_responses_total\{rcode="NXDOMAIN"\}/)
  } finally {
    await h.stop()
  }
})

test('server: names outside the cluster go to the host resolver over the client transport; none → REFUSED', async () => {
  const up = await fakeResolver()
  const h = await harness({ upstreams: [{ host: '127.0.0.1', port: 1 }, up.upstream], forwardTimeoutMs: 300 })
  const none = await harness({ upstreams: [] })
  try {
    const viaUdp = await udpExchange(h.port, q('example.test', Type.A, 7))
    assert.deepEqual([viaUdp.readUInt16BE(0), addresses(viaUdp)], [7, ['127.0.0.99']])
    const [viaTcp] = await tcpExchange(h.port, [q('other.test', Type.A, 8)])
    assert.deepEqual([viaTcp.readUInt16BE(0), addresses(viaTcp)], [8, ['127.0.0.99']])
    assert.deepEqual(up.asked, ['example.test', 'other.test'])
    // An ExternalName outside the cluster: the CNAME, then its target's addresses from upstream.
    await h.client.resource({ group: '', version: 'v1', resource: 'services' }).create('default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.test' } })
    await until('ext answers', async () => rcode(await udpExchange(h.port, q('ext.default.svc.cluster.local'))) === Rcode.NOERROR)
    assert.deepEqual(addresses(await udpExchange(h.port, q('ext.default.svc.cluster.local'))), ['CNAME db.example.test', '127.0.0.99'])
    assert.equal(rcode(await udpExchange(none.port, q('example.test'))), Rcode.REFUSED)
  } finally {
    await h.stop()
    await none.stop()
    await up.close()
  }
})

test('server: the kube-dns Service and endpoints; NS glue from its ClusterIP; forwarding never targets it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubelite-dns-'))
  const resolvConf = join(dir, 'resolv.conf')
  await writeFile(resolvConf, 'search default.svc.cluster.local\nnameserver 127.96.0.10\noptions ndots:5\n')
  const h = await harness({ upstreams: undefined, resolvConf })
  try {
    await ensureKubeDnsService(h.client, { endpoint: h.dns.addresses! })
    await ensureKubeDnsService(h.client, { endpoint: h.dns.addresses! }) // idempotent
    const svc = await h.client.resource({ group: '', version: 'v1', resource: 'services' }).get('kube-system', 'kube-dns')
    assert.deepEqual(svc.metadata.labels, { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' })
    const slice = await h.client.resource({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }).get('kube-system', 'kube-dns')
    assert.deepEqual(
      (slice.ports as { name: string; port: number; protocol: string }[]).map((p) => `${p.name} ${p.port}/${p.protocol}`),
      [`dns ${h.port}/UDP`, `dns-tcp ${h.port}/TCP`, `metrics ${h.dns.addresses!.metrics.port}/TCP`],
    )
    await until('NS glue', async () => (parseAnswers(await udpExchange(h.port, q('ns.dns.cluster.local')))?.length ?? 0) === 1)
    assert.deepEqual(addresses(await udpExchange(h.port, q('ns.dns.cluster.local'))), ['127.96.0.10'])
    // resolv.conf lists only the cluster DNS itself: no upstream, so no loop.
    assert.equal(rcode(await udpExchange(h.port, q('example.test'))), Rcode.REFUSED)
    const res = await fetch(`http://127.0.0.1:${h.dns.addresses!.metrics.port}/metrics`)
    assert.match(await res.text(), /coredns_dns_requests_total/)
  } finally {
    await h.stop()
    await rm(dir, { recursive: true, force: true })
  }
})

test('property: any bytes sent to the server never crash it: dropped, FORMERR/NOTIMP, or an answer to that id', async () => {
  const h = await harness()
  try {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (bytes, tcp) => {
        const buf = Buffer.from(bytes)
        const out = await h.dns.handle(buf, tcp ? 'tcp' : 'udp')
        const p = parseQuery(buf)
        if (p.kind === 'drop') return out === undefined
        if (!out || out.readUInt16BE(0) !== buf.readUInt16BE(0) || !(out[2] & 0x80)) return false
        return p.kind === 'query' || [Rcode.FORMERR, Rcode.NOTIMP].includes(rcode(out) as 1 | 4)
      }),
      { numRuns: 3000 },
    )
    // And over the wire: garbage datagrams and a garbage TCP stream, then a real question still answers.
    const s = createSocket('udp4')
    for (let i = 0; i < 50; i++) s.send(Buffer.from(Array.from({ length: i * 7 }, (_, j) => (j * 37 + i) & 255)), h.port, '127.0.0.1')
    s.close()
    await new Promise<void>((resolve) => {
      const c = connect({ host: '127.0.0.1', port: h.port }, () => c.end(Buffer.from([0, 5, 1, 2, 3, 4, 5, 0xff, 0xff, 9])))
      c.on('close', () => resolve())
      c.on('error', () => resolve())
      c.resume()
    })
    assert.equal(rcode(await udpExchange(h.port, q('dns-version.cluster.local', Type.TXT))), Rcode.NOERROR)
  } finally {
    await h.stop()
  }
})

test('resolv.conf: nameservers in order, comments and zones stripped; the cluster DNS never an upstream', () => {
  const text = '# generated\nsearch example.test\nnameserver 127.0.0.53 ; stub\nnameserver fe80::1%eth0\nnameserver not-an-ip\nnameserver 127.96.0.10\noptions edns0\n'
  assert.deepEqual(parseResolvConf(text), ['127.0.0.53', 'fe80::1', '127.96.0.10'])
  assert.deepEqual(upstreamsFrom(parseResolvConf(text), ['127.96.0.10']), [
    { host: '127.0.0.53', port: 53 },
    { host: 'fe80::1', port: 53 },
  ])
  assert.deepEqual(parseUpstream('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 })
  assert.deepEqual(parseUpstream('[::1]:5353'), { host: '::1', port: 5353 })
  assert.deepEqual(parseUpstream('::1'), { host: '::1', port: 53 })
  assert.equal(parseUpstream('127.0.0.1:x'), undefined)
  assert.equal(parseUpstream('dns.example.test'), undefined)
})

test('low ports: root, CAP_NET_BIND_SERVICE or the sysctl allow 53; otherwise a reason that says what to change', () => {
  assert.equal(decideLowPortAccess(53, { uid: 0 }).allowed, true)
  assert.equal(decideLowPortAccess(53, { uid: 1000, capEff: '0000000000000400', unprivilegedPortStart: 1024 }).allowed, true)
  assert.equal(decideLowPortAccess(53, { uid: 1000, capEff: '0', unprivilegedPortStart: 0 }).allowed, true)
  assert.equal(decideLowPortAccess(8053, { uid: 1000, capEff: '0', unprivilegedPortStart: 1024 }).allowed, true)
  assert.deepEqual(decideLowPortAccess(53, { uid: 1000, capEff: '0', unprivilegedPortStart: 1024 }), {
    allowed: false,
    reason: 'port 53 needs root, CAP_NET_BIND_SERVICE, or net.ipv4.ip_unprivileged_port_start <= 53 (net.ipv4.ip_unprivileged_port_start is 1024)',
  })
})
