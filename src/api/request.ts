// Reading requests: URL paths into API targets, bodies within a size limit, content types.
import type { IncomingMessage } from 'node:http'
import { parse as parseYaml } from 'yaml'
import type { KObject } from '../apis/meta.js'
import { errors } from '../apis/status.js'
import { notSupported, type FieldError } from '../apis/validation.js'
import { goJsonSyntaxError } from './patch/gojson.js'
import { parseGoDuration } from '../lib/go-duration.js'

/** Upstream's limit on request bodies (3 MiB). */
export const maxRequestBodyBytes = 3 * 1024 * 1024

/** Where a resource request points, before the resource is looked up. */
export interface ApiTarget {
  group: string
  version: string
  /** Namespace from the path (`/namespaces/{ns}/...`), if any. */
  namespace?: string
  resource: string
  name?: string
  /** e.g. `status`, `scale`, `log`, `exec`, `proxy`. */
  subresource?: string
  /** Path after the subresource (proxy: `/foo/bar`). */
  subpath?: string
}

export type ParsedPath =
  | { kind: 'target'; target: ApiTarget }
  | { kind: 'groupVersion'; group: string; version: string }
  | { kind: 'group'; group: string }
  | { kind: 'root'; legacy: boolean }
  | { kind: 'other' }

/**
 * `/api/v1/namespaces/ns/pods/p/log`, `/apis/apps/v1/deployments`, `/api/v1/namespaces/ns` (the
 * namespace itself), `/api/v1/namespaces/ns/status`...
 */
export function parsePath(pathname: string): ParsedPath {
  const parts = pathname.split('/').filter((p, i) => i > 0 || p !== '')
  if (parts[0] === '') parts.shift()
  // parts: ['api', 'v1', ...] or ['apis', group, version, ...]
  let group: string
  let version: string
  let rest: string[]
  if (parts[0] === 'api') {
    if (parts.length === 1 || (parts.length === 2 && parts[1] === '')) return { kind: 'root', legacy: true }
    group = ''
    version = parts[1]
    rest = parts.slice(2)
  } else if (parts[0] === 'apis') {
    if (parts.length === 1 || (parts.length === 2 && parts[1] === '')) return { kind: 'root', legacy: false }
    group = parts[1]
    if (parts.length === 2) return { kind: 'group', group }
    version = parts[2]
    rest = parts.slice(3)
  } else {
    return { kind: 'other' }
  }
  if (rest.length > 0 && rest[rest.length - 1] === '' && rest.length > 1) rest = rest.slice(0, -1)
  if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) return { kind: 'groupVersion', group, version }
  const decoded = rest.map((s) => {
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  })
  // Namespaced: namespaces/{ns}/{resource}[/{name}[/{sub}[/...]]]. The namespace object itself is
  // namespaces/{name}[/{sub}] and is told apart by the caller (it knows which resources exist).
  if (decoded[0] === 'namespaces' && decoded.length >= 3) {
    const [, namespace, resource, name, subresource, ...sub] = decoded
    return { kind: 'target', target: { group, version, namespace, resource, name, subresource, subpath: subpathOf(sub, rest.length >= 5) } }
  }
  const [resource, name, subresource, ...sub] = decoded
  return { kind: 'target', target: { group, version, resource, name, subresource, subpath: subpathOf(sub, decoded.length >= 3) } }
}

function subpathOf(sub: string[], hasSub: boolean): string | undefined {
  if (!hasSub) return undefined
  return sub.length ? '/' + sub.join('/') : undefined
}

/** Reads the whole body, refusing more than `limit` bytes with a 413. */
export async function readBody(req: IncomingMessage, limit = maxRequestBodyBytes): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    throw errors.tooLarge(limit)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) {
      req.resume()
      throw errors.tooLarge(limit)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** The media type without parameters, lower-cased: `application/json`. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase()
}

export type ProtobufDecoder = (body: Buffer) => KObject

