// The answer to one question, as CoreDNS's kubernetes plugin gives it in a kubeadm 1.32 cluster
// (Corefile: `kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough
// in-addr.arpa ip6.arpa; ttl 30 }`, then `forward . /etc/resolv.conf`). Pure: the question and a
// read-only view of the observed Services, EndpointSlices and Namespaces in, an outcome out; no
// clock, no I/O. The socket shell (server.ts) performs the forwards and CNAME chases it asks for.
//
// Upstream: plugin/kubernetes/{parse.go,kubernetes.go,reverse.go,handler.go} and
// plugin/backend_lookup.go. The names served (Kubernetes DNS-Based Service Discovery 1.1.0):
//   <svc>.<ns>.svc.<zone>                A/AAAA: the ClusterIPs; headless: the ready endpoints' IPs;
//                                        ExternalName: CNAME to the external name
//   <endpoint>.<svc>.<ns>.svc.<zone>     A/AAAA of the endpoint whose hostname (or dashed IP) it is
//   _<port>._<proto>.<svc>.<ns>.svc.<zone>  SRV (the bare Service name answers SRV for every port)
//   <a-b-c-d>.<ns>.pod.<zone>            A a.b.c.d, for any address (`pods insecure`)
//   <reversed IP>.in-addr.arpa           PTR of a ClusterIP (the Service) or an endpoint address
//   dns-version.<zone>                   TXT "1.1.0"
// A name in the zone that does not exist is NXDOMAIN, one that exists without records of the asked
// type is NODATA (NOERROR, no answer); both carry the zone's SOA in the authority section.
import { isIP } from 'node:net'
import type { Service } from 'kubernetes-types/core/v1.js'
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js'
import { Class, Rcode, Type, type Question, type ResourceRecord } from './wire.js'

/** What the answers are made from: the informers' caches in the server, plain lists in tests. */
export interface ClusterView {
  namespaceExists(name: string): boolean
  service(namespace: string, name: string): Service | undefined
  /** The EndpointSlices of a Service (label kubernetes.io/service-name). */
  endpointSlices(namespace: string, service: string): EndpointSlice[]
  /** Services with this ClusterIP (PTR). */
  servicesByClusterIP(ip: string): Service[]
  /** EndpointSlices listing this address (PTR). */
  endpointSlicesByAddress(ip: string): EndpointSlice[]
  /** The SOA serial: when the DNS data last changed, in Unix seconds (CoreDNS's `Modified`). */
  serial(): number
}

export interface AnswerConfig {
  /** The cluster domain, `cluster.local`. */
  zone: string
  /** TTL of every answer (kubeadm's Corefile: 30; the plugin's own default is 5). */
  ttl: number
  /** The DNS Service's addresses: the zone's NS record `ns.dns.<zone>` resolves to them. */
  nameservers: string[]
}

export type Outcome =
  | {
      kind: 'answer'
      rcode: number
      answers: ResourceRecord[]
      authorities: ResourceRecord[]
      additionals: ResourceRecord[]
      /** An ExternalName's target outside the zone: the shell resolves it upstream and appends the answers. */
      chase?: Question
    }
  /** Not ours: the shell forwards the query to the host's resolvers. */
  | { kind: 'forward' }
  /** A class other than IN, which nothing here serves. */
  | { kind: 'refused' }

export const dnsSchemaVersion = '1.1.0'

const reverseZones = ['in-addr.arpa', 'ip6.arpa']

/** An entry of a lookup (CoreDNS's msg.Service): an address or a name, the port, and its own name. */
interface Entry {
  host: string
  /** -1: an endpoint without ports (no SRV from it). */
  port: number
  /** The domain the entry is known by: the Service's, or the endpoint's. SRV targets it. */
  key: string
}

type Lookup = Entry[] | 'nxdomain'

const lower = (s: string) => s.toLowerCase()
const trimDot = (s: string) => s.replace(/\.$/, '')

