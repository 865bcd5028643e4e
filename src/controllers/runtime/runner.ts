// Runs a reconciler over a work queue: N workers take keys, reconcile, and requeue on failure with
// back-off (STYLE.md: "the input is a key, not an event"; three kinds of failure).
import { WorkQueue } from '../../client/workqueue.js'
import { isConflict, isNotFound } from '../../client/errors.js'
import { isTerminal } from './errors.js'

export interface Result {
  /** Look at this key again after this long (e.g. a deadline falls due). */
  requeueAfterMs?: number
}

export interface Reconciler {
  name: string
  reconcile(key: string): Promise<Result | void>
}

/** A 4xx answer of the API server (a StatusError carries its metav1.Status). */
function apiRefusal(err: unknown): boolean {
  const code = (err as { status?: { code?: unknown } } | undefined)?.status?.code
  return typeof code === 'number' && code >= 400 && code < 500
}

export interface RunnerLog {
  error(obj: unknown, msg?: string): void
}

/** What every controller takes besides its client and informers. */
export interface ControllerOptions {
  log?: RunnerLog
  /** The clock for timestamps and deadlines (tests inject one). */
  clock?: () => Date
  /** Keys worked on at once (default 5, as upstream's --concurrent-*-syncs). */
  workers?: number
}

/**
 * Process keys until the signal aborts. A 409 Conflict or a 404 is a quiet requeue (the cache was stale); a
 * TerminalError is logged and not retried (the next change to the object brings the key back);
 * anything else is retried with the queue's back-off.
 */
export async function runWorkers(queue: WorkQueue, r: Reconciler, workers: number, signal: AbortSignal, log?: RunnerLog): Promise<void> {
  queue.nameForMetrics(r.name)
  signal.addEventListener('abort', () => queue.shutdown(), { once: true })
  const worker = async () => {
    for (;;) {
      const key = await queue.get()
      if (key === undefined) return
      try {
        const result = await r.reconcile(key)
        queue.forget(key)
        if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs)
      } catch (err) {
        if (signal.aborted) return
        if (isTerminal(err)) {
          log?.error({ err, controller: r.name, key }, 'reconcile failed; not retrying')
          queue.forget(key)
        } else {
          // A 409 (stale cache) or 404 (the object went while we worked) is news, not a failure:
          // the next pass sees the world as it is now.
          // The API refusing a request (a quota, a validation, RBAC) is a fact the controller has
          // recorded as an event: one line with the server's words, as upstream's HandleError
          // prints, not a stack trace on every retry.
          if (!isConflict(err) && !isNotFound(err)) {
            const what = apiRefusal(err) ? { reason: (err as Error).message } : { err }
            log?.error({ ...what, controller: r.name, key }, 'reconcile failed; will retry')
          }
          queue.addRateLimited(key)
        }
      } finally {
        queue.done(key)
      }
    }
  }
  await Promise.all(Array.from({ length: workers }, worker))
}
