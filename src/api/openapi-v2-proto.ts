// GET /openapi/v2 in protobuf, as kube-apiserver serves it (kube-openapi's handler): the Swagger 2.0
// JSON document encoded as gnostic's `openapi.v2.Document` message
// (github.com/google/gnostic-models, openapiv2/OpenAPIv2.proto). kubectl asks for it with
// `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf` to validate manifests the
// v3 documents do not cover (a `kind: List`) and, before 1.27, for all validation and `explain`.
//
// The encoding follows gnostic's compiler (openapi_v2.ParseDocument, then proto.Marshal): fields in
// field-number order, proto3 zero scalars left out, present messages written even when empty,
// `x-` keys as NamedAny vendor extensions whose Any carries the value as YAML (block style, as
// yaml.v3 writes it; kube-openapi reads extensions back with yaml.Unmarshal), maps as repeated
// Named* pairs in document order, and the oneofs (parameters, additionalProperties, responses,
// security definitions) picked by the same keys gnostic's matching ends up choosing. Keys gnostic
// would reject are left out rather than failing the whole document.
//
// Content negotiation, ETag and Vary follow kube-openapi's handler: the first Accept clause (sorted
// as goautoneg sorts them) that names JSON or one of the two protobuf types wins; none → 406.
import { createHash } from 'node:crypto'

type Json = Record<string, unknown>

// ---------------------------------------------------------------------------------------------
// Wire writer

const enum Wire {
  varint = 0,
  fixed64 = 1,
  bytes = 2,
}

class Writer {
  private buf = new Uint8Array(256)
  private len = 0

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.len + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }

  /** A non-negative integer (exact up to 2^53) as a varint. */
  uvarint(n: number): void {
    this.ensure(10)
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80
      n = Math.floor(n / 0x80)
    }
    this.buf[this.len++] = n
  }

  /** A signed int64 (two's complement, 10 bytes when negative). */
  int64(n: number): void {
    if (n >= 0) return this.uvarint(n)
    let v = BigInt.asUintN(64, BigInt(n))
    this.ensure(10)
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80
      v >>= 7n
    }
    this.buf[this.len++] = Number(v)
  }

  tag(field: number, wire: Wire): void {
    this.uvarint(field * 8 + wire)
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, Wire.bytes)
    this.uvarint(data.length)
    this.ensure(data.length)
    this.buf.set(data, this.len)
    this.len += data.length
  }

  string(field: number, s: string): void {
    this.bytes(field, Buffer.from(s, 'utf8'))
  }

  bool(field: number, b: boolean): void {
    this.tag(field, Wire.varint)
    this.uvarint(b ? 1 : 0)
  }

  double(field: number, d: number): void {
    this.tag(field, Wire.fixed64)
    this.ensure(8)
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, d, true)
    this.len += 8
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len)
  }
}

// ---------------------------------------------------------------------------------------------
// The messages, as data: JSON key → [field number, type]. A type is a scalar, `T[]` for a repeated
// field, or the name of a message (or of a oneof wrapper with its own encoder below).

type Scalar = 'string' | 'bool' | 'double' | 'int64' | 'any'
/** A message name (in `messages`, `oneofs` or `wrappers`). */
type MessageName = string
/** A scalar, a message name, or either followed by `[]` (repeated). */
type FieldType = string

export interface MessageDesc {
  /** JSON key → [field number, type]. */
  fields?: Record<string, [number, FieldType]>
  /** Field number of `repeated NamedAny vendor_extension` (the `x-` keys). */
  ext?: number
  /** A map message: keys matching `pattern` (all keys if none) → repeated Named{name=1, value=2}. */
  named?: { field: number; value: Scalar | MessageName; pattern?: RegExp }
}

