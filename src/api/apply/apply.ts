// Server-side apply (upstream's FieldManager.Apply with its default wrappers, and
// structured-merge-diff's Updater.Apply):
//
//  1. the body must be the URL's kind and version, without managedFields;
//  2. an object nobody tracked yet first gets a "before-first-apply" owner for what it has;
//  3. the applied configuration is merged into the live object;
//  4. fields this manager applied last time but no longer does are pruned, unless someone else
//     (or this configuration) still owns them;
//  5. other managers lose what changed; if that includes fields they own, it is a conflict
//     unless `force` is set;
//  6. for the manager "kubectl", conflicts with values recorded in the client-side apply
//     annotation are allowed (upgrading from `kubectl apply` to `--server-side`), and the
//     annotation is kept in step with what was applied.

import type { Schema, SchemaResolver } from '../../apis/schema.js'
import type { KObject } from '../../apis/meta.js'
import { wellKnown } from '../../apis/meta.js'
import { rfc3339 } from '../../lib/duration.js'
import type { SchemaContext } from './atoms.js'
import { compareObjects } from './compare.js'
import { ApplyConflictError, badRequest, internalError, type Conflict } from './errors.js'
import { differenceTrees, fieldSetToTree, hasPath, intersectTrees, isEmptyTree, unionTrees, type FieldSet, type PathTree } from './fieldset.js'
import { decodeManagedFields, encodeManagedFields, managerId, ManagedFieldsDecodeError, type ManagedFieldsEntry, type Managers, type ManagerState } from './managed.js'
import { mergeValues } from './merge.js'
import { updateOwnership, withNamedFields, withoutIgnored } from './ownership.js'
import { goJson, isJsonObject, jsonEqual, type Json } from './pathelement.js'
import { removeFields } from './remove.js'
import { toFieldTree, validationErrorsMessage, type ValidationError } from './tofieldset.js'
import { unownedFields, withoutManagedFields } from './update.js'
import { zeroObject } from './zero.js'

export interface ServerSideApplyOptions {
  /** The stored object (defaults applied); undefined when apply creates it. */
  live: KObject | undefined
  /** The request body, decoded from JSON or YAML. */
  applied: unknown
  /** The `fieldManager` query parameter (required for apply; validate it first). */
  manager: string
  force: boolean
  schema: Schema
  resolve: SchemaResolver
  /** The URL's group/version (`apps/v1`) and kind (`Deployment`). */
  apiVersion: string
  kind: string
  now: Date
  subresource?: string
  /** Fields the strategy resets and no one may claim (see UpdateManagedFieldsOptions.resetFields). */
  resetFields?: FieldSet
}

export interface ServerSideApplyResult {
  /** The object to store: live merged with the configuration, managedFields included. Apply defaults to it next. */
  object: KObject
  managedFields: ManagedFieldsEntry[] | undefined
}

const beforeFirstApply = 'before-first-apply'

