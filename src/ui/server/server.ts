// The dashboard's server: serves the bundle built into dist/ui/assets, logs people in with a
// one-time token, and forwards the page's /api, /apis and /traffic requests to the API server
// with the cluster's admin credentials, for a live session only. The page sees exactly the REST
// and watch API kubectl sees; this server reads no cluster internals.
import { Agent as HttpAgent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Agent, request as httpsRequest } from 'node:https'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import type { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { cookieName, equal, readCookie, sessionCookie, Sessions } from './session.js'

export interface DashboardOptions {
  /** The API server and the admin credentials the dashboard acts with. */
  api: { url: string; ca: string; token: string }
  host?: string
  /** 0: any free port. */
  port: number
  /** When `port` is taken, listen on a free one instead of failing (the default port, not one the user chose). */
  fallbackToFreePort?: boolean
  /** Where index.html and the bundle are (default: dist/ui/assets of this checkout). */
  assetsDir?: string
  sessions?: Sessions
  log?: { error(obj: unknown, msg?: string): void }
}

// dist/ui/server/server.js and src/ui/server/server.ts both sit three levels below the checkout.
const defaultAssets = fileURLToPath(new URL('../../../dist/ui/assets/', import.meta.url))

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
}

const securityHeaders = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

/** Paths the page may reach on the API: the REST and watch API, the traffic report, the version. */
export function forwarded(path: string): boolean {
  return /^\/(api|apis)(\/|$|\?)/.test(path) || /^\/traffic\/v1\//.test(path) || /^\/version(\?|$)/.test(path)
}

export class DashboardServer {
  readonly sessions: Sessions
  private readonly server: Server
  private readonly agent: Agent | HttpAgent
  private readonly sockets = new Set<Socket>()
  private port = 0
  private readonly host: string
  private readonly assets: string

