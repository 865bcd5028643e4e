// File-backed behaviour: restart, ownership, compaction bookkeeping.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { isStoreError, type WatchEvent } from '../types.js'
import { openSqliteStore, SqliteStore } from './sqlite.js'

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-store-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function collect(it: AsyncIterable<WatchEvent>, n: number, ac: AbortController): Promise<string[]> {
  const out: string[] = []
  for await (const e of it) {
    out.push(`${e.revision} ${e.type} ${e.kv.key}=${e.kv.value}`)
    if (out.length === n) ac.abort()
  }
  return out
}

test('reopening keeps every key, continues the revision counter and replays older history', async (t) => {
  const path = join(tempDir(t), 'nested', 'state.db')
  const s1 = await openSqliteStore(path)
  await s1.create('/r/a', 'a1') // 1
  await s1.create('/r/b', 'b1') // 2
  await s1.update('/r/a', 'a2', 1) // 3
  await s1.delete('/r/b') // 4
  await s1.close()

  const s2 = await openSqliteStore(path)
  assert.equal(await s2.currentRevision(), 4)
  assert.deepEqual(await s2.get('/r/a'), { key: '/r/a', value: 'a2', createRevision: 1, modRevision: 3 })
  assert.equal(await s2.get('/r/b'), undefined)
  assert.deepEqual(await s2.create('/r/c', 'c1'), { key: '/r/c', value: 'c1', createRevision: 5, modRevision: 5 })
  const ac = new AbortController()
  assert.deepEqual(await collect(s2.watch('/r/', { afterRevision: 1, signal: ac.signal }), 4, ac), [
    '2 create /r/b=b1',
    '3 update /r/a=a2',
    '4 delete /r/b=b1',
    '5 create /r/c=c1',
  ])
  await s2.close()
})

test('revisions are never reused, even when compaction removed the newest rows', async (t) => {
  const path = join(tempDir(t), 'state.db')
  const s1 = await openSqliteStore(path)
  await s1.create('/r/a', 'x') // 1
  await s1.delete('/r/a') // 2: a tombstone, the newest row
  await s1.compact(2) // removes rows 1 and 2: the table is empty
  assert.equal(await s1.compactedRevision(), 2)
  await s1.close()
  const s2 = await openSqliteStore(path)
  assert.equal(await s2.currentRevision(), 2)
  assert.equal(await s2.compactedRevision(), 2)
  await assert.rejects(s2.list('/r/', { revision: 1 }), (e) => isStoreError(e, 'Expired'))
  assert.equal((await s2.create('/r/a', 'y')).modRevision, 3)
  await s2.close()
})

test('a second owner of the same file is refused with Unavailable', async (t) => {
  const path = join(tempDir(t), 'state.db')
  const s1 = await openSqliteStore(path)
  assert.throws(() => new SqliteStore(path), (e) => isStoreError(e, 'Unavailable') && /locked/.test(e.message))
  await s1.close()
  const s2 = new SqliteStore(path) // free again after close
  await s2.close()
})

test('a file that is not a database, or a missing directory, is Unavailable', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'junk.db')
  writeFileSync(path, 'this is not a database file, just some text that is long enough to have a header'.repeat(20))
  assert.throws(() => new SqliteStore(path), (e) => isStoreError(e, 'Unavailable') && /cannot open database/.test(e.message))
  assert.throws(() => new SqliteStore(join(dir, 'missing', 'x.db')), (e) => isStoreError(e, 'Unavailable'))
})

test('the file is in WAL mode', async (t) => {
  const path = join(tempDir(t), 'state.db')
  const s = await openSqliteStore(path)
  await s.create('/r/a', 'x')
  await s.close()
  const db = new Database(path, { readonly: true })
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  db.close()
})

test('an interrupted compaction is finished on the next open', async (t) => {
  const path = join(tempDir(t), 'state.db')
  const s1 = await openSqliteStore(path, { compactBatch: 2 })
  for (let i = 0; i < 10; i++) await s1.create(`/r/k${i}`, 'v0') // 1..10
  for (let i = 0; i < 10; i++) await s1.update(`/r/k${i}`, 'v1', i + 1) // 11..20
  const done = s1.compact(20)
  await s1.close() // after the first batch: the rest is left for later
  await done
  const raw = new Database(path)
  const rowsBefore = raw.prepare('SELECT COUNT(*) FROM kine').pluck().get() as number
  raw.close()
  assert.ok(rowsBefore > 10, `expected leftover rows, got ${rowsBefore}`)
  const s2 = await openSqliteStore(path)
  assert.equal(await s2.compactedRevision(), 20)
  await s2.compact(20) // waits for the resumed compaction
  await s2.close()
  const raw2 = new Database(path)
  assert.equal(raw2.prepare('SELECT COUNT(*) FROM kine').pluck().get(), 10)
  raw2.close()
})

