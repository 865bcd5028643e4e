// Go's time.ParseDuration, which Argo's DurationString uses for interval, initialDelay and the
// like: a sequence of decimal numbers with units ns, us (µs), ms, s, m, h — `1m30s`, `1.5h`, `0`.
const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Milliseconds, or throws Go's message: `time: invalid duration "5x"`. */
export function parseGoDuration(s: string): number {
  const bad = () => new Error(`time: invalid duration ${JSON.stringify(s)}`)
  let rest = s
  let sign = 1
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1
    rest = rest.slice(1)
  }
  if (rest === '0') return 0
  if (rest === '') throw bad()
  let total = 0
  while (rest !== '') {
    const m = /^(\d+\.?\d*|\.\d+)([^\d.]*)/.exec(rest)
    if (!m) throw bad()
    if (!m[2]) throw new Error(`time: missing unit in duration ${JSON.stringify(s)}`)
    const unit = units[m[2]]
    if (unit === undefined) throw new Error(`time: unknown unit ${JSON.stringify(m[2])} in duration ${JSON.stringify(s)}`)
    total += Number(m[1]) * unit
    rest = rest.slice(m[0].length)
  }
  return sign * total
}
