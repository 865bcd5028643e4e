// Kubernetes' CEL extension libraries, as the API server of 1.32 offers them to CRD validation
// rules (k8s.io/apiserver/pkg/cel/library and the cel-go extensions it enables): the strings
// extension's missing pieces (charAt, replace, format, strings.quote), sets, lists (isSorted, sum,
// min, max, indexOf, lastIndexOf), regex (find, findAll), URLs, quantities, IP addresses and CIDRs,
// and the format library (format.dns1123Label()...validate()). The CEL standard library, macros
// and optionals come with @marcbachmann/cel-js; this adds the rest on one shared Environment.
//
// Written here because no JS CEL package ships Kubernetes' libraries.
import { isIP } from 'node:net'
import { Environment, Optional } from '@marcbachmann/cel-js'
import { ipv6Bytes } from '../lib/net.js'
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../lib/names.js'
import { quantityRegexMsg } from './core/quantity.js'

// ---- quantity -----------------------------------------------------------------------------------

/** resource.Quantity, exact: `n / 10^d`. */
export class Quantity {
  constructor(
    readonly n: bigint,
    readonly d: number,
  ) {}

  static parse(s: string): Quantity {
    const m = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(.*)$/.exec(s)
    if (!m) throw new Error(quantityRegexMsg)
    const [int, frac = ''] = m[2].split('.')
    let n = BigInt((m[1] === '-' ? '-' : '') + (int || '0') + frac)
    let d = frac.length
    const suffix = m[3]
    const binary: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 }
    const decimal: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 }
    const exp = /^[eE]([-+]?[0-9]+)$/.exec(suffix)
    let e: number
    if (suffix in binary) {
      n *= 2n ** BigInt(binary[suffix])
      e = 0
    } else if (suffix in decimal) e = decimal[suffix]
    else if (exp) e = Number(exp[1])
    else if (/^[eEinumkKMGTP]*[-+]?[0-9]*$/.test(suffix)) throw new Error("unable to parse quantity's suffix")
    else throw new Error(quantityRegexMsg)
    if (e >= 0) n *= 10n ** BigInt(e)
    else d -= e
    return new Quantity(n, d)
  }

  private scaled(d: number): bigint {
    return this.n * 10n ** BigInt(d - this.d)
  }

  compare(o: Quantity): number {
    const d = Math.max(this.d, o.d)
    const a = this.scaled(d)
    const b = o.scaled(d)
    return a < b ? -1 : a > b ? 1 : 0
  }

  add(o: Quantity, sign = 1n): Quantity {
    const d = Math.max(this.d, o.d)
    return new Quantity(this.scaled(d) + sign * o.scaled(d), d)
  }

  sign(): bigint {
    return this.n < 0n ? -1n : this.n > 0n ? 1n : 0n
  }

  /** The value as an int64, or undefined (a fraction, or out of range). */
  asInt64(): bigint | undefined {
    const p = 10n ** BigInt(this.d)
    if (this.n % p !== 0n) return undefined
    const v = this.n / p
    return v >= -(2n ** 63n) && v < 2n ** 63n ? v : undefined
  }

  approximate(): number {
    return Number(this.n) / 10 ** this.d
  }
}

// ---- IP addresses and CIDRs -------------------------------------------------------------------

