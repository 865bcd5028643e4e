// events.k8s.io/v1 Event: another API version of the core/v1 events, stored as those.
import { isDNS1123Subdomain } from '../../apis/validation.js'
import type { StoredObject } from '../../apis/meta.js'
import type { ResourceDef } from '../types.js'
import { asCoreEvent, fromCoreEvent, toCoreEvent } from './convert.js'
import { eventTable } from './table.js'
import { validateEventsV1Create, validateEventsV1Update } from './validation.js'
import { isObj } from '../../lib/guards.js'

type Obj = Record<string, unknown>
const str = (v: unknown) => (typeof v === 'string' ? v : '')

const ref = (key: string) => (obj: StoredObject) => {
  const r = asCoreEvent(obj).involvedObject
  return isObj(r) ? str(r[key]) : ''
}

/**
 * AddFieldLabelConversionsForEvent (pkg/apis/events/v1/conversion.go) maps these onto the core
 * selectable fields (pkg/registry/core/event/strategy.go ToSelectableFields).
 */
export const eventsV1FieldSelectors: Record<string, (obj: StoredObject) => string> = {
  reason: (obj) => str(asCoreEvent(obj).reason),
  'regarding.kind': ref('kind'),
  'regarding.namespace': ref('namespace'),
  'regarding.name': ref('name'),
  'regarding.uid': ref('uid'),
  'regarding.apiVersion': ref('apiVersion'),
  'regarding.resourceVersion': ref('resourceVersion'),
  'regarding.fieldPath': ref('fieldPath'),
  reportingController: (obj) => str(asCoreEvent(obj).reportingComponent),
  source: (obj) => {
    const e = asCoreEvent(obj)
    return (isObj(e.source) ? str(e.source.component) : '') || str(e.reportingComponent)
  },
  type: (obj) => str(asCoreEvent(obj).type),
}

export const eventsV1: ResourceDef = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  resource: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  nameValidator: isDNS1123Subdomain,
  storage: { group: '', resource: 'events', toStorage: toCoreEvent, fromStorage: fromCoreEvent },
  validate: validateEventsV1Create,
  validateUpdate: validateEventsV1Update,
  table: eventTable,
  fieldSelectors: eventsV1FieldSelectors,
}
