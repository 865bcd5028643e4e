// managedFields for ordinary writes (create, update, patch): the writer gains the fields it set or
// changed, everyone else loses them (upstream's FieldManager.Update with its default wrappers).

import type { Schema, SchemaResolver } from '../../apis/schema.js'
import { rfc3339 } from '../../lib/duration.js'
import type { SchemaContext } from './atoms.js'
import { differenceTrees, fieldSetToTree, isEmptyTree, unionTrees, type FieldSet, type PathTree } from './fieldset.js'
import { capUpdateManagers, decodeManagedFields, decodeOrEmpty, encodeManagedFields, managerId, type ManagedFieldsEntry, type Managers } from './managed.js'
import { updateOwnership, withoutIgnored } from './ownership.js'
import { isJsonObject, type Json } from './pathelement.js'
import { zeroObject } from './zero.js'

/**
 * Fields nobody owns (upstream's stripMetaManager): identity and system metadata, and the
 * managedFields themselves.
 */
export const unownedFields: PathTree = fieldSetToTree({
  'f:apiVersion': {},
  'f:kind': {},
  'f:metadata': {
    '.': {},
    'f:name': {},
    'f:namespace': {},
    'f:creationTimestamp': {},
    'f:selfLink': {},
    'f:uid': {},
    'f:clusterName': {},
    'f:generation': {},
    'f:managedFields': {},
    'f:resourceVersion': {},
  },
})

export interface UpdateManagedFieldsOptions {
  /** The stored object before the write; undefined for a create. */
  live: object | undefined
  /** The object about to be stored (defaults applied). Its own metadata.managedFields, if any, are honoured as upstream does. */
  updated: object
  /** The field manager (see managerFromUserAgent); '' becomes "unknown". */
  manager: string
  operation?: 'Update'
  /** 'status', 'scale', ... when written through a subresource. */
  subresource?: string
  /** The version written (`apps/v1`). */
  apiVersion: string
  now: Date
  /** The kind's schema (the object's top-level definition). */
  schema: Schema
  resolve: SchemaResolver
  /**
   * Fields this write may not claim because the strategy resets them (upstream's GetResetFields):
   * `{"f:status":{}}` for the main resource of a kind with a status subresource, `{"f:spec":{}}` (and
   * for Deployments/ReplicaSets also `metadata.labels`) for `/status`.
   */
  resetFields?: FieldSet
}

/** The manager upstream's managedFieldsUpdater uses while it works out what this write changed. */
const currentOperation = 'current-operation'

/**
 * The managedFields to store with `updated`, or undefined to store none (upstream leaves them out
 * when nothing is tracked, e.g. an object that had none before this update).
 */
export function updateManagedFields(opts: UpdateManagedFieldsOptions): ManagedFieldsEntry[] | undefined {
  const ctx: SchemaContext = { resolve: opts.resolve }
  const ignored = opts.resetFields ? fieldSetToTree(opts.resetFields) : undefined
  const liveIn = opts.live as Json | undefined
  const updatedIn = opts.updated as Json
  let managers = managersForUpdate(liveIn, updatedIn, !!opts.subresource)

  // Upstream's skipNonAppliedManager: an existing object that tracks nothing keeps tracking
  // nothing until its first apply; a new object is tracked from its creation.
  if (managers.size === 0 && liveIn !== undefined) return undefined

  const live = liveIn === undefined ? zeroObject(opts.schema, ctx) : withoutManagedFields(liveIn)
  const updated = withoutManagedFields(updatedIn)
  const { managers: after, comparison } = updateOwnership(live, updated, managers, currentOperation, true, opts.schema, ctx, ignored)
  managers = after

  // The writer owns what it set or changed (never the unowned metadata).
  let taken = withoutIgnored(unionTrees(comparison.modified, comparison.added), ignored)
  taken = differenceTrees(taken, unownedFields)
  if (!isEmptyTree(taken)) {
    const state = {
      manager: opts.manager || 'unknown',
      operation: 'Update' as const,
      apiVersion: opts.apiVersion,
      subresource: opts.subresource || undefined,
    }
    const id = managerId(state)
    const previous = managers.get(id)
    managers.set(id, {
      ...state,
      set: previous ? unionTrees(taken, previous.set) : taken,
      time: entryTime(opts.subresource, opts.now),
    })
  }
  return encodeManagedFields(capUpdateManagers(managers))
}

/**
 * Upstream converts a `/scale` write's entries back to the main resource by looking the time up
 * under the autoscaling/v1 identity, which the main resource never has: a scale entry ends up
 * with no time at all (`kubectl scale` leaves `subresource: scale` without `time`).
 */
function entryTime(subresource: string | undefined, now: Date): string | undefined {
  return subresource === 'scale' ? undefined : rfc3339(now)
}

/**
 * Upstream's decodeLiveOrNew: a subresource write keeps the live managedFields; otherwise the
 * request's own managedFields win when present and decodable (`[]` resets them), else the live ones.
 */
function managersForUpdate(live: Json | undefined, updated: Json, isSubresource: boolean): Managers {
  const liveEntries = metadataOf(live)?.managedFields
  if (isSubresource) return decodeOrEmpty(liveEntries)
  const newEntries = metadataOf(updated)?.managedFields
  if (Array.isArray(newEntries)) {
    if (newEntries.length === 0) return new Map()
    if (newEntries.length === 1 && isJsonObject(newEntries[0]) && Object.keys(newEntries[0]).length === 0) return new Map()
  }
  try {
    const fromRequest = decodeManagedFields(newEntries)
    if (fromRequest.size > 0) return fromRequest
  } catch {
    // fall back to the live object's
  }
  return decodeOrEmpty(liveEntries)
}

function metadataOf(obj: Json | undefined): { [k: string]: Json } | undefined {
  if (!isJsonObject(obj)) return undefined
  const m = obj.metadata
  return isJsonObject(m) ? m : undefined
}

/** A shallow copy without metadata.managedFields (they are never compared as fields). */
export function withoutManagedFields(obj: Json): Json {
  if (!isJsonObject(obj) || !isJsonObject(obj.metadata) || !('managedFields' in obj.metadata)) return obj
  const { managedFields: _drop, ...metadata } = obj.metadata
  return { ...obj, metadata }
}
