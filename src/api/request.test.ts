import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isStatusError } from '../apis/status.js'
import { decodeBody, isLongRunning, queryInt, requestDeadlineMs, validateListOptions } from './request.js'

const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)

test('decodeBody: JSON up to 10,000 levels decodes; deeper is a 400 with Go scanner wording', () => {
  assert.ok(decodeBody(Buffer.from(nested(10_000)), 'application/json'))
  assert.throws(
    () => decodeBody(Buffer.from(nested(10_001)), 'application/json'),
    (err: unknown) => isStatusError(err) && err.status.code === 400 && err.status.message === "the body of the request was in an unknown format - invalid character '{' exceeded max depth",
  )
})

test('decodeBody: YAML deeper than 10,000 levels is a 400', () => {
  const yaml = '['.repeat(10_001) + ']'.repeat(10_001)
  assert.throws(() => decodeBody(Buffer.from(yaml), 'application/yaml'), (err: unknown) => isStatusError(err) && err.status.code === 400)
})

test('queryInt: int64 range as Go parses it', () => {
  assert.equal(queryInt('limit', '9223372036854775807'), 9223372036854775807)
  assert.equal(queryInt('limit', '-5'), -5)
  assert.throws(
    () => queryInt('limit', '99999999999999999999'),
    (err: unknown) => isStatusError(err) && err.status.code === 400 && err.status.message === 'strconv.ParseInt: parsing "99999999999999999999": value out of range',
  )
  assert.throws(() => queryInt('limit', '1e3'), (err: unknown) => isStatusError(err) && err.status.code === 400)
})

test('validateListOptions: upstream ValidateListOptions cases', () => {
  const msgs = (o: Parameters<typeof validateListOptions>[0]) => validateListOptions(o).map((e) => `${e.field}: ${e.type}`)
  assert.deepEqual(msgs({ watch: false }), [])
  assert.deepEqual(msgs({ watch: false, resourceVersion: '5', resourceVersionMatch: 'NotOlderThan' }), [])
  assert.deepEqual(msgs({ watch: false, resourceVersion: '5', resourceVersionMatch: 'Exact' }), [])
  assert.deepEqual(msgs({ watch: false, resourceVersion: '0', resourceVersionMatch: 'garbage' }), ['resourceVersionMatch: FieldValueNotSupported'])
  assert.deepEqual(msgs({ watch: false, resourceVersionMatch: 'Exact' }), ['resourceVersionMatch: FieldValueForbidden'])
  assert.deepEqual(msgs({ watch: false, resourceVersion: '0', resourceVersionMatch: 'Exact' }), ['resourceVersionMatch: FieldValueForbidden'])
  assert.deepEqual(msgs({ watch: false, sendInitialEvents: true }), ['sendInitialEvents: FieldValueForbidden'])
  assert.deepEqual(msgs({ watch: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' }), [])
  assert.deepEqual(msgs({ watch: true, sendInitialEvents: true }), ['resourceVersionMatch: FieldValueForbidden'])
  assert.deepEqual(msgs({ watch: true, resourceVersionMatch: 'NotOlderThan' }), ['resourceVersionMatch: FieldValueForbidden'])
  assert.deepEqual(msgs({ watch: true, resourceVersionMatch: 'Exact', sendInitialEvents: false }), ['resourceVersionMatch: FieldValueForbidden', 'resourceVersionMatch: FieldValueNotSupported'])
})

test('long-running requests as upstream --long-running-request-regexp (and watch=true) names them', () => {
  for (const url of [
    '/api/v1/namespaces/default/pods?watch=true',
    '/api/v1/pods?watch=1&resourceVersion=5',
    '/api/v1/watch/pods',
    '/api/v1/namespaces/default/pods/web/log?follow=true',
    '/api/v1/namespaces/default/pods/web/exec?command=sh',
    '/api/v1/namespaces/default/pods/web/attach',
    '/api/v1/namespaces/default/pods/web/portforward',
    '/api/v1/namespaces/default/services/web/proxy/some/path',
  ])
    assert.equal(isLongRunning(url), true, url)
  for (const url of ['/api/v1/namespaces/default/pods', '/api/v1/pods?watch=false', '/apis/apps/v1/namespaces/default/deployments/web', '/api/v1/namespaces/default/configmaps/logbook'])
    assert.equal(isLongRunning(url), false, url)
})

test('request deadlines as upstream WithRequestDeadline: the timeout parameter below the maximum, else the maximum', () => {
  assert.equal(requestDeadlineMs('/api/v1/pods', 60_000), 60_000)
  assert.equal(requestDeadlineMs('/api/v1/pods?timeout=5s', 60_000), 5_000)
  assert.equal(requestDeadlineMs('/api/v1/pods?timeout=1m30s', 60_000), 60_000)
  assert.equal(requestDeadlineMs('/api/v1/pods?timeout=0s', 60_000), 60_000)
  assert.equal(requestDeadlineMs('/api/v1/pods?watch=1&timeout=5s', 60_000), undefined)
  assert.throws(
    () => requestDeadlineMs('/api/v1/pods?timeout=soon', 60_000),
    (err: unknown) => isStatusError(err) && err.status.code === 400 && err.status.message === 'invalid timeout specified in the request URL - time: invalid duration "soon"',
  )
})
