// Idle keep-alive connections to the endpoints of one Service port, for the HTTP mode: a request
// takes the most recently used idle connection to the endpoint the balancer picked (LIFO keeps the
// warmest connections and lets the rest time out), and gives it back once its response is complete.
//
// An idle connection is closed by the pool before the backend would close it: after the backend's
// own `Keep-Alive: timeout=N` hint minus a margin (as undici does), or after idleTimeoutMs when the
// backend gives none. A connection the backend closes anyway (FIN, reset, stray bytes) leaves the
// pool the moment the proxy reads it; the race that remains (a close in flight while a request is
// written) is what the HTTP mode's retry of idempotent requests covers. Connections to endpoints
// that leave the ready set are closed at once (`retain`).
import type { Socket } from 'node:net'

export interface PoolOptions {
  /** Idle time before the pool closes a connection, when the backend sends no Keep-Alive hint (ms, default 2000). */
  idleTimeoutMs?: number
  /** Idle connections kept per endpoint (default 32). */
  maxIdlePerEndpoint?: number
}

/** Subtracted from a backend's Keep-Alive timeout hint (or half the hint, when that is smaller). */
const hintMarginMs = 1000
/** Below this, an idle connection is not worth keeping. */
const minIdleMs = 100
/** How often expired idle connections are closed (one timer per pool, not one per connection). */
const sweepEveryMs = 100

interface Idle {
  socket: Socket
  expires: number
  cleanup(): void
}

export class EndpointPool {
  private readonly idle = new Map<string, Idle[]>()
  private readonly idleTimeoutMs: number
  private readonly maxIdle: number
  private closed = false
  private sweeper: NodeJS.Timeout | undefined

  constructor(opts: PoolOptions = {}) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 2000
    this.maxIdle = opts.maxIdlePerEndpoint ?? 32
  }

  /** Idle connections held now, for every endpoint (tests, diagnostics). */
  get size(): number {
    let n = 0
    for (const list of this.idle.values()) n += list.length
    return n
  }

  /** An idle connection to `key`, taken out of the pool; undefined when there is none. */
  take(key: string): Socket | undefined {
    const list = this.idle.get(key)
    while (list && list.length) {
      const entry = list.pop()!
      entry.cleanup()
      if (list.length === 0) this.idle.delete(key)
      const s = entry.socket
      if (!s.destroyed && !s.readableEnded && s.writable) return s
      s.destroy()
    }
    return undefined
  }

  /**
   * Keep a connection whose exchange is complete for the next request to `key`. `hintMs` is the
   * backend's Keep-Alive timeout. The socket must have no listeners of the exchange left.
   */
  put(key: string, socket: Socket, hintMs?: number): void {
    let ttl = this.idleTimeoutMs
    if (hintMs !== undefined) ttl = Math.min(ttl, hintMs - Math.min(hintMarginMs, hintMs / 2))
    let list = this.idle.get(key)
    if (this.closed || ttl < minIdleMs || socket.destroyed || (list && list.length >= this.maxIdle)) {
      socket.destroy()
      return
    }
    if (!list) this.idle.set(key, (list = []))
    const drop = () => {
      const l = this.idle.get(key)
      const i = l ? l.indexOf(entry) : -1
      if (i >= 0) {
        l!.splice(i, 1)
        if (l!.length === 0) this.idle.delete(key)
      }
      entry.cleanup()
      socket.destroy()
    }
    // Any sign of life from an idle connection ends it: the backend closing (end, error), or bytes
    // no request asked for. Seeing them needs the socket flowing (it stays so while pooled).
    const onData = () => drop()
    const entry: Idle = {
      socket,
      expires: Date.now() + ttl,
      cleanup: () => {
        socket.off('data', onData)
        socket.off('end', drop)
        socket.off('error', drop)
        socket.off('close', drop)
      },
    }
    socket.on('data', onData)
    socket.on('end', drop)
    socket.on('error', drop)
    socket.on('close', drop)
    if (socket.isPaused()) socket.resume()
    list.push(entry)
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), sweepEveryMs)
      this.sweeper.unref()
    }
  }

  private sweep(): void {
    const now = Date.now()
    for (const [key, list] of [...this.idle]) {
      const keep = list.filter((e) => e.expires > now)
      if (keep.length === list.length) continue
      for (const e of list) {
        if (e.expires > now) continue
        e.cleanup()
        e.socket.destroy()
      }
      if (keep.length) this.idle.set(key, keep)
      else this.idle.delete(key)
    }
    if (this.idle.size === 0 && this.sweeper) {
      clearInterval(this.sweeper)
      this.sweeper = undefined
    }
  }

  /** Close the idle connections of every endpoint `keep` rejects (it left the ready set). */
  retain(keep: (key: string) => boolean): void {
    for (const [key, list] of [...this.idle]) {
      if (keep(key)) continue
      this.idle.delete(key)
      for (const e of list) {
        e.cleanup()
        e.socket.destroy()
      }
    }
  }

  /** Close every idle connection; later puts close theirs at once. */
  close(): void {
    this.closed = true
    this.retain(() => false)
    if (this.sweeper) clearInterval(this.sweeper)
    this.sweeper = undefined
  }
}
