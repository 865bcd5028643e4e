import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { parse as parseYAML } from 'yaml'
import { builtInResources } from '../registry/index.js'
import { openapiV2Document } from './openapi.js'
import {
  encodeOpenAPIV2,
  negotiateOpenAPIV2,
  openapiV2Messages,
  openapiV2Oneofs,
  openapiV2ProtobufType,
  openapiV2Response,
  openapiV2Wrappers,
  toYAML,
} from './openapi-v2-proto.js'
import { WireReader, WireType, i64ToNumber, u64ToNumber } from './protobuf/wire.js'

type Json = Record<string, unknown>

// ---------------------------------------------------------------------------------------------
// A reader for the test: decodes gnostic's messages back to Swagger JSON using the field table,
// and, for the oneofs, member numbers written out here from OpenAPIv2.proto (so the encoder's
// choices are checked against an independent copy).

const oneofMembers: Record<string, Record<number, string>> = {
  ParametersItem: { 1: 'Parameter', 2: 'JsonReference' },
  Parameter: { 1: 'BodyParameter', 2: 'NonBodyParameter' },
  NonBodyParameter: { 1: 'HeaderParameterSubSchema', 2: 'FormDataParameterSubSchema', 3: 'QueryParameterSubSchema', 4: 'PathParameterSubSchema' },
  ResponseValue: { 1: 'Response', 2: 'JsonReference' },
  SchemaItem: { 1: 'Schema', 2: 'FileSchema' },
  SecurityDefinitionsItem: {
    1: 'BasicAuthenticationSecurity',
    2: 'ApiKeySecurity',
    3: 'Oauth2ImplicitSecurity',
    4: 'Oauth2PasswordSecurity',
    5: 'Oauth2ApplicationSecurity',
    6: 'Oauth2AccessCodeSecurity',
  },
}

function fields(buf: Uint8Array): { field: number; wire: number; value: Uint8Array | number }[] {
  const r = new WireReader(buf)
  const out: { field: number; wire: number; value: Uint8Array | number }[] = []
  while (!r.done) {
    const { field, wire } = r.tag()
    if (wire === WireType.bytes) out.push({ field, wire, value: r.bytes() })
    else if (wire === WireType.varint) out.push({ field, wire, value: i64ToNumber(r.varint()) })
    else if (wire === WireType.fixed64) {
      const { lo, hi } = r.fixed64()
      const dv = new DataView(new ArrayBuffer(8))
      dv.setUint32(0, lo, true)
      dv.setUint32(4, hi, true)
      out.push({ field, wire, value: dv.getFloat64(0, true) })
    } else assert.fail(`unexpected wire type ${wire}`)
  }
  return out
}

const text = (b: Uint8Array | number) => Buffer.from(b as Uint8Array).toString('utf8')

function decodeAny(b: Uint8Array): unknown {
  const fs = fields(b)
  assert.deepEqual(fs.map((f) => f.field), [2], 'an Any carries only its yaml')
  return parseYAML(text(fs[0].value))
}

function decodeScalar(type: string, v: Uint8Array | number): unknown {
  switch (type) {
    case 'string':
      return text(v)
    case 'bool':
      return v === 1
    case 'double':
    case 'int64':
      return v
    case 'any':
      return decodeAny(v as Uint8Array)
    default:
      return decode(type, v as Uint8Array)
  }
}

