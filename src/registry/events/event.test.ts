import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { eventsV1 } from './event.js'
import { fromCoreEvent, toCoreEvent } from './convert.js'

const meta = { name: 'web.17f0a1b2c3d4', namespace: 'default', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' }

/** A core/v1 event as the deployment controller writes it (old API: timestamps and count). */
const coreEvent = (): StoredObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: structuredClone(meta),
  involvedObject: { kind: 'Deployment', namespace: 'default', name: 'web', uid: 'd1', apiVersion: 'apps/v1', resourceVersion: '42' },
  reason: 'ScalingReplicaSet',
  message: 'Scaled up replica set web-7d4b9c8f6d from 0 to 4',
  source: { component: 'deployment-controller' },
  firstTimestamp: '2026-01-01T00:00:00Z',
  lastTimestamp: '2026-01-01T00:01:00Z',
  count: 2,
  type: 'Normal',
  eventTime: null,
  reportingComponent: 'deployment-controller',
  reportingInstance: '',
})

/** An events.k8s.io/v1 event as a new-API client (scheduler) writes it. */
const v1Event = (): StoredObject => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: structuredClone(meta),
  eventTime: '2026-01-01T00:00:00.123456Z',
  series: { count: 3, lastObservedTime: '2026-01-01T00:02:00.000000Z' },
  reportingController: 'default-scheduler',
  reportingInstance: 'default-scheduler-node-1',
  action: 'Binding',
  reason: 'Scheduled',
  regarding: { kind: 'Pod', namespace: 'default', name: 'web-7d4b9c8f6d-abcde', uid: 'p1', apiVersion: 'v1' },
  related: { kind: 'Node', name: 'node-1', apiVersion: 'v1' },
  note: 'Successfully assigned default/web-7d4b9c8f6d-abcde to node-1',
  type: 'Normal',
  deprecatedSource: {},
  deprecatedFirstTimestamp: null,
  deprecatedLastTimestamp: null,
})

describe('events.k8s.io conversion', () => {
  it('core → events.k8s.io → core is lossless', () => {
    const v1 = fromCoreEvent(coreEvent())
    assert.deepEqual(v1, {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: meta,
      eventTime: null,
      reportingController: 'deployment-controller',
      reason: 'ScalingReplicaSet',
      regarding: coreEvent().involvedObject,
      note: 'Scaled up replica set web-7d4b9c8f6d from 0 to 4',
      type: 'Normal',
      deprecatedSource: { component: 'deployment-controller' },
      deprecatedFirstTimestamp: '2026-01-01T00:00:00Z',
      deprecatedLastTimestamp: '2026-01-01T00:01:00Z',
      deprecatedCount: 2,
    })
    assert.deepEqual(toCoreEvent(v1), coreEvent())
  })

  it('events.k8s.io → core → events.k8s.io is lossless', () => {
    const core = toCoreEvent(v1Event())
    assert.deepEqual(core, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: meta,
      involvedObject: v1Event().regarding,
      reason: 'Scheduled',
      message: 'Successfully assigned default/web-7d4b9c8f6d-abcde to node-1',
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      type: 'Normal',
      eventTime: '2026-01-01T00:00:00.123456Z',
      series: { count: 3, lastObservedTime: '2026-01-01T00:02:00.000000Z' },
      action: 'Binding',
      related: { kind: 'Node', name: 'node-1', apiVersion: 'v1' },
      reportingComponent: 'default-scheduler',
      reportingInstance: 'default-scheduler-node-1',
    })
    assert.deepEqual(fromCoreEvent(core), v1Event())
    assert.deepEqual(eventsV1.storage!.fromStorage(eventsV1.storage!.toStorage(v1Event())), v1Event())
    assert.deepEqual([eventsV1.storage!.group, eventsV1.storage!.resource], ['', 'events'])
  })
})

