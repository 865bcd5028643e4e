// OpenAPI documents for the served kinds, shaped as kube-apiserver 1.32 serves them:
// - GET /openapi/v3 → openapiV3Root: one entry per group-version with a content hash;
// - GET /openapi/v3/<gv> → openapiV3Document: paths (list/create/get/replace/patch/delete/
//   deletecollection/watch, status and scale) plus the component schemas that group-version uses;
// - GET /openapi/v2 → openapiV2Document (Swagger 2.0, JSON only).
// kubectl reads them for `explain`, for its fieldValidation/dryRun support check (the PATCH
// operation of each GVK must list those query parameters) and for strategic-merge-patch keys.
import { createHash } from 'node:crypto'
import { crdSchemaV2 } from '../apis/crdschema.js'
import { definition, definitionNameForKind, isCustomResourceDefinitionName, refName, type Schema } from '../apis/schema.js'
import { allVerbs, type Verb } from '../registry/types.js'

type Json = Record<string, unknown>

/** What the documents need of a served resource (a ResourceDef fits). */
export interface OpenAPIResource {
  group: string
  version: string
  kind: string
  resource: string
  namespaced: boolean
  verbs?: readonly Verb[]
  hasStatus?: boolean
  scale?: unknown
}

interface GVK {
  group: string
  version: string
  kind: string
}

const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1'
const intOrString = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString'
const quantity = 'io.k8s.apimachinery.pkg.api.resource.Quantity'

// ---------------------------------------------------------------------------------------------
// A neutral model of the operations, rendered as v2 or v3.

interface Param {
  name: string
  in: 'query' | 'path'
  type: 'string' | 'boolean' | 'integer'
  description: string
}

interface Op {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete'
  operationId: string
  description: string
  action: string
  gvk?: GVK
  params: Param[]
  /** Definition name of the request body, and its content types. */
  body?: { def: string; contentTypes: string[]; required: boolean }
  responses: [code: string, description: string, def?: string][]
  produces: string[]
}

interface PathItem {
  path: string
  params: Param[]
  ops: Op[]
}

const q = (name: string, type: Param['type'], description: string): Param => ({ name, in: 'query', type, description })

