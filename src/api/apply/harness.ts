// Test helpers: a Deployment, and apply/update steps that keep managedFields like the API server,
// on the schema the server uses (the generated OpenAPI definitions, as fieldManager in
// api/adapters.ts reads them): a test here fails if that schema and upstream's disagree.

import type { KObject } from '../../apis/meta.js'
import { serverSideApply } from './apply.js'
import type { FieldSet } from './fieldset.js'
import type { ManagedFieldsEntry } from './managed.js'
import { resolve, schemaForKind, type Schema } from '../../apis/schema.js'
import { updateManagedFields } from './update.js'

/** io.k8s.api.apps.v1.Deployment as the server serves and applies it. */
export const deploymentSchema: Schema = schemaForKind('apps', 'v1', 'Deployment')!
export { resolve }

export const t0 = new Date('2025-01-02T03:04:05.678Z')

/** A Deployment named web; without `spec` when it is undefined (an applied `spec: {}` owns `.spec`). */
export function deployment(spec?: Record<string, unknown>, metadata: Record<string, unknown> = {}): KObject {
  const obj: KObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', ...metadata } }
  if (spec) obj.spec = spec
  return obj
}

export function applyStep(live: KObject | undefined, applied: unknown, manager: string, opts: { force?: boolean; now?: Date } = {}): KObject {
  return serverSideApply({
    live,
    applied,
    manager,
    force: opts.force ?? false,
    schema: deploymentSchema,
    resolve,
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    now: opts.now ?? t0,
    resetFields: { 'f:status': {} },
  }).object
}

export function updateStep(live: KObject | undefined, updated: KObject, manager: string, opts: { subresource?: string; now?: Date } = {}): KObject {
  const managedFields = updateManagedFields({
    live,
    updated,
    manager,
    subresource: opts.subresource,
    apiVersion: 'apps/v1',
    now: opts.now ?? t0,
    schema: deploymentSchema,
    resolve,
    resetFields: opts.subresource === 'status' ? { 'f:spec': {}, 'f:metadata': { 'f:labels': {} } } : { 'f:status': {} },
  })
  const metadata = { ...updated.metadata }
  if (managedFields) metadata.managedFields = managedFields
  else delete metadata.managedFields
  return { ...updated, metadata }
}

/** manager (+ "/" subresource) → fieldsV1, for compact assertions. */
export function owners(obj: KObject): Record<string, FieldSet> {
  const out: Record<string, FieldSet> = {}
  for (const e of (obj.metadata?.managedFields ?? []) as ManagedFieldsEntry[]) {
    out[`${e.manager}${e.operation === 'Apply' ? '' : ':' + e.operation}${e.subresource ? '/' + e.subresource : ''}`] = e.fieldsV1 as FieldSet
  }
  return out
}

export function specOf(obj: KObject): Record<string, unknown> {
  return obj.spec as Record<string, unknown>
}