// Field layouts shared by several messages.
const primitiveRest = (from: number): Record<string, [number, FieldType]> => {
  const keys: [string, FieldType][] = [
    ['default', 'any'],
    ['maximum', 'double'],
    ['exclusiveMaximum', 'bool'],
    ['minimum', 'double'],
    ['exclusiveMinimum', 'bool'],
    ['maxLength', 'int64'],
    ['minLength', 'int64'],
    ['pattern', 'string'],
    ['maxItems', 'int64'],
    ['minItems', 'int64'],
    ['uniqueItems', 'bool'],
    ['enum', 'any[]'],
    ['multipleOf', 'double'],
  ]
  return Object.fromEntries(keys.map(([k, t], i) => [k, [from + i, t]]))
}

// header and path parameters: required, in, description, name, type, format, items, collectionFormat, ...
const headerOrPathParam: MessageDesc = {
  fields: {
    required: [1, 'bool'],
    in: [2, 'string'],
    description: [3, 'string'],
    name: [4, 'string'],
    type: [5, 'string'],
    format: [6, 'string'],
    items: [7, 'PrimitivesItems'],
    collectionFormat: [8, 'string'],
    ...primitiveRest(9),
  },
  ext: 22,
}

// query and formData parameters add allowEmptyValue after name.
const queryOrFormParam: MessageDesc = {
  fields: {
    required: [1, 'bool'],
    in: [2, 'string'],
    description: [3, 'string'],
    name: [4, 'string'],
    allowEmptyValue: [5, 'bool'],
    type: [6, 'string'],
    format: [7, 'string'],
    items: [8, 'PrimitivesItems'],
    collectionFormat: [9, 'string'],
    ...primitiveRest(10),
  },
  ext: 23,
}

