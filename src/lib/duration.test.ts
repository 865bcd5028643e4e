import { test } from 'node:test'
import assert from 'node:assert/strict'
import { humanDuration, age, rfc3339, rfc3339Micro } from './duration.js'

test('humanDuration matches upstream HumanDuration at its boundaries', () => {
  const s = 1000, m = 60 * s, h = 60 * m, d = 24 * h
  const cases: [number, string][] = [
    [-3 * s, '<invalid>'], [-1500, '0s'], [0, '0s'], [5 * s, '5s'], [119 * s, '119s'], [2 * m, '2m'],
    [2 * m + 5 * s, '2m5s'], [10 * m, '10m'], [179 * m, '179m'], [3 * h, '3h'], [3 * h + 25 * m, '3h25m'],
    [8 * h, '8h'], [47 * h, '47h'], [2 * d, '2d'], [2 * d + 3 * h, '2d3h'], [8 * d, '8d'], [400 * d, '400d'],
    [730 * d, '2y'], [731 * d, '2y1d'], [8 * 365 * d, '8y'],
  ]
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`)
})

test('age renders <unknown> for missing timestamps', () => {
  const now = new Date('2026-11-23T12:00:00Z')
  assert.equal(age(undefined, now), '<unknown>')
  assert.equal(age('2026-11-23T11:59:30Z', now), '30s')
})

test('timestamps use upstream precision', () => {
  const t = new Date('2026-11-23T12:00:00.123Z')
  assert.equal(rfc3339(t), '2026-11-23T12:00:00Z')
  assert.equal(rfc3339Micro(t), '2026-11-23T12:00:00.123000Z')
})
