// CronJob schedules as upstream reads them (robfig/cron v3 ParseStandard): five fields (minute,
// hour, day of month, month, day of week, with names jan-dec and sun-sat, `*`, `?`, ranges, steps
// and lists), the descriptors @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly and
// `@every <duration>`, and a `TZ=`/`CRON_TZ=` prefix. The parse and its error messages are
// robfig's; the next activation in a time zone is computed by cron-parser, handed each field as
// the explicit list robfig's parse produced (so `5/15`, names and `?` mean what they mean
// upstream), keeping `*` where robfig keeps its star bit (which decides whether day of month and
// day of week must both match or either).
import { lazyRequire } from './lazy.js'

// Loaded with the first schedule computed (not at start-up).
const cronParser = lazyRequire<typeof import('cron-parser')>('cron-parser')

export type Schedule = { kind: 'cron'; fields: string; tz?: string } | { kind: 'every'; ms: number; tz?: string }

interface Bounds {
  min: number
  max: number
  names?: Record<string, number>
}

const bounds: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } },
  { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } },
]

const descriptors: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

/** Go's strconv.Atoi as robfig calls it (mustParseInt). */
function mustParseInt(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) throw new Error(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`)
  const n = Number(expr)
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${expr}`)
  return n
}

function parseIntOrName(expr: string, b: Bounds): number {
  const named = b.names?.[expr.toLowerCase()]
  return named !== undefined ? named : mustParseInt(expr)
}

/** getRange: the values one comma-separated part selects, and whether it carries the star bit. */
function getRange(expr: string, b: Bounds): { values: number[]; star: boolean } {
  const rangeAndStep = expr.split('/')
  const lowAndHigh = rangeAndStep[0].split('-')
  const single = lowAndHigh.length === 1
  let start: number
  let end: number
  let star = false
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min
    end = b.max
    star = true
  } else {
    start = parseIntOrName(lowAndHigh[0], b)
    if (lowAndHigh.length === 1) end = start
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b)
    else throw new Error(`too many hyphens: ${expr}`)
  }
  let step = 1
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1])
    // "N/step" means "N-max/step".
    if (single) end = b.max
    if (step > 1) star = false
  } else if (rangeAndStep.length > 2) throw new Error(`too many slashes: ${expr}`)
  if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`)
  if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`)
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`)
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`)
  const values: number[] = []
  for (let v = start; v <= end; v += step) values.push(v)
  return { values, star }
}

function getField(field: string, b: Bounds): string {
  const values = new Set<number>()
  let star = false
  for (const part of field.split(',').filter((p) => p !== '')) {
    const r = getRange(part, b)
    star ||= r.star
    for (const v of r.values) values.add(v)
  }
  if (star) return '*'
  return [...values].sort((x, y) => x - y).join(',')
}

/** Go's time.ParseDuration for the units a schedule would use (ns, us, µs, ms, s, m, h). */
function parseGoDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y
  let i = 0
  let total = 0
  let sign = 1
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1
    i = 1
  }
  if (s.slice(i) === '0') return 0
  if (i >= s.length) throw new Error(`time: invalid duration ${JSON.stringify(s)}`)
  while (i < s.length) {
    re.lastIndex = i
    const m = re.exec(s)
    if (!m) throw new Error(`time: invalid duration ${JSON.stringify(s)}`)
    total += Number(m[1]) * units[m[2]]
    i = re.lastIndex
  }
  return sign * total
}

/** True when `name` is an IANA time zone this runtime knows (Go's time.LoadLocation). */
export function isKnownTimeZone(name: string): boolean {
  if (name === '' || name === 'UTC' || name === 'Local') return true
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name })
    return true
  } catch {
    return false
  }
}

/** ParseStandard: throws an Error with robfig's message when the schedule does not parse. */
export function parseSchedule(spec: string): Schedule {
  if (spec.length === 0) throw new Error('empty spec string')
  let tz: string | undefined
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ')
    const eq = spec.indexOf('=')
    const name = i < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, i)
    if (!isKnownTimeZone(name)) throw new Error(`provided bad location ${name}: unknown time zone ${name}`)
    tz = name === '' || name === 'UTC' ? 'UTC' : name === 'Local' ? undefined : name
    spec = i < 0 ? '' : spec.slice(i).trim()
  }
  if (spec.startsWith('@')) {
    if (spec.startsWith('@every ')) {
      const d = spec.slice('@every '.length)
      let ms: number
      try {
        ms = parseGoDuration(d)
      } catch (err) {
        throw new Error(`failed to parse duration ${spec}: ${(err as Error).message}`)
      }
      // Every: at least one second, whole seconds.
      return { kind: 'every', ms: Math.max(1000, Math.floor(ms / 1000) * 1000), tz }
    }
    const fields = descriptors[spec]
    if (!fields) throw new Error(`unrecognized descriptor: ${spec}`)
    return { kind: 'cron', fields, tz }
  }
  const fields = spec.split(/\s+/).filter((f) => f !== '')
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`)
  return { kind: 'cron', fields: fields.map((f, i) => getField(f, bounds[i])).join(' '), tz }
}

/** The first activation strictly after `after`. */
export function nextActivation(s: Schedule, after: Date): Date {
  if (s.kind === 'every') {
    // ConstantDelaySchedule.Next: t + delay, rounded down to the second.
    const t = after.getTime() + s.ms
    return new Date(t - (t % 1000))
  }
  const it = cronParser().CronExpressionParser.parse(s.fields, { currentDate: after, ...(s.tz ? { tz: s.tz } : {}) })
  return it.next().toDate()
}

/**
 * getMostRecentScheduleTime: the latest activation in (earliest, now], and how many activations
 * fell in that window (upstream warns past 100); undefined when there was none.
 */
export function mostRecentActivation(s: Schedule, earliest: Date, now: Date): { time?: Date; missed: number } {
  let t = nextActivation(s, earliest)
  if (t > now) return { missed: 0 }
  let last = t
  let missed = 0
  // Count up to a bound: a clock decades off must not loop for ever (upstream computes it
  // arithmetically; past 100 only the warning differs).
  while (t <= now && missed < 10_000) {
    last = t
    missed++
    t = nextActivation(s, t)
  }
  if (t <= now) {
    // Too many to walk: step from just before now.
    last = previousActivation(s, now) ?? last
  }
  return { time: last, missed }
}

function previousActivation(s: Schedule, now: Date): Date | undefined {
  if (s.kind === 'every') return undefined
  const it = cronParser().CronExpressionParser.parse(s.fields, { currentDate: new Date(now.getTime() + 1), ...(s.tz ? { tz: s.tz } : {}) })
  return it.prev().toDate()
}
