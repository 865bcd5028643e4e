// The cluster DNS server (upstream: CoreDNS with the kubernetes plugin, the `kube-dns` Service's
// endpoints). It learns Services, EndpointSlices and Namespaces from the shared informers, answers
// cluster names from them (answer.ts, pure), forwards the rest to the host's resolvers, and serves
// UDP and TCP on one loopback port of its own. Pods reach it at the kube-dns ClusterIP
// (127.96.0.10:53), which the service proxy relays here like any other Service: the address and
// port are written into kube-dns's endpoints at start (service.ts), so the proxy learns them from
// API objects, as it learns everything.
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { readFile } from 'node:fs/promises'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer, isIP, type Server, type Socket } from 'node:net'
import type { Namespace, Service } from 'kubernetes-types/core/v1.js'
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js'
import { Counter, Registry } from 'prom-client'
import type { StoredObject } from '../apis/meta.js'
import { wellKnown } from '../apis/meta.js'
import { gvrs, type InformerFactory } from '../client/factory.js'
import type { Informer, InformerHandlers } from '../client/informer.js'
import { Answerer, type ClusterView, type Outcome } from './answer.js'
import { forward, type Transport } from './forward.js'
import { parseResolvConf, upstreamsFrom, type Upstream } from './resolvconf.js'
import { encodeQuery, encodeResponse, parseAnswers, parseQuery, Rcode, typeName, udpLimit, type Query, type Response } from './wire.js'

type ServiceObj = StoredObject & Service
type SliceObj = StoredObject & EndpointSlice
type NamespaceObj = StoredObject & Namespace

export interface DnsLog {
  info?(obj: unknown, msg?: string): void
  error(obj: unknown, msg?: string): void
  debug?(obj: unknown, msg?: string): void
}

export interface DnsServerOptions {
  /** The process's shared informers (Services, EndpointSlices, Namespaces), started by their owner. */
  informers: InformerFactory
  /** Where DNS (UDP and TCP, one port) listens. Default 127.0.0.1, port 0 (any free port). */
  host?: string
  port?: number
  /** The cluster domain. Default cluster.local. */
  zone?: string
  /** Answer TTL in seconds. Default 30 (kubeadm's Corefile; CoreDNS's kubernetes plugin alone: 5). */
  ttl?: number
  /** The DNS Service, whose ClusterIPs are the zone's name server (NS) and never an upstream. Default kube-system/kube-dns. */
  service?: { namespace: string; name: string }
  /** Resolvers for names outside the cluster. Default: the nameservers of `resolvConf`. [] answers REFUSED. */
  upstreams?: Upstream[]
  /** Default /etc/resolv.conf. */
  resolvConf?: string
  /** Per-resolver timeout when forwarding (ms). Default 2000. */
  forwardTimeoutMs?: number
  /** Clock for the SOA serial (Unix ms). */
  now?: () => number
  log?: DnsLog
}

export interface DnsAddresses {
  /** DNS over UDP and TCP. */
  dns: { host: string; port: number }
  /** Prometheus text at /metrics (CoreDNS's :9153). */
  metrics: { host: string; port: number }
}

const sliceServiceIndex = 'dns/service'
const sliceAddressIndex = 'dns/address'
const serviceIPIndex = 'dns/clusterIP'

/** ClusterView over the shared informers' caches (indexes added once, by name). */
class InformerView implements ClusterView {
  lastChange: number

  constructor(
    private readonly services: Informer<ServiceObj>,
    private readonly slices: Informer<SliceObj>,
    private readonly namespaces: Informer<NamespaceObj>,
    now: number,
  ) {
    this.lastChange = now
    slices.addIndex(sliceServiceIndex, (s) => {
      const svc = s.metadata.labels?.[wellKnown.serviceName]
      return svc ? [`${s.metadata.namespace}/${svc}`] : []
    })
    slices.addIndex(sliceAddressIndex, (s) => [...new Set((s.endpoints ?? []).flatMap((e) => e.addresses ?? []))])
    services.addIndex(serviceIPIndex, (s) => {
      const ips = s.spec?.clusterIPs?.length ? s.spec.clusterIPs : s.spec?.clusterIP ? [s.spec.clusterIP] : []
      return ips.filter((ip) => isIP(ip) !== 0)
    })
  }

