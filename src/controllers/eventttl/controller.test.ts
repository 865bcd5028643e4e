import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bootstrapNamespaces, buildApiServer, localClient } from '../../cli/wiring.js'
import { MemoryStore } from '../../store/index.js'
import { lastSeen, planExpiry, runEventTTL } from './controller.js'

const ev = (name: string, fields: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default', creationTimestamp: '2026-11-23T08:00:00Z' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, ...fields })

test('lastSeen prefers series, then lastTimestamp, eventTime, creation', () => {
  assert.equal(lastSeen(ev('a', { series: { lastObservedTime: '2026-11-23T10:00:00.000000Z' }, lastTimestamp: '2026-11-23T09:00:00Z' })), Date.parse('2026-11-23T10:00:00Z'))
  assert.equal(lastSeen(ev('b', { lastTimestamp: '2026-11-23T09:00:00Z' })), Date.parse('2026-11-23T09:00:00Z'))
  assert.equal(lastSeen(ev('c', {})), Date.parse('2026-11-23T08:00:00Z'))
})

test('events older than the TTL are deleted, newer ones kept', async () => {
  const now = Date.parse('2026-11-23T10:00:00Z')
  assert.deepEqual(
    planExpiry([ev('old', { lastTimestamp: '2026-11-23T08:59:00Z' }), ev('new', { lastTimestamp: '2026-11-23T09:30:00Z' })], now, 3600_000).map((e) => e.metadata.name),
    ['old'],
  )
  const store = new MemoryStore()
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:0' })
  await bootstrapNamespaces(api)
  const client = localClient(api, 'test')
  const events = client.resource({ group: '', version: 'v1', resource: 'events' })
  await events.create('default', ev('old', { lastTimestamp: '2026-11-23T08:59:00Z' }))
  await events.create('default', ev('new', { lastTimestamp: '2026-11-23T09:30:00Z' }))
  const ac = new AbortController()
  const running = runEventTTL(client, ac.signal, { intervalMs: 10, ttlMs: 3600_000, clock: () => new Date(now) })
  for (let i = 0; i < 100 && (await events.list('default')).items.length > 1; i++) await new Promise((r) => setTimeout(r, 10))
  ac.abort()
  await running
  assert.deepEqual((await events.list('default')).items.map((e) => e.metadata.name), ['new'])
  await store.close()
})
