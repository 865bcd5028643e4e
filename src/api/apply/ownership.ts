// Moving ownership after a write (structured-merge-diff's Updater.update): every other manager
// loses the fields the write removed, and the fields it added or changed are conflicts: an error
// for an apply without force, otherwise taken away from their previous owners.

import type { Schema } from '../../apis/schema.js'
import { atomsOf, childSchema, type SchemaContext } from './atoms.js'
import { compareObjects, type Comparison } from './compare.js'
import type { Conflict } from './errors.js'
import { differenceTrees, intersectTrees, isEmptyTree, listPaths, recursiveDifferenceTrees, unionTrees, type PathTree } from './fieldset.js'
import type { Managers } from './managed.js'
import type { Json } from './pathelement.js'

/** Leaves out the fields a write may not claim (upstream's reset fields, e.g. `.status`). */
export function withoutIgnored(set: PathTree, ignored: PathTree | undefined): PathTree {
  return ignored ? recursiveDifferenceTrees(set, ignored) : set
}

export interface OwnershipResult {
  managers: Managers
  comparison: Comparison
  conflicts: Conflict[]
}

/**
 * Compares `live` with `next` and updates every manager but `self`. With `force` false and
 * conflicts found, `managers` is returned unchanged alongside the conflicts.
 */
export function updateOwnership(
  live: Json,
  next: Json,
  managers: Managers,
  self: string,
  force: boolean,
  schema: Schema,
  ctx: SchemaContext,
  ignored?: PathTree,
): OwnershipResult {
  const raw = compareObjects(live, next, schema, ctx)
  const comparison: Comparison = {
    added: withoutIgnored(raw.added, ignored),
    modified: withoutIgnored(raw.modified, ignored),
    removed: withoutIgnored(raw.removed, ignored),
  }
  const changed = unionTrees(comparison.modified, comparison.added)
  const conflicts: Conflict[] = []
  const taken = new Map<string, PathTree>()
  for (const [id, m] of [...managers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (id === self) continue
    const clash = intersectTrees(m.set, changed)
    if (isEmptyTree(clash)) continue
    taken.set(id, clash)
    for (const path of listPaths(clash)) {
      conflicts.push({ manager: { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion, subresource: m.subresource }, managerId: id, path })
    }
  }
  if (!force && conflicts.length > 0) return { managers, comparison, conflicts }

  const out: Managers = new Map()
  for (const [id, m] of managers) {
    if (id === self) {
      out.set(id, m)
      continue
    }
    let set = m.set
    const clash = taken.get(id)
    if (clash) set = differenceTrees(set, clash)
    if (!isEmptyTree(comparison.removed)) set = differenceTrees(set, comparison.removed)
    if (!isEmptyTree(set)) out.set(id, { ...m, set })
  }
  return { managers: out, comparison, conflicts }
}

/**
 * Upstream's EnsureNamedFieldsAreMembers: also counts as members the struct fields that only have
 * members below them (`.spec` when `.spec.replicas` is in the set), but not map keys or list items.
 */
export function withNamedFields(set: PathTree, schema: Schema | undefined, ctx: SchemaContext): PathTree {
  if (!schema) return set
  const atoms = atomsOf(schema, ctx)
  const children = new Map<string, PathTree>()
  for (const [pe, child] of set.children) {
    let cs: Schema | undefined
    let declared = false
    if (pe.startsWith('f:') && atoms.map) {
      const c = childSchema(atoms.map, pe.slice(2))
      cs = c.schema
      declared = c.declared
    } else if (pe.startsWith('k:') && atoms.list) {
      cs = atoms.list.elem
    }
    const named = withNamedFields(child, cs, ctx)
    children.set(pe, declared && !named.member ? { member: true, children: named.children } : named)
  }
  return { member: set.member, children }
}