function decode(name: string, buf: Uint8Array): unknown {
  const fs = fields(buf)
  const nums = fs.map((f) => f.field)
  assert.deepEqual(nums, [...nums].sort((a, b) => a - b), `${name}: fields in number order`)
  if (name in oneofMembers) {
    assert.equal(fs.length, 1, `${name}: one member`)
    return decode(oneofMembers[name][fs[0].field], fs[0].value as Uint8Array)
  }
  switch (name) {
    case 'AdditionalPropertiesItem':
      return fs[0].field === 2 ? fs[0].value === 1 : decode('Schema', fs[0].value as Uint8Array)
    case 'TypeItem':
      return fs.length === 1 ? text(fs[0].value) : fs.map((f) => text(f.value))
    case 'ItemsItem':
      return fs.length === 1 ? decode('Schema', fs[0].value as Uint8Array) : fs.map((f) => decode('Schema', f.value as Uint8Array))
    case 'StringArray':
      return fs.map((f) => text(f.value))
  }
  const desc = openapiV2Messages[name]
  assert.ok(desc, `unknown message ${name}`)
  const byNum = new Map(Object.entries(desc.fields ?? {}).map(([k, [n, t]]) => [n, [k, t] as const]))
  const out: Json = {}
  for (const f of fs) {
    if (f.field === desc.ext) {
      const [n, v] = fields(f.value as Uint8Array)
      out[text(n.value)] = decodeAny(v.value as Uint8Array)
    } else if (f.field === desc.named?.field) {
      const pair = fields(f.value as Uint8Array)
      const key = pair[0]?.field === 1 ? text(pair[0].value) : ''
      const value = pair.find((p) => p.field === 2)
      out[key] = value ? decodeScalar(desc.named.value, value.value) : desc.named.value === 'string' ? '' : {}
    } else {
      const [key, type] = byNum.get(f.field) ?? assert.fail(`${name}: unknown field ${f.field}`)
      if (type.endsWith('[]')) ((out[key] ??= []) as unknown[]).push(decodeScalar(type.slice(0, -2), f.value))
      else out[key] = decodeScalar(type, f.value)
    }
  }
  return out
}

function decodeDocument(b: Uint8Array): Json {
  return decode('Document', b) as Json
}

// ---------------------------------------------------------------------------------------------

describe('the message table', () => {
  it('names only messages it defines, with unique field numbers', () => {
    const known = new Set([...Object.keys(openapiV2Messages), ...Object.keys(openapiV2Oneofs), ...openapiV2Wrappers])
    const scalars = new Set(['string', 'bool', 'double', 'int64', 'any'])
    for (const [name, desc] of Object.entries(openapiV2Messages)) {
      const nums = Object.values(desc.fields ?? {}).map(([n]) => n)
      if (desc.ext) nums.push(desc.ext)
      if (desc.named) nums.push(desc.named.field)
      assert.equal(new Set(nums).size, nums.length, `${name}: duplicate field numbers`)
      for (const [, t] of Object.values(desc.fields ?? {})) {
        const base = t.replace(/\[\]$/, '')
        assert.ok(scalars.has(base) || known.has(base), `${name}: unknown type ${t}`)
      }
      if (desc.named) assert.ok(scalars.has(desc.named.value) || known.has(desc.named.value), `${name}: unknown map value`)
    }
    for (const name of Object.keys(oneofMembers)) assert.ok(name in openapiV2Oneofs, name)
  })
})

