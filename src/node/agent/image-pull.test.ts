import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { PulledImage } from '../runtime/types.js'
import { FakeClock } from '../../lib/clock.js'
import { FakeRuntime } from './fake-runtime.js'
import { ImagePuller } from './image-pull.js'

function puller(runtime = new FakeRuntime()) {
  const clock = new FakeClock(1_000_000)
  const images = new Map<string, PulledImage>()
  const events: string[] = []
  const p = new ImagePuller({ runtime, images, clock: () => new Date(clock.now()), timers: clock }, { initialMs: 10_000, maxMs: 300_000 })
  const ensure = (image: string, imagePullPolicy?: string) => p.ensure({ name: 'web', image, imagePullPolicy }, (type, reason, message) => events.push(`${type} ${reason} ${message}`))
  return { p, clock, images, events, runtime, ensure }
}

test('IfNotPresent pulls once, then says the image is present', async () => {
  const t = puller()
  const first = await t.ensure('nginx:1.27')
  assert.ok('image' in first)
  const again = await t.ensure('nginx:1.27')
  assert.ok('image' in again)
  assert.equal(t.runtime.calls.filter((c) => c.op === 'pull').length, 1)
  assert.deepEqual(t.events, [
    'Normal Pulling Pulling image "nginx:1.27"',
    'Normal Pulled Successfully pulled image "nginx:1.27" in 0s (0s including waiting). Image size: 4242 bytes.',
    'Normal Pulled Container image "nginx:1.27" already present on machine',
  ])
})

test('Never: ErrImageNeverPull without a retry when the image is missing', async () => {
  const t = puller()
  const r = await t.ensure('nginx', 'Never')
  assert.deepEqual(r, { waiting: { reason: 'ErrImageNeverPull', message: 'Container image "nginx" is not present with pull policy of Never' }, retry: false })
  assert.equal(t.runtime.calls.length, 0)
})

test('a failed pull: ErrImagePull, then ImagePullBackOff without pulling until 10 s, then 20 s after the next failure', async () => {
  const t = puller()
  t.runtime.missing.add('nope')
  const pulls = () => t.runtime.calls.filter((c) => c.op === 'pull').length
  const reason = async () => {
    const r = await t.ensure('nope', 'Always')
    return 'waiting' in r ? r.waiting.reason : 'pulled'
  }
  assert.equal(await reason(), 'ErrImagePull')
  t.clock.step(9_999)
  assert.equal(await reason(), 'ImagePullBackOff')
  assert.equal(pulls(), 1)
  t.clock.step(1)
  assert.equal(await reason(), 'ErrImagePull')
  assert.equal(pulls(), 2)
  t.clock.step(19_999)
  assert.equal(await reason(), 'ImagePullBackOff')
  t.clock.step(1)
  t.runtime.missing.delete('nope')
  assert.equal(await reason(), 'pulled')
  assert.equal(pulls(), 3)
})
