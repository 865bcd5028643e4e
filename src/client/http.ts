// A Client over HTTPS (undici), for programs outside the API server's process: `kubelite demo`
// today, node agents on other machines later. Same interface as the in-process client; errors are
// the server's metav1.Status, thrown with it in `.status` (see errors.ts).
import type { Dispatcher } from 'undici'
import { lazyRequire } from '../lib/lazy.js'
import type { KObject, StoredObject } from '../apis/meta.js'
import type { Client, DeleteOptions, GVR, ListOptions, ListResult, PatchType, ResourceClient, ResourceInfo, Scale, WatchEvent, WatchOptions, WriteOptions } from './types.js'

// undici loads with the first client (`kubelite up` makes none: off its start-up).
const undici = lazyRequire<typeof import('undici')>('undici')

export interface HttpClientConfig {
  /** `https://127.0.0.1:6443` */
  server: string
  caCertPem?: string
  token?: string
  /** A client certificate and key (PEM): the user the certificate names. */
  clientCertPem?: string
  clientKeyPem?: string
  /** Sent as the default field manager, as kubectl sends its own. */
  userAgent?: string
}

/** An API error: the server's Status in `.status`, as errors.ts expects. */
export class ApiError extends Error {
  constructor(readonly status: { code?: number; reason?: string; message?: string }) {
    super(status.message ?? `HTTP ${status.code}`)
  }
}

const basePath = (gvr: GVR) => (gvr.group === '' ? `/api/${gvr.version}` : `/apis/${gvr.group}/${gvr.version}`)

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

export class HttpClient implements Client {
  private readonly dispatcher: Dispatcher
  private infos: ResourceInfo[] = []

  private constructor(private readonly cfg: HttpClientConfig) {
    this.dispatcher = new (undici().Agent)({
      connect: { ca: cfg.caCertPem, rejectUnauthorized: cfg.caCertPem !== undefined, ...(cfg.clientCertPem && cfg.clientKeyPem ? { cert: cfg.clientCertPem, key: cfg.clientKeyPem } : {}) },
      keepAliveTimeout: 30_000,
    })
  }

  /** Connects and reads discovery (the resources every ResourceClient is built from). */
  static async connect(cfg: HttpClientConfig): Promise<HttpClient> {
    const c = new HttpClient(cfg)
    await c.discover()
    return c
  }

  async close(): Promise<void> {
    await this.dispatcher.close()
  }

  resources(): ResourceInfo[] {
    return this.infos
  }

  resource<T extends StoredObject = StoredObject>(gvr: GVR): ResourceClient<T> {
    const info = this.infos.find((r) => r.group === gvr.group && r.version === gvr.version && r.resource === gvr.resource)
    if (!info) throw new Error(`the server does not serve ${gvr.resource}${gvr.group ? '.' + gvr.group : ''}/${gvr.version}`)
    return new HttpResource<T>(this, info)
  }

  /** Client.getRaw: a GET of a non-resource path that answers JSON. */
  getRaw(path: string): Promise<unknown> {
    return this.call('GET', path)
  }

  /** One request; JSON in and out; a non-2xx answer throws ApiError with the server's Status. */
  async call<R>(method: string, path: string, body?: unknown, contentType = 'application/json', signal?: AbortSignal): Promise<R> {
    const res = await this.send(method, path, body, contentType, signal)
    const text = await res.body.text()
    if (res.statusCode >= 300) throw errorOf(res.statusCode, text)
    return (text ? JSON.parse(text) : undefined) as R
  }

