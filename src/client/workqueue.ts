// A work queue of keys, as client-go's: a key is never processed by two workers at once; a key
// added while it is being processed is processed again afterwards (once); failures are retried
// after the longer of two limits, as DefaultControllerRateLimiter:
//   per key: baseDelayMs · 2^failures, capped at maxDelayMs (5 ms, 10 ms, 20 ms, ...), and
//   overall: a token bucket of qps, burst (10/s, 100), so a storm of failures across many keys
//   is spread out: 100 retries go at once, the 101st waits 100 ms, the 102nd 200 ms, ...
// All time comes from the injected Clock, so tests move it by hand.
// Optional metrics, as client-go's workqueue.MetricsProvider (depth, adds, queue_duration,
// work_duration, retries): with a provider set, each named queue reports how many keys wait, every
// add of a key not already waiting, how long every key waited from its add to its get, how long it
// was processed, from its get to its done, and every delayed add (a retry).
import { realClock, type Clock, type TimerHandle } from '../lib/clock.js'

export interface RateLimiterOptions {
  /** First retry delay; doubles per consecutive failure of the key. Default 5 ms. */
  baseDelayMs?: number
  /** Cap of the per-key delay. Default 60 s (client-go caps at 1000 s). */
  maxDelayMs?: number
  /** Retries per second across all keys; Infinity turns the bucket off. Default 10. */
  qps?: number
  /** Retries allowed at once before qps applies. Default 100. */
  burst?: number
}

export interface WorkQueueOptions extends RateLimiterOptions {
  clock?: Clock
  /** The name metrics report the queue under (client-go's named queues); see setWorkQueueMetricsProvider. */
  name?: string
}

/**
 * Receives queue metrics (client-go's workqueue.MetricsProvider: depth, adds, queue_duration,
 * work_duration, retries). Each method is asked at most once per named queue; the optional ones a
 * provider leaves out are not reported.
 */
export interface WorkQueueMetricsProvider {
  /**
   * The gauge of one named queue's depth, moved by +1 or -1: the keys waiting for a get, a key
   * added while it is processed included (client-go's depth counts its dirty set).
   */
  depth?(name: string): (delta: 1 | -1) => void
  /** The counter of one named queue's adds: each add of a key that was not already waiting. */
  adds?(name: string): () => void
  /** The counter of one named queue's retries: each delayed add (addAfter, addRateLimited), as client-go's AddAfter counts. */
  retries?(name: string): () => void
  /**
   * The observer of one named queue's waits, asked once per queue: seconds from a key's add to its
   * get, by the queue's clock. A key added while it is processed waits from that add, as in client-go.
   */
  queueDuration(name: string): (seconds: number) => void
  /** The observer of one named queue's processing times: seconds from a key's get to its done. */
  workDuration?(name: string): (seconds: number) => void
}

let metricsProvider: WorkQueueMetricsProvider | undefined

/**
 * Sets (or with undefined, clears) the provider for queues made from now on, once per process
 * before the controllers are built, as client-go's workqueue.SetProvider. No provider: nothing is
 * recorded.
 */
export function setWorkQueueMetricsProvider(provider: WorkQueueMetricsProvider | undefined): void {
  metricsProvider = provider
}

/** The provider queues made now get (so an installer can feed another one beside it). */
export function workQueueMetricsProvider(): WorkQueueMetricsProvider | undefined {
  return metricsProvider
}

interface QueueObservers {
  depth: (delta: 1 | -1) => void
  add: () => void
  retry: () => void
  wait: (seconds: number) => void
  work: (seconds: number) => void
}

const ignore = () => {}

/** Asks the provider once for each of a named queue's observers (client-go's newQueueMetrics). */
function observersOf(p: WorkQueueMetricsProvider, name: string): QueueObservers {
  return {
    depth: p.depth?.(name) ?? ignore,
    add: p.adds?.(name) ?? ignore,
    retry: p.retries?.(name) ?? ignore,
    wait: p.queueDuration(name),
    work: p.workDuration?.(name) ?? ignore,
  }
}

