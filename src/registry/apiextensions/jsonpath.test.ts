import assert from 'node:assert/strict'
import { test } from 'node:test'
import { evalJsonPath } from './jsonpath.js'

const obj = {
  metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'web' } },
  spec: { replicas: 3, containers: [{ name: 'c1', image: 'i1' }, { name: 'c2', image: 'i2' }] },
  status: { conditions: [{ type: 'Issuing', status: 'False' }, { type: 'Ready', status: 'True', message: 'ok' }] },
}

test('fields, indexes, wildcards and quoted keys, as printer columns use them', () => {
  assert.deepEqual(evalJsonPath(obj, '.spec.replicas'), [3])
  assert.deepEqual(evalJsonPath(obj, '{.spec.containers[1].image}'), ['i2'])
  assert.deepEqual(evalJsonPath(obj, '.spec.containers[-1].name'), ['c2'])
  assert.deepEqual(evalJsonPath(obj, '.spec.containers[*].name'), ['c1', 'c2'])
  assert.deepEqual(evalJsonPath(obj, ".metadata.labels['app.kubernetes.io/name']"), ['web'])
  assert.deepEqual(evalJsonPath(obj, '.spec.missing'), [])
  assert.deepEqual(evalJsonPath(obj, '.spec.containers[5].name'), [])
})

test('filters, as cert-manager\'s READY column uses them', () => {
  assert.deepEqual(evalJsonPath(obj, '.status.conditions[?(@.type=="Ready")].status'), ['True'])
  assert.deepEqual(evalJsonPath(obj, ".status.conditions[?(@.type=='Ready')].message"), ['ok'])
  assert.deepEqual(evalJsonPath(obj, '.status.conditions[?(@.type!="Ready")].type'), ['Issuing'])
  assert.deepEqual(evalJsonPath(obj, '.status.conditions[?(@.message)].type'), ['Ready'])
  assert.deepEqual(evalJsonPath({}, '.status.conditions[?(@.type=="Ready")].status'), [])
})

test('a path it cannot parse selects nothing instead of throwing', () => {
  assert.deepEqual(evalJsonPath(obj, '.spec[unclosed'), [])
  assert.deepEqual(evalJsonPath(obj, '.spec.containers[?(junk)]'), [])
})
