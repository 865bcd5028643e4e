// SPDY/3.1 as kubectl and the kubelet speak it (Go's moby/spdystream), served with npm
// spdy-transport: exec falls back to it, and port-forward always uses it, either after a raw
// `Upgrade: SPDY/3.1` or tunnelled in WebSocket binary messages.
//
// Two differences between spdystream and a browser-style SPDY peer need patching at runtime
// (node_modules stays untouched):
//  1. spdystream's SYN_STREAM frames carry only the caller's headers (`streamtype`, `port`,
//     `requestid`), no `:method`/`:path`; spdy-transport's parser rejects those streams.
//  2. spdystream does no flow control: it never sends WINDOW_UPDATE. spdy-transport would stop
//     sending after the 64 KiB initial window, so our send windows are made effectively unbounded.
import { createRequire } from 'node:module'
import type { IncomingMessage } from 'node:http'
import { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'

/** The parts of a spdy-transport stream we use (a Duplex with SPDY headers). */
export interface SpdyStream extends Duplex {
  id: number
  headers: Record<string, string>
  respond(status: number, headers: Record<string, string>, callback?: (err?: Error) => void): void
  abort(code?: string, callback?: () => void): void
}

export interface SpdyConnection {
  on(event: 'stream', listener: (stream: SpdyStream) => void): this
  on(event: 'error', listener: (err: Error) => void): this
  on(event: 'close', listener: () => void): this
  start(version: number): void
  end(callback?: () => void): void
  destroyStreams(err?: Error): void
  socket: Duplex
}

interface WindowSide {
  current: number
  max: number
  limit: number
  lowWaterMark: number
}

interface Transport {
  connection: { create(socket: Duplex, options: { protocol: 'spdy'; isServer: boolean }): SpdyConnection }
}

type ParseKVs = (buffer: unknown, callback: (err: Error | null, headers?: Record<string, string>) => void) => void

interface ConnectionState {
  window: { send: WindowSide }
  streamWindow: { send: WindowSide }
  parser: { parseKVs: ParseKVs }
}

const require = createRequire(import.meta.url)
let transport: Transport | undefined
const patched = Symbol.for('kubelite.spdy.parseKVs')

/** The SPDY parser is not exported: patch its prototype through the first parser we see. */
function patchParser(parser: { parseKVs: ParseKVs }): void {
  const proto = Object.getPrototypeOf(parser) as { parseKVs: ParseKVs; [patched]?: boolean }
  if (proto[patched]) return
  const original = proto.parseKVs
  proto.parseKVs = function (this: unknown, buffer, callback) {
    original.call(this, buffer, (err, headers) => {
      if (!err && headers) {
        headers[':method'] ??= 'POST'
        headers[':path'] ??= '/'
      }
      callback(err, headers)
    })
  }
  proto[patched] = true
}

// 2^52: enough for petabytes per stream, still exact in a double.
const unbounded = 2 ** 52

function unbound(side: WindowSide): void {
  side.current = unbounded
  side.max = unbounded
  side.limit = unbounded * 2
  side.lowWaterMark = 0
}

/** A SPDY/3.1 server session on `socket` (a TCP socket after a 101, or a WebSocket tunnel). */
export function spdyServer(socket: Duplex): SpdyConnection {
  transport ??= require('spdy-transport') as Transport
  const conn = transport.connection.create(socket, { protocol: 'spdy', isServer: true })
  const state = (conn as unknown as { _spdyState: ConnectionState })._spdyState
  patchParser(state.parser)
  unbound(state.window.send)
  unbound(state.streamWindow.send)
  conn.start(3.1)
  return conn
}

/**
 * The protocol both sides accept, in the client's order of preference (upstream's
 * httpstream.Handshake); the client lists them in one header each, or comma-separated.
 */
export function negotiateProtocol(req: IncomingMessage, header: string, serverProtocols: readonly string[]): { chosen?: string; offered: string[] } {
  const raw = req.headers[header.toLowerCase()]
  const offered = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)
  return { chosen: offered.find((p) => serverProtocols.includes(p)), offered }
}

/** Is this a raw SPDY/3.1 upgrade (as opposed to a WebSocket one)? */
export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase().split(',').some((p) => p.trim() === 'spdy/3.1')
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase().split(',').some((p) => p.trim() === 'websocket')
}

/** Answers a SPDY upgrade with 101 and the negotiated X-Stream-Protocol-Version; returns the socket to speak SPDY on. */
export function acceptSpdy(socket: Duplex, head: Buffer, protocol: string): Duplex {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`)
  if (head.length > 0) socket.unshift(head)
  return socket
}

/** Upstream's handshake refusal (403, text/plain), for a client offering no protocol we speak. */
export function refuseSpdy(socket: Duplex, offered: string[], supported: readonly string[]): void {
  const body = offered.length === 0
    ? 'unable to upgrade: X-Stream-Protocol-Version is required'
    : `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]`
  const accepted = supported.map((p) => `X-Accepted-Stream-Protocol-Versions: ${p}\r\n`).join('')
  socket.end(`HTTP/1.1 ${offered.length === 0 ? 400 : 403} ${offered.length === 0 ? 'Bad Request' : 'Forbidden'}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n${accepted}Content-Length: ${Buffer.byteLength(body) + 1}\r\nConnection: close\r\n\r\n${body}\n`)
}

/**
 * A byte stream over a WebSocket: each write is one binary message, each message read is pushed
 * as it is (kubectl's SPDY-over-WebSocket tunnel has no channel byte).
 */
export function webSocketDuplex(ws: WebSocket): Duplex {
  const duplex = new Duplex({
    read() {
      if (ws.isPaused) ws.resume()
    },
    write(chunk: Buffer, _enc, callback) {
      if (ws.readyState !== ws.OPEN) return callback()
      ws.send(chunk, { binary: true }, (err) => callback(err ?? null))
    },
    final(callback) {
      if (ws.readyState === ws.OPEN) ws.close(1000)
      callback()
    },
    destroy(err, callback) {
      if (ws.readyState !== ws.CLOSED) ws.terminate()
      callback(err)
    },
  })
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
    if (!duplex.push(buf)) ws.pause()
  })
  ws.on('close', () => {
    duplex.push(null)
    duplex.destroy()
  })
  ws.on('error', (err) => duplex.destroy(err))
  return duplex
}
