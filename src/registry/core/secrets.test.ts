import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fieldErrorMessage } from '../../apis/validation.js'
import { base64ErrorOffset, secretsResource as d, type SecretObj } from './secrets.js'

const now = new Date('2025-01-01T12:00:00Z')
const secret = (extra: Record<string, unknown>): SecretObj => {
  const s = { metadata: { name: 's', namespace: 'default', creationTimestamp: '2025-01-01T11:58:00Z' }, ...extra } as unknown as SecretObj
  d.defaults!(s)
  return s
}

test('discovery facts', () => {
  assert.deepEqual([d.kind, d.resource, d.singular, d.namespaced, d.shortNames], ['Secret', 'secrets', 'secret', true, undefined])
})

test('stringData folds into data; type defaults to Opaque', () => {
  const s = secret({ data: { a: 'eA==' }, stringData: { b: 'hello', a: 'y' } })
  assert.deepEqual([s.data, (s as Record<string, unknown>).stringData, s.type], [{ a: 'eQ==', b: 'aGVsbG8=' }, undefined, 'Opaque'])
  assert.deepEqual(d.validate!(s), [])
})

test('base64 and type-specific validation', () => {
  assert.deepEqual([base64ErrorOffset('aGVsbG8='), base64ErrorOffset('abc'), base64ErrorOffset('ab!d'), base64ErrorOffset('')], [-1, 0, 2, -1])
  assert.deepEqual(d.validate!(secret({ data: { a: 'not base64!' } })).map(fieldErrorMessage), ['data[a]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3'])
  assert.deepEqual(d.validate!(secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': '' } })).map(fieldErrorMessage), ['data[tls.key]: Required value'])
  assert.deepEqual(d.validate!(secret({ type: 'kubernetes.io/basic-auth' })).map(fieldErrorMessage), ['data[username]: Required value', 'data[password]: Required value'])
})

test('update: type and immutable data', () => {
  const old = secret({ data: { a: 'eA==' }, immutable: true })
  assert.deepEqual(d.validateUpdate!(secret({ type: 'kubernetes.io/tls', data: { a: 'eA==' }, immutable: true }), old).map(fieldErrorMessage).slice(0, 1), ['type: Invalid value: "kubernetes.io/tls": field is immutable'])
  assert.deepEqual(d.validateUpdate!(secret({ data: { a: 'eQ==' }, immutable: true }), old).map(fieldErrorMessage), ['data: Forbidden: field is immutable when `immutable` is set'])
})

test('table', () => {
  assert.deepEqual(d.table.columns.map((c) => c.name), ['Name', 'Type', 'Data', 'Age'])
  assert.deepEqual(d.table.cells(secret({ data: { a: 'eA==', b: 'eA==' } }), now), ['s', 'Opaque', 2, '2m'])
  assert.equal(d.fieldSelectors!.type(secret({})), 'Opaque')
})
