// pods/[scheme:]NAME[:PORT]/proxy/<path> and services/[scheme:]NAME[:PORT]/proxy/<path>: a
// transparent HTTP reverse proxy (upstream ProxyREST + UpgradeAwareHandler). The path after
// `/proxy`, the query, the method, the headers (minus hop-by-hop ones and our Authorization) and
// the body go through; so do protocol upgrades (WebSocket), as raw bytes after the request head.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect as netConnect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { connect as tlsConnect } from 'node:tls'
import type { KObject } from '../../apis/meta.js'
import { errors, isStatusError, statusErrorFrom, type StatusError } from '../../apis/status.js'
import type { NodeDialer } from '../../client/node-connection.js'
import type { SubresourceContext, SubresourceHandler, UpgradeHandler } from '../server.js'
import { dialErrorText, podRef, requireNode, type PodView } from './pods.js'

/** `[scheme:]name[:port]` as upstream's SplitSchemeNamePort reads it; undefined if invalid. */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':')
  let scheme = ''
  let name: string
  let port = ''
  if (parts.length === 1) name = parts[0]
  else if (parts.length === 2) [name, port] = parts
  else if (parts.length === 3) [scheme, name, port] = parts
  else return undefined
  if (!name || !['', 'http', 'https'].includes(scheme)) return undefined
  return { scheme, name, port }
}

/**
 * The raw path after `/proxy` in the request URL (`''`, `/`, `/a/b/`), or undefined if the
 * URL's segment after the name is not `proxy`. Segments: /api/v1[/namespaces/NS]/RES/NAME/proxy/...
 */
export function proxySubpath(rawUrl: string, group: string, namespaced: boolean): string | undefined {
  const path = rawUrl.split('?')[0]
  const segs = path.split('/')
  const idx = 1 + (group === '' ? 2 : 3) + (namespaced ? 2 : 0) + 2
  if (segs[idx] !== 'proxy') return undefined
  const rest = segs.slice(idx + 1)
  return rest.length === 0 ? '' : '/' + rest.join('/')
}

/** Where a proxied request goes. */
export interface ProxyTarget {
  scheme: 'http' | 'https'
  /** Opens the TCP connection (through the node for pods, to an endpoint for services); host is `ip:port` as the backend sees it. */
  dial(): Promise<{ socket: Duplex; host: string }>
}

/**
 * Opens a connection to one ready endpoint of `services/NAME[:PORT]` (port: a service port
 * name, a service port number, or '' for the unnamed port). Rejects, for API-level failures,
 * with an error carrying the HTTP `code` and Status `reason` (the service proxy's
 * ServiceDialError, or a StatusError: 404 not found, 503 no endpoints / no such port), or with
 * the socket error of a failed connect (`address`/`port` set, as node:net sets them).
 */
export type ServiceDialer = (target: { namespace: string; name: string; port: string }) => Promise<Duplex>

/** A TCP connection, resolved once connected. */
export function tcpConnect(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port })
    s.once('connect', () => {
      s.off('error', reject)
      resolve(s)
    })
    s.once('error', reject)
  })
}

interface EndpointsView {
  subsets?: { addresses?: { ip: string }[]; ports?: { name?: string; port: number }[] }[]
}

/**
 * The upstream service proxy resolution (pkg/registry/core/service/storage ResourceLocation) over
 * Endpoints: a numeric port is mapped to the service port's name, then a random ready address of
 * a subset carrying that port name is picked.
 */
