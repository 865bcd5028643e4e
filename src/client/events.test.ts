import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bootstrapNamespaces, buildApiServer, localClient } from '../cli/wiring.js'
import { MemoryStore } from '../store/index.js'
import { EventRecorder } from './events.js'

test('events are created once, then repeats fold into count and lastTimestamp', async () => {
  const store = new MemoryStore()
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:0' })
  await bootstrapNamespaces(api)
  const client = localClient(api, 'test')
  let t = Date.parse('2026-11-23T10:00:00Z')
  const errors: unknown[] = []
  const rec = new EventRecorder(client, { component: 'kubelet', host: 'kubelite' }, () => new Date(t), (e) => errors.push(e))
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default', uid: 'u1', resourceVersion: '5' } }
  rec.event(pod, 'Normal', 'Pulled', 'Container image "nginx" already present on machine', 'spec.containers{web}')
  t += 5000
  rec.event(pod, 'Normal', 'Pulled', 'Container image "nginx" already present on machine', 'spec.containers{web}')
  rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web')
  await rec.flush()
  assert.deepEqual(errors, [])
  const { items } = await client.resource({ group: '', version: 'v1', resource: 'events' }).list('default')
  assert.equal(items.length, 2)
  const pulled = items.find((e) => e.reason === 'Pulled')!
  assert.match(pulled.metadata.name!, /^web-1\.[0-9a-f]{16}$/)
  assert.equal(pulled.count, 2)
  assert.equal(pulled.firstTimestamp, '2026-11-23T10:00:00Z')
  assert.equal(pulled.lastTimestamp, '2026-11-23T10:00:05Z')
  assert.deepEqual(pulled.source, { component: 'kubelet', host: 'kubelite' })
  assert.deepEqual(pulled.involvedObject, { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u1', apiVersion: 'v1', resourceVersion: '5', fieldPath: 'spec.containers{web}' })
  assert.equal(items.find((e) => e.reason === 'BackOff')!.type, 'Warning')
  await store.close()
})

test('the 10th distinct message for one reason starts a "(combined from similar events)" Event; more than 25 per object are dropped', async () => {
  const store = new MemoryStore()
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:0' })
  await bootstrapNamespaces(api)
  const client = localClient(api, 'test')
  let t = Date.parse('2026-11-23T10:00:00Z')
  const rec = new EventRecorder(client, { component: 'deployment-controller' }, () => new Date(t))
  const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'd1' } }
  for (let i = 1; i <= 12; i++) {
    rec.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set web-abc from ${i - 1} to ${i}`)
    t += 1000
  }
  await rec.flush()
  const events = client.resource({ group: '', version: 'v1', resource: 'events' })
  let items = (await events.list('default')).items as unknown as { message: string; count: number }[]
  assert.equal(items.length, 10, '9 single events and one combined')
  const combined = items.find((e) => e.message.startsWith('(combined from similar events): '))!
  assert.equal(combined.message, '(combined from similar events): Scaled up replica set web-abc from 11 to 12')
  assert.equal(combined.count, 3)

  // Ten minutes later the aggregation starts afresh.
  t += 601_000
  rec.event(d, 'Normal', 'ScalingReplicaSet', 'Scaled down replica set web-abc from 12 to 0')
  await rec.flush()
  items = (await events.list('default')).items as unknown as { message: string; count: number }[]
  assert.ok(items.some((e) => e.message === 'Scaled down replica set web-abc from 12 to 0'))

  // Spam: 25 events per object and type in a burst (13 so far), then one every 5 minutes.
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'p1' } }
  for (let i = 0; i < 30; i++) rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container c')
  await rec.flush()
  const backoff = ((await events.list('default')).items as unknown as { reason: string; count: number }[]).find((e) => e.reason === 'BackOff')!
  assert.equal(backoff.count, 25)
  t += 300_000
  rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container c')
  await rec.flush()
  const after = ((await events.list('default')).items as unknown as { reason: string; count: number }[]).find((e) => e.reason === 'BackOff')!
  assert.equal(after.count, 31, 'one token refilled; the dropped repeats were still counted, as upstream')
  await store.close()
})
