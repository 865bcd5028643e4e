import { test } from 'node:test'
import assert from 'node:assert/strict'
import { trafficView, type TrafficReport } from './traffic.js'

const report: TrafficReport = {
  kind: 'TrafficReport',
  window: { start: '2026-12-07T10:00:00Z', end: '2026-12-07T10:00:20Z', seconds: 20, stepSeconds: 10 },
  groups: [
    {
      replicaSet: 'web-v1',
      backend: 'stable',
      requests: 150,
      errors: 0,
      latencyMs: { p50: 1, p99: 4 },
      series: [
        { start: '2026-12-07T10:00:00Z', requests: 100, errors: 0, latencyMs: { p99: 4 } },
        { start: '2026-12-07T10:00:10Z', requests: 50, errors: 0, latencyMs: { p99: 3 } },
      ],
    },
    {
      replicaSet: 'web-v2',
      requests: 50,
      errors: 5,
      latencyMs: { p50: 2, p99: 9 },
      series: [
        { start: '2026-12-07T10:00:00Z', requests: 0, errors: 0 },
        { start: '2026-12-07T10:00:10Z', requests: 50, errors: 5, latencyMs: { p99: 9 } },
      ],
    },
  ],
}

test('one line per ReplicaSet: requests/s per step, p99 where there were requests', () => {
  const v = trafficView([report])
  assert.deepEqual(v.x, [Date.parse('2026-12-07T10:00:00Z') / 1000, Date.parse('2026-12-07T10:00:10Z') / 1000])
  assert.deepEqual(
    v.lines.map((l) => [l.label, l.rps, l.errorsPerSecond, l.p99]),
    [
      ['web-v1', [10, 5], [0, 0], [4, 3]],
      ['web-v2', [0, 5], [0, 0.5], [null, 9]],
    ],
  )
  assert.deepEqual(v.rows, [
    { label: 'web-v1', backend: 'stable', requestsPerSecond: 7.5, errors: 0, share: 0.75, p50: 1, p99: 4 },
    { label: 'web-v2', requestsPerSecond: 2.5, errors: 5, share: 0.25, p50: 2, p99: 9 },
  ])
})

test('two Services carrying one ReplicaSet add up; pods without a ReplicaSet are their own line', () => {
  const other: TrafficReport = { ...report, groups: [{ ...report.groups![0], backend: undefined }, { pod: 'solo', requests: 0, errors: 0, series: [] }] }
  const v = trafficView([report, other])
  assert.deepEqual(
    v.rows.map((r) => [r.label, r.requestsPerSecond]),
    [
      ['pod/solo', 0],
      ['web-v1', 15],
      ['web-v2', 2.5],
    ],
  )
  assert.deepEqual(v.lines.find((l) => l.label === 'web-v1')!.rps, [20, 10])
})

test('an empty report: no lines', () => {
  assert.deepEqual(trafficView([{ window: { start: '', end: '', seconds: 60, stepSeconds: 10 }, groups: [] }]), { x: [], lines: [], rows: [] })
})