  constructor(private readonly opts: DashboardOptions) {
    this.sessions = opts.sessions ?? new Sessions()
    this.host = opts.host ?? '127.0.0.1'
    this.assets = opts.assetsDir ?? defaultAssets
    // https in `up`; plain http only for a test's fake API.
    this.agent = opts.api.url.startsWith('https:') ? new Agent({ ca: opts.api.ca, keepAlive: true }) : new HttpAgent({ keepAlive: true })
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        opts.log?.error({ err }, 'dashboard')
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end()
      })
    })
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
  }

  /** Listens; returns the base URL (http://127.0.0.1:PORT/). */
  async listen(): Promise<string> {
    const tryListen = (port: number) =>
      new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(err)
        this.server.once('error', onError)
        this.server.listen(port, this.host, () => {
          this.server.off('error', onError)
          resolve()
        })
      })
    try {
      await tryListen(this.opts.port)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
      if (!this.opts.fallbackToFreePort) throw new Error(`dashboard port ${this.opts.port} on ${this.host} is already in use: pass another --dashboard-port, or --no-dashboard`)
      await tryListen(0)
    }
    this.port = (this.server.address() as { port: number }).port
    return this.baseUrl()
  }

  baseUrl(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}/`
  }

  /** A log-in URL with a fresh one-time token. */
  loginUrl(): string {
    return `${this.baseUrl()}?token=${this.sessions.mintToken()}`
  }

  async close(): Promise<void> {
    const done = new Promise<void>((r) => this.server.close(() => r()))
    for (const s of this.sockets) s.destroy()
    this.agent.destroy()
    await done
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard')
    // A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own Host.
    const host = req.headers.host ?? ''
    if (!this.ownHost(host)) return plain(res, 403, 'Forbidden: unexpected Host header\n')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.headers.origin
      if (origin !== undefined && origin !== `http://${host}`) return plain(res, 403, 'Forbidden: cross-origin request\n')
    }

    // `kubelite dashboard`: a new log-in link, for whoever holds the cluster's admin token.
    if (url.pathname === '/login-links' && req.method === 'POST') {
      const auth = req.headers.authorization ?? ''
      if (!auth.startsWith('Bearer ') || !equal(auth.slice(7), this.opts.api.token)) return plain(res, 401, 'Unauthorized\n')
      res.writeHead(201, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ url: this.loginUrl() }) + '\n')
      return
    }

    const token = url.searchParams.get('token')
    if (token !== null && url.pathname === '/') {
      const id = this.sessions.redeem(token)
      if (!id) return unauthorized(res, 'This log-in link was already used or has expired. Run `kubelite dashboard` for a new one.')
      res.writeHead(303, { location: '/', 'set-cookie': sessionCookie(this.port, id), 'cache-control': 'no-store', ...securityHeaders })
      res.end()
      return
    }

    const session = readCookie(req.headers.cookie, cookieName(this.port))
    if (!this.sessions.check(session)) {
      if (forwarded(url.pathname)) return statusUnauthorized(res)
      return unauthorized(res, 'Open the link that `kubelite up` printed, or run `kubelite dashboard` for a new one.')
    }
    if (url.pathname === '/logout' && req.method === 'POST') {
      this.sessions.end(session!)
      res.writeHead(303, { location: '/', 'set-cookie': `${cookieName(this.port)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` })
      res.end()
      return
    }
    if (forwarded(url.pathname)) return this.forward(req, res, url)
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method Not Allowed\n')
    return this.serveAsset(res, url.pathname === '/' ? '/index.html' : url.pathname)
  }

  private ownHost(host: string): boolean {
    const names = [this.host, 'localhost', '127.0.0.1', '[::1]'].map((h) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h))
    return names.some((n) => host === `${n}:${this.port}`)
  }

  private forward(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const target = new URL(url.pathname + url.search, this.opts.api.url)
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.api.token}`, 'user-agent': 'kubelite-dashboard' }
    for (const h of ['accept', 'content-type', 'content-length']) {
      const v = req.headers[h]
      if (typeof v === 'string') headers[h] = v
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest
    const up = send(target, { method: req.method, headers, agent: this.agent }, (upRes) => {
      const out: Record<string, string> = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }
      for (const h of ['content-type', 'warning']) {
        const v = upRes.headers[h]
        if (typeof v === 'string') out[h] = v
      }
      res.writeHead(upRes.statusCode ?? 502, out)
      res.flushHeaders()
      upRes.pipe(res)
      upRes.on('error', () => res.destroy())
    })
    up.on('error', (err) => {
      if (res.headersSent) return void res.destroy()
      res.writeHead(502, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `the API server did not answer: ${err.message}`, reason: 'ServiceUnavailable', code: 502 }))
    })
    // A watch or a followed log ends when the page goes away (res, not req: see Node's close events).
    res.on('close', () => up.destroy())
    req.pipe(up)
  }

  private async serveAsset(res: ServerResponse, pathname: string): Promise<void> {
    const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '')
    if (rel.startsWith('..') || rel.includes('\0')) return plain(res, 404, 'Not Found\n')
    let body: Buffer
    try {
      body = await readFile(join(this.assets, rel))
    } catch {
      if (rel === 'index.html') return plain(res, 503, 'The dashboard bundle is not built: run `npm run build` (npm ci does it).\n')
      return plain(res, 404, 'Not Found\n')
    }
    res.writeHead(200, { 'content-type': types[extname(rel)] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...securityHeaders })
    res.end(body)
  }
}

function plain(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', ...securityHeaders })
  res.end(text)
}

function unauthorized(res: ServerResponse, why: string): void {
  res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...securityHeaders })
  res.end(`<!doctype html><html lang="en"><meta charset="utf-8"><title>kubelite dashboard: 401 Unauthorized</title><h1>401 Unauthorized</h1><p>${escapeHtml(why)}</p></html>\n`)
}

function statusUnauthorized(res: ServerResponse): void {
  res.writeHead(401, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }) + '\n')
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
