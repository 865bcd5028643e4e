// Argo's DurationString.Duration(): Go's time.ParseDuration (lib/go-duration.ts), failing with
// Go's own messages, which Argo puts in its status (`invalid interval string: time: unknown unit
// "x" in duration "5x"`).
import { parseGoDuration as parse } from '../../lib/go-duration.js'

/** Milliseconds, or throws Go's error for `s`. */
export function parseGoDuration(s: string): number {
  const ms = parse(s)
  if (ms !== undefined) return ms
  // Which of Go's three errors: a number without a unit, a unit Go does not know, or anything else.
  const m = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))*(\d+\.?\d*|\.\d+)([^\d.]*)/.exec(s)
  if (m && m[2] === '') throw new Error(`time: missing unit in duration ${JSON.stringify(s)}`)
  if (m && m[2]) throw new Error(`time: unknown unit ${JSON.stringify(m[2])} in duration ${JSON.stringify(s)}`)
  throw new Error(`time: invalid duration ${JSON.stringify(s)}`)
}
