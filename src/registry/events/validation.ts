// Event validation as the events.k8s.io/v1 API applies it (pkg/apis/core/validation/events.go:
// ValidateEventCreate/Update with a non-core request version). It runs on the internal (core)
// form, so field paths use core names: involvedObject, message, reportingController, ...
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { invalid, isDNS1123Subdomain, isQualifiedName, required } from '../../apis/validation.js'
import { goInvalid, goQuote } from '../apps/gosyntax.js'
import { semanticEqual } from '../apps/workload.js'
import { toCoreEvent } from './convert.js'
import { isObj } from '../../lib/guards.js'

type Obj = Record<string, unknown>
const str = (v: unknown) => (typeof v === 'string' ? v : '')
const isZeroTime = (v: unknown) => typeof v !== 'string' || v === '' || v.startsWith('0001-01-01T00:00:00')

const limits = { reportingInstance: 128, action: 128, reason: 128, note: 1024 }

/**
 * legacyValidateEvent, on the core form, for both Event APIs: core/v1 requests name the controller
 * field `reportingComponent` (their own name for it), events.k8s.io/v1 requests `reportingController`.
 */
export function legacyValidateEvent(e: StoredObject, reportingControllerField: 'reportingController' | 'reportingComponent' = 'reportingController'): FieldError[] {
  const errs: FieldError[] = []
  const ns = e.metadata.namespace ?? ''
  const ref = isObj(e.involvedObject) ? e.involvedObject : {}
  const refNs = str(ref.namespace)
  if (isZeroTime(e.eventTime)) {
    if (refNs === '' ? ns !== '' && ns !== 'default' : ns !== refNs) errs.push(invalid('involvedObject.namespace', refNs, 'does not match event.namespace'))
  } else {
    if (refNs === '' && ns !== 'default' && ns !== 'kube-system') errs.push(invalid('involvedObject.namespace', refNs, 'does not match event.namespace'))
    const controller = str(e.reportingComponent)
    if (controller === '') errs.push(required(reportingControllerField))
    for (const msg of isQualifiedName(controller)) errs.push(invalid(reportingControllerField, controller, msg))
    const instance = str(e.reportingInstance)
    if (instance === '') errs.push(required('reportingInstance'))
    if (instance.length > limits.reportingInstance) errs.push(invalid('reportingInstance', '', `can have at most ${limits.reportingInstance} characters`))
    const action = str(e.action)
    if (action === '') errs.push(required('action'))
    if (action.length > limits.action) errs.push(invalid('action', '', `can have at most ${limits.action} characters`))
    const reason = str(e.reason)
    if (reason === '') errs.push(required('reason'))
    if (reason.length > limits.reason) errs.push(invalid('reason', '', `can have at most ${limits.reason} characters`))
    if (str(e.message).length > limits.note) errs.push(invalid('message', '', `can have at most ${limits.note} characters`))
  }
  for (const msg of isDNS1123Subdomain(ns)) errs.push(invalid('namespace', ns, msg))
  return errs
}

function validateSeries(e: StoredObject): FieldError[] {
  if (!isObj(e.series)) return []
  const errs: FieldError[] = []
  if (!(typeof e.series.count === 'number' && e.series.count >= 2)) errs.push(invalid('series.count', '', 'should be at least 2'))
  if (isZeroTime(e.series.lastObservedTime)) errs.push(required('series.lastObservedTime'))
  return errs
}