describe('encodeOpenAPIV2', () => {
  it('writes the bytes protoc would for a small document', () => {
    const b = encodeOpenAPIV2({ swagger: '2.0', info: { title: 'T', version: 'v' } })
    assert.deepEqual([...b], [0x0a, 3, ...Buffer.from('2.0'), 0x12, 6, 0x0a, 1, 0x54, 0x12, 1, 0x76])
  })

  it('writes scalars by type and leaves out proto3 zero values', () => {
    const schema = { type: 'integer', format: 'int32', maximum: 1.5, minimum: 0, maxLength: 300, minLength: -1, uniqueItems: false, readOnly: true, description: '' }
    const b = encodeOpenAPIV2({ definitions: { X: schema } })
    // Document.definitions = 9 → Definitions.additional_properties = 1 → NamedSchema{name=1, value=2}
    const [defs] = fields(b)
    assert.equal(defs.field, 9)
    const [pair] = fields(defs.value as Uint8Array)
    const [, value] = fields(pair.value as Uint8Array)
    const got = fields(value.value as Uint8Array)
    assert.deepEqual(
      got.map((f) => [f.field, f.wire]),
      [
        [2, WireType.bytes], // format
        [7, WireType.fixed64], // maximum
        [11, WireType.varint], // maxLength
        [12, WireType.varint], // minLength (negative: 10-byte varint)
        [22, WireType.bytes], // type (TypeItem)
        [27, WireType.varint], // readOnly
      ],
    )
    assert.equal(got[1].value, 1.5)
    assert.equal(got[2].value, 300)
    assert.equal(got[3].value, -1)
    assert.deepEqual(decodeDocument(b), { definitions: { X: { type: 'integer', format: 'int32', maximum: 1.5, maxLength: 300, minLength: -1, readOnly: true } } })
  })

  it('writes additionalProperties: false (a oneof member) and keeps empty messages', () => {
    const b = encodeOpenAPIV2({ definitions: { X: { type: 'object', properties: {}, additionalProperties: false } } })
    assert.deepEqual(decodeDocument(b), { definitions: { X: { type: 'object', properties: {}, additionalProperties: false } } })
  })

  it('puts x- keys into vendor extensions as YAML and drops keys gnostic rejects', () => {
    const gvk = [{ group: '', kind: 'ConfigMap', version: 'v1' }]
    const b = encodeOpenAPIV2({ definitions: { X: { type: 'object', 'x-kubernetes-group-version-kind': gvk, nullable: true } } })
    assert.ok(Buffer.from(b).includes(Buffer.from('- group: ""\n  kind: ConfigMap\n  version: v1\n')))
    assert.deepEqual(decodeDocument(b), { definitions: { X: { type: 'object', 'x-kubernetes-group-version-kind': gvk } } })
  })

  it('picks the parameter, response and security oneofs as gnostic does', () => {
    const doc = {
      swagger: '2.0',
      paths: {
        '/api/v1/namespaces/{namespace}/configmaps': {
          get: {
            parameters: [
              { in: 'query', name: 'limit', type: 'integer', uniqueItems: true, description: 'limit' },
              { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/X' } },
              { $ref: '#/parameters/pretty' },
              { in: 'header', name: 'h', type: 'string' },
              { in: 'formData', name: 'f', type: 'file', required: true },
            ],
            responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/X' } }, default: { $ref: '#/responses/e' }, '401': { description: 'Unauthorized' } },
            'x-kubernetes-action': 'list',
          },
          parameters: [{ in: 'path', name: 'namespace', required: true, type: 'string' }],
        },
        'x-top': 1,
      },
      securityDefinitions: {
        BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' },
        basic: { type: 'basic' },
        oauth: { type: 'oauth2', flow: 'accessCode', authorizationUrl: 'https://a', tokenUrl: 'https://t', scopes: { read: 'reads', write: '' } },
      },
      security: [{ BearerToken: [] }, { oauth: ['read'] }],
    }
    assert.deepEqual(decodeDocument(encodeOpenAPIV2(doc)), doc)
  })

  it('round-trips the document kubelite serves (less the empty descriptions proto3 drops)', () => {
    const doc = openapiV2Document(builtInResources())
    const b = encodeOpenAPIV2(doc)
    const expected = JSON.parse(JSON.stringify(doc)) as Json
    const defs = expected.definitions as Record<string, Json>
    for (const def of Object.values(defs)) if (def.description === '') delete def.description
    assert.deepEqual(decodeDocument(b), expected)
  })

  it('never throws on odd input', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        encodeOpenAPIV2({ definitions: { A: a, B: { type: a, items: b, additionalProperties: a, properties: { p: b } } }, paths: { '/x': { get: a, parameters: [a, b] } }, info: a as Json })
      }),
      { numRuns: 200 },
    )
  })
})