const params = {
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.'),
  continue: q('continue', 'string', 'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize. If the specified continue value is no longer valid whether due to expiration (generally five to fifteen minutes) or a configuration change on the server, the server will respond with a 410 ResourceExpired error together with a continue token. If the client needs a consistent list, it must restart their list without the continue field. Otherwise, the client may send another list request with the token received with the 410 error, the server will respond with a list starting from the next key, but from the latest snapshot, which is inconsistent from the previous list results - objects that are created, modified, or deleted after the first list request will be included in the response, as long as their keys are after the "next key".\n\nThis field is not supported when watch is true. Clients may start a watch from the last resourceVersion value returned by the server and not miss any modifications.'),
  dryRun: q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.'),
  fieldManagerPatch: q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).'),
  fieldSelector: q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  fieldValidation: q('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.'),
  force: q('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.'),
  ignoreStoreReadError: q('ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean', 'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error. A resource is considered corrupt if it can not be retrieved from the underlying storage successfully because of a) its data can not be transformed e.g. decryption failure, or b) it fails to decode into an object. NOTE: unsafe deletion ignores finalizer constraints, skips precondition checks, and removes the object from the storage. WARNING: This may potentially break the cluster if the workload associated with the resource being unsafe-deleted relies on normal deletion flow. Use only if you REALLY know what you are doing. The default value is false, and the user must opt in to enable it'),
  labelSelector: q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  limit: q('limit', 'integer', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results. Setting a limit may return fewer than the requested amount of items (up to zero items) in the event all requested objects are filtered out and clients should only use the presence of the continue field to determine whether more results are available. Servers may choose not to support the limit argument and will return all of the available results. If limit is specified and the continue field is empty, clients may assume that no more results are available. This field is not supported if watch is true.\n\nThe server guarantees that the objects returned when using continue will be identical to issuing a single list call without a limit - that is, no objects created, modified, or deleted after the first request is issued will be included in any subsequent continued requests. This is sometimes referred to as a consistent snapshot, and ensures that a client that is using limit to receive smaller chunks of a very large result can ensure they see all possible objects. If objects are updated during a chunked list the version of the object that was present at the time the first list result was calculated is returned.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.'),
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  propagationPolicy: q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground."),
  resourceVersion: q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset'),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset'),
  sendInitialEvents: q('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic "Bookmark" event  will be sent. The bookmark will report the ResourceVersion (RV) corresponding to the set of objects, and be marked with `"k8s.io/initial-events-end": "true"` annotation. Afterwards, the watch stream will proceed as usual, sending watch events corresponding to changes (subsequent to the RV) to objects watched.\n\nWhen `sendInitialEvents` option is set, we require `resourceVersionMatch` option to also be set. The semantic of the watch request is as following: - `resourceVersionMatch` = NotOlderThan\n  is interpreted as "data at least as new as the provided `resourceVersion`"\n  and the bookmark event is send when the state is synced\n  to a `resourceVersion` at least as fresh as the one provided by the ListOptions.\n  If `resourceVersion` is unset, this is interpreted as "consistent read" and the\n  bookmark event is send when the state is synced at least to the moment\n  when request started being processed.\n- `resourceVersionMatch` set to any other value or unset\n  Invalid error is returned.\n\nDefaults to true if `resourceVersion=""` or `resourceVersion="0"` (for backward compatibility reasons) and to false otherwise.'),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'),
  watch: q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.'),
  namespace: { name: 'namespace', in: 'path', type: 'string', description: 'object name and auth scope, such as for teams and projects' } as Param,
}

const nameParam = (kind: string): Param => ({ name: 'name', in: 'path', type: 'string', description: `name of the ${kind}` })

const listParams = [
  params.allowWatchBookmarks, params.continue, params.fieldSelector, params.labelSelector, params.limit,
  params.resourceVersion, params.resourceVersionMatch, params.sendInitialEvents, params.timeoutSeconds, params.watch,
]
const writeParams = [params.dryRun, params.fieldManager, params.fieldValidation]
const patchParams = [params.dryRun, params.fieldManagerPatch, params.fieldValidation, params.force]
const deleteParams = [params.dryRun, params.gracePeriodSeconds, params.ignoreStoreReadError, params.orphanDependents, params.propagationPolicy]
const deleteCollectionParams = [
  params.continue, params.dryRun, params.fieldSelector, params.gracePeriodSeconds, params.ignoreStoreReadError,
  params.labelSelector, params.limit, params.orphanDependents, params.propagationPolicy, params.resourceVersion,
  params.resourceVersionMatch, params.sendInitialEvents, params.timeoutSeconds,
]

const produces = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']
const producesWatch = [...produces, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch']
export const patchContentTypes = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
]

/** `apps` → `Apps`, `discovery.k8s.io` → `Discovery`, `rbac.authorization.k8s.io` → `RbacAuthorization`. */
function groupWord(group: string): string {
  if (group === '') return 'Core'
  return group
    .replace(/\.k8s\.io$/, '')
    .split('.')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('')
}

function tagOf(group: string, version: string): string {
  const w = groupWord(group)
  return `${w.charAt(0).toLowerCase()}${w.slice(1)}_${version}`
}

/** `api/v1` or `apis/apps/v1`. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`
}

const defNameFor = (gvk: GVK) => definitionNameForKind(gvk.group, gvk.version, gvk.kind)

const apiVersionProp: Schema = {
  description:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  type: 'string',
}
const kindProp: Schema = {
  description:
    'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
  type: 'string',
}

/**
 * A kind with no built-in definition (a custom kind such as argoproj.io Rollout) still gets
 * paths, so kubectl sees its group-version as supporting fieldValidation; its schema is free-form
 * as for a CRD without a structural schema, named the way upstream names CRD schemas
 * (`io.argoproj.v1alpha1.Rollout`).
 */