  namespaceExists(name: string): boolean {
    return this.namespaces.get(undefined, name) !== undefined
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.get(namespace, name)
  }

  endpointSlices(namespace: string, service: string): EndpointSlice[] {
    return this.slices.byIndex(sliceServiceIndex, `${namespace}/${service}`)
  }

  servicesByClusterIP(ip: string): Service[] {
    return this.services.byIndex(serviceIPIndex, ip)
  }

  endpointSlicesByAddress(ip: string): EndpointSlice[] {
    return this.slices.byIndex(sliceAddressIndex, ip)
  }

  serial(): number {
    return Math.floor(this.lastChange / 1000)
  }
}

export class DnsServer {
  readonly registry = new Registry()
  private readonly services: Informer<ServiceObj>
  private readonly slices: Informer<SliceObj>
  private readonly namespaces: Informer<NamespaceObj>
  private readonly view: InformerView
  private readonly handlers: InformerHandlers<StoredObject>
  private readonly zone: string
  private readonly ttl: number
  private readonly now: () => number
  private readonly log: DnsLog | undefined
  private readonly requests: Counter<'proto' | 'type'>
  private readonly responses: Counter<'rcode'>
  private readonly forwards: Counter<'outcome'>
  private udp: UdpSocket | undefined
  private tcp: Server | undefined
  private http: HttpServer | undefined
  private readonly conns = new Set<Socket>()
  private upstreams: Upstream[] | undefined
  private synced = false
  private addrs: DnsAddresses | undefined

