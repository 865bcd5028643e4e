// The `kubelite.io/traffic` Service annotation (docs/traffic.md): how kubelite's proxy splits a
// Service's traffic between backends by exact weights, with header routes, mirrors and
// stickiness. Written by people (the two-Deployment canary) and by the Rollout controller; read
// by the proxy. Pure: the types, and a strict parser whose every error names its field.
import { isDNS1035Label, isQualifiedName, isValidLabelValue } from '../validation.js'
import { isObj } from '../../lib/guards.js'

export const trafficAnnotation = 'kubelite.io/traffic'
/** The Warning Event reason for an annotation the proxy cannot use. */
export const invalidTrafficAnnotationReason = 'InvalidTrafficAnnotation'

/** Argo Rollouts' StringMatch: exactly one of the three. */
export type StringMatch = { exact: string } | { prefix: string } | { regex: string }

export interface TrafficBackend {
  name: string
  /** Relative share, ≥ 0. */
  weight: number
  /** The ready endpoints of another Service of the namespace (same port name, else number). */
  service?: string
  /** This Service's own endpoints whose Pod has all these labels. */
  selector?: Record<string, string>
}

export type TrafficSticky = { cookie: string; maxAgeSeconds?: number } | { clientIP: true }

export interface HeaderMatch {
  headerName: string
  headerValue: StringMatch
}

export interface HeaderRoute {
  name: string
  /** Every entry must match. */
  match: HeaderMatch[]
  backend: string
}

/** Argo Rollouts' RouteMatch: all given parts must match. */
export interface MirrorMatch {
  method?: StringMatch
  path?: StringMatch
  headers?: Record<string, StringMatch>
}

export interface MirrorRoute {
  name: string
  /** Any entry may match. */
  match: MirrorMatch[]
  /** 0–100, default 100. */
  percentage?: number
  backend: string
}

export interface TrafficPolicy {
  backends: TrafficBackend[]
  sticky?: TrafficSticky
  headerRoutes?: HeaderRoute[]
  mirrors?: MirrorRoute[]
}

export const maxTrafficBackends = 10

