// pods/NAME/exec: validated here as upstream's ExecREST/streamLocation does, then run on the
// node over whichever transport the client upgraded to: WebSocket (`v5.channel.k8s.io`,
// kubectl ≥ 1.30's default; `v4.channel.k8s.io`) or SPDY/3.1 (kubectl's fallback, and
// KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false).
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket, WebSocketServer } from 'ws'
import { lazyRequire } from '../../lib/lazy.js'
import { errors } from '../../apis/status.js'
import type { NodeDialer } from '../../client/node-connection.js'
import { queryBool } from '../request.js'
import type { SubresourceHandler, UpgradeHandler } from '../server.js'
import { execOverSpdy, execOverWebSocket, type ExecIO, type ExecOutcome, type ExecStreams } from './channels.js'
import { chooseContainer, isNodeError, podRef, requireNode, type PodView } from './pods.js'
import { acceptSpdy, isSpdyUpgrade, isWebSocketUpgrade, negotiateProtocol, refuseSpdy, spdyServer } from './spdy.js'

export const execWebSocketProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const
/** Over SPDY v5 and v4 behave alike (stdin EOF is the stream's FIN); v1–v3 are not served. */
export const execSpdyProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const
export const portForwardWebSocketProtocol = 'SPDY/3.1+portforward.k8s.io'

// ws loads with the first WebSocket upgrade (exec, attach, port-forward), not at start-up.
const ws = lazyRequire<typeof import('ws')>('ws')

/** What the streaming upgrades use of ws's server. */
export interface StreamingSockets {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, done: (ws: WebSocket) => void): void
  /** Terminates every WebSocket still open, and the server. */
  close(): void
}

/** One WebSocket server (no listener of its own) for every streaming upgrade, made on the first. */
export function streamingWebSocketServer(): StreamingSockets {
  const known: string[] = [...execWebSocketProtocols, portForwardWebSocketProtocol]
  let wss: WebSocketServer | undefined
  const server = (): WebSocketServer =>
    (wss ??= new (ws().WebSocketServer)({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: 16 * 1024 * 1024,
      handleProtocols: (offered) => [...offered].find((p) => known.includes(p)) ?? false,
    }))
  return {
    handleUpgrade: (req, socket, head, done) => server().handleUpgrade(req, socket, head, done),
    close() {
      if (!wss) return
      for (const c of wss.clients) c.terminate()
      wss.close()
    },
  }
}

/** Completes a WebSocket handshake; undefined if ws refused it (it has answered and closed the socket). */
export function acceptWebSocket(wss: StreamingSockets, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const onClose = () => resolve(undefined)
    socket.once('close', onClose)
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('close', onClose)
      resolve(ws)
    })
  })
}

/** The failure text the client prints, shaped as upstream's layers shape it for each transport. */
export function execFailure(err: unknown, transport: 'websocket' | 'spdy'): string {
  const msg = err instanceof Error ? err.message : String(err)
  if (isNodeError(err) && err.code < 500) return upgradeRefused(msg, transport)
  return `Internal error occurred: error executing command in container: ${msg}`
}

// A node refusing to start the command (no such running container...) is, upstream, the
// kubelet refusing the SPDY upgrade; the WebSocket translator wraps that as an internal error.
export function upgradeRefused(msg: string, transport: 'websocket' | 'spdy'): string {
  return transport === 'websocket' ? `Internal error occurred: unable to upgrade connection: ${msg}` : `unable to upgrade connection: ${msg}`
}

/** What a remote command runs on the node once the session is up: exec's command, attach's streams. */
export type RemoteRun = (args: { conn: ReturnType<typeof requireNode>; pod: PodView; container: string; io: ExecIO; tty: boolean; signal: AbortSignal; q: URLSearchParams }) => Promise<ExecOutcome>

/**
 * The upgrade of exec and attach: the pod and container the request names (checked as upstream's
 * REST does), at least one stream, then `run` over whichever transport the client chose. A
 * finished pod has no running container: the kubelet's own answer.
 */
