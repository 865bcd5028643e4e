// Table output (meta.k8s.io/v1 Table): what `kubectl get` prints. Cells are rendered by the kind's
// TableDef on the server, AGE included; rows carry the object's metadata so kubectl can show
// --show-labels, -L and the NAMESPACE column.
import type { StoredObject } from '../apis/meta.js'
import { creationTimestampDescription, nameColumn } from '../registry/columns.js'
import type { ResourceDef, TableColumn } from '../registry/types.js'

export type IncludeObject = 'None' | 'Metadata' | 'Object'

export interface TableOptions {
  version: 'v1' | 'v1beta1'
  includeObject: IncludeObject
  now: Date
  /** Leave out columnDefinitions (watch events after the first). */
  noHeaders?: boolean
  resourceVersion?: string
  continue?: string
  remainingItemCount?: number
}

/** Every kind without its own printer gets upstream's default columns. */
export const defaultColumns: TableColumn[] = [
  nameColumn,
  { name: 'Created At', type: 'date', format: '', description: creationTimestampDescription, priority: 0 },
]

function rowObject(obj: StoredObject, include: IncludeObject, version: string): unknown {
  if (include === 'None') return undefined
  if (include === 'Object') return obj
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata }
}

export function toTable(def: ResourceDef, objects: StoredObject[], opts: TableOptions): Record<string, unknown> {
  const table: Record<string, unknown> = {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata: {
      resourceVersion: opts.resourceVersion,
      ...(opts.continue ? { continue: opts.continue } : {}),
      ...(opts.remainingItemCount !== undefined ? { remainingItemCount: opts.remainingItemCount } : {}),
    },
  }
  if (!opts.noHeaders) table.columnDefinitions = def.table.columns
  table.rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: def.table.cells(obj, opts.now) }
    const o = rowObject(obj, opts.includeObject, opts.version)
    if (o !== undefined) row.object = o
    return row
  })
  return table
}

export function parseIncludeObject(v: string | null): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata'
}
