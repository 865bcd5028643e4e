// Per-request routing of the traffic annotation, decided from a request's head: header routes
// (Argo Rollouts' setHeaderRoute) first, then the sticky cookie, then the weights (the balancer);
// and which mirrors (setMirrorRoute) get a copy. Pure but for the mirrors' percentage counters.
import type { MirrorMatch, StringMatch, TrafficPolicy } from '../apis/traffic/annotation.js'

export type Matcher = (v: string) => boolean

export function stringMatcher(m: StringMatch): Matcher {
  if ('exact' in m) return (v) => v === m.exact
  if ('prefix' in m) return (v) => v.startsWith(m.prefix)
  const re = new RegExp(m.regex)
  return (v) => re.test(v)
}

/** What routing needs of a request. Header names are lower-case; repeated fields keep every value. */
export interface RequestFacts {
  method: string
  path: string
  headers: Map<string, string[]>
}

/** The request line and header fields of a request head (bytes up to and including its blank line). */
export function requestFacts(head: Buffer): RequestFacts {
  const lines = head.toString('latin1').split('\r\n')
  const [method = '', path = ''] = lines[0].split(' ')
  const headers = new Map<string, string[]>()
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).toLowerCase()
    const value = line.slice(colon + 1).trim()
    const list = headers.get(name)
    if (list) list.push(value)
    else headers.set(name, [value])
  }
  return { method, path, headers }
}

/** The value of cookie `name` in the request's Cookie fields. */
export function cookieValue(facts: RequestFacts, name: string): string | undefined {
  for (const field of facts.headers.get('cookie') ?? []) {
    for (const part of field.split(';')) {
      const eq = part.indexOf('=')
      if (eq < 0) continue
      if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
    }
  }
  return undefined
}

const headerMatches = (facts: RequestFacts, name: string, test: Matcher) => (facts.headers.get(name) ?? []).some(test)

interface CompiledMirror {
  group: number
  percentage: number
  /** Percentage points accumulated: a copy goes out each time it reaches 100 (an exact share, no randomness). */
  credit: number
  match: { method?: Matcher; path?: Matcher; headers: [string, Matcher][] }[]
}

/** A traffic policy ready for the hot path. */
export class CompiledPolicy {
  readonly names: string[]
  readonly weights: number[]
  readonly cookie?: { name: string; maxAgeSeconds?: number }
  readonly clientIP: boolean
  private readonly headerRoutes: { group: number; match: [string, Matcher][] }[]
  private readonly mirrors: CompiledMirror[]

  constructor(readonly policy: TrafficPolicy) {
    this.names = policy.backends.map((b) => b.name)
    this.weights = policy.backends.map((b) => b.weight)
    const group = (name: string) => this.names.indexOf(name)
    const s = policy.sticky
    if (s && 'cookie' in s) this.cookie = { name: s.cookie, ...(s.maxAgeSeconds !== undefined ? { maxAgeSeconds: s.maxAgeSeconds } : {}) }
    this.clientIP = !!s && 'clientIP' in s
    this.headerRoutes = (policy.headerRoutes ?? []).map((r) => ({ group: group(r.backend), match: r.match.map((m) => [m.headerName.toLowerCase(), stringMatcher(m.headerValue)] as [string, Matcher]) }))
    this.mirrors = (policy.mirrors ?? []).map((r) => ({
      group: group(r.backend),
      percentage: r.percentage ?? 100,
      credit: 0,
      match: r.match.map((m: MirrorMatch) => ({
        ...(m.method ? { method: stringMatcher(m.method) } : {}),
        ...(m.path ? { path: stringMatcher(m.path) } : {}),
        headers: Object.entries(m.headers ?? {}).map(([h, sm]) => [h.toLowerCase(), stringMatcher(sm)] as [string, Matcher]),
      })),
    }))
  }

  /** Whether a backend splits the Service's own endpoints by Pod labels. */
  get selects(): boolean {
    return this.policy.backends.some((b) => b.selector !== undefined)
  }

  /** Whether requests need their heads read (header routes, a cookie, mirrors). */
  get readsRequests(): boolean {
    return this.headerRoutes.length > 0 || this.mirrors.length > 0 || this.cookie !== undefined
  }

  /** The backend (group) the first matching header route sends the request to. */
  headerRoute(facts: RequestFacts): number | undefined {
    for (const r of this.headerRoutes) if (r.match.every(([name, test]) => headerMatches(facts, name, test))) return r.group
    return undefined
  }

  /** The group a sticky cookie names, when it names a backend. */
  cookieGroup(facts: RequestFacts): number | undefined {
    if (!this.cookie) return undefined
    const v = cookieValue(facts, this.cookie.name)
    const g = v === undefined ? -1 : this.names.indexOf(v)
    return g >= 0 ? g : undefined
  }

  /** The Set-Cookie value that makes later requests stick to `group`. */
  setCookie(group: number): string | undefined {
    if (!this.cookie || this.names[group] === undefined) return undefined
    return `${this.cookie.name}=${this.names[group]}; Path=/${this.cookie.maxAgeSeconds !== undefined ? `; Max-Age=${this.cookie.maxAgeSeconds}` : ''}; HttpOnly`
  }

  /** The groups that get a copy of this request (each mirror route at its percentage). */
  mirrorGroups(facts: RequestFacts): number[] {
    const out: number[] = []
    for (const m of this.mirrors) {
      const hit = m.match.some((e) => (!e.method || e.method(facts.method)) && (!e.path || e.path(facts.path)) && e.headers.every(([name, test]) => headerMatches(facts, name, test)))
      if (!hit) continue
      m.credit += m.percentage
      if (m.credit >= 100) {
        m.credit -= 100
        out.push(m.group)
      }
    }
    return out
  }
}
