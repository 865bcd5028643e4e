import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { ProxyTraffic } from './traffic.js'

test('the report groups per Service, ReplicaSet and backend, with steps over the window', async () => {
  let now = Date.parse('2026-12-07T10:00:00Z')
  const registry = new Registry()
  const t = new ProxyTraffic(registry, () => now)
  const stable = { namespace: 'default', service: 'web', replicaSet: 'web-7d9f8c6b5', podTemplateHash: '7d9f8c6b5', backend: 'stable' }
  const canary = { namespace: 'default', service: 'web', replicaSet: 'web-5d4c8b7f9', podTemplateHash: '5d4c8b7f9', backend: 'canary' }
  for (let s = 0; s < 20; s++) {
    now = Date.parse('2026-12-07T10:00:00Z') + s * 1000 + 500
    for (let i = 0; i < 9; i++) t.record(stable, { status: 200, latencyMs: 2 })
    t.record(canary, { status: s % 2 ? 500 : 200, latencyMs: 10 })
  }
  t.record(canary, { status: 200, latencyMs: 3, mirrored: true })
  t.record({ namespace: 'other', service: 'x', pod: 'p' }, { status: 200, latencyMs: 1 })
  // now = 10:00:19.5: the window ends at 10:00:20.
  const r = t.report({ namespace: 'default', service: 'web', windowSeconds: 20, stepSeconds: 10 })
  assert.deepEqual(r.window, { start: '2026-12-07T10:00:00Z', end: '2026-12-07T10:00:20Z', seconds: 20, stepSeconds: 10 })
  assert.deepEqual(r.groups.map((g) => [g.backend, g.replicaSet, g.requests, g.errors, g.mirrored]), [
    ['canary', 'web-5d4c8b7f9', 21, 10, 1],
    ['stable', 'web-7d9f8c6b5', 180, 0, 0],
  ])
  const c = r.groups[0]
  assert.equal(c.errorRate, 10 / 21)
  assert.equal(c.requestsPerSecond, 1.05)
  assert.deepEqual(c.series.map((s) => [s.start, s.requests, s.errors]), [['2026-12-07T10:00:00Z', 10, 5], ['2026-12-07T10:00:10Z', 11, 5]])
  assert.ok(Math.abs(r.groups[1].latencyMs!.p99 - 2) < 0.04)
  // A window with nothing in it; an empty step has no latency.
  now += 60_000
  assert.deepEqual(t.report({ namespace: 'default', windowSeconds: 10, stepSeconds: 5 }).groups, [])
  t.record(stable, { status: 200, latencyMs: 1 })
  const later = t.report({ namespace: 'default', windowSeconds: 10, stepSeconds: 5 })
  assert.deepEqual(later.groups[0].series.map((s) => [s.requests, s.latencyMs === undefined]), [[0, true], [1, false]])
  // 15 minutes later, all gone.
  now += 16 * 60_000
  t.record({ namespace: 'other', service: 'x', pod: 'p' }, { status: 200, latencyMs: 1 })
  assert.deepEqual(t.report({ namespace: 'default', windowSeconds: 900, stepSeconds: 900 }).groups, [])
  const text = await registry.metrics()
  assert.match(text, /kubelite_proxy_http_requests_total\{namespace="default",service="web",replicaset="web-5d4c8b7f9",code="500"\} 10/)
  assert.match(text, /kubelite_proxy_http_request_duration_seconds_count\{namespace="default",service="web",replicaset="web-7d9f8c6b5"\} 181/)
})