export function endpointsServiceDialer(deps: {
  getService(namespace: string, name: string): Promise<KObject>
  getEndpoints(namespace: string, name: string): Promise<KObject>
  connect?: (host: string, port: number) => Promise<Duplex>
  random?: () => number
}): ServiceDialer {
  const connect = deps.connect ?? tcpConnect
  const random = deps.random ?? Math.random
  const pick = <T>(xs: T[]): number => Math.floor(random() * xs.length) % xs.length
  return async ({ namespace, name, port }) => {
    let portName = port
    if (/^\d+$/.test(port)) {
      const svc = (await deps.getService(namespace, name)) as { spec?: { ports?: { name?: string; port: number }[] } }
      const sp = (svc.spec?.ports ?? []).find((p) => p.port === Number(port))
      if (!sp) throw errors.serviceUnavailable(`no service port ${Number(port)} found for service ${JSON.stringify(name)}`)
      portName = sp.name ?? ''
    }
    let eps: EndpointsView
    try {
      eps = (await deps.getEndpoints(namespace, name)) as EndpointsView
    } catch (err) {
      if (isStatusError(err, 'NotFound')) throw errors.notFound({ group: '', resource: 'endpoints' }, name)
      throw err
    }
    const subsets = eps.subsets ?? []
    if (subsets.length === 0) throw errors.serviceUnavailable(`no endpoints available for service ${JSON.stringify(name)}`)
    const seed = pick(subsets)
    for (let i = 0; i < subsets.length; i++) {
      const ss = subsets[(seed + i) % subsets.length]
      const addrs = ss.addresses ?? []
      if (addrs.length === 0) continue
      const p = (ss.ports ?? []).find((x) => (x.name ?? '') === portName)
      if (!p) continue
      const ip = addrs[pick(addrs)].ip
      return connect(ip, p.port)
    }
    throw errors.serviceUnavailable(`no endpoints available for service ${JSON.stringify(name)}`)
  }
}

const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

/** Request headers for the backend: hop-by-hop ones and our bearer token stay here (upstream's authn filter drops Authorization). */
export function backendHeaders(req: IncomingMessage, host: string, keepUpgrade: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  const connectionTokens = new Set(String(req.headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()))
  for (const [k, v] of Object.entries(req.headers as IncomingHttpHeaders)) {
    if (v === undefined || k === 'authorization' || k === 'host') continue
    if (!keepUpgrade && (hopByHop.has(k) || connectionTokens.has(k))) continue
    if (keepUpgrade && k !== 'connection' && k !== 'upgrade' && (hopByHop.has(k) || connectionTokens.has(k))) continue
    out[k] = v
  }
  out.host = host
  const client = req.socket.remoteAddress
  if (client) {
    const prior = req.headers['x-forwarded-for']
    out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client
  }
  return out
}

/**
 * Upstream's proxy error: 500 with no reason, `error trying to reach service: <dial error>`; an
 * error that already says its HTTP code and reason (not found, no endpoints) goes out as it is.
 */
export function reachError(err: unknown, host?: string): StatusError {
  if (isStatusError(err)) return err
  const e = err as { code?: unknown; reason?: unknown; message?: unknown; address?: string; port?: number }
  if (typeof e?.code === 'number' && typeof e.reason === 'string' && typeof e.message === 'string') {
    return statusErrorFrom(e.code, e.reason, e.message)
  }
  const i = host?.lastIndexOf(':') ?? -1
  return statusErrorFrom(500, undefined, `error trying to reach service: ${dialErrorText(err, e?.address ?? host?.slice(0, i) ?? '', e?.port ?? host?.slice(i + 1) ?? '')}`)
}

async function openBackend(target: ProxyTarget): Promise<{ socket: Duplex; host: string }> {
  let opened: { socket: Duplex; host: string }
  try {
    opened = await target.dial()
  } catch (err) {
    throw reachError(err)
  }
  if (target.scheme === 'https') {
    // Pods and endpoints serve self-signed certificates; upstream's proxy transport does not verify them either.
    const tls = tlsConnect({ socket: opened.socket, rejectUnauthorized: false })
    await new Promise<void>((resolve, reject) => {
      tls.once('secureConnect', () => resolve())
      tls.once('error', (err) => reject(reachError(err, opened.host)))
    })
    return { socket: tls, host: opened.host }
  }
  return opened
}

