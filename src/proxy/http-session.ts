// The proxy's HTTP mode: one client connection, its requests one after the other (pipelined ones
// wait their turn, so answers keep their order), each sent to the endpoint the balancer picks for
// that request, over a pooled keep-alive connection (pool.ts). Heads and bodies are forwarded as
// the bytes that came in, streamed both ways with back-pressure; http1.ts only finds where each
// message ends. The client connection belongs to the proxy: a backend that goes away, closes an
// idle connection or is removed from the Service never takes it down.
//
// Failures, per request:
// - connect refused or timed out: the request was never written, so it goes to another endpoint,
//   whatever its method (as the TCP relay does for connections);
// - the backend connection fails before any byte of the response: the request is sent again on
//   another endpoint (a fresh connection, when a pooled one was stale) if its method is idempotent
//   and all of it is still held (up to replayLimitBytes); otherwise the client gets a 502;
// - no endpoint at all: 503;
// - the backend fails in the middle of a response: the client connection is reset, so the client
//   sees that response cut short (there is no other way to say so in HTTP/1.1) — never a silently
//   truncated body. Other connections are untouched.
// CONNECT, Upgrade (WebSocket) and Expect: 100-continue requests, and anything http1.ts cannot
// frame, turn the rest of the connection into a plain TCP tunnel to one endpoint (relay.ts).
import type { Socket } from 'node:net'
import type { Backend } from './endpoints.js'
import { BodyTracker, idempotentMethods, parseRequestHead, parseResponseHead, sniffRequest, type RequestHead, type ResponseHead } from './http1.js'
import type { TrafficStats } from './metrics.js'
import type { EndpointPool } from './pool.js'
import { connectOnce, defaultConnectTimeoutsMs, reset } from './relay.js'
import type { RequestOutcome } from './traffic.js'

/** How one request is routed (the traffic annotation), decided once from its head. */
export interface RequestRoute {
  /** Send it to an endpoint of this group when the group has one (header route, sticky cookie). */
  group?: number
  /** A Set-Cookie value to add to the answer, given the endpoint that answered. */
  setCookie?(b: Backend): string | undefined
  /** Endpoints that get a copy of the request. */
  mirrors?: Backend[]
}

export interface HttpHooks {
  /** The endpoint for the next attempt of a request, skipping `tried` (in `group` when it can); undefined when none is left. */
  pick(tried: ReadonlySet<string>, group?: number): Backend | undefined
  /** Whether an endpoint still takes new requests (its connection may go back to the pool). */
  isCurrent(b: Backend): boolean
  /** The idle connections of the Service port. */
  pool(): EndpointPool | undefined
  service: TrafficStats
  endpoint(b: Backend): TrafficStats
  /** Hand the rest of the connection to the TCP relay: `data` was read from the client and goes first. */
  tunnel(data: Buffer, ended: boolean): void
  sockets?: Set<Socket>
  log?(obj: Record<string, unknown>, msg: string): void
  /** Routing of a request from its head (`head` are its bytes); undefined: the balancer's plain pick. */
  route?(head: Buffer, req: RequestHead): RequestRoute | undefined
  /** Measurements: once per request, with the endpoint that answered or failed it (undefined: none was reached). */
  record?(b: Backend | undefined, o: RequestOutcome): void
  /** Send a copy of a whole request (its bytes) to `b`; the answer is discarded. Must never throw. */
  mirror?(b: Backend, bytes: readonly Buffer[], method: string): void
}

export interface HttpOptions {
  /** Connect timeout of each attempt; the number of entries bounds the attempts of a request. */
  connectTimeoutsMs?: number[]
  /** Request bytes held for a retry (head and body); a longer request is not retried once written. */
  replayLimitBytes?: number
  /** Longest request (head and body) that is mirrored; a longer one is not copied (default 64 KiB). */
  mirrorLimitBytes?: number
}

const defaultReplayLimit = 64 * 1024
export const defaultMirrorLimitBytes = 64 * 1024
/** Client bytes read ahead of the request being served (pipelining) before reading stops. */
const maxPending = 64 * 1024
const empty: Buffer = Buffer.alloc(0)

interface Upstream {
  socket: Socket
  backend: Backend
  stats: TrafficStats
  /** Taken from the pool (it may have gone stale while idle). */
  reused: boolean
  /** Remove the exchange's listeners (the connection goes back to the pool, or away). */
  detach(): void
}

