import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseTrafficPolicy, TrafficAnnotationError, trafficPolicyOf } from './annotation.js'

const docExample = {
  backends: [
    { name: 'stable', weight: 90 },
    { name: 'canary', service: 'rollouts-demo-canary', weight: 10 },
  ],
  sticky: { cookie: 'kubelite-route', maxAgeSeconds: 3600 },
  headerRoutes: [{ name: 'always-canary', match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }], backend: 'canary' }],
  mirrors: [{ name: 'mirror-gets', match: [{ method: { exact: 'GET' }, path: { prefix: '/' } }], percentage: 100, backend: 'canary' }],
}

test("the documentation's example parses as written", () => {
  assert.deepEqual(parseTrafficPolicy(JSON.stringify(docExample)), docExample)
  assert.deepEqual(parseTrafficPolicy('{"backends":[{"name":"v1","selector":{"version":"stable"},"weight":0.9},{"name":"rest","weight":0.1}],"sticky":{"clientIP":true}}'), {
    backends: [{ name: 'v1', selector: { version: 'stable' }, weight: 0.9 }, { name: 'rest', weight: 0.1 }],
    sticky: { clientIP: true },
  })
  assert.equal(trafficPolicyOf({}), undefined)
  assert.ok(trafficPolicyOf({ 'kubelite.io/traffic': '{' }) instanceof TrafficAnnotationError)
})

test('every error names its field', () => {
  const b = (over: Record<string, unknown>[]) => JSON.stringify({ backends: over })
  const cases: [string, string][] = [
    ['not json', 'kubelite.io/traffic: must be a JSON object: '],
    ['[]', 'kubelite.io/traffic: must be a JSON object'],
    ['{}', 'backends: Required value'],
    ['{"backends":[],"x":1}', 'x: unknown field'],
    ['{"backends":{}}', 'backends: must be a list'],
    ['{"backends":[]}', 'backends: must have 1 to 10 entries'],
    [b(Array.from({ length: 11 }, (_, i) => ({ name: `b${i}`, weight: 1, selector: { i: String(i) } }))), 'backends: must have 1 to 10 entries'],
    [b([{ name: 'a', weight: 1 }, { name: 'b', weight: -1 }]), 'backends[1].weight: must be a number >= 0'],
    [b([{ name: 'a', weight: '5' }]), 'backends[0].weight: must be a number >= 0'],
    [b([{ name: 'a' }]), 'backends[0].weight: must be a number >= 0'],
    [b([{ weight: 1 }]), 'backends[0].name: must be a non-empty string'],
    [b([{ name: 'a b', weight: 1 }]), 'backends[0].name: must be 1-63 letters'],
    [b([{ name: 'a', weight: 1 }, { name: 'a', weight: 1, service: 'x' }]), 'backends[1].name: duplicate name "a"'],
    [b([{ name: 'a', weight: 1, bogus: 1 }]), 'backends[0].bogus: unknown field'],
    [b([{ name: 'a', weight: 1, service: 'Bad_Name' }]), 'backends[0].service: '],
    [b([{ name: 'a', weight: 1, service: 'x', selector: { a: 'b' } }]), 'backends[0]: may not have both service and selector'],
    [b([{ name: 'a', weight: 1, selector: {} }]), 'backends[0].selector: must not be empty'],
    [b([{ name: 'a', weight: 1, selector: { a: 1 } }]), 'backends[0].selector.a: must be a string'],
    [b([{ name: 'a', weight: 1, selector: { 'bad key!': 'x' } }]), 'backends[0].selector: invalid label key'],
    [b([{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }]), 'backends[1]: only one backend may have neither service nor selector'],
    ['{"backends":[{"name":"a","weight":1}],"sticky":{"cookie":"a b"}}', 'sticky.cookie: must be a cookie name'],
    ['{"backends":[{"name":"a","weight":1}],"sticky":{"cookie":"c","clientIP":true}}', 'sticky: may not have both cookie and clientIP'],
    ['{"backends":[{"name":"a","weight":1}],"sticky":{"cookie":"c","maxAgeSeconds":0}}', 'sticky.maxAgeSeconds: must be a whole number > 0'],
    ['{"backends":[{"name":"a","weight":1}],"sticky":{"clientIP":false}}', 'sticky.clientIP: must be true'],
    ['{"backends":[{"name":"a","weight":1}],"headerRoutes":[{"name":"h","match":[],"backend":"a"}]}', 'headerRoutes[0].match: must have at least one entry'],
    ['{"backends":[{"name":"a","weight":1}],"headerRoutes":[{"name":"h","match":[{"headerName":"X","headerValue":{"exact":"y"}}],"backend":"b"}]}', 'headerRoutes[0].backend: must name one of the backends (a)'],
    ['{"backends":[{"name":"a","weight":1}],"headerRoutes":[{"name":"h","match":[{"headerName":"X","headerValue":{"exact":"y","prefix":"z"}}],"backend":"a"}]}', 'headerRoutes[0].match[0].headerValue: must have exactly one of exact, prefix, regex'],
    ['{"backends":[{"name":"a","weight":1}],"headerRoutes":[{"name":"h","match":[{"headerName":"X","headerValue":{"regex":"("}}],"backend":"a"}]}', 'headerRoutes[0].match[0].headerValue.regex: invalid regular expression'],
    ['{"backends":[{"name":"a","weight":1}],"headerRoutes":[{"name":"h","match":[{"headerName":"X Y","headerValue":{"exact":"y"}}],"backend":"a"}]}', 'headerRoutes[0].match[0].headerName: must be an HTTP header name'],
    ['{"backends":[{"name":"a","weight":1}],"mirrors":[{"name":"m","match":[{}],"percentage":101,"backend":"a"}]}', 'mirrors[0].percentage: must be a number from 0 to 100'],
    ['{"backends":[{"name":"a","weight":1}],"mirrors":[{"name":"m","match":[{"headers":{"X":{"exact":1}}}],"backend":"a"}]}', 'mirrors[0].match[0].headers.X.exact: must be a string'],
    ['{"backends":[{"name":"a","weight":1}],"mirrors":[{"name":"m","match":[{}],"backend":"a"},{"name":"m","match":[{}],"backend":"a"}]}', 'mirrors[1].name: duplicate name "m"'],
  ]
  for (const [value, want] of cases) {
    assert.throws(
      () => parseTrafficPolicy(value),
      (err: unknown) => err instanceof TrafficAnnotationError && err.message.startsWith(want) && err.message.startsWith(`${err.field}: `),
      `${value} → ${want}`,
    )
  }
})
