// The etcd v3 backend: every key and revision lives in an etcd cluster, as under kube-apiserver.
//
// Each Store method is one etcd call: get/list/count a range (list at a revision with a limit and a
// start key, the way the API server pages), create a txn `create_revision == 0 → put`, update a txn
// `mod_revision == expected → put, else get`, delete a txn `mod_revision == expected → delete, else
// get`, compact a compaction. The revision etcd gives a write is the object's resourceVersion. A
// watch is etcd's watch from a start revision, which replays history and then streams with no gap;
// when its member goes away it resumes on another from the revision after the last one it received.
//
// Errors: compacted revisions → Expired, future ones → TooLarge, an etcd that cannot commit (lost
// quorum: "etcdserver: request timed out") or cannot be reached → Unavailable, with etcd's words.
import {
  StoreError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type WatchEvent,
  type WatchEventType,
  type WatchOptions,
} from '../types.js'
import { EtcdRpcError, EtcdUnreachableError, Gateway, jsonLines, type EtcdTls } from './gateway.js'

export interface EtcdStoreOptions {
  /** Client URLs of the members: http://HOST:PORT or https://HOST:PORT. */
  endpoints: string[]
  tls?: EtcdTls
  /** Prepended to every key in etcd (tests use one per case; kube-apiserver's --etcd-prefix). */
  keyPrefix?: string
  /** A watcher with more undelivered events than this is ended with Expired (default 10,000). */
  maxWatchBuffer?: number
  /** Longest wait for one request's answer (default 30 s). */
  requestTimeoutMs?: number
}

/** The wire shapes of etcd's JSON gateway (int64 as strings, bytes as base64). */
interface WireKv {
  key: string
  value?: string
  create_revision?: string
  mod_revision?: string
  version?: string
}
interface WireHeader {
  revision?: string
}
interface RangeResponse {
  header: WireHeader
  kvs?: WireKv[]
  count?: string
  more?: boolean
}
interface TxnResponse {
  header: WireHeader
  succeeded?: boolean
  responses?: {
    response_range?: RangeResponse
    response_put?: { header: WireHeader; prev_kv?: WireKv }
    response_delete_range?: { header: WireHeader; deleted?: string; prev_kvs?: WireKv[] }
  }[]
}
interface WatchResponse {
  result?: {
    header?: WireHeader
    created?: boolean
    canceled?: boolean
    compact_revision?: string
    cancel_reason?: string
    events?: { type?: 'PUT' | 'DELETE'; kv: WireKv; prev_kv?: WireKv }[]
  }
  error?: { grpc_code?: number; message?: string }
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64')
const unb64 = (s: string | undefined): string => (s ? Buffer.from(s, 'base64').toString('utf8') : '')
const num = (s: string | undefined): number => (s ? Number(s) : 0)

/** The first key after every key that starts with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1
      return end.subarray(0, i + 1)
    }
  }
  return Buffer.from([0]) // every key
}

const compactedMessage = 'mvcc: required revision has been compacted'
const futureMessage = 'mvcc: required revision is a future revision'

export class EtcdStore implements Store {
  private readonly gw: Gateway
  private readonly keyPrefix: string
  private readonly maxWatchBuffer: number
  private readonly watches = new Set<EtcdWatch>()
  private closed = false
  /** The newest revision seen in any answer: where a watch "from now" starts. */
  seen = 0
  /** The compacted revision found last (compactedRevision() checks it first). */
  private compactedHint = 0

  constructor(opts: EtcdStoreOptions) {
    this.gw = new Gateway(opts.endpoints, { tls: opts.tls, requestTimeoutMs: opts.requestTimeoutMs })
    this.keyPrefix = opts.keyPrefix ?? ''
    this.maxWatchBuffer = opts.maxWatchBuffer ?? 10_000
  }

  get endpoints(): string[] {
    return this.gw.endpoints
  }

  /** How many watch streams are open (for metrics and tests). */
  get watcherCount(): number {
    return this.watches.size
  }

  async currentRevision(): Promise<number> {
    const r = await this.rpc<RangeResponse>('/v3/kv/range', { key: b64(this.keyPrefix + '\0'), count_only: true }, true)
    return num(r.header.revision)
  }