/** Rewrites a backend redirect to the backend itself so it points back through the proxy path. */
export function rewriteLocation(location: string, backend: { scheme: string; host: string }, prefix: string): string {
  let u: URL
  try {
    u = new URL(location, `${backend.scheme}://${backend.host}/`)
  } catch {
    return location
  }
  if (u.host !== backend.host) return location
  return `${prefix}${u.pathname}${u.search}${u.hash}`
}

/** Relays one HTTP request to the backend and its response back. */
export async function proxyHTTP(req: IncomingMessage, res: ServerResponse, target: ProxyTarget, path: string, prefix: string): Promise<void> {
  const { socket: sock, host } = await openBackend(target)
  await new Promise<void>((resolve) => {
    const out = httpRequest({ method: req.method, path, headers: backendHeaders(req, host, false), createConnection: () => sock as Socket })
    out.on('response', (back) => {
      const headers: Record<string, string | string[]> = {}
      for (const [k, v] of Object.entries(back.headers)) if (v !== undefined && !hopByHop.has(k) && k !== 'connection') headers[k] = v
      if (typeof headers.location === 'string') headers.location = rewriteLocation(headers.location, { scheme: target.scheme, host }, prefix)
      res.writeHead(back.statusCode ?? 502, back.statusMessage, headers)
      back.pipe(res)
      back.on('end', resolve)
      back.on('error', () => {
        res.destroy()
        resolve()
      })
    })
    out.on('error', (err) => {
      if (!res.headersSent) {
        const status = reachError(err, host).status
        res.writeHead(status.code, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify(status))
      } else res.destroy()
      resolve()
    })
    res.on('close', () => {
      if (!res.writableFinished) out.destroy()
      sock.destroy()
      resolve()
    })
    req.pipe(out)
  })
}

/** Relays an upgrade request (WebSocket...) as raw bytes: the request head, then both directions. */
export async function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ProxyTarget, path: string): Promise<void> {
  const { socket: back, host } = await openBackend(target)
  const headers = backendHeaders(req, host, true)
  let headText = `${req.method} ${path} HTTP/1.1\r\n`
  for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v]) headText += `${k}: ${one}\r\n`
  back.write(headText + '\r\n')
  if (head.length > 0) back.write(head)
  back.pipe(socket)
  socket.pipe(back)
  await new Promise<void>((resolve) => {
    const done = () => {
      back.destroy()
      socket.destroy()
      resolve()
    }
    back.once('close', done)
    socket.once('close', done)
    back.on('error', done)
    socket.on('error', done)
  })
}

/** `/…/proxy` without a path: upstream's 301 to the same URL with a trailing slash. */
function redirectToSlash(res: ServerResponse, rawUrl: string): void {
  const [p, q] = rawUrl.split('?', 2)
  res.writeHead(301, { Location: `${p}/${q !== undefined ? `?${q}` : ''}`, 'Content-Length': '0' })
  res.end()
}

function queryOf(rawUrl: string): string {
  const i = rawUrl.indexOf('?')
  return i < 0 ? '' : rawUrl.slice(i)
}

/** pods: the pod's IP and port (the given one, a container port by name, else the first container port, else 80), dialled through its node. */
async function podTarget(dialer: NodeDialer, ctx: { store: SubresourceContext['store']; target: SubresourceContext['target'] }): Promise<ProxyTarget> {
  const id = ctx.target.name ?? ''
  const parsed = splitSchemeNamePort(id)
  if (!parsed) throw errors.badRequest(`invalid pod request ${JSON.stringify(id)}`)
  const pod = (await ctx.store.get(ctx.target.namespace, parsed.name)) as PodView
  const containers = pod.spec?.containers ?? []
  let port: number | undefined
  if (parsed.port === '') port = containers.flatMap((c) => c.ports ?? [])[0]?.containerPort ?? 80
  else if (/^\d+$/.test(parsed.port)) port = Number(parsed.port)
  else port = containers.flatMap((c) => c.ports ?? []).find((p) => p.name === parsed.port)?.containerPort
  const ip = pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP
  if (!ip) throw errors.badRequest('address not allowed')
  if (port === undefined || port < 1 || port > 65535) throw statusErrorFrom(500, undefined, `error trying to reach service: dial tcp: lookup port ${parsed.port}: unknown port`)
  const node = requireNode(dialer, pod)
  const ref = podRef(pod)
  const p = port
  return {
    scheme: parsed.scheme === 'https' ? 'https' : 'http',
    dial: async () => {
      try {
        return { socket: await node.portForward(ref, p), host: `${ip}:${p}` }
      } catch (err) {
        throw reachError(err, `${ip}:${p}`)
      }
    },
  }
}

