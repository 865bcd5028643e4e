// Go's time.ParseDuration: a sequence of decimal numbers, each with an optional fraction and a
// unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), with an optional sign: `1m30s`, `1.5h`, `300ms`.
// A bare `0` is allowed, as in Go. Used for query parameters such as the traffic report's `window`.

const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Milliseconds, or undefined when `s` is not a Go duration. */
export function parseGoDuration(s: string): number | undefined {
  if (typeof s !== 'string' || s === '') return undefined
  let rest = s
  let sign = 1
  if (rest[0] === '-' || rest[0] === '+') {
    if (rest[0] === '-') sign = -1
    rest = rest.slice(1)
  }
  if (rest === '0') return 0
  if (rest === '') return undefined
  let total = 0
  const re = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/
  while (rest.length) {
    const m = re.exec(rest)
    if (!m || m[1] === '' || m[1] === '.') return undefined
    total += Number(m[1]) * unitMs[m[2]]
    rest = rest.slice(m[0].length)
  }
  return sign * total
}
