// metadata.managedFields <-> the managers the algorithms work with
// (k8s.io/apimachinery/pkg/util/managedfields/internal: managedfields.go, capmanagers.go).
//
// A manager is identified by (manager, operation, apiVersion, subresource), except that an
// applier's apiVersion is not part of its identity: applying again at another version is the
// same applier. Upstream uses the JSON of those fields as the identifier; so do we.

import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js'
import { fieldSetToTree, isEmptyTree, treeToFieldSet, unionTrees, type PathTree } from './fieldset.js'

export type { ManagedFieldsEntry }

export type Operation = 'Apply' | 'Update'

export interface ManagerState {
  manager: string
  operation: Operation
  apiVersion: string
  subresource?: string
  set: PathTree
  /** RFC 3339, as stored; undefined when upstream would leave it out. */
  time?: string
}

/** manager identifier → what it owns. Iteration order does not matter; encoding sorts. */
export type Managers = Map<string, ManagerState>

/** Upstream's BuildManagerIdentifier: the entry's JSON without fields, time, and (for Apply) apiVersion. */
export function managerId(m: { manager: string; operation: Operation; apiVersion?: string; subresource?: string }): string {
  const id: Record<string, string> = { manager: m.manager, operation: m.operation }
  if (m.operation !== 'Apply' && m.apiVersion) id.apiVersion = m.apiVersion
  if (m.subresource) id.subresource = m.subresource
  return JSON.stringify(id)
}

export class ManagedFieldsDecodeError extends Error {}

/**
 * Decodes metadata.managedFields. Throws ManagedFieldsDecodeError with upstream's reasons
 * ("operation must be `Apply` or `Update`", "apiVersion must not be empty", ...). A later entry
 * with the same identity replaces an earlier one, as upstream's map does.
 */
export function decodeManagedFields(entries: unknown): Managers {
  const out: Managers = new Map()
  if (entries === undefined || entries === null) return out
  if (!Array.isArray(entries)) throw new ManagedFieldsDecodeError('managedFields must be a list')
  entries.forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) throw new ManagedFieldsDecodeError(`invalid managed fields entry ${i}`)
    const e = raw as ManagedFieldsEntry
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new ManagedFieldsDecodeError('operation must be `Apply` or `Update`')
    if (!e.apiVersion) throw new ManagedFieldsDecodeError('apiVersion must not be empty')
    if (e.fieldsType === undefined || e.fieldsType === '') throw new ManagedFieldsDecodeError(`missing fieldsType in managed fields entry ${i}`)
    if (e.fieldsType !== 'FieldsV1') throw new ManagedFieldsDecodeError(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`)
    let set: PathTree
    try {
      set = fieldSetToTree(e.fieldsV1 ?? {})
    } catch (err) {
      throw new ManagedFieldsDecodeError(`error decoding set: ${(err as Error).message}`)
    }
    const state: ManagerState = {
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      subresource: e.subresource || undefined,
      set,
      time: e.time,
    }
    out.set(managerId(state), state)
  })
  return out
}

/** Decodes, or an empty set of managers when the entries are not decodable. */
export function decodeOrEmpty(entries: unknown): Managers {
  try {
    return decodeManagedFields(entries)
  } catch {
    return new Map()
  }
}

/**
 * The entries to store, sorted as upstream sorts them: Apply before Update, then by time (to the
 * second; no time counts as 0), manager, apiVersion, subresource. Undefined when there are none
 * (upstream then leaves managedFields out).
 */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] | undefined {
  const entries: ManagedFieldsEntry[] = []
  for (const m of managers.values()) {
    if (isEmptyTree(m.set)) continue
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion }
    if (m.time !== undefined) e.time = m.time
    e.fieldsType = 'FieldsV1'
    e.fieldsV1 = treeToFieldSet(m.set)
    if (m.subresource) e.subresource = m.subresource
    entries.push(e)
  }
  if (entries.length === 0) return undefined
  const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0)
  const cmp = (a: string | undefined, b: string | undefined): number => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0)
  return entries.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  )
}

/** Update entries beyond this many are folded into "ancient-changes" (upstream's default). */
export const maxUpdateManagers = 10

/**
 * Upstream's capManagersManager: while there are more than 10 Update entries, the oldest are
 * merged, per apiVersion, into an `ancient-changes` entry.
 */
export function capUpdateManagers(managers: Managers, max = maxUpdateManagers): Managers {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update').map(([id]) => id)
  if (updaters.length <= max) return managers
  const seconds = (id: string): number => {
    const t = managers.get(id)!.time
    return t ? Math.floor(Date.parse(t) / 1000) || 0 : 0
  }
  updaters.sort((a, b) => seconds(a) - seconds(b) || (a < b ? -1 : a > b ? 1 : 0))
  const out: Managers = new Map(managers)
  const firstOfVersion = new Map<string, string>()
  let length = updaters.length
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i]
    const m = out.get(id)!
    const bucketId = managerId({ manager: 'ancient-changes', operation: 'Update', apiVersion: m.apiVersion })
    const first = firstOfVersion.get(m.apiVersion)
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, id)
      continue
    }
    if (!out.has(bucketId)) {
      const f = out.get(first)!
      out.delete(first)
      out.set(bucketId, { ...f, manager: 'ancient-changes', subresource: undefined })
    }
    const bucket = out.get(bucketId)!
    out.set(bucketId, { ...bucket, set: unionTrees(m.set, bucket.set), time: m.time })
    out.delete(id)
    length--
  }
  return out
}
