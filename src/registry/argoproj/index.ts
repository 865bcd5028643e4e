// The argoproj.io/v1alpha1 kinds of Argo Rollouts (Rollout, AnalysisTemplate,
// ClusterAnalysisTemplate, AnalysisRun, Experiment), served as the apiextensions-apiserver serves
// them once Argo's CRDs (manifests/crds/*-crd.yaml) are installed: names, short names, scope,
// printer columns and subresources come from those CRDs (src/apis/openapi/argoproj.json, written
// by scripts/gen-argo-crds.ts), objects are pruned, defaulted and validated against the CRD schema.
import type { StoredObject } from '../../apis/meta.js'
import { pruneAndDefault, validateAgainstSchema } from '../../apis/crdschema.js'
import { definition, readOpenAPIJson, type Schema } from '../../apis/schema.js'
import { isDNS1123Subdomain, type FieldError } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import { nameColumn } from '../columns.js'
import type { ResourceDef, ScaleDef, TableColumn } from '../types.js'

type Json = Record<string, unknown>

interface CrdColumn {
  name: string
  type: TableColumn['type']
  format: string
  description: string
  priority: number
  jsonPath: string
}

interface Crd {
  group: string
  version: string
  kind: string
  plural: string
  singular: string
  shortNames: string[]
  categories: string[]
  scope: 'Namespaced' | 'Cluster'
  definition: string
  columns: CrdColumn[]
  subresources: { status?: Json; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } }
}

/** `.spec.replicas` → the value at that path (the simple JSONPaths CRD columns and scale use). */
export function atJsonPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj
  for (const part of path.replace(/^\./, '').split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined
    cur = (cur as Json)[part]
  }
  return cur
}

function setAtJsonPath(obj: Json, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.')
  let cur = obj
  for (const part of parts.slice(0, -1)) {
    if (typeof cur[part] !== 'object' || cur[part] === null) cur[part] = {}
    cur = cur[part] as Json
  }
  cur[parts[parts.length - 1]] = value
}

/** One printer column's cell, as the apiextensions-apiserver's table convertor computes it. */
function cell(obj: StoredObject, c: CrdColumn, now: Date): unknown {
  const v = atJsonPath(obj, c.jsonPath)
  if (v === undefined || v === null) return null
  switch (c.type) {
    case 'date':
      return typeof v === 'string' ? age(v, now) : null
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) ? v : null
    case 'number':
      return typeof v === 'number' ? v : null
    case 'boolean':
      return typeof v === 'boolean' ? v : null
    default:
      return typeof v === 'string' ? v : JSON.stringify(v)
  }
}

function scaleDef(paths: NonNullable<Crd['subresources']['scale']>): ScaleDef {
  const num = (v: unknown) => (typeof v === 'number' ? v : 0)
  return {
    specReplicas: (obj) => num(atJsonPath(obj, paths.specReplicasPath)),
    statusReplicas: (obj) => num(atJsonPath(obj, paths.statusReplicasPath)),
    selector: (obj) => {
      const s = paths.labelSelectorPath ? atJsonPath(obj, paths.labelSelectorPath) : undefined
      return typeof s === 'string' ? s : ''
    },
    withReplicas(obj, replicas) {
      const copy = structuredClone(obj)
      setAtJsonPath(copy as unknown as Json, paths.specReplicasPath, replicas)
      return copy
    },
  }
}

/** The CEL rules Argo's CRDs carry (x-kubernetes-validations), evaluated on update. */
function validateTransitions(crd: Crd, obj: StoredObject, old: StoredObject): FieldError[] {
  if (crd.kind !== 'Rollout') return []
  const spec = (obj.spec ?? {}) as Json
  const oldSpec = (old.spec ?? {}) as Json
  // `rule: self == oldSelf` on spec.selector, message `.spec.selector is immutable`.
  if (JSON.stringify(spec.selector ?? null) !== JSON.stringify(oldSpec.selector ?? null))
    return [{ type: 'FieldValueInvalid', field: 'spec.selector', value: 'object', detail: '.spec.selector is immutable' }]
  return []
}

function resourceFor(crd: Crd): ResourceDef {
  const schema = definition(crd.definition) as Schema
  const hasStatus = crd.subresources.status !== undefined
  const schemaHasStatus = schema.properties?.status !== undefined
  const columns: TableColumn[] = [
    nameColumn,
    ...crd.columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format as TableColumn['format'],
      description: c.description,
      priority: (c.priority ? 1 : 0) as TableColumn['priority'],
    })),
  ]
  const def: ResourceDef = {
    group: crd.group,
    version: crd.version,
    kind: crd.kind,
    resource: crd.plural,
    singular: crd.singular,
    namespaced: crd.scope === 'Namespaced',
    ...(crd.shortNames.length ? { shortNames: crd.shortNames } : {}),
    ...(crd.categories.length ? { categories: crd.categories } : {}),
    nameValidator: isDNS1123Subdomain,
    generation: true,
    // Argo's AnalysisRun and Experiment CRDs have no status subresource: Argo's controllers write
    // status with the object. kubelite serves /status for them as well (kubectl patch
    // --subresource=status), and the main resource keeps taking status. The templates have no status.
    ...(hasStatus ? { hasStatus: true } : schemaHasStatus ? { hasStatus: true, statusOnMainResource: true } : {}),
    ...(crd.subresources.scale ? { scale: scaleDef(crd.subresources.scale) } : {}),
    defaults: (obj) => pruneAndDefault(obj as unknown as Json, schema),
    // A custom resource created with a status subresource starts without status.
    prepareForCreate: (obj) => {
      if (hasStatus) delete obj.status
    },
    validate: (obj) => validateAgainstSchema(obj, schema),
    validateUpdate: (obj, old) => [...validateAgainstSchema(obj, schema), ...validateTransitions(crd, obj, old)],
    table: { columns, cells: (obj, now) => [obj.metadata.name ?? '', ...crd.columns.map((c) => cell(obj, c, now))] },
  }
  return def
}

const crds = (readOpenAPIJson('argoproj.json') as { crds: Crd[] }).crds
const byKind = new Map(crds.map((c) => [c.kind, resourceFor(c)]))

export const rollouts = byKind.get('Rollout')!
export const analysistemplates = byKind.get('AnalysisTemplate')!
export const clusteranalysistemplates = byKind.get('ClusterAnalysisTemplate')!
export const analysisruns = byKind.get('AnalysisRun')!
export const experiments = byKind.get('Experiment')!

/** In the order `kubectl api-resources` lists them (alphabetical within the group upstream). */
export const argoprojResources: ResourceDef[] = [analysisruns, analysistemplates, clusteranalysistemplates, experiments, rollouts]
