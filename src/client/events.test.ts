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
