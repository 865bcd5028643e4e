// The service proxy (upstream: kube-proxy, in its old userspace mode): watches Services and
// EndpointSlices through the client, keeps a listener on every ClusterIP:port (127.96.x.y) and, for
// NodePort and LoadBalancer Services, on <nodePortAddress>:nodePort, and carries each accepted
// connection to ready endpoints in one of two ways:
//   - HTTP mode (http-session.ts), for a TCP port whose appProtocol is unset or `http` and a
//     connection that starts with an HTTP/1.x request line: every request goes to the endpoint the
//     balancer picks for it, over pooled keep-alive connections (pool.ts); a failure before any
//     byte of the answer is retried elsewhere when that is safe. The client connection is the
//     proxy's own: no backend going away ever closes it.
//   - TCP relay (relay.ts) for everything else (TLS, databases, HTTP/2, a silent client of a
//     server-first protocol, an appProtocol that says so, UDP in udp.ts) and for CONNECT, Upgrade
//     and Expect: 100-continue requests: one endpoint for the connection's life, bytes unread.
// Headers pass untouched (no Via, no X-Forwarded-*): a Service proxy, not a gateway; the app
// sees the proxy's address as the client's, as with the relay.
//
// Zero-drop rolling updates rely on this order of events for a pod that is going away:
//   1. the pod gets a deletionTimestamp; the node agent publishes Ready=False;
//   2. the EndpointSlice controller marks the endpoint ready=false / terminating=true;
//   3. this proxy sees the slice change and stops picking the endpoint — for new connections and,
//      in HTTP mode, for the next request of every kept-alive client connection — and closes its
//      idle pooled connections to it (busy ones close when their response is complete);
//   4. the node agent, watching the same EndpointSlices, waits until no slice offers the pod as
//      ready (bounded by the grace period), then a margin for the proxies to apply it and for
//      requests in flight to finish, and only then runs preStop and sends SIGTERM.
// No fixed guess: step 4 waits for step 2 however slow the machine is. What still races — a
// connect refused or reset before any byte, a pooled connection the backend just closed — is
// retried on another endpoint (any connect that never reached the backend; a sent request only
// when its method is idempotent).
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import type { Socket, Server } from 'node:net'
import { createServer, isIP } from 'node:net'
import type { Service } from 'kubernetes-types/core/v1.js'
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js'
import type { Registry } from 'prom-client'
import type { StoredObject } from '../apis/meta.js'
import { wellKnown } from '../apis/meta.js'
import { gvrs, type InformerFactory } from '../client/factory.js'
import { filtered, Informer, objectKey, type InformerHandlers } from '../client/informer.js'
import type { Client } from '../client/types.js'
import { matches, parseLabelSelector } from '../lib/selector.js'
import { PortBalancer } from './balancer.js'
import { affinitySeconds, isProxied, listenSpecs, planPorts, trafficMode, type Backend, type ListenSpec, type PortPlan } from './endpoints.js'
import { serveHttp, sniffConnection, type HttpHooks } from './http-session.js'
import { ProxyMetrics, type TrafficStats } from './metrics.js'
import { EndpointPool } from './pool.js'
import { dialEndpoint, relayConnection, type DialHooks, type RelayStart } from './relay.js'
import { UdpRelay, type UdpHooks } from './udp.js'
import { assignBackends } from './weights.js'
import { invalidTrafficAnnotationReason, trafficAnnotation, trafficPolicyOf, TrafficAnnotationError } from '../apis/traffic/annotation.js'
import type { TrafficQuery, TrafficReport } from '../apis/traffic/report.js'
import { EventRecorder } from '../client/events.js'
import type { RequestRoute } from './http-session.js'
import { MirrorSender, type MirrorOptions } from './mirror.js'
import { CompiledPolicy, requestFacts } from './route.js'
import { ProxyTraffic, targetKey, type TrafficTarget } from './traffic.js'

type ServiceObj = StoredObject & Service
type SliceObj = StoredObject & EndpointSlice

export interface ProxyLog {
  info?(obj: unknown, msg?: string): void
  error(obj: unknown, msg?: string): void
  debug?(obj: unknown, msg?: string): void
}

