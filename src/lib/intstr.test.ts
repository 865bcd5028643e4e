import assert from 'node:assert/strict'
import { test } from 'node:test'
import { scaledValue } from './intstr.js'

test('scaledValue: ints as they are, percentages rounded up for surge and down for unavailable', () => {
  const cases: [number | string | undefined, number, boolean, number][] = [
    [3, 10, true, 3],
    ['25%', 4, true, 1],
    ['25%', 4, false, 1],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 1, true, 1],
    ['25%', 1, false, 0],
    ['0%', 10, true, 0],
    ['100%', 7, false, 7],
    ['30%', 0, true, 0],
    [undefined, 10, true, 0],
  ]
  for (const [v, total, up, want] of cases) assert.equal(scaledValue(v, total, up), want, `${v} of ${total} roundUp=${up}`)
})

test('scaledValue rejects strings that are not percentages', () => {
  assert.throws(() => scaledValue('abc', 10, true))
  assert.throws(() => scaledValue('5', 10, true))
})