describe('toYAML', () => {
  it('writes block style with yaml.v3 indentation', () => {
    assert.equal(toYAML('merge'), 'merge\n')
    assert.equal(toYAML(['port', 'protocol']), '- port\n- protocol\n')
    assert.equal(toYAML({ a: ['x'], b: { c: 1 }, d: {}, e: [] }), 'a:\n    - x\nb:\n    c: 1\nd: {}\ne: []\n')
    assert.equal(toYAML([{ group: 'apps', kind: 'Deployment', version: 'v1' }]), '- group: apps\n  kind: Deployment\n  version: v1\n')
  })

  it('quotes strings that would read back as something else', () => {
    for (const s of ['', 'true', 'no', 'null', '~', '1', '1.5', '0x1F', '-', '- a', 'a: b', 'a #b', ' x', 'x ', '...', '---', '#', '{}', "it's", 'a\nb', 'tab\t', '2024-01-01'])
      assert.equal(parseYAML(toYAML(s)), s, JSON.stringify(s))
  })

  it('reads back as the value it wrote', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const expected = JSON.parse(JSON.stringify(v))
        assert.deepEqual(parseYAML(toYAML(expected)), expected)
      }),
      { numRuns: 500 },
    )
  })
})

describe('negotiateOpenAPIV2', () => {
  it('serves JSON by default and protobuf when asked, as kube-openapi does', () => {
    assert.equal(negotiateOpenAPIV2(undefined), 'json')
    assert.equal(negotiateOpenAPIV2(''), 'json')
    assert.equal(negotiateOpenAPIV2('*/*'), 'json')
    assert.equal(negotiateOpenAPIV2('application/*'), 'json')
    assert.equal(negotiateOpenAPIV2('application/json'), 'json')
    assert.equal(negotiateOpenAPIV2('application/com.github.proto-openapi.spec.v2@v1.0+protobuf'), 'protobuf')
    assert.equal(negotiateOpenAPIV2('application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), 'protobuf')
    assert.equal(negotiateOpenAPIV2('application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf'), 'protobuf')
    assert.equal(negotiateOpenAPIV2('*/*, application/com.github.proto-openapi.spec.v2@v1.0+protobuf'), 'protobuf')
    assert.equal(negotiateOpenAPIV2('text/html, application/json'), 'json')
  })

  it('accepts nothing else', () => {
    assert.equal(negotiateOpenAPIV2('text/html'), undefined)
    assert.equal(negotiateOpenAPIV2('application/yaml'), undefined)
    assert.equal(negotiateOpenAPIV2('application/vnd.kubernetes.protobuf'), undefined)
    assert.equal(negotiateOpenAPIV2('garbage'), undefined)
  })
})

describe('openapiV2Response', () => {
  const doc = { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.4' } }

  it('answers JSON or protobuf with one ETag and Vary: Accept', () => {
    const json = openapiV2Response(doc, {})
    assert.equal(json.code, 200)
    assert.equal(json.headers['Content-Type'], 'application/json')
    assert.deepEqual(JSON.parse(json.body.toString()), doc)
    assert.equal(json.headers.Vary, 'Accept')
    assert.match(json.headers.ETag, /^"[0-9A-F]{128}"$/)
    const pb = openapiV2Response(doc, { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' })
    assert.equal(pb.code, 200)
    assert.equal(pb.headers['Content-Type'], openapiV2ProtobufType)
    assert.equal(pb.headers.ETag, json.headers.ETag)
    assert.equal(pb.headers['Content-Length'], String(pb.body.length))
    assert.deepEqual(decodeDocument(pb.body), doc)
    assert.equal(openapiV2Response(doc, { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' }).body, pb.body, 'encoded once')
  })

  it('answers 304 to a matching If-None-Match and 406 to an unacceptable Accept', () => {
    const { headers } = openapiV2Response(doc, {})
    const again = openapiV2Response(doc, { ifNoneMatch: `W/"x", ${headers.ETag}` })
    assert.equal(again.code, 304)
    assert.equal(again.body.length, 0)
    assert.equal(openapiV2Response(doc, { ifNoneMatch: '"other"' }).code, 200)
    const no = openapiV2Response(doc, { accept: 'text/html' })
    assert.equal(no.code, 406)
    assert.equal(no.body.length, 0)
  })

  it('sends no body to HEAD', () => {
    const head = openapiV2Response(doc, { method: 'HEAD' })
    assert.equal(head.code, 200)
    assert.equal(head.body.length, 0)
    assert.notEqual(head.headers['Content-Length'], '0')
  })
})
