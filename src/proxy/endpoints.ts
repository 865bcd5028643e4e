// From a Service and its EndpointSlices to what the proxy serves: per Service port (TCP or UDP),
// the address and port of every usable endpoint; and the listeners the Service needs. Pure: no
// clock, no I/O. SCTP ports are not proxied.
// Upstream: pkg/proxy/servicechangetracker.go (ServicePort), endpointslicecache.go (endpoints per
// service port name), topology.go (CategorizeEndpoints: ready endpoints only).
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js'
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js'
import { isIP } from 'node:net'
import type { TrafficTarget } from './traffic.js'

/** One endpoint of one Service port. `key` (`ip:port`) identifies it across updates. */
export interface Backend {
  key: string
  ip: string
  port: number
  /** The Pod behind it (EndpointSlice targetRef), when there is one. */
  pod?: { namespace: string; name: string }
  /** Index of the traffic annotation's backend it serves (annotated Services only). */
  group?: number
  /** Who answers through it, for the traffic measurements (set by the proxy from the Pod). */
  target?: TrafficTarget
  /** targetKey(target), computed once. */
  targetKey?: string
}

/** One Service port as the proxy sees it. */
export interface PortPlan {
  /** Service port name ('' for a single unnamed port): EndpointSlice ports match on it. */
  name: string
  port: number
  /** Absent: TCP. */
  protocol?: 'UDP'
  nodePort?: number
  /** The Service port's appProtocol, when set (it decides between the HTTP mode and the TCP relay). */
  appProtocol?: string
  /** Endpoints that may take new connections (ready, not terminating), sorted by key. */
  backends: Backend[]
}

/** A listener a Service port needs: a TCP server, or with protocol UDP a datagram socket. */
export interface ListenSpec {
  address: string
  port: number
  /** Absent: TCP. */
  protocol?: 'UDP'
  /** Which Service port it serves (by name). */
  portName: string
  kind: 'ClusterIP' | 'NodePort'
}

/** Upstream's default session affinity timeout (v1.DefaultClientIPServiceAffinitySeconds): 3 hours. */
export const defaultAffinitySeconds = 10800

export interface EndpointOptions {
  /**
   * When a port has no ready endpoint, fall back to endpoints that are serving and terminating,
   * as upstream kube-proxy does (KEP-1669). Off by default: kubelite's rolling updates keep a
   * ready endpoint at all times, and a terminating endpoint never takes new connections.
   */
  terminatingFallback?: boolean
}

const list = <T>(v: readonly T[] | undefined): readonly T[] => (Array.isArray(v) ? v : [])

const protocolOf = (p: { protocol?: string }) => p.protocol ?? 'TCP'
const proxiedPorts = (svc: Service): ServicePort[] =>
  list(svc.spec?.ports).filter((p) => !!p && (protocolOf(p) === 'TCP' || protocolOf(p) === 'UDP') && Number.isInteger(p.port))
/** TCP is the default and is left out of plans and specs (they read as before UDP was proxied). */
const udpField = (p: ServicePort): { protocol?: 'UDP' } => (protocolOf(p) === 'UDP' ? { protocol: 'UDP' } : {})

/**
 * How the proxy carries a TCP Service port's connections, from its appProtocol: `http` (or
 * kubernetes.io/ws, WebSocket over HTTP/1.1) — HTTP mode for connections that start with a request
 * line, waiting as long as it takes for the first bytes; unset — the same, but a connection that
 * sends nothing within the sniff timeout (a server-first protocol: MySQL, SMTP) goes to the TCP
 * relay; anything else (https, h2c, grpc, a database) — the TCP relay, unread.
 */
export function trafficMode(appProtocol: string | undefined): 'http' | 'sniff' | 'tcp' {
  if (!appProtocol) return 'sniff'
  const p = appProtocol.toLowerCase()
  return p === 'http' || p === 'kubernetes.io/ws' ? 'http' : 'tcp'
}

/** ExternalName Services have no proxy rules (upstream skips them); nor do Services without TCP or UDP ports. */
export function isProxied(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && proxiedPorts(svc).length > 0
}

/** Session affinity timeout in seconds, or undefined when the Service has none. */
export function affinitySeconds(svc: Service): number | undefined {
  if (svc.spec?.sessionAffinity !== 'ClientIP') return undefined
  const t = svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds
  return typeof t === 'number' && t > 0 ? t : defaultAffinitySeconds
}

