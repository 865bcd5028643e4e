import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseGoDuration } from './go-duration.js'

test('Go durations', () => {
  const cases: [string, number | undefined][] = [
    ['60s', 60_000], ['1m', 60_000], ['1m30s', 90_000], ['1.5h', 5_400_000], ['300ms', 300], ['0', 0], ['15m', 900_000], ['-1s', -1000],
    ['', undefined], ['10', undefined], ['1x', undefined], ['s', undefined], ['1m 2s', undefined], ['.s', undefined],
  ]
  for (const [s, want] of cases) assert.equal(parseGoDuration(s), want, s)
})
