import { test } from 'node:test'
import assert from 'node:assert/strict'
import { goDuration, msg, podDesc } from './messages.js'

test('goDuration formats like Go time.Duration truncated to ms', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [12, '12ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1393, '1.393s'],
    [1390, '1.39s'],
    [10_000, '10s'],
    [80_000, '1m20s'],
    [300_000, '5m0s'],
    [3_723_500, '1h2m3.5s'],
  ]
  for (const [ms, want] of cases) assert.equal(goDuration(ms), want, String(ms))
})

test('upstream 1.32 event texts', () => {
  assert.equal(msg.pulled('nginx', 1393, 1393, 62958873), 'Successfully pulled image "nginx" in 1.393s (1.393s including waiting). Image size: 62958873 bytes.')
  assert.equal(msg.created('web'), 'Created container: web')
  assert.equal(msg.started('web'), 'Started container web')
  const pod = { metadata: { name: 'web-abc', namespace: 'default', uid: 'u1' } }
  assert.equal(msg.backOffRestart('web', podDesc(pod)), 'Back-off restarting failed container web in pod web-abc_default(u1)')
  assert.equal(msg.crashLoopWaiting(20_000, 'web', podDesc(pod)), 'back-off 20s restarting failed container=web pod=web-abc_default(u1)')
  assert.equal(msg.probeFailed('readiness', 'HTTP probe failed with statuscode: 500'), 'Readiness probe failed: HTTP probe failed with statuscode: 500')
  assert.equal(msg.probeKill('web', 'liveness'), 'Container web failed liveness probe, will be restarted')
})