/** Throws ApplyError (400 / 500) or ApplyConflictError (409), with upstream's messages. */
export function serverSideApply(opts: ServerSideApplyOptions): ServerSideApplyResult {
  const ctx: SchemaContext = { resolve: opts.resolve }
  const ignored = opts.resetFields ? fieldSetToTree(opts.resetFields) : undefined
  if (!isJsonObject(opts.applied)) {
    throw badRequest(`error decoding YAML: json: cannot unmarshal ${goKind(opts.applied)} into Go value of type map[string]interface {}`)
  }
  const applied = opts.applied
  checkVersion(applied, opts.apiVersion, opts.kind)
  const appliedMeta = isJsonObject(applied.metadata) ? applied.metadata : {}
  if (appliedMeta.managedFields !== undefined && appliedMeta.managedFields !== null) throw badRequest('metadata.managedFields must be nil')

  let managers: Managers
  try {
    managers = decodeManagedFields(opts.live?.metadata?.managedFields)
  } catch (err) {
    if (err instanceof ManagedFieldsDecodeError) throw internalError(`failed to decode managed fields: ${err.message}`)
    throw err
  }

  const errors: ValidationError[] = []
  const configSet = toFieldTree(applied, opts.schema, ctx, errors)
  if (errors.length > 0) {
    const name = typeof appliedMeta.name === 'string' ? appliedMeta.name : ''
    const namespace = typeof appliedMeta.namespace === 'string' ? appliedMeta.namespace : ''
    throw internalError(`failed to create typed patch object (${namespace}/${name}; ${gvkString(opts.apiVersion, opts.kind)}): ${validationErrorsMessage(errors)}`)
  }

  const live: Json = opts.live ? withoutManagedFields(opts.live as Json) : {}
  if (managers.size === 0 && opts.live) {
    // Everything the object already has gets an owner, so this first apply can conflict with it.
    const zero = zeroObject(opts.schema, ctx)
    const existing = updateOwnership(zero, live, managers, beforeFirstApply, true, opts.schema, ctx, ignored).comparison
    const set = differenceTrees(withoutIgnored(unionTrees(existing.modified, existing.added), ignored), unownedFields)
    if (!isEmptyTree(set)) {
      const state = { manager: beforeFirstApply, operation: 'Update' as const, apiVersion: opts.apiVersion }
      managers.set(managerId(state), { ...state, set, time: rfc3339(opts.now) })
    }
  }

  const applier = { manager: opts.manager, operation: 'Apply' as const, apiVersion: opts.apiVersion, subresource: opts.subresource || undefined }
  const id = managerId(applier)
  const run = (force: boolean): ApplyOutcome => applyConfiguration(live, applied, configSet, managers, id, applier, force, opts.schema, ctx, ignored)

  let outcome = run(opts.force)
  if (outcome.conflicts.length > 0 && opts.manager === 'kubectl' && opts.live) {
    // Upgrading from client-side apply: values the last-applied annotation recorded are ours.
    const allowed = allowedFromLastApplied(live, opts.apiVersion, opts.schema, ctx)
    if (allowed) {
      const rest = outcome.conflicts.filter((c) => !hasPath(allowed, c.path))
      outcome = rest.length === 0 ? run(true) : { ...outcome, conflicts: rest }
    }
  }
  if (outcome.conflicts.length > 0) throw new ApplyConflictError(outcome.conflicts)

  const result = outcome.managers
  const mine = result.get(id)
  if (mine) {
    const set = differenceTrees(mine.set, unownedFields)
    if (isEmptyTree(set)) result.delete(id)
    // The time moves only when the object changed (a repeated identical apply keeps it).
    else result.set(id, { ...mine, set, time: outcome.changed ? rfc3339(opts.now) : mine.time })
  }

  const object = finishObject(outcome.changed ? outcome.object : live, live)
  if (opts.manager === 'kubectl') syncLastApplied(object, applied)
  const managedFields = encodeManagedFields(result)
  const metadata = isJsonObject(object.metadata) ? { ...object.metadata } : {}
  if (managedFields) metadata.managedFields = managedFields as unknown as Json
  else delete metadata.managedFields
  object.metadata = metadata
  return { object: object as KObject, managedFields }
}

interface ApplyOutcome {
  object: Json
  managers: Managers
  conflicts: Conflict[]
  changed: boolean
}

function applyConfiguration(
  live: Json,
  applied: Json,
  configSet: PathTree,
  managers: Managers,
  id: string,
  applier: Omit<ManagerState, 'set'>,
  force: boolean,
  schema: Schema,
  ctx: SchemaContext,
  ignored: PathTree | undefined,
): ApplyOutcome {
  const last = managers.get(id)
  const withMine: Managers = new Map(managers)
  withMine.set(id, { ...applier, set: withoutIgnored(configSet, ignored), time: last?.time })
  const merged = mergeValues(live, applied, schema, ctx) ?? {}
  const pruned = last && !isEmptyTree(last.set) ? prune(merged, withMine, last.set, schema, ctx) : merged
  const { managers: after, conflicts } = updateOwnership(live, pruned, withMine, id, force, schema, ctx, ignored)
  return { object: pruned, managers: after, conflicts: force ? [] : conflicts, changed: !jsonEqual(live, pruned) }
}

/**
 * Removes what the applier owned last time and no longer applies, but puts back whatever any
 * manager (the applier's new configuration included) still owns, and whatever was never the
 * applier's (upstream's prune, addBackOwnedItems, addBackDanglingItems).
 */
function prune(merged: Json, managers: Managers, lastSet: PathTree, schema: Schema, ctx: SchemaContext): Json {
  const named = (t: PathTree): PathTree => withNamedFields(t, schema, ctx)
  const fieldsOf = (v: Json): PathTree => named(toFieldTree(v, schema, ctx))
  const remove = (v: Json, t: PathTree): Json => removeFields(v, t, schema, ctx) ?? {}

  const last = named(lastSet)
  const first = remove(merged, last)
  let owned: PathTree = { member: false, children: new Map() }
  for (const m of managers.values()) owned = unionTrees(owned, m.set)
  const mergedSet = fieldsOf(merged)
  const addedBack = remove(merged, differenceTrees(mergedSet, unionTrees(fieldsOf(first), named(owned))))
  return remove(merged, intersectTrees(differenceTrees(mergedSet, fieldsOf(addedBack)), last))
}

/** Upstream's versionCheckManager. */
function checkVersion(applied: { [k: string]: Json }, apiVersion: string, kind: string): void {
  const av = typeof applied.apiVersion === 'string' ? applied.apiVersion : ''
  const k = typeof applied.kind === 'string' ? applied.kind : ''
  const parts = av.split('/')
  let group = ''
  let version = ''
  let gotKind = k
  if (av === '') {
    // empty group/version
  } else if (parts.length === 1) version = parts[0]
  else if (parts.length === 2) [group, version] = parts
  else gotKind = '' // unparseable: upstream reports an empty GroupVersionKind
  if (`${group}/${version}` !== gvString(apiVersion) || gotKind !== kind) {
    throw badRequest(`invalid object type: ${group}/${version}, Kind=${gotKind}`)
  }
}

