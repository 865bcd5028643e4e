// kubelite's Ingress controller: serves the Ingresses of the IngressClasses whose controller is
// `kubelite.io/ingress-controller` on one loopback port, HTTP and HTTPS alike (the first byte of a
// connection tells: 0x16 opens a TLS handshake). Everything it acts on — Ingresses, classes,
// Services, TLS Secrets — it learns by watching the API, so it can run in another process.
//
// A matched request (match.ts) goes to the backend Service's ClusterIP and port, that is through
// the Service proxy (proxy.ts), so it reaches the Service's ready endpoints with everything the
// proxy does per request: the `kubelite.io/traffic` weights, header routes, stickiness, mirrors,
// and the traffic report's measurements. Headers pass with X-Forwarded-For/-Host/-Proto and
// X-Real-IP added, as ingress-nginx adds them. No match: 404 with ingress-nginx's default page.
import { Agent, createServer as createHttpServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { createSecureContext, createServer as createTlsServer, type SecureContext, type TLSSocket } from 'node:tls'
import type { Service, Secret } from 'kubernetes-types/core/v1.js'
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { isAlreadyExists, isConflict, isNotFound } from '../../client/errors.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import { byNamespace, Informer, objectKey, type InformerHandlers } from '../../client/informer.js'
import type { Client, GVR } from '../../client/types.js'
import { compileRoutes, hostName, matchRequest, type IngressLike, type MatchedBackend, type RouteTable } from './match.js'

export const ingressController = 'kubelite.io/ingress-controller'
export const ingressClassName = 'kubelite'
const isDefaultClassAnnotation = 'ingressclass.kubernetes.io/is-default-class'
const classAnnotation = 'kubernetes.io/ingress.class'
/** The address written into status.loadBalancer.ingress, which `kubectl get ingress` shows. */
const statusAddress = '127.0.0.1'

const ingressGVR: GVR = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' }
const classGVR: GVR = { group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses' }

type IngressObj = StoredObject & IngressLike & { status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } }
type ClassObj = StoredObject & { spec?: { controller?: string } }
type ServiceObj = StoredObject & Service
type SecretObj = StoredObject & Secret
type SliceObj = StoredObject & EndpointSlice

export interface IngressLog {
  info?(obj: unknown, msg?: string): void
  error(obj: unknown, msg?: string): void
}

export interface IngressProxyOptions {
  /** The listener's port (0: a free one, the default) and address (default 127.0.0.1). */
  port?: number
  host?: string
  /** The process's shared informers; without them the controller watches on its own. */
  informers?: InformerFactory
  log?: IngressLog
  /** The certificate for TLS clients whose server name no Ingress lists (or that send none), PEM; used once it resolves. */
  defaultCertificate?: Promise<{ cert: string; key: string }>
}

/** ingress-nginx's answers, as nginx words them (its name swapped for kubelite's). */
function page(code: number, text: string): string {
  return `<html>\r\n<head><title>${code} ${text}</title></head>\r\n<body>\r\n<center><h1>${code} ${text}</h1></center>\r\n<hr><center>kubelite</center>\r\n</body>\r\n</html>\r\n`
}

/** The headers ingress-nginx adds for the backend. */
function forwarded(req: IncomingMessage): Record<string, string> {
  const clientIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')
  const prior = req.headers['x-forwarded-for']
  return {
    'x-forwarded-for': prior ? `${String(prior)}, ${clientIp}` : clientIp,
    'x-real-ip': clientIp,
    'x-forwarded-host': req.headers.host ?? '',
    'x-forwarded-proto': (req.socket as TLSSocket).encrypted === true ? 'https' : 'http',
  }
}

/** An answer written straight to a socket (an Upgrade request that cannot be carried). */
function rawAnswer(socket: Socket, code: number, text: string): void {
  const body = page(code, text)
  socket.end(`HTTP/1.1 ${code} ${text}\r\ncontent-type: text/html\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
}

const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'])

export class IngressProxy {
  private readonly ingresses: Informer<IngressObj>
  private readonly classes: Informer<ClassObj>
  private readonly services: Informer<ServiceObj>
  private readonly secrets: Informer<SecretObj>
  private readonly slices: Informer<SliceObj>
  private readonly own: Informer[] = []
  private readonly handlers: [Informer<StoredObject>, InformerHandlers<StoredObject>][] = []
  private table: RouteTable | undefined
  private readonly contexts = new Map<string, { rv: string; ctx: SecureContext }>()
  private readonly agent = new Agent({ keepAlive: true, maxFreeSockets: 64 })
  private readonly sockets = new Set<Socket>()
  private readonly statusQueue = new Set<string>()
  private statusRunning = false
  private server: Server | undefined
  private readonly log: IngressLog | undefined

  constructor(
    private readonly client: Client,
    private readonly opts: IngressProxyOptions = {},
  ) {
    this.log = opts.log
    const informer = <T extends StoredObject>(gvr: GVR): Informer<T> => {
      if (opts.informers) return opts.informers.informer<T>(gvr)
      const inf = new Informer<T>(client.resource<T>(gvr), { onError: (err) => this.log?.error({ err }, 'ingress informer') }).addIndex('namespace', byNamespace)
      this.own.push(inf as unknown as Informer)
      return inf
    }
    this.ingresses = informer<IngressObj>(ingressGVR)
    this.classes = informer<ClassObj>(classGVR)
    this.services = informer<ServiceObj>(gvrs.services)
    this.secrets = informer<SecretObj>(gvrs.secrets)
    this.slices = informer<SliceObj>(gvrs.endpointSlices)
    const routesChanged = () => {
      this.table = undefined
    }
    const onIngress = (i: IngressObj) => {
      routesChanged()
      this.enqueueStatus(objectKey(i))
    }
    this.watch(this.ingresses, { add: onIngress, update: (_, i) => onIngress(i), delete: routesChanged })
    this.watch(this.classes, {
      add: () => this.classesChanged(),
      update: () => this.classesChanged(),
      delete: () => this.classesChanged(),
    })
    this.watch(this.secrets, { add: () => {}, update: (_, s) => this.contexts.delete(objectKey(s)), delete: (s) => this.contexts.delete(objectKey(s)) })
  }

  private watch<T extends StoredObject>(inf: Informer<T>, h: InformerHandlers<T>): void {
    this.handlers.push([inf as unknown as Informer<StoredObject>, h as unknown as InformerHandlers<StoredObject>])
  }

  private classesChanged(): void {
    this.table = undefined
    for (const i of this.ingresses.list()) this.enqueueStatus(objectKey(i))
  }

  /** The bound address (after start resolved `listening`). */
  address(): { host: string; port: number } | undefined {
    const a = this.server?.address() as AddressInfo | null | undefined
    return a ? { host: a.address, port: a.port } : undefined
  }

  /** Binds the listener (before start, so `up` can print the port and fail early on a clash). */
  async listen(): Promise<{ host: string; port: number }> {
    const host = this.opts.host ?? '127.0.0.1'
    const port = this.opts.port ?? 0
    const http = createHttpServer({ keepAlive: true }, (req, res) => this.serve(req, res))
    http.on('clientError', (_err, socket) => socket.destroy())
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head))
    const tls = createTlsServer({ SNICallback: (name, cb) => cb(null, this.contextFor(name)) }, (s: TLSSocket) => http.emit('connection', s))
    tls.on('tlsClientError', () => {})
    this.opts.defaultCertificate?.then(
      (c) => tls.setSecureContext({ cert: c.cert, key: c.key }),
      (err: Error) => this.log?.error({ err: err.message }, 'ingress: no fallback certificate'),
    )
    const server = createServer((socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
      socket.on('error', () => socket.destroy())
      socket.once('data', (first: Buffer) => {
        socket.pause()
        socket.unshift(first)
        // A TLS record of type handshake (0x16) starts every TLS connection; HTTP starts with a letter.
        ;(first[0] === 0x16 ? tls : http).emit('connection', socket)
        process.nextTick(() => socket.resume())
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (err) => this.log?.error({ err: err.message }, 'ingress listener error'))
    this.server = server
    return this.address()!
  }

  /** Runs until the signal aborts: makes sure the `kubelite` IngressClass exists, then serves. */
  async start(signal: AbortSignal): Promise<void> {
    if (!this.server) await this.listen()
    for (const [inf, h] of this.handlers) inf.on(h)
    const runs = this.own.map((inf) => inf.start(signal))
    await this.ensureClass().catch((err) => this.log?.error({ err: (err as Error).message }, 'ingress: cannot create the kubelite IngressClass'))
    await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })))
    for (const [inf, h] of this.handlers) inf.off(h)
    // Stop accepting, then end every connection (kept-alive clients would hold close() forever).
    const closed = new Promise<void>((r) => this.server!.close(() => r()))
    for (const s of this.sockets) s.destroy()
    await closed
    this.agent.destroy()
    await Promise.allSettled(runs)
  }

  /** The IngressClass kubelite answers for, the cluster's default (as an ingress-nginx install makes its own). */
  private async ensureClass(): Promise<void> {
    try {
      await this.client.resource(classGVR).create(undefined, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: ingressClassName, annotations: { [isDefaultClassAnnotation]: 'true' }, labels: { 'app.kubernetes.io/managed-by': 'kubelite' } },
        spec: { controller: ingressController },
      })
    } catch (err) {
      if (!isAlreadyExists(err)) throw err
    }
  }

  // ——— which Ingresses are ours ———

  /** Whether kubelite serves this Ingress: its class (field, else the old annotation) is one of kubelite's; no class: kubelite's class is the default. */
  served(ing: IngressObj): boolean {
    const name = (ing.spec as { ingressClassName?: string } | undefined)?.ingressClassName ?? ing.metadata.annotations?.[classAnnotation]
    if (name !== undefined) return this.classes.get(undefined, name)?.spec?.controller === ingressController
    return this.classes.list().some((c) => c.spec?.controller === ingressController && c.metadata.annotations?.[isDefaultClassAnnotation] === 'true')
  }

  private routes(): RouteTable {
    this.table ??= compileRoutes(this.ingresses.list((i) => this.served(i)))
    return this.table
  }

  // ——— status ———

  private enqueueStatus(key: string): void {
    this.statusQueue.add(key)
    if (!this.statusRunning) void this.drainStatus()
  }

  private async drainStatus(): Promise<void> {
    this.statusRunning = true
    try {
      while (this.statusQueue.size) {
        const key = this.statusQueue.values().next().value as string
        this.statusQueue.delete(key)
        const ing = this.ingresses.getByKey(key)
        if (!ing || !this.served(ing)) continue
        const current = ing.status?.loadBalancer?.ingress ?? []
        if (current.length === 1 && current[0].ip === statusAddress && !current[0].hostname) continue
        try {
          await this.client.resource<IngressObj>(ingressGVR).update({ ...structuredClone(ing), status: { loadBalancer: { ingress: [{ ip: statusAddress }] } } }, { subresource: 'status' })
        } catch (err) {
          // A conflict or a deletion: the watch brings the newer object (or none) and requeues it.
          if (!isConflict(err) && !isNotFound(err)) this.log?.error({ err: (err as Error).message, ingress: key }, 'ingress: cannot update status')
        }
      }
    } finally {
      this.statusRunning = false
    }
  }

  // ——— TLS ———

  /** The certificate for a server name: from the Secret an Ingress's spec.tls names for it (precise host, then wildcard). */
  private contextFor(serverName: string): SecureContext | undefined {
    const name = serverName.toLowerCase()
    let wildcard: { ns: string; secret: string } | undefined
    for (const ing of this.ingresses.list((i) => this.served(i))) {
      for (const t of (ing.spec as { tls?: { hosts?: string[]; secretName?: string }[] } | undefined)?.tls ?? []) {
        if (!t.secretName) continue
        for (const h of t.hosts ?? []) {
          const host = h.toLowerCase()
          const ns = ing.metadata.namespace ?? 'default'
          if (host === name) return this.secretContext(ns, t.secretName)
          if (!wildcard && host.startsWith('*.') && name.slice(name.indexOf('.') + 1) === host.slice(2) && name.indexOf('.') > 0) wildcard = { ns, secret: t.secretName }
        }
      }
    }
    return wildcard ? this.secretContext(wildcard.ns, wildcard.secret) : undefined
  }

  private secretContext(namespace: string, name: string): SecureContext | undefined {
    const secret = this.secrets.get(namespace, name)
    const crt = secret?.data?.['tls.crt']
    const key = secret?.data?.['tls.key']
    if (!secret || !crt || !key) return undefined
    const cacheKey = `${namespace}/${name}`
    const rv = secret.metadata.resourceVersion ?? ''
    const cached = this.contexts.get(cacheKey)
    if (cached && cached.rv === rv) return cached.ctx
    try {
      const ctx = createSecureContext({ cert: Buffer.from(crt, 'base64'), key: Buffer.from(key, 'base64') })
      this.contexts.set(cacheKey, { rv, ctx })
      return ctx
    } catch (err) {
      this.log?.error({ err: (err as Error).message, secret: cacheKey }, 'ingress: the TLS Secret does not hold a usable certificate and key')
      return undefined
    }
  }

  // ——— requests ———

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const backend = matchRequest(this.routes(), req.headers.host ?? '', req.url ?? '/')
    if (!backend) return this.answer(res, 404, 'Not Found')
    const target = this.resolve(backend)
    // As ingress-nginx: no such Service or port, or no ready endpoint, is a 503.
    if (!target || !this.hasReadyEndpoint(backend.namespace, backend.service!.name)) return this.answer(res, 503, 'Service Temporarily Unavailable')
    const headers: OutgoingHttpHeaders = {}
    for (const [k, v] of Object.entries(req.headers)) if (!hopByHop.has(k) && v !== undefined) headers[k] = v
    Object.assign(headers, forwarded(req))
    const upstream = httpRequest({ host: target.host, port: target.port, method: req.method, path: req.url, headers, agent: this.agent }, (answer) => {
      const out: OutgoingHttpHeaders = {}
      for (const [k, v] of Object.entries(answer.headers)) if (!hopByHop.has(k) && v !== undefined) out[k] = v
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out)
      answer.pipe(res)
      answer.on('error', () => res.destroy())
    })
    upstream.on('error', () => {
      if (!res.headersSent) this.answer(res, 502, 'Bad Gateway')
      else res.destroy()
    })
    req.pipe(upstream)
  }

  /** The Service address a backend names: its ClusterIP and the port (by number, or by the Service port's name). */
  private resolve(b: MatchedBackend): { host: string; port: number } | undefined {
    if (!b.service) return undefined
    const svc = this.services.get(b.namespace, b.service.name)
    const ip = svc?.spec?.clusterIP
    if (!svc || !ip || ip === 'None') return undefined
    const ports = svc.spec?.ports ?? []
    const p = b.service.port.number ? ports.find((x) => x.port === b.service!.port.number) : ports.find((x) => x.name === b.service!.port.name)
    return p && (p.protocol ?? 'TCP') === 'TCP' ? { host: ip, port: p.port } : undefined
  }

  /**
   * An Upgrade request (WebSocket): the request goes to the Service as it came (plus the
   * X-Forwarded-* headers), then bytes flow both ways until either side closes.
   */
  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy())
    const backend = matchRequest(this.routes(), req.headers.host ?? '', req.url ?? '/')
    if (!backend) return rawAnswer(socket, 404, 'Not Found')
    const target = this.resolve(backend)
    if (!target || !this.hasReadyEndpoint(backend.namespace, backend.service!.name)) return rawAnswer(socket, 503, 'Service Temporarily Unavailable')
    const extra = forwarded(req)
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`]
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (!(req.rawHeaders[i].toLowerCase() in extra)) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
    for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`)
    let connected = false
    const up = connect(target.port, target.host, () => {
      connected = true
      up.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (head.length) up.write(head)
      socket.pipe(up)
      up.pipe(socket)
    })
    this.sockets.add(up)
    up.on('error', () => (connected ? socket.destroy() : rawAnswer(socket, 502, 'Bad Gateway')))
    up.on('close', () => {
      this.sockets.delete(up)
      if (connected) socket.destroy()
    })
    socket.on('close', () => up.destroy())
  }

  /** Whether any EndpointSlice of the Service offers a ready endpoint (the proxy resets connections otherwise). */
  private hasReadyEndpoint(namespace: string, service: string): boolean {
    return this.slices
      .byIndex('namespace', namespace)
      .some((s) => s.metadata.labels?.['kubernetes.io/service-name'] === service && (s.endpoints ?? []).some((e) => e.conditions?.ready !== false))
  }

  private answer(res: ServerResponse, code: number, text: string): void {
    const body = page(code, text)
    res.writeHead(code, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }
}
