// Watch streams: an in-process fan-out of committed writes plus history replay from the table.
//
// A stream subscribes when it is created (synchronously, so no write can fall between the
// subscription and the revision it notes), then replays history rows in
// (afterRevision, revision at subscription] page by page on demand, then hands out the live
// events buffered meanwhile. Every event with revision <= the last one delivered is dropped, so
// the consumer sees each revision once, in strictly increasing order.
import { StoreError, type WatchEvent } from '../types.js'

/** What a stream needs from its store; all synchronous (better-sqlite3 is). */
export interface HistorySource {
  currentRevision(): number
  compactedRevision(): number
  /** Events for keys under `prefix` with after < revision <= upTo, oldest first, at most `limit`. */
  readHistory(prefix: string, after: number, upTo: number, limit: number): WatchEvent[]
}

export interface Subscriber {
  readonly prefix: string
  push(event: WatchEvent): void
  end(): void
}

/** Delivers every committed event to the subscribers whose prefix matches its key. */
export class Fanout {
  private readonly subscribers = new Set<Subscriber>()

  get size(): number {
    return this.subscribers.size
  }

  add(s: Subscriber): void {
    this.subscribers.add(s)
  }

  remove(s: Subscriber): void {
    this.subscribers.delete(s)
  }

  publish(event: WatchEvent): void {
    for (const s of this.subscribers) if (event.kv.key.startsWith(s.prefix)) s.push(event)
  }

  /** Ends every stream (the store is closing). */
  endAll(): void {
    for (const s of [...this.subscribers]) s.end()
    this.subscribers.clear()
  }
}

export interface WatchStreamOptions {
  prefix: string
  afterRevision: number
  signal: AbortSignal
  /** A stream with more undelivered live events than this ends with Expired. */
  maxBuffered: number
  /** History rows read per query. */
  pageSize: number
}

type Waiter = { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: unknown) => void }

export class WatchStream implements AsyncIterableIterator<WatchEvent>, Subscriber {
  readonly prefix: string
  /** Last revision handed to the consumer: anything at or below it is a duplicate. */
  private delivered: number
  /** History in (historyRead, historyEnd] is still to be read from the table. */
  private historyRead: number
  private readonly historyEnd: number
  private history: WatchEvent[] = []
  private historyIndex = 0
  private live: WatchEvent[] = []
  private liveIndex = 0
  private waiter: Waiter | undefined
  private failure: StoreError | undefined
  private finished = false
  private readonly onAbort = (): void => this.end()

  constructor(
    private readonly source: HistorySource,
    private readonly fanout: Fanout,
    private readonly opts: WatchStreamOptions,
  ) {
    this.prefix = opts.prefix
    const current = source.currentRevision()
    const after = Math.max(0, Math.floor(opts.afterRevision) || 0)
    // 0 means "from now": nothing to replay.
    this.delivered = after === 0 ? current : after
    this.historyRead = this.delivered
    this.historyEnd = current
    if (opts.signal.aborted) {
      this.finished = true
      return
    }
    const compacted = source.compactedRevision()
    if (after !== 0 && after < compacted) {
      this.fail(expired(after, compacted))
      return
    }
    fanout.add(this)
    opts.signal.addEventListener('abort', this.onAbort, { once: true })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<WatchEvent>> {
    if (this.failure) {
      const err = this.failure
      this.failure = undefined
      return Promise.reject(err)
    }
    if (this.finished) return Promise.resolve({ done: true, value: undefined })
    if (this.waiter) return Promise.reject(new Error('WatchStream.next() called while a previous next() is pending'))
    try {
      const event = this.take()
      if (event) return Promise.resolve({ done: false, value: event })
    } catch (err) {
      if (!(err instanceof StoreError)) throw err
      this.fail(err)
      return this.next()
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }

  return(): Promise<IteratorResult<WatchEvent>> {
    this.end()
    return Promise.resolve({ done: true, value: undefined })
  }

  /** Subscriber: a live event was committed. */
  push(event: WatchEvent): void {
    if (this.finished || event.revision <= this.delivered) return
    if (this.waiter && this.historyRead >= this.historyEnd && this.liveIndex >= this.live.length) {
      const w = this.waiter
      this.waiter = undefined
      this.delivered = event.revision
      w.resolve({ done: false, value: event })
      return
    }
    this.live.push(event)
    if (this.live.length - this.liveIndex > this.opts.maxBuffered) {
      this.fail(
        new StoreError(
          'Expired',
          `watch fell too far behind: more than ${this.opts.maxBuffered} events undelivered; watch again from a newer revision`,
        ),
      )
    }
  }

  /** Subscriber: end the stream normally (aborted, returned, or the store closed). */
  end(): void {
    if (this.finished) return
    this.finished = true
    this.release()
    const w = this.waiter
    this.waiter = undefined
    w?.resolve({ done: true, value: undefined })
  }

  private fail(err: StoreError): void {
    if (this.finished) return
    this.finished = true
    this.release()
    const w = this.waiter
    this.waiter = undefined
    if (w) w.reject(err)
    else this.failure = err
  }

  private release(): void {
    this.fanout.remove(this)
    this.opts.signal.removeEventListener('abort', this.onAbort)
    this.history = []
    this.live = []
    this.liveIndex = 0
  }

  /** The next event to deliver, or undefined when the consumer must wait for a live one. */
  private take(): WatchEvent | undefined {
    for (;;) {
      if (this.historyIndex < this.history.length) {
        const e = this.history[this.historyIndex++]!
        if (e.revision <= this.delivered) continue
        this.delivered = e.revision
        return e
      }
      if (this.historyRead < this.historyEnd) {
        this.readPage()
        continue
      }
      if (this.liveIndex < this.live.length) {
        const e = this.live[this.liveIndex++]!
        if (this.liveIndex > 1024 && this.liveIndex * 2 > this.live.length) {
          this.live = this.live.slice(this.liveIndex)
          this.liveIndex = 0
        }
        if (e.revision <= this.delivered) continue
        this.delivered = e.revision
        return e
      }
      return undefined
    }
  }

  private readPage(): void {
    // Compaction may have deleted rows we have not read yet: the replay would silently skip
    // events, so the consumer must start over from a list.
    const compacted = this.source.compactedRevision()
    if (compacted > this.historyRead) throw expired(this.historyRead, compacted)
    this.history = this.source.readHistory(this.prefix, this.historyRead, this.historyEnd, this.opts.pageSize)
    this.historyIndex = 0
    const last = this.history[this.history.length - 1]
    this.historyRead = this.history.length < this.opts.pageSize || !last ? this.historyEnd : last.revision
  }
}

export function expired(revision: number, compacted: number): StoreError {
  return new StoreError(
    'Expired',
    `required revision ${revision} has been compacted (compacted revision ${compacted})`,
  )
}
