// Rows of the kine table and what they mean as key/values and watch events.
import type { KeyValue, WatchEvent } from '../types.js'

/** A row as the read statements select it. */
export interface Row {
  id: number
  name: string
  created: number
  deleted: number
  create_revision: number
  prev_revision: number
  value: string
  old_value: string | null
}

const columns = ['id', 'name', 'created', 'deleted', 'create_revision', 'prev_revision', 'value', 'old_value']

/** The column list of a Row, optionally qualified with a table alias. */
export function rowColumns(alias?: string): string {
  return columns.map((c) => (alias ? `${alias}.${c}` : c)).join(', ')
}

export function kvFromRow(row: Row): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id }
}

/**
 * The watch event a row records. Events are shared by every watcher, so they are frozen: a
 * consumer that wants to change one must copy it.
 */
export function eventFromRow(row: Row): WatchEvent {
  const kv = Object.freeze(kvFromRow(row))
  if (row.created === 1 && row.deleted === 0) return Object.freeze({ type: 'create', kv, revision: row.id })
  const prevKv = Object.freeze({
    key: row.name,
    value: row.deleted === 1 ? row.value : (row.old_value ?? ''),
    createRevision: row.create_revision,
    modRevision: row.prev_revision,
  })
  return Object.freeze({ type: row.deleted === 1 ? 'delete' : 'update', kv, prevKv, revision: row.id })
}