/** ValidateEventCreate for events.k8s.io/v1 (metadata is validated generically). */
export function validateEventsV1Create(obj: StoredObject): FieldError[] {
  const e = toCoreEvent(obj)
  const errs = [...legacyValidateEvent(e), ...validateSeries(e)]
  if (isZeroTime(e.eventTime)) errs.push(required('eventTime'))
  if (e.type !== 'Normal' && e.type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${str(e.type)}`))
  if (!isZeroTime(e.firstTimestamp)) errs.push(invalid('firstTimestamp', '', 'needs to be unset'))
  if (!isZeroTime(e.lastTimestamp)) errs.push(invalid('lastTimestamp', '', 'needs to be unset'))
  if (typeof e.count === 'number' && e.count !== 0) errs.push(invalid('count', '', 'needs to be unset'))
  const source = isObj(e.source) ? e.source : {}
  if (str(source.component) !== '' || str(source.host) !== '') errs.push(invalid('source', '', 'needs to be unset'))
  return errs
}

/** Go's time.Time.String() in UTC: `2026-01-02 15:04:05.123456 +0000 UTC`. */
export function goTimeString(t: unknown): string {
  const ms = typeof t === 'string' ? Date.parse(t) : NaN
  if (isZeroTime(t) || Number.isNaN(ms)) return '0001-01-01 00:00:00 +0000 UTC'
  const frac = /\.(\d+)/.exec(typeof t === 'string' ? t : '')?.[1]?.replace(/0+$/, '')
  const base = new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
  return `${base}${frac ? `.${frac}` : ''} +0000 UTC`
}

function goObjectReference(ref: unknown): string {
  const r = isObj(ref) ? ref : {}
  const f = (k: string) => goQuote(str(r[k]))
  return `core.ObjectReference{Kind:${f('kind')}, Namespace:${f('namespace')}, Name:${f('name')}, UID:${f('uid')}, APIVersion:${f('apiVersion')}, ResourceVersion:${f('resourceVersion')}, FieldPath:${f('fieldPath')}}`
}

function goEventSource(src: unknown): string {
  const s = isObj(src) ? src : {}
  return `core.EventSource{Component:${goQuote(str(s.component))}, Host:${goQuote(str(s.host))}}`
}

const sameTime = (a: unknown, b: unknown) => (isZeroTime(a) && isZeroTime(b)) || (!isZeroTime(a) && !isZeroTime(b) && Date.parse(a as string) === Date.parse(b as string))

/** ValidateEventUpdate for events.k8s.io/v1: legacy checks, series, then the immutable fields. */
export function validateEventsV1Update(obj: StoredObject, oldObj: StoredObject): FieldError[] {
  const e = toCoreEvent(obj)
  const o = toCoreEvent(oldObj)
  const errs = legacyValidateEvent(e)
  if (!semanticEqual(e.series ?? null, o.series ?? null)) errs.push(...validateSeries(e))
  const immutable = 'field is immutable'
  const strField = (path: string, key: string) => {
    if (str(e[key]) !== str(o[key])) errs.push(invalid(path, str(e[key]), immutable))
  }
  if (!semanticEqual(e.involvedObject ?? {}, o.involvedObject ?? {})) errs.push(goInvalid('involvedObject', e.involvedObject, goObjectReference(e.involvedObject), immutable))
  strField('reason', 'reason')
  strField('message', 'message')
  if (!semanticEqual(e.source ?? {}, o.source ?? {})) errs.push(goInvalid('source', e.source, goEventSource(e.source), immutable))
  if (!sameTime(e.firstTimestamp, o.firstTimestamp)) errs.push(goInvalid('firstTimestamp', e.firstTimestamp, goTimeString(e.firstTimestamp), immutable))
  if (!sameTime(e.lastTimestamp, o.lastTimestamp)) errs.push(goInvalid('lastTimestamp', e.lastTimestamp, goTimeString(e.lastTimestamp), immutable))
  if ((e.count ?? 0) !== (o.count ?? 0)) errs.push(invalid('count', e.count ?? 0, immutable))
  // Upstream checks reason twice, so a changed reason is reported twice.
  strField('reason', 'reason')
  strField('type', 'type')
  if (!sameTime(e.eventTime, o.eventTime)) errs.push(goInvalid('eventTime', e.eventTime, goTimeString(e.eventTime), immutable))
  strField('action', 'action')
  if (!semanticEqual(e.related ?? null, o.related ?? null))
    errs.push(goInvalid('related', e.related ?? null, e.related ? goObjectReference(e.related) : 'null', immutable))
  strField('reportingController', 'reportingComponent')
  strField('reportingInstance', 'reportingInstance')
  return errs
}
