// Time as a parameter (k8s.io/utils/clock): code that waits or measures takes a Clock, production
// passes realClock, tests pass a FakeClock and move time by hand, so "retried after 20 ms" is
// asserted exactly instead of slept for.

/** Opaque: whatever the clock's setTimeout returned, handed back to its clearTimeout. */
export type TimerHandle = unknown

export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number
  /** Call fn once, ms from now (≤ 0 or NaN: as soon as possible). */
  setTimeout(fn: () => void, ms: number): TimerHandle
  /** Cancel a timer that has not fired; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

interface FakeTimer {
  due: number
  /** Insertion order: timers due at the same instant fire in the order they were set. */
  seq: number
  fn: () => void
}

/**
 * A clock that moves only when told (k8s.io/utils/clock/testing.FakeClock). step and setTime fire
 * every timer that falls due, in due order, synchronously; while a timer runs, now() reads its due
 * time, and a timer it sets that falls due before the target fires in the same call.
 */
export class FakeClock implements Clock {
  private time: number
  private seq = 0
  private readonly timers = new Set<FakeTimer>()

  constructor(start: number | Date = 0) {
    this.time = typeof start === 'number' ? start : start.getTime()
  }

  now(): number {
    return this.time
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: FakeTimer = { due: this.time + (ms > 0 ? ms : 0), seq: this.seq++, fn }
    this.timers.add(t)
    return t
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as FakeTimer)
  }

  /** Move time forward by ms, firing the timers that fall due. */
  step(ms: number): void {
    if (!(ms >= 0)) throw new Error(`FakeClock.step: ms must be >= 0, got ${ms}`)
    this.setTime(this.time + ms)
  }

  /** Set the time (backwards too), firing the timers due at or before it. */
  setTime(to: number | Date): void {
    const target = typeof to === 'number' ? to : to.getTime()
    for (let t = this.nextDue(target); t; t = this.nextDue(target)) {
      this.timers.delete(t)
      if (t.due > this.time) this.time = t.due
      t.fn()
    }
    this.time = target
  }

  /** Timers set and not yet fired or cleared (upstream's HasWaiters, counted). */
  get waiters(): number {
    return this.timers.size
  }

  private nextDue(target: number): FakeTimer | undefined {
    let next: FakeTimer | undefined
    for (const t of this.timers) {
      if (t.due > target) continue
      if (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq)) next = t
    }
    return next
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