const gvString = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion : `/${apiVersion}`)

/** Go's GroupVersionKind.String(): `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`. */
export function gvkString(apiVersion: string, kind: string): string {
  return `${gvString(apiVersion)}, Kind=${kind}`
}

function goKind(v: unknown): string {
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'number') return 'number'
  if (typeof v === 'boolean') return 'bool'
  return 'null'
}

/** Metadata fields the server sets, which an applied `null` must not erase. */
const systemMetadata = ['creationTimestamp', 'uid', 'resourceVersion', 'generation', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds']

/** Drops nulls from maps (Go's typed objects do) and keeps the server-set metadata. */
function finishObject(obj: Json, live: Json): { [k: string]: Json } {
  const out = (dropNulls(obj) ?? {}) as { [k: string]: Json }
  const liveMeta = isJsonObject(live) && isJsonObject(live.metadata) ? live.metadata : undefined
  if (liveMeta) {
    const meta = isJsonObject(out.metadata) ? { ...out.metadata } : {}
    for (const key of systemMetadata) if (meta[key] === undefined && liveMeta[key] !== undefined) meta[key] = liveMeta[key]
    out.metadata = meta
  }
  return out
}

function dropNulls(v: Json): Json | undefined {
  if (v === null) return undefined
  if (Array.isArray(v)) return v.map((x) => (isJsonObject(x) ? (dropNulls(x) ?? {}) : x))
  if (!isJsonObject(v)) return v
  const out: { [k: string]: Json } = {}
  for (const [k, child] of Object.entries(v)) {
    const c = dropNulls(child)
    if (c !== undefined) out[k] = c
  }
  return out
}

// ---- client-side apply upgrade (lastappliedmanager.go, lastappliedupdater.go) ----------------

/**
 * The fields the last-applied annotation recorded and the live object still has with the same
 * value; undefined when there is no usable annotation.
 */
function allowedFromLastApplied(live: Json, apiVersion: string, schema: Schema, ctx: SchemaContext): PathTree | undefined {
  const meta = isJsonObject(live) && isJsonObject(live.metadata) ? live.metadata : undefined
  const annotations = meta && isJsonObject(meta.annotations) ? meta.annotations : undefined
  const raw = annotations?.[wellKnown.lastAppliedConfig]
  if (typeof raw !== 'string' || raw === '') return undefined
  let lastApplied: Json
  try {
    lastApplied = JSON.parse(raw) as Json
  } catch {
    return undefined
  }
  if (!isJsonObject(lastApplied) || lastApplied.apiVersion !== apiVersion) return undefined
  const errors: ValidationError[] = []
  const set = toFieldTree(lastApplied, schema, ctx, errors)
  if (errors.length > 0) return undefined
  const c = compareObjects(lastApplied, live, schema, ctx)
  return differenceTrees(differenceTrees(differenceTrees(set, c.modified), c.added), c.removed)
}

/** Annotations may take 256 KiB in total (upstream's ValidateAnnotationsSize). */
const totalAnnotationSizeLimit = 256 * 1024

/** When the object carries a last-applied annotation, it now records this configuration. */
function syncLastApplied(object: { [k: string]: Json }, applied: { [k: string]: Json }): void {
  const meta = isJsonObject(object.metadata) ? object.metadata : undefined
  const annotations = meta && isJsonObject(meta.annotations) ? meta.annotations : undefined
  const current = annotations?.[wellKnown.lastAppliedConfig]
  if (!meta || !annotations || typeof current !== 'string' || current === '') return
  const next: { [k: string]: Json | undefined } = { ...annotations, [wellKnown.lastAppliedConfig]: lastAppliedValue(applied) }
  let size = 0
  for (const [k, v] of Object.entries(next)) size += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : '')
  if (size > totalAnnotationSizeLimit) delete next[wellKnown.lastAppliedConfig]
  object.metadata = { ...meta, annotations: next as { [k: string]: Json } }
}

/** The configuration as JSON with sorted keys and a trailing newline, without the annotation itself. */
function lastAppliedValue(applied: { [k: string]: Json }): string {
  const copy: { [k: string]: Json } = structuredClone(applied)
  const meta = isJsonObject(copy.metadata) ? copy.metadata : undefined
  const annotations: { [k: string]: Json | undefined } | undefined = meta && isJsonObject(meta.annotations) ? meta.annotations : undefined
  if (annotations) delete annotations[wellKnown.lastAppliedConfig]
  return `${goJson(sortKeys(copy))}\n`
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (!isJsonObject(v)) return v
  const out: { [k: string]: Json } = {}
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k])
  return out
}
