import { test } from 'node:test'
import assert from 'node:assert/strict'
import { canonicalHeaderKey, goDuration, goJSON, goRequestHeader } from './go-compat.mjs'

test('goJSON: sorted keys, HTML-safe escapes, no spaces', () => {
  assert.equal(goJSON({ b: 1, 'app version': 'v0.1', a: ['<x&y>'] }), '{"a":["\\u003cx\\u0026y\\u003e"],"app version":"v0.1","b":1}')
  assert.equal(goJSON('tab\there\u0001'), '"tab\\there\\u0001"')
})

test('header canonicalization as net/textproto', () => {
  assert.equal(canonicalHeaderKey('user-agent'), 'User-Agent')
  assert.equal(canonicalHeaderKey('X-FORWARDED-FOR'), 'X-Forwarded-For')
  assert.equal(canonicalHeaderKey('bad key'), 'bad key')
  assert.deepEqual(goRequestHeader(['Host', 'x', 'accept', '*/*', 'X-A', '1', 'x-a', '2', 'Pragma', 'no-cache']), {
    Accept: ['*/*'],
    'X-A': ['1', '2'],
    Pragma: ['no-cache'],
    'Cache-Control': ['no-cache'],
  })
})

test('time.Duration.String', () => {
  assert.equal(goDuration(0), '0s')
  assert.equal(goDuration(999), '999ns')
  assert.equal(goDuration(45_123), '45.123µs')
  assert.equal(goDuration(45_000), '45µs')
  assert.equal(goDuration(7_362_796), '7.362796ms')
  assert.equal(goDuration(1_500_000_000), '1.5s')
  assert.equal(goDuration(62_000_000_000), '1m2s')
})