/** net.IP as Kubernetes' CEL library holds it (netip.Addr: 4 or 16 bytes). */
export class IPAddr {
  constructor(readonly bytes: number[]) {}

  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6
  }

  toString(): string {
    if (this.family === 4) return this.bytes.join('.')
    const groups = Array.from({ length: 8 }, (_, i) => (this.bytes[2 * i] << 8) | this.bytes[2 * i + 1])
    // RFC 5952: the longest run (of two or more) of zero groups becomes `::`, the first on a tie.
    let best = -1
    let bestLen = 1
    for (let i = 0; i < 8; ) {
      if (groups[i] !== 0) {
        i++
        continue
      }
      let j = i
      while (j < 8 && groups[j] === 0) j++
      if (j - i > bestLen) [best, bestLen] = [i, j - i]
      i = j
    }
    const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':')
    return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`
  }
}

/** netip.ParseAddr, with the library's refusals (zones, IPv4-mapped IPv6, leading zeros). */
export function parseIPAddr(s: string): IPAddr {
  const fail = (why: string) => new Error(`IP Address ${JSON.stringify(s)} parse error during conversion from string: ${why}`)
  if (s.includes('%')) throw fail('IP address with zone value is not allowed')
  if (/^\d+\.\d+\.\d+\.\d+$/.test(s) && s.split('.').some((o) => o.length > 1 && o.startsWith('0'))) throw fail(`ParseAddr(${JSON.stringify(s)}): IPv4 field has octet with leading zero`)
  const v = isIP(s)
  if (v === 4) return new IPAddr(s.split('.').map(Number))
  if (v === 6) {
    const bytes = ipv6Bytes(s)
    if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) throw fail('IPv4-mapped IPv6 address is not allowed')
    return new IPAddr(bytes)
  }
  throw fail(`ParseAddr(${JSON.stringify(s)}): unable to parse IP`)
}

const inPrefix = (ip: IPAddr, prefix: number[], bits: number) => {
  for (let i = 0; i < bits; i++) {
    const bit = (b: number[]) => (b[i >> 3] >> (7 - (i & 7))) & 1
    if (bit(ip.bytes) !== bit(prefix)) return false
  }
  return true
}

function ipKinds(ip: IPAddr) {
  const b = ip.bytes
  const v4 = ip.family === 4
  const unspecified = b.every((x) => x === 0)
  const loopback = v4 ? b[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1
  const multicast = v4 ? b[0] >= 224 && b[0] <= 239 : b[0] === 0xff
  const linkLocalMulticast = v4 ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && (b[1] & 0x0f) === 0x02
  const linkLocalUnicast = v4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80
  const broadcast = v4 && b.every((x) => x === 255)
  return { unspecified, loopback, linkLocalMulticast, linkLocalUnicast, globalUnicast: !unspecified && !loopback && !multicast && !linkLocalUnicast && !broadcast }
}

export class CIDR {
  constructor(
    readonly ip: IPAddr,
    readonly bits: number,
  ) {}

  masked(): CIDR {
    const bytes = this.ip.bytes.map((b, i) => {
      const keep = Math.max(0, Math.min(8, this.bits - 8 * i))
      return b & ((0xff << (8 - keep)) & 0xff)
    })
    return new CIDR(new IPAddr(bytes), this.bits)
  }

  contains(ip: IPAddr): boolean {
    return ip.family === this.ip.family && inPrefix(ip, this.ip.bytes, this.bits)
  }

  toString(): string {
    return `${this.ip}/${this.bits}`
  }
}

export function parseCIDR(s: string): CIDR {
  const fail = (why: string) => new Error(`network address ${JSON.stringify(s)} parse error during conversion from string: ${why}`)
  const slash = s.lastIndexOf('/')
  if (slash < 0) throw fail(`netip.ParsePrefix(${JSON.stringify(s)}): no '/'`)
  if (s.includes('%')) throw fail('CIDR with zone value is not allowed')
  let ip: IPAddr
  try {
    ip = parseIPAddr(s.slice(0, slash))
  } catch {
    throw fail(`netip.ParsePrefix(${JSON.stringify(s)}): ParseAddr(${JSON.stringify(s.slice(0, slash))}): unable to parse IP`)
  }
  const bitsText = s.slice(slash + 1)
  const bits = Number(bitsText)
  if (!/^[0-9]+$/.test(bitsText) || (bitsText.length > 1 && bitsText.startsWith('0')) || bits > (ip.family === 4 ? 32 : 128))
    throw fail(`netip.ParsePrefix(${JSON.stringify(s)}): bad bits after slash: ${JSON.stringify(bitsText)}`)
  return new CIDR(ip, bits)
}

// ---- URLs -----------------------------------------------------------------------------------

/** A parsed URL as Go's url.URL holds the parts the library returns. */
export class KubeURL {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly path: string,
    readonly rawQuery: string,
  ) {}
}

export function parseKubeURL(s: string): KubeURL {
  const fail = () => new Error(`URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URI for request`)
  // url.ParseRequestURI: an absolute URI, or an absolute path.
  if (s.startsWith('/')) {
    const q = s.indexOf('?')
    return new KubeURL('', '', q < 0 ? s : s.slice(0, q), q < 0 ? '' : s.slice(q + 1))
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?$/.exec(s)
  if (!m || /\s/.test(s)) throw fail()
  const host = (m[3] ?? '').replace(/^[^@]*@/, '')
  return new KubeURL(m[1], host, m[4], (m[5] ?? '').slice(1))
}

function urlHostname(u: KubeURL): string {
  if (u.host.startsWith('[')) return u.host.slice(1, u.host.indexOf(']'))
  const colon = u.host.lastIndexOf(':')
  return colon < 0 ? u.host : u.host.slice(0, colon)
}

function urlPort(u: KubeURL): string {
  const end = u.host.startsWith('[') ? u.host.indexOf(']') + 1 : 0
  const colon = u.host.indexOf(':', end)
  return colon < 0 ? '' : u.host.slice(colon + 1)
}

function urlQuery(u: KubeURL): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const [k, v] of new URLSearchParams(u.rawQuery)) out.set(k, [...(out.get(k) ?? []), v])
  return out
}

/** The `isX(string)` form of a parser: true when it accepts the string. */
function parses(parse: (s: string) => unknown): (s: string) => boolean {
  return (s) => {
    try {
      parse(s)
      return true
    } catch {
      return false
    }
  }
}

// ---- formats ------------------------------------------------------------------------------------

export class NamedFormat {
  constructor(
    readonly name: string,
    readonly check: (s: string) => string[],
  ) {}
}

const uuidRe = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const prefixOf = (check: (s: string) => string[]) => (s: string) => check(s.endsWith('-') ? `${s}a` : s)
const formats: Record<string, (s: string) => string[]> = {
  dns1123Label: isDNS1123Label,
  dns1123Subdomain: isDNS1123Subdomain,
  dns1035Label: isDNS1035Label,
  qualifiedName: isQualifiedName,
  dns1123LabelPrefix: prefixOf(isDNS1123Label),
  dns1123SubdomainPrefix: prefixOf(isDNS1123Subdomain),
  dns1035LabelPrefix: prefixOf(isDNS1035Label),
  labelValue: isValidLabelValue,
  uri: (s) => (parses(parseKubeURL)(s) ? [] : ['invalid URI']),
  uuid: (s) => (uuidRe.test(s) ? [] : ['does not match the UUID format']),
  byte: (s) => (/^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0 ? [] : ['invalid base64']),
  date: (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ['invalid date']),
  datetime: (s) => (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ['invalid datetime']),
}

// ---- string formatting (the strings extension's format) ------------------------------------

function formatString(fmt: string, args: unknown[]): string {
  let i = 0
  return fmt.replace(/%(\.(\d+))?([sdfeboxX%])/g, (_all, _p, precision: string | undefined, verb: string) => {
    if (verb === '%') return '%'
    if (i >= args.length) throw new Error(`index ${i} out of range`)
    const a = args[i++]
    const num = (v: unknown) => (typeof v === 'bigint' ? v : typeof v === 'number' ? v : Number.NaN)
    switch (verb) {
      case 's':
        return celString(a)
      case 'd':
        if (typeof a !== 'bigint' && !(typeof a === 'number' && Number.isInteger(a))) throw new Error('error during formatting: decimal clause can only be used on integers')
        return String(a)
      case 'f':
        return Number(num(a)).toFixed(precision === undefined ? 6 : Number(precision))
      case 'e':
        return Number(num(a))
          .toExponential(precision === undefined ? 6 : Number(precision))
          .replace(/e([+-])(\d)$/, 'e$10$2')
      case 'b':
        return typeof a === 'boolean' ? String(a) : BigInt(num(a) as bigint).toString(2)
      case 'o':
        return BigInt(num(a) as bigint).toString(8)
      case 'x':
      case 'X': {
        const s = typeof a === 'string' ? Buffer.from(a).toString('hex') : a instanceof Uint8Array ? Buffer.from(a).toString('hex') : BigInt(num(a) as bigint).toString(16)
        return verb === 'X' ? s.toUpperCase() : s
      }
    }
    return ''
  })
}

function celString(a: unknown): string {
  if (a === null) return 'null'
  if (Array.isArray(a)) return `[${a.map(celString).join(', ')}]`
  if (a instanceof Map) return `{${[...a].map(([k, v]) => `${celString(k)}: ${celString(v)}`).join(', ')}}`
  if (a instanceof Uint8Array) return Buffer.from(a).toString()
  if (a instanceof Date) return a.toISOString().replace('.000Z', 'Z')
  if (typeof a === 'object') return `{${Object.entries(a).map(([k, v]) => `${k}: ${celString(v)}`).join(', ')}}`
  return String(a)
}

// ---- lists --------------------------------------------------------------------------------------

const celEqual = (a: unknown, b: unknown): boolean => {
  if (typeof a === 'bigint' || typeof b === 'bigint' || typeof a === 'number' || typeof b === 'number') return typeof a === typeof b || typeof a === 'bigint' || typeof b === 'bigint' ? Number(a) === Number(b) : false
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) === JSON.stringify(b, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
}

function compareValues(a: unknown, b: unknown): number {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime()
  if (a instanceof Quantity && b instanceof Quantity) return a.compare(b)
  throw new Error('no such overload')
}

function extreme(l: unknown[], which: 'min' | 'max'): unknown {
  if (l.length === 0) throw new Error(`${which}(list) called on an empty list`)
  return l.reduce((best, x) => (compareValues(x, best) * (which === 'min' ? -1 : 1) > 0 ? x : best))
}

// ---- the environment --------------------------------------------------------------------------

class SetsNamespace {}
class StringsNamespace {}
class IPNamespace {}
class FormatNamespace {}

let shared: Environment | undefined

/** The environment CRD validation rules compile in: cel-js's standard library plus Kubernetes'. */
export function kubernetesCelEnvironment(): Environment {
  if (shared) return shared
  const env = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true, homogeneousAggregateLiterals: false })
  const fn = (sig: string, handler: (...args: never[]) => unknown) => env.registerFunction(sig, handler as (...args: unknown[]) => unknown)

  // strings (ext.Strings v2: what cel-js lacks)
  env.registerType('StringsNamespace', StringsNamespace)
  env.registerConstant('strings', 'StringsNamespace', new StringsNamespace())
  fn('string.charAt(int): string', (s: string, i: bigint) => {
    if (i < 0n || i > BigInt(s.length)) throw new Error(`index out of range: ${i}`)
    return [...s][Number(i)] ?? ''
  })
  fn('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b))
  fn('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
    if (n < 0n) return s.split(a).join(b)
    let out = s
    let from = 0
    for (let k = 0n; k < n; k++) {
      const at = out.indexOf(a, from)
      if (at < 0) break
      out = out.slice(0, at) + b + out.slice(at + a.length)
      from = at + b.length
    }
    return out
  })
  fn('string.format(list<dyn>): string', (s: string, args: unknown[]) => formatString(s, args))
  fn('StringsNamespace.quote(string): string', (_ns: unknown, s: string) => JSON.stringify(s))
  fn('string.reverse(): string', (s: string) => [...s].reverse().join(''))

  // optional.value() as dyn (see rewriteOptionalValue in cel.ts)
  fn('optional<dyn>.__value__(): dyn', (o: Optional<unknown>) => {
    if (!o.hasValue()) throw new Error('optional.none() dereference')
    return o.value()
  })

  // sets (ext.Sets)
  env.registerType('SetsNamespace', SetsNamespace)
  env.registerConstant('sets', 'SetsNamespace', new SetsNamespace())
  const has = (l: unknown[], x: unknown) => l.some((y) => celEqual(x, y))
  fn('SetsNamespace.contains(list<dyn>, list<dyn>): bool', (_ns: unknown, a: unknown[], b: unknown[]) => b.every((x) => has(a, x)))
  fn('SetsNamespace.equivalent(list<dyn>, list<dyn>): bool', (_ns: unknown, a: unknown[], b: unknown[]) => b.every((x) => has(a, x)) && a.every((x) => has(b, x)))
  fn('SetsNamespace.intersects(list<dyn>, list<dyn>): bool', (_ns: unknown, a: unknown[], b: unknown[]) => b.some((x) => has(a, x)))

  // lists
  fn('list<dyn>.isSorted(): bool', (l: unknown[]) => l.every((x, i) => i === 0 || compareValues(l[i - 1], x) <= 0))
  fn('list<dyn>.sum(): dyn', (l: unknown[]) => {
    if (l.length === 0) return 0n
    return l.reduce((a, b) => {
      if (typeof a === 'bigint' && typeof b === 'bigint') return a + b
      if (a instanceof Date || b instanceof Date) throw new Error('no such overload')
      return Number(a) + Number(b)
    })
  })
  fn('list<dyn>.min(): dyn', (l: unknown[]) => extreme(l, 'min'))
  fn('list<dyn>.max(): dyn', (l: unknown[]) => extreme(l, 'max'))
  fn('list<dyn>.indexOf(dyn): int', (l: unknown[], x: unknown) => BigInt(l.findIndex((y) => celEqual(x, y))))
  fn('list<dyn>.lastIndexOf(dyn): int', (l: unknown[], x: unknown) => {
    for (let i = l.length - 1; i >= 0; i--) if (celEqual(x, l[i])) return BigInt(i)
    return -1n
  })

  // regex
  fn('string.find(string): string', (s: string, re: string) => new RegExp(re, 'u').exec(s)?.[0] ?? '')
  fn('string.findAll(string): list<string>', (s: string, re: string) => [...s.matchAll(new RegExp(re, 'gu'))].map((m) => m[0]))
  fn('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) => {
    const all = [...s.matchAll(new RegExp(re, 'gu'))].map((m) => m[0])
    return n < 0n ? all : all.slice(0, Number(n))
  })

  // URLs
  env.registerType('kubernetes.URL', KubeURL)
  fn('url(string): kubernetes.URL', (s: string) => parseKubeURL(s))
  fn('isURL(string): bool', parses(parseKubeURL))
  fn('kubernetes.URL.getScheme(): string', (u: KubeURL) => u.scheme)
  fn('kubernetes.URL.getHost(): string', (u: KubeURL) => u.host)
  fn('kubernetes.URL.getHostname(): string', (u: KubeURL) => urlHostname(u))
  fn('kubernetes.URL.getPort(): string', (u: KubeURL) => urlPort(u))
  fn('kubernetes.URL.getEscapedPath(): string', (u: KubeURL) => u.path)
  fn('kubernetes.URL.getQuery(): map<string, list<string>>', (u: KubeURL) => urlQuery(u))

  // quantity
  env.registerType('kubernetes.Quantity', Quantity)
  fn('quantity(string): kubernetes.Quantity', (s: string) => Quantity.parse(s))
  fn('isQuantity(string): bool', parses(Quantity.parse))
  fn('sign(kubernetes.Quantity): int', (q: Quantity) => q.sign())
  fn('kubernetes.Quantity.sign(): int', (q: Quantity) => q.sign())
  fn('kubernetes.Quantity.isGreaterThan(kubernetes.Quantity): bool', (a: Quantity, b: Quantity) => a.compare(b) > 0)
  fn('kubernetes.Quantity.isLessThan(kubernetes.Quantity): bool', (a: Quantity, b: Quantity) => a.compare(b) < 0)
  fn('kubernetes.Quantity.compareTo(kubernetes.Quantity): int', (a: Quantity, b: Quantity) => BigInt(a.compare(b)))
  fn('kubernetes.Quantity.asApproximateFloat(): double', (q: Quantity) => q.approximate())
  fn('kubernetes.Quantity.isInteger(): bool', (q: Quantity) => q.asInt64() !== undefined)
  fn('kubernetes.Quantity.asInteger(): int', (q: Quantity) => {
    const v = q.asInt64()
    if (v === undefined) throw new Error('cannot convert value to integer')
    return v
  })
  fn('kubernetes.Quantity.add(kubernetes.Quantity): kubernetes.Quantity', (a: Quantity, b: Quantity) => a.add(b))
  fn('kubernetes.Quantity.add(int): kubernetes.Quantity', (a: Quantity, b: bigint) => a.add(new Quantity(b, 0)))
  fn('kubernetes.Quantity.sub(kubernetes.Quantity): kubernetes.Quantity', (a: Quantity, b: Quantity) => a.add(b, -1n))
  fn('kubernetes.Quantity.sub(int): kubernetes.Quantity', (a: Quantity, b: bigint) => a.add(new Quantity(b, 0), -1n))

  // IP and CIDR
  env.registerType('net.IP', IPAddr)
  env.registerType('net.CIDR', CIDR)
  env.registerType('IPNamespace', IPNamespace)
  env.registerConstant('ip', 'IPNamespace', new IPNamespace())
  fn('ip(string): net.IP', (s: string) => parseIPAddr(s))
  fn('isIP(string): bool', parses(parseIPAddr))
  fn('IPNamespace.isCanonical(string): bool', (_ns: unknown, s: string) => parseIPAddr(s).toString() === s)
  fn('string(net.IP): string', (ip: IPAddr) => ip.toString())
  fn('net.IP.family(): int', (ip: IPAddr) => BigInt(ip.family))
  for (const [name, key] of [
    ['isUnspecified', 'unspecified'],
    ['isLoopback', 'loopback'],
    ['isLinkLocalMulticast', 'linkLocalMulticast'],
    ['isLinkLocalUnicast', 'linkLocalUnicast'],
    ['isGlobalUnicast', 'globalUnicast'],
  ] as const)
    fn(`net.IP.${name}(): bool`, (ip: IPAddr) => ipKinds(ip)[key])
  fn('cidr(string): net.CIDR', (s: string) => parseCIDR(s))
  fn('isCIDR(string): bool', parses(parseCIDR))
  fn('string(net.CIDR): string', (c: CIDR) => c.toString())
  fn('net.CIDR.containsIP(string): bool', (c: CIDR, s: string) => c.contains(parseIPAddr(s)))
  fn('net.CIDR.containsIP(net.IP): bool', (c: CIDR, ip: IPAddr) => c.contains(ip))
  fn('net.CIDR.containsCIDR(string): bool', (c: CIDR, s: string) => {
    const o = parseCIDR(s)
    return o.bits >= c.bits && c.contains(o.ip)
  })
  fn('net.CIDR.containsCIDR(net.CIDR): bool', (c: CIDR, o: CIDR) => o.bits >= c.bits && c.contains(o.ip))
  fn('net.CIDR.ip(): net.IP', (c: CIDR) => c.ip)
  fn('net.CIDR.masked(): net.CIDR', (c: CIDR) => c.masked())
  fn('net.CIDR.prefixLength(): int', (c: CIDR) => BigInt(c.bits))

  // format
  env.registerType('kubernetes.NamedFormat', NamedFormat)
  env.registerType('FormatNamespace', FormatNamespace)
  env.registerConstant('format', 'FormatNamespace', new FormatNamespace())
  for (const [name, check] of Object.entries(formats)) fn(`FormatNamespace.${name}(): kubernetes.NamedFormat`, () => new NamedFormat(name, check))
  fn('FormatNamespace.named(string): optional<kubernetes.NamedFormat>', (_ns: unknown, name: string) => (Object.hasOwn(formats, name) ? Optional.of(new NamedFormat(name, formats[name])) : Optional.none()))
  fn('kubernetes.NamedFormat.validate(string): optional<list<string>>', (f: NamedFormat, s: string) => {
    const errs = f.check(s)
    return errs.length ? Optional.of(errs) : Optional.none()
  })

  shared = env
  return env
}