interface Exchange {
  req: RequestHead
  body: BodyTracker
  /** Everything written for this request so far, while it fits in the replay limit; null after. */
  replay: Buffer[] | null
  replayBytes: number
  tried: Set<string>
  attempts: number
  /** The next attempt must open a new connection (a pooled one just failed). */
  fresh: boolean
  lastFailed?: TrafficStats
  up?: Upstream
  /** Waiting for the backend to drain before reading more of the body. */
  blocked: boolean
  /** Response bytes not yet parsed (head phase). */
  rbuf: Buffer
  res?: ResponseHead
  rbody?: BodyTracker
  /** Bytes of the response already sent to the client. */
  started: boolean
  responded: boolean
  /** The backend connection can go back to the pool once the exchange is over. */
  reusable: boolean
  /** The rest of the request body is read and dropped (the response is already complete). */
  discard: boolean
  /** When the request's head was complete (performance.now()). */
  t0: number
  route?: RequestRoute
  /** The request's bytes for its mirrors, while it fits in the mirror limit; null after (or without mirrors). */
  copy: Buffer[] | null
  copyBytes: number
  /** The endpoint of the last attempt. */
  last?: Backend
  recorded: boolean
}

const statusText: Record<number, string> = { 502: 'Bad Gateway', 503: 'Service Unavailable' }

/**
 * Serve an accepted client connection in HTTP mode. `first` holds the bytes already read from it
 * (at least a request line); the connection is already counted in `connections` and `active`.
 */
