import assert from 'node:assert/strict'
import { test } from 'node:test'
import { validateCelRules } from './cel.js'
import type { Schema } from './schema.js'
import { fieldErrorMessage } from './validation.js'

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        max: { type: 'integer' },
        mode: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'mode is immutable' }] },
        tpp: { type: 'object' },
        cloud: { type: 'object' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', messageExpression: '"port may only grow, not to " + string(self)' }] } } },
        },
      },
      'x-kubernetes-validations': [
        { rule: 'self.replicas <= self.max', message: 'replicas may not exceed max' },
        { rule: '(has(self.tpp) ? 1 : 0) + (has(self.cloud) ? 1 : 0) == 1', message: 'exactly one of tpp or cloud must be configured', fieldPath: '.tpp' },
        { rule: "!has(self.mode) || self.mode != 'off'", reason: 'FieldValueForbidden', message: 'mode off is not allowed here' },
      ],
    },
  },
} as unknown as Schema

const msgs = (obj: unknown, old?: unknown) => validateCelRules(obj, schema, old).map(fieldErrorMessage)

test('rules at a node see self; a false one is reported with its message, fieldPath and reason', () => {
  assert.deepEqual(msgs({ spec: { replicas: 1, max: 2, tpp: {} } }), [])
  assert.deepEqual(msgs({ spec: { replicas: 3, max: 2, tpp: {}, cloud: {}, mode: 'off' } }), [
    'spec: Invalid value: "object": replicas may not exceed max',
    'spec.tpp: Invalid value: "object": exactly one of tpp or cloud must be configured',
    'spec: Forbidden: mode off is not allowed here',
  ])
})

test('transition rules run only on update, against the correlated old value', () => {
  assert.deepEqual(msgs({ spec: { replicas: 1, max: 1, tpp: {}, mode: 'a' } }), [], 'no oldSelf on create')
  assert.deepEqual(msgs({ spec: { replicas: 1, max: 1, tpp: {}, mode: 'b' } }, { spec: { mode: 'a' } }), ['spec.mode: Invalid value: "string": mode is immutable'])
  const ports = (a: number, b: number) => ({ spec: { replicas: 1, max: 1, tpp: {}, ports: [{ name: 'x', port: a }, { name: 'y', port: b }] } })
  assert.deepEqual(msgs(ports(80, 70), { spec: { ports: [{ name: 'y', port: 71 }, { name: 'x', port: 80 }] } }), ['spec.ports[1].port: Invalid value: "integer": port may only grow, not to 70'])
})

test('an error while evaluating is reported, never thrown', () => {
  const bad = { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.missing > 1' }, { rule: 'this is not cel' }] } as unknown as Schema
  const out = validateCelRules({ a: 1 }, bad).map(fieldErrorMessage)
  assert.equal(out.length, 2)
  assert.match(out[0], /^<nil>: Invalid value: "object": .*evaluating rule: self.missing > 1$/)
})
