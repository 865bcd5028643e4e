// events.k8s.io/v1 Event ↔ core/v1 Event, the stored form (upstream:
// pkg/apis/events/v1/conversion.go through the internal type). Field order and the empty values
// follow the Go structs' JSON tags: zero times marshal as null, `source`/`regarding` always appear,
// core's `reportingComponent`/`reportingInstance` have no omitempty.
import type { StoredObject } from '../../apis/meta.js'
import { isObj } from '../../lib/guards.js'

type Obj = Record<string, unknown>

/** Adds key only when the value is set (omitempty of strings, numbers and pointers). */
function put(out: Obj, key: string, v: unknown): void {
  if (v === undefined || v === null || v === '' || v === 0) return
  out[key] = v
}

const orNull = (v: unknown) => (v === undefined || v === '' ? null : v)
const str = (v: unknown) => (typeof v === 'string' ? v : '')

/** events.k8s.io/v1 → core/v1 (what is stored). */
export function toCoreEvent(ev: StoredObject): StoredObject {
  const out: Obj = { apiVersion: 'v1', kind: 'Event', metadata: ev.metadata }
  out.involvedObject = isObj(ev.regarding) ? ev.regarding : {}
  put(out, 'reason', ev.reason)
  put(out, 'message', ev.note)
  out.source = isObj(ev.deprecatedSource) ? ev.deprecatedSource : {}
  out.firstTimestamp = orNull(ev.deprecatedFirstTimestamp)
  out.lastTimestamp = orNull(ev.deprecatedLastTimestamp)
  put(out, 'count', ev.deprecatedCount)
  put(out, 'type', ev.type)
  out.eventTime = orNull(ev.eventTime)
  put(out, 'series', ev.series)
  put(out, 'action', ev.action)
  put(out, 'related', ev.related)
  out.reportingComponent = str(ev.reportingController)
  out.reportingInstance = str(ev.reportingInstance)
  return out as StoredObject
}

/** core/v1 → events.k8s.io/v1. */
export function fromCoreEvent(core: StoredObject): StoredObject {
  const out: Obj = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: core.metadata }
  out.eventTime = orNull(core.eventTime)
  put(out, 'series', core.series)
  put(out, 'reportingController', core.reportingComponent)
  put(out, 'reportingInstance', core.reportingInstance)
  put(out, 'action', core.action)
  put(out, 'reason', core.reason)
  out.regarding = isObj(core.involvedObject) ? core.involvedObject : {}
  put(out, 'related', core.related)
  put(out, 'note', core.message)
  put(out, 'type', core.type)
  out.deprecatedSource = isObj(core.source) ? core.source : {}
  out.deprecatedFirstTimestamp = orNull(core.firstTimestamp)
  out.deprecatedLastTimestamp = orNull(core.lastTimestamp)
  put(out, 'deprecatedCount', core.count)
  return out as StoredObject
}

/** The core form of either version (objects handed to us may already be stored ones). */
export function asCoreEvent(obj: StoredObject): StoredObject {
  return obj.apiVersion === 'v1' || 'involvedObject' in obj ? obj : toCoreEvent(obj)
}