  async send(method: string, path: string, body: unknown, contentType: string, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.cfg.token) headers.authorization = `Bearer ${this.cfg.token}`
    if (this.cfg.userAgent) headers['user-agent'] = this.cfg.userAgent
    let payload: string | undefined
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body)
      headers['content-type'] = contentType
    }
    return undici().request(new URL(path, this.cfg.server), { method: method as Dispatcher.HttpMethod, headers, body: payload, dispatcher: this.dispatcher, signal })
  }

  private async discover(): Promise<void> {
    type List = { groupVersion: string; resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[] }
    type Groups = { groups: { preferredVersion: { groupVersion: string } }[] }
    const gvs = ['v1', ...(await this.call<Groups>('GET', '/apis')).groups.map((g) => g.preferredVersion.groupVersion)]
    const lists = await Promise.all(gvs.map((gv) => this.call<List>('GET', gv === 'v1' ? '/api/v1' : `/apis/${gv}`)))
    this.infos = lists.flatMap((l) => {
      const [group, version] = l.groupVersion.includes('/') ? l.groupVersion.split('/') : ['', l.groupVersion]
      return l.resources.filter((r) => !r.name.includes('/')).map((r) => ({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs }))
    })
  }
}

function errorOf(code: number, text: string): ApiError {
  try {
    const s = JSON.parse(text) as { kind?: string; code?: number; reason?: string; message?: string }
    if (s.kind === 'Status') return new ApiError({ code: s.code ?? code, reason: s.reason, message: s.message })
  } catch {
    // not JSON: fall through
  }
  return new ApiError({ code, message: text.trim() || `HTTP ${code}` })
}

class HttpResource<T extends StoredObject> implements ResourceClient<T> {
  constructor(
    private readonly c: HttpClient,
    readonly info: ResourceInfo,
  ) {}

  private path(namespace: string | undefined, name?: string, sub?: string): string {
    let p = basePath(this.info)
    if (this.info.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`
    p += `/${this.info.resource}`
    if (name !== undefined) p += `/${encodeURIComponent(name)}`
    if (sub) p += `/${sub}`
    return p
  }

  getScale(namespace: string | undefined, name: string): Promise<Scale> {
    return this.c.call('GET', this.path(namespace, name, 'scale'))
  }

  updateScale(scale: Scale, opts: WriteOptions = {}): Promise<Scale> {
    return this.c.call('PUT', this.path(scale.metadata.namespace, scale.metadata.name!, 'scale') + query({ fieldManager: opts.fieldManager }), { kind: 'Scale', apiVersion: 'autoscaling/v1', ...scale })
  }

  get(namespace: string | undefined, name: string): Promise<T> {
    return this.c.call('GET', this.path(namespace, name))
  }

  async list(namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult<T>> {
    const l = await this.c.call<{ items: T[]; metadata: { resourceVersion: string; continue?: string } }>('GET', this.path(namespace) + query({ ...opts }))
    return { items: l.items, resourceVersion: l.metadata.resourceVersion, continue: l.metadata.continue || undefined }
  }

  async *watch(namespace: string | undefined, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const path = this.path(namespace) + query({ watch: true, allowWatchBookmarks: true, ...opts })
    let res: Dispatcher.ResponseData
    try {
      res = await this.c.send('GET', path, undefined, '', signal)
    } catch (err) {
      if (signal.aborted) return
      throw err
    }
    if (res.statusCode >= 300) throw errorOf(res.statusCode, await res.body.text())
    let buf = ''
    try {
      for await (const chunk of res.body) {
        buf += (chunk as Buffer).toString('utf8')
        let nl: number
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim()
          buf = buf.slice(nl + 1)
          if (line) yield JSON.parse(line) as WatchEvent<T>
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err
    }
  }

  create(namespace: string | undefined, obj: KObject, opts: WriteOptions = {}): Promise<T> {
    // POST .../{name}/{subresource}: the name is the object's (a TokenRequest's is its ServiceAccount's).
    const path = opts.subresource ? this.path(namespace, obj.metadata?.name ?? '', opts.subresource) : this.path(namespace)
    return this.c.call('POST', path + query({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined }), obj)
  }

  update(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.c.call('PUT', this.path(obj.metadata.namespace, obj.metadata.name!, opts.subresource) + query({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined }), obj)
  }

  patch(namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOptions & { force?: boolean } = {}): Promise<T> {
    const q = query({ fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined, force: opts.force || undefined })
    return this.c.call('PATCH', this.path(namespace, name, opts.subresource) + q, typeof patch === 'string' ? patch : JSON.stringify(patch), type)
  }

  async delete(namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<void> {
    await this.c.call('DELETE', this.path(namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...opts })
  }
}