async function serviceTarget(dial: ServiceDialer, ctx: { store: SubresourceContext['store']; target: SubresourceContext['target'] }): Promise<ProxyTarget> {
  const id = ctx.target.name ?? ''
  const parsed = splitSchemeNamePort(id)
  if (!parsed) throw errors.badRequest(`invalid service request ${JSON.stringify(id)}`)
  // The Service must exist (upstream reads it, or its Endpoints, first).
  await ctx.store.get(ctx.target.namespace, parsed.name)
  const namespace = ctx.target.namespace ?? 'default'
  return {
    scheme: parsed.scheme === 'https' ? 'https' : 'http',
    dial: async () => {
      const socket = await dial({ namespace, name: parsed.name, port: parsed.port })
      const s = socket as Partial<Socket>
      return { socket, host: s.remoteAddress && s.remotePort ? `${s.remoteAddress}:${s.remotePort}` : `${parsed.name}.${namespace}.svc` }
    },
  }
}

function proxyPrefix(rawUrl: string, subpath: string): string {
  const p = rawUrl.split('?')[0]
  return p.slice(0, p.length - subpath.length)
}

const proxyMethods = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'])

function handlers(resolve: (ctx: { store: SubresourceContext['store']; target: SubresourceContext['target'] }) => Promise<ProxyTarget>, resource: 'pods' | 'services'): { subresource: SubresourceHandler; upgrade: UpgradeHandler } {
  const kind = resource === 'pods' ? 'PodProxyOptions' : 'ServiceProxyOptions'
  const subresource: SubresourceHandler = {
    info: { name: `${resource}/proxy`, responseKind: { group: '', version: 'v1', kind }, verbs: ['create', 'delete', 'get', 'patch', 'update'] },
    async handle(ctx) {
      if (!proxyMethods.has(ctx.req.method ?? '')) throw errors.methodNotAllowed()
      const raw = ctx.req.url ?? '/'
      const sub = proxySubpath(raw, ctx.target.group, ctx.target.namespace !== undefined)
      if (sub === undefined) throw errors.pathNotFound()
      const target = await resolve(ctx)
      if (sub === '') return redirectToSlash(ctx.res, raw)
      await proxyHTTP(ctx.req, ctx.res, target, sub + queryOf(raw), proxyPrefix(raw, sub))
    },
  }
  const upgrade: UpgradeHandler = async (ctx) => {
    const raw = ctx.req.url ?? '/'
    const sub = proxySubpath(raw, ctx.target.group, ctx.target.namespace !== undefined)
    if (sub === undefined) throw errors.pathNotFound()
    const target = await resolve(ctx)
    await proxyUpgrade(ctx.req, ctx.socket, ctx.head, target, (sub || '/') + queryOf(raw))
  }
  return { subresource, upgrade }
}

export function podProxyHandlers(dialer: NodeDialer): { subresource: SubresourceHandler; upgrade: UpgradeHandler } {
  return handlers((ctx) => podTarget(dialer, ctx), 'pods')
}

export function serviceProxyHandlers(dial: ServiceDialer): { subresource: SubresourceHandler; upgrade: UpgradeHandler } {
  return handlers((ctx) => serviceTarget(dial, ctx), 'services')
}
