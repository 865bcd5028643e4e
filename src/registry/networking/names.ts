// The string rules of networking.k8s.io validation that the shared validation files do not carry,
// with upstream's exact messages (k8s.io/apimachinery/pkg/util/validation and
// pkg/api/validation/path at v0.32).
import { isIP } from 'node:net'
import { regexError } from '../../apis/core/names.js'
import { ipv6Bytes } from '../../lib/net.js'
import { invalid, isDNS1123Subdomain, required, type FieldError } from '../../apis/validation.js'

const dns1123SubdomainFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'
const wildcardFmt = `\\*\\.${dns1123SubdomainFmt}`
const wildcardRe = new RegExp(`^${wildcardFmt}$`)
const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+"
const httpPathRe = new RegExp(`^${httpPathFmt}$`)

/** IsWildcardDNS1123Subdomain: `*.` then a DNS-1123 subdomain. */
export function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = []
  if (value.length > 253) errs.push('must be no more than 253 characters')
  if (!wildcardRe.test(value))
    errs.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        wildcardFmt,
        ['*.example.com'],
      ),
    )
  return errs
}

/** IsDomainPrefixedPath: `acme.io/foo` (an IngressClass's controller). */
export function validateDomainPrefixedPath(value: string, field: string): FieldError[] {
  if (value.length === 0) return [required(field, '')]
  const slash = value.indexOf('/')
  const host = slash < 0 ? value : value.slice(0, slash)
  const path = slash < 0 ? '' : value.slice(slash + 1)
  if (slash < 0 || host.length === 0 || path.length === 0) return [invalid(field, value, 'must be a domain-prefixed path (such as "acme.io/foo")')]
  const errs = isDNS1123Subdomain(host).map((m) => invalid(field, host, m))
  if (!httpPathRe.test(path)) errs.push(invalid(field, path, regexError('Invalid path', httpPathFmt, [])))
  return errs
}

/** path.IsValidPathSegmentName: names that can be one segment of a URL path. */
export function isValidPathSegmentName(name: string): string[] {
  for (const bad of ['.', '..']) if (name === bad) return [`may not be '${bad}'`]
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`)
}

/** Go's net.ParseIP, accepting IPv4 octets with leading zeros (ParseIPSloppy). */
export function parseIPSloppy(s: string): 4 | 6 | undefined {
  if (/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(s)) return s.split('.').every((o) => Number(o) <= 255) ? 4 : undefined
  if (s.includes('%')) return undefined
  return isIP(s) === 6 ? 6 : undefined
}

export interface CIDR {
  family: 4 | 6
  /** The address as 16 (IPv6) or 4 (IPv4) bytes, masked to the prefix. */
  bytes: number[]
  prefix: number
}

function ipBytes(s: string, family: 4 | 6): number[] {
  if (family === 4) return s.split('.').map(Number)
  return ipv6Bytes(s)
}

/** netutils.ParseCIDRSloppy: `address/prefix`, the network it names (undefined when malformed). */
export function parseCIDRSloppy(s: string): CIDR | undefined {
  const slash = s.indexOf('/')
  if (slash < 0) return undefined
  const family = parseIPSloppy(s.slice(0, slash))
  const p = s.slice(slash + 1)
  if (!family || !/^[0-9]{1,3}$/.test(p)) return undefined
  const prefix = Number(p)
  if (prefix > (family === 4 ? 32 : 128)) return undefined
  const bytes = ipBytes(s.slice(0, slash), family).map((b, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8))
    return b & ((0xff << (8 - bits)) & 0xff)
  })
  return { family, bytes, prefix }
}

/** Whether `inner` lies inside `outer` and is strictly smaller. */
export function strictSubset(outer: CIDR, inner: CIDR): boolean {
  if (outer.family !== inner.family || inner.prefix <= outer.prefix) return false
  return outer.bytes.every((b, i) => {
    const bits = Math.max(0, Math.min(8, outer.prefix - i * 8))
    const mask = (0xff << (8 - bits)) & 0xff
    return (inner.bytes[i] & mask) === b
  })
}
