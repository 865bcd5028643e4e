// Go's time.ParseDuration errors, word for word (Argo puts them in an AnalysisRun's message).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseGoDuration } from './duration.js'

test('durations parse as Go; bad ones fail with Go’s messages', () => {
  assert.equal(parseGoDuration('1m30s'), 90_000)
  assert.equal(parseGoDuration('1.5h'), 5_400_000)
  assert.equal(parseGoDuration('0'), 0)
  assert.throws(() => parseGoDuration('5x'), { message: 'time: unknown unit "x" in duration "5x"' })
  assert.throws(() => parseGoDuration('10'), { message: 'time: missing unit in duration "10"' })
  assert.throws(() => parseGoDuration('3s2'), { message: 'time: missing unit in duration "3s2"' })
  assert.throws(() => parseGoDuration('abc'), { message: 'time: invalid duration "abc"' })
  assert.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' })
})