/** A malformed annotation: `field` is the JSON path (`backends[1].weight`), `message` the whole line. */
export class TrafficAnnotationError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`)
    this.name = 'TrafficAnnotationError'
  }
}

const fail = (field: string, detail: string): never => {
  throw new TrafficAnnotationError(field, detail)
}

type Obj = Record<string, unknown>

function object(v: unknown, field: string, known: readonly string[]): Obj {
  if (!isObj(v)) fail(field, 'must be an object')
  for (const k of Object.keys(v as Obj)) if (!known.includes(k)) fail(field ? `${field}.${k}` : k, 'unknown field')
  return v as Obj
}

function list(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) fail(field, 'must be a list')
  return v as unknown[]
}

/** Route and backend names end up in cookies and metrics: a short token. */
const nameRe = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/
function name(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') fail(field, 'must be a non-empty string')
  if (!nameRe.test(v as string)) fail(field, 'must be 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit')
  return v as string
}

/** RFC 9110 token: header names, cookie names. */
const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function stringMatch(v: unknown, field: string): StringMatch {
  const o = object(v, field, ['exact', 'prefix', 'regex'])
  const keys = Object.keys(o)
  if (keys.length !== 1) fail(field, 'must have exactly one of exact, prefix, regex')
  const k = keys[0] as 'exact' | 'prefix' | 'regex'
  if (typeof o[k] !== 'string') fail(`${field}.${k}`, 'must be a string')
  if (k === 'regex') {
    try {
      new RegExp(o[k] as string)
    } catch (err) {
      fail(`${field}.regex`, `invalid regular expression: ${(err as Error).message}`)
    }
  }
  return { [k]: o[k] } as StringMatch
}

function weight(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(field, 'must be a number >= 0')
  return v as number
}

function backend(v: unknown, field: string): TrafficBackend {
  const o = object(v, field, ['name', 'weight', 'service', 'selector'])
  const b: TrafficBackend = { name: name(o.name, `${field}.name`), weight: weight(o.weight, `${field}.weight`) }
  if (o.service !== undefined && o.selector !== undefined) fail(field, 'may not have both service and selector')
  if (o.service !== undefined) {
    if (typeof o.service !== 'string') fail(`${field}.service`, 'must be a string')
    const errs = isDNS1035Label(o.service as string)
    if (errs.length) fail(`${field}.service`, errs.join('; '))
    b.service = o.service as string
  }
  if (o.selector !== undefined) {
    const sel = o.selector
    if (!isObj(sel)) fail(`${field}.selector`, 'must be a map of label keys to values')
    const entries = Object.entries(sel as Obj)
    if (entries.length === 0) fail(`${field}.selector`, 'must not be empty')
    for (const [k, val] of entries) {
      const keyErrs = isQualifiedName(k)
      if (keyErrs.length) fail(`${field}.selector`, `invalid label key ${JSON.stringify(k)}: ${keyErrs.join('; ')}`)
      if (typeof val !== 'string') fail(`${field}.selector.${k}`, 'must be a string')
      const valErrs = isValidLabelValue(val as string)
      if (valErrs.length) fail(`${field}.selector.${k}`, `invalid label value ${JSON.stringify(val)}: ${valErrs.join('; ')}`)
    }
    b.selector = { ...(sel as Record<string, string>) }
  }
  return b
}

function sticky(v: unknown): TrafficSticky {
  const o = object(v, 'sticky', ['cookie', 'maxAgeSeconds', 'clientIP'])
  if (o.cookie !== undefined && o.clientIP !== undefined) fail('sticky', 'may not have both cookie and clientIP')
  if (o.clientIP !== undefined) {
    if (o.clientIP !== true) fail('sticky.clientIP', 'must be true')
    if (o.maxAgeSeconds !== undefined) fail('sticky.maxAgeSeconds', 'only applies to a cookie')
    return { clientIP: true }
  }
  if (typeof o.cookie !== 'string' || !tokenRe.test(o.cookie)) fail('sticky.cookie', 'must be a cookie name (an HTTP token)')
  const s: TrafficSticky = { cookie: o.cookie as string }
  if (o.maxAgeSeconds !== undefined) {
    if (!Number.isInteger(o.maxAgeSeconds) || (o.maxAgeSeconds as number) <= 0) fail('sticky.maxAgeSeconds', 'must be a whole number > 0')
    s.maxAgeSeconds = o.maxAgeSeconds as number
  }
  return s
}

function headerName(v: unknown, field: string): string {
  if (typeof v !== 'string' || !tokenRe.test(v)) fail(field, 'must be an HTTP header name')
  return v as string
}

function backendRef(v: unknown, field: string, names: Set<string>): string {
  if (typeof v !== 'string' || !names.has(v)) fail(field, `must name one of the backends (${[...names].join(', ')})`)
  return v as string
}

function routeNames(): (v: unknown, field: string) => string {
  const seen = new Set<string>()
  return (v, field) => {
    const n = name(v, field)
    if (seen.has(n)) fail(field, `duplicate name ${JSON.stringify(n)}`)
    seen.add(n)
    return n
  }
}

/** Parse an annotation value; throws TrafficAnnotationError naming the first bad field. */
export function parseTrafficPolicy(value: string): TrafficPolicy {
  let raw: unknown
  try {
    raw = JSON.parse(value)
  } catch (err) {
    return fail(trafficAnnotation, `must be a JSON object: ${(err as Error).message}`)
  }
  if (!isObj(raw)) fail(trafficAnnotation, 'must be a JSON object')
  const o = object(raw, '', ['backends', 'sticky', 'headerRoutes', 'mirrors'])
  if (o.backends === undefined) fail('backends', 'Required value')
  const rawBackends = list(o.backends, 'backends')
  if (rawBackends.length < 1 || rawBackends.length > maxTrafficBackends) fail('backends', `must have 1 to ${maxTrafficBackends} entries`)
  const backends: TrafficBackend[] = []
  const names = new Set<string>()
  let rest = -1
  rawBackends.forEach((rb, i) => {
    const b = backend(rb, `backends[${i}]`)
    if (names.has(b.name)) fail(`backends[${i}].name`, `duplicate name ${JSON.stringify(b.name)}`)
    if (!b.service && !b.selector) {
      if (rest >= 0) fail(`backends[${i}]`, `only one backend may have neither service nor selector (backends[${rest}] has neither)`)
      rest = i
    }
    names.add(b.name)
    backends.push(b)
  })
  const policy: TrafficPolicy = { backends }
  if (o.sticky !== undefined) policy.sticky = sticky(o.sticky)
  if (o.headerRoutes !== undefined) {
    const uniq = routeNames()
    policy.headerRoutes = list(o.headerRoutes, 'headerRoutes').map((rr, i) => {
      const f = `headerRoutes[${i}]`
      const r = object(rr, f, ['name', 'match', 'backend'])
      const match = list(r.match, `${f}.match`)
      if (match.length === 0) fail(`${f}.match`, 'must have at least one entry')
      return {
        name: uniq(r.name, `${f}.name`),
        match: match.map((m, j) => {
          const mf = `${f}.match[${j}]`
          const mo = object(m, mf, ['headerName', 'headerValue'])
          return { headerName: headerName(mo.headerName, `${mf}.headerName`), headerValue: stringMatch(mo.headerValue, `${mf}.headerValue`) }
        }),
        backend: backendRef(r.backend, `${f}.backend`, names),
      }
    })
  }
  if (o.mirrors !== undefined) {
    const uniq = routeNames()
    policy.mirrors = list(o.mirrors, 'mirrors').map((rr, i) => {
      const f = `mirrors[${i}]`
      const r = object(rr, f, ['name', 'match', 'percentage', 'backend'])
      const match = list(r.match, `${f}.match`)
      if (match.length === 0) fail(`${f}.match`, 'must have at least one entry')
      const route: MirrorRoute = {
        name: uniq(r.name, `${f}.name`),
        match: match.map((m, j) => {
          const mf = `${f}.match[${j}]`
          const mo = object(m, mf, ['method', 'path', 'headers'])
          const out: MirrorMatch = {}
          if (mo.method !== undefined) out.method = stringMatch(mo.method, `${mf}.method`)
          if (mo.path !== undefined) out.path = stringMatch(mo.path, `${mf}.path`)
          if (mo.headers !== undefined) {
            if (!isObj(mo.headers)) fail(`${mf}.headers`, 'must be a map of header names to {exact|prefix|regex}')
            out.headers = {}
            for (const [h, sm] of Object.entries(mo.headers as Obj)) out.headers[headerName(h, `${mf}.headers`)] = stringMatch(sm, `${mf}.headers.${h}`)
          }
          return out
        }),
        backend: backendRef(r.backend, `${f}.backend`, names),
      }
      if (r.percentage !== undefined) {
        if (typeof r.percentage !== 'number' || !Number.isFinite(r.percentage) || r.percentage < 0 || r.percentage > 100) fail(`${f}.percentage`, 'must be a number from 0 to 100')
        route.percentage = r.percentage as number
      }
      return route
    })
  }
  return policy
}

/** The policy of a Service's annotations: undefined without the annotation, an error when it is malformed. */
export function trafficPolicyOf(annotations: Record<string, string> | undefined | null): TrafficPolicy | TrafficAnnotationError | undefined {
  const value = annotations?.[trafficAnnotation]
  if (value === undefined) return undefined
  try {
    return parseTrafficPolicy(value)
  } catch (err) {
    if (err instanceof TrafficAnnotationError) return err
    throw err
  }
}
