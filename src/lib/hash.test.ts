import assert from 'node:assert/strict'
import { test } from 'node:test'
import { canonicalJSON, fnv32a, nameAlphabet, safeEncode, templateHash } from './hash.js'

test('fnv32a matches Go hash/fnv New32a', () => {
  // Reference values of the FNV-1a test vectors.
  assert.equal(fnv32a(''), 0x811c9dc5)
  assert.equal(fnv32a('a'), 0xe40c292c)
  assert.equal(fnv32a('foobar'), 0xbf9cf968)
})

test('safeEncode maps digits as upstream: 0→4 ... 5→9, 6→b ... 9→f', () => {
  assert.equal(safeEncode('0123456789'), '456789bcdf')
  assert.equal(nameAlphabet.length, 27)
})

test('templateHash is stable, key-order independent, and changes with the template and the collision count', () => {
  const a = { metadata: { labels: { app: 'web', tier: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }
  const b = { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { tier: 'x', app: 'web' } } }
  assert.equal(templateHash(a), templateHash(b))
  assert.match(templateHash(a), /^[456789bcdf]{1,10}$/)
  assert.notEqual(templateHash(a), templateHash({ ...a, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }))
  assert.notEqual(templateHash(a), templateHash(a, 1))
  assert.notEqual(templateHash(a, 1), templateHash(a, 2))
})

test('canonicalJSON sorts keys and drops undefined', () => {
  assert.equal(canonicalJSON({ b: 1, a: [{ d: undefined, c: null }] }), '{"a":[{"c":null}],"b":1}')
})
