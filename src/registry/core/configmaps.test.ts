import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fieldErrorMessage } from '../../apis/validation.js'
import { configMapsResource as d, type ConfigMapObj } from './configmaps.js'

const now = new Date('2025-01-01T12:00:00Z')
const cm = (extra: Record<string, unknown>): ConfigMapObj => ({ metadata: { name: 'cfg', namespace: 'default', creationTimestamp: '2025-01-01T11:00:00Z' }, ...extra }) as unknown as ConfigMapObj

test('discovery facts', () => {
  assert.deepEqual([d.kind, d.resource, d.singular, d.namespaced, d.shortNames], ['ConfigMap', 'configmaps', 'configmap', true, ['cm']])
})

test('key validation', () => {
  assert.deepEqual(d.validate!(cm({ data: { 'app.properties': 'x', ok_key: 'y' } })), [])
  assert.deepEqual(d.validate!(cm({ data: { 'a b': 'x', '..x': 'y' }, binaryData: { '..x': 'AA==' } })).map(fieldErrorMessage), [
    "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    "data[..x]: Invalid value: \"..x\": must not start with '..'",
    'data[..x]: Invalid value: "..x": duplicate of key present in binaryData',
    "binaryData[..x]: Invalid value: \"..x\": must not start with '..'",
  ])
})

test('immutable configmaps', () => {
  const old = cm({ data: { a: '1' }, immutable: true })
  assert.deepEqual(d.validateUpdate!(cm({ data: { a: '2' }, immutable: true }), old).map(fieldErrorMessage), ['data: Forbidden: field is immutable when `immutable` is set'])
  assert.deepEqual(d.validateUpdate!(cm({ data: { a: '1' } }), old).map(fieldErrorMessage), ['immutable: Forbidden: field is immutable when `immutable` is set'])
  assert.deepEqual(d.validateUpdate!(cm({ data: { a: '1' }, immutable: true }), old), [])
})

test('table', () => {
  assert.deepEqual(d.table.columns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Data', 'string'], ['Age', 'string']])
  assert.deepEqual(d.table.cells(cm({ data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }), now), ['cfg', 3, '60m'])
})
