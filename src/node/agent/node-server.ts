// The agent's HTTPS endpoint for the API server (upstream: the kubelet server on :10250): what
// client/node-wire.ts's RemoteNodeConnection asks, answered by the agent's own NodeConnection. Only
// a client certificate the cluster CA signed for the API server (CN kube-apiserver-kubelet-client,
// or any system:masters one) gets in; everyone else gets 401 or 403, as the kubelet's
// authentication and authorization do.
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { PassThrough, Writable, type Duplex } from 'node:stream'
import { NodeError, type NodeConnection, type PodRef } from '../../client/node-connection.js'
import { encodeFrame, frame, frameReader, upgradeProtocol, type Outcome } from '../../client/node-wire.js'

export interface NodeServerOptions {
  connection: NodeConnection
  /** The agent's serving certificate and key (PEM), and the cluster CA that signs its callers. */
  cert: string
  key: string
  ca: string
}

function caller(req: IncomingMessage): 'ok' | 401 | 403 {
  const sock = req.socket as TLSSocket
  if (!sock.authorized) return 401
  const cert = sock.getPeerCertificate()
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v])
  const cn = list(cert.subject?.CN)[0]
  return cn === 'kube-apiserver-kubelet-client' || list(cert.subject?.O).includes('system:masters') ? 'ok' : 403
}

function route(url: string): { kind: string; pod?: PodRef; container?: string; q: URLSearchParams } | undefined {
  const u = new URL(url, 'https://node')
  const parts = u.pathname.split('/').slice(1).map(decodeURIComponent)
  const q = u.searchParams
  const uid = q.get('uid') ?? undefined
  if (parts[0] === 'stats' && parts[1] === 'usage') return { kind: 'usage', q }
  if (['containerLogs', 'exec', 'attach'].includes(parts[0]) && parts.length === 4) return { kind: parts[0], pod: { namespace: parts[1], name: parts[2], uid }, container: parts[3], q }
  if (parts[0] === 'portForward' && parts.length === 3) return { kind: 'portForward', pod: { namespace: parts[1], name: parts[2], uid }, q }
  return undefined
}

const statusText: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' }

function nodeError(err: unknown): { code: number; message: string } {
  if (err instanceof NodeError) return { code: err.code, message: err.message }
  return { code: 500, message: err instanceof Error ? err.message : String(err) }
}

export class NodeServer {
  private readonly server: Server
  private readonly sockets = new Set<Duplex>()

  constructor(private readonly opts: NodeServerOptions) {
    this.server = createServer({ cert: opts.cert, key: opts.key, ca: opts.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => void this.request(req, res))
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head))
    this.server.on('connection', (s: Duplex) => {
      this.sockets.add(s)
      s.once('close', () => this.sockets.delete(s))
    })
  }

  listen(port: number, host: string): Promise<{ port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        resolve({ port: (this.server.address() as { port: number }).port })
      })
    })
  }

  async close(): Promise<void> {
    const done = new Promise<void>((r) => this.server.close(() => r()))
    for (const s of this.sockets) s.destroy()
    await done
  }

  private async request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const who = caller(req)
    if (who !== 'ok') return void res.writeHead(who, { 'Content-Type': 'text/plain' }).end(who === 401 ? 'Unauthorized' : 'Forbidden')
    const r = route(req.url ?? '/')
    if (req.method !== 'GET' || !r || (r.kind !== 'containerLogs' && r.kind !== 'usage')) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found')
    const conn = this.opts.connection
    try {
      if (r.kind === 'usage') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify((await conn.resourceUsage?.()) ?? { pods: [] }))
      const num = (k: string) => (r.q.has(k) ? Number(r.q.get(k)) : undefined)
      const ac = new AbortController()
      res.once('close', () => ac.abort())
      const stream = await conn.logs(r.pod!, {
        container: r.container!,
        follow: r.q.get('follow') === 'true',
        previous: r.q.get('previous') === 'true',
        timestamps: r.q.get('timestamps') === 'true',
        tailLines: num('tailLines'),
        sinceSeconds: num('sinceSeconds'),
        sinceTime: r.q.get('sinceTime') ?? undefined,
        limitBytes: num('limitBytes'),
        signal: ac.signal,
      })
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.flushHeaders()
      stream.on('error', () => res.destroy())
      stream.pipe(res)
    } catch (err) {
      const e = nodeError(err)
      if (!res.headersSent) res.writeHead(e.code, { 'Content-Type': 'text/plain' }).end(e.message)
      else res.destroy()
    }
  }

  private refuse(socket: Duplex, code: number, message: string): void {
    socket.end(`HTTP/1.1 ${code} ${statusText[code] ?? 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`)
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined)
    const who = caller(req)
    if (who !== 'ok') return this.refuse(socket, who, who === 401 ? 'Unauthorized' : 'Forbidden')
    const r = route(req.url ?? '/')
    if (!r || !['exec', 'attach', 'portForward'].includes(r.kind) || req.headers.upgrade !== upgradeProtocol) return this.refuse(socket, 404, '404 page not found')
    const conn = this.opts.connection
    if (r.kind === 'portForward') {
      let target: Duplex
      try {
        target = await conn.portForward(r.pod!, Number(r.q.get('port')))
      } catch (err) {
        const e = nodeError(err)
        return this.refuse(socket, e.code, e.message)
      }
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${upgradeProtocol}\r\n\r\n`)
      if (head.length) target.write(head)
      socket.pipe(target).pipe(socket)
      target.on('error', () => socket.destroy())
      socket.once('close', () => target.destroy())
      return
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${upgradeProtocol}\r\n\r\n`)
    const send = (type: number, payload?: Buffer | string) => {
      if (!socket.destroyed) socket.write(encodeFrame(type, payload))
    }
    const out = (type: number) =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          send(type, chunk)
          cb()
        },
      })
    const stdin = r.q.get('stdin') === 'true' ? new PassThrough() : undefined
    const sizes: { width: number; height: number }[] = []
    let wake: (() => void) | undefined
    let ended = false
    const resize: AsyncIterable<{ width: number; height: number }> = {
      async *[Symbol.asyncIterator]() {
        while (!ended) {
          if (sizes.length) yield sizes.shift()!
          else await new Promise<void>((r) => (wake = r))
        }
      },
    }
    const ac = new AbortController()
    const read = frameReader((type, payload) => {
      if (type === frame.stdin) stdin?.write(payload)
      else if (type === frame.stdinEnd) stdin?.end()
      else if (type === frame.resize) {
        sizes.push(JSON.parse(payload.toString('utf8')) as { width: number; height: number })
        wake?.()
      }
    })
    if (head.length) read(head)
    socket.on('data', read)
    socket.once('close', () => {
      ended = true
      wake?.()
      ac.abort()
      stdin?.end()
    })
    const tty = r.q.get('tty') === 'true'
    const io = {
      container: r.container!,
      stdin,
      stdout: r.q.get('stdout') === 'true' ? out(frame.stdout) : undefined,
      stderr: r.q.get('stderr') === 'true' && !tty ? out(frame.stderr) : undefined,
      tty,
      resize: tty ? resize : undefined,
      signal: ac.signal,
    }
    let outcome: Outcome
    try {
      if (r.kind === 'exec') outcome = { code: await conn.exec(r.pod!, { ...io, command: r.q.getAll('command') }) }
      else {
        await conn.attach(r.pod!, io)
        outcome = { code: 0 }
      }
    } catch (err) {
      outcome = { error: nodeError(err) }
    }
    ended = true
    wake?.()
    send(frame.result, JSON.stringify(outcome))
    socket.end()
  }
}