/** The Service's cluster IPs that can be bound (not headless, valid addresses). */
export function clusterIPs(svc: Service): string[] {
  const spec = svc.spec ?? {}
  const ips = list(spec.clusterIPs).length ? list(spec.clusterIPs) : spec.clusterIP ? [spec.clusterIP] : []
  return ips.filter((ip) => typeof ip === 'string' && ip !== 'None' && isIP(ip) !== 0)
}

/**
 * The listeners a Service needs: ClusterIP:port for every TCP and UDP port, and
 * nodePortAddress:nodePort for NodePort and LoadBalancer Services. A headless Service (clusterIP
 * None) gets none.
 */
export function listenSpecs(svc: Service, nodePortAddress: string): ListenSpec[] {
  if (!isProxied(svc)) return []
  const ips = clusterIPs(svc)
  if (ips.length === 0) return []
  const out: ListenSpec[] = []
  const withNodePorts = svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer'
  for (const p of proxiedPorts(svc)) {
    const portName = p.name ?? ''
    const proto = udpField(p)
    for (const ip of ips) out.push({ address: ip, port: p.port, ...proto, portName, kind: 'ClusterIP' })
    if (withNodePorts && typeof p.nodePort === 'number' && p.nodePort > 0) out.push({ address: nodePortAddress, port: p.nodePort, ...proto, portName, kind: 'NodePort' })
  }
  return out
}

interface Candidate {
  backend: Backend
  ready: boolean
  servingTerminating: boolean
}

/**
 * Endpoints per Service port. An endpoint is usable when `ready` is true or unset (the API says
 * consumers treat an unknown readiness as ready) and it is not terminating. When the same address
 * and port appear in several slices (an endpoint moving between slices), it is usable only if
 * every copy says so: a stale copy never sends traffic to a pod on its way out.
 */
export function planPorts(svc: Service, slices: EndpointSlice[], opts: EndpointOptions = {}): PortPlan[] {
  const plans: PortPlan[] = []
  for (const sp of proxiedPorts(svc)) {
    const name = sp.name ?? ''
    const protocol = protocolOf(sp)
    const byKey = new Map<string, Candidate>()
    for (const slice of slices) {
      if (!slice || (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6')) continue
      const target = list(slice.ports).find((p) => !!p && (p.name ?? '') === name && protocolOf(p) === protocol)
      if (!target || typeof target.port !== 'number' || target.port < 1 || target.port > 65535) continue
      for (const ep of list(slice.endpoints)) {
        const ip = list(ep?.addresses)[0]
        if (typeof ip !== 'string' || isIP(ip) === 0) continue
        const c = ep.conditions ?? {}
        const terminating = c.terminating === true
        const ready = c.ready !== false && !terminating
        const serving = c.serving ?? c.ready ?? true
        const key = isIP(ip) === 6 ? `[${ip}]:${target.port}` : `${ip}:${target.port}`
        const ref = ep.targetRef
        const pod = ref?.kind === 'Pod' && ref.name ? { namespace: ref.namespace ?? svc.metadata?.namespace ?? '', name: ref.name } : undefined
        const prev = byKey.get(key)
        if (prev) {
          prev.ready &&= ready
          prev.servingTerminating = !prev.ready && (prev.servingTerminating || (serving && terminating))
        } else {
          byKey.set(key, { backend: { key, ip, port: target.port, ...(pod ? { pod } : {}) }, ready, servingTerminating: serving && terminating })
        }
      }
    }
    const all = [...byKey.values()].sort((a, b) => (a.backend.key < b.backend.key ? -1 : a.backend.key > b.backend.key ? 1 : 0))
    let usable = all.filter((c) => c.ready)
    if (usable.length === 0 && opts.terminatingFallback) usable = all.filter((c) => c.servingTerminating)
    plans.push({ name, port: sp.port, ...udpField(sp), ...(typeof sp.nodePort === 'number' && sp.nodePort > 0 ? { nodePort: sp.nodePort } : {}), ...(typeof sp.appProtocol === 'string' && sp.appProtocol ? { appProtocol: sp.appProtocol } : {}), backends: usable.map((c) => c.backend) })
  }
  return plans
}