  constructor(private readonly opts: DnsServerOptions) {
    if (opts.ttl !== undefined && !(Number.isInteger(opts.ttl) && opts.ttl >= 0 && opts.ttl <= 3600)) throw new TypeError('ttl: must be a whole number of seconds from 0 to 3600')
    if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port >= 0 && opts.port <= 65535)) throw new TypeError('port: must be a port number (0 for any free port)')
    this.zone = (opts.zone ?? 'cluster.local').replace(/\.$/, '')
    this.ttl = opts.ttl ?? 30
    this.now = opts.now ?? Date.now
    this.log = opts.log
    this.services = opts.informers.informer<ServiceObj>(gvrs.services)
    this.slices = opts.informers.informer<SliceObj>(gvrs.endpointSlices)
    this.namespaces = opts.informers.informer<NamespaceObj>(gvrs.namespaces)
    this.view = new InformerView(this.services, this.slices, this.namespaces, this.now())
    // Any change to what answers are made of moves the SOA serial (CoreDNS: the time of the last change).
    const touch = () => (this.view.lastChange = this.now())
    this.handlers = { add: touch, update: touch, delete: touch }
    this.requests = new Counter({ name: 'coredns_dns_requests_total', help: 'Counter of DNS requests made per protocol and type.', labelNames: ['proto', 'type'], registers: [this.registry] })
    this.responses = new Counter({ name: 'coredns_dns_responses_total', help: 'Counter of response status codes.', labelNames: ['rcode'], registers: [this.registry] })
    this.forwards = new Counter({ name: 'coredns_forward_requests_total', help: 'Counter of requests forwarded to the host resolvers, by outcome.', labelNames: ['outcome'], registers: [this.registry] })
  }

  /** The DNS Service's ClusterIPs (the zone's NS, and addresses never to forward to). */
  private nameservers(): string[] {
    const ref = this.opts.service ?? { namespace: 'kube-system', name: 'kube-dns' }
    const svc = this.services.get(ref.namespace, ref.name)
    const ips = svc?.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc?.spec?.clusterIP ? [svc.spec.clusterIP] : []
    return ips.filter((ip) => isIP(ip) !== 0)
  }

  /** Bind the DNS port (UDP, then TCP on the same number) and the metrics port. Call before start(). */
  async listen(): Promise<DnsAddresses> {
    const host = this.opts.host ?? '127.0.0.1'
    const family = isIP(host) === 6 ? 'udp6' : 'udp4'
    // Port 0: the kernel picks a free UDP port, and the TCP side must get the same number; when it
    // is taken for TCP, try another few.
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket(family)
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject)
        udp.bind(this.opts.port ?? 0, host, () => {
          udp.off('error', reject)
          resolve()
        })
      })
      const port = udp.address().port
      const tcp = createServer((s) => this.onConnection(s))
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject)
          tcp.listen({ host, port, exclusive: true }, () => {
            tcp.off('error', reject)
            resolve()
          })
        })
      } catch (err) {
        udp.close()
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && !this.opts.port && attempt < 5) continue
        throw err
      }
      udp.on('message', (msg, rinfo) => void this.onDatagram(udp, msg, rinfo.address, rinfo.port))
      udp.on('error', (err) => this.log?.error({ err: err.message }, 'cluster DNS: UDP socket error'))
      this.udp = udp
      this.tcp = tcp
      break
    }
    const http = createHttpServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('404 page not found\n')
        return
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      )
    })
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(0, host, () => resolve())
    })
    this.http = http
    const port = (s: { address(): unknown }) => (s.address() as { port: number }).port
    this.addrs = { dns: { host, port: port(this.udp!) }, metrics: { host, port: port(http) } }
    return this.addrs
  }

  get addresses(): DnsAddresses | undefined {
    return this.addrs
  }

  /** Serves until the signal aborts (listen() first), then closes every socket. */
  async start(signal: AbortSignal): Promise<void> {
    if (!this.udp) await this.listen()
    this.services.on(this.handlers as InformerHandlers<ServiceObj>)
    this.slices.on(this.handlers as InformerHandlers<SliceObj>)
    this.namespaces.on(this.handlers as InformerHandlers<NamespaceObj>)
    const aborted = new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })))
    this.upstreams = this.opts.upstreams ?? (await this.hostResolvers())
    await Promise.race([Promise.all([this.services.waitForSync(), this.slices.waitForSync(), this.namespaces.waitForSync()]), aborted])
    this.synced = !signal.aborted
    await aborted
    this.services.off(this.handlers as InformerHandlers<ServiceObj>)
    this.slices.off(this.handlers as InformerHandlers<SliceObj>)
    this.namespaces.off(this.handlers as InformerHandlers<NamespaceObj>)
    this.udp?.close()
    for (const s of this.conns) s.destroy()
    await Promise.all([new Promise((r) => this.tcp?.close(r) ?? r(undefined)), new Promise((r) => this.http?.close(r) ?? r(undefined))])
  }

  private async hostResolvers(): Promise<Upstream[]> {
    const path = this.opts.resolvConf ?? '/etc/resolv.conf'
    let text = ''
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      this.log?.error({ err: (err as Error).message, path }, 'cluster DNS: cannot read the host resolver configuration; names outside the cluster get REFUSED')
      return []
    }
    // Never forward to ourselves: the DNS Service's address (the host may well list it) or this server.
    const own = [...this.nameservers(), '127.96.0.10', ...(this.addrs ? [this.addrs.dns.host] : [])]
    const ups = upstreamsFrom(parseResolvConf(text), own)
    if (ups.length === 0) this.log?.error({ path }, 'cluster DNS: no usable nameserver in the host resolver configuration; names outside the cluster get REFUSED')
    return ups
  }

  // ——— the query path: bytes in, bytes out ———

  /**
   * The answer to one message as it arrived over `transport`, or undefined to send nothing (too
   * short to be a query, or a response). Never throws: an internal failure answers SERVFAIL.
   */
  async handle(msg: Buffer, transport: Transport): Promise<Buffer | undefined> {
    const parsed = parseQuery(msg)
    if (parsed.kind === 'drop') return undefined
    if (parsed.kind === 'reject') {
      this.responses.inc({ rcode: rcodeName(parsed.response.readUInt16BE(2) & 0xf) })
      return parsed.response
    }
    const q = parsed.query
    this.requests.inc({ proto: transport, type: typeName(q.question.type) })
    const limit = transport === 'udp' ? udpLimit(q) : 65535
    try {
      const out = await this.respond(msg, q, transport, limit)
      this.responses.inc({ rcode: rcodeName(out.readUInt16BE(2) & 0xf) })
      return out
    } catch (err) {
      this.log?.error({ err: (err as Error).message, name: q.question.name, type: typeName(q.question.type) }, 'cluster DNS: answering failed')
      this.responses.inc({ rcode: 'SERVFAIL' })
      return encodeResponse(this.reply(q, Rcode.SERVFAIL), limit)
    }
  }

  private reply(q: Query, rcode: number, extra: Partial<Response> = {}): Response {
    return { id: q.id, opcode: q.opcode, aa: false, rd: q.rd, ra: true, cd: q.cd, rcode, question: q.question, answers: [], authorities: [], additionals: [], ...(q.edns ? { edns: { udpSize: 1232 } } : {}), ...extra }
  }

  private async respond(raw: Buffer, q: Query, transport: Transport, limit: number): Promise<Buffer> {
    const upstreams = this.upstreams ?? []
    const outcome: Outcome = this.synced ? new Answerer(this.view, { zone: this.zone, ttl: this.ttl, nameservers: this.nameservers() }).answer(q.question) : { kind: 'answer', rcode: Rcode.SERVFAIL, answers: [], authorities: [], additionals: [] }
    if (outcome.kind === 'refused') return encodeResponse(this.reply(q, Rcode.REFUSED, { ra: false }), limit)
    if (outcome.kind === 'forward') {
      if (upstreams.length === 0) return encodeResponse(this.reply(q, Rcode.REFUSED, { ra: false }), limit)
      const answer = await forward(raw, upstreams, transport, { timeoutMs: this.opts.forwardTimeoutMs })
      this.forwards.inc({ outcome: answer ? 'answered' : 'failed' })
      return answer ?? encodeResponse(this.reply(q, Rcode.SERVFAIL), limit)
    }
    const answers = [...outcome.answers]
    if (outcome.chase && upstreams.length) {
      // An ExternalName outside the cluster: its addresses from the host's resolvers, after the CNAME.
      const sub = await forward(encodeQuery(0, outcome.chase), upstreams, 'udp', { timeoutMs: this.opts.forwardTimeoutMs })
      answers.push(...((sub && parseAnswers(sub)) ?? []))
    }
    const aa = outcome.rcode !== Rcode.SERVFAIL
    return encodeResponse(this.reply(q, outcome.rcode, { aa, answers, authorities: outcome.authorities, additionals: outcome.additionals }), limit)
  }

  private async onDatagram(udp: UdpSocket, msg: Buffer, address: string, port: number): Promise<void> {
    const out = await this.handle(msg, 'udp')
    if (out && this.udp === udp) udp.send(out, port, address, () => {})
  }

  /** DNS over TCP (RFC 7766): two-byte length, then the message; several per connection, idle after 10 s. */
  private onConnection(s: Socket): void {
    this.conns.add(s)
    s.on('close', () => this.conns.delete(s))
    s.on('error', () => {})
    s.setTimeout(10_000, () => s.destroy())
    let buf: Buffer = Buffer.alloc(0)
    s.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
      while (buf.length >= 2) {
        const n = buf.readUInt16BE(0)
        if (buf.length < 2 + n) break
        const msg = buf.subarray(2, 2 + n)
        buf = buf.subarray(2 + n)
        void this.handle(msg, 'tcp').then((out) => {
          if (!out || s.destroyed) return
          const len = Buffer.alloc(2)
          len.writeUInt16BE(out.length)
          s.write(Buffer.concat([len, out]))
        })
      }
    })
  }
}

const rcodeNames = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED']
const rcodeName = (n: number) => rcodeNames[n] ?? `RCODE${n}`
