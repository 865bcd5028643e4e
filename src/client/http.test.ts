// The HTTP client against a real API server (plain HTTP here: TLS is the listener's business).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bootstrapNamespaces, buildApiServer } from '../cli/wiring.js'
import { MemoryStore } from '../store/memory/memory.js'
import { isNotFound, isAlreadyExists } from './errors.js'
import { HttpClient } from './http.js'

test('CRUD, patch, list, watch and errors over HTTP, with discovery', async () => {
  const api = buildApiServer({ store: new MemoryStore(), serverAddress: '127.0.0.1:0', tokens: ['secret'] })
  await bootstrapNamespaces(api)
  const server = createServer(api.handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  const c = await HttpClient.connect({ server: `http://127.0.0.1:${port}`, token: 'secret' })
  const abort = new AbortController()
  try {
    assert.ok(c.resources().some((r) => r.group === 'apps' && r.resource === 'deployments' && r.kind === 'Deployment'))
    const cms = c.resource({ group: '', version: 'v1', resource: 'configmaps' })
    const events: string[] = []
    const watching = (async () => {
      for await (const ev of cms.watch('default', {}, abort.signal)) {
        if (ev.type !== 'BOOKMARK') events.push(`${ev.type} ${ev.object.metadata.name}`)
        if (events.length === 3) abort.abort()
      }
    })()
    await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: '1' } })
    await assert.rejects(cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }), isAlreadyExists)
    const patched = await cms.patch('default', 'a', 'application/merge-patch+json', { data: { k: '2' } })
    assert.deepEqual(patched.data, { k: '2' })
    assert.deepEqual((await cms.list('default')).items.map((i) => i.metadata.name), ['a'])
    await cms.delete('default', 'a')
    await assert.rejects(cms.get('default', 'a'), isNotFound)
    await watching
    assert.deepEqual(events, ['ADDED a', 'MODIFIED a', 'DELETED a'])
    await assert.rejects(HttpClient.connect({ server: `http://127.0.0.1:${port}`, token: 'wrong' }), /Unauthorized/)
  } finally {
    abort.abort()
    await c.close()
    await new Promise((r) => server.close(r))
  }
})