export function serveHttp(client: Socket, first: Buffer, hooks: HttpHooks, opts: HttpOptions = {}): void {
  const timeouts = opts.connectTimeoutsMs ?? defaultConnectTimeoutsMs
  const replayLimit = opts.replayLimitBytes ?? defaultReplayLimit
  const mirrorLimit = opts.mirrorLimitBytes ?? defaultMirrorLimitBytes
  const svc = hooks.service
  let pending: Buffer = first
  let ex: Exchange | undefined
  let clientEnded = false
  let done = false

  const onClientData = (chunk: Buffer) => {
    svc.bytesIn += chunk.length
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
    if (pending.length > maxPending) client.pause()
    if (!ex) next()
    else if (!ex.body.done) forwardBody()
  }
  const onClientEnd = () => {
    clientEnded = true
    if (!ex) next()
    else if (!ex.body.done) abort('client ended in the middle of a request body')
  }
  const onClientError = (err: Error) => hooks.log?.({ err: err.message }, 'client connection error')
  const onClientClose = () => {
    if (done) return
    done = true
    svc.active--
    if (ex?.up) drop(ex.up)
    ex = undefined
  }
  const onClientDrain = () => {
    if (ex?.up && !ex.responded) ex.up.socket.resume()
  }
  client.on('data', onClientData)
  client.on('end', onClientEnd)
  client.on('error', onClientError)
  client.on('close', onClientClose)
  client.on('drain', onClientDrain)

  /** Stop serving: the rest of the connection is a TCP tunnel. */
  const toTunnel = () => {
    done = true
    client.pause()
    client.off('data', onClientData)
    client.off('end', onClientEnd)
    client.off('error', onClientError)
    client.off('close', onClientClose)
    client.off('drain', onClientDrain)
    const data = pending
    pending = empty
    hooks.tunnel(data, clientEnded)
  }

  const abort = (why: string) => {
    hooks.log?.({}, why)
    if (ex?.up) drop(ex.up)
    ex = undefined
    reset(client)
  }

  /** Start the next request, if its head is complete. */
  const next = (): void => {
    if (done) return
    if (pending.length === 0) {
      if (clientEnded) client.end()
      else client.resume()
      return
    }
    const head = parseRequestHead(pending)
    if (head === 'more') {
      if (clientEnded) toTunnel()
      else client.resume()
      return
    }
    if (head === 'invalid' || head.tunnel) {
      toTunnel()
      return
    }
    // The client keeps flowing (a pause and resume per request would cost two syscalls): bytes
    // that come meanwhile wait in `pending`, up to maxPending.
    const bytes = pending.subarray(0, head.headLength)
    pending = pending.subarray(head.headLength)
    svc.requests++
    ex = {
      req: head,
      body: new BodyTracker(head.body, head.contentLength),
      replay: [bytes],
      replayBytes: bytes.length,
      tried: new Set(),
      attempts: 0,
      fresh: false,
      blocked: false,
      rbuf: empty,
      started: false,
      responded: false,
      reusable: false,
      discard: false,
      t0: performance.now(),
      copy: null,
      copyBytes: 0,
      recorded: false,
    }
    const route = hooks.route?.(bytes, head)
    if (route) {
      ex.route = route
      if (route.mirrors?.length && hooks.mirror && bytes.length <= mirrorLimit) {
        ex.copy = [bytes]
        ex.copyBytes = bytes.length
      }
    }
    dispatch(ex)
  }

  /** Send the request (what is held of it) to an endpoint: a pooled connection or a new one. */
  const dispatch = (x: Exchange): void => {
    if (ex !== x || done) return
    const b = x.attempts < timeouts.length ? hooks.pick(x.tried, x.route?.group) : undefined
    if (!b) {
      if (x.attempts === 0) svc.rejected++
      respond(x, x.attempts === 0 ? 503 : 502)
      return
    }
    if (x.lastFailed) {
      svc.retries++
      x.lastFailed.retries++
      x.lastFailed = undefined
    }
    const timeout = timeouts[x.attempts++]
    x.last = b
    const pooled = x.fresh ? undefined : hooks.pool()?.take(b.key)
    x.fresh = false
    if (pooled) {
      attach(x, pooled, b, true)
      return
    }
    connectOnce(b, timeout, hooks.sockets, (err, s) => {
      if (err) {
        // Never written: any method may go elsewhere.
        svc.connectErrors++
        x.lastFailed = hooks.endpoint(b)
        x.lastFailed.connectErrors++
        x.tried.add(b.key)
        hooks.log?.({ endpoint: b.key, err: err.message }, 'endpoint connect failed')
        dispatch(x)
        return
      }
      const stats = hooks.endpoint(b)
      stats.connections++
      stats.active++
      s.once('close', () => stats.active--)
      if (ex !== x || done) {
        s.destroy()
        return
      }
      attach(x, s, b, false)
    })
  }

  const attach = (x: Exchange, s: Socket, b: Backend, reused: boolean): void => {
    const onData = (chunk: Buffer) => onUpstreamData(x, up, chunk)
    const onEnd = () => onUpstreamEnd(x, up)
    const onError = (err: Error) => upstreamFailed(x, up, err.message)
    const onClose = () => upstreamFailed(x, up, 'connection closed')
    const onDrain = () => {
      if (ex === x && x.up === up && x.blocked) {
        x.blocked = false
        forwardBody()
      }
    }
    const up: Upstream = {
      socket: s,
      backend: b,
      stats: hooks.endpoint(b),
      reused,
      detach() {
        s.off('data', onData)
        s.off('end', onEnd)
        s.off('error', onError)
        s.off('close', onClose)
        s.off('drain', onDrain)
      },
    }
    x.up = up
    x.rbuf = empty
    s.on('data', onData)
    s.on('end', onEnd)
    s.on('error', onError)
    s.on('close', onClose)
    s.on('drain', onDrain)
    let ok = true
    for (const chunk of x.replay ?? []) {
      up.stats.bytesIn += chunk.length
      ok = s.write(chunk)
    }
    if (s.isPaused()) s.resume()
    x.blocked = !ok
    forwardBody()
  }

  /** Move body bytes of the current request from `pending` to its endpoint (or drop them). */
  const forwardBody = (): void => {
    const x = ex
    if (!x || done) return
    const sink = x.discard || (x.up !== undefined && !x.blocked)
    if (!x.body.done && pending.length && sink) {
      let n: number
      try {
        n = x.body.take(pending)
      } catch (err) {
        abort(`malformed request body: ${(err as Error).message}`)
        return
      }
      const part = pending.subarray(0, n)
      pending = pending.subarray(n)
      if (x.copy) {
        x.copyBytes += n
        if (x.copyBytes > mirrorLimit) x.copy = null
        else x.copy.push(part)
      }
      if (!x.discard && x.up) {
        if (x.replay) {
          x.replay.push(part)
          x.replayBytes += n
          if (x.replayBytes > replayLimit) x.replay = null
        }
        x.up.stats.bytesIn += n
        if (!x.up.socket.write(part)) x.blocked = true
      }
    }
    if (x.body.done) {
      sendCopies(x)
      if (x.responded) finish(x)
    } else if (!x.discard && (x.blocked || !x.up)) {
      client.pause() // connecting, retrying, or the endpoint is not keeping up
    } else if (clientEnded) {
      abort('client ended in the middle of a request body')
    } else {
      client.resume()
    }
  }

  const writeClient = (x: Exchange, data: Buffer): void => {
    if (data.length === 0 || client.destroyed) return
    x.started = true
    x.replay = null
    if (!client.write(data)) x.up?.socket.pause()
  }

  const onUpstreamData = (x: Exchange, up: Upstream, chunk: Buffer): void => {
    if (ex !== x || x.up !== up) return
    // A response head and its body usually come in one chunk: one writev, not a write each.
    client.cork()
    try {
      forwardResponse(x, up, chunk)
    } finally {
      client.uncork()
    }
  }

  const forwardResponse = (x: Exchange, up: Upstream, chunk: Buffer): void => {
    svc.bytesOut += chunk.length
    up.stats.bytesOut += chunk.length
    if (x.responded) {
      x.reusable = false // bytes no request asked for
      return
    }
    let data = chunk
    while (!x.res) {
      x.rbuf = x.rbuf.length ? Buffer.concat([x.rbuf, data]) : data
      const head = parseResponseHead(x.rbuf, x.req.method)
      if (head === 'more') return
      if (head === 'invalid') {
        drop(up)
        measure(x, up.backend, 502, true)
        if (x.started) abort('malformed response from the endpoint')
        else respond(x, 502)
        return
      }
      if (head.status === 101) {
        // Switching protocols without an Upgrade request (those go through the tunnel): give up on
        // interpreting, pass the bytes through as they are.
        hooks.log?.({ endpoint: up.backend.key }, 'unexpected 101 from the endpoint; piping')
        pipeThrough(x, up)
        return
      }
      const cookie = head.status >= 200 ? x.route?.setCookie?.(up.backend) : undefined
      if (cookie) {
        // The head as it came, with one field added before its blank line.
        writeClient(x, x.rbuf.subarray(0, head.headLength - 2))
        writeClient(x, Buffer.from(`Set-Cookie: ${cookie}\r\n\r\n`, 'latin1'))
      } else {
        writeClient(x, x.rbuf.subarray(0, head.headLength))
      }
      data = x.rbuf.subarray(head.headLength)
      x.rbuf = empty
      if (head.status >= 200) {
        x.res = head
        x.rbody = new BodyTracker(head.body, head.contentLength)
        up.stats.requests++
      } else if (data.length === 0) {
        return // an interim response (103 Early Hints, 102 Processing); the final one follows
      }
    }
    let n: number
    try {
      n = x.rbody!.take(data)
    } catch (err) {
      drop(up)
      measure(x, up.backend, x.res?.status ?? 502, true)
      abort(`malformed response body from the endpoint: ${(err as Error).message}`)
      return
    }
    writeClient(x, data.subarray(0, n))
    if (x.rbody!.done) {
      if (n < data.length) x.rbuf = data.subarray(n) // bytes past the response: the connection is not reused
      responseComplete(x, up, n === data.length)
    }
  }

  const onUpstreamEnd = (x: Exchange, up: Upstream): void => {
    if (ex !== x || x.up !== up || x.responded) return
    if (x.res?.body === 'close') {
      responseComplete(x, up, false)
      return
    }
    upstreamFailed(x, up, 'connection closed by the endpoint')
  }

  const upstreamFailed = (x: Exchange, up: Upstream, why: string): void => {
    if (ex !== x || x.up !== up || x.responded || done) return
    drop(up)
    x.up = undefined
    if (x.started) {
      svc.requestErrors++
      up.stats.requestErrors++
      measure(x, up.backend, x.res?.status ?? 502, true)
      hooks.log?.({ endpoint: up.backend.key, err: why }, 'endpoint failed in the middle of a response; resetting the client')
      abort(why)
      return
    }
    up.stats.connectErrors++
    svc.connectErrors++
    x.lastFailed = up.stats
    // A stale pooled connection says nothing about the endpoint: try again on a new connection,
    // maybe to the same one. A new connection that failed rules the endpoint out for this request.
    if (up.reused) x.fresh = true
    else x.tried.add(up.backend.key)
    const canRetry = x.replay !== null && idempotentMethods.has(x.req.method) && !client.destroyed
    hooks.log?.({ endpoint: up.backend.key, err: why, retry: canRetry }, 'endpoint failed before answering')
    if (canRetry) {
      x.blocked = false
      dispatch(x)
    } else {
      respond(x, 502)
    }
  }

  /** Answer the request from the proxy (nothing of a response has been sent). */
  const respond = (x: Exchange, status: 502 | 503): void => {
    if (x.up) drop(x.up)
    x.up = undefined
    svc.requestErrors++
    measure(x, x.last, status, true)
    const body = x.req.method === 'HEAD' ? '' : `${statusText[status]}\n`
    const close = !x.req.keepAlive || clientEnded
    const head = `HTTP/1.1 ${status} ${statusText[status]}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(statusText[status]) + 1}\r\n${close ? 'connection: close\r\n' : ''}\r\n`
    if (!client.destroyed) client.write(head + body)
    x.started = true
    x.responded = true
    x.res = { status, headLength: 0, body: 'none', contentLength: 0, keepAlive: !close }
    x.discard = true
    if (x.body.done) finish(x)
    else forwardBody()
  }

  /** Once per request: its outcome, for the traffic measurements. */
  const measure = (x: Exchange, b: Backend | undefined, status: number, failed: boolean): void => {
    if (x.recorded || !hooks.record) return
    x.recorded = true
    hooks.record(b, { status, latencyMs: performance.now() - x.t0, ...(failed ? { failed } : {}) })
  }

  /** The request is read whole and fits the mirror limit: its copies go out. */
  const sendCopies = (x: Exchange): void => {
    const copy = x.copy
    if (!copy) return
    x.copy = null
    for (const b of x.route?.mirrors ?? []) hooks.mirror!(b, copy, x.req.method)
  }

  const responseComplete = (x: Exchange, up: Upstream, clean: boolean): void => {
    x.responded = true
    measure(x, up.backend, x.res!.status, false)
    x.reusable = clean && x.res!.keepAlive && !up.socket.destroyed
    if (!x.body.done) {
      // The endpoint answered before reading the whole body (a 413, a redirect): its connection
      // is done; the rest of the body is read and dropped to find the next request.
      x.discard = true
      x.reusable = false
      forwardBody()
      return
    }
    finish(x)
  }

  /** The request is fully read and its response fully sent: release the endpoint, go on to the next request. */
  const finish = (x: Exchange): void => {
    if (ex !== x) return
    ex = undefined
    const up = x.up
    if (up) {
      x.up = undefined
      up.detach()
      const pool = hooks.pool()
      if (x.reusable && pool && hooks.isCurrent(up.backend)) pool.put(up.backend.key, up.socket, x.res?.keepAliveTimeoutMs)
      else up.socket.destroy()
    }
    // The client asked to close, or was told the backend closes (Connection: close, or a body that
    // ends with the connection): end our side too, once the answer is out.
    if (!x.req.keepAlive || !x.res?.keepAlive) {
      done = true
      client.end()
      return
    }
    next()
  }

  /** A 101 the proxy did not ask for: the two connections become one pipe. */
  const pipeThrough = (x: Exchange, up: Upstream): void => {
    done = true
    ex = undefined
    up.detach()
    client.off('data', onClientData)
    client.off('end', onClientEnd)
    client.off('drain', onClientDrain)
    const s = up.socket
    if (!client.destroyed) client.write(x.rbuf)
    if (pending.length) s.write(pending)
    s.on('error', () => reset(client))
    client.on('error', () => reset(s))
    client.on('close', () => s.destroy())
    s.on('close', () => client.destroy())
    s.pipe(client)
    client.pipe(s)
    client.resume()
  }

  next()
}