export interface ServiceProxyOptions {
  /** Where NodePorts listen (default 127.0.0.1; `0.0.0.0` for every address). */
  nodePortAddress?: string
  /**
   * Listen on the ClusterIPs too (default true). A second proxy on the same machine (a `kubelite
   * agent` beside `kubelite up`) serves only its node's NodePorts: the loopback ClusterIPs are the
   * first proxy's, and every process on the machine already reaches them.
   */
  clusterIPs?: boolean
  /** prom-client registry for the proxy's metrics (default: a registry of its own). */
  registry?: Registry
  log?: ProxyLog
  /** Send new connections to serving-terminating endpoints when no endpoint is ready (upstream's fallback). Default false. */
  terminatingFallback?: boolean
  /** Connect timeout per attempt; the length bounds the attempts (default 250, 500, 1000, 2000 ms). */
  connectTimeoutsMs?: number[]
  /** How often listeners that failed to open are retried and idle metrics swept (default 2000 ms). */
  resyncMs?: number
  /** Serve HTTP/1.x connections request by request (default true); false relays every connection as TCP. */
  httpMode?: boolean
  /**
   * How long a connection to a port without appProtocol may stay silent before it is taken for a
   * server-first protocol and relayed as TCP (default 100 ms, Istio's old protocol-sniffing timeout).
   */
  httpSniffTimeoutMs?: number
  /** Idle time of pooled endpoint connections when the backend gives no Keep-Alive hint (default 2000 ms). */
  httpIdleTimeoutMs?: number
  /** Milliseconds clock (affinity timeouts, metric retention). */
  now?: () => number
  /**
   * The process's shared informers (`kubelite up`: the proxy runs beside the controllers), started
   * by their owner. Without them (a proxy of its own process) it watches just the Services and
   * EndpointSlices it proxies, through label-selected informers of its own.
   */
  informers?: InformerFactory
  /** Bounds of the traffic annotation's mirror copies. */
  mirrors?: MirrorOptions
}

/** A failed `dialService`, carrying what the API server puts in its metav1.Status. */
export class ServiceDialError extends Error {
  constructor(
    readonly code: 404 | 503,
    readonly reason: 'NotFound' | 'ServiceUnavailable',
    message: string,
  ) {
    super(message)
    this.name = 'ServiceDialError'
  }
}

interface PortState {
  plan: PortPlan
  balancer: PortBalancer
  stats: TrafficStats
  /** Idle keep-alive connections to its endpoints (HTTP mode). */
  pool: EndpointPool
}

interface ServiceState {
  namespace: string
  name: string
  ports: Map<string, PortState>
  /** The Service's `kubelite.io/traffic` annotation, when it has a valid one. */
  policy?: CompiledPolicy
}

interface Listener {
  key: string
  spec: ListenSpec
  svcKey: string
  /** TCP: a server; UDP: a bound socket and the relay of its flows. */
  server?: Server
  udp?: { socket: UdpSocket; relay: UdpRelay }
  state: 'opening' | 'listening' | 'failed' | 'closed'
}

/** What `listeners()` reports. */
export interface ListenerInfo extends ListenSpec {
  service: string
  state: Listener['state']
}

const proxyLabelSelector = '!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless'
const sliceLabelSelector = `${wellKnown.serviceName},${proxyLabelSelector}`
// The same selectors, for a shared cache that holds every Service and slice.
const serviceSelector = parseLabelSelector(proxyLabelSelector)
const sliceSelector = parseLabelSelector(sliceLabelSelector)
const proxiedService = (s: ServiceObj) => matches(serviceSelector, s.metadata.labels)
const proxiedSlice = (s: SliceObj) => matches(sliceSelector, s.metadata.labels)

