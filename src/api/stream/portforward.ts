// pods/NAME/portforward: a SPDY/3.1 session, tunnelled in WebSocket binary messages
// (`SPDY/3.1+portforward.k8s.io`, kubectl ≥ 1.31) or after a raw `Upgrade: SPDY/3.1` with
// `X-Stream-Protocol-Version: portforward.k8s.io`. Per forwarded connection the client opens an
// error stream and a data stream sharing a `requestid`; the data stream is piped to the pod's
// port and failures are written, as text, on the error stream (kubelet's httpStreamHandler).
import type { Duplex } from 'node:stream'
import { errors } from '../../apis/status.js'
import type { NodeConnection, NodeDialer, PodRef } from '../../client/node-connection.js'
import type { SubresourceHandler, UpgradeHandler } from '../server.js'
import { acceptWebSocket, portForwardWebSocketProtocol, type StreamingSockets } from './exec.js'
import { dialErrorText, podRef, requireNode, type PodView } from './pods.js'
import { acceptSpdy, isSpdyUpgrade, isWebSocketUpgrade, negotiateProtocol, refuseSpdy, spdyServer, webSocketDuplex, type SpdyConnection, type SpdyStream } from './spdy.js'

export const portForwardProtocols = ['portforward.k8s.io'] as const

interface Pair {
  data?: SpdyStream
  error?: SpdyStream
  timer: NodeJS.Timeout
}

/** The port a stream names, or the error text the kubelet writes back. */
export function parsePortHeader(value: string | undefined): number | string {
  if (value === undefined || value === '') return 'port header is required'
  if (!/^\d+$/.test(value) || Number(value) > 65535) return `unable to parse ${JSON.stringify(value)} as a port: strconv.ParseUint: parsing ${JSON.stringify(value)}: ${/^\d+$/.test(value) ? 'value out of range' : 'invalid syntax'}`
  const port = Number(value)
  if (port < 1) return `port "${port}" must be > 0`
  return port
}

/**
 * Serves one port-forward session: pairs streams by requestid (or, for clients without it,
 * the data stream's id - 2), forwards each pair, and closes every pod connection at the end.
 */
export function servePortForward(session: SpdyConnection, node: NodeConnection, pod: PodRef, streamTimeoutMs = 30_000): Promise<void> {
  const pairs = new Map<string, Pair>()
  const open = new Set<Duplex>()
  session.on('error', () => undefined)
  session.on('stream', (stream) => {
    stream.on('error', () => undefined)
    stream.respond(200, {})
    const type = stream.headers.streamtype
    if (type !== 'data' && type !== 'error') {
      stream.abort()
      return
    }
    const key = stream.headers.requestid ?? String(type === 'data' ? stream.id - 2 : stream.id)
    let pair = pairs.get(key)
    if (!pair) {
      // Both halves must arrive within the kubelet's stream creation timeout.
      const timer = setTimeout(() => {
        pairs.delete(key)
        pair?.data?.abort()
        pair?.error?.abort()
      }, streamTimeoutMs)
      timer.unref()
      pair = { timer }
      pairs.set(key, pair)
    }
    if (pair[type]) {
      stream.abort()
      return
    }
    pair[type] = stream
    if (pair.data && pair.error) {
      clearTimeout(pair.timer)
      pairs.delete(key)
      void forward(pair.data, pair.error, node, pod, open)
    }
  })
  return new Promise((resolve) => {
    session.on('close', () => {
      for (const p of pairs.values()) clearTimeout(p.timer)
      for (const s of open) s.destroy()
      resolve()
    })
  })
}

async function forward(data: SpdyStream, errorStream: SpdyStream, node: NodeConnection, pod: PodRef, open: Set<Duplex>): Promise<void> {
  // The client never writes on the error stream; drain it so its FIN is seen.
  errorStream.resume()
  const finish = (message?: string) => {
    if (message && !errorStream.writableEnded) errorStream.write(message)
    if (!data.writableEnded) data.end()
    if (!errorStream.writableEnded) errorStream.end()
  }
  const port = parsePortHeader(data.headers.port)
  if (typeof port === 'string') return finish(port)
  let target: Duplex
  try {
    target = await node.portForward(pod, port)
  } catch (err) {
    // Upstream (CRI streaming server): `error forwarding port 8080 to pod <sandbox>, uid : <dial error>`;
    // a node that already words it so is passed through.
    const text = dialErrorText(err, '127.0.0.1', port)
    return finish(text.startsWith('error forwarding port ') ? text : `error forwarding port ${port} to pod ${pod.uid ?? `${pod.name}_${pod.namespace}`}, uid : ${text}`)
  }
  open.add(target)
  target.on('error', () => target.destroy())
  // Pod → client; the pod closing its side ends the data stream (and the pair).
  target.pipe(data, { end: false })
  target.on('end', () => finish())
  target.on('close', () => {
    open.delete(target)
    finish()
  })
  // Client → pod, with half-close: the client's FIN becomes the pod socket's FIN.
  data.pipe(target)
  data.on('close', () => {
    if (!target.destroyed && target.writableEnded && target.readableEnded) target.destroy()
  })
  data.on('error', () => target.destroy())
}

export function portForwardHandlers(dialer: NodeDialer, wss: StreamingSockets): { subresource: SubresourceHandler; upgrade: UpgradeHandler } {
  const upgrade: UpgradeHandler = async ({ req, socket, head, target, store }) => {
    if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed()
    const pod = (await store.get(target.namespace, target.name ?? '')) as PodView
    const node = requireNode(dialer, pod)
    if (isWebSocketUpgrade(req)) {
      const { chosen, offered } = negotiateProtocol(req, 'sec-websocket-protocol', [portForwardWebSocketProtocol])
      if (!chosen) throw errors.badRequest(`unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${portForwardWebSocketProtocol}]`)
      const ws = await acceptWebSocket(wss, req, socket, head)
      if (!ws) return
      await servePortForward(spdyServer(webSocketDuplex(ws)), node, podRef(pod))
      return
    }
    if (isSpdyUpgrade(req)) {
      const { chosen, offered } = negotiateProtocol(req, 'x-stream-protocol-version', portForwardProtocols)
      if (!chosen) return refuseSpdy(socket, offered, portForwardProtocols)
      await servePortForward(spdyServer(acceptSpdy(socket, head, chosen)), node, podRef(pod))
      return
    }
    throw errors.badRequest('Upgrade request required')
  }
  const subresource: SubresourceHandler = {
    info: { name: 'pods/portforward', responseKind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' }, verbs: ['create', 'get'] },
    async handle({ req }) {
      if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed()
      throw errors.badRequest('Upgrade request required')
    },
  }
  return { subresource, upgrade }
}
