// The Kubernetes REST API over node:http(s): routing, authentication, content negotiation,
// discovery, OpenAPI, CRUD, watch, Table output, and the status/scale subresources. Per-kind logic
// lives in registry/; storage behind the Store interface.
import type { TrafficSource } from '../apis/traffic/report.js'
import { parseTrafficRequest, trafficPathPrefix } from './traffic.js'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import { stringify as toYaml } from 'yaml'
import { apiVersionOf, clone, type KObject, type StoredObject } from '../apis/meta.js'
import { errors, isStatusError, StatusError, type Status } from '../apis/status.js'
import { ResourceStore, type Admission, type DeleteOptions, type FieldManager, type FieldValidation, type Patcher, type RestDeps, type WriteOptions } from '../registry/rest.js'
import { allVerbs, type ResourceDef } from '../registry/types.js'
import { isStoreError, type Store } from '../store/types.js'
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroupDoc,
  apiGroupList,
  apiResourceList,
  apiVersions,
  builtInSubresources,
  wantsAggregated,
  type ServedResource,
  type SubresourceInfo,
} from './discovery.js'
import {
  decodeBody,
  mediaType,
  negotiate,
  parsePath,
  queryBool,
  queryInt,
  validateListOptions,
  readBody,
  requestDeadlineMs,
  requestURL,
  type ApiTarget,
  type OutputFormat,
} from './request.js'
import { forbidPath, forbidResource, verbOf, type UserInfo } from './authz.js'
import { impersonate } from './authn/impersonate.js'
import { rbacEscalationAdmission } from './rbac/admission.js'
import { RbacAuthorizer } from './rbac/authorizer.js'
import { answerReview, reviewKeys } from './rbac/reviews.js'
import { userFromClientCertificate } from './authn/x509.js'
import { openapiV2Response } from './openapi-v2-proto.js'
import { parseIncludeObject, toTable } from './table.js'
import { answerHealth, standardChecks, type HealthEndpoint, type ReadinessGate } from './health.js'

/** Who the static tokens (and an API without authentication) act as: kubeadm's admin. */
const clusterAdmin: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'], admin: true }

export const serverVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4+kubelite',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-23T00:00:00Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
}

export interface OpenAPIProvider {
  v3Root(): unknown
  /** `api/v1`, `apis/apps/v1`: the document, or undefined (404). */
  v3Document(groupVersionPath: string): unknown | undefined
  v2(): unknown | undefined
}

/** Everything a subresource handler (log, exec, portforward, proxy, binding...) gets. */
export interface SubresourceContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  target: ApiTarget
  store: ResourceStore
  /** Read and decode the request body (JSON/YAML/protobuf). */
  body(): Promise<unknown>
}

export interface SubresourceHandler {
  info: SubresourceInfo
  handle(ctx: SubresourceContext): Promise<void>
  /** The in-process form of a POST to it (for in-process clients), where it has one. */
  create?(store: ResourceStore, namespace: string | undefined, name: string, body: unknown): Promise<unknown>
}

/** A subresource handled outside api/, keyed `<resource>[.<group>]/<name>`, e.g. `pods/log`. */
export type SubresourceHandlers = Map<string, SubresourceHandler>

/** Handlers for protocol upgrades (exec, portforward), keyed like SubresourceHandlers. */
export type UpgradeHandler = (ctx: { req: IncomingMessage; socket: import('node:stream').Duplex; head: Buffer; url: URL; target: ApiTarget; store: ResourceStore }) => Promise<void>

export interface ApiServerOptions {
  resources: ResourceDef[]
  store: Store
  clock?: () => Date
  /** Bearer tokens accepted. Empty: no authentication (tests of the handler only). */
  tokens?: string[]
  /** Bearer tokens beyond the static ones (service-account JWTs): the user, or undefined when the token is not valid now. */
  authenticateToken?: (token: string) => Promise<UserInfo | undefined>
  admission?: Admission[]
  fieldManager?: FieldManager
  patcher?: Patcher
  unknownFields?: RestDeps['unknownFields']
  typeError?: RestDeps['typeError']
  /** Decodes `application/vnd.kubernetes.protobuf` bodies; `endpoint` is the kind the URL names. Throws StatusError. */
  protobuf?: (body: Buffer, endpoint: { apiVersion: string; kind: string }) => KObject
  openapi?: OpenAPIProvider
  /** The server's readiness gates, listed on /readyz after the standard checks (api/health.ts). */
  readiness?: () => Promise<ReadinessGate[]>
  /** `host:port` clients reach us at (APIVersions.serverAddressByClientCIDRs). */
  serverAddress: string
  subresources?: SubresourceHandlers
  upgrades?: Map<string, UpgradeHandler>
  /** Prometheus text for GET /metrics. */
  metrics?: () => Promise<string>
  /** Deadline of a request that is not long-running, in ms (upstream: --request-timeout, 60 s). */
  requestTimeoutMs?: number
  /** The traffic report at /traffic/v1/... (api/traffic.ts); without it the path is a 404. */
  traffic?: TrafficSource
  /** How often watches with allowWatchBookmarks get a BOOKMARK (default 60 s). */
  bookmarkIntervalMs?: number
  log?: { error(obj: unknown, msg?: string): void; info?(obj: unknown, msg?: string): void }
}

