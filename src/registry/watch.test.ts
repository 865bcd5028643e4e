// Watch events as upstream names them: an update is MODIFIED on a watch without selectors; with
// a label selector, an object entering it is ADDED and one leaving it DELETED.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { bootstrapNamespaces, buildApiServer } from '../cli/wiring.js'
import { openSqliteStore } from '../store/sqlite/sqlite.js'

test('updates are MODIFIED without selectors; entering and leaving a label selector are ADDED and DELETED', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-watch-'))
  const store = await openSqliteStore(join(dir, 'state.db'))
  t.after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const cms = api.resource('', 'configmaps')!
  const created = await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, {})
  const ac = new AbortController()
  t.after(() => ac.abort())
  const all = cms.watch('default', { resourceVersion: created.metadata.resourceVersion }, ac.signal)[Symbol.asyncIterator]()
  const selected = cms.watch('default', { resourceVersion: created.metadata.resourceVersion, labelSelector: 'app=web' }, ac.signal)[Symbol.asyncIterator]()
  const label = (labels: Record<string, string> | null) => cms.patch('default', 'c', 'application/merge-patch+json', JSON.stringify({ metadata: { labels } }))
  await label({ app: 'web' })
  await label({ app: 'web', tier: 'front' })
  await label(null)
  const types = async (it: AsyncIterator<{ type: string }>, n: number) => {
    const out: string[] = []
    for (let i = 0; i < n; i++) out.push((await it.next()).value.type)
    return out
  }
  assert.deepEqual(await types(all, 3), ['MODIFIED', 'MODIFIED', 'MODIFIED'])
  assert.deepEqual(await types(selected, 3), ['ADDED', 'MODIFIED', 'DELETED'])
})
