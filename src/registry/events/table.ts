// printEvent (pkg/printers/internalversion/printers.go): events.k8s.io events are served from the
// core event storage with the core printer, so both APIs print the same cells. The server prints
// wide; kubectl hides the priority-1 columns.
import type { StoredObject } from '../../apis/meta.js'
import { age } from '../../lib/duration.js'
import { nameDescription } from '../columns.js'
import type { TableColumn, TableDef } from '../types.js'
import { asCoreEvent } from './convert.js'
import { isObj } from '../../lib/guards.js'

type Obj = Record<string, unknown>
const str = (v: unknown) => (typeof v === 'string' ? v : '')
const isZeroTime = (v: unknown) => typeof v !== 'string' || v === '' || v.startsWith('0001-01-01T00:00:00')

const col = (name: string, description: string, priority: 0 | 1, format: '' | 'name' = ''): TableColumn => ({ name, type: 'string', format, description, priority })

export const eventColumns: TableColumn[] = [
  col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.', 0),
  col('Type', 'Type of this event (Normal, Warning), new types could be added in the future', 0),
  col('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", 0),
  col('Object', 'The object that this event is about.', 0),
  col(
    'Subobject',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
    1,
  ),
  col('Source', 'The component reporting this event. Should be a short machine understandable string.', 1),
  col('Message', 'A human-readable description of the status of this operation.', 0),
  col('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
  col('Count', 'The number of times this event has occurred.', 1),
  col(
    'Name',
    nameDescription,
    1,
    'name',
  ),
]

const since = (t: unknown, now: Date) => (isZeroTime(t) ? '<unknown>' : age(t as string, now))

/** One event's cells, from either API version. */
export function eventCells(obj: StoredObject, now: Date): unknown[] {
  const e = asCoreEvent(obj)
  const first = isZeroTime(e.firstTimestamp) ? since(e.eventTime, now) : since(e.firstTimestamp, now)
  let last = isZeroTime(e.lastTimestamp) ? first : since(e.lastTimestamp, now)
  let count = typeof e.count === 'number' ? e.count : 0
  if (isObj(e.series)) {
    last = since(e.series.lastObservedTime, now)
    count = typeof e.series.count === 'number' ? e.series.count : 0
  } else if (count === 0) {
    // Singleton events of the new API carry no count.
    count = 1
  }
  const ref = isObj(e.involvedObject) ? e.involvedObject : {}
  const kind = str(ref.kind).toLowerCase()
  const target = str(ref.name) ? `${kind}/${str(ref.name)}` : kind
  const source = isObj(e.source) ? e.source : {}
  const component = str(source.component) || str(e.reportingComponent)
  const host = str(source.host) || str(e.reportingInstance)
  return [
    last,
    str(e.type),
    str(e.reason),
    target,
    str(ref.fieldPath),
    host ? `${component}, ${host}` : component,
    str(e.message).trim(),
    first,
    count,
    e.metadata.name ?? '',
  ]
}

export const eventTable: TableDef = { columns: eventColumns, cells: eventCells }
