// The API's HTTPS listener: Node's server with two fixes that keep every request that reached us
// answered, as Go's net/http does for kube-apiserver.
import { createServer, type Server, type ServerOptions } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'

export interface ListenerLog {
  debug?(obj: unknown, msg?: string): void
  info(obj: unknown, msg?: string): void
}

export interface ListenerHandlers {
  request: (req: IncomingMessage, res: ServerResponse) => void
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
}

/**
 * An HTTPS server for the API.
 *
 * 1. Node 20's HTTP parser reads a TLS socket's bytes straight from the native handle ("consumed").
 *    When a request arrives on a kept-alive socket while the previous answer is still flushing
 *    (any answer over the 16 KiB high-water mark: a created ConfigMap of 64 KiB echoed back), the
 *    server pauses the parser, but the consumed handle keeps delivering the new request's body;
 *    the paused parser fails with HPE_PAUSED and Node destroys the socket with the request in
 *    flight (8 keep-alive clients posting 64 KiB objects lost 10–22% of requests that way). A
 *    `data` listener makes Node hand the socket back to JavaScript streams, where pausing really
 *    stops the reads, at a small cost in copying.
 * 2. A request Node cannot parse is answered as Go's server answers it (`400 Bad Request`,
 *    `431 Request Header Fields Too Large`) and the connection closed; a client that went away is
 *    not an error of ours. Neither is logged above info.
 */
export function createApiListener(tls: ServerOptions, handlers: ListenerHandlers, log?: ListenerLog): Server {
  // Client certificates are asked for, not required: a request with one the CA did not sign is a
  // 401 from the API (authn/x509.ts), as upstream, not a failed handshake.
  // Timeouts bound what a client may hold without sending (a dripped header or body: slowloris).
  // They cover receiving the request only, never a watch's or a log's long answer: headers within
  // 32 s (kube-apiserver's ReadHeaderTimeout), the whole request within 60 s (its
  // --request-timeout), checked every 5 s; an idle kept-alive connection is closed after 65 s.
  const server = createServer({ requestCert: true, rejectUnauthorized: false, connectionsCheckingInterval: 5_000, ...tls }, handlers.request)
  server.headersTimeout = 32_000
  server.requestTimeout = 60_000
  server.keepAliveTimeout = 65_000
  if (handlers.upgrade) server.on('upgrade', handlers.upgrade)
  server.on('secureConnection', (socket: TLSSocket) => socket.on('data', noop))
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, log))
  return server
}

function noop(): void {}

/** The status line Go's net/http writes for a request it could not read, or undefined to just close. */
export function clientErrorResponse(code: string | undefined): string | undefined {
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return undefined // the client left, or never finished: nobody to answer
    case 'HPE_HEADER_OVERFLOW':
      return '431 Request Header Fields Too Large'
    default:
      return '400 Bad Request'
  }
}

function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, log?: ListenerLog): void {
  const status = clientErrorResponse(err.code)
  const peer = (socket as Partial<TLSSocket>).remoteAddress
  if (status) log?.info({ code: err.code, peer, reason: err.message }, 'malformed request')
  else log?.debug?.({ code: err.code, peer }, 'client went away')
  // A response already on its way owns the socket: writing a status line into it would corrupt it.
  const busy = (socket as unknown as { _httpMessage?: unknown })._httpMessage
  if (status && socket.writable && !busy) {
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status}`)
  } else {
    socket.destroy()
  }
}
