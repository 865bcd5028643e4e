// Glue between the generic storage (registry/rest.ts) and the in-house implementations of patch,
// server-side apply, protobuf decoding and strict field validation: each gets the kind's schema and
// its errors become metav1.Status errors with the code and wording its implementation chose.
import type { KObject, StoredObject } from '../apis/meta.js'
import { apiVersionOf } from '../apis/meta.js'
import { definitionNameForKind, findTypeError, isCustomResourceDefinitionName, normalizeDecoded, resolve, schemaForKind } from '../apis/schema.js'
import { errors, statusErrorFrom } from '../apis/status.js'
import type { FieldManager, Patcher } from '../registry/rest.js'
import type { ResourceDef } from '../registry/types.js'
import { ApplyConflictError, ApplyError, serverSideApply, updateManagedFields, type FieldSet } from './apply/index.js'
import { applyPatch, PatchError } from './patch/index.js'
import { decodeErrorMessage, decodeProtobufObject, ProtobufError } from './protobuf/index.js'

function schemaOf(def: ResourceDef) {
  const schema = schemaForKind(def.group, def.version, def.kind)
  return schema ? resolve(schema) : undefined
}

export const patcher: Patcher = (def, contentType, original, body) => {
  try {
    const name = definitionNameForKind(def.group, def.version, def.kind)
    const customResource = name !== undefined && isCustomResourceDefinitionName(name)
    return applyPatch(contentType, original as Record<string, unknown>, body, { schema: schemaOf(def), resolve, customResource }) as KObject
  } catch (err) {
    if (err instanceof PatchError) throw statusErrorFrom(err.code, err.reason, err.message)
    throw err
  }
}

/** Fields a write may not claim: status on the main resource, spec through /status. */
function resetFields(def: ResourceDef, subresource: string | undefined): FieldSet | undefined {
  if (!def.hasStatus) return undefined
  if (def.statusOnMainResource) return subresource === 'status' ? { 'f:spec': {} } : undefined
  return subresource === 'status' ? { 'f:spec': {} } : subresource === undefined ? { 'f:status': {} } : undefined
}

function translateApplyError(err: unknown): never {
  if (err instanceof ApplyConflictError) {
    const s = err.toStatus()
    throw statusErrorFrom(409, 'Conflict', s.message, { causes: s.details.causes.map((c) => ({ reason: c.type, message: c.message, field: c.field })) })
  }
  if (err instanceof ApplyError) throw statusErrorFrom(err.code, err.reason || undefined, err.message)
  throw err
}

export const fieldManager: FieldManager = {
  update({ def, live, updated, manager, subresource, now }) {
    const schema = schemaOf(def)
    if (!schema) return updated.metadata.managedFields
    try {
      type Json = Parameters<typeof updateManagedFields>[0]['updated']
      return updateManagedFields({ live: live as unknown as Json | undefined, updated: updated as unknown as Json, manager, subresource, apiVersion: apiVersionOf(def.group, def.version), now, schema, resolve, resetFields: resetFields(def, subresource) }) as StoredObject['metadata']['managedFields']
    } catch (err) {
      return translateApplyError(err)
    }
  },
  apply({ def, live, applied, manager, force, now }) {
    const schema = schemaOf(def)
    if (!schema) throw errors.unsupportedPatchType()
    try {
      const result = serverSideApply({ live, applied, manager, force, schema, resolve, apiVersion: apiVersionOf(def.group, def.version), kind: def.kind, now, resetFields: resetFields(def, undefined) })
      const obj = result.object as StoredObject
      obj.metadata = obj.metadata ?? {}
      if (result.managedFields?.length) obj.metadata.managedFields = result.managedFields as StoredObject['metadata']['managedFields']
      else delete obj.metadata.managedFields
      return obj
    } catch (err) {
      return translateApplyError(err)
    }
  },
}

export function decodeProtobuf(body: Buffer, endpoint: { apiVersion: string; kind: string }): KObject {
  try {
    return decodeProtobufObject(body, endpoint)
  } catch (err) {
    if (!(err instanceof ProtobufError)) throw err
    if (err.code === 415) throw errors.unsupportedMediaType(err.message)
    throw errors.badRequest(decodeErrorMessage(err, body, endpoint.kind))
  }
}

/** The paths of the fields the kind's schema does not know, dropped from `obj` as Go decoding drops them (nulls zeroed too). */
export function unknownFields(def: ResourceDef, obj: KObject): string[] {
  return normalizeDecoded(def.group, def.version, def.kind, obj)
}

export function typeError(def: ResourceDef, obj: KObject): string | undefined {
  return findTypeError(def.group, def.version, def.kind, obj)
}
