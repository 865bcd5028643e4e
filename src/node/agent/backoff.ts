// client-go's flowcontrol.Backoff as the kubelet uses it for crash loops and image pulls: 10 s,
// doubling to 5 min; an entry not updated for twice the maximum (10 min) starts over. Times are
// parameters (ms since the epoch), so it is deterministic.

export interface BackOffOptions {
  initialMs: number
  maxMs: number
}

interface Entry {
  delayMs: number
  lastUpdate: number
}

export const defaultBackOff: BackOffOptions = { initialMs: 10_000, maxMs: 300_000 }

export class BackOff {
  private readonly entries = new Map<string, Entry>()

  constructor(private readonly opts: BackOffOptions = defaultBackOff) {}

  private expired(eventTime: number, e: Entry): boolean {
    return eventTime - e.lastUpdate > 2 * this.opts.maxMs
  }

  /** The current delay for key (0 when there is none). */
  get(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0
  }

  /**
   * Whether a retry for something that happened at eventTime (a container's finish, a failed pull)
   * must still wait at `now` (upstream IsInBackOffSince).
   */
  isInBackOffSince(key: string, eventTime: number, now: number): boolean {
    const e = this.entries.get(key)
    if (!e || this.expired(eventTime, e)) return false
    return now - eventTime < e.delayMs
  }

  /**
   * Whether a retry at `now` must still wait for the delay set by the last next() (upstream
   * IsInBackOffSinceUpdate, the image pull's check: the failure itself is the update).
   */
  isInBackOffSinceUpdate(key: string, now: number): boolean {
    const e = this.entries.get(key)
    if (!e || this.expired(now, e)) return false
    return now - e.lastUpdate < e.delayMs
  }

  /** How long until the back-off for eventTime ends (0 when not in back-off). */
  remaining(key: string, eventTime: number, now: number): number {
    if (!this.isInBackOffSince(key, eventTime, now)) return 0
    return eventTime + this.entries.get(key)!.delayMs - now
  }

  /** Move to the next delay: the initial one for a new (or expired) entry, else double, capped. */
  next(key: string, eventTime: number, now: number): void {
    const e = this.entries.get(key)
    if (!e || this.expired(eventTime, e)) this.entries.set(key, { delayMs: this.opts.initialMs, lastUpdate: now })
    else this.entries.set(key, { delayMs: Math.min(e.delayMs * 2, this.opts.maxMs), lastUpdate: now })
  }

  delete(key: string): void {
    this.entries.delete(key)
  }
}
