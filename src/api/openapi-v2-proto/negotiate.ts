// Serving GET /openapi/v2 as kube-openapi's handler does: Accept negotiation (JSON or protobuf),
// ETag, Last-Modified, Vary, 304 and 406.
import { createHash } from 'node:crypto'
import { encodeOpenAPIV2 } from './encode.js'

type Json = Record<string, unknown>

export const openapiV2ProtobufType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'

interface AcceptClause {
  type: string
  subType: string
  q: number
}

/** goautoneg.ParseAccept: clauses sorted by q, then concrete types before wildcards. */
function parseAccept(header: string): AcceptClause[] {
  const out: AcceptClause[] = []
  for (const part of header.split(',')) {
    const [range, ...params] = part.split(';')
    const sp = range.split('/')
    const type = sp[0].trim()
    let subType: string
    if (sp.length === 1 && type === '*') subType = '*'
    else if (sp.length === 2) subType = sp[1].trim()
    else continue
    let q = 1
    for (const p of params) {
      const kv = p.split('=')
      if (kv.length >= 2 && kv[0].trim() === 'q') q = Number.parseFloat(kv.slice(1).join('=')) || 0
    }
    out.push({ type, subType, q })
  }
  const less = (a: AcceptClause, b: AcceptClause) => a.q > b.q || (a.type !== '*' && b.type === '*') || (a.subType !== '*' && b.subType === '*')
  // Insertion sort: what Go's sort.Sort does for short slices.
  for (let i = 1; i < out.length; i++) for (let j = i; j > 0 && less(out[j], out[j - 1]); j--) [out[j - 1], out[j]] = [out[j], out[j - 1]]
  return out
}

const offered: [string, 'json' | 'protobuf'][] = [
  ['json', 'json'],
  ['com.github.proto-openapi.spec.v2@v1.0+protobuf', 'protobuf'],
  ['com.github.proto-openapi.spec.v2.v1.0+protobuf', 'protobuf'],
]

/** Which representation an Accept header gets (undefined: 406), as kube-openapi negotiates it. */
export function negotiateOpenAPIV2(accept: string | undefined): 'json' | 'protobuf' | undefined {
  for (const c of parseAccept(accept || '*/*')) {
    if (c.type !== 'application' && c.type !== '*') continue
    for (const [subType, format] of offered) if (c.subType === subType || c.subType === '*') return format
  }
  return undefined
}

interface Rendered {
  json: Buffer
  etag: string
  lastModified: string
  proto?: Buffer
}

const rendered = new WeakMap<object, Rendered>()

function render(doc: Json): Rendered {
  let r = rendered.get(doc)
  if (!r) {
    const json = Buffer.from(JSON.stringify(doc))
    r = { json, etag: `"${createHash('sha512').update(json).digest('hex').toUpperCase()}"`, lastModified: new Date().toUTCString() }
    rendered.set(doc, r)
  }
  return r
}

export interface OpenAPIV2Response {
  code: number
  headers: Record<string, string>
  body: Buffer
}

/**
 * The response to GET /openapi/v2 for `doc` (the JSON document; the same object each call while
 * it is unchanged, so its encodings are kept): JSON or protobuf by Accept, 304 for a matching
 * If-None-Match, 406 when nothing offered is acceptable.
 */
export function openapiV2Response(doc: Json, req: { accept?: string; ifNoneMatch?: string; method?: string }): OpenAPIV2Response {
  const format = negotiateOpenAPIV2(req.accept)
  if (!format) return { code: 406, headers: { Vary: 'Accept', 'Content-Length': '0' }, body: Buffer.alloc(0) }
  const r = render(doc)
  let body = r.json
  if (format === 'protobuf') body = r.proto ??= encodeOpenAPIV2(doc)
  const headers: Record<string, string> = { Vary: 'Accept', ETag: r.etag, 'Last-Modified': r.lastModified }
  if (req.ifNoneMatch && etagMatches(req.ifNoneMatch, r.etag)) return { code: 304, headers, body: Buffer.alloc(0) }
  headers['Content-Type'] = format === 'json' ? 'application/json' : openapiV2ProtobufType
  headers['Accept-Ranges'] = 'bytes'
  headers['Content-Length'] = String(body.length)
  return { code: 200, headers, body: req.method === 'HEAD' ? Buffer.alloc(0) : body }
}

/** If-None-Match: `*` or a list of (weak or strong) entity tags. */
function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}
