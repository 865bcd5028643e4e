// A small client for etcd v3's JSON gateway (gRPC-gateway: POST /v3/kv/range, /v3/kv/txn,
// /v3/kv/compaction, /v3/watch; keys and values base64, int64 fields as strings), over undici.
//
// Several endpoints (the members of one cluster): requests go to the current one; a member that
// cannot be reached, or answers Unavailable (no leader, timed out) to a request that may be
// repeated, sends the request on to the next. A write whose fate is unknown (the connection broke
// after it was sent, or etcd timed out waiting for the raft commit) is never resent: its error goes
// up, as kube-apiserver's etcd client does.
import type { Agent } from 'undici'
import { lazyRequire } from '../../lib/lazy.js'

// undici loads with the first gateway (only with --store etcd://...: off the SQLite start-up).
const undici = lazyRequire<typeof import('undici')>('undici')

/** PEM texts for `etcds://` (TLS): the CA that signed etcd's serving certificate, and an optional client certificate. */
export interface EtcdTls {
  ca?: string
  cert?: string
  key?: string
}

/** An error etcd answered (grpcCode: the gRPC status code, message: etcd's own words). */
export class EtcdRpcError extends Error {
  constructor(
    readonly grpcCode: number,
    message: string,
  ) {
    super(message)
    this.name = 'EtcdRpcError'
  }
}

/** No answer from any endpoint, or an answer lost on the way (the request may or may not have been applied). */
export class EtcdUnreachableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'EtcdUnreachableError'
  }
}

/** gRPC status codes etcd uses for "try again, maybe elsewhere". */
export const grpcUnavailable = 14
export const grpcDeadlineExceeded = 4

export interface GatewayOptions {
  tls?: EtcdTls
  /** Longest wait for the answer to one request (etcd itself gives up on a raft proposal after ~7 s). */
  requestTimeoutMs?: number
}

const connectCodes = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL'])

function errCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } }
  return e?.code && e.code !== 'UND_ERR_SOCKET' ? e.code : (e?.cause?.code ?? e?.code)
}

export class Gateway {
  private current = 0
  /** Unary calls: a bounded keep-alive pool per member. */
  private readonly agent: Agent
  /** Watch streams: each holds its connection for its lifetime, so they never queue behind each other or the calls. */
  private readonly streams: Agent
  private readonly timeoutMs: number

  constructor(
    readonly endpoints: string[],
    opts: GatewayOptions = {},
  ) {
    if (endpoints.length === 0) throw new TypeError('etcd: no endpoints')
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000
    const tls = opts.tls
    const connect = tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : undefined
    this.agent = new (undici().Agent)({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000, connect })
    this.streams = new (undici().Agent)({ pipelining: 1, keepAliveTimeout: 1_000, connect })
  }

  /** The endpoint requests go to now. */
  get endpoint(): string {
    return this.endpoints[this.current % this.endpoints.length]!
  }

  private rotate(from: number): void {
    if (this.current === from) this.current = (from + 1) % this.endpoints.length
  }

  /**
   * One unary call. `idempotent`: it may be sent again after an ambiguous failure (reads; writes
   * guarded by a compare that fails the second time are not, as their answer would be wrong).
   */
  async call<T>(path: string, body: unknown, idempotent: boolean): Promise<T> {
    const payload = JSON.stringify(body)
    let last: Error | undefined
    // What a live member said beats "connection refused" from a stopped one.
    let lastAnswer: EtcdRpcError | undefined
    for (let attempt = 0; attempt < this.endpoints.length; attempt++) {
      const index = this.current
      const endpoint = this.endpoints[index]!
      let status: number
      let text: string
      try {
        const res = await undici().request(`${endpoint}${path}`, {
          method: 'POST',
          body: payload,
          headers: { 'content-type': 'application/json' },
          dispatcher: this.agent,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        })
        status = res.statusCode
        text = await res.body.text()
      } catch (err) {
        const code = errCode(err)
        last = new EtcdUnreachableError(`etcd ${endpoint}: ${(err as Error).message}${code ? ` (${code})` : ''}`)
        this.rotate(index)
        // Never sent (nothing listening): safe to send elsewhere. Sent and lost: only if idempotent.
        if (code && connectCodes.has(code)) continue
        if (idempotent) continue
        throw last
      }
      let parsed: { error?: string; message?: string; code?: number } & Record<string, unknown>
      try {
        parsed = JSON.parse(text)
      } catch {
        throw new EtcdUnreachableError(`etcd ${endpoint}: answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`)
      }
      if (status === 200 && parsed.error === undefined && parsed.code === undefined) return parsed as T
      const grpcCode = typeof parsed.code === 'number' ? parsed.code : 2
      const rpc = new EtcdRpcError(grpcCode, String(parsed.message ?? parsed.error ?? `HTTP ${status}`))
      if (grpcCode === grpcUnavailable || grpcCode === grpcDeadlineExceeded) {
        // This member has no leader or could not commit: the next request tries another one.
        this.rotate(index)
        if (idempotent) {
          lastAnswer = rpc
          continue
        }
      }
      throw rpc
    }
    throw lastAnswer ?? last ?? new EtcdUnreachableError('etcd: no endpoint answered')
  }

  /**
   * Opens a streaming call (watch) on the current endpoint; the caller reads newline-delimited
   * JSON messages from `body` and aborts `signal` to end it. A failure to connect rotates to the
   * next endpoint and throws (the caller retries).
   */
  async stream(path: string, body: unknown, signal: AbortSignal): Promise<{ endpoint: string; body: AsyncIterable<Buffer>; fail(): void }> {
    const index = this.current
    const endpoint = this.endpoints[index]!
    try {
      const res = await undici().request(`${endpoint}${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        // Like kube-apiserver's watches (clientv3.WithRequireLeader): a member that has lost its
        // leader ends the stream, so the watch moves to a member that still has one.
        headers: { 'content-type': 'application/json', 'grpc-metadata-hasleader': 'true' },
        dispatcher: this.streams,
        headersTimeout: this.timeoutMs,
        bodyTimeout: 0,
        signal,
      })
      if (res.statusCode !== 200) {
        const text = await res.body.text().catch(() => '')
        this.rotate(index)
        throw new EtcdUnreachableError(`etcd ${endpoint}: watch answered ${res.statusCode}: ${text.slice(0, 200)}`)
      }
      return { endpoint, body: res.body, fail: () => this.rotate(index) }
    } catch (err) {
      if (err instanceof EtcdUnreachableError || signal.aborted) throw err
      this.rotate(index)
      throw new EtcdUnreachableError(`etcd ${endpoint}: ${(err as Error).message}`)
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.destroy().catch(() => {}), this.streams.destroy().catch(() => {})])
  }
}

/** Splits a byte stream into the JSON messages of a gRPC-gateway stream (one a line). */
export async function* jsonLines(body: AsyncIterable<Buffer>): AsyncGenerator<unknown> {
  let pending = ''
  for await (const chunk of body) {
    pending += chunk.toString('utf8')
    let nl: number
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim()
      pending = pending.slice(nl + 1)
      if (line) yield JSON.parse(line)
    }
  }
  if (pending.trim()) yield JSON.parse(pending)
}
