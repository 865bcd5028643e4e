// Events expire, as upstream's do (kube-apiserver stores each Event with a one-hour etcd lease,
// --event-ttl=1h): every few minutes, delete the Events last seen longer ago than the TTL.
import type { StoredObject } from '../../apis/meta.js'
import { isNotFound } from '../../client/errors.js'
import type { Client } from '../../client/types.js'
import type { RunnerLog } from '../runtime/runner.js'

export interface EventTTLOptions {
  ttlMs?: number
  intervalMs?: number
  clock?: () => Date
  log?: RunnerLog
}

/** When an Event was last seen: series, lastTimestamp, eventTime, then creation (upstream's order). */
export function lastSeen(ev: StoredObject): number {
  const e = ev as { series?: { lastObservedTime?: string }; lastTimestamp?: string; eventTime?: string }
  const t = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? ev.metadata.creationTimestamp
  return t ? Date.parse(t) : Number.NaN
}

/** The Events whose TTL has run out (pure). */
export function planExpiry(events: StoredObject[], now: number, ttlMs: number): StoredObject[] {
  return events.filter((ev) => {
    const t = lastSeen(ev)
    return Number.isFinite(t) && now - t > ttlMs
  })
}

export async function runEventTTL(client: Client, signal: AbortSignal, opts: EventTTLOptions = {}): Promise<void> {
  const ttlMs = opts.ttlMs ?? 60 * 60_000
  const intervalMs = opts.intervalMs ?? 5 * 60_000
  const clock = opts.clock ?? (() => new Date())
  const events = client.resource({ group: '', version: 'v1', resource: 'events' })
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, intervalMs)
      signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
    })
    if (signal.aborted) return
    try {
      const { items } = await events.list(undefined)
      for (const ev of planExpiry(items, clock().getTime(), ttlMs)) {
        if (signal.aborted) return
        try {
          await events.delete(ev.metadata.namespace, ev.metadata.name!)
        } catch (err) {
          if (!isNotFound(err)) throw err
        }
      }
    } catch (err) {
      if (!signal.aborted) opts.log?.error({ err }, 'event expiry failed; will retry')
    }
  }
}