test('a watch that is replaying when compaction passes it ends with Expired', async () => {
  const s = new SqliteStore(':memory:', { watchPageSize: 2 })
  for (let i = 0; i < 5; i++) await s.create('/r/a' + i, 'v')
  for (let i = 0; i < 5; i++) await s.update('/r/a' + i, 'w', i + 1)
  const ac = new AbortController()
  const it = s.watch('/r/', { afterRevision: 1, signal: ac.signal })[Symbol.asyncIterator]()
  assert.equal((await it.next()).value?.revision, 2)
  await s.compact(8)
  assert.equal((await it.next()).value?.revision, 3) // already read into the page
  await assert.rejects(it.next(), (e) => isStoreError(e, 'Expired'))
  ac.abort()
  await s.close()
})

test('group commit: writes of one turn share a commit; a failed one leaves the others; readers see only committed rows', async () => {
  const { MemoryStore } = await import('../memory/memory.js')
  const store = new MemoryStore()
  const ac = new AbortController()
  const seen: number[] = []
  const watching = (async () => {
    for await (const ev of store.watch('/g/', { afterRevision: 0, signal: ac.signal })) {
      seen.push(ev.revision)
      if (seen.length === 3) break
    }
  })()
  await new Promise((r) => setImmediate(r))
  await store.create('/g/taken', '1')
  const before = await store.currentRevision()
  const writes = [store.create('/g/a', 'a'), store.create('/g/taken', 'again'), store.create('/g/b', 'b')]
  // Same turn: nothing is visible to readers yet.
  assert.equal(await store.get('/g/a'), undefined)
  const results = await Promise.allSettled(writes)
  assert.equal(results[0].status, 'fulfilled')
  assert.equal(results[1].status, 'rejected')
  assert.equal((results[1] as PromiseRejectedResult).reason.code, 'AlreadyExists')
  assert.equal(results[2].status, 'fulfilled')
  assert.equal(await store.currentRevision(), before + 2)
  assert.equal((await store.get('/g/b'))?.value, 'b')
  await watching
  assert.deepEqual(seen, [before, before + 1, before + 2])
  ac.abort()
  await store.close()
})

test('the database and its WAL are private to their owner (every Secret is in them)', async (t) => {
  const path = join(tempDir(t), 'fresh', 'state.db')
  const store = await openSqliteStore(path)
  t.after(() => store.close())
  await store.create('/registry/secrets/default/s', '{}')
  for (const p of [path, `${path}-wal`]) assert.equal(statSync(p).mode & 0o777, 0o600, p)
  assert.equal(statSync(dirname(path)).mode & 0o777, 0o700)
})

test('an existing world-readable database is made private on open', async (t) => {
  const path = join(tempDir(t), 'state.db')
  writeFileSync(path, '')
  chmodSync(path, 0o644)
  const store = await openSqliteStore(path)
  t.after(() => store.close())
  assert.equal(statSync(path).mode & 0o777, 0o600)
})

test('a batch is seen by readers only once committed and its WAL fsynced; settled() waits for that; close() acknowledges what is pending', async (t) => {
  const path = join(tempDir(t), 'state.db')
  const s = await openSqliteStore(path)
  const db = (s as unknown as { db: Database.Database }).db
  assert.equal(db.pragma('synchronous', { simple: true }), 1, 'COMMIT itself does not fsync (NORMAL): the WAL is fsynced off the event loop')
  const writes = [s.create('/r/a', '1'), s.create('/r/b', '2'), s.create('/r/c', '3')]
  assert.equal(await s.get('/r/a'), undefined, 'not committed yet')
  assert.equal(await s.currentRevision(), 0)
  await s.settled()
  assert.equal(await s.currentRevision(), 3)
  assert.deepEqual((await s.list('/r/')).items.map((kv) => kv.value), ['1', '2', '3'])
  assert.deepEqual((await Promise.all(writes)).map((kv) => kv.modRevision), [1, 2, 3])

  const last = s.update('/r/a', '4', 1)
  await s.close()
  assert.equal((await last).modRevision, 4, 'a write pending at close is committed and acknowledged')
  const again = await openSqliteStore(path)
  assert.equal((await again.get('/r/a'))?.value, '4')
  await again.close()
})
