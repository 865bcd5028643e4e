// Small pieces of Go's standard library that the Go images' output depends on, so their answers
// and logs match byte for byte: encoding/json (sorted map keys, HTML-safe escaping),
// net/textproto header canonicalization, time.Duration formatting.

/** encoding/json.Marshal of strings, numbers, arrays and maps (object keys sorted by bytes). */
export function goJSON(value) {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return goString(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map(goJSON).join(',')}]`
  const keys = Object.keys(value).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  return `{${keys.map((k) => `${goString(k)}:${goJSON(value[k])}`).join(',')}}`
}

const hex = '0123456789abcdef'

function goString(s) {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)
    if (ch === '"' || ch === '\\') out += '\\' + ch
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0d) out += '\\r'
    else if (c === 0x09) out += '\\t'
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&') out += '\\u00' + hex[c >> 4] + hex[c & 15]
    else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`
    else out += ch
  }
  return out + '"'
}

const isTokenChar = (c) => /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(c)

/** textproto.CanonicalMIMEHeaderKey: "user-agent" → "User-Agent"; keys with non-token bytes stay as they are. */
export function canonicalHeaderKey(key) {
  for (const c of key) if (!isTokenChar(c)) return key
  let upper = true
  let out = ''
  for (const c of key) {
    out += upper ? c.toUpperCase() : c.toLowerCase()
    upper = c === '-'
  }
  return out
}

/**
 * http.Request.Header as Go's server builds it from the raw header lines: canonical keys, values in
 * arrival order, Host moved out of the map, and "Pragma: no-cache" implying "Cache-Control: no-cache".
 */
export function goRequestHeader(rawHeaders) {
  const header = {}
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const key = canonicalHeaderKey(rawHeaders[i])
    if (key === 'Host') continue
    ;(header[key] ??= []).push(rawHeaders[i + 1])
  }
  if (header['Pragma']?.[0] === 'no-cache' && !header['Cache-Control']) header['Cache-Control'] = ['no-cache']
  return header
}

function trimFraction(whole, frac, digits) {
  const f = String(frac).padStart(digits, '0').replace(/0+$/, '')
  return f ? `${whole}.${f}` : String(whole)
}

/** time.Duration.String() for a non-negative duration in nanoseconds. */
export function goDuration(ns) {
  ns = Math.max(0, Math.round(ns))
  if (ns === 0) return '0s'
  if (ns < 1e3) return `${ns}ns`
  if (ns < 1e6) return `${trimFraction(Math.floor(ns / 1e3), ns % 1e3, 3)}µs`
  if (ns < 1e9) return `${trimFraction(Math.floor(ns / 1e6), ns % 1e6, 6)}ms`
  const h = Math.floor(ns / 3.6e12)
  const m = Math.floor((ns % 3.6e12) / 6e10)
  const s = trimFraction(Math.floor((ns % 6e10) / 1e9), ns % 1e9, 9)
  if (h > 0) return `${h}h${m}m${s}s`
  if (m > 0) return `${m}m${s}s`
  return `${s}s`
}

/** Go's "2006/01/02 - 15:04:05" and "2006/01/02 15:04:05" layouts, in UTC (containers run in UTC). */
export function goDate(d, sep = ' ') {
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}${sep}${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`
}

/** net.JoinHostPort for a socket's remote end. */
export function joinHostPort(host, port) {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
