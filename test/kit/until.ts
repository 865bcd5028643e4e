// Waiting on a condition, the one way tests wait (never a fixed sleep): poll `fn` until it gives a
// value, then return that value. Errors thrown by `fn` count as "not yet" (an object not created
// yet, a connection refused while a server starts); the last one is quoted if time runs out.

export interface UntilOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number
  /** Poll this often (default 10 ms). */
  intervalMs?: number
}

/** A value that means "not yet": undefined, null or false (0 and '' are values). */
type NotYet = undefined | null | false

export async function until<T>(what: string, fn: () => T | NotYet | Promise<T | NotYet>, opts: number | UntilOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 10 } = typeof opts === 'number' ? { timeoutMs: opts } : opts
  const end = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined && v !== null && v !== false) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