const dryRunValues = new Set(['All'])
/** How much a watch may buffer for a slow client before it waits for the socket. */
const watchBufferBytes = 4 * 1024 * 1024
const fieldValidationValues: FieldValidation[] = ['Ignore', 'Warn', 'Strict']

function subresourceKey(def: ResourceDef, sub: string): string {
  return `${def.group === '' ? def.resource : `${def.resource}.${def.group}`}/${sub}`
}

export class ApiServer {
  private readonly byGVR = new Map<string, ResourceStore>()
  private readonly byGR = new Map<string, ResourceStore>()
  private readonly served: ServedResource[]
  private readonly opts: ApiServerOptions
  private readonly clock: () => Date
  private readonly tokens: Buffer[]
  /** RBAC, when its kinds are served; otherwise only the admin may do more than discovery. */
  private readonly rbac?: RbacAuthorizer
  /** Who each request in flight acts as (for admission and the review kinds). */
  private readonly users = new WeakMap<IncomingMessage, UserInfo>()

  constructor(opts: ApiServerOptions) {
    this.opts = opts
    this.clock = opts.clock ?? (() => new Date())
    this.tokens = (opts.tokens ?? []).map((t) => Buffer.from(t))
    const deps: RestDeps = {
      store: opts.store,
      clock: this.clock,
      admission: [...(opts.admission ?? []), rbacEscalationAdmission({ authorize: (a) => this.rbac!.authorize(a), rulesFor: (u, ns) => this.rbac!.rulesFor(u, ns), policy: () => this.rbac!.policy() })],
      fieldManager: opts.fieldManager,
      patcher: opts.patcher,
      unknownFields: opts.unknownFields,
      typeError: opts.typeError,
    }
    this.deps = deps
    this.served = []
    for (const def of opts.resources) this.register(def)
    const rbacStore = (resource: string) => this.byGR.get(`rbac.authorization.k8s.io/${resource}`)
    const [roles, clusterRoles, roleBindings, clusterRoleBindings] = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].map(rbacStore)
    if (roles && clusterRoles && roleBindings && clusterRoleBindings) {
      this.rbac = new RbacAuthorizer({ roles, clusterRoles, roleBindings, clusterRoleBindings, revision: () => opts.store.currentRevision() })
    }
  }

  private readonly deps: RestDeps
  private servedDefs: ResourceDef[] | undefined

  private register(def: ResourceDef): void {
    const rs = new ResourceStore(def, this.deps)
    this.byGVR.set(`${def.group}/${def.version}/${def.resource}`, rs)
    if (!this.byGR.has(`${def.group}/${def.resource}`)) this.byGR.set(`${def.group}/${def.resource}`, rs)
    const extra = [...(this.opts.subresources ?? new Map()).entries()]
      .filter(([key]) => key.startsWith(`${def.group === '' ? def.resource : `${def.resource}.${def.group}`}/`))
      .map(([, h]) => h.info)
    this.served.push({ def, subresources: [...builtInSubresources(def), ...extra].sort((a, b) => a.name.localeCompare(b.name)) })
    this.servedDefs = undefined
  }

  /**
   * Serves the versions of one kind from now on, replacing whatever was served for its group and
   * resource (a CustomResourceDefinition created or changed): REST paths, discovery and OpenAPI.
   */
  serveKind(defs: ResourceDef[]): void {
    if (!defs.length) return
    this.unserveKind(defs[0].group, defs[0].resource)
    for (const def of defs) this.register(def)
  }

  /** Stops serving every version of group/resource (a CustomResourceDefinition deleted). */
  unserveKind(group: string, resource: string): void {
    for (let i = this.served.length - 1; i >= 0; i--) {
      const def = this.served[i].def
      if (def.group === group && def.resource === resource) {
        this.served.splice(i, 1)
        this.byGVR.delete(`${def.group}/${def.version}/${def.resource}`)
      }
    }
    this.byGR.delete(`${group}/${resource}`)
    this.servedDefs = undefined
  }

  /** The served kinds; the same array until the set changes (OpenAPI documents are cached by it). */
  servedResources(): readonly ResourceDef[] {
    return (this.servedDefs ??= this.served.map((s) => s.def))
  }

  /** The storage for a group and resource (`''`, `pods`), for in-process clients and admission. */
  resource(group: string, resource: string): ResourceStore | undefined {
    return this.byGR.get(`${group}/${resource}`)
  }

  resources(): ResourceStore[] {
    return [...this.byGVR.values()]
  }

  /** A POST to a subresource, in process (`serviceaccounts/token`...). Throws StatusError. */
  async createSubresource(group: string, resource: string, namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<unknown> {
    const rs = this.resource(group, resource)
    const handler = rs ? this.opts.subresources?.get(subresourceKey(rs.def, subresource)) : undefined
    if (!rs || !handler?.create) throw errors.pathNotFound()
    return handler.create(rs, namespace, name, body)
  }

  /** The `scale` subresource in process: GET without `scale`, PUT with it (autoscaling/v1 Scale). Throws StatusError. */
  async scale(group: string, resource: string, namespace: string | undefined, name: string, scale?: KObject, fieldManager?: string): Promise<unknown> {
    const rs = this.resource(group, resource)
    if (!rs?.def.scale) throw errors.pathNotFound()
    if (!scale) return this.toScale(rs.def, await rs.get(namespace, name))
    const obj = await rs.guaranteedUpdate(namespace, name, (current) => this.scaled(rs.def, current, scale, name), { fieldManager, subresource: 'scale' })
    return this.toScale(rs.def, obj)
  }

  /** Discovery facts about every served resource (for in-process clients). */
  resourceInfos(): { group: string; version: string; resource: string; kind: string; namespaced: boolean; verbs: string[] }[] {
    return this.served.map(({ def }) => ({ group: def.group, version: def.version, resource: def.resource, kind: def.kind, namespaced: def.namespaced, verbs: def.verbs ?? allVerbs }))
  }

  // ---- entry points ---------------------------------------------------------------------------

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    // Every request but the long-running ones has a deadline (upstream's --request-timeout, 60 s,
    // or a shorter `timeout` the client asks for): past it the client gets a 504 at once; whatever
    // the handler sends later is dropped.
    let deadline: NodeJS.Timeout | undefined
    try {
      const ms = requestDeadlineMs(req.url ?? '/', this.opts.requestTimeoutMs ?? 60_000)
      if (ms !== undefined) deadline = setTimeout(() => this.sendError(res, errors.timeout('Timeout: request did not complete within requested timeout - context deadline exceeded')), ms)
    } catch (err) {
      this.sendError(res, err)
      return
    }
    this.serve(req, res)
      .catch((err) => this.sendError(res, err))
      .finally(() => clearTimeout(deadline))
  }

  /** Open watches: aborting the controller ends one; the promise settles when its response has. */
  private readonly watches = new Map<AbortController, Promise<void>>()

  /**
   * Ends every open watch cleanly (the response completes, as at its timeoutSeconds), for a
   * shutdown: clients see the end of the stream and watch again elsewhere, as upstream's watches end
   * when kube-apiserver stops. Resolves once every response has been written out.
   */
  async endWatches(): Promise<void> {
    const open = [...this.watches]
    for (const [ac] of open) ac.abort()
    await Promise.all(open.map(([, finished]) => finished))
  }

  readonly handleUpgrade = (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void => {
    this.serveUpgrade(req, socket, head).catch((err) => {
      const status = isStatusError(err) ? err.status : unexpected(err).status
      if (!isStatusError(err)) this.opts.log?.error({ err }, 'upgrade failed')
      const body = JSON.stringify(status)
      socket.end(`HTTP/1.1 ${status.code} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
    })
  }

  /**
   * Who the request acts as: the admin (the static tokens, a system:masters certificate), another
   * user (a certificate, a service account), or nobody (401); then impersonation, if asked.
   */
  private async authenticate(req: IncomingMessage): Promise<UserInfo> {
    return impersonate(await this.authenticateRequester(req), req.headersDistinct, async (requestor, what) => {
      const d = await this.rbac?.authorize({ user: requestor, verb: 'impersonate', resourceRequest: true, apiGroup: what.group, resource: what.resource, subresource: what.subresource, name: what.name, namespace: what.namespace })
      return d?.allowed ?? false
    })
  }

  /** The requester's own identity: a client certificate first (as upstream's union authenticator), then a bearer token. */
  private async authenticateRequester(req: IncomingMessage): Promise<UserInfo> {
    if (this.tokens.length === 0) return clusterAdmin
    const fromCert = userFromClientCertificate(req.socket)
    if (fromCert) return fromCert
    const h = req.headers.authorization
    if (!h || !h.startsWith('Bearer ')) throw errors.unauthorized()
    const token = h.slice(7).trim()
    const given = Buffer.from(token)
    if (this.tokens.some((t) => t.length === given.length && timingSafeEqual(t, given))) return clusterAdmin
    const user = await this.opts.authenticateToken?.(token)
    if (!user) throw errors.unauthorized()
    return user
  }

  /** The admin may do anything; anyone else what RBAC allows (without RBAC: nothing). */
  private async authorizeResource(user: UserInfo, verb: string, t: ApiTarget): Promise<void> {
    if (user.admin) return
    let target = t
    try {
      target = this.resolve(t).target // `/api/v1/namespaces/NAME/status` is the namespace's status
    } catch {
      // an unknown resource is authorized as asked, like upstream (a 403 before any 404)
    }
    // As upstream's RequestInfo: a namespace's own path is in that namespace (`/api/v1/namespaces/NAME`).
    if (target.group === '' && target.resource === 'namespaces' && target.name && !target.namespace) target = { ...target, namespace: target.name }
    const d = await this.rbac?.authorize({ user, verb, resourceRequest: true, namespace: target.namespace, apiGroup: target.group, resource: target.resource, subresource: target.subresource, name: target.name })
    if (!d?.allowed) throw forbidResource(user, verb, target)
  }

  /** A path outside the resources (discovery, OpenAPI, /metrics): RBAC's nonResourceURLs. */
  private async authorizePath(user: UserInfo, method: string, path: string): Promise<void> {
    if (user.admin) return
    const verb = method === 'HEAD' ? 'get' : method.toLowerCase()
    const d = await this.rbac?.authorize({ user, verb, resourceRequest: false, path })
    if (!d?.allowed) throw forbidPath(user, verb, path)
  }

  private async serveUpgrade(req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): Promise<void> {
    const user = await this.authenticate(req)
    const url = requestURL(req)
    const parsed = parsePath(url.pathname)
    if (parsed.kind !== 'target') throw errors.pathNotFound()
    // exec, attach and port-forward are `create` on their subresource (kubectl sends GET or POST).
    await this.authorizeResource(user, 'create', parsed.target)
    const { rs, target } = this.resolve(parsed.target)
    const handler = target.subresource ? this.opts.upgrades?.get(subresourceKey(rs.def, target.subresource)) : undefined
    if (!handler) throw errors.badRequest('the requested resource does not support upgrades')
    await handler({ req, socket, head, url, target, store: rs })
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestURL(req)
    const path = url.pathname
    const method = req.method ?? 'GET'

    if (path === '/healthz' || path === '/livez' || path === '/readyz' || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/')) {
      return this.serveHealth(res, path, url)
    }
    if (path === '/version' || path === '/version/') return this.sendJSON(res, 200, serverVersion)
    const user = await this.authenticate(req)
    this.users.set(req, user)

    if (path.startsWith(trafficPathPrefix)) return this.serveTraffic(res, method, path, url)
    // Every path below is authorized; a target below by resource, anything else by its path.
    const parsed = parsePath(path)
    if (parsed.kind !== 'target') await this.authorizePath(user, method, path)
    if (path === '/metrics' && this.opts.metrics) {
      return this.sendRaw(res, 200, await this.opts.metrics(), 'text/plain; version=0.0.4; charset=utf-8')
    }
    if (path === '/openapi/v3' || path === '/openapi/v3/') return this.serveOpenAPIRoot(res)
    if (path.startsWith('/openapi/v3/')) return this.serveOpenAPIDoc(res, path.slice('/openapi/v3/'.length))
    if (path === '/openapi/v2' || path === '/swagger.json') return this.serveOpenAPIV2(req, res)

    switch (parsed.kind) {
      case 'root':
        if (method !== 'GET') throw errors.methodNotAllowed()
        return this.serveDiscoveryRoot(req, res, parsed.legacy)
      case 'group': {
        if (method !== 'GET') throw errors.methodNotAllowed()
        const doc = apiGroupDoc(this.served, parsed.group)
        if (!doc) throw errors.pathNotFound()
        return this.sendJSON(res, 200, doc)
      }
      case 'groupVersion': {
        if (method !== 'GET') throw errors.methodNotAllowed()
        const doc = apiResourceList(this.served, parsed.group, parsed.version)
        if (!doc) throw errors.pathNotFound()
        return this.sendJSON(res, 200, doc)
      }
      case 'target':
        await this.authorizeResource(user, verbOf(method, parsed.target, queryBool(url.searchParams.get('watch'))), parsed.target)
        return this.serveResource(req, res, url, parsed.target)
      default:
        if (path === '/' && method === 'GET') return this.sendJSON(res, 200, { paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/openapi/v2', '/openapi/v3', '/readyz', '/version', ...this.groupPaths()] })
        throw errors.pathNotFound()
    }
  }

  /** Any authenticated user may read it, like the other non-resource paths beyond /metrics. */
  private async serveTraffic(res: ServerResponse, method: string, path: string, url: URL): Promise<void> {
    if (method !== 'GET') throw errors.methodNotAllowed()
    return this.sendJSON(res, 200, await this.trafficReport(path, url.searchParams))
  }

  private async trafficReport(path: string, params: URLSearchParams): Promise<unknown> {
    const source = this.opts.traffic
    if (!source) throw errors.pathNotFound()
    const q = parseTrafficRequest(path, params)
    if (q.service !== undefined) await this.resource('', 'services')!.get(q.namespace, q.service)
    else await this.resource('', 'namespaces')!.get(undefined, q.namespace)
    return source.report(q)
  }

  /** A GET of a non-resource path for in-process clients (Client.getRaw): the traffic report, or an object's scale. */
  async getRaw(pathAndQuery: string): Promise<unknown> {
    const url = new URL(pathAndQuery, 'http://in-process')
    if (url.pathname.startsWith(trafficPathPrefix)) return this.trafficReport(url.pathname, url.searchParams)
    const parsed = parsePath(url.pathname)
    if (parsed.kind === 'target' && parsed.target.subresource === 'scale' && parsed.target.name) {
      const { rs, target } = this.resolve(parsed.target)
      if (!rs.def.scale) throw errors.pathNotFound()
      return this.toScale(rs.def, await rs.get(target.namespace, target.name!))
    }
    throw errors.pathNotFound()
  }

  private groupPaths(): string[] {
    const out = new Set<string>()
    for (const { def } of this.served) if (def.group) out.add(`/apis/${def.group}`).add(`/apis/${def.group}/${def.version}`)
    return [...out].sort()
  }

  private async serveHealth(res: ServerResponse, path: string, url: URL): Promise<void> {
    const [endpoint, sub] = path.slice(1).split(/\/(.*)/s) as [HealthEndpoint, string | undefined]
    const gates = endpoint === 'readyz' ? await (this.opts.readiness?.() ?? Promise.resolve([])) : []
    const answer = await answerHealth(endpoint, sub || undefined, url.searchParams, standardChecks(endpoint, this.opts.store), gates, (m) => this.opts.log?.info?.({}, m))
    if (!answer) throw errors.pathNotFound()
    res.writeHead(answer.code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache, private' })
    res.end(answer.body)
  }

  private serveDiscoveryRoot(req: IncomingMessage, res: ServerResponse, legacy: boolean): void {
    const aggregated = wantsAggregated(req.headers.accept)
    if (aggregated) {
      const doc = aggregatedDiscovery(this.served, legacy)
      if (aggregated === 'v2beta1') doc.apiVersion = 'apidiscovery.k8s.io/v2beta1'
      return this.sendRaw(res, 200, JSON.stringify(doc), aggregated === 'v2' ? aggregatedContentType : aggregatedContentType.replace('v=v2', 'v=v2beta1'), { Vary: 'Accept' })
    }
    return this.sendJSON(res, 200, legacy ? apiVersions(this.opts.serverAddress) : apiGroupList(this.served), { Vary: 'Accept' })
  }

  private serveOpenAPIRoot(res: ServerResponse): void {
    if (!this.opts.openapi) throw errors.pathNotFound()
    this.sendJSON(res, 200, this.opts.openapi.v3Root())
  }

  private serveOpenAPIDoc(res: ServerResponse, gvPath: string): void {
    const doc = this.opts.openapi?.v3Document(gvPath.replace(/\/$/, ''))
    if (!doc) throw errors.pathNotFound()
    this.sendJSON(res, 200, doc, { 'Cache-Control': 'public, immutable', Expires: new Date(Date.now() + 365 * 864e5).toUTCString() })
  }

  private serveOpenAPIV2(req: IncomingMessage, res: ServerResponse): void {
    const doc = this.opts.openapi?.v2()
    if (!doc) throw errors.pathNotFound()
    const out = openapiV2Response(doc as Record<string, unknown>, { accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'], method: req.method })
    res.writeHead(out.code, { 'Cache-Control': 'no-cache, private', ...out.headers })
    res.end(out.body)
  }

  // ---- resources --------------------------------------------------------------------------------

  private resolve(t: ApiTarget): { rs: ResourceStore; target: ApiTarget } {
    let target = t
    // `/api/v1/namespaces/{name}/{sub}`: the namespace itself, not a namespaced collection.
    if (t.namespace !== undefined && t.group === '' && !this.byGVR.has(`/${t.version}/${t.resource}`)) {
      target = { group: '', version: t.version, resource: 'namespaces', name: t.namespace, subresource: t.resource, subpath: t.name ? `/${t.name}` : undefined }
    }
    const rs = this.byGVR.get(`${target.group}/${target.version}/${target.resource}`)
    if (!rs) throw errors.pathNotFound()
    if (target.namespace !== undefined && !rs.def.namespaced) throw errors.pathNotFound()
    return { rs, target }
  }

  private writeOptions(url: URL, req: IncomingMessage): WriteOptions {
    const dryRun = url.searchParams.getAll('dryRun')
    for (const v of dryRun) if (!dryRunValues.has(v)) throw errors.badRequest(`Invalid dryRun value: ${JSON.stringify(v)}; only "All" is supported`)
    const fv = url.searchParams.get('fieldValidation')
    if (fv !== null && !fieldValidationValues.includes(fv as FieldValidation)) {
      throw errors.badRequest(`fieldValidation: Invalid value: ${JSON.stringify(fv)}: fieldValidation must be one of "Ignore", "Warn", or "Strict"`)
    }
    const fm = url.searchParams.get('fieldManager') ?? undefined
    if (fm !== undefined && fm.length > 128) throw errors.badRequest('fieldManager: Too long: may not be more than 128 bytes')
    const user = this.users.get(req)
    return {
      ...(user ? { user } : {}),
      dryRun: dryRun.length > 0,
      fieldValidation: (fv as FieldValidation | null) ?? undefined,
      fieldManager: fm ?? managerFromUserAgent(req.headers['user-agent']),
      warnings: [],
    }
  }

  /** A protobuf decoder for bodies sent to this kind's endpoint. */
  private protobufFor(def: ResourceDef): ((b: Buffer) => KObject) | undefined {
    const decode = this.opts.protobuf
    return decode ? (b) => decode(b, { apiVersion: apiVersionOf(def.group, def.version), kind: def.kind }) : undefined
  }

  private async readObject(req: IncomingMessage, def: ResourceDef): Promise<KObject> {
    const body = decodeBody(await readBody(req), req.headers['content-type'], this.protobufFor(def))
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the body of the request was not a JSON object')
    return body as KObject
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, url: URL, t: ApiTarget): Promise<void> {
    const { rs, target } = this.resolve(t)
    if (rs.def.deprecationWarning) res.setHeader('Warning', `299 - ${JSON.stringify(rs.def.deprecationWarning)}`)
    const method = req.method ?? 'GET'
    const ns = target.namespace
    const sub = target.subresource

    if (sub && sub !== 'status' && sub !== 'scale' && !rs.def.specSubresources?.[sub]) {
      const handler = this.opts.subresources?.get(subresourceKey(rs.def, sub))
      if (!handler) throw errors.pathNotFound()
      return handler.handle({ req, res, url, target, store: rs, body: async () => decodeBody(await readBody(req), req.headers['content-type'], this.protobufFor(rs.def)) })
    }
    const own = sub ? rs.def.specSubresources?.[sub] : undefined
    if (own && !own.verbs.includes(({ GET: 'get', PUT: 'update', PATCH: 'patch' } as const)[method as 'GET'] ?? 'x')) throw errors.methodNotAllowed()
    if (sub === 'status' && !rs.def.hasStatus) throw errors.pathNotFound()
    if (sub === 'scale' && !rs.def.scale) throw errors.pathNotFound()
    if (rs.def.computed && (sub || method !== 'GET' || queryBool(url.searchParams.get('watch')))) throw errors.methodNotAllowed()

    if (!target.name) {
      if (sub) throw errors.pathNotFound()
      switch (method) {
        case 'GET':
          if (queryBool(url.searchParams.get('watch'))) return this.serveWatch(req, res, url, rs, ns)
          return this.serveList(req, res, url, rs, ns)
        case 'POST': {
          const opts = this.writeOptions(url, req)
          const body = await this.readObject(req, rs.def)
          if (this.rbac && reviewKeys.has(`${rs.def.group}/${rs.def.resource}`)) {
            return this.sendJSON(res, 201, await answerReview(this.rbac, opts.user ?? clusterAdmin, rs.def.group, rs.def.resource, ns, body))
          }
          const obj = await rs.create(ns, body, opts)
          return this.sendObject(req, res, 201, rs.def, obj, opts.warnings)
        }
        case 'DELETE': {
          const del = await this.deleteOptions(req, url)
          const items = await rs.deleteCollection(ns, { labelSelector: url.searchParams.get('labelSelector') ?? undefined, fieldSelector: url.searchParams.get('fieldSelector') ?? undefined }, del)
          return this.sendJSON(res, 200, { kind: rs.def.kind + 'List', apiVersion: apiVersionOf(rs.def.group, rs.def.version), metadata: {}, items })
        }
        default:
          throw errors.methodNotAllowed()
      }
    }

    const name = target.name
    if (sub === 'scale') return this.serveScale(req, res, url, rs, ns, name)
    switch (method) {
      case 'GET': {
        const obj = await rs.get(ns, name)
        return this.sendObject(req, res, 200, rs.def, obj)
      }
      case 'PUT': {
        const opts = this.writeOptions(url, req)
        const body = await this.readObject(req, rs.def)
        const obj = await rs.update(ns, name, body, { ...opts, subresource: sub })
        return this.sendObject(req, res, 200, rs.def, obj, opts.warnings)
      }
      case 'PATCH': {
        const opts = this.writeOptions(url, req)
        const contentType = mediaType(req.headers['content-type'])
        if (!patchTypes.has(contentType)) throw errors.unsupportedPatchType()
        const body = (await readBody(req)).toString('utf8')
        const force = queryBool(url.searchParams.get('force'))
        if (force && contentType !== 'application/apply-patch+yaml') throw errors.badRequest('force: Forbidden: may not be specified for non-apply patch')
        const { object, created } = await rs.patch(ns, name, contentType, body, { ...opts, subresource: sub, force })
        return this.sendObject(req, res, created ? 201 : 200, rs.def, object, opts.warnings)
      }
      case 'DELETE': {
        if (sub) throw errors.methodNotAllowed()
        const del = await this.deleteOptions(req, url)
        const result = await rs.delete(ns, name, del)
        const out = rs.deleteResponse(result)
        return out.kind === 'Status' ? this.sendJSON(res, 200, out) : this.sendObject(req, res, 200, rs.def, out as StoredObject)
      }
      default:
        throw errors.methodNotAllowed()
    }
  }

  private async deleteOptions(req: IncomingMessage, url: URL): Promise<DeleteOptions> {
    const raw = await readBody(req)
    let body: Record<string, unknown> = {}
    if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
      // client-go sends DeleteOptions as protobuf when its clientset speaks protobuf (kubectl drain).
      const protobuf = this.opts.protobuf
      const decoded = decodeBody(raw, req.headers['content-type'] ?? 'application/json', protobuf && ((b) => protobuf(b, { apiVersion: 'v1', kind: 'DeleteOptions' })))
      if (decoded && typeof decoded === 'object') body = decoded as Record<string, unknown>
    }
    const q = url.searchParams
    const dryRun = [...q.getAll('dryRun'), ...((body.dryRun as string[] | undefined) ?? [])]
    for (const v of dryRun) if (!dryRunValues.has(v)) throw errors.badRequest(`Invalid dryRun value: ${JSON.stringify(v)}; only "All" is supported`)
    const policy = (q.get('propagationPolicy') ?? body.propagationPolicy) as DeleteOptions['propagationPolicy']
    if (policy !== undefined && policy !== null && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw errors.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`)
    }
    const grace = queryInt('gracePeriodSeconds', q.get('gracePeriodSeconds')) ?? (body.gracePeriodSeconds as number | undefined)
    const orphan = q.has('orphanDependents') ? queryBool(q.get('orphanDependents')) : (body.orphanDependents as boolean | undefined)
    return {
      gracePeriodSeconds: grace ?? undefined,
      propagationPolicy: policy ?? undefined,
      orphanDependents: orphan ?? undefined,
      preconditions: (body.preconditions as DeleteOptions['preconditions']) ?? undefined,
      dryRun: dryRun.length > 0,
    }
  }

  private async serveList(req: IncomingMessage, res: ServerResponse, url: URL, rs: ResourceStore, ns: string | undefined): Promise<void> {
    const q = url.searchParams
    const format = negotiate(req.headers.accept)
    checkListOptions(q, false)
    const result = await rs.list(ns, {
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
      limit: queryInt('limit', q.get('limit')),
      continue: q.get('continue') || undefined,
      resourceVersion: q.get('resourceVersion') ?? undefined,
      resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
    })
    if (format.kind === 'table') {
      const table = toTable(rs.def, result.items, {
        version: format.version,
        includeObject: parseIncludeObject(q.get('includeObject')),
        now: this.clock(),
        resourceVersion: result.resourceVersion,
        continue: result.continue,
        remainingItemCount: result.remainingItemCount,
      })
      return this.sendJSON(res, 200, table)
    }
    const list = {
      kind: `${rs.def.kind}List`,
      apiVersion: apiVersionOf(rs.def.group, rs.def.version),
      metadata: {
        ...(result.resourceVersion ? { resourceVersion: result.resourceVersion } : {}),
        ...(result.continue ? { continue: result.continue } : {}),
        ...(result.remainingItemCount !== undefined ? { remainingItemCount: result.remainingItemCount } : {}),
      },
      items: result.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
    }
    return this.send(res, 200, list, format)
  }

  private async serveWatch(req: IncomingMessage, res: ServerResponse, url: URL, rs: ResourceStore, ns: string | undefined): Promise<void> {
    const q = url.searchParams
    const format = negotiate(req.headers.accept)
    checkListOptions(q, true)
    const ac = new AbortController()
    res.on('close', () => ac.abort())
    this.watches.set(ac, new Promise<void>((resolve) => (res.once('finish', resolve), res.once('close', resolve))))
    res.once('close', () => this.watches.delete(ac))
    // As upstream's ListResource: no timeoutSeconds (or 0) is the API server's default of
    // minRequestTimeout (1800 s) × [1, 2); a larger one is kept, clamped to what a timer can hold
    // (24.8 days; Node fires a longer one at once).
    const asked = queryInt('timeoutSeconds', q.get('timeoutSeconds')) ?? 0
    const timeoutSeconds = asked === 0 ? 1800 + Math.floor(Math.random() * 1800) : Math.min(asked, maxTimerSeconds)
    const events = rs.watch(
      ns,
      {
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        resourceVersion: q.get('resourceVersion') ?? undefined,
        sendInitialEvents: queryBool(q.get('sendInitialEvents')),
      },
      ac.signal,
    )
    // Validate selectors and resourceVersion before the 200 goes out: pull the first event lazily.
    const first = events.next()
    const firstResult = await Promise.race([first, new Promise<'pending'>((r) => setImmediate(() => r('pending')))])
    res.writeHead(200, { 'Content-Type': format.kind === 'yaml' ? 'application/yaml' : 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' })
    res.flushHeaders()
    const timer = setTimeout(() => ac.abort(), Math.max(0, timeoutSeconds * 1000))
    const apiVersion = apiVersionOf(rs.def.group, rs.def.version)
    let lastRV = q.get('resourceVersion') && q.get('resourceVersion') !== '0' ? q.get('resourceVersion')! : undefined
    let headersSent = false
    // Back-pressure only past a few megabytes: waiting for 'drain' after every small buffer
    // would let a busy watch fall far behind the store (and end in 410 Expired).
    const write = async (type: string, object: unknown): Promise<void> => {
      if (res.destroyed || res.writableEnded) return
      res.write(JSON.stringify({ type, object }) + '\n')
      if (res.writableLength > watchBufferBytes) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve) })
    }
    const bookmarks = queryBool(q.get('allowWatchBookmarks'))
      ? setInterval(() => {
          if (lastRV) void write('BOOKMARK', { kind: rs.def.kind, apiVersion, metadata: { resourceVersion: lastRV } })
        }, this.opts.bookmarkIntervalMs ?? 60_000)
      : undefined
    const render = (obj: StoredObject | Status): unknown => {
      if (format.kind !== 'table' || obj.kind === 'Status') return obj
      const table = toTable(rs.def, [obj as StoredObject], { version: format.version, includeObject: parseIncludeObject(q.get('includeObject')), now: this.clock(), noHeaders: headersSent, resourceVersion: (obj as StoredObject).metadata.resourceVersion })
      headersSent = true
      return table
    }
    try {
      let step = firstResult === 'pending' ? await first : firstResult
      while (!step.done) {
        const ev = step.value
        if (ev.type !== 'ERROR') lastRV = (ev.object as StoredObject).metadata.resourceVersion ?? lastRV
        await write(ev.type, ev.type === 'BOOKMARK' ? ev.object : render(ev.object))
        if (ac.signal.aborted) break
        step = await events.next()
      }
    } catch (err) {
      if (!ac.signal.aborted) {
        const status = isStatusError(err) ? err.status : unexpected(err).status
        if (!isStatusError(err)) this.opts.log?.error({ err }, 'watch failed')
        await write('ERROR', status)
      }
    } finally {
      clearTimeout(timer)
      if (bookmarks) clearInterval(bookmarks)
      ac.abort()
      await events.return?.(undefined)
      if (!res.writableEnded) res.end()
    }
  }

  // ---- scale ----------------------------------------------------------------------------------

  private toScale(def: ResourceDef, obj: StoredObject) {
    const scale = def.scale!
    const m = obj.metadata
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
      spec: { replicas: scale.specReplicas(obj) },
      status: { replicas: scale.statusReplicas(obj), selector: scale.selector(obj) },
    }
  }

  private async serveScale(req: IncomingMessage, res: ServerResponse, url: URL, rs: ResourceStore, ns: string | undefined, name: string): Promise<void> {
    const def = rs.def
    const method = req.method ?? 'GET'
    if (method === 'GET') return this.sendJSON(res, 200, this.toScale(def, await rs.get(ns, name)))
    if (method !== 'PUT' && method !== 'PATCH') throw errors.methodNotAllowed()
    const opts = this.writeOptions(url, req)
    let desired: (current: StoredObject) => KObject
    if (method === 'PUT') {
      const body = await this.readObject(req, scaleDef)
      if (body.kind && body.kind !== 'Scale') throw errors.badRequest(`the kind in the data (${body.kind}) does not match the expected kind (Scale)`)
      desired = (current) => this.scaled(def, current, body, name)
    } else {
      const contentType = mediaType(req.headers['content-type'])
      if (!patchTypes.has(contentType) || contentType === 'application/apply-patch+yaml') throw errors.unsupportedPatchType()
      const patchBody = (await readBody(req)).toString('utf8')
      const patcher = this.opts.patcher
      if (!patcher) throw errors.unsupportedPatchType()
      desired = (current) => this.scaled(def, current, patcher(scaleDef, contentType, this.toScale(def, current), patchBody), name)
    }
    const obj = await rs.guaranteedUpdate(ns, name, desired, { ...opts, subresource: 'scale' })
    return this.sendJSON(res, 200, this.toScale(def, obj))
  }

  private scaled(def: ResourceDef, current: StoredObject, scale: KObject, name: string): KObject {
    const rv = scale.metadata?.resourceVersion
    if (rv && rv !== current.metadata.resourceVersion) throw errors.conflict({ group: def.group, resource: def.resource }, name)
    const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas ?? 0
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid({ group: 'autoscaling', kind: 'Scale' }, name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, detail: 'must be greater than or equal to 0' }])
    }
    const next = def.scale!.withReplicas(clone(current), replicas)
    delete next.metadata.resourceVersion
    return next
  }

  // ---- responses ------------------------------------------------------------------------------

  private sendObject(req: IncomingMessage, res: ServerResponse, code: number, def: ResourceDef, obj: StoredObject, warnings?: string[]): void {
    const format = negotiate(req.headers.accept)
    const headers: Record<string, string | string[]> = {}
    if (warnings?.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`)
    if (format.kind === 'table') {
      const url = requestURL(req)
      return this.sendJSON(res, code, toTable(def, [obj], { version: format.version, includeObject: parseIncludeObject(url.searchParams.get('includeObject')), now: this.clock(), resourceVersion: obj.metadata.resourceVersion }), headers)
    }
    return this.send(res, code, obj, format, headers)
  }

  private send(res: ServerResponse, code: number, body: unknown, format: OutputFormat, headers: Record<string, string | string[]> = {}): void {
    if (format.kind === 'yaml') return this.sendRaw(res, code, toYaml(body), 'application/yaml', headers)
    return this.sendJSON(res, code, body, headers)
  }

  private sendJSON(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
    this.sendRaw(res, code, JSON.stringify(body), 'application/json', headers)
  }

  private sendRaw(res: ServerResponse, code: number, body: string, contentType: string, headers: Record<string, string | string[]> = {}): void {
    if (res.headersSent) {
      res.end()
      return
    }
    const earlier = res.getHeader('Warning')
    if (earlier !== undefined && headers.Warning !== undefined) headers = { ...headers, Warning: [...[earlier].flat().map(String), ...[headers.Warning].flat()] }
    res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache, private', ...headers })
    res.end(body)
  }

  private sendError(res: ServerResponse, err: unknown): void {
    let status: Status
    if (err instanceof StatusError) status = err.status
    else {
      if (!isStoreError(err, 'Unavailable')) this.opts.log?.error({ err }, 'internal error')
      status = unexpected(err).status
    }
    if (res.headersSent) {
      res.end()
      return
    }
    this.sendJSON(res, status.code, status)
  }
}

/**
 * An error that is not a Status: the store being unreachable, or unable to commit (etcd without
 * quorum: "etcdserver: request timed out"), is a 503 with the store's words; anything else a 500.
 */
function unexpected(err: unknown): StatusError {
  if (isStoreError(err, 'Unavailable')) return errors.serviceUnavailable(err.message)
  return errors.internal(String((err as Error)?.message ?? err))
}

const patchTypes = new Set(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'])

/** The Scale "kind" for patching a Scale object (no schema: merge patch semantics). */
const scaleDef: ResourceDef = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'Scale',
  resource: 'scale',
  singular: 'scale',
  namespaced: true,
  nameValidator: () => [],
  table: { columns: [], cells: () => [] },
}

/** Upstream's default field manager: the User-Agent up to the first '/'. */
export function managerFromUserAgent(ua: string | undefined): string | undefined {
  if (!ua) return undefined
  const m = ua.split('/')[0]
  return m.length > 128 ? m.slice(0, 128) : m || undefined
}

/** The longest delay setTimeout honours, in whole seconds (2^31 − 1 ms). */
const maxTimerSeconds = Math.floor((2 ** 31 - 1) / 1000)

/** Upstream's ValidateListOptions on a list or watch query: a 422 on `ListOptions.meta.k8s.io ""`. */
function checkListOptions(q: URLSearchParams, watch: boolean): void {
  const sie = q.get('sendInitialEvents')
  const errs = validateListOptions({
    watch,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
    continue: q.get('continue') ?? undefined,
    sendInitialEvents: sie === null ? undefined : queryBool(sie),
  })
  if (errs.length) throw errors.invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', errs)
}