describe('events.k8s.io table and selectors', () => {
  const now = new Date('2026-01-01T00:05:00Z')
  it('prints the core event printer cells for either form', () => {
    const want = ['4m', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up replica set web-7d4b9c8f6d from 0 to 4', '5m', 2, meta.name]
    assert.deepEqual(eventsV1.table.cells(fromCoreEvent(coreEvent()), now), want)
    assert.deepEqual(eventsV1.table.cells(coreEvent(), now), want)
  })

  it('uses eventTime, series and reporting fields for new-API events', () => {
    assert.deepEqual(eventsV1.table.cells(v1Event(), now), [
      '3m',
      'Normal',
      'Scheduled',
      'pod/web-7d4b9c8f6d-abcde',
      '',
      'default-scheduler, default-scheduler-node-1',
      'Successfully assigned default/web-7d4b9c8f6d-abcde to node-1',
      // eventTime is 00:00:00.123456, so 4m59.88s have passed: Go truncates too.
      '4m59s',
      3,
      meta.name,
    ])
    const single = v1Event()
    delete single.series
    const cells = eventsV1.table.cells(single, now)
    assert.deepEqual([cells[0], cells[7], cells[8]], ['4m59s', '4m59s', 1])
    assert.deepEqual(
      eventsV1.table.columns.map((c) => `${c.name}:${c.priority}`),
      ['Last Seen:0', 'Type:0', 'Reason:0', 'Object:0', 'Subobject:1', 'Source:1', 'Message:0', 'First Seen:1', 'Count:1', 'Name:1'],
    )
  })

  it('field selectors as upstream maps them', () => {
    const f = eventsV1.fieldSelectors!
    const e = v1Event()
    assert.deepEqual(
      ['regarding.kind', 'regarding.name', 'regarding.uid', 'reason', 'type', 'reportingController', 'source'].map((k) => f[k](e)),
      ['Pod', 'web-7d4b9c8f6d-abcde', 'p1', 'Scheduled', 'Normal', 'default-scheduler', 'default-scheduler'],
    )
    assert.equal(f.source(fromCoreEvent(coreEvent())), 'deployment-controller')
    assert.equal('involvedObject.name' in f, false)
  })
})

describe('events.k8s.io validation', () => {
  it('accepts a well-formed new event', () => assert.deepEqual(eventsV1.validate!(v1Event()), []))

  it('rejects old-style fields and missing new ones', () => {
    const e = v1Event()
    e.eventTime = null
    e.type = 'Fatal'
    e.deprecatedCount = 2
    e.deprecatedSource = { component: 'x' }
    delete e.action
    e.series = { count: 1 }
    assert.deepEqual(eventsV1.validate!(e).map(fieldErrorMessage), [
      'series.count: Invalid value: "": should be at least 2',
      'series.lastObservedTime: Required value',
      'eventTime: Required value',
      'type: Invalid value: "": has invalid value: Fatal',
      'count: Invalid value: "": needs to be unset',
      'source: Invalid value: "": needs to be unset',
    ])
    const n = v1Event()
    delete n.action
    n.regarding = { kind: 'Pod', name: 'x' }
    n.metadata.namespace = 'apps'
    assert.deepEqual(eventsV1.validate!(n).map(fieldErrorMessage), [
      'involvedObject.namespace: Invalid value: "": does not match event.namespace',
      'action: Required value',
    ])
  })

  it('most fields are immutable on update', () => {
    const old = v1Event()
    const next = v1Event()
    next.reason = 'Moved'
    next.regarding = { ...(old.regarding as object), name: 'other' }
    next.series = { count: 4, lastObservedTime: '2026-01-01T00:03:00Z' }
    assert.deepEqual(eventsV1.validateUpdate!(next, old).map(fieldErrorMessage), [
      'involvedObject: Invalid value: core.ObjectReference{Kind:"Pod", Namespace:"default", Name:"other", UID:"p1", APIVersion:"v1", ResourceVersion:"", FieldPath:""}: field is immutable',
      'reason: Invalid value: "Moved": field is immutable',
      'reason: Invalid value: "Moved": field is immutable',
    ])
  })

  it('discovery facts', () => {
    assert.deepEqual(
      [eventsV1.group, eventsV1.version, eventsV1.kind, eventsV1.resource, eventsV1.singular, eventsV1.namespaced, eventsV1.shortNames, eventsV1.categories],
      ['events.k8s.io', 'v1', 'Event', 'events', 'event', true, ['ev'], undefined],
    )
  })
})