function syntheticDefs(gvk: GVK): Map<string, Schema> {
  const prefix = `${gvk.group.split('.').reverse().join('.')}.${gvk.version}`
  const kindName = `${prefix}.${gvk.kind}`
  return new Map<string, Schema>([
    [
      kindName,
      {
        type: 'object',
        properties: {
          apiVersion: apiVersionProp,
          kind: kindProp,
          metadata: {
            $ref: `#/definitions/${meta}.ObjectMeta`,
            description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
          },
        },
        'x-kubernetes-preserve-unknown-fields': true,
        'x-kubernetes-group-version-kind': [gvk],
      },
    ],
    [
      `${kindName}List`,
      {
        description: `${gvk.kind}List is a list of ${gvk.kind}`,
        type: 'object',
        properties: {
          apiVersion: apiVersionProp,
          items: { description: `List of ${gvk.kind.toLowerCase()}s.`, type: 'array', items: { $ref: `#/definitions/${kindName}` } },
          kind: kindProp,
          metadata: {
            $ref: `#/definitions/${meta}.ListMeta`,
            description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
          },
        },
        required: ['items'],
        'x-kubernetes-group-version-kind': [{ ...gvk, kind: `${gvk.kind}List` }],
      },
    ],
  ])
}

function pathsFor(r: OpenAPIResource, extra: Map<string, Schema>): { items: PathItem[]; defs: string[] } {
  const gvk: GVK = { group: r.group, version: r.version, kind: r.kind }
  let kindDef = defNameFor(gvk)
  let listDef = defNameFor({ ...gvk, kind: `${r.kind}List` })
  // Custom kinds take merge and JSON patches, not strategic merge patches (as CRDs upstream).
  let patchTypes = patchContentTypes
  if (!kindDef) {
    const synthetic = syntheticDefs(gvk)
    ;[kindDef, listDef] = [...synthetic.keys()]
    for (const [n, d] of synthetic) extra.set(n, d)
  }
  if (isCustomResourceDefinitionName(kindDef)) patchTypes = patchContentTypes.filter((t) => t !== 'application/strategic-merge-patch+json')
  const verbs = new Set<Verb>(r.verbs ?? allVerbs)
  const base = `/${groupVersionPath(r.group, r.version)}`
  const ns = r.namespaced ? '/namespaces/{namespace}' : ''
  const nsWord = r.namespaced ? 'Namespaced' : ''
  const id = (verb: string, suffix = '') => `${verb}${groupWord(r.group)}${r.version.charAt(0).toUpperCase()}${r.version.slice(1)}${suffix}`
  const K = r.kind
  const scopeParams = r.namespaced ? [params.namespace, params.pretty] : [params.pretty]
  const named = [nameParam(K), ...scopeParams]
  const status = `${meta}.Status`
  const deleteReturnsObject = r.group === '' && (r.resource === 'pods' || r.resource === 'services')
  const items: PathItem[] = []
  const defs = new Set<string>([kindDef, status, `${meta}.DeleteOptions`, `${meta}.WatchEvent`, `${meta}.Patch`])
  if (listDef) defs.add(listDef)

  // collection
  const collection: Op[] = []
  if (verbs.has('list') && listDef)
    collection.push({
      method: 'get', operationId: id('list', `${nsWord}${K}`), description: `list or watch objects of kind ${K}`,
      action: 'list', gvk, params: listParams, responses: [['200', 'OK', listDef]], produces: producesWatch,
    })
  if (verbs.has('create'))
    collection.push({
      method: 'post', operationId: id('create', `${nsWord}${K}`), description: `create ${/^[AEIOU]/.test(K) ? 'an' : 'a'} ${K}`,
      action: 'post', gvk, params: writeParams, body: { def: kindDef, contentTypes: ['*/*'], required: true },
      responses: [['200', 'OK', kindDef], ['201', 'Created', kindDef], ['202', 'Accepted', kindDef], ['401', 'Unauthorized']], produces,
    })
  if (verbs.has('deletecollection'))
    collection.push({
      method: 'delete', operationId: id('delete', `Collection${nsWord}${K}`), description: `delete collection of ${K}`,
      action: 'deletecollection', gvk, params: deleteCollectionParams,
      body: { def: `${meta}.DeleteOptions`, contentTypes: ['*/*'], required: false },
      responses: [['200', 'OK', status]], produces,
    })
  if (collection.length) items.push({ path: `${base}${ns}/${r.resource}`, params: scopeParams, ops: collection })

  // one object
  const object: Op[] = []
  if (verbs.has('get'))
    object.push({
      method: 'get', operationId: id('read', `${nsWord}${K}`), description: `read the specified ${K}`,
      action: 'get', gvk, params: [], responses: [['200', 'OK', kindDef]], produces,
    })
  if (verbs.has('update'))
    object.push({
      method: 'put', operationId: id('replace', `${nsWord}${K}`), description: `replace the specified ${K}`,
      action: 'put', gvk, params: writeParams, body: { def: kindDef, contentTypes: ['*/*'], required: true },
      responses: [['200', 'OK', kindDef], ['201', 'Created', kindDef]], produces,
    })
  if (verbs.has('patch'))
    object.push({
      method: 'patch', operationId: id('patch', `${nsWord}${K}`), description: `partially update the specified ${K}`,
      action: 'patch', gvk, params: patchParams, body: { def: `${meta}.Patch`, contentTypes: patchTypes, required: true },
      responses: [['200', 'OK', kindDef], ['201', 'Created', kindDef]], produces,
    })
  if (verbs.has('delete')) {
    const d = deleteReturnsObject ? kindDef : status
    object.push({
      method: 'delete', operationId: id('delete', `${nsWord}${K}`), description: `delete ${/^[AEIOU]/.test(K) ? 'an' : 'a'} ${K}`,
      action: 'delete', gvk, params: deleteParams, body: { def: `${meta}.DeleteOptions`, contentTypes: ['*/*'], required: false },
      responses: [['200', 'OK', d], ['202', 'Accepted', d]], produces,
    })
  }
  if (object.length) items.push({ path: `${base}${ns}/${r.resource}/{name}`, params: named, ops: object })

  // subresources
  const sub = (name: 'status' | 'scale', subGvk: GVK, def: string) => {
    const word = name === 'status' ? 'Status' : 'Scale'
    items.push({
      path: `${base}${ns}/${r.resource}/{name}/${name}`,
      params: named,
      ops: [
        { method: 'get', operationId: id('read', `${nsWord}${K}${word}`), description: `read ${name} of the specified ${K}`, action: 'get', gvk: subGvk, params: [], responses: [['200', 'OK', def]], produces },
        { method: 'put', operationId: id('replace', `${nsWord}${K}${word}`), description: `replace ${name} of the specified ${K}`, action: 'put', gvk: subGvk, params: writeParams, body: { def, contentTypes: ['*/*'], required: true }, responses: [['200', 'OK', def], ['201', 'Created', def]], produces },
        { method: 'patch', operationId: id('patch', `${nsWord}${K}${word}`), description: `partially update ${name} of the specified ${K}`, action: 'patch', gvk: subGvk, params: patchParams, body: { def: `${meta}.Patch`, contentTypes: patchTypes, required: true }, responses: [['200', 'OK', def], ['201', 'Created', def]], produces },
      ],
    })
  }
  if (r.hasStatus) sub('status', gvk, kindDef)
  const scaleDef = 'io.k8s.api.autoscaling.v1.Scale'
  if (r.scale && definition(scaleDef)) {
    sub('scale', { group: 'autoscaling', version: 'v1', kind: 'Scale' }, scaleDef)
    defs.add(scaleDef)
  }

  // list across namespaces, and the deprecated watch paths
  if (r.namespaced && verbs.has('list') && listDef)
    items.push({
      path: `${base}/${r.resource}`,
      params: [...listParams.slice(0, 5), params.pretty, ...listParams.slice(5)],
      ops: [{ method: 'get', operationId: id('list', `${K}ForAllNamespaces`), description: `list or watch objects of kind ${K}`, action: 'list', gvk, params: [], responses: [['200', 'OK', listDef]], produces: producesWatch }],
    })
  if (verbs.has('watch')) {
    const watchParams = (extra: Param[]) =>
      [...listParams, params.pretty, ...extra].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const watchOp = (operationId: string, description: string, action: string): Op => ({
      method: 'get', operationId, description, action, gvk, params: [], responses: [['200', 'OK', `${meta}.WatchEvent`]], produces: producesWatch,
    })
    const listWatch = `watch individual changes to a list of ${K}. deprecated: use the 'watch' parameter with a list operation instead.`
    if (r.namespaced)
      items.push({ path: `${base}/watch/${r.resource}`, params: watchParams([]), ops: [watchOp(id('watch', `${K}ListForAllNamespaces`), listWatch, 'watchlist')] })
    items.push({ path: `${base}/watch${ns}/${r.resource}`, params: watchParams(r.namespaced ? [params.namespace] : []), ops: [watchOp(id('watch', `${nsWord}${K}List`), listWatch, 'watchlist')] })
    items.push({
      path: `${base}/watch${ns}/${r.resource}/{name}`,
      params: watchParams(r.namespaced ? [params.namespace, nameParam(K)] : [nameParam(K)]),
      ops: [watchOp(id('watch', `${nsWord}${K}`), `watch changes to an object of kind ${K}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`, 'watch')],
    })
  }
  for (const item of items)
    for (const op of item.ops) if (!op.responses.some(([code]) => code === '401')) op.responses.push(['401', 'Unauthorized'])
  return { items, defs: [...defs] }
}

