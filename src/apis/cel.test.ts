import assert from 'node:assert/strict'
import { test } from 'node:test'
import { escapeCelProperty, rewriteHas, validateCelRules } from './cel.js'
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

test('values are typed by the schema: integers are ints, date-times timestamps, durations durations', () => {
  const s = {
    type: 'object',
    properties: {
      n: { type: 'integer' },
      ratio: { type: 'number' },
      at: { type: 'string', format: 'date-time' },
      every: { type: 'string', format: 'duration' },
      extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    'x-kubernetes-validations': [
      { rule: 'self.n + 1 == 3', message: 'int arithmetic' },
      { rule: 'self.ratio * 2.0 == 1.0', message: 'double arithmetic' },
      { rule: "self.at < timestamp('2030-01-01T00:00:00Z')", message: 'timestamp' },
      { rule: "self.every > duration('1m')", message: 'duration' },
      { rule: 'self.extra.count - 1 == 4', message: 'unknown fields keep whole numbers as ints' },
    ],
  } as unknown as Schema
  assert.deepEqual(validateCelRules({ n: 2, ratio: 0.5, at: '2026-12-07T00:00:00Z', every: '90s', extra: { count: 5 } }, s).map(fieldErrorMessage), [])
  assert.deepEqual(
    validateCelRules({ n: 3, ratio: 0.5, at: '2031-01-01T00:00:00Z', every: '30s', extra: { count: 5 } }, s).map(fieldErrorMessage),
    [': Invalid value: "object": int arithmetic', ': Invalid value: "object": timestamp', ': Invalid value: "object": duration'].map((m) => m.replace(/^: /, '<nil>: ')),
  )
})

test('Kubernetes libraries: strings, sets, lists, regex, URLs, quantities, IPs, CIDRs, formats', () => {
  const rules = [
    '"a-b-c".replace("-", "+", 1) == "a+b-c" && "abc".charAt(1) == "b" && strings.quote("x") == "\\"x\\""',
    '"%s has %d".format(["web", 3]) == "web has 3"',
    'sets.contains([1, 2, 3], [2]) && !sets.intersects([1], [2]) && sets.equivalent([1, 2], [2, 1])',
    '[1, 2, 3].isSorted() && [1, 2, 3].sum() == 6 && [3, 1, 2].min() == 1 && ["a", "c"].max() == "c" && [1, 2, 1].lastIndexOf(1) == 2',
    '"abc123def".find("[0-9]+") == "123" && "a1b22".findAll("[0-9]+") == ["1", "22"]',
    'url("https://example.com:8080/p?x=1").getPort() == "8080" && url("https://[::1]/").getHostname() == "::1" && !isURL("no url") && url("/a?q=2").getQuery()["q"] == ["2"]',
    'quantity("1.5Gi").isGreaterThan(quantity("1Gi")) && !quantity("500m").isInteger() && quantity("2k").asInteger() == 2000 && quantity("1").add(quantity("500m")).compareTo(quantity("1500m")) == 0 && !isQuantity("1.5x")',
    'ip("127.0.0.1").isLoopback() && ip("fe80::1").isLinkLocalUnicast() && string(ip("2001:db8:0:0:0:0:2:1")) == "2001:db8::2:1" && ip.isCanonical("2001:db8::2:1") && !isIP("::ffff:1.2.3.4") && ip("127.244.0.1").family() == 4',
    'cidr("127.244.0.0/16").containsIP("127.244.3.4") && !cidr("127.244.0.0/16").containsCIDR("127.0.0.0/8") && string(cidr("127.244.3.4/16").masked()) == "127.244.0.0/16" && cidr("127.96.0.0/12").prefixLength() == 12',
    'format.dns1123Label().validate("Bad_Name").hasValue() && !format.dns1123Label().validate("good").hasValue() && format.named("uuid").hasValue()',
  ]
  const s = { type: 'object', 'x-kubernetes-validations': rules.map((rule) => ({ rule })) } as unknown as Schema
  assert.deepEqual(validateCelRules({}, s).map(fieldErrorMessage), [])
  const failing = { type: 'object', 'x-kubernetes-validations': [{ rule: 'quantity("500m").asInteger() == 0' }, { rule: 'ip("01.2.3.4").family() == 4' }] } as unknown as Schema
  assert.deepEqual(validateCelRules({}, failing).map(fieldErrorMessage), [
    '<nil>: Invalid value: "object": cannot convert value to integer evaluating rule: quantity("500m").asInteger() == 0',
    '<nil>: Invalid value: "object": IP Address "01.2.3.4" parse error during conversion from string: ParseAddr("01.2.3.4"): IPv4 field has octet with leading zero evaluating rule: ip("01.2.3.4").family() == 4',
  ])
})

test('property names are escaped as upstream (namespace → __namespace__), and has() takes any select', () => {
  const s = {
    type: 'object',
    properties: {
      refs: { type: 'array', items: { type: 'object', properties: { namespace: { type: 'string' }, 'x-y': { type: 'string' } } } },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
    },
    'x-kubernetes-validations': [
      { rule: "self.refs.all(r, !has(r.__namespace__) || r.__namespace__ != 'kube-system')", message: 'no kube-system' },
      { rule: "!has(self.refs[0].x__dash__y) || self.refs[0].x__dash__y == 'ok'", message: 'x-y is ok' },
      { rule: "!has(self.labels) || !('a-b' in self.labels) || self.labels['a-b'] == 'c'", message: 'map keys are not escaped' },
    ],
  } as unknown as Schema
  assert.deepEqual(validateCelRules({ refs: [{ namespace: 'default', 'x-y': 'ok' }], labels: { 'a-b': 'c' } }, s).map(fieldErrorMessage), [])
  assert.deepEqual(validateCelRules({ refs: [{ namespace: 'kube-system', 'x-y': 'no' }], labels: { 'a-b': 'd' } }, s).map(fieldErrorMessage), [
    '<nil>: Invalid value: "object": no kube-system',
    '<nil>: Invalid value: "object": x-y is ok',
    '<nil>: Invalid value: "object": map keys are not escaped',
  ])
  assert.equal(rewriteHas('!has(self.m[0].p) || "has(self.a[0].b)" == x'), '!((self.m[0]).?p.hasValue()) || "has(self.a[0].b)" == x')
  assert.equal(escapeCelProperty('a.b__c/d'), 'a__dot__b__underscores__c__slash__d')
})

test('optionalOldSelf: oldSelf is an optional, none on create', () => {
  const s = { type: 'object', properties: { v: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'oldSelf.hasValue() ? self >= oldSelf.value() : self < 10', optionalOldSelf: true, message: 'grow only, start small' }] } } } as unknown as Schema
  assert.deepEqual(validateCelRules({ v: 5 }, s).map(fieldErrorMessage), [])
  assert.deepEqual(validateCelRules({ v: 50 }, s).map(fieldErrorMessage), ['v: Invalid value: "integer": grow only, start small'])
  assert.deepEqual(validateCelRules({ v: 4 }, s, { v: 5 }).map(fieldErrorMessage), ['v: Invalid value: "integer": grow only, start small'])
})