/** client-go's ItemExponentialFailureRateLimiter. */
class ExponentialFailureLimiter {
  private readonly failures = new Map<string, number>()

  constructor(private readonly baseDelayMs: number, private readonly maxDelayMs: number) {}

  when(key: string): number {
    const n = this.failures.get(key) ?? 0
    this.failures.set(key, n + 1)
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n)
  }

  forget(key: string): void {
    this.failures.delete(key)
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0
  }
}

/** client-go's BucketRateLimiter over golang.org/x/time/rate: each call reserves one token. */
class TokenBucket {
  private tokens: number
  private last: number

  constructor(private readonly clock: Clock, private readonly qps: number, private readonly burst: number) {
    this.tokens = burst
    this.last = clock.now()
  }

  /** How long the caller must wait for its token (0 while the burst lasts). */
  reserve(): number {
    if (this.qps === Infinity) return 0
    const now = this.clock.now()
    // Refill for the time passed; the bucket never holds more than burst.
    if (now > this.last) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000)
    this.last = Math.max(this.last, now)
    this.tokens -= 1
    return this.tokens < 0 ? (-this.tokens * 1000) / this.qps : 0
  }
}

function check(name: string, value: number, ok: boolean, want: string): void {
  if (!ok) throw new Error(`WorkQueue: ${name} must be ${want}, got ${value}`)
}

export class WorkQueue {
  private readonly queue: string[] = []
  private readonly queued = new Set<string>()
  private readonly processing = new Set<string>()
  private readonly dirty = new Set<string>()
  private readonly timers = new Map<string, { handle: TimerHandle; due: number }>()
  private readonly clock: Clock
  private readonly failures: ExponentialFailureLimiter
  private readonly bucket: TokenBucket
  private waiters: (() => void)[] = []
  private shutDown = false
  private readonly metrics = metricsProvider
  /** When each queued (or dirty) key was first added; kept only with a metrics provider. */
  private readonly addedAt = new Map<string, number>()
  /** When each key being processed was taken; kept only with a metrics provider. */
  private readonly gotAt = new Map<string, number>()
  private metricsName: string | undefined
  /** The provider's observers for this queue, asked for once the queue has a name. */
  private observers: QueueObservers | undefined
  /** Depth, adds and retries before the queue had a name: reported when it gets one. */
  private readonly unnamed = { depth: 0, adds: 0, retries: 0 }

  constructor(opts: WorkQueueOptions = {}) {
    const base = opts.baseDelayMs ?? 5
    const max = opts.maxDelayMs ?? 60_000
    const qps = opts.qps ?? 10
    const burst = opts.burst ?? 100
    check('baseDelayMs', base, base > 0 && Number.isFinite(base), 'a finite number > 0')
    check('maxDelayMs', max, max >= base, `>= baseDelayMs (${base})`)
    check('qps', qps, qps > 0, '> 0 (Infinity for no limit)')
    check('burst', burst, Number.isInteger(burst) && burst >= 1, 'an integer >= 1')
    this.clock = opts.clock ?? realClock
    this.failures = new ExponentialFailureLimiter(base, max)
    this.bucket = new TokenBucket(this.clock, qps, burst)
    if (opts.name !== undefined) this.nameForMetrics(opts.name)
  }

  /** Names the queue for metrics unless it has a name already (runWorkers gives the reconciler's). */
  nameForMetrics(name: string): void {
    if (this.metricsName !== undefined) return
    this.metricsName = name
    if (!this.metrics) return
    const o = (this.observers = observersOf(this.metrics, name))
    for (; this.unnamed.adds > 0; this.unnamed.adds--) o.add()
    for (; this.unnamed.retries > 0; this.unnamed.retries--) o.retry()
    for (; this.unnamed.depth > 0; this.unnamed.depth--) o.depth(1)
    for (; this.unnamed.depth < 0; this.unnamed.depth++) o.depth(-1)
  }

