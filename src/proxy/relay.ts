// The TCP relay: connect a client to an endpoint, retrying on another endpoint when the connect
// fails, then copy bytes both ways with back-pressure and half-close, counting as it goes.
// HTTP-agnostic: it never looks at the bytes.
//
// Retries follow upstream's userspace proxier (pkg/proxy/userspace/proxysocket.go,
// TryConnectEndpoints): up to 4 attempts with connect timeouts of 250 ms, 500 ms, 1 s and 2 s,
// each on the next endpoint. kubelite never tries the same endpoint twice for one connection,
// and also retries when an endpoint accepted the connection but reset it before sending a single
// byte (a backend that died with connections still in its accept queue): what the client sent so
// far (up to 64 KiB) is replayed to the next endpoint, which is safe because the first endpoint
// answered nothing.
import { connect, type Socket } from 'node:net'
import type { Backend } from './endpoints.js'
import type { TrafficStats } from './metrics.js'

export interface RelayOptions {
  /** Connect timeout of each attempt; the number of entries bounds the attempts. */
  connectTimeoutsMs?: number[]
  /** Client bytes kept for a replay while the endpoint has not answered. */
  replayLimitBytes?: number
}

export const defaultConnectTimeoutsMs = [250, 500, 1000, 2000]
const defaultReplayLimit = 64 * 1024

export interface DialHooks {
  /** The endpoint for the next attempt, skipping those already tried; undefined when none is left. */
  pick(tried: ReadonlySet<string>): Backend | undefined
  /** Counters of the Service port. */
  service: TrafficStats
  /** Counters of an endpoint of that port. */
  endpoint(b: Backend): TrafficStats
  /** Every socket opened (client and endpoint sides), so shutdown can close them. */
  sockets?: Set<Socket>
  /** Optional diagnostics. */
  log?(obj: Record<string, unknown>, msg: string): void
  /** A connection was relayed to `b` (the traffic measurements count TCP-mode connections). */
  connected?(b: Backend): void
}

/** Errors that mean "this endpoint did not take the connection": try the next one. */
const retryableAfterConnect = new Set(['ECONNRESET', 'EPIPE'])

class ConnectTimeout extends Error {
  readonly code = 'ETIMEDOUT'
  constructor(b: Backend, ms: number) {
    super(`connect to ${b.key} timed out after ${ms} ms`)
  }
}

export function track(sockets: Set<Socket> | undefined, s: Socket): void {
  if (!sockets) return
  sockets.add(s)
  s.once('close', () => sockets.delete(s))
}

export function reset(s: Socket | undefined): void {
  if (!s || s.destroyed) return
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy()
  else s.destroy()
}

/** One connect attempt: `done` gets the connected socket, or the error (socket destroyed) on failure or timeout. */
export function connectOnce(b: Backend, timeoutMs: number, sockets: Set<Socket> | undefined, done: (err: Error | null, s: Socket) => void): void {
  const s = connect({ host: b.ip, port: b.port, allowHalfOpen: true, noDelay: true })
  track(sockets, s)
  const timer = setTimeout(() => s.destroy(new ConnectTimeout(b, timeoutMs)), timeoutMs)
  const onError = (err: Error) => {
    clearTimeout(timer)
    s.destroy()
    done(err, s)
  }
  s.once('error', onError)
  s.once('connect', () => {
    clearTimeout(timer)
    s.off('error', onError)
    done(null, s)
  })
}

const connectAsync = (b: Backend, timeoutMs: number, sockets: Set<Socket> | undefined): Promise<Socket> =>
  new Promise((resolve, reject) => connectOnce(b, timeoutMs, sockets, (err, s) => (err ? reject(err) : resolve(s))))

/**
 * Connect to an endpoint of a Service port, retrying on others (no relay: the caller owns the
 * socket). Rejects with the last connect error, or with `noEndpoint()` when there was none to try.
 */
export async function dialEndpoint(hooks: DialHooks, opts: RelayOptions = {}, noEndpoint: () => Error = () => new Error('no ready endpoint')): Promise<{ socket: Socket; backend: Backend }> {
  const timeouts = opts.connectTimeoutsMs ?? defaultConnectTimeoutsMs
  const tried = new Set<string>()
  let lastErr: Error | undefined
  let lastFailed: TrafficStats | undefined
  for (let attempt = 0; attempt < timeouts.length; attempt++) {
    const b = hooks.pick(tried)
    if (!b) break
    if (lastFailed) {
      hooks.service.retries++
      lastFailed.retries++
    }
    tried.add(b.key)
    try {
      const socket = await connectAsync(b, timeouts[attempt], hooks.sockets)
      return { socket, backend: b }
    } catch (err) {
      lastErr = err as Error
      hooks.service.connectErrors++
      lastFailed = hooks.endpoint(b)
      lastFailed.connectErrors++
      hooks.log?.({ endpoint: b.key, err: lastErr.message }, 'endpoint connect failed')
    }
  }
  throw lastErr ?? noEndpoint()
}

