// Generates src/apis/openapi/argoproj.json from Argo Rollouts' CRDs (manifests/crds/*-crd.yaml):
// per kind its names, scope, printer columns and subresources, and the openAPIV3Schema as an
// OpenAPI definition named as kube-apiserver names CRD schemas (`io.argoproj.v1alpha1.Rollout`),
// with `metadata` pointing at ObjectMeta and a `...List` definition beside it.
//
//   npx tsx scripts/gen-argo-crds.ts <argo-rollouts checkout>/manifests/crds
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

type Json = Record<string, unknown>

const dir = process.argv[2]
if (!dir) {
  console.error('usage: npx tsx scripts/gen-argo-crds.ts <argo-rollouts>/manifests/crds')
  process.exit(2)
}
const files = ['rollout', 'analysis-template', 'cluster-analysis-template', 'analysis-run', 'experiment']
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1'
const apiVersionDescription =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'
const kindDescription =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'

/**
 * kubelite's own metric provider beside Argo's (`provider: {kubelite: {...}}`, docs/analysis.md):
 * added to every MetricProvider schema (the object that lists `prometheus`, `web` and `job`), so
 * the served schema keeps it instead of pruning it as an unknown field.
 */
function addKubeliteProvider(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(addKubeliteProvider)
  if (!node || typeof node !== 'object') return
  const o = node as Json
  const props = o.properties as Json | undefined
  if (props && 'prometheus' in props && 'web' in props && 'job' in props && !('kubelite' in props)) {
    props.kubelite = {
      description: "Kubelite is kubelite's own provider: its Service proxy's per-ReplicaSet request counts, error rates and latencies (a query), or the canary judge. See docs/analysis.md.",
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    }
  }
  for (const v of Object.values(o)) addKubeliteProvider(v)
}

const crds: Json[] = []
const definitions: Record<string, Json> = {}
for (const f of files) {
  const crd = parse(readFileSync(join(dir, `${f}-crd.yaml`), 'utf8')) as Json
  const spec = crd.spec as Json
  const names = spec.names as Json
  const [version] = spec.versions as Json[]
  const group = spec.group as string
  const kind = names.kind as string
  const gvk = { group, version: version.name as string, kind }
  const schema = structuredClone((version.schema as Json).openAPIV3Schema as Json)
  addKubeliteProvider(schema)
  const props = schema.properties as Json
  // As the apiextensions-apiserver publishes a CRD: standard descriptions on apiVersion/kind,
  // metadata as ObjectMeta.
  props.apiVersion = { description: apiVersionDescription, type: 'string' }
  props.kind = { description: kindDescription, type: 'string' }
  props.metadata = { $ref: `#/definitions/${meta}.ObjectMeta`, description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" }
  schema['x-kubernetes-group-version-kind'] = [gvk]
  const defName = `io.argoproj.${gvk.version}.${kind}`
  definitions[defName] = schema
  definitions[`${defName}List`] = {
    description: `${kind}List is a list of ${kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { description: apiVersionDescription, type: 'string' },
      items: { description: `List of ${names.plural as string}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: { $ref: `#/definitions/${defName}` } },
      kind: { description: kindDescription, type: 'string' },
      metadata: { $ref: `#/definitions/${meta}.ListMeta`, description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
    },
    'x-kubernetes-group-version-kind': [{ ...gvk, kind: `${kind}List` }],
  }
  crds.push({
    group,
    version: gvk.version,
    kind,
    listKind: names.listKind,
    plural: names.plural,
    singular: names.singular,
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    scope: spec.scope,
    definition: defName,
    columns: ((version.additionalPrinterColumns as Json[] | undefined) ?? []).map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
      jsonPath: c.jsonPath,
    })),
    subresources: version.subresources ?? {},
  })
}
const out = join(new URL('..', import.meta.url).pathname, 'src/apis/openapi/argoproj.json')
writeFileSync(out, `${JSON.stringify({ crds, definitions })}\n`)
console.log(`wrote ${out}: ${crds.length} kinds`)
