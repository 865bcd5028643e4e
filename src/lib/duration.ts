// Upstream's human-readable durations (k8s.io/apimachinery/pkg/util/duration.HumanDuration),
// used for every AGE column. Cells are printed verbatim by kubectl, so the server formats them.

export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000)
  // Allow a deviation of up to 2 s (excluded) for clock skew: it counts as "now".
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 60 * 2) return `${seconds}s`
  const minutes = Math.trunc(seconds / 60)
  if (minutes < 10) {
    const s = seconds % 60
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`
  }
  if (minutes < 60 * 3) return `${minutes}m`
  const hours = Math.trunc(minutes / 60)
  if (hours < 8) {
    const m = minutes % 60
    return m === 0 ? `${hours}h` : `${hours}h${m}m`
  }
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) {
    const h = hours % 24
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365
    const y = Math.trunc(hours / 24 / 365)
    return dy === 0 ? `${y}y` : `${y}y${dy}d`
  }
  return `${Math.trunc(hours / 24 / 365)}y`
}

/** AGE of an RFC 3339 timestamp (upstream translateTimestampSince): `<unknown>` when unset. */
export function age(timestamp: string | undefined | null, now: Date): string {
  if (!timestamp) return '<unknown>'
  const t = Date.parse(timestamp)
  if (Number.isNaN(t)) return '<unknown>'
  return humanDuration(now.getTime() - t)
}

/** RFC 3339 with second precision, as metav1.Time marshals: `2026-11-23T17:41:48Z`. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** RFC 3339 with microseconds, as metav1.MicroTime marshals: `2026-11-23T17:41:48.123456Z`. */
export function rfc3339Micro(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}