export function remoteCommandUpgrade(dialer: NodeDialer, wss: StreamingSockets, run: RemoteRun): UpgradeHandler {
  return async (ctx) => {
    const { req, url, target, store } = ctx
    if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed()
    const q = url.searchParams
    const want = wantedStreams(q)
    const pod = (await store.get(target.namespace, target.name ?? '')) as PodView
    const container = chooseContainer(pod, q.get('container'))
    const conn = requireNode(dialer, pod)
    if (!want.stdin && !want.stdout && !want.stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr')
    const phase = pod.status?.phase
    await serveRemoteCommand(ctx, wss, want, async (io, transport, signal) => {
      if (phase === 'Succeeded' || phase === 'Failed') return { error: upgradeRefused(`container not found (${JSON.stringify(container)})`, transport) }
      try {
        return await run({ conn, pod, container, io, tty: want.tty, signal, q })
      } catch (err) {
        return { error: execFailure(err, transport) }
      }
    })
  }
}

export function execHandlers(dialer: NodeDialer, wss: StreamingSockets): { subresource: SubresourceHandler; upgrade: UpgradeHandler } {
  const upgrade = remoteCommandUpgrade(dialer, wss, async ({ conn, pod, container, io, tty, signal, q }) => {
    const command = q.getAll('command')
    const exitCode = await conn.exec(podRef(pod), { container, command, stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, tty, resize: io.resize, signal })
    return { exitCode, command }
  })
  return { subresource: upgradeOnly('pods/exec', 'PodExecOptions'), upgrade }
}

/** The streams a request asks for (`stdin`, `stdout`, `stderr`, `tty` query booleans). */
export function wantedStreams(q: URLSearchParams): ExecStreams {
  return { stdin: queryBool(q.get('stdin')), stdout: queryBool(q.get('stdout')), stderr: queryBool(q.get('stderr')), tty: queryBool(q.get('tty')) }
}

/** The plain (non-upgrade) side of exec and attach: both need an upgrade. */
export function upgradeOnly(name: string, kind: string): SubresourceHandler {
  return {
    info: { name, responseKind: { group: '', version: 'v1', kind }, verbs: ['create', 'get'] },
    async handle({ req }) {
      if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed()
      throw errors.badRequest('Upgrade request required')
    },
  }
}

/**
 * Runs a remote command session (exec, attach) over whichever transport the client upgraded to;
 * `run` gets the streams, the transport (error texts differ) and a signal that aborts when the
 * client goes.
 */
export async function serveRemoteCommand(
  { req, socket, head }: Parameters<UpgradeHandler>[0],
  wss: StreamingSockets,
  want: ExecStreams,
  run: (io: ExecIO, transport: 'websocket' | 'spdy', signal: AbortSignal) => Promise<ExecOutcome>,
): Promise<void> {
  const ac = new AbortController()
  if (isWebSocketUpgrade(req)) {
    const { chosen, offered } = negotiateProtocol(req, 'sec-websocket-protocol', execWebSocketProtocols)
    if (!chosen) throw errors.badRequest(`unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${execWebSocketProtocols.join(' ')}]`)
    const ws = await acceptWebSocket(wss, req, socket, head)
    if (!ws) return
    ws.once('close', () => ac.abort())
    await execOverWebSocket(ws, ws.protocol === 'v4.channel.k8s.io' ? 4 : 5, want, (io) => run(io, 'websocket', ac.signal))
    return
  }
  if (isSpdyUpgrade(req)) {
    const { chosen, offered } = negotiateProtocol(req, 'x-stream-protocol-version', execSpdyProtocols)
    if (!chosen) return refuseSpdy(socket, offered, execSpdyProtocols)
    const session = spdyServer(acceptSpdy(socket, head, chosen))
    session.on('close', () => ac.abort())
    await execOverSpdy(session, want, (io) => run(io, 'spdy', ac.signal))
    return
  }
  throw errors.badRequest('Upgrade request required')
}
