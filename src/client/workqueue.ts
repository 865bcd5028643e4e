// A work queue of keys, as client-go's: a key is never processed by two workers at once; a key
// added while it is being processed is processed again afterwards (once); failures are retried
// with per-key exponential back-off.

export interface RateLimiterOptions {
  baseDelayMs: number
  maxDelayMs: number
}

export class WorkQueue {
  private readonly queue: string[] = []
  private readonly queued = new Set<string>()
  private readonly processing = new Set<string>()
  private readonly dirty = new Set<string>()
  private readonly failures = new Map<string, number>()
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; due: number }>()
  private waiters: (() => void)[] = []
  private shutDown = false

  constructor(private readonly limits: RateLimiterOptions = { baseDelayMs: 5, maxDelayMs: 60_000 }) {}

  add(key: string): void {
    if (this.shutDown) return
    if (this.processing.has(key)) {
      this.dirty.add(key)
      return
    }
    if (this.queued.has(key)) return
    this.queued.add(key)
    this.queue.push(key)
    const w = this.waiters.shift()
    w?.()
  }

  /** Add after a delay; a pending delayed add for the key that falls due sooner wins. */
  addAfter(key: string, ms: number): void {
    if (this.shutDown) return
    if (ms <= 0) return this.add(key)
    const due = Date.now() + ms
    const existing = this.timers.get(key)
    if (existing) {
      if (existing.due <= due) return
      clearTimeout(existing.timer)
    }
    const timer = setTimeout(() => {
      this.timers.delete(key)
      this.add(key)
    }, ms)
    this.timers.set(key, { timer, due })
  }

  /** Retry with back-off: 5 ms, 10 ms, 20 ms, ... up to maxDelayMs. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0
    this.failures.set(key, n + 1)
    this.addAfter(key, Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** n))
  }

  /** Stop tracking failures for the key (after a success). */
  forget(key: string): void {
    this.failures.delete(key)
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0
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
    return key
  }

  done(key: string): void {
    this.processing.delete(key)
    if (this.dirty.delete(key)) this.add(key)
  }

  shutdown(): void {
    this.shutDown = true
    for (const t of this.timers.values()) clearTimeout(t.timer)
    this.timers.clear()
    for (const w of this.waiters.splice(0)) w()
  }
}
