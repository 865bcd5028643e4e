// Errors apply can end in, shaped so the API layer can turn them into a metav1.Status as the
// upstream API server does.

import { pathToString } from './pathelement.js'
import type { Operation } from './managed.js'

/** A failure with the HTTP code and reason the API answers with. */
export class ApplyError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(message)
    this.name = 'ApplyError'
  }
}

export function badRequest(message: string): ApplyError {
  return new ApplyError(message, 400, 'BadRequest')
}

/**
 * An error upstream returns unwrapped, as a 500 with no reason. It is always the request's fault
 * (duplicate list keys, fields the schema does not know), so kubelite answers 400 BadRequest with
 * upstream's message: a 500 would say the server is broken.
 */
export function internalError(message: string): ApplyError {
  return new ApplyError(message, 400, 'BadRequest')
}

/** One field another manager owns with a different value. */
export interface Conflict {
  /** The other manager as it is stored. */
  manager: { manager: string; operation: Operation; apiVersion: string; subresource?: string }
  /** The manager's identifier (sorting key, as upstream sorts). */
  managerId: string
  path: string[]
}

/** metav1.StatusCause as the API server sends it for each conflict. */
export interface StatusCause {
  type: 'FieldManagerConflict'
  message: string
  field: string
}

/**
 * Upstream's printManager: `"kubectl"` for an applier, `"kubectl" with subresource "scale"` when
 * through a subresource, and ` using apps/v1` for an updater (its time is never part of the id).
 */
export function printManager(m: Conflict['manager']): string {
  let s = JSON.stringify(m.manager)
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`
  return s
}

/** Upstream's getConflictMessage. */
export function conflictMessage(conflicts: readonly Conflict[]): string {
  if (conflicts.length === 1) {
    return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathToString(conflicts[0].path)}`
  }
  const byManager = new Map<string, Conflict[]>()
  for (const c of conflicts) byManager.set(c.managerId, [...(byManager.get(c.managerId) ?? []), c])
  const lines: string[] = []
  for (const id of [...byManager.keys()].sort()) {
    const group = byManager.get(id)!
    lines.push(`conflicts with ${printManager(group[0].manager)}:`)
    for (const c of group) lines.push(`- ${pathToString(c.path)}`)
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`
}

/** 409 Conflict; the Status carries `details.causes`, one per conflicting field. */
export class ApplyConflictError extends ApplyError {
  readonly causes: StatusCause[]

  constructor(readonly conflicts: Conflict[]) {
    super(conflictMessage(conflicts), 409, 'Conflict')
    this.name = 'ApplyConflictError'
    this.causes = conflicts.map((c) => ({
      type: 'FieldManagerConflict',
      message: `conflict with ${printManager(c.manager)}`,
      field: pathToString(c.path),
    }))
  }

  /** The metav1.Status upstream's NewApplyConflict builds (details has causes only). */
  toStatus(): { kind: 'Status'; apiVersion: 'v1'; metadata: Record<string, never>; status: 'Failure'; message: string; reason: 'Conflict'; details: { causes: StatusCause[] }; code: 409 } {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: 'Conflict', details: { causes: this.causes }, code: 409 }
  }
}