const messages: Record<string, MessageDesc> = {
  Document: {
    fields: {
      swagger: [1, 'string'],
      info: [2, 'Info'],
      host: [3, 'string'],
      basePath: [4, 'string'],
      schemes: [5, 'string[]'],
      consumes: [6, 'string[]'],
      produces: [7, 'string[]'],
      paths: [8, 'Paths'],
      definitions: [9, 'Definitions'],
      parameters: [10, 'ParameterDefinitions'],
      responses: [11, 'ResponseDefinitions'],
      security: [12, 'SecurityRequirement[]'],
      securityDefinitions: [13, 'SecurityDefinitions'],
      tags: [14, 'Tag[]'],
      externalDocs: [15, 'ExternalDocs'],
    },
    ext: 16,
  },
  Info: {
    fields: { title: [1, 'string'], version: [2, 'string'], description: [3, 'string'], termsOfService: [4, 'string'], contact: [5, 'Contact'], license: [6, 'License'] },
    ext: 7,
  },
  Contact: { fields: { name: [1, 'string'], url: [2, 'string'], email: [3, 'string'] }, ext: 4 },
  License: { fields: { name: [1, 'string'], url: [2, 'string'] }, ext: 3 },
  ExternalDocs: { fields: { description: [1, 'string'], url: [2, 'string'] }, ext: 3 },
  Tag: { fields: { name: [1, 'string'], description: [2, 'string'], externalDocs: [3, 'ExternalDocs'] }, ext: 4 },
  Paths: { ext: 1, named: { field: 2, value: 'PathItem', pattern: /^\// } },
  PathItem: {
    fields: {
      $ref: [1, 'string'],
      get: [2, 'Operation'],
      put: [3, 'Operation'],
      post: [4, 'Operation'],
      delete: [5, 'Operation'],
      options: [6, 'Operation'],
      head: [7, 'Operation'],
      patch: [8, 'Operation'],
      parameters: [9, 'ParametersItem[]'],
    },
    ext: 10,
  },
  Operation: {
    fields: {
      tags: [1, 'string[]'],
      summary: [2, 'string'],
      description: [3, 'string'],
      externalDocs: [4, 'ExternalDocs'],
      operationId: [5, 'string'],
      produces: [6, 'string[]'],
      consumes: [7, 'string[]'],
      parameters: [8, 'ParametersItem[]'],
      responses: [9, 'Responses'],
      schemes: [10, 'string[]'],
      deprecated: [11, 'bool'],
      security: [12, 'SecurityRequirement[]'],
    },
    ext: 13,
  },
  BodyParameter: {
    fields: { description: [1, 'string'], name: [2, 'string'], in: [3, 'string'], required: [4, 'bool'], schema: [5, 'Schema'] },
    ext: 6,
  },
  HeaderParameterSubSchema: headerOrPathParam,
  PathParameterSubSchema: headerOrPathParam,
  FormDataParameterSubSchema: queryOrFormParam,
  QueryParameterSubSchema: queryOrFormParam,
  PrimitivesItems: {
    fields: { type: [1, 'string'], format: [2, 'string'], items: [3, 'PrimitivesItems'], collectionFormat: [4, 'string'], ...primitiveRest(5) },
    ext: 18,
  },
  Header: {
    fields: {
      type: [1, 'string'],
      format: [2, 'string'],
      items: [3, 'PrimitivesItems'],
      collectionFormat: [4, 'string'],
      ...primitiveRest(5),
      description: [18, 'string'],
    },
    ext: 19,
  },
  JsonReference: { fields: { $ref: [1, 'string'], description: [2, 'string'] } },
  Responses: { named: { field: 1, value: 'ResponseValue', pattern: /^([0-9]{3})$|^(default)$/ }, ext: 2 },
  Response: { fields: { description: [1, 'string'], schema: [2, 'SchemaItem'], headers: [3, 'Headers'], examples: [4, 'Examples'] }, ext: 5 },
  FileSchema: {
    fields: {
      format: [1, 'string'],
      title: [2, 'string'],
      description: [3, 'string'],
      default: [4, 'any'],
      required: [5, 'string[]'],
      type: [6, 'string'],
      readOnly: [7, 'bool'],
      externalDocs: [8, 'ExternalDocs'],
      example: [9, 'any'],
    },
    ext: 10,
  },
  Schema: {
    fields: {
      $ref: [1, 'string'],
      format: [2, 'string'],
      title: [3, 'string'],
      description: [4, 'string'],
      default: [5, 'any'],
      multipleOf: [6, 'double'],
      maximum: [7, 'double'],
      exclusiveMaximum: [8, 'bool'],
      minimum: [9, 'double'],
      exclusiveMinimum: [10, 'bool'],
      maxLength: [11, 'int64'],
      minLength: [12, 'int64'],
      pattern: [13, 'string'],
      maxItems: [14, 'int64'],
      minItems: [15, 'int64'],
      uniqueItems: [16, 'bool'],
      maxProperties: [17, 'int64'],
      minProperties: [18, 'int64'],
      required: [19, 'string[]'],
      enum: [20, 'any[]'],
      additionalProperties: [21, 'AdditionalPropertiesItem'],
      type: [22, 'TypeItem'],
      items: [23, 'ItemsItem'],
      allOf: [24, 'Schema[]'],
      properties: [25, 'Properties'],
      discriminator: [26, 'string'],
      readOnly: [27, 'bool'],
      xml: [28, 'Xml'],
      externalDocs: [29, 'ExternalDocs'],
      example: [30, 'any'],
    },
    ext: 31,
  },
  Xml: { fields: { name: [1, 'string'], namespace: [2, 'string'], prefix: [3, 'string'], attribute: [4, 'bool'], wrapped: [5, 'bool'] }, ext: 6 },
  Properties: { named: { field: 1, value: 'Schema' } },
  Definitions: { named: { field: 1, value: 'Schema' } },
  ParameterDefinitions: { named: { field: 1, value: 'Parameter' } },
  ResponseDefinitions: { named: { field: 1, value: 'Response' } },
  SecurityDefinitions: { named: { field: 1, value: 'SecurityDefinitionsItem' } },
  SecurityRequirement: { named: { field: 1, value: 'StringArray' } },
  Headers: { named: { field: 1, value: 'Header' } },
  Examples: { named: { field: 1, value: 'any' } },
  Oauth2Scopes: { named: { field: 1, value: 'string' } },
  BasicAuthenticationSecurity: { fields: { type: [1, 'string'], description: [2, 'string'] }, ext: 3 },
  ApiKeySecurity: { fields: { type: [1, 'string'], name: [2, 'string'], in: [3, 'string'], description: [4, 'string'] }, ext: 5 },
  Oauth2ImplicitSecurity: {
    fields: { type: [1, 'string'], flow: [2, 'string'], scopes: [3, 'Oauth2Scopes'], authorizationUrl: [4, 'string'], description: [5, 'string'] },
    ext: 6,
  },
  Oauth2PasswordSecurity: {
    fields: { type: [1, 'string'], flow: [2, 'string'], scopes: [3, 'Oauth2Scopes'], tokenUrl: [4, 'string'], description: [5, 'string'] },
    ext: 6,
  },
  Oauth2ApplicationSecurity: {
    fields: { type: [1, 'string'], flow: [2, 'string'], scopes: [3, 'Oauth2Scopes'], tokenUrl: [4, 'string'], description: [5, 'string'] },
    ext: 6,
  },
  Oauth2AccessCodeSecurity: {
    fields: {
      type: [1, 'string'],
      flow: [2, 'string'],
      scopes: [3, 'Oauth2Scopes'],
      authorizationUrl: [4, 'string'],
      tokenUrl: [5, 'string'],
      description: [6, 'string'],
    },
    ext: 7,
  },
}

/** Messages that are a oneof over other messages, or wrap a non-object JSON value. */
const oneofs: Record<string, (v: unknown) => [number, MessageName] | undefined> = {
  /** `{"$ref"}` → json_reference = 2, otherwise parameter = 1. */
  ParametersItem: (v) => (isObject(v) ? ('$ref' in v ? [2, 'JsonReference'] : [1, 'Parameter']) : undefined),
  /** body_parameter = 1 for `in: body`, else non_body_parameter = 2. */
  Parameter: (v) => (isObject(v) ? (v.in === 'body' ? [1, 'BodyParameter'] : [2, 'NonBodyParameter']) : undefined),
  /** The sub-schema gnostic accepts is the one whose `in` enum matches. */
  NonBodyParameter: (v) => {
    if (!isObject(v)) return undefined
    const by: Record<string, [number, MessageName]> = {
      header: [1, 'HeaderParameterSubSchema'],
      formData: [2, 'FormDataParameterSubSchema'],
      query: [3, 'QueryParameterSubSchema'],
      path: [4, 'PathParameterSubSchema'],
    }
    return typeof v.in === 'string' && Object.hasOwn(by, v.in) ? by[v.in] : undefined
  },
  /** `{"$ref"}` → json_reference = 2, otherwise response = 1. */
  ResponseValue: (v) => (isObject(v) ? ('$ref' in v ? [2, 'JsonReference'] : [1, 'Response']) : undefined),
  /** file_schema = 2 for `type: file`, else schema = 1. */
  SchemaItem: (v) => (isObject(v) ? (v.type === 'file' ? [2, 'FileSchema'] : [1, 'Schema']) : undefined),
  SecurityDefinitionsItem: (v) => {
    if (!isObject(v)) return undefined
    if (v.type === 'basic') return [1, 'BasicAuthenticationSecurity']
    if (v.type === 'apiKey') return [2, 'ApiKeySecurity']
    if (v.type !== 'oauth2') return undefined
    const flows: Record<string, [number, MessageName]> = {
      implicit: [3, 'Oauth2ImplicitSecurity'],
      password: [4, 'Oauth2PasswordSecurity'],
      application: [5, 'Oauth2ApplicationSecurity'],
      accessCode: [6, 'Oauth2AccessCodeSecurity'],
    }
    return typeof v.flow === 'string' && Object.hasOwn(flows, v.flow) ? flows[v.flow] : undefined
  },
}

/** Messages wrapping a non-object JSON value, encoded by hand in encodeMessage. */
export const openapiV2Wrappers = ['AdditionalPropertiesItem', 'TypeItem', 'ItemsItem', 'StringArray']

/** The field numbers, for tests and readers. */
export const openapiV2Messages: Readonly<Record<string, MessageDesc>> = messages
export const openapiV2Oneofs: Readonly<Record<string, unknown>> = oneofs

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Encodes `value` as message `name`; undefined when it does not fit (the field is left out). */
function encodeMessage(name: MessageName, value: unknown): Uint8Array | undefined {
  const w = new Writer()
  switch (name) {
    case 'AdditionalPropertiesItem':
      if (typeof value === 'boolean') w.bool(2, value) // a oneof member: written even when false
      else if (isObject(value)) w.bytes(1, encodeMessage('Schema', value)!)
      else return undefined
      return w.finish()
    case 'TypeItem':
      if (typeof value === 'string') w.string(1, value)
      else if (Array.isArray(value) && value.every((t) => typeof t === 'string')) for (const t of value) w.string(1, t)
      else return undefined
      return w.finish()
    case 'ItemsItem':
      for (const s of Array.isArray(value) ? value : [value]) {
        const b = isObject(s) ? encodeMessage('Schema', s) : undefined
        if (!b) return undefined
        w.bytes(1, b)
      }
      return w.finish()
    case 'StringArray':
      if (!Array.isArray(value)) return undefined
      for (const s of value) w.string(1, typeof s === 'string' ? s : '')
      return w.finish()
  }
  if (Object.hasOwn(oneofs, name)) {
    const pick = oneofs[name](value)
    if (!pick) return undefined
    const b = encodeMessage(pick[1], value)
    if (!b) return undefined
    w.bytes(pick[0], b)
    return w.finish()
  }
  if (!isObject(value)) return undefined
  if (!Object.hasOwn(messages, name)) return undefined
  const desc = messages[name]
  const entries = Object.entries(value)
  // One pass per field number, in order, as Go's proto.Marshal writes them.
  const slots: [number, () => void][] = []
  for (const [key, [field, type]] of Object.entries(desc.fields ?? {})) {
    if (!Object.hasOwn(value, key) || value[key] === undefined) continue
    slots.push([field, () => writeField(w, field, type, value[key])])
  }
  if (desc.ext !== undefined) {
    const ext = desc.ext
    slots.push([ext, () => {
      for (const [k, v] of entries) if (k.startsWith('x-') && v !== undefined) w.bytes(ext, named(k, encodeAny(v)))
    }])
  }
  if (desc.named) {
    const { field, value: type, pattern } = desc.named
    slots.push([field, () => {
      for (const [k, v] of entries) {
        if (v === undefined || (pattern && !pattern.test(k))) continue
        const inner = new Writer()
        inner.string(1, k)
        writeField(inner, 2, type, v)
        w.bytes(field, inner.finish())
      }
    }])
  }
  slots.sort((a, b) => a[0] - b[0])
  for (const [, write] of slots) write()
  return w.finish()
}

function named(name: string, value: Uint8Array): Uint8Array {
  const w = new Writer()
  w.string(1, name)
  w.bytes(2, value)
  return w.finish()
}

/** gnostic's Any: the value as YAML in field 2 (`google.protobuf.Any value = 1` stays unset). */
function encodeAny(v: unknown): Uint8Array {
  const w = new Writer()
  w.string(2, toYAML(v))
  return w.finish()
}

function writeField(w: Writer, field: number, type: FieldType, v: unknown): void {
  if (type.endsWith('[]')) {
    if (!Array.isArray(v)) return
    const one = type.slice(0, -2)
    for (const item of v) {
      if (one === 'string') {
        if (typeof item === 'string') w.string(field, item)
      } else writeField(w, field, one, item)
    }
    return
  }
  switch (type) {
    case 'string':
      if (typeof v === 'string' && v !== '') w.string(field, v)
      return
    case 'bool':
      if (v === true) w.bool(field, true)
      return
    case 'double':
      if (typeof v === 'number' && !Object.is(v, 0)) w.double(field, v)
      return
    case 'int64':
      if (typeof v === 'number' && Number.isInteger(v) && v !== 0) {
        w.tag(field, Wire.varint)
        w.int64(v)
      }
      return
    case 'any':
      w.bytes(field, encodeAny(v))
      return
    default: {
      const b = encodeMessage(type, v)
      if (b) w.bytes(field, b)
    }
  }
}

/** Encodes a Swagger 2.0 document (as JSON) as gnostic's `openapi.v2.Document`. */
export function encodeOpenAPIV2(doc: Json): Buffer {
  const b = encodeMessage('Document', doc) ?? new Uint8Array(0)
  return Buffer.from(b.buffer, b.byteOffset, b.length)
}

// ---------------------------------------------------------------------------------------------
// YAML for Any values, shaped like yaml.v3's block output (4-space indent; a mapping inside a
// sequence item starts after its "- "). Strings that would read back as something else are
// double-quoted; multi-line strings too (yaml.v3 would use a literal block; both read the same).

const plainUnsafe = /^(?:\.\.\.|<<)|^[\s\-?:,[\]{}#&*!|>'"%@`]|[\s]$|: |:$| #|[\u0000-\u001f\u007f\u0085\u2028\u2029\ufeff]/
const otherScalar = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?)$/

function yamlScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : v > 0 ? '.inf' : v < 0 ? '-.inf' : '.nan'
  const s = String(v)
  if (s === '' || otherScalar.test(s) || s.includes('\n')) return JSON.stringify(s)
  if (plainUnsafe.test(s)) return /[\u0000-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(s) ? JSON.stringify(s) : `'${s.replaceAll("'", "''")}'`
  return s
}

function isEmptyCollection(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0)
}

/** Lines of `v` in block style at `indent`; `inSeq`: the first line follows a "- " already written. */
function yamlBlock(v: unknown, indent: number, out: string[], firstPrefix: string): void {
  const pad = ' '.repeat(indent)
  if (Array.isArray(v) && v.length > 0) {
    let prefix = firstPrefix
    for (const item of v) {
      const lead = prefix + '- '
      if (Array.isArray(item) && item.length > 0) yamlBlock(item, indent + 2, out, lead)
      else if (isObject(item) && Object.keys(item).length > 0) yamlBlock(item, indent + 2, out, lead)
      else out.push(lead + yamlInline(item))
      prefix = pad
    }
    return
  }
  if (isObject(v) && Object.keys(v).length > 0) {
    let prefix = firstPrefix
    const next = 4 * Math.floor((indent + 4) / 4)
    for (const [k, item] of Object.entries(v)) {
      const key = `${prefix}${yamlScalar(k)}:`
      if ((Array.isArray(item) || isObject(item)) && !isEmptyCollection(item)) {
        out.push(key)
        yamlBlock(item, next, out, ' '.repeat(next))
      } else out.push(`${key} ${yamlInline(item)}`)
      prefix = pad
    }
    return
  }
  out.push(firstPrefix + yamlInline(v))
}

function yamlInline(v: unknown): string {
  if (Array.isArray(v)) return '[]'
  if (isObject(v)) return '{}'
  return yamlScalar(v)
}

/** `v` as YAML text ending in a newline, as gnostic stores it in an Any. */
export function toYAML(v: unknown): string {
  const out: string[] = []
  yamlBlock(v, 0, out, '')
  return out.join('\n') + '\n'
}

// ---------------------------------------------------------------------------------------------
// Serving

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
