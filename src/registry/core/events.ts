// core/v1 Event (upstream pkg/registry/core/event/strategy.go, legacyValidateEvent for v1
// requests). Its printer is shared with events.k8s.io/v1 (registry/events/table.ts), as upstream's is.
import type { Event } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { invalid, isDNS1123Subdomain, isQualifiedName, required, type FieldError } from '../../apis/validation.js'
import type { ResourceDef } from '../types.js'
import { eventTable } from '../events/table.js'
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
