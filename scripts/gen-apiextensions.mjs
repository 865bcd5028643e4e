// Writes src/apis/openapi/apiextensions.json: the OpenAPI definitions of apiextensions.k8s.io/v1
// CustomResourceDefinition, transcribed from upstream's Go types (k8s.io/apiextensions-apiserver
// pkg/apis/apiextensions/v1/types.go, v0.32) with their descriptions; the schemas a CRD carries
// (openAPIV3Schema) stay free-form here and are checked by src/registry/apiextensions/crd.ts.
//
//   node scripts/gen-apiextensions.mjs src/apis/openapi/apiextensions.json
import { writeFileSync } from 'node:fs'
const P = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1'
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1'
const ref = (n, description) => ({ $ref: `#/definitions/${n}`, ...(description ? { description } : {}) })
const s = (description) => ({ description, type: 'string' })
const b = (description) => ({ description, type: 'boolean' })
const strs = (description) => ({ description, type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'atomic' })
const apiVersion = s('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources')
const kind = s('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds')
const gvk = (k) => [{ group: 'apiextensions.k8s.io', version: 'v1', kind: k }]
const defs = {
  [`${P}.CustomResourceDefinition`]: {
    description: 'CustomResourceDefinition represents a resource that should be exposed on the API server.  Its name MUST be in the format <.spec.name>.<.spec.group>.',
    type: 'object', required: ['spec'],
    properties: {
      apiVersion, kind,
      metadata: ref(`${meta}.ObjectMeta`, "Standard object's metadata More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"),
      spec: ref(`${P}.CustomResourceDefinitionSpec`, 'spec describes how the user wants the resources to appear'),
      status: ref(`${P}.CustomResourceDefinitionStatus`, 'status indicates the actual state of the CustomResourceDefinition'),
    },
    'x-kubernetes-group-version-kind': gvk('CustomResourceDefinition'),
  },
  [`${P}.CustomResourceDefinitionList`]: {
    description: 'CustomResourceDefinitionList is a list of CustomResourceDefinition objects.', type: 'object', required: ['items'],
    properties: { apiVersion, items: { description: 'items list individual CustomResourceDefinition objects', type: 'array', items: ref(`${P}.CustomResourceDefinition`) }, kind, metadata: ref(`${meta}.ListMeta`, 'Standard object\'s metadata More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata') },
    'x-kubernetes-group-version-kind': gvk('CustomResourceDefinitionList'),
  },
  [`${P}.CustomResourceDefinitionSpec`]: {
    description: 'CustomResourceDefinitionSpec describes how a user wants their resource to appear', type: 'object', required: ['group', 'names', 'scope', 'versions'],
    properties: {
      conversion: { description: 'conversion defines conversion settings for the CRD.', type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      group: s('group is the API group of the defined custom resource. The custom resources are served under `/apis/<group>/...`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`).'),
      names: ref(`${P}.CustomResourceDefinitionNames`, 'names specify the resource and kind names for the custom resource.'),
      preserveUnknownFields: b('preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage. apiVersion, kind, metadata and known fields inside metadata are always preserved. This field is deprecated in favor of setting `x-preserve-unknown-fields` to true in `spec.versions[*].schema.openAPIV3Schema`. See https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#field-pruning for details.'),
      scope: s('scope indicates whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`.'),
      versions: { description: 'versions is the list of all API versions of the defined custom resource. Version names are used to compute the order in which served versions are listed in API discovery. If the version string is "kube-like", it will sort above non "kube-like" version strings, which are ordered lexicographically. "Kube-like" versions start with a "v", then are followed by a number (the major version), then optionally the string "alpha" or "beta" and another number (the minor version). These are sorted first by GA > beta > alpha (where GA is a version with no suffix such as beta or alpha), and then by comparing major version, then minor version. An example sorted list of versions: v10, v2, v1, v11beta2, v10beta3, v3beta1, v12alpha1, v11alpha2, foo1, foo10.', type: 'array', items: ref(`${P}.CustomResourceDefinitionVersion`), 'x-kubernetes-list-type': 'atomic' },
    },
  },
  [`${P}.CustomResourceDefinitionNames`]: {
    description: 'CustomResourceDefinitionNames indicates the names to serve this CustomResourceDefinition', type: 'object', required: ['plural', 'kind'],
    properties: {
      categories: strs('categories is a list of grouped resources this custom resource belongs to (e.g. \'all\'). This is published in API discovery documents, and used by clients to support invocations like `kubectl get all`.'),
      kind: s('kind is the serialized kind of the resource. It is normally CamelCase and singular. Custom resource instances will use this value as the `kind` attribute in API calls.'),
      listKind: s('listKind is the serialized kind of the list for this resource. Defaults to "`kind`List".'),
      plural: s('plural is the plural name of the resource to serve. The custom resources are served under `/apis/<group>/<version>/.../<plural>`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`). Must be all lowercase.'),
      shortNames: strs('shortNames are short names for the resource, exposed in API discovery documents, and used by clients to support invocations like `kubectl get <shortname>`. It must be all lowercase.'),
      singular: s('singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.'),
    },
  },
  [`${P}.CustomResourceDefinitionVersion`]: {
    description: 'CustomResourceDefinitionVersion describes a version for CRD.', type: 'object', required: ['name', 'served', 'storage'],
    properties: {
      additionalPrinterColumns: { description: 'additionalPrinterColumns specifies additional columns returned in Table output. See https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables for details. If no columns are specified, a single column displaying the age of the custom resource is used.', type: 'array', items: ref(`${P}.CustomResourceColumnDefinition`), 'x-kubernetes-list-type': 'atomic' },
      deprecated: b('deprecated indicates this version of the custom resource API is deprecated. When set to true, API requests to this version receive a warning header in the server response. Defaults to false.'),
      deprecationWarning: s('deprecationWarning overrides the default warning returned to API clients. May only be set when `deprecated` is true. The default warning indicates this version is deprecated and recommends use of the newest served version of equal or greater stability, if one exists.'),
      name: s('name is the version name, e.g. “v1”, “v2beta1”, etc. The custom resources are served under this version at `/apis/<group>/<version>/...` if `served` is true.'),
      schema: { description: 'schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource.', type: 'object', properties: { openAPIV3Schema: { description: 'openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning.', type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
      selectableFields: { description: 'selectableFields specifies paths to fields that may be used as field selectors. A maximum of 8 selectable fields are allowed. See https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors', type: 'array', items: { type: 'object', required: ['jsonPath'], properties: { jsonPath: s('jsonPath is a simple JSON path which is evaluated against each custom resource to produce a field selector value.') } }, 'x-kubernetes-list-type': 'atomic' },
      served: b('served is a flag enabling/disabling this version from being served via REST APIs'),
      storage: b('storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.'),
      subresources: { description: 'subresources specify what subresources this version of the defined custom resource have.', type: 'object', properties: {
        scale: { description: 'scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object.', type: 'object', required: ['specReplicasPath', 'statusReplicasPath'], properties: { labelSelectorPath: s('labelSelectorPath defines the JSON path inside of a custom resource that corresponds to Scale `status.selector`.'), specReplicasPath: s('specReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `spec.replicas`.'), statusReplicasPath: s('statusReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `status.replicas`.') } },
        status: { description: 'status indicates the custom resource should serve a `/status` subresource. When enabled: 1. requests to the custom resource primary endpoint ignore changes to the `status` stanza of the object. 2. requests to the custom resource `/status` subresource ignore changes to anything other than the `status` stanza of the object.', type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      } },
    },
  },
  [`${P}.CustomResourceColumnDefinition`]: {
    description: 'CustomResourceColumnDefinition specifies a column for server side printing.', type: 'object', required: ['name', 'type', 'jsonPath'],
    properties: {
      description: s('description is a human readable description of this column.'),
      format: s("format is an optional OpenAPI type definition for this column. The 'name' format is applied to the primary identifier column to assist in clients identifying column is the resource name. See https://github.com/OAI/OpenAPI-Specification/blob/master/versions/2.0.md#data-types for details."),
      jsonPath: s('jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column.'),
      name: s('name is a human readable name for the column.'),
      priority: { description: 'priority is an integer defining the relative importance of this column compared to others. Lower numbers are considered higher priority. Columns that may be omitted in limited space scenarios should be given a priority greater than 0.', type: 'integer', format: 'int32' },
      type: s('type is an OpenAPI type definition for this column. See https://github.com/OAI/OpenAPI-Specification/blob/master/versions/2.0.md#data-types for details.'),
    },
  },
  [`${P}.CustomResourceDefinitionStatus`]: {
    description: 'CustomResourceDefinitionStatus indicates the state of the CustomResourceDefinition', type: 'object',
    properties: {
      acceptedNames: ref(`${P}.CustomResourceDefinitionNames`, 'acceptedNames are the names that are actually being used to serve discovery. They may be different than the names in spec.'),
      conditions: { description: 'conditions indicate state for particular aspects of a CustomResourceDefinition', type: 'array', items: ref(`${P}.CustomResourceDefinitionCondition`), 'x-kubernetes-list-map-keys': ['type'], 'x-kubernetes-list-type': 'map' },
      storedVersions: strs('storedVersions lists all versions of CustomResources that were ever persisted. Tracking these versions allows a migration path for stored versions in etcd. The field is mutable so a migration controller can finish a migration to another version (ensuring no old objects are left in storage), and then remove the rest of the versions from this list. Versions may not be removed from `spec.versions` while they exist in this list.'),
    },
  },
  [`${P}.CustomResourceDefinitionCondition`]: {
    description: 'CustomResourceDefinitionCondition contains details for the current condition of this pod.', type: 'object', required: ['type', 'status'],
    properties: {
      lastTransitionTime: ref(`${meta}.Time`, 'lastTransitionTime last time the condition transitioned from one status to another.'),
      message: s('message is a human-readable message indicating details about last transition.'),
      reason: s("reason is a unique, one-word, CamelCase reason for the condition's last transition."),
      status: s('status is the status of the condition. Can be True, False, Unknown.'),
      type: s('type is the type of the condition. Types include Established, NamesAccepted and Terminating.'),
    },
  },
}
writeFileSync(process.argv[2], JSON.stringify(defs) + '\n')