  add(key: string): void {
    if (this.shutDown) return
    if (this.processing.has(key)) {
      if (this.dirty.has(key)) return
      if (this.metrics) this.added(key)
      this.dirty.add(key)
      return
    }
    if (this.queued.has(key)) return
    if (this.metrics) this.added(key)
    this.enqueue(key)
  }

  /** Puts a key that is neither queued nor processed at the back of the queue and wakes a worker. */
  private enqueue(key: string): void {
    this.queued.add(key)
    this.queue.push(key)
    const w = this.waiters.shift()
    w?.()
  }

  /** Add after a delay; a pending delayed add for the key that falls due sooner wins. */
  addAfter(key: string, ms: number): void {
    if (this.shutDown) return
    if (this.metrics) this.retried()
    if (!(ms > 0)) return this.add(key)
    const due = this.clock.now() + ms
    const existing = this.timers.get(key)
    if (existing) {
      if (existing.due <= due) return
      this.clock.clearTimeout(existing.handle)
    }
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(key)
      this.add(key)
    }, ms)
    this.timers.set(key, { handle, due })
  }

  /** Drops the key's pending delayed add, if any (what it was for is gone); a key already queued stays. */
  cancelAfter(key: string): void {
    const t = this.timers.get(key)
    if (!t) return
    this.clock.clearTimeout(t.handle)
    this.timers.delete(key)
  }

  /**
   * Retry after the longer of the key's back-off and the shared bucket's wait. Both limiters are
   * charged on every call, as client-go's MaxOfRateLimiter asks each of them.
   */
  addRateLimited(key: string): void {
    const backoff = this.failures.when(key)
    const wait = this.bucket.reserve()
    this.addAfter(key, Math.max(backoff, wait))
  }

  /** Stop tracking failures for the key (after a success). The bucket is shared, not per key. */
  forget(key: string): void {
    this.failures.forget(key)
  }

  retries(key: string): number {
    return this.failures.retries(key)
  }

  get length(): number {
    return this.queue.length
  }

  /** The next key, or undefined once shut down. Call done(key) when finished with it. */
  async get(): Promise<string | undefined> {
    while (this.queue.length === 0) {
      if (this.shutDown) return undefined
      await new Promise<void>((r) => this.waiters.push(r))
    }
    const key = this.queue.shift()!
    this.queued.delete(key)
    this.processing.add(key)
    if (this.metrics) this.observe(key)
    return key
  }

  done(key: string): void {
    if (this.metrics) this.observeDone(key)
    this.processing.delete(key)
    // Added while processed: it was counted (adds, depth) then, so it goes back without counting again.
    if (this.dirty.delete(key) && !this.shutDown) this.enqueue(key)
  }

  /** A key starts waiting (it was neither queued nor dirty): an add, one more in depth, its add time. */
  private added(key: string): void {
    if (!this.addedAt.has(key)) this.addedAt.set(key, this.clock.now())
    if (this.observers) {
      this.observers.add()
      this.observers.depth(1)
    } else {
      this.unnamed.adds++
      this.unnamed.depth++
    }
  }

  private retried(): void {
    if (this.observers) this.observers.retry()
    else this.unnamed.retries++
  }

  private observe(key: string): void {
    if (this.observers) this.observers.depth(-1)
    else this.unnamed.depth--
    const at = this.addedAt.get(key)
    if (at === undefined) return
    this.addedAt.delete(key)
    if (!this.observers) return
    const now = this.clock.now()
    this.gotAt.set(key, now)
    this.observers.wait((now - at) / 1000)
  }

  private observeDone(key: string): void {
    const at = this.gotAt.get(key)
    if (at === undefined) return
    this.gotAt.delete(key)
    this.observers?.work((this.clock.now() - at) / 1000)
  }

  shutdown(): void {
    this.shutDown = true
    this.addedAt.clear()
    this.gotAt.clear()
    for (const t of this.timers.values()) this.clock.clearTimeout(t.handle)
    this.timers.clear()
    for (const w of this.waiters.splice(0)) w()
  }
}
