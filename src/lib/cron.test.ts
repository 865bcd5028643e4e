import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mostRecentActivation, nextActivation, parseSchedule } from './cron.js'

const next = (spec: string, after: string) => nextActivation(parseSchedule(spec), new Date(after)).toISOString()

describe('cron schedules (robfig/cron ParseStandard)', () => {
  it('computes the next activation: steps, names, descriptors, time zones', () => {
    const at = '2026-01-01T10:00:00Z' // a Thursday
    assert.equal(next('*/5 * * * *', at), '2026-01-01T10:05:00.000Z')
    assert.equal(next('5/20 * * * *', at), '2026-01-01T10:05:00.000Z') // N/step is N-max/step
    assert.equal(next('0 9 * * mon-fri', '2026-01-02T10:00:00Z'), '2026-01-05T09:00:00.000Z')
    assert.equal(next('0 0 1 jan ?', at), '2027-01-01T00:00:00.000Z')
    assert.equal(next('@hourly', at), '2026-01-01T11:00:00.000Z')
    assert.equal(next('@weekly', at), '2026-01-04T00:00:00.000Z')
    assert.equal(next('TZ=Asia/Seoul 0 9 * * *', at), '2026-01-02T00:00:00.000Z')
    assert.equal(next('CRON_TZ=America/New_York 30 8 * * *', at), '2026-01-01T13:30:00.000Z')
    assert.equal(next('@every 90s', at), '2026-01-01T10:01:30.000Z')
  })

  it('day of month and day of week: either matches when both are restricted, both otherwise', () => {
    // 2026-01-02 is a Friday, not the 13th.
    assert.equal(next('0 0 13 * 5', '2026-01-01T10:00:00Z'), '2026-01-02T00:00:00.000Z')
    assert.equal(next('0 0 */2 * *', '2026-01-01T10:00:00Z'), '2026-01-03T00:00:00.000Z')
  })

  it("rejects with robfig's messages", () => {
    const cases: [string, string][] = [
      ['', 'empty spec string'],
      ['foo', 'expected exactly 5 fields, found 1: [foo]'],
      ['0 * * * * *', 'expected exactly 5 fields, found 6: [0 * * * * *]'],
      ['70 * * * *', 'end of range (70) above maximum (59): 70'],
      ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
      ['5-2 * * * *', 'beginning of range (5) beyond end of range (2): 5-2'],
      ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
      ['*/0 * * * *', 'step of range should be a positive number: */0'],
      ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
      ['* * * * 7', 'end of range (7) above maximum (6): 7'],
      ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
      ['TZ=Mars/Olympus * * * * *', 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus'],
    ]
    for (const [spec, msg] of cases) assert.throws(() => parseSchedule(spec), { message: msg }, spec)
  })

  it('finds the most recent activation and counts the missed ones', () => {
    const r = mostRecentActivation(parseSchedule('* * * * *'), new Date('2026-01-01T09:57:30Z'), new Date('2026-01-01T10:00:00Z'))
    assert.deepEqual(r, { time: new Date('2026-01-01T10:00:00Z'), missed: 3 })
    assert.deepEqual(mostRecentActivation(parseSchedule('0 * * * *'), new Date('2026-01-01T10:00:00Z'), new Date('2026-01-01T10:59:00Z')), { missed: 0 })
    const many = mostRecentActivation(parseSchedule('* * * * *'), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T10:00:30Z'))
    assert.equal(many.missed, 600) // 00:01 through 10:00
    assert.deepEqual(many.time, new Date('2026-01-01T10:00:00Z'))
  })
})
