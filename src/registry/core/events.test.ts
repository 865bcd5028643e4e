import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fieldErrorMessage } from '../../apis/validation.js'
import { eventsResource as d, type EventObj } from './events.js'

const now = new Date('2025-01-01T12:00:00Z')
const ev = (extra: Record<string, unknown>): EventObj => ({
  metadata: { name: 'web-abc.17a', namespace: 'default', creationTimestamp: '2025-01-01T11:50:00Z' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-abc', uid: 'u1', apiVersion: 'v1', fieldPath: 'spec.containers{web}' },
  reason: 'Pulled', message: 'Successfully pulled image "x"\n', type: 'Normal', source: { component: 'kubelet', host: 'kubelite-1' },
  firstTimestamp: '2025-01-01T11:50:00Z', lastTimestamp: '2025-01-01T11:55:00Z', count: 3,
  ...extra,
}) as unknown as EventObj

test('discovery facts', () => {
  assert.deepEqual([d.kind, d.resource, d.singular, d.namespaced, d.shortNames], ['Event', 'events', 'event', true, ['ev']])
  assert.deepEqual(d.nameValidator('web-abc.17a8b:odd'), [])
})

test('columns', () => {
  assert.deepEqual(d.table.columns.map((c) => [c.name, c.priority, c.format]), [
    ['Last Seen', 0, ''], ['Type', 0, ''], ['Reason', 0, ''], ['Object', 0, ''], ['Subobject', 1, ''], ['Source', 1, ''],
    ['Message', 0, ''], ['First Seen', 1, ''], ['Count', 1, ''], ['Name', 1, 'name'],
  ])
})

test('cells: classic, eventTime-only and series events', () => {
  assert.deepEqual(d.table.cells(ev({}), now), ['5m', 'Normal', 'Pulled', 'pod/web-abc', 'spec.containers{web}', 'kubelet, kubelite-1', 'Successfully pulled image "x"', '10m', 3, 'web-abc.17a'])
  const modern = ev({ firstTimestamp: null, lastTimestamp: null, count: 0, source: {}, eventTime: '2025-01-01T11:59:00.123456Z', reportingComponent: 'deployment-controller', reportingInstance: '' })
  assert.deepEqual(d.table.cells(modern, now), ['59s', 'Normal', 'Pulled', 'pod/web-abc', 'spec.containers{web}', 'deployment-controller', 'Successfully pulled image "x"', '59s', 1, 'web-abc.17a'])
  const series = ev({ series: { count: 7, lastObservedTime: '2025-01-01T11:58:00.000000Z' } })
  assert.deepEqual([d.table.cells(series, now)[0], d.table.cells(series, now)[8]], ['2m', 7])
  assert.equal(d.table.cells(ev({ involvedObject: { kind: 'Node' } }), now)[3], 'node')
})

test('validation', () => {
  assert.deepEqual(d.validate!(ev({})), [])
  assert.deepEqual(d.validate!(ev({ involvedObject: { kind: 'Pod', namespace: 'other', name: 'x' } })).map(fieldErrorMessage), ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'])
  assert.deepEqual(d.validate!(ev({ eventTime: '2025-01-01T11:59:00.000000Z' })).map(fieldErrorMessage), [
    'reportingComponent: Required value',
    'reportingComponent: Invalid value: "": name part must be non-empty',
    `reportingComponent: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    'reportingInstance: Required value',
    'action: Required value',
  ])
})

test('field selectors', () => {
  const f = d.fieldSelectors!
  const e = ev({})
  assert.deepEqual(['involvedObject.kind', 'involvedObject.name', 'involvedObject.uid', 'reason', 'source', 'type'].map((k) => f[k](e)), ['Pod', 'web-abc', 'u1', 'Pulled', 'kubelet', 'Normal'])
})