/** Decode a request body by its Content-Type into a JSON value. */
export function decodeBody(body: Buffer, contentType: string | undefined, protobuf?: ProtobufDecoder): unknown {
  const type = mediaType(contentType)
  if (type === 'application/vnd.kubernetes.protobuf') {
    if (!protobuf) throw errors.unsupportedMediaType(type)
    return protobuf(body)
  }
  const text = body.toString('utf8')
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    let value: unknown
    try {
      value = parseYaml(text)
    } catch (err) {
      throw errors.badRequest(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`)
    }
    if (tooDeep(value, text.length)) throw errors.badRequest(`error converting YAML to JSON: exceeded max depth of ${maxNestingDepth}`)
    return value
  }
  // Missing Content-Type (kubectl's scale PUT) is read as JSON, like the API server does.
  if (type === '' || type === 'application/json' || type === '*/*') {
    if (text.trim() === '') throw errors.badRequest('the body of the request was empty')
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      throw errors.badRequest(`the body of the request was in an unknown format - ${jsonErrorText(err, text)}`)
    }
    // Go's decoder stops at 10,000 levels; everything after decoding (defaults, managed fields,
    // clones) may recurse, so nothing deeper gets past this point.
    if (tooDeep(value, text.length)) throw errors.badRequest(`the body of the request was in an unknown format - ${goJsonSyntaxError(body) ?? 'exceeded max depth'}`)
    return value
  }
  throw errors.unsupportedMediaType(type)
}

/** encoding/json's maxNestingDepth. */
const maxNestingDepth = 10000

/**
 * Whether a decoded value nests deeper than maxNestingDepth, walked without recursion. A text
 * shorter than 2 × the limit cannot (every level takes at least one opening and one closing
 * character), so ordinary bodies skip the walk.
 */
function tooDeep(value: unknown, textLength: number): boolean {
  if (textLength <= 2 * maxNestingDepth) return false
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth > maxNestingDepth) return true
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
  }
  return false
}

/** Go-like JSON syntax error text: `invalid character 'x' looking for beginning of value`. */
function jsonErrorText(err: unknown, text: string): string {
  const m = /position (\d+)/.exec((err as Error).message)
  if (m) {
    const pos = Number(m[1])
    const ch = text[pos]
    if (ch !== undefined) return `invalid character ${JSON.stringify(ch).replace(/^"|"$/g, "'")} looking for beginning of value`
  }
  return 'unexpected end of JSON input'
}

export type OutputFormat = { kind: 'json' } | { kind: 'yaml' } | { kind: 'table'; version: 'v1' | 'v1beta1' }

/**
 * Content negotiation on Accept. Table when any entry asks `as=Table` (kubectl's printing get);
 * JSON for `application/json`, `*\/*`, protobuf-with-JSON-fallback, or nothing; YAML on request.
 */
export function negotiate(accept: string | undefined): OutputFormat {
  if (!accept) return { kind: 'json' }
  const entries = accept.split(',').map((e) => e.trim())
  for (const entry of entries) {
    const [type, ...params] = entry.split(';').map((s) => s.trim())
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]))
    const t = type.toLowerCase()
    if (t === 'application/json' && p.as === 'Table') {
      if (p.g === 'meta.k8s.io' && (p.v === 'v1' || p.v === 'v1beta1')) return { kind: 'table', version: p.v }
      continue
    }
    if (p.as) continue
    if (t === 'application/json' || t === '*/*' || t === 'application/*') return { kind: 'json' }
    if (t === 'application/yaml') return { kind: 'yaml' }
  }
  // Only protobuf or unknown types were offered: upstream answers 406.
  throw errors.notAcceptable()
}

/**
 * A boolean query parameter as upstream reads it (`Convert_Slice_string_To_bool` in apimachinery):
 * absent is false; `0` and `false` in any case are false; anything else (`true`, `True` as the
 * Python client spells it, `1`, even an empty `?watch`) is true.
 */
export function queryBool(v: string | null): boolean {
  if (v === null) return false
  return v !== '0' && v.toLowerCase() !== 'false'
}

export function queryInt(name: string, v: string | null): number | undefined {
  if (v === null || v === '') return undefined
  if (!/^-?\d+$/.test(v)) throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`)
  // Go reads these as int64: anything past its range is strconv's error, as upstream answers.
  const n = BigInt(v)
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`)
  return Number(v)
}

/** What ValidateListOptions (apimachinery's meta/internalversion/validation) looks at. */
export interface ListOptionsToCheck {
  watch: boolean
  resourceVersion?: string
  resourceVersionMatch?: string
  continue?: string
  sendInitialEvents?: boolean
}

/**
 * Upstream's ValidateListOptions, with the WatchList feature on (kubelite serves sendInitialEvents).
 * A non-empty result is a 422 on `ListOptions.meta.k8s.io ""`.
 */
export function validateListOptions(o: ListOptionsToCheck): FieldError[] {
  const errs: FieldError[] = []
  const match = o.resourceVersionMatch ?? ''
  const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail })
  if (o.watch) {
    if (o.sendInitialEvents !== undefined && match !== 'NotOlderThan') errs.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'))
    if (match) {
      if (o.sendInitialEvents === undefined) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'))
      if (match !== 'NotOlderThan') errs.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']))
      if (o.continue) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'))
    }
    return errs
  }
  if (match) {
    if (!o.resourceVersion) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'))
    if (o.continue) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'))
    if (match !== 'Exact' && match !== 'NotOlderThan') errs.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']))
    if (match === 'Exact' && o.resourceVersion === '0') errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'))
  }
  if (o.sendInitialEvents !== undefined) errs.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'))
  return errs
}

/**
 * The request's URL. Its target is always a path, read as one: `//host/x` is the path `//host/x`,
 * never a URL naming another host (which `new URL(target, base)` would make of it).
 */
export function requestURL(req: { url?: string }): URL {
  const target = req.url ?? '/'
  return new URL(`https://localhost${target.startsWith('/') ? target : `/${target}`}`)
}

// Upstream's --long-running-request-regexp default, plus watch=true: requests no deadline applies to.
const longRunningPath = /(\/|^)((watch|proxy)(\/|$)|(logs?|portforward|exec|attach)\/?$)/

/** Whether a request is long-running (watch, proxy, logs, exec, attach, port-forward): no deadline, no drain wait. */
export function isLongRunning(url: string): boolean {
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  if (longRunningPath.test(path)) return true
  return q >= 0 && queryBool(new URLSearchParams(url.slice(q + 1)).get('watch'))
}

/**
 * The deadline of a request in ms, as upstream's WithRequestDeadline: none for long-running ones;
 * the `timeout` query parameter when it is a positive Go duration below the maximum; else the
 * maximum (--request-timeout). A malformed `timeout` is a 400 with upstream's words.
 */
export function requestDeadlineMs(url: string, maximumMs: number): number | undefined {
  if (isLongRunning(url)) return undefined
  const q = url.indexOf('?')
  const value = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('timeout')
  if (!value) return maximumMs
  const ms = parseGoDuration(value)
  if (ms === undefined) throw errors.badRequest(`invalid timeout specified in the request URL - time: invalid duration ${JSON.stringify(value)}`)
  return ms > 0 && ms < maximumMs ? ms : maximumMs
}