function drop(up: Upstream): void {
  up.detach()
  up.socket.destroy()
}

/**
 * Read the first bytes of an accepted connection (paused, from a `pauseOnConnect` server) and tell
 * an HTTP request line from anything else. `decide` gets the bytes read so far (the caller sends
 * them on) and whether the client has already half-closed; it is called once, unless the client
 * goes away first. Without a byte within `timeoutMs` the connection is `other` (a protocol where
 * the server speaks first); undefined waits as long as the client does. Counts the connection.
 */
export function sniffConnection(client: Socket, timeoutMs: number | undefined, svc: TrafficStats, decide: (kind: 'http' | 'other', data: Buffer, ended: boolean) => void): void {
  svc.connections++
  svc.active++
  let data: Buffer = empty
  let settled = false
  const settle = (kind: 'http' | 'other', ended: boolean) => {
    if (settled) return
    settled = true
    if (timer) clearTimeout(timer)
    client.pause()
    client.off('data', onData)
    client.off('end', onEnd)
    client.off('close', onClose)
    decide(kind, data, ended)
  }
  const onData = (chunk: Buffer) => {
    svc.bytesIn += chunk.length
    data = data.length ? Buffer.concat([data, chunk]) : chunk
    const kind = sniffRequest(data)
    if (kind !== 'more') settle(kind, false)
    else if (timer) {
      clearTimeout(timer) // a first byte came: no longer a server-first protocol
      timer = undefined
    }
  }
  const onEnd = () => settle('other', true)
  const onClose = () => {
    if (settled) return
    settled = true
    if (timer) clearTimeout(timer)
    svc.active--
  }
  let timer: NodeJS.Timeout | undefined = timeoutMs === undefined ? undefined : setTimeout(() => settle('other', false), timeoutMs)
  client.on('data', onData)
  client.on('end', onEnd)
  client.on('close', onClose)
  client.resume()
}
