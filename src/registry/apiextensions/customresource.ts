// One served version of a custom kind, as the apiextensions-apiserver serves it from its
// CustomResourceDefinition: names, scope, printer columns (additionalPrinterColumns, or AGE when
// there are none), the status and scale subresources, and every write pruned, defaulted and
// validated against the version's structural schema. Used for the CRDs users create and for the
// argoproj.io kinds kubelite serves built in from Argo's own CRDs.
import type { StoredObject } from '../../apis/meta.js'
import { validateCelRules } from '../../apis/cel.js'
import { pruneAndDefault, validateAgainstSchema } from '../../apis/crdschema.js'
import type { Schema } from '../../apis/schema.js'
import { isDNS1123Subdomain, type FieldError } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import { nameColumn } from '../columns.js'
import type { ResourceDef, ScaleDef, TableColumn } from '../types.js'
import { evalJsonPath } from './jsonpath.js'

type Json = Record<string, unknown>

export interface CustomColumn {
  name: string
  type: TableColumn['type']
  format: string
  description: string
  priority: number
  jsonPath: string
}

export interface ScalePaths {
  specReplicasPath: string
  statusReplicasPath: string
  labelSelectorPath?: string
}

/** What serving one version of a custom kind needs (a CRD's spec, flattened per version). */
export interface CustomKind {
  group: string
  version: string
  kind: string
  listKind?: string
  plural: string
  singular: string
  shortNames: string[]
  categories: string[]
  scope: 'Namespaced' | 'Cluster'
  /** Name of the schema's definition (`com.example.stable.v1.CronTab`). */
  definition: string
  columns: CustomColumn[]
  subresources: { status?: Json; scale?: ScalePaths }
  /** JSONPaths usable as field selectors (`.spec.color`), from the version's selectableFields. */
  selectableFields?: string[]
}

/** The columns a CRD version without additionalPrinterColumns gets (upstream: Age from creationTimestamp). */
export const defaultColumns: CustomColumn[] = [
  {
    name: 'Age',
    type: 'date',
    format: '',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
    priority: 0,
    jsonPath: '.metadata.creationTimestamp',
  },
]

/** `.spec.replicas` → the value at that path (the first result of a JSONPath, as columns and scale use). */
export function atJsonPath(obj: unknown, path: string): unknown {
  return evalJsonPath(obj, path)[0]
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
function cell(obj: StoredObject, c: CustomColumn, now: Date): unknown {
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

function scaleDef(paths: ScalePaths): ScaleDef {
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

/** selectableFields → field selectors: `.spec.color` is selected as `spec.color=blue`. */
function selectors(paths: string[]): Record<string, (obj: StoredObject) => string | undefined> {
  return Object.fromEntries(
    paths.map((p) => [
      p.replace(/^\./, ''),
      (obj: StoredObject) => {
        const v = atJsonPath(obj, p)
        return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
      },
    ]),
  )
}

export interface CustomResourceOptions {
  /** Checks beyond the schema on update (the CEL transition rules a CRD carries). */
  validateTransitions?(obj: StoredObject, old: StoredObject): FieldError[]
  /**
   * With no status subresource but a `status` in the schema: serve /status anyway and let the main
   * resource write status too (Argo's AnalysisRun and Experiment, whose controllers write status
   * with the object).
   */
  statusFromSchema?: boolean
  /** Evaluate the schema's CEL rules (x-kubernetes-validations) after the schema checks. */
  cel?: boolean
}

/** The ResourceDef serving one version of a custom kind against its structural schema. */
export function customResourceDef(k: CustomKind, schema: Schema, opts: CustomResourceOptions = {}): ResourceDef {
  // As upstream, the CEL rules run unless the schema checks found a wrong type.
  const withCel = (errs: FieldError[], cel: () => FieldError[]) =>
    opts.cel && !errs.some((e) => e.type === 'FieldValueTypeInvalid') ? [...errs, ...cel()] : errs
  const hasStatus = k.subresources.status !== undefined
  const schemaHasStatus = schema.properties?.status !== undefined
  const columns: TableColumn[] = [
    nameColumn,
    ...k.columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format as TableColumn['format'],
      description: c.description,
      priority: (c.priority ? 1 : 0) as TableColumn['priority'],
    })),
  ]
  return {
    group: k.group,
    version: k.version,
    kind: k.kind,
    resource: k.plural,
    singular: k.singular,
    namespaced: k.scope === 'Namespaced',
    ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
    ...(k.categories.length ? { categories: k.categories } : {}),
    nameValidator: isDNS1123Subdomain,
    generation: true,
    ...(hasStatus ? { hasStatus: true } : opts.statusFromSchema && schemaHasStatus ? { hasStatus: true, statusOnMainResource: true } : {}),
    ...(k.subresources.scale ? { scale: scaleDef(k.subresources.scale) } : {}),
    ...(k.selectableFields?.length ? { fieldSelectors: selectors(k.selectableFields) } : {}),
    defaults: (obj) => pruneAndDefault(obj as unknown as Json, schema),
    // A custom resource created with a status subresource starts without status.
    prepareForCreate: (obj) => {
      if (hasStatus) delete obj.status
    },
    validate: (obj) => withCel(validateAgainstSchema(obj, schema), () => validateCelRules(obj, schema)),
    validateUpdate: (obj, old) => [...withCel(validateAgainstSchema(obj, schema), () => validateCelRules(obj, schema, old)), ...(opts.validateTransitions?.(obj, old) ?? [])],
    table: { columns, cells: (obj, now) => [obj.metadata.name ?? '', ...k.columns.map((c) => cell(obj, c, now))] },
  }
}