function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`)
}

/** Labels of `name` before `zone` ([] for the apex). */
function baseLabels(name: string, zone: string): string[] {
  return name === zone ? [] : name.slice(0, -(zone.length + 1)).split('.')
}

interface ParsedName {
  podOrSvc: 'svc' | 'pod' | ''
  namespace: string
  service: string
  endpoint: string
  port: string
  protocol: string
}

/** parse.go's parseRequest: `_port._proto.svc.ns.svc`, `endpoint.svc.ns.svc`, `svc.ns.svc`, `ip.ns.pod`. */
function parseName(base: string[]): ParsedName | 'nxdomain' {
  const r: ParsedName = { podOrSvc: '', namespace: '', service: '', endpoint: '', port: '', protocol: '' }
  if (base.length === 0 || (base.length === 1 && (base[0] === 'svc' || base[0] === 'pod'))) return r
  let last = base.length - 1
  const kind = base[last]
  if (kind !== 'svc' && kind !== 'pod') return 'nxdomain'
  r.podOrSvc = kind
  if (--last < 0) return r
  r.namespace = base[last]
  if (--last < 0) return r
  r.service = base[last]
  if (--last < 0) return r
  if (last === 0) r.endpoint = base[0]
  else if (last === 1) {
    r.protocol = base[1].replace(/^_/, '')
    r.port = base[0].replace(/^_/, '')
  } else return 'nxdomain'
  return r
}

const isHeadless = (svc: Service) => svc.spec?.clusterIP === 'None'

function clusterIPs(svc: Service): string[] {
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : []
  return ips.filter((ip) => isIP(ip) !== 0)
}

/** endpointHostname: the endpoint's hostname, else its address with dashes. */
function endpointHostname(hostname: string | undefined, ip: string): string {
  if (hostname) return hostname
  return ip.includes('.') ? ip.replaceAll('.', '-') : ip.replaceAll(':', '-')
}

const matchPart = (asked: string, have: string | undefined) => asked === '' || asked === lower(have ?? '')

/** The ready endpoint addresses of some slices, with their ports (CoreDNS reads slices as Endpoints: ready ones only). */
function* readyAddresses(slices: EndpointSlice[]): Generator<{ ip: string; hostname?: string; ports: { name?: string; protocol?: string; port: number }[] }> {
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue
    // A slice without ports still publishes its addresses (CoreDNS adds a port -1 sentinel).
    const ports = (slice.ports ?? []).length ? (slice.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? -1 })) : [{ port: -1 }]
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue
      for (const ip of ep.addresses ?? []) if (isIP(ip)) yield { ip, hostname: ep.hostname, ports }
    }
  }
}

export class Answerer {
  constructor(
    private readonly view: ClusterView,
    private readonly cfg: AnswerConfig,
  ) {}

  private get zone(): string {
    return lower(trimDot(this.cfg.zone))
  }

  /** kubernetes.go's findServices / findPods. */
  private lookup(name: string): Lookup {
    const zone = this.zone
    const parsed = parseName(baseLabels(name, zone))
    if (parsed === 'nxdomain') return 'nxdomain'
    const r = parsed
    if (r.podOrSvc === '') return []
    if (!this.view.namespaceExists(r.namespace)) return 'nxdomain'
    if (r.service === '') return []
    if (r.podOrSvc === 'pod') {
      const ip = (r.service.split('-').length === 4 && !r.service.includes('--') ? r.service.replaceAll('-', '.') : r.service.replaceAll('-', ':')).toLowerCase()
      if (isIP(ip) === 0) return 'nxdomain'
      return [{ host: ip, port: -1, key: name }]
    }
    const svc = this.view.service(r.namespace, r.service)
    if (!svc) return 'nxdomain'
    const ns = svc.metadata?.namespace ?? r.namespace
    const svcName = svc.metadata?.name ?? r.service
    const svcDomain = `${svcName}.${ns}.svc.${zone}`
    const out: Entry[] = []
    if (svc.spec?.type === 'ExternalName') {
      const target = trimDot(svc.spec.externalName ?? '')
      // An endpoint name under an ExternalName Service, or an address as the external name: nothing.
      if (r.endpoint !== '' || target === '' || isIP(target) !== 0) return 'nxdomain'
      return [{ host: target, port: -1, key: svcDomain }]
    }
    if (isHeadless(svc) || r.endpoint !== '') {
      for (const addr of readyAddresses(this.view.endpointSlices(ns, svcName))) {
        const host = endpointHostname(addr.hostname, addr.ip)
        if (r.endpoint !== '' && lower(host) !== r.endpoint) continue
        for (const p of addr.ports) {
          if (!(matchPart(r.port, p.name) && matchPart(r.protocol, p.protocol))) continue
          out.push({ host: addr.ip, port: p.port, key: `${host}.${svcDomain}` })
        }
      }
      return out.length ? out : 'nxdomain'
    }
    let matched = false
    for (const p of svc.spec?.ports ?? []) {
      if (!(matchPart(r.port, p.name) && matchPart(r.protocol, p.protocol ?? 'TCP'))) continue
      matched = true
      for (const ip of clusterIPs(svc)) out.push({ host: ip, port: p.port, key: svcDomain })
    }
    return matched ? out : 'nxdomain'
  }

  private soa(): ResourceRecord {
    const zone = this.zone
    const { ttl } = this.cfg
    return {
      name: zone,
      ttl: Math.min(ttl, 300),
      data: { type: 'SOA', mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: this.view.serial() >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
    }
  }

  private rr(name: string, data: ResourceRecord['data'], ttl = this.cfg.ttl): ResourceRecord {
    return { name, ttl, data }
  }

  /** backend_lookup.go's A/AAAA: addresses of the entries, CNAMEs followed inside the zone. */
  private addresses(qname: string, family: 4 | 6, depth: number): { records: ResourceRecord[]; chase?: Question } | 'nxdomain' {
    const found = this.lookup(lower(trimDot(qname)))
    if (found === 'nxdomain') return found
    const records: ResourceRecord[] = []
    const seen = new Set<string>()
    let chase: Question | undefined
    for (const e of found) {
      const v = isIP(e.host)
      if (v === 0) {
        if (lower(e.host) === lower(trimDot(qname)) || depth > 7) continue // x CNAME x, or a chain too long
        const cname = this.rr(qname, { type: 'CNAME', target: e.host })
        if (inZone(lower(e.host), this.zone)) {
          const next = this.addresses(e.host, family, depth + 1)
          if (next !== 'nxdomain' && next.records.length) records.push(cname, ...next.records)
          chase ??= next !== 'nxdomain' ? next.chase : undefined
        } else {
          records.push(cname)
          chase ??= { name: e.host, type: family === 4 ? Type.A : Type.AAAA, class: Class.IN }
        }
      } else if (v === family && !seen.has(e.host)) {
        seen.add(e.host)
        records.push(this.rr(qname, family === 4 ? { type: 'A', address: e.host } : { type: 'AAAA', address: e.host }))
      }
    }
    return { records, ...(chase ? { chase } : {}) }
  }

  private nodata(): Outcome {
    return { kind: 'answer', rcode: Rcode.NOERROR, answers: [], authorities: [this.soa()], additionals: [] }
  }

  private nxdomain(): Outcome {
    return { kind: 'answer', rcode: Rcode.NXDOMAIN, answers: [], authorities: [this.soa()], additionals: [] }
  }

  private records(answers: ResourceRecord[], additionals: ResourceRecord[] = [], chase?: Question): Outcome {
    if (answers.length === 0) return this.nodata()
    return { kind: 'answer', rcode: Rcode.NOERROR, answers, authorities: [], additionals, ...(chase ? { chase } : {}) }
  }

  /** The answer to one question. */
  answer(q: Question): Outcome {
    const name = lower(trimDot(q.name))
    const zone = this.zone
    if (inZone(name, zone)) {
      if (q.class !== Class.IN && q.class !== Class.ANY) return { kind: 'refused' }
      return this.clusterName(q, name)
    }
    if (reverseZones.some((z) => inZone(name, z))) {
      // Reverse names the cluster does not know fall through to the host's resolvers.
      if (q.type !== Type.PTR || q.class !== Class.IN) return { kind: 'forward' }
      const ptr = this.reverse(q.name, name)
      return ptr.length ? this.records(ptr) : { kind: 'forward' }
    }
    return { kind: 'forward' }
  }

  private clusterName(q: Question, name: string): Outcome {
    const zone = this.zone
    const nsName = `ns.dns.${zone}`
    switch (q.type) {
      case Type.SOA:
        // The SOA of the zone, whatever the name in it (plugin.SOA does not look the name up).
        return this.records([{ ...this.soa(), ttl: Math.min(this.cfg.ttl, 300) }])
      case Type.NS:
        if (name === zone) {
          const ns = this.rr(q.name, { type: 'NS', target: nsName })
          const glue = this.cfg.nameservers.filter((ip) => isIP(ip) !== 0).map((ip) => this.rr(nsName, isIP(ip) === 4 ? { type: 'A', address: ip } : { type: 'AAAA', address: ip }))
          return this.records([ns], glue)
        }
        break
      case Type.TXT:
        if (name === `dns-version.${zone}`) return this.records([this.rr(q.name, { type: 'TXT', strings: [dnsSchemaVersion] }, 28800)])
        break
    }
    if (name === nsName) {
      // The zone's own name server: the DNS Service's addresses (isDefaultNS).
      const family = q.type === Type.A ? 4 : q.type === Type.AAAA ? 6 : 0
      return this.records(this.cfg.nameservers.filter((ip) => family !== 0 && isIP(ip) === family).map((ip) => this.rr(q.name, family === 4 ? { type: 'A', address: ip } : { type: 'AAAA', address: ip })))
    }
    switch (q.type) {
      case Type.A:
      case Type.AAAA: {
        const r = this.addresses(q.name, q.type === Type.A ? 4 : 6, 0)
        return r === 'nxdomain' ? this.nxdomain() : this.records(r.records, [], r.chase)
      }
      case Type.CNAME: {
        const found = this.lookup(name)
        if (found === 'nxdomain') return this.nxdomain()
        const first = found[0]
        return this.records(first && isIP(first.host) === 0 ? [this.rr(q.name, { type: 'CNAME', target: first.host })] : [])
      }
      case Type.SRV:
        return this.srv(q.name, name)
      case Type.PTR: {
        // A forward name asked for PTR: it exists or not, and has no PTR.
        return this.lookup(name) === 'nxdomain' ? this.nxdomain() : this.nodata()
      }
      default: {
        // Any other type (MX, TXT, ANY, ...): exists → NODATA, else NXDOMAIN (handler.go's fake A lookup).
        return this.lookup(name) === 'nxdomain' ? this.nxdomain() : this.nodata()
      }
    }
  }

  /** backend_lookup.go's SRV: one record per entry with a port, weights summing to ~100, addresses as extra. */
  private srv(qname: string, name: string): Outcome {
    const found = this.lookup(name)
    if (found === 'nxdomain') return this.nxdomain()
    const internal = found.filter((e) => isIP(e.host) !== 0) // SRV for ExternalName is not served
    const weight = Math.max(1, Math.floor(100 / Math.max(1, internal.length)))
    const answers: ResourceRecord[] = []
    const additionals: ResourceRecord[] = []
    const seenSrv = new Set<string>()
    const seenAddr = new Set<string>()
    for (const e of internal) {
      if (e.port < 0) continue
      const k = `${e.key} ${e.port}`
      if (!seenSrv.has(k)) {
        seenSrv.add(k)
        answers.push(this.rr(qname, { type: 'SRV', priority: 0, weight, port: e.port, target: e.key }))
      }
      const a = `${e.key} ${e.host}`
      if (!seenAddr.has(a)) {
        seenAddr.add(a)
        additionals.push(this.rr(e.key, isIP(e.host) === 4 ? { type: 'A', address: e.host } : { type: 'AAAA', address: e.host }))
      }
    }
    return this.records(answers, additionals)
  }

  /** reverse.go: a Service whose ClusterIP this is, else every endpoint with this address. */
  private reverse(qname: string, name: string): ResourceRecord[] {
    const ip = addressFromReverse(name)
    if (!ip) return []
    const zone = this.zone
    const svc = this.view.servicesByClusterIP(ip)[0]
    if (svc) return [this.rr(qname, { type: 'PTR', target: `${svc.metadata?.name}.${svc.metadata?.namespace}.svc.${zone}` })]
    const out: ResourceRecord[] = []
    const seen = new Set<string>()
    for (const slice of this.view.endpointSlicesByAddress(ip)) {
      const svcName = slice.metadata?.labels?.['kubernetes.io/service-name']
      if (!svcName) continue
      for (const addr of readyAddresses([slice])) {
        if (addr.ip !== ip) continue
        const target = `${endpointHostname(addr.hostname, addr.ip)}.${svcName}.${slice.metadata?.namespace}.svc.${zone}`
        if (seen.has(target)) continue
        seen.add(target)
        out.push(this.rr(qname, { type: 'PTR', target }))
      }
    }
    return out
  }
}

/** `4.3.2.1.in-addr.arpa` → `1.2.3.4`; 32 nibbles under ip6.arpa → the IPv6 address; else undefined. */
export function addressFromReverse(name: string): string | undefined {
  const n = lower(trimDot(name))
  if (n.endsWith('.in-addr.arpa')) {
    const parts = n.slice(0, -'.in-addr.arpa'.length).split('.')
    if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)) return undefined
    return parts.reverse().join('.')
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.')
    if (nibbles.length !== 32 || nibbles.some((x) => !/^[0-9a-f]$/.test(x))) return undefined
    const hex = nibbles.reverse().join('')
    const groups = hex.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ''))
    // Canonical (RFC 5952) form, so it compares equal to the addresses Kubernetes stores.
    let best = { at: -1, len: 0 }
    for (let i = 0; i < 8; ) {
      if (groups[i] !== '0') {
        i++
        continue
      }
      let j = i
      while (j < 8 && groups[j] === '0') j++
      if (j - i > best.len && j - i > 1) best = { at: i, len: j - i }
      i = j
    }
    if (best.at < 0) return groups.join(':')
    return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`
  }
  return undefined
}

/** The reverse name of an address (tests, and the docs' examples). */
export function reverseName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`
  throw new RangeError('reverseName: IPv4 only')
}

/** Whether the question's name is one this server answers itself (the cluster zone or a reverse zone). */
export function servesName(name: string, zone: string): boolean {
  const n = lower(trimDot(name))
  return inZone(n, lower(trimDot(zone))) || reverseZones.some((z) => inZone(n, z))
}