  /**
   * etcd has no call that names its compacted revision, but a read at a revision fails exactly when
   * that revision is below it: the lowest readable revision is found by bisection (a handful of
   * reads, starting from the last answer, which is usually still right).
   */
  async compactedRevision(): Promise<number> {
    const current = await this.currentRevision()
    const readable = async (rev: number): Promise<boolean> => {
      try {
        await this.rpc<RangeResponse>('/v3/kv/range', { key: b64(this.keyPrefix + '\0'), count_only: true, revision: String(rev) }, true)
        return true
      } catch (err) {
        if (isStoreErrorCode(err, 'Expired')) return false
        throw err
      }
    }
    const hint = this.compactedHint
    if (hint > 1 && hint <= current && (await readable(hint)) && !(await readable(hint - 1))) return hint
    if (await readable(1)) return (this.compactedHint = 0)
    let [lo, hi] = [1, current] // lo unreadable, hi readable
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (await readable(mid)) hi = mid
      else lo = mid
    }
    return (this.compactedHint = hi)
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const r = await this.rpc<RangeResponse>('/v3/kv/range', { key: b64(this.keyPrefix + key) }, true)
    const kv = r.kvs?.[0]
    return kv ? this.kv(kv) : undefined
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen()
    const full = Buffer.from(this.keyPrefix + prefix, 'utf8')
    const end = prefixEnd(full)
    let start = full
    if (opts.startAfter !== undefined) {
      const after = Buffer.concat([Buffer.from(this.keyPrefix + opts.startAfter, 'utf8'), Buffer.from([0])])
      if (Buffer.compare(after, start) > 0) start = after
    }
    const limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : 0
    const requested = opts.revision === undefined || opts.revision === 0 ? 0 : Math.floor(opts.revision)
    if (requested < 0) throw await this.expiredError(requested)
    if (full.length > 0 && Buffer.compare(start, end) >= 0) {
      // Nothing can follow startAfter under this prefix.
      const revision = requested || (await this.currentRevision())
      return { items: [], revision, remaining: 0 }
    }
    let r: RangeResponse
    try {
      r = await this.rpc<RangeResponse>(
        '/v3/kv/range',
        {
          key: start.toString('base64'),
          range_end: end.toString('base64'),
          ...(limit ? { limit: String(limit) } : {}),
          ...(requested ? { revision: String(requested) } : {}),
        },
        true,
      )
    } catch (err) {
      throw await this.readError(err, requested)
    }
    const items = (r.kvs ?? []).map((kv) => this.kv(kv))
    const revision = requested || num(r.header.revision)
    const remaining = limit && r.more ? num(r.count) - items.length : 0
    return { items, revision, remaining }
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen()
    const full = Buffer.from(this.keyPrefix + prefix, 'utf8')
    const r = await this.rpc<RangeResponse>(
      '/v3/kv/range',
      { key: (full.length ? full : Buffer.from([0])).toString('base64'), range_end: prefixEnd(full).toString('base64'), count_only: true },
      true,
    )
    return num(r.count)
  }

  async create(key: string, value: string): Promise<KeyValue> {
    if (typeof value !== 'string') throw new TypeError('value must be a string')
    const k = b64(this.keyPrefix + key)
    const r = await this.rpc<TxnResponse>(
      '/v3/kv/txn',
      {
        compare: [{ key: k, target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
        success: [{ request_put: { key: k, value: b64(value) } }],
        failure: [{ request_range: { key: k } }],
      },
      false,
    )
    if (!r.succeeded) {
      const cur = r.responses?.[0]?.response_range?.kvs?.[0]
      throw new StoreError('AlreadyExists', `key ${key} already exists`, cur && this.kv(cur))
    }
    const rev = num(r.header.revision)
    return { key, value, createRevision: rev, modRevision: rev }
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    if (typeof value !== 'string') throw new TypeError('value must be a string')
    const k = b64(this.keyPrefix + key)
    const r = await this.rpc<TxnResponse>(
      '/v3/kv/txn',
      {
        compare: [
          { key: k, target: 'MOD', result: 'EQUAL', mod_revision: String(Math.floor(expectedModRevision) || 0) },
          { key: k, target: 'CREATE', result: 'GREATER', create_revision: '0' },
        ],
        success: [{ request_put: { key: k, value: b64(value), prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      },
      false,
    )
    if (!r.succeeded) throw this.writeFailure(key, expectedModRevision, r)
    const prev = r.responses?.[0]?.response_put?.prev_kv
    const rev = num(r.header.revision)
    return { key, value, createRevision: num(prev?.create_revision), modRevision: rev }
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    const k = b64(this.keyPrefix + key)
    const compare: unknown[] = [{ key: k, target: 'CREATE', result: 'GREATER', create_revision: '0' }]
    if (expectedModRevision !== undefined)
      compare.push({ key: k, target: 'MOD', result: 'EQUAL', mod_revision: String(Math.floor(expectedModRevision) || 0) })
    const r = await this.rpc<TxnResponse>(
      '/v3/kv/txn',
      { compare, success: [{ request_delete_range: { key: k, prev_kv: true } }], failure: [{ request_range: { key: k } }] },
      false,
    )
    if (!r.succeeded) throw this.writeFailure(key, expectedModRevision, r)
    const prev = r.responses?.[0]?.response_delete_range?.prev_kvs?.[0]
    if (!prev) throw new StoreError('NotFound', `key ${key} not found`)
    return { ...this.kv(prev), modRevision: num(r.header.revision) }
  }

  watch(prefix: string, opts: WatchOptions): AsyncIterableIterator<WatchEvent> {
    if (this.closed) {
      const err = new StoreError('Unavailable', 'store is closed')
      return (async function* () {
        throw err
      })()
    }
    return new EtcdWatch(this, prefix, opts, this.maxWatchBuffer)
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen()
    const target = Math.floor(revision)
    const current = await this.currentRevision()
    if (!(target <= current)) throw new StoreError('TooLarge', `Too large resource version: ${revision}, current: ${current}`)
    if (target <= 0) return
    try {
      await this.rpc('/v3/kv/compaction', { revision: String(target) }, true)
    } catch (err) {
      // At or below the compacted revision: nothing to do.
      if (isStoreErrorCode(err, 'Expired')) return
      throw err
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const w of [...this.watches]) w.end()
    await this.gw.close()
  }

  // --- internals (the watch stream uses some) ---

  checkOpen(): void {
    if (this.closed) throw new StoreError('Unavailable', 'store is closed')
  }

  get isClosed(): boolean {
    return this.closed
  }

  get gateway(): Gateway {
    return this.gw
  }

  register(w: EtcdWatch): void {
    this.watches.add(w)
  }

  unregister(w: EtcdWatch): void {
    this.watches.delete(w)
  }

  /** A key as the store's callers see it (keyPrefix removed). */
  userKey(wireKey: string | undefined): string {
    return unb64(wireKey).slice(this.keyPrefix.length)
  }

  wirePrefix(prefix: string): { key: string; range_end: string } {
    const full = Buffer.from(this.keyPrefix + prefix, 'utf8')
    return { key: (full.length ? full : Buffer.from([0])).toString('base64'), range_end: prefixEnd(full).toString('base64') }
  }

  kv(w: WireKv): KeyValue {
    return { key: this.userKey(w.key), value: unb64(w.value), createRevision: num(w.create_revision), modRevision: num(w.mod_revision) }
  }

  noteRevision(rev: number): void {
    if (rev > this.seen) this.seen = rev
  }

  private async rpc<T extends { header?: WireHeader }>(path: string, body: unknown, idempotent: boolean): Promise<T> {
    this.checkOpen()
    try {
      const r = await this.gw.call<T>(path, body, idempotent)
      this.noteRevision(num(r.header?.revision))
      return r
    } catch (err) {
      throw this.translate(err)
    }
  }

  /** etcd's errors as StoreErrors. */
  translate(err: unknown): unknown {
    if (err instanceof StoreError) return err
    if (err instanceof EtcdUnreachableError) return new StoreError('Unavailable', err.message)
    if (err instanceof EtcdRpcError) {
      if (err.message.includes(compactedMessage)) return new StoreError('Expired', err.message)
      if (err.message.includes(futureMessage)) return new StoreError('TooLarge', err.message)
      return new StoreError('Unavailable', err.message)
    }
    return err
  }

  private async readError(err: unknown, requested: number): Promise<unknown> {
    if (isStoreErrorCode(err, 'TooLarge')) {
      const current = await this.currentRevision()
      return new StoreError('TooLarge', `Too large resource version: ${requested}, current: ${current}`)
    }
    if (isStoreErrorCode(err, 'Expired')) return this.expiredError(requested)
    return err
  }

  private async expiredError(revision: number): Promise<StoreError> {
    const compacted = await this.compactedRevision().catch(() => 0)
    return new StoreError('Expired', `required revision ${revision} has been compacted (compacted revision ${compacted})`)
  }

  private writeFailure(key: string, expected: number | undefined, r: TxnResponse): StoreError {
    const cur = r.responses?.[0]?.response_range?.kvs?.[0]
    if (!cur) return new StoreError('NotFound', `key ${key} not found`)
    const current = this.kv(cur)
    return new StoreError('Conflict', `key ${key} has modRevision ${current.modRevision}, expected ${expected}`, current)
  }
}

function isStoreErrorCode(err: unknown, code: StoreError['code']): boolean {
  return err instanceof StoreError && err.code === code
}

type Waiter = { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: unknown) => void }

/**
 * One watch: an etcd watch stream from a start revision, re-opened on another member (from the
 * revision after the last one received) when its stream breaks, until aborted or failed.
 */
class EtcdWatch implements AsyncIterableIterator<WatchEvent> {
  private buffer: WatchEvent[] = []
  private index = 0
  /** Highest revision received (buffered or delivered): a resumed stream starts after it. */
  private received: number
  private waiter: Waiter | undefined
  private failure: StoreError | undefined
  private finished = false
  private readonly ac = new AbortController()
  private readonly fromNow: boolean
  private readonly onAbort = (): void => this.end()

  constructor(
    private readonly store: EtcdStore,
    private readonly prefix: string,
    private readonly opts: WatchOptions,
    private readonly maxBuffered: number,
  ) {
    const after = Math.max(0, Math.floor(opts.afterRevision) || 0)
    // 0: from now, i.e. after the newest revision this store has seen (every write it answered).
    this.fromNow = after === 0
    this.received = after === 0 ? store.seen : after
    if (opts.signal.aborted) {
      this.finished = true
      return
    }
    store.register(this)
    opts.signal.addEventListener('abort', this.onAbort, { once: true })
    void this.run()
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<WatchEvent>> {
    if (this.index < this.buffer.length) {
      const e = this.buffer[this.index++]!
      if (this.index > 1024 && this.index * 2 > this.buffer.length) {
        this.buffer = this.buffer.slice(this.index)
        this.index = 0
      }
      return Promise.resolve({ done: false, value: e })
    }
    if (this.failure) {
      const err = this.failure
      this.failure = undefined
      return Promise.reject(err)
    }
    if (this.finished) return Promise.resolve({ done: true, value: undefined })
    if (this.waiter) return Promise.reject(new Error('EtcdWatch.next() called while a previous next() is pending'))
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }

  return(): Promise<IteratorResult<WatchEvent>> {
    this.end()
    return Promise.resolve({ done: true, value: undefined })
  }

  end(): void {
    if (this.finished) return
    this.finished = true
    this.release()
    this.buffer = []
    this.index = 0
    const w = this.waiter
    this.waiter = undefined
    w?.resolve({ done: true, value: undefined })
  }

  private fail(err: StoreError): void {
    if (this.finished) return
    this.finished = true
    this.release()
    // Undelivered events are dropped: the consumer starts over from a list.
    this.buffer = []
    this.index = 0
    const w = this.waiter
    this.waiter = undefined
    if (w) w.reject(err)
    else this.failure = err
  }

  private release(): void {
    this.store.unregister(this)
    this.opts.signal.removeEventListener('abort', this.onAbort)
    this.ac.abort()
  }

  private push(e: WatchEvent): void {
    if (this.finished || e.revision <= this.received) return
    this.received = e.revision
    if (this.waiter && this.index >= this.buffer.length) {
      const w = this.waiter
      this.waiter = undefined
      w.resolve({ done: false, value: e })
      return
    }
    this.buffer.push(e)
    if (this.buffer.length - this.index > this.maxBuffered)
      this.fail(new StoreError('Expired', `watch fell too far behind: more than ${this.maxBuffered} events undelivered; watch again from a newer revision`))
  }

  private async run(): Promise<void> {
    let backoff = 50
    let first = true
    while (!this.finished) {
      let again = false
      try {
        // From a revision: etcd replays from it (the event at `after` itself is dropped as already
        // seen), refusing it if compacted. After a break: from the one after the last received.
        const start = first && !this.fromNow ? this.received : this.received + 1
        const s = await this.store.gateway.stream(
          '/v3/watch',
          { create_request: { ...this.store.wirePrefix(this.prefix), start_revision: String(Math.max(1, start)), prev_kv: true } },
          this.ac.signal,
        )
        for await (const msg of jsonLines(s.body)) {
          const m = msg as WatchResponse
          if (m.error) throw new EtcdRpcError(m.error.grpc_code ?? 2, m.error.message ?? 'watch failed')
          const res = m.result
          if (!res) continue
          if (res.created) {
            first = false
            backoff = 50
          }
          if (res.compact_revision && res.compact_revision !== '0') {
            const compacted = num(res.compact_revision)
            if (this.fromNow && this.received + 1 < compacted && first) {
              // "From now" never expires: start at the compacted revision instead.
              this.received = compacted - 1
              again = true
              break
            }
            this.fail(
              new StoreError('Expired', `required revision ${this.received} has been compacted (compacted revision ${compacted})`),
            )
            return
          }
          if (res.canceled) throw new EtcdRpcError(14, res.cancel_reason || 'watch canceled')
          for (const ev of res.events ?? []) this.push(this.event(ev))
          this.store.noteRevision(num(res.header?.revision))
        }
        if (this.finished) return
        if (again) continue
        s.fail() // the stream ended without being asked: its member went away
      } catch (err) {
        if (this.finished || this.ac.signal.aborted) return
        if (err instanceof SyntaxError) {
          this.fail(new StoreError('Unavailable', `etcd watch: ${err.message}`))
          return
        }
        if (err instanceof EtcdRpcError && err.message.includes(compactedMessage)) {
          this.fail(new StoreError('Expired', err.message))
          return
        }
      }
      if (this.finished || this.store.isClosed) return
      await new Promise((r) => setTimeout(r, backoff))
      backoff = Math.min(backoff * 2, 2000)
    }
  }

  private event(ev: { type?: 'PUT' | 'DELETE'; kv: WireKv; prev_kv?: WireKv }): WatchEvent {
    const revision = num(ev.kv.mod_revision)
    const prevKv = ev.prev_kv ? Object.freeze(this.store.kv(ev.prev_kv)) : undefined
    let type: WatchEventType
    let kv: KeyValue
    if (ev.type === 'DELETE') {
      type = 'delete'
      kv = prevKv ? { ...prevKv, modRevision: revision } : { key: this.store.userKey(ev.kv.key), value: '', createRevision: 0, modRevision: revision }
    } else {
      kv = this.store.kv(ev.kv)
      type = num(ev.kv.version) === 1 ? 'create' : 'update'
    }
    const out: WatchEvent = { type, kv: Object.freeze(kv), revision }
    if (type !== 'create' && prevKv) out.prevKv = prevKv
    return Object.freeze(out)
  }
}

/**
 * `etcd://HOST:PORT[,HOST:PORT…]` (or `etcds://` for TLS; http(s):// URLs are taken as they are)
 * → the client URLs of the members.
 */
export function parseEtcdUrl(url: string): { endpoints: string[]; secure: boolean } {
  const m = /^(etcds?|https?):\/\/(.+)$/.exec(url.trim())
  if (!m) throw new TypeError(`--store ${url}: expected etcd://HOST:PORT[,HOST:PORT...] or etcds://...`)
  const secure = m[1] === 'etcds' || m[1] === 'https'
  const endpoints = m[2]!
    .split(',')
    .map((h) => h.trim().replace(/^(etcds?|https?):\/\//, '').replace(/\/+$/, ''))
    .filter(Boolean)
  if (endpoints.length === 0) throw new TypeError(`--store ${url}: no etcd endpoint`)
  for (const h of endpoints)
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(h)) throw new TypeError(`--store ${url}: "${h}" is not HOST:PORT`)
  return { endpoints: endpoints.map((h) => `${secure ? 'https' : 'http'}://${h}`), secure }
}

/** Connects to etcd and checks that it answers (fails with Unavailable if no member does). */
export async function openEtcdStore(opts: EtcdStoreOptions): Promise<EtcdStore> {
  const store = new EtcdStore(opts)
  try {
    store.seen = await store.currentRevision()
  } catch (err) {
    await store.close()
    throw err
  }
  return store
}