interface GvModel {
  items: PathItem[]
  /** Definition names the paths use, with everything they refer to. */
  defs: string[]
  /** Definitions made up for kinds without a built-in one. */
  lookup: (name: string) => Schema | undefined
}

function gvModel(resources: readonly OpenAPIResource[], gvPath: string): GvModel | undefined {
  const inGv = resources.filter((r) => groupVersionPath(r.group, r.version) === gvPath)
  if (!inGv.length) return undefined
  const [{ group, version }] = inGv
  const items: PathItem[] = [
    {
      path: `/${gvPath}/`,
      params: [],
      ops: [{ method: 'get', operationId: `get${groupWord(group)}${version.charAt(0).toUpperCase()}${version.slice(1)}APIResources`, description: 'get available resources', action: '', params: [], responses: [['200', 'OK', `${meta}.APIResourceList`], ['401', 'Unauthorized']], produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'] }],
    },
  ]
  const defs = new Set<string>([`${meta}.APIResourceList`])
  const extra = new Map<string, Schema>()
  for (const r of inGv) {
    const p = pathsFor(r, extra)
    items.push(...p.items)
    for (const d of p.defs) defs.add(d)
  }
  const lookup = (name: string) => extra.get(name) ?? definition(name)
  return { items, defs: closure([...defs], lookup), lookup }
}

function refsIn(v: unknown, out: string[]): void {
  if (Array.isArray(v)) for (const x of v) refsIn(x, out)
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(refName(x))
      else refsIn(x, out)
    }
}

/** The named definitions and every definition they refer to, sorted. */
function closure(names: string[], lookup: (name: string) => Schema | undefined): string[] {
  const seen = new Set<string>()
  const queue = [...names]
  while (queue.length) {
    const n = queue.pop()!
    if (seen.has(n)) continue
    const def = lookup(n)
    if (!def) continue
    seen.add(n)
    refsIn(def, queue)
  }
  return [...seen].sort()
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    const o = v as Json
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sortKeys(o[k])]),
    )
  }
  return v
}

