// OpenAPI-style schemas of the built-in kinds, as one source of truth for: strategic merge patch
// (patch merge keys and strategies), server-side apply (list types and map keys), strict field
// validation (unknown fields), OpenAPI v2/v3 documents and `kubectl explain`.
//
// Definitions are named as upstream names them (`io.k8s.api.apps.v1.Deployment`) and refer to each
// other with `$ref: '#/definitions/<name>'` (v2 style; the v3 documents rewrite refs).

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean'
  format?: string
  description?: string
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  additionalProperties?: Schema | boolean
  $ref?: string
  allOf?: Schema[]
  enum?: unknown[]
  default?: unknown
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[]
  'x-kubernetes-patch-merge-key'?: string
  'x-kubernetes-patch-strategy'?: string
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map'
  'x-kubernetes-list-map-keys'?: string[]
  'x-kubernetes-map-type'?: 'atomic' | 'granular'
  'x-kubernetes-int-or-string'?: boolean
  'x-kubernetes-preserve-unknown-fields'?: boolean
  'x-kubernetes-embedded-resource'?: boolean
  'x-kubernetes-unions'?: unknown[]
}

/** Follows `$ref`s (and single-element `allOf` wrappers) to the schema they name. */
export type SchemaResolver = (schema: Schema) => Schema
