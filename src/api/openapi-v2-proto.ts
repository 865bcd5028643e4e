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
// The parts live in openapi-v2-proto/: messages.ts (the message tables), encode.ts (the encoder, on
// protobuf/writer.ts), yaml.ts (the YAML of Any values) and negotiate.ts (serving).
export { encodeOpenAPIV2 } from './openapi-v2-proto/encode.js'
export { openapiV2Messages, openapiV2Oneofs, openapiV2Wrappers, type MessageDesc } from './openapi-v2-proto/messages.js'
export { toYAML } from './openapi-v2-proto/yaml.js'
export { negotiateOpenAPIV2, openapiV2ProtobufType, openapiV2Response, type OpenAPIV2Response } from './openapi-v2-proto/negotiate.js'