// ---------------------------------------------------------------------------------------------
// OpenAPI v3

/** A v2-style schema as v3: refs to components, refs with siblings wrapped in allOf. */
function toV3(s: Schema): Json {
  const out: Json = {}
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' && v && typeof v === 'object')
      out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, ps]) => [p, toV3(ps)]))
    else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') out[k] = toV3(v as Schema)
    else if (k === 'allOf' && Array.isArray(v)) out.allOf = v.map((x) => toV3(x as Schema))
    else if (k !== '$ref') out[k] = v
  }
  if (s.$ref !== undefined) {
    const ref = { $ref: `#/components/schemas/${refName(s.$ref)}` }
    if (Object.keys(out).length === 0) return ref
    out.allOf = [ref]
  }
  return out
}

function componentV3(name: string, def: Schema): Json {
  if (name === intOrString) {
    const { description, format } = def
    return { description, format, oneOf: [{ type: 'integer' }, { type: 'string' }] }
  }
  if (name === quantity) return { description: def.description, oneOf: [{ type: 'string' }, { type: 'number' }] }
  return toV3(def)
}

function paramV3(p: Param): Json {
  return { description: p.description, in: p.in, name: p.name, ...(p.in === 'path' ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } }
}

function opV3(op: Op, tag: string): Json {
  const schemaRef = (def: string) => ({ schema: { $ref: `#/components/schemas/${def}` } })
  const out: Json = { description: op.description, operationId: op.operationId }
  if (op.params.length) out.parameters = op.params.map(paramV3)
  if (op.body)
    out.requestBody = {
      content: Object.fromEntries(op.body.contentTypes.map((ct) => [ct, schemaRef(op.body!.def)])),
      ...(op.body.required ? { required: true } : {}),
    }
  out.responses = Object.fromEntries(
    op.responses.map(([code, description, def]) => [
      code,
      def ? { content: Object.fromEntries(op.produces.map((ct) => [ct, schemaRef(def)])), description } : { description },
    ]),
  )
  out.tags = [tag]
  if (op.action) out['x-kubernetes-action'] = op.action
  if (op.gvk) out['x-kubernetes-group-version-kind'] = op.gvk
  return out
}