/** Where a relay starts when the proxy has already read from the client (the HTTP mode's sniffing, or its tunnel fallback). */
export interface RelayStart {
  /** Bytes read from the client that the endpoint must get first. */
  data?: Buffer
  /** The client has already half-closed. */
  ended?: boolean
  /** The connection is already counted in `connections` and `active` (only the close is left to count). */
  counted?: boolean
}

/**
 * Relay an accepted client connection (created with `pauseOnConnect` and `allowHalfOpen`, and
 * paused) to an endpoint. Never throws; every socket error ends in a close. A client whose
 * connection cannot be placed on any endpoint is reset, as upstream's REJECT rule does for a
 * Service without endpoints.
 */
export function relayConnection(client: Socket, hooks: DialHooks, opts: RelayOptions = {}, start: RelayStart = {}): void {
  // The client socket comes from a server created with noDelay, so Nagle is already off.
  const timeouts = opts.connectTimeoutsMs ?? defaultConnectTimeoutsMs
  const replayLimit = opts.replayLimitBytes ?? defaultReplayLimit
  const svc = hooks.service
  const tried = new Set<string>()
  let attempt = 0
  let upstream: Socket | undefined
  let ep: TrafficStats | undefined
  let answered = false
  let replay: Buffer[] | null = start.data?.length ? [start.data] : []
  let replayBytes = start.data?.length ?? 0
  // Bytes read before the relay began are sent even when they are too many to replay on a retry.
  let noRetry = replayBytes > replayLimit
  let clientEnded = start.ended === true
  let clientClosed = false
  /** The endpoint whose failure the next attempt retries. */
  let lastFailed: TrafficStats | undefined

  if (!start.counted) {
    svc.connections++
    svc.active++
  }
  track(hooks.sockets, client)

  client.on('error', (err) => {
    hooks.log?.({ err: err.message }, 'client connection error')
    reset(upstream)
  })
  client.on('close', () => {
    clientClosed = true
    svc.active--
    // A client that went away with an error takes the endpoint side with it; one still
    // connecting is dropped by the connect callback (clientClosed).
    if (client.errored) reset(upstream)
  })
  client.on('end', () => {
    clientEnded = true
    if (upstream && !upstream.destroyed) upstream.end()
  })
  client.on('data', (chunk: Buffer) => {
    svc.bytesIn += chunk.length
    if (ep) ep.bytesIn += chunk.length
    if (replay) {
      replay.push(chunk)
      replayBytes += chunk.length
      if (replayBytes > replayLimit) replay = null
    }
    if (upstream && !upstream.destroyed) {
      if (!upstream.write(chunk)) client.pause()
    }
  })
  client.on('drain', () => {
    upstream?.resume()
  })

  const fail = () => {
    upstream = undefined
    reset(client)
  }

  const attach = (s: Socket, b: Backend) => {
    upstream = s
    ep = hooks.endpoint(b)
    ep.connections++
    ep.active++
    hooks.connected?.(b)
    const stats = ep
    s.once('close', () => {
      stats.active--
    })
    s.on('data', (chunk: Buffer) => {
      if (!answered) {
        answered = true
        replay = null
        noRetry = true
      }
      svc.bytesOut += chunk.length
      stats.bytesOut += chunk.length
      if (!client.destroyed && !client.write(chunk)) s.pause()
    })
    s.on('drain', () => {
      if (upstream === s) client.resume()
    })
    s.on('end', () => {
      if (!client.destroyed) client.end()
    })
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (upstream !== s) return
      const code = err.code ?? ''
      if (!answered && replay && !noRetry && retryableAfterConnect.has(code) && attempt < timeouts.length && !clientClosed) {
        // Accepted, then reset before answering: count it as a failed connect and move on.
        svc.connectErrors++
        stats.connectErrors++
        lastFailed = stats
        hooks.log?.({ endpoint: b.key, err: err.message }, 'endpoint reset before answering; retrying')
        upstream = undefined
        ep = undefined
        client.pause()
        next()
        return
      }
      hooks.log?.({ endpoint: b.key, err: err.message }, 'endpoint connection error')
      fail()
    })
    // Replay what the client sent to an endpoint that reset without answering.
    if (replay && replay.length) {
      let ok = true
      for (const chunk of replay) {
        stats.bytesIn += chunk.length
        ok = s.write(chunk)
      }
      if (!ok) client.pause()
    }
    if (clientEnded) s.end()
    else client.resume()
  }

  const next = (): void => {
    if (clientClosed) return
    const b = attempt < timeouts.length ? hooks.pick(tried) : undefined
    if (!b) {
      if (attempt === 0) svc.rejected++
      fail()
      return
    }
    if (lastFailed) {
      svc.retries++
      lastFailed.retries++
      lastFailed = undefined
    }
    tried.add(b.key)
    const timeout = timeouts[attempt++]
    const onConnect = (err: Error | null, s: Socket) => {
      if (err) {
        svc.connectErrors++
        lastFailed = hooks.endpoint(b)
        lastFailed.connectErrors++
        hooks.log?.({ endpoint: b.key, err: err.message }, 'endpoint connect failed')
        next()
      } else if (clientClosed) {
        s.destroy()
      } else {
        attach(s, b)
      }
    }
    connectOnce(b, timeout, hooks.sockets, onConnect)
  }

  next()
}
