// core/v1 Event (upstream pkg/registry/core/event/strategy.go, legacyValidateEvent for v1
// requests, and printEvent with its LAST SEEN / COUNT rules for series and eventTime).
import type { Event } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { invalid, isDNS1123Subdomain, isQualifiedName, required, type FieldError } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef } from '../types.js'
import { column, nameColumn } from '../columns.js'
import { docs } from './docs.js'
import { objOf, str } from './util.js'

export type EventObj = StoredObject & Event

const limits = { reportingInstance: 128, action: 128, reason: 128, note: 1024 }

function validateEvent(ev: EventObj): FieldError[] {
  const errs: FieldError[] = []
  const involved = objOf(ev.involvedObject)
  const involvedNs = str(involved.namespace)
  const ns = ev.metadata.namespace ?? ''
  const mismatch = () => invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace')
  if (!ev.eventTime) {
    if (involvedNs === '') {
      if (ns !== '' && ns !== 'default') errs.push(mismatch())
    } else if (ns !== involvedNs) errs.push(mismatch())
  } else {
    if (involvedNs === '' && ns !== 'default' && ns !== 'kube-system') errs.push(mismatch())
    const controller = str(ev.reportingComponent)
    if (controller === '') errs.push(required('reportingComponent'))
    for (const m of isQualifiedName(controller)) errs.push(invalid('reportingComponent', controller, m))
    const instance = str(ev.reportingInstance)
    if (instance === '') errs.push(required('reportingInstance'))
    if (instance.length > limits.reportingInstance) errs.push(invalid('reportingInstance', '', `can have at most ${limits.reportingInstance} characters`))
    const action = str(ev.action)
    if (action === '') errs.push(required('action'))
    if (action.length > limits.action) errs.push(invalid('action', '', `can have at most ${limits.action} characters`))
    const reason = str(ev.reason)
    if (reason === '') errs.push(required('reason'))
    if (reason.length > limits.reason) errs.push(invalid('reason', '', `can have at most ${limits.reason} characters`))
    if (str(ev.message).length > limits.note) errs.push(invalid('message', '', `can have at most ${limits.note} characters`))
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(invalid('namespace', ns, m))
  return errs
}

/** `component, host`, falling back to reportingController / reportingInstance (formatEventSource). */
export function formatEventSource(ev: EventObj): string {
  const component = str(ev.source?.component) || str(ev.reportingComponent)
  const instance = str(ev.source?.host) || str(ev.reportingInstance)
  if (!component) return ''
  return instance ? `${component}, ${instance}` : component
}

export interface EventTimes {
  lastSeen: string
  firstSeen: string
  count: number
}

/**
 * FIRST SEEN is firstTimestamp, else eventTime; LAST SEEN is lastTimestamp, else first seen; a
 * series overrides both last seen and count; a count of 0 (new-style singleton) shows as 1.
 */
export function eventTimes(ev: EventObj, now: Date): EventTimes {
  const firstSeen = ev.firstTimestamp ? age(ev.firstTimestamp, now) : age(ev.eventTime, now)
  let lastSeen = ev.lastTimestamp ? age(ev.lastTimestamp, now) : firstSeen
  let count = typeof ev.count === 'number' ? ev.count : 0
  if (ev.series) {
    lastSeen = age(ev.series.lastObservedTime, now)
    count = ev.series.count ?? 0
  } else if (count === 0) count = 1
  return { lastSeen, firstSeen, count }
}

export const eventsResource: ResourceDef<EventObj> = {
  group: '',
  version: 'v1',
  kind: 'Event',
  resource: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  // Event names are not validated upstream (legacy validation skips ObjectMeta names).
  nameValidator: () => [],

  validate: validateEvent,

  table: {
    columns: [
      column('Last Seen', 'string', docs.eventLastTimestamp),
      column('Type', 'string', docs.eventType),
      column('Reason', 'string', docs.eventReason),
      column('Object', 'string', docs.eventInvolvedObject),
      column('Subobject', 'string', docs.fieldPath, true),
      column('Source', 'string', docs.eventSource, true),
      column('Message', 'string', docs.eventMessage),
      column('First Seen', 'string', docs.eventFirstTimestamp, true),
      column('Count', 'string', docs.eventCount, true),
      { ...nameColumn, priority: 1 },
    ],
    cells(ev, now) {
      const t = eventTimes(ev, now)
      const involved = objOf(ev.involvedObject)
      const kind = str(involved.kind).toLowerCase()
      const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind
      return [t.lastSeen, str(ev.type), str(ev.reason), target, str(involved.fieldPath), formatEventSource(ev), str(ev.message).trim(), t.firstSeen, t.count, ev.metadata.name]
    },
  },
  fieldSelectors: {
    'involvedObject.kind': (ev) => str(ev.involvedObject?.kind),
    'involvedObject.namespace': (ev) => str(ev.involvedObject?.namespace),
    'involvedObject.name': (ev) => str(ev.involvedObject?.name),
    'involvedObject.uid': (ev) => str(ev.involvedObject?.uid),
    'involvedObject.apiVersion': (ev) => str(ev.involvedObject?.apiVersion),
    'involvedObject.resourceVersion': (ev) => str(ev.involvedObject?.resourceVersion),
    'involvedObject.fieldPath': (ev) => str(ev.involvedObject?.fieldPath),
    reason: (ev) => str(ev.reason),
    reportingComponent: (ev) => str(ev.reportingComponent),
    source: (ev) => str(ev.source?.component) || str(ev.reportingComponent),
    type: (ev) => str(ev.type),
  },
}