const docCache = new WeakMap<readonly OpenAPIResource[], Map<string, { doc: Json | undefined; hash?: string }>>()

function cached(resources: readonly OpenAPIResource[], key: string, build: () => Json | undefined): { doc: Json | undefined; hash?: string } {
  let m = docCache.get(resources)
  if (!m) docCache.set(resources, (m = new Map()))
  let hit = m.get(key)
  if (!hit) {
    const doc = build()
    hit = { doc, hash: doc ? createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase() : undefined }
    m.set(key, hit)
  }
  return hit
}

function buildV3(resources: readonly OpenAPIResource[], gvPath: string): Json | undefined {
  const model = gvModel(resources, gvPath)
  if (!model) return undefined
  const [{ group, version }] = resources.filter((r) => groupVersionPath(r.group, r.version) === gvPath)
  const tag = tagOf(group, version)
  const paths: Json = {}
  for (const item of model.items) {
    const entry: Json = {}
    for (const op of item.ops) entry[op.method] = opV3(op, tag)
    if (item.params.length) entry.parameters = item.params.map(paramV3)
    paths[item.path] = entry
  }
  const schemas = Object.fromEntries(model.defs.map((n) => [n, componentV3(n, model.lookup(n)!)]))
  return sortKeys({
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    },
  }) as Json
}