const listenKey = (address: string, port: number, protocol?: 'UDP') => `${protocol === 'UDP' ? 'udp/' : ''}${address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`}`

/** Close a datagram socket that may already be closed (a failed bind closes some by itself). */
function closeQuietly(socket: UdpSocket): void {
  try {
    socket.close()
  } catch {
    // already closed
  }
}

/** EACCES on a port below 1024: say what would allow it (logged once per address). */
function listenHint(err: NodeJS.ErrnoException, port: number): string {
  return err.code === 'EACCES' && port < 1024 ? ` (port ${port} needs root, CAP_NET_BIND_SERVICE or net.ipv4.ip_unprivileged_port_start <= ${port})` : ''
}

function validateOptions(opts: ServiceProxyOptions): void {
  if (opts.nodePortAddress !== undefined && (typeof opts.nodePortAddress !== 'string' || opts.nodePortAddress === '')) throw new TypeError('nodePortAddress: must be an IP address')
  if (opts.connectTimeoutsMs !== undefined && (!Array.isArray(opts.connectTimeoutsMs) || opts.connectTimeoutsMs.length === 0 || opts.connectTimeoutsMs.some((t) => !(t > 0))))
    throw new TypeError('connectTimeoutsMs: must be a non-empty list of positive numbers')
  if (opts.resyncMs !== undefined && !(opts.resyncMs > 0)) throw new TypeError('resyncMs: must be a positive number')
  if (opts.httpSniffTimeoutMs !== undefined && !(opts.httpSniffTimeoutMs > 0)) throw new TypeError('httpSniffTimeoutMs: must be a positive number')
  if (opts.httpIdleTimeoutMs !== undefined && !(opts.httpIdleTimeoutMs > 0)) throw new TypeError('httpIdleTimeoutMs: must be a positive number')
}

export class ServiceProxy {
  readonly metrics: ProxyMetrics
  private readonly services: Informer<ServiceObj>
  private readonly slices: Informer<SliceObj>
  private pods: Informer | undefined
  private podHandlers: InformerHandlers<StoredObject> | undefined
  private readonly serviceHandlers: InformerHandlers<ServiceObj>
  private readonly sliceHandlers: InformerHandlers<SliceObj>
  /** Informers of our own (no shared factory), started and stopped with the proxy. */
  private readonly own: Informer[] = []
  private readonly ownRuns: Promise<void>[] = []
  private readonly slicesByService = new Map<string, Set<string>>()
  private readonly serviceOfSlice = new Map<string, string>()
  private readonly state = new Map<string, ServiceState>()
  private readonly listenersByKey = new Map<string, Listener>()
  /** Parsed traffic annotations by Service, with the raw value they came from (malformed: no `compiled`). */
  private readonly policies = new Map<string, { raw: string; compiled?: CompiledPolicy }>()
  /** Services whose annotation names another Service as a backend: other → annotated ones, and back. */
  private readonly dependents = new Map<string, Set<string>>()
  private readonly dependsOn = new Map<string, Set<string>>()
  /** Pods a Service sends traffic to that the pod cache does not hold yet → those Services. */
  private readonly unresolved = new Map<string, Set<string>>()
  private readonly traffic: ProxyTraffic
  private readonly mirrorSender: MirrorSender
  private readonly events: EventRecorder
  private readonly sockets = new Set<Socket>()
  private readonly dirty = new Set<string>()
  /** Services waiting for an address another Service still holds. */
  private readonly blocked = new Set<string>()
  /** Last listen error logged per address, so a retry every resync does not flood the log. */
  private readonly listenErrors = new Map<string, string>()
  private flushScheduled = false
  private synced = false
  private syncWaiters: (() => void)[] = []
  private signal: AbortSignal | undefined
  private stopped = false
  private readonly nodePortAddress: string
  private readonly now: () => number
  private readonly log: ProxyLog | undefined

  constructor(
    private readonly client: Client,
    private readonly opts: ServiceProxyOptions = {},
  ) {
    validateOptions(opts)
    this.nodePortAddress = opts.nodePortAddress ?? '127.0.0.1'
    this.now = opts.now ?? Date.now
    this.log = opts.log
    this.metrics = new ProxyMetrics(opts.registry)
    this.traffic = new ProxyTraffic(this.metrics.registry, this.now)
    this.mirrorSender = new MirrorSender(opts.mirrors)
    this.events = new EventRecorder(client, { component: 'kube-proxy' }, () => new Date(this.now()), (err) => this.log?.error({ err }, 'service proxy event'))
    if (opts.informers) {
      this.services = opts.informers.informer<ServiceObj>(gvrs.services)
      this.slices = opts.informers.informer<SliceObj>(gvrs.endpointSlices)
    } else {
      const onError = (err: unknown) => this.log?.error({ err }, 'service proxy informer')
      this.services = this.ownInformer(new Informer<ServiceObj>(client.resource<ServiceObj>(gvrs.services), { labelSelector: proxyLabelSelector, onError }))
      this.slices = this.ownInformer(new Informer<SliceObj>(client.resource<SliceObj>(gvrs.endpointSlices), { labelSelector: sliceLabelSelector, onError }))
    }
    // Filtered either way: on a shared cache an object that stops matching leaves as a delete, as it
    // does from a label-selected watch (where the filter changes nothing).
    this.serviceHandlers = filtered(proxiedService, {
      add: (s) => this.markDirty(objectKey(s)),
      update: (_, s) => this.markDirty(objectKey(s)),
      delete: (s) => this.markDirty(objectKey(s)),
    })
    this.sliceHandlers = filtered(proxiedSlice, {
      add: (s) => this.indexSlice(s),
      update: (_, s) => this.indexSlice(s),
      delete: (s) => this.unindexSlice(objectKey(s)),
    })
  }

  private ownInformer<T extends StoredObject>(inf: Informer<T>): Informer<T> {
    this.own.push(inf as unknown as Informer)
    return inf
  }

  /** A Service this proxy serves, from the cache. */
  private service(key: string): ServiceObj | undefined {
    const svc = this.services.getByKey(key)
    return svc && proxiedService(svc) ? svc : undefined
  }

  get registry(): Registry {
    return this.metrics.registry
  }

  /** Prometheus text for `/metrics`. */
  metricsText(): Promise<string> {
    return this.metrics.metricsText()
  }

  /** Runs until the signal aborts, then closes every listener and connection. */
  async start(signal: AbortSignal): Promise<void> {
    if (this.signal) throw new Error('service proxy already started')
    this.signal = signal
    const aborted = new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })))
    this.services.on(this.serviceHandlers)
    this.slices.on(this.sliceHandlers)
    for (const inf of this.own) this.ownRuns.push(inf.start(signal))
    this.ensurePods()
    // Like kube-proxy: no rules until both caches are full, so a Service never starts with a
    // partial endpoint list (nor a traffic split without the Pod labels it selects by).
    await Promise.race([Promise.all([this.services.waitForSync(), this.slices.waitForSync(), this.pods!.waitForSync()]), aborted])
    const resync = setInterval(() => this.resync(), this.opts.resyncMs ?? 2000)
    resync.unref()
    if (!signal.aborted) {
      this.synced = true
      for (const s of this.services.list(proxiedService)) this.dirty.add(objectKey(s))
      for (const key of this.state.keys()) this.dirty.add(key)
      this.flush()
      for (const w of this.syncWaiters.splice(0)) w()
    }
    await aborted
    clearInterval(resync)
    this.stopped = true
    // A shared informer outlives us: it must call into a stopped proxy no more.
    this.services.off(this.serviceHandlers)
    this.slices.off(this.sliceHandlers)
    if (this.podHandlers) this.pods?.off(this.podHandlers)
    for (const w of this.syncWaiters.splice(0)) w()
    for (const l of [...this.listenersByKey.values()]) this.closeListener(l)
    for (const st of this.state.values()) for (const ps of st.ports.values()) ps.pool.close()
    this.mirrorSender.close()
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
    await Promise.allSettled(this.ownRuns)
  }

  /** Resolves once the proxy has applied the first full view of Services and EndpointSlices (or stopped). */
  waitForSync(): Promise<void> {
    return this.synced || this.stopped ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r))
  }

  /** Every listener the proxy holds, for diagnostics and tests. */
  listeners(): ListenerInfo[] {
    return [...this.listenersByKey.values()].map((l) => ({ ...l.spec, service: l.svcKey, state: l.state }))
  }

  /** The endpoints that take new connections for a Service port (by name), for diagnostics and tests. */
  backends(svcKey: string, portName = ''): readonly Backend[] {
    return this.state.get(svcKey)?.ports.get(portName)?.balancer.list() ?? []
  }

  /** The traffic report (docs/traffic.md) from this proxy's measurements. */
  trafficReport(q: TrafficQuery): TrafficReport {
    return this.traffic.report(q)
  }

  /** The traffic annotation in force for a Service (`namespace/name`), if it has a valid one. */
  trafficPolicy(svcKey: string): CompiledPolicy | undefined {
    return this.state.get(svcKey)?.policy
  }

  /**
   * Connect to a ready endpoint of a Service port, for the API server's `services/proxy`
   * subresource. `port` is the Service port's number or name (omitted: the unnamed port), as in
   * upstream's ResourceLocation; `id` is the request's `[scheme:]name[:port]` for its messages.
   * Rejects with ServiceDialError (404 / 503, upstream's wording) or the last connect error.
   */
  async dialService(namespace: string, name: string, port?: number | string, opts: { id?: string; clientIp?: string } = {}): Promise<Socket> {
    if (!this.signal) throw new ServiceDialError(503, 'ServiceUnavailable', 'the service proxy is not running')
    await this.waitForSync()
    if (this.stopped) throw new ServiceDialError(503, 'ServiceUnavailable', 'the service proxy is shutting down')
    const key = `${namespace}/${name}`
    const svc = this.service(key)
    let portName = port === undefined ? '' : String(port)
    if (/^-?[0-9]+$/.test(portName)) {
      if (!svc) throw new ServiceDialError(404, 'NotFound', `services "${name}" not found`)
      const n = Number(portName)
      const sp = (svc.spec?.ports ?? []).find((p) => p.port === n)
      if (!sp) throw new ServiceDialError(503, 'ServiceUnavailable', `no service port ${n} found for service "${name}"`)
      portName = sp.name ?? ''
    }
    if (!svc) throw new ServiceDialError(404, 'NotFound', `endpoints "${name}" not found`)
    const st = this.state.get(key)
    const noEndpoints = (forId: boolean) => new ServiceDialError(503, 'ServiceUnavailable', `no endpoints available for service "${forId ? (opts.id ?? name) : name}"`)
    if (!st || [...st.ports.values()].every((p) => p.balancer.size === 0)) throw noEndpoints(false)
    const ps = st.ports.get(portName)
    if (!ps || ps.balancer.size === 0) throw noEndpoints(true)
    const { socket } = await dialEndpoint(this.hooks(st, ps, opts.clientIp ?? ''), { connectTimeoutsMs: this.opts.connectTimeoutsMs }, () => noEndpoints(true))
    return socket
  }

  // ——— informer bookkeeping ———

  private indexSlice(slice: SliceObj): void {
    const key = objectKey(slice)
    const svcName = slice.metadata.labels?.[wellKnown.serviceName]
    const svcKey = svcName ? `${slice.metadata.namespace}/${svcName}` : undefined
    const prev = this.serviceOfSlice.get(key)
    if (prev !== undefined && prev !== svcKey) this.unindexSlice(key)
    if (!svcKey) return
    this.serviceOfSlice.set(key, svcKey)
    let set = this.slicesByService.get(svcKey)
    if (!set) this.slicesByService.set(svcKey, (set = new Set()))
    set.add(key)
    this.markDirty(svcKey)
  }

  private unindexSlice(key: string): void {
    const svcKey = this.serviceOfSlice.get(key)
    if (svcKey === undefined) return
    this.serviceOfSlice.delete(key)
    const set = this.slicesByService.get(svcKey)
    set?.delete(key)
    if (set?.size === 0) this.slicesByService.delete(svcKey)
    this.markDirty(svcKey)
  }

  /**
   * Pods give the ReplicaSet every measurement is grouped by, and the labels selector backends
   * split by: from the shared pod informer, or one of our own.
   */
  private ensurePods(): void {
    if (this.pods || !this.signal) return
    const own = !this.opts.informers
    this.pods = this.opts.informers
      ? this.opts.informers.informer(gvrs.pods)
      : new Informer(this.client.resource(gvrs.pods), { onError: (err) => this.log?.error({ err }, 'service proxy pod informer') })
    // A new Pod matters to Services that split by labels, and to those already sending traffic to
    // it without knowing its ReplicaSet (its slice came first); a Pod that changes labels or owner,
    // to every Service of its namespace (rare). A deleted Pod leaves the slices, which say so.
    const touch = (ns: string | undefined, all: boolean) => {
      for (const [svcKey, st] of this.state) if (st.namespace === ns && (all || st.policy?.selects)) this.markDirty(svcKey)
    }
    const ownerOf = (p: StoredObject) => p.metadata.ownerReferences?.find((r) => r.controller)?.name
    this.podHandlers = {
      add: (p) => {
        touch(p.metadata.namespace, false)
        const key = `${p.metadata.namespace}/${p.metadata.name}`
        for (const svcKey of this.unresolved.get(key) ?? []) this.markDirty(svcKey)
        this.unresolved.delete(key)
      },
      update: (a, b) => {
        if (ownerOf(a) !== ownerOf(b) || JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {})) touch(b.metadata.namespace, true)
      },
      delete: (p) => this.unresolved.delete(`${p.metadata.namespace}/${p.metadata.name}`),
    }
    this.pods.on(this.podHandlers)
    if (own) this.ownRuns.push(this.pods.start(this.signal))
  }

  private markDirty(svcKey: string): void {
    this.dirty.add(svcKey)
    for (const d of this.dependents.get(svcKey) ?? []) this.dirty.add(d)
    if (!this.synced || this.flushScheduled || this.stopped) return
    this.flushScheduled = true
    // Coalesce a burst of events (a slice update per pod during a rollout) into one pass.
    setImmediate(() => this.flush())
  }

  private flush(): void {
    this.flushScheduled = false
    if (this.stopped) return
    const keys = [...this.dirty]
    this.dirty.clear()
    for (const key of keys) {
      try {
        this.syncService(key)
      } catch (err) {
        this.log?.error({ err, service: key }, 'service proxy sync failed')
      }
    }
  }

  // ——— the sync: cache → endpoint lists and listeners ———

  private syncService(svcKey: string): void {
    const svc = this.service(svcKey)
    if (!svc || !isProxied(svc)) {
      for (const ps of this.state.get(svcKey)?.ports.values() ?? []) ps.pool.close()
      this.state.delete(svcKey)
      this.policies.delete(svcKey)
      this.setDependencies(svcKey, [])
      this.syncListeners(svcKey, [])
      return
    }
    const slices: EndpointSlice[] = []
    for (const k of this.slicesByService.get(svcKey) ?? []) {
      const s = this.slices.getByKey(k)
      if (s) slices.push(s)
    }
    const plans = planPorts(svc, slices, { terminatingFallback: this.opts.terminatingFallback })
    const namespace = svc.metadata.namespace ?? ''
    const name = svc.metadata.name ?? ''
    let st = this.state.get(svcKey)
    if (!st) this.state.set(svcKey, (st = { namespace, name, ports: new Map() }))
    const affinity = affinitySeconds(svc)
    const policy = this.policyOf(svc, svcKey)
    st.policy = policy
    this.setDependencies(svcKey, policy ? policy.policy.backends.filter((b) => b.service).map((b) => `${namespace}/${b.service}`) : [])
    const podLabels = (ns: string, podName: string) => this.pods?.get(ns, podName)?.metadata.labels
    const seen = new Set<string>()
    for (const plan of plans) {
      seen.add(plan.name)
      let ps = st.ports.get(plan.name)
      if (!ps) st.ports.set(plan.name, (ps = { plan, balancer: new PortBalancer({ now: this.now }), stats: this.metrics.servicePort(namespace, name, plan.port), pool: new EndpointPool({ idleTimeoutMs: this.opts.httpIdleTimeoutMs }) }))
      ps.plan = plan
      if (ps.stats.labels.port !== String(plan.port)) ps.stats = this.metrics.servicePort(namespace, name, plan.port)
      ps.balancer.setAffinity(affinity)
      if (policy) {
        const assigned = assignBackends(policy.policy, plan.backends, (other) => this.portBackends(`${namespace}/${other}`, plan), podLabels)
        ps.balancer.setBackends(this.withTargets(assigned, namespace, name, policy))
        ps.balancer.setWeights(policy.weights)
        ps.balancer.setClientIpHash(policy.clientIP)
      } else {
        ps.balancer.setBackends(this.withTargets(plan.backends, namespace, name))
        ps.balancer.setWeights(undefined)
        ps.balancer.setClientIpHash(false)
      }
      // An endpoint that left the ready set (terminating, not ready, gone) gets no new request:
      // its idle connections close now; busy ones close when their response is complete.
      const balancer = ps.balancer
      ps.pool.retain((key) => balancer.has(key))
    }
    for (const [portName, ps] of [...st.ports]) {
      if (seen.has(portName)) continue
      ps.pool.close()
      st.ports.delete(portName)
    }
    this.syncListeners(svcKey, listenSpecs(svc, this.nodePortAddress).filter((l) => l.kind !== 'ClusterIP' || this.opts.clusterIPs !== false))
  }

  /**
   * The Service's traffic annotation, parsed once per value. A malformed one counts as none (the
   * Service balances over its own endpoints) and gets a Warning Event naming the bad field.
   */
  private policyOf(svc: ServiceObj, svcKey: string): CompiledPolicy | undefined {
    const raw = svc.metadata.annotations?.[trafficAnnotation]
    if (raw === undefined) {
      this.policies.delete(svcKey)
      return undefined
    }
    const cached = this.policies.get(svcKey)
    if (cached && cached.raw === raw) return cached.compiled
    const parsed = trafficPolicyOf(svc.metadata.annotations)
    if (parsed instanceof TrafficAnnotationError || !parsed) {
      this.policies.set(svcKey, { raw })
      const message = `Invalid ${trafficAnnotation} annotation: ${parsed?.message ?? 'missing'}; traffic is balanced over the Service's own endpoints`
      this.log?.info?.({ service: svcKey }, message)
      this.events.event(svc, 'Warning', invalidTrafficAnnotationReason, message)
      return undefined
    }
    const compiled = new CompiledPolicy(parsed)
    this.policies.set(svcKey, { raw, compiled })
    return compiled
  }

  private setDependencies(svcKey: string, others: string[]): void {
    for (const o of this.dependsOn.get(svcKey) ?? []) {
      const set = this.dependents.get(o)
      set?.delete(svcKey)
      if (set?.size === 0) this.dependents.delete(o)
    }
    if (others.length === 0) {
      this.dependsOn.delete(svcKey)
      return
    }
    this.dependsOn.set(svcKey, new Set(others))
    for (const o of others) {
      let set = this.dependents.get(o)
      if (!set) this.dependents.set(o, (set = new Set()))
      set.add(svcKey)
    }
  }

  /** The ready endpoints of another Service for the same port (by name, else by number), for a `service` backend. */
  private portBackends(otherKey: string, plan: PortPlan): Backend[] | undefined {
    const other = this.service(otherKey)
    if (!other) return undefined
    const slices: EndpointSlice[] = []
    for (const k of this.slicesByService.get(otherKey) ?? []) {
      const s = this.slices.getByKey(k)
      if (s) slices.push(s)
    }
    const plans = planPorts(other, slices, { terminatingFallback: this.opts.terminatingFallback }).filter((p) => p.protocol === plan.protocol)
    const match = (plan.name ? plans.find((p) => p.name === plan.name) : undefined) ?? plans.find((p) => p.port === plan.port)
    return match?.backends
  }

  /** Copies of `backends` that say who answers through them (the measurements' grouping). */
  private withTargets(backends: Backend[], namespace: string, service: string, policy?: CompiledPolicy): Backend[] {
    return backends.map((b) => {
      if (!b.pod) return b
      const pod = this.pods?.get(b.pod.namespace, b.pod.name)
      if (!pod) {
        const key = `${b.pod.namespace}/${b.pod.name}`
        let set = this.unresolved.get(key)
        if (!set) this.unresolved.set(key, (set = new Set()))
        set.add(`${namespace}/${service}`)
      }
      const owner = pod?.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'ReplicaSet')
      const labels = pod?.metadata.labels ?? {}
      const hash = labels['rollouts-pod-template-hash'] ?? labels['pod-template-hash']
      const target: TrafficTarget = {
        namespace,
        service,
        ...(owner ? { replicaSet: owner.name, ...(hash ? { podTemplateHash: hash } : {}) } : { pod: b.pod.name }),
        ...(policy && b.group !== undefined ? { backend: policy.names[b.group] } : {}),
      }
      return { ...b, target, targetKey: targetKey(target) }
    })
  }

  private syncListeners(svcKey: string, desired: ListenSpec[]): void {
    const want = new Map(desired.map((d) => [listenKey(d.address, d.port, d.protocol), d]))
    const wasBlocked = this.blocked.delete(svcKey)
    let released = false
    for (const l of [...this.listenersByKey.values()]) {
      if (l.svcKey !== svcKey) continue
      const d = want.get(l.key)
      if (!d) {
        this.closeListener(l)
        this.listenErrors.delete(l.key)
        released = true
      } else if (l.state === 'failed') {
        this.closeListener(l) // reopened below
      } else {
        l.spec = d
        want.delete(l.key)
      }
    }
    for (const [key, spec] of want) {
      const held = this.listenersByKey.get(key)
      if (held && held.svcKey !== svcKey) {
        // Another Service still holds the address (an update racing a delete): retried when it
        // lets go, or at the next resync.
        if (!wasBlocked) this.log?.error({ service: svcKey, address: key, heldBy: held.svcKey }, 'service proxy: address already used by another service')
        this.blocked.add(svcKey)
        continue
      }
      this.openListener(key, spec, svcKey)
    }
    if (released) {
      for (const key of this.blocked) this.markDirty(key)
      for (const l of this.listenersByKey.values()) if (l.state === 'failed') this.markDirty(l.svcKey)
    }
  }

  private openListener(key: string, spec: ListenSpec, svcKey: string): void {
    if (spec.protocol === 'UDP') {
      this.openUdpListener(key, spec, svcKey)
      return
    }
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true })
    const l: Listener = { key, spec, svcKey, server, state: 'opening' }
    this.listenersByKey.set(key, l)
    server.on('connection', (s: Socket) => this.onConnection(l, s))
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (l.state === 'opening') {
        l.state = 'failed'
        if (this.listenErrors.get(key) !== err.code) this.log?.error({ err: err.message, service: svcKey, address: key }, `service proxy: cannot listen${listenHint(err, spec.port)}; will retry`)
        this.listenErrors.set(key, err.code ?? err.message)
      } else {
        this.log?.error({ err: err.message, service: svcKey, address: key }, 'service proxy listener error')
      }
    })
    server.listen({ host: spec.address, port: spec.port, exclusive: true }, () => {
      if (l.state === 'closed') {
        server.close() // closed while the bind was under way
        return
      }
      l.state = 'listening'
      this.listenErrors.delete(key)
      this.log?.debug?.({ service: svcKey, address: key }, 'service proxy listening')
    })
  }

  /** A UDP Service port: a socket bound to its address, whose datagrams the relay forwards per client flow. */
  private openUdpListener(key: string, spec: ListenSpec, svcKey: string): void {
    const socket = createSocket({ type: isIP(spec.address) === 6 ? 'udp6' : 'udp4' })
    const l: Listener = { key, spec, svcKey, state: 'opening' }
    const relay = new UdpRelay(socket, () => this.udpHooks(l))
    l.udp = { socket, relay }
    this.listenersByKey.set(key, l)
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (l.state === 'closed') {
        closeQuietly(socket) // closed while the bind was under way, and the bind failed
      } else if (l.state === 'opening') {
        l.state = 'failed'
        relay.close()
        closeQuietly(socket)
        if (this.listenErrors.get(key) !== err.code) this.log?.error({ err: err.message, service: svcKey, address: key }, `service proxy: cannot listen${listenHint(err, spec.port)}; will retry`)
        this.listenErrors.set(key, err.code ?? err.message)
      } else {
        this.log?.error({ err: err.message, service: svcKey, address: key }, 'service proxy listener error')
      }
    })
    socket.bind({ address: spec.address, port: spec.port, exclusive: true }, () => {
      if (l.state === 'closed') {
        socket.close()
        return
      }
      l.state = 'listening'
      this.listenErrors.delete(key)
      this.log?.debug?.({ service: svcKey, address: key }, 'service proxy listening')
    })
  }

  private udpHooks(l: Listener): UdpHooks | undefined {
    const st = l.state === 'closed' || this.stopped ? undefined : this.state.get(l.svcKey)
    const ps = st?.ports.get(l.spec.portName)
    if (!st || !ps) return undefined
    return {
      pick: (clientIp) => ps.balancer.pick(ps.balancer.usesClientIp ? clientIp : ''),
      isCurrent: (b) => ps.balancer.has(b.key),
      service: ps.stats,
      endpoint: (b) => this.metrics.endpoint(st.namespace, st.name, ps.plan.port, b.key, b.pod?.name),
    }
  }

  /** Stop accepting; connections already relayed keep flowing until either side ends them (UDP flows end at once). */
  private closeListener(l: Listener): void {
    const wasOpen = l.state === 'listening' || l.state === 'opening'
    const wasListening = l.state === 'listening'
    l.state = 'closed'
    if (this.listenersByKey.get(l.key) === l) this.listenersByKey.delete(l.key)
    if (wasOpen) l.server?.close(() => {})
    if (l.udp) {
      l.udp.relay.close()
      // A socket still binding is closed by its bind callback or error handler (state is closed now).
      if (wasListening) l.udp.socket.close()
    }
  }

  private resync(): void {
    if (this.stopped || !this.synced) return
    for (const l of this.listenersByKey.values()) if (l.state === 'failed') this.markDirty(l.svcKey)
    for (const key of this.blocked) this.markDirty(key)
    this.metrics.sweep((labels) => {
      const st = this.state.get(`${labels.namespace}/${labels.service}`)
      if (!st) return false
      for (const ps of st.ports.values()) {
        if (String(ps.plan.port) !== labels.port) continue
        return labels.endpoint === undefined || ps.balancer.has(labels.endpoint)
      }
      return false
    }, this.now())
  }

  // ——— connections ———

  private hooks(st: ServiceState, ps: PortState, clientIp: string): DialHooks {
    const log = this.log?.debug ? (obj: Record<string, unknown>, msg: string) => this.log!.debug!({ ...obj, service: `${st.namespace}/${st.name}`, port: ps.plan.port }, msg) : undefined
    return {
      pick: (tried) => ps.balancer.pick(clientIp, tried),
      service: ps.stats,
      endpoint: (b) => this.metrics.endpoint(st.namespace, st.name, ps.plan.port, b.key, b.pod?.name),
      sockets: this.sockets,
      log,
      connected: (b) => {
        if (b.target) this.traffic.recordConnection(b.target, b.targetKey)
      },
    }
  }

  /** Per-request hooks of the HTTP mode: picks and the pool follow the port's current state. */
  private httpHooks(svcKey: string, portName: string, clientIp: string, client: Socket, relay: DialHooks): HttpHooks {
    const current = () => (this.stopped ? undefined : this.state.get(svcKey)?.ports.get(portName))
    return {
      pick: (tried, group) => current()?.balancer.pick(clientIp, tried, group),
      route: (head) => this.route(svcKey, current(), head),
      record: (b, o) => {
        if (b?.target) this.traffic.record(b.target, o, b.targetKey)
      },
      mirror: (b, bytes, method) => {
        this.mirrorSender.send(b, bytes, method, (r) => {
          if (b.target) this.traffic.record(b.target, { status: r.status ?? 502, latencyMs: r.latencyMs, mirrored: true, ...(r.status === undefined ? { failed: true } : {}) }, b.targetKey)
        })
      },
      isCurrent: (b) => current()?.balancer.has(b.key) ?? false,
      pool: () => current()?.pool,
      service: relay.service,
      endpoint: relay.endpoint,
      sockets: relay.sockets,
      log: relay.log,
      tunnel: (data, ended) => this.relay(client, relay, { data, ended, counted: true }),
    }
  }

  /** A request's route under the Service's traffic annotation: header routes, then the sticky cookie; and its mirrors. */
  private route(svcKey: string, ps: PortState | undefined, head: Buffer): RequestRoute | undefined {
    const policy = this.state.get(svcKey)?.policy
    if (!ps || !policy?.readsRequests) return undefined
    const facts = requestFacts(head)
    const route: RequestRoute = {}
    const routed = policy.headerRoute(facts)
    if (routed !== undefined) {
      route.group = routed // header routes win over stickiness, and set no cookie
    } else if (policy.cookie) {
      const stuck = policy.cookieGroup(facts)
      if (stuck !== undefined) route.group = stuck
      route.setCookie = (b) => (b.group !== undefined && b.group !== stuck ? policy.setCookie(b.group) : undefined)
    }
    const mirrors = policy.mirrorGroups(facts)
    if (mirrors.length) route.mirrors = mirrors.map((g) => ps.balancer.pickMirror(g)).filter((b): b is Backend => b !== undefined)
    return route
  }

  private relay(client: Socket, hooks: DialHooks, start: RelayStart): void {
    relayConnection(client, hooks, { connectTimeoutsMs: this.opts.connectTimeoutsMs }, start)
  }

  private onConnection(l: Listener, client: Socket): void {
    client.on('error', () => {}) // until the relay takes over; a reset here must not crash
    const st = l.state === 'closed' || this.stopped ? undefined : this.state.get(l.svcKey)
    const ps = st?.ports.get(l.spec.portName)
    if (!st || !ps) {
      client.destroy()
      return
    }
    // remoteAddress is a getpeername(2) call: only made when affinity needs it.
    const clientIp = ps.balancer.usesClientIp ? (client.remoteAddress ?? '') : ''
    const hooks = this.hooks(st, ps, clientIp)
    const mode = this.opts.httpMode === false ? 'tcp' : trafficMode(ps.plan.appProtocol)
    // No endpoint: reset at once, as upstream's REJECT rule does (the relay counts it).
    if (mode === 'tcp' || ps.balancer.size === 0) {
      this.relay(client, hooks, {})
      return
    }
    this.sockets.add(client)
    client.once('close', () => this.sockets.delete(client))
    const timeout = mode === 'http' ? undefined : (this.opts.httpSniffTimeoutMs ?? 100)
    sniffConnection(client, timeout, ps.stats, (kind, data, ended) => {
      if (kind === 'http') serveHttp(client, data, this.httpHooks(l.svcKey, l.spec.portName, clientIp, client, hooks), { connectTimeoutsMs: this.opts.connectTimeoutsMs })
      else this.relay(client, hooks, { data, ended, counted: true })
    })
  }
}
