// Periodic compaction, like kube-apiserver's compactor (every 5 minutes it compacts etcd to the
// revision it saw at the previous tick, so about one interval of history stays watchable).
// Works on any Store.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Store } from '../types.js'

export interface CompactorOptions {
  /** Time between compactions (kube-apiserver: 300000). */
  intervalMs: number
  /** Keep at least this many of the newest revisions. */
  retainRevisions?: number
  /**
   * Keep the history written in at least the last this many ms (to the granularity of one
   * interval). Default, when retainRevisions is absent too: intervalMs, kube-apiserver's rule.
   */
  retainMs?: number
  /** Clock (tests). */
  now?: () => number
  /** Called after each compaction that moved the compacted revision. */
  onCompact?: (revision: number) => void
  /** Called when a compaction fails; the compactor carries on at the next tick. */
  onError?: (err: unknown) => void
}

/** Why these options are unusable, or undefined when they are fine. */
export function validateCompactorOptions(opts: CompactorOptions): string | undefined {
  if (!Number.isFinite(opts.intervalMs) || opts.intervalMs <= 0) return 'intervalMs must be a positive number'
  if (opts.retainRevisions !== undefined && !(Number.isSafeInteger(opts.retainRevisions) && opts.retainRevisions >= 0))
    return 'retainRevisions must be a non-negative integer'
  if (opts.retainMs !== undefined && !(Number.isFinite(opts.retainMs) && opts.retainMs >= 0))
    return 'retainMs must be a non-negative number'
  return undefined
}

/**
 * The revision to compact to, given the current one and the (time, revision) samples taken at
 * earlier ticks; keeps whichever retention asks for more history. Pure.
 */
export function computeCompactTarget(
  current: number,
  samples: readonly { at: number; revision: number }[],
  now: number,
  retain: { revisions?: number; ms?: number },
): number {
  let target = current
  if (retain.revisions !== undefined) target = Math.min(target, current - retain.revisions)
  if (retain.ms !== undefined) {
    let byTime = 0
    for (const s of samples) if (s.at <= now - retain.ms) byTime = Math.max(byTime, s.revision)
    target = Math.min(target, byTime)
  }
  return Math.max(0, target)
}

/** Compacts `store` every interval until `signal` aborts; resolves then. */
export async function startCompactor(store: Store, opts: CompactorOptions, signal: AbortSignal): Promise<void> {
  const problem = validateCompactorOptions(opts)
  if (problem) throw new TypeError(`startCompactor: ${problem}`)
  const now = opts.now ?? Date.now
  const retain = {
    revisions: opts.retainRevisions,
    ms: opts.retainMs ?? (opts.retainRevisions === undefined ? opts.intervalMs : undefined),
  }
  let samples: { at: number; revision: number }[] = []
  while (!signal.aborted) {
    try {
      await sleep(opts.intervalMs, undefined, { signal })
    } catch {
      return // aborted
    }
    try {
      const t = now()
      const current = await store.currentRevision()
      samples.push({ at: t, revision: current })
      const target = computeCompactTarget(current, samples, t, retain)
      // Samples older than the one the target came from are no longer needed.
      if (retain.ms !== undefined) {
        const cut = samples.findLastIndex((s) => s.at <= t - retain.ms!)
        if (cut > 0) samples = samples.slice(cut)
      } else samples = []
      if (target > (await store.compactedRevision())) {
        await store.compact(target)
        opts.onCompact?.(target)
      }
    } catch (err) {
      opts.onError?.(err)
    }
  }
}
