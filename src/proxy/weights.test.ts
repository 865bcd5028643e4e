import { test } from 'node:test'
import assert from 'node:assert/strict'
import { assignGroups, validateWeights, WeightsError } from './weights.js'
import type { Backend } from './endpoints.js'

test('validateWeights: accepts selector/weight/name and copies them', () => {
  const input = [{ selector: { version: 'canary' }, weight: 10, name: 'canary' }, { selector: { version: 'stable' }, weight: 90 }]
  const out = validateWeights(input)
  assert.deepEqual(out, input)
  assert.notEqual(out[0].selector, input[0].selector)
})

test('validateWeights: rejects malformed lists with the field at fault', () => {
  const cases: [unknown, RegExp][] = [
    [{}, /^weights: must be a list/],
    [[null], /^weights\[0\]: must be an object/],
    [[{ selector: { a: 'b' }, weight: -1 }], /^weights\[0\]\.weight: must be a finite number >= 0/],
    [[{ selector: { a: 'b' }, weight: Number.NaN }], /weight/],
    [[{ selector: { a: 'b' }, weight: '5' }], /weight/],
    [[{ selector: {}, weight: 1 }], /^weights\[0\]\.selector: must not be empty/],
    [[{ selector: ['a'], weight: 1 }], /selector: must be a map/],
    [[{ selector: { 'bad key!': 'x' }, weight: 1 }], /invalid label key/],
    [[{ selector: { a: 'bad value!' }, weight: 1 }], /invalid label value/],
    [[{ selector: { a: 1 }, weight: 1 }], /must be a string/],
    [[{ selector: { a: 'b' }, weight: 1, name: 3 }], /name: must be a string/],
  ]
  for (const [input, re] of cases) assert.throws(() => validateWeights(input), (err: unknown) => err instanceof WeightsError && re.test(err.message), JSON.stringify(input))
})

test('assignGroups: first matching group by pod labels; unknown pods in no group', () => {
  const backends: Backend[] = [
    { key: 'a', ip: '127.244.0.1', port: 1, pod: { namespace: 'ns', name: 'stable-1' } },
    { key: 'b', ip: '127.244.0.2', port: 1, pod: { namespace: 'ns', name: 'canary-1' } },
    { key: 'c', ip: '127.244.0.3', port: 1, pod: { namespace: 'ns', name: 'gone' } },
    { key: 'd', ip: '127.244.0.4', port: 1, group: 5 },
  ]
  const labels: Record<string, Record<string, string>> = {
    'stable-1': { app: 'web', version: 'stable' },
    'canary-1': { app: 'web', version: 'canary' },
  }
  const out = assignGroups(backends, [{ selector: { version: 'canary' }, weight: 1 }, { selector: { app: 'web' }, weight: 9 }], (_, name) => labels[name])
  assert.deepEqual(out.map((b) => b.group), [1, 0, undefined, undefined])
  assert.equal(backends[3].group, 5, 'inputs are not mutated')
})
