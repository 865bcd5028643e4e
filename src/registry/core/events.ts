// core/v1 Event (upstream pkg/registry/core/event/strategy.go, legacyValidateEvent for v1
// requests). Its validation and printer are shared with events.k8s.io/v1 (registry/events/), as
// upstream's are.
import type { Event } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import type { ResourceDef } from '../types.js'
import { eventTable } from '../events/table.js'
import { legacyValidateEvent } from '../events/validation.js'
import { str } from './util.js'

export type EventObj = StoredObject & Event

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

  validate: (ev) => legacyValidateEvent(ev, 'reportingComponent'),

  // One printer for both Event APIs, as upstream has.
  table: eventTable,
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