/** Group-version paths served (`api/v1`, `apis/apps/v1`, ...), in a stable order. */
export function openapiV3GroupVersions(resources: readonly OpenAPIResource[]): string[] {
  return [...new Set(resources.map((r) => groupVersionPath(r.group, r.version)))].sort()
}

/** The OpenAPI v3 document of one group-version (`apis/apps/v1`), or undefined if none is served. */
export function openapiV3Document(resources: readonly OpenAPIResource[], gvPath: string): Json | undefined {
  return cached(resources, `v3:${gvPath}`, () => buildV3(resources, gvPath)).doc
}

/** Upper-case hex SHA-512 of a group-version document, as in the root index (undefined if not served). */
export function openapiV3Hash(resources: readonly OpenAPIResource[], gvPath: string): string | undefined {
  return cached(resources, `v3:${gvPath}`, () => buildV3(resources, gvPath)).hash
}

/** GET /openapi/v3: `{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=..."}, ...}}`. */
export function openapiV3Root(resources: readonly OpenAPIResource[]): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {}
  for (const gv of openapiV3GroupVersions(resources)) {
    const hash = openapiV3Hash(resources, gv)
    if (hash) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` }
  }
  return { paths }
}

// ---------------------------------------------------------------------------------------------
// OpenAPI v2 (Swagger 2.0)

function schemaV2(def: Schema, name?: string): Json {
  if (name === intOrString) {
    const { description, format, type } = def
    return { description, format, type }
  }
  if (name !== undefined && isCustomResourceDefinitionName(name)) return crdSchemaV2(def) as Json
  return def as Json
}

function paramV2(p: Param): Json {
  return { description: p.description, in: p.in, name: p.name, ...(p.in === 'path' ? { required: true } : {}), type: p.type, uniqueItems: true }
}

function opV2(op: Op, tag: string): Json {
  const out: Json = { description: op.description, operationId: op.operationId }
  if (op.body) out.consumes = op.body.contentTypes
  const ps: Json[] = op.params.map(paramV2)
  if (op.body) ps.unshift({ in: 'body', name: 'body', ...(op.body.required ? { required: true } : {}), schema: { $ref: `#/definitions/${op.body.def}` } })
  if (ps.length) out.parameters = ps
  out.produces = op.produces
  out.responses = Object.fromEntries(
    op.responses.map(([code, description, def]) => [code, def ? { description, schema: { $ref: `#/definitions/${def}` } } : { description }]),
  )
  out.schemes = ['https']
  out.tags = [tag]
  if (op.action) out['x-kubernetes-action'] = op.action
  if (op.gvk) out['x-kubernetes-group-version-kind'] = op.gvk
  return out
}

function buildV2(resources: readonly OpenAPIResource[]): Json {
  const paths: Json = {}
  const defs = new Map<string, Schema>()
  for (const gv of openapiV3GroupVersions(resources)) {
    const model = gvModel(resources, gv)
    if (!model) continue
    const [{ group, version }] = resources.filter((r) => groupVersionPath(r.group, r.version) === gv)
    const tag = tagOf(group, version)
    for (const item of model.items) {
      const entry: Json = {}
      for (const op of item.ops) entry[op.method] = opV2(op, tag)
      if (item.params.length) entry.parameters = item.params.map(paramV2)
      paths[item.path] = entry
    }
    for (const d of model.defs) defs.set(d, model.lookup(d)!)
  }
  const sorted = [...defs.keys()].sort()
  return sortKeys({
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    definitions: Object.fromEntries(sorted.map((n) => [n, schemaV2(defs.get(n)!, n)])),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    security: [{ BearerToken: [] }],
  }) as Json
}

/** GET /openapi/v2 as JSON (kubectl asks for protobuf; a 404 for that is fine). */
export function openapiV2Document(resources: readonly OpenAPIResource[]): Json {
  return cached(resources, 'v2', () => buildV2(resources)).doc!
}
