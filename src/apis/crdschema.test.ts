import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { crdSchemaV2, pruneAndDefault, validateAgainstSchema } from './crdschema.js'
import { fieldErrorMessage } from './validation.js'
import type { Schema } from './schema.js'

const schema = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', pattern: '^[a-z]+$' },
        replicas: { type: 'integer', minimum: 0 },
        surge: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
        mode: { type: 'string', enum: ['A', 'B'] },
        protocol: { type: 'string', default: 'TCP' },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        steps: { type: 'array', items: { type: 'object', properties: { setWeight: { type: 'integer' } } } },
      },
    },
  },
} as unknown as Schema

describe('CRD schema validation (kube-openapi wording)', () => {
  it('reports type, required, enum, minimum and pattern errors with their field paths', () => {
    const errs = validateAgainstSchema({ spec: { name: 'Bad', replicas: -1, surge: true, mode: 'C', steps: [{ setWeight: 'x' }] } }, schema)
    assert.deepEqual(errs.map(fieldErrorMessage), [
      `spec.name: Invalid value: "Bad": spec.name in body should match '^[a-z]+$'`,
      'spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0',
      'spec.surge: Invalid value: "boolean": spec.surge in body must be of type integer,string: "boolean"',
      'spec.mode: Unsupported value: "C": supported values: "A", "B"',
      'spec.steps[0].setWeight: Invalid value: "string": spec.steps[0].setWeight in body must be of type integer: "string"',
    ])
    assert.deepEqual(validateAgainstSchema({ spec: {} }, schema).map(fieldErrorMessage), ['spec.name: Required value'])
    assert.deepEqual(validateAgainstSchema({}, schema).map(fieldErrorMessage), ['spec: Required value'])
    assert.deepEqual(validateAgainstSchema({ spec: { name: 'ok', surge: '25%', free: { any: [1] }, labels: { a: 'b' } } }, schema), [])
  })

  it('prunes unknown fields and non-nullable nulls, keeps preserved ones, fills defaults', () => {
    const obj = { apiVersion: 'x/v1', kind: 'K', metadata: { name: 'n' }, status: { x: 1 }, spec: { name: 'a', bogus: 1, replicas: null, free: { any: 1 }, labels: { a: 'b' } } }
    pruneAndDefault(obj, schema)
    assert.deepEqual(obj, { apiVersion: 'x/v1', kind: 'K', metadata: { name: 'n' }, spec: { name: 'a', free: { any: 1 }, labels: { a: 'b' }, protocol: 'TCP' } })
  })

  it('publishes v2 without anyOf', () => {
    const v2 = crdSchemaV2(schema) as unknown as { properties: { spec: { properties: { surge: Record<string, unknown> } } } }
    assert.deepEqual(v2.properties.spec.properties.surge, { 'x-kubernetes-int-or-string': true })
  })
})
