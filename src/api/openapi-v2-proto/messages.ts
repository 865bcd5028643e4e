// gnostic's openapi.v2 messages (github.com/google/gnostic-models, openapiv2/OpenAPIv2.proto) as
// data, for the encoder in encode.ts.
import { isObj as isObject } from '../../lib/guards.js'

type Json = Record<string, unknown>

// The messages, as data: JSON key → [field number, type]. A type is a scalar, `T[]` for a repeated
// field, or the name of a message (or of a oneof wrapper with its own encoder below).

export type Scalar = 'string' | 'bool' | 'double' | 'int64' | 'any'
/** A message name (in `messages`, `oneofs` or `wrappers`). */
export type MessageName = string
/** A scalar, a message name, or either followed by `[]` (repeated). */
export type FieldType = string

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

export const messages: Record<string, MessageDesc> = {
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
export const oneofs: Record<string, (v: unknown) => [number, MessageName] | undefined> = {
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
