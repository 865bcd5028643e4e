// Store behaviour, run against MemoryStore (SqliteStore on ':memory:').
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isStoreError, MemoryStore, StoreError, type Store, type WatchEvent } from './index.js'

/** Reads events from a watch until `n` arrived or it ended (rejects after `ms`). */
async function take(it: AsyncIterator<WatchEvent>, n: number, ms = 2000): Promise<WatchEvent[]> {
  const out: WatchEvent[] = []
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${out.length} events`)), ms)
  })
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), timeout])
      if (r.done) break
      out.push(r.value)
    }
  } finally {
    clearTimeout(timer)
  }
  return out
}

function brief(events: WatchEvent[]): string[] {
  return events.map((e) => `${e.revision} ${e.type} ${e.kv.key}=${e.kv.value}`)
}

async function withStore(fn: (s: Store) => Promise<void>): Promise<void> {
  const s = new MemoryStore()
  try {
    await fn(s)
  } finally {
    await s.close()
  }
}

test('create, get, update, delete with revisions', () =>
  withStore(async (s) => {
    assert.equal(await s.currentRevision(), 0)
    assert.equal(await s.get('/r/a'), undefined)
    const a1 = await s.create('/r/a', '{"v":1}')
    assert.deepEqual(a1, { key: '/r/a', value: '{"v":1}', createRevision: 1, modRevision: 1 })
    assert.deepEqual(await s.get('/r/a'), a1)
    const a2 = await s.update('/r/a', '{"v":2}', 1)
    assert.deepEqual(a2, { key: '/r/a', value: '{"v":2}', createRevision: 1, modRevision: 2 })
    const gone = await s.delete('/r/a')
    assert.deepEqual(gone, { key: '/r/a', value: '{"v":2}', createRevision: 1, modRevision: 3 })
    assert.equal(await s.get('/r/a'), undefined)
    assert.equal(await s.currentRevision(), 3)
  }))

test('error codes: AlreadyExists, NotFound, Conflict with current', () =>
  withStore(async (s) => {
    await s.create('/r/a', 'one')
    await assert.rejects(s.create('/r/a', 'two'), (e) => isStoreError(e, 'AlreadyExists'))
    await assert.rejects(s.update('/r/missing', 'x', 1), (e) => isStoreError(e, 'NotFound'))
    await assert.rejects(s.delete('/r/missing'), (e) => isStoreError(e, 'NotFound'))
    await s.update('/r/a', 'two', 1)
    await assert.rejects(s.update('/r/a', 'three', 1), (e: unknown) => {
      assert.ok(isStoreError(e, 'Conflict'))
      assert.deepEqual(e.current, { key: '/r/a', value: 'two', createRevision: 1, modRevision: 2 })
      return true
    })
    await assert.rejects(s.delete('/r/a', 1), (e: unknown) => isStoreError(e, 'Conflict') && e.current?.modRevision === 2)
    // A failed write does not use up a revision.
    assert.equal(await s.currentRevision(), 2)
    await s.delete('/r/a', 2)
    await assert.rejects(s.update('/r/a', 'x', 3), (e) => isStoreError(e, 'NotFound'))
    await assert.rejects(s.delete('/r/a'), (e) => isStoreError(e, 'NotFound'))
  }))

test('create after delete starts a new life with a new createRevision', () =>
  withStore(async (s) => {
    await s.create('/r/a', 'one')
    await s.delete('/r/a')
    const again = await s.create('/r/a', 'again')
    assert.deepEqual(again, { key: '/r/a', value: 'again', createRevision: 3, modRevision: 3 })
    await s.update('/r/a', 'again2', 3)
    assert.deepEqual(await s.get('/r/a'), { key: '/r/a', value: 'again2', createRevision: 3, modRevision: 4 })
  }))

test('list is prefix-exact, in key order, and counts', () =>
  withStore(async (s) => {
    for (const k of ['/registry/pods/b/x', '/registry/pods/a/y', '/registry/pods/a/x', '/registry/podsx/a', '/registry/pod'])
      await s.create(k, k)
    const r = await s.list('/registry/pods/')
    assert.deepEqual(
      r.items.map((i) => i.key),
      ['/registry/pods/a/x', '/registry/pods/a/y', '/registry/pods/b/x'],
    )
    assert.equal(r.revision, 5)
    assert.equal(r.remaining, 0)
    assert.equal(await s.count('/registry/pods/'), 3)
    assert.equal(await s.count('/registry/pods/a/'), 2)
    assert.equal(await s.count(''), 5)
    // Keys with LIKE wildcards are matched literally.
    await s.create('/w/a%b', '1')
    await s.create('/w/aXb', '2')
    assert.deepEqual((await s.list('/w/a%')).items.map((i) => i.key), ['/w/a%b'])
    await s.delete('/registry/pods/a/y')
    assert.equal(await s.count('/registry/pods/'), 2)
  }))

test('list at an old revision sees the state of then', () =>
  withStore(async (s) => {
    await s.create('/r/a', 'a1') // 1
    await s.create('/r/b', 'b1') // 2
    await s.update('/r/a', 'a2', 1) // 3
    await s.delete('/r/b') // 4
    await s.create('/r/c', 'c1') // 5
    const at = async (rev: number): Promise<string[]> =>
      (await s.list('/r/', { revision: rev })).items.map((i) => `${i.key}=${i.value}@${i.modRevision}`)
    assert.deepEqual(await at(1), ['/r/a=a1@1'])
    assert.deepEqual(await at(2), ['/r/a=a1@1', '/r/b=b1@2'])
    assert.deepEqual(await at(3), ['/r/a=a2@3', '/r/b=b1@2'])
    assert.deepEqual(await at(4), ['/r/a=a2@3'])
    assert.deepEqual(await at(5), ['/r/a=a2@3', '/r/c=c1@5'])
    assert.equal((await s.list('/r/', { revision: 2 })).revision, 2)
    await assert.rejects(s.list('/r/', { revision: 6 }), (e: unknown) => {
      assert.ok(isStoreError(e, 'TooLarge'))
      assert.equal(e.message, 'Too large resource version: 6, current: 5')
      return true
    })
  }))

test('pagination with limit, startAfter and remaining, at a fixed revision', () =>
  withStore(async (s) => {
    for (let i = 0; i < 7; i++) await s.create(`/p/k${i}`, String(i))
    await s.create('/q/other', 'x')
    const p1 = await s.list('/p/', { limit: 3 })
    assert.deepEqual(p1.items.map((i) => i.key), ['/p/k0', '/p/k1', '/p/k2'])
    assert.equal(p1.remaining, 4)
    // Writes between pages do not show: the continuation reads at the first page's revision.
    await s.delete('/p/k4')
    await s.create('/p/k9', '9')
    const p2 = await s.list('/p/', { limit: 3, startAfter: p1.items[2]!.key, revision: p1.revision })
    assert.deepEqual(p2.items.map((i) => i.key), ['/p/k3', '/p/k4', '/p/k5'])
    assert.equal(p2.remaining, 1)
    const p3 = await s.list('/p/', { limit: 3, startAfter: p2.items[2]!.key, revision: p1.revision })
    assert.deepEqual(p3.items.map((i) => i.key), ['/p/k6'])
    assert.equal(p3.remaining, 0)
    const exact = await s.list('/p/', { limit: 7, revision: p1.revision })
    assert.equal(exact.items.length, 7)
    assert.equal(exact.remaining, 0)
    // At the current revision: k4 gone, k9 there.
    const now = await s.list('/p/', { startAfter: p2.items[0]!.key })
    assert.deepEqual(now.items.map((i) => i.key), ['/p/k5', '/p/k6', '/p/k9'])
  }))

test('watch replays history then streams live events, with prevKv', () =>
  withStore(async (s) => {
    await s.create('/r/a', 'a1') // 1
    await s.create('/x/z', 'z') // 2, other prefix
    await s.update('/r/a', 'a2', 1) // 3
    const ac = new AbortController()
    const it = s.watch('/r/', { afterRevision: 1, signal: ac.signal })[Symbol.asyncIterator]()
    await s.delete('/r/a') // 4
    await s.create('/r/b', 'b1') // 5
    const events = await take(it, 3)
    assert.deepEqual(brief(events), ['3 update /r/a=a2', '4 delete /r/a=a2', '5 create /r/b=b1'])
    assert.deepEqual(events[0]!.prevKv, { key: '/r/a', value: 'a1', createRevision: 1, modRevision: 1 })
    assert.deepEqual(events[1]!.kv, { key: '/r/a', value: 'a2', createRevision: 1, modRevision: 4 })
    assert.deepEqual(events[1]!.prevKv, { key: '/r/a', value: 'a2', createRevision: 1, modRevision: 3 })
    assert.equal(events[2]!.prevKv, undefined)
    ac.abort()
    assert.deepEqual(await it.next(), { done: true, value: undefined })
  }))

test('watch from 0 delivers only live events; from the current revision too', () =>
  withStore(async (s) => {
    await s.create('/r/a', 'a1')
    const ac = new AbortController()
    const w0 = s.watch('/r/', { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]()
    const w1 = s.watch('/r/', { afterRevision: 1, signal: ac.signal })[Symbol.asyncIterator]()
    await s.create('/r/b', 'b1')
    assert.deepEqual(brief(await take(w0, 1)), ['2 create /r/b=b1'])
    assert.deepEqual(brief(await take(w1, 1)), ['2 create /r/b=b1'])
    ac.abort()
  }))

test('watch: no gap and no duplicate while writes run concurrently with the replay', async () => {
  const s = new MemoryStore({ watchPageSize: 7 })
  try {
    for (let i = 0; i < 300; i++) await s.create(`/r/k${i}`, String(i))
    const ac = new AbortController()
    const it = s.watch('/r/', { afterRevision: 10, signal: ac.signal })[Symbol.asyncIterator]()
    const writer = (async () => {
      for (let i = 0; i < 300; i++) {
        await s.update(`/r/k${i}`, `u${i}`, i + 1)
        if (i % 10 === 0) await new Promise((r) => setImmediate(r))
      }
    })()
    const events = await take(it, 590)
    await writer
    assert.equal(events.length, 590)
    events.forEach((e, i) => assert.equal(e.revision, 11 + i))
    ac.abort()
  } finally {
    await s.close()
  }
})

test('watch after compaction: Expired on the first next()', () =>
  withStore(async (s) => {
    await s.create('/r/a', '1')
    await s.update('/r/a', '2', 1)
    await s.update('/r/a', '3', 2)
    await s.compact(2)
    assert.equal(await s.compactedRevision(), 2)
    const ac = new AbortController()
    const it = s.watch('/r/', { afterRevision: 1, signal: ac.signal })[Symbol.asyncIterator]()
    await assert.rejects(it.next(), (e) => isStoreError(e, 'Expired'))
    assert.deepEqual(await it.next(), { done: true, value: undefined })
    // At the compacted revision itself, history after it is intact.
    const ok = s.watch('/r/', { afterRevision: 2, signal: ac.signal })[Symbol.asyncIterator]()
    assert.deepEqual(brief(await take(ok, 1)), ['3 update /r/a=3'])
    ac.abort()
  }))

test('compaction keeps live values and the state at the compacted revision', () =>
  withStore(async (s) => {
    await s.create('/r/a', 'a1') // 1
    await s.update('/r/a', 'a2', 1) // 2
    await s.create('/r/b', 'b1') // 3
    await s.delete('/r/b') // 4
    await s.create('/r/c', 'c1') // 5
    await s.update('/r/a', 'a3', 2) // 6
    await s.compact(5)
    await assert.rejects(s.list('/r/', { revision: 4 }), (e) => isStoreError(e, 'Expired'))
    assert.deepEqual(
      (await s.list('/r/', { revision: 5 })).items.map((i) => `${i.key}=${i.value}`),
      ['/r/a=a2', '/r/c=c1'],
    )
    assert.deepEqual((await s.list('/r/')).items.map((i) => `${i.key}=${i.value}`), ['/r/a=a3', '/r/c=c1'])
    // b's tombstone is gone; b can be created again.
    await s.create('/r/b', 'b2')
    await s.compact(3) // below the compacted revision: nothing to do
    await assert.rejects(s.compact(100), (e) => isStoreError(e, 'TooLarge'))
    await s.compact(await s.currentRevision())
    assert.deepEqual((await s.list('/r/')).items.map((i) => `${i.key}=${i.value}`), ['/r/a=a3', '/r/b=b2', '/r/c=c1'])
  }))

test('a watcher that falls too far behind ends with Expired', async () => {
  const s = new MemoryStore({ maxWatchBuffer: 5 })
  try {
    const ac = new AbortController()
    const it = s.watch('/r/', { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]()
    for (let i = 0; i < 6; i++) await s.create(`/r/${i}`, 'x')
    await assert.rejects(it.next(), (e) => isStoreError(e, 'Expired') && /fell too far behind/.test(e.message))
    assert.equal((s as MemoryStore).watcherCount, 0)
    ac.abort()
  } finally {
    await s.close()
  }
})

test('abort and close end watches; a closed store answers Unavailable', async () => {
  const s = new MemoryStore()
  const ac = new AbortController()
  const it = s.watch('/r/', { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]()
  const pending = it.next()
  ac.abort()
  assert.deepEqual(await pending, { done: true, value: undefined })
  assert.equal(s.watcherCount, 0)
  const it2 = s.watch('/r/', { afterRevision: 0, signal: new AbortController().signal })[Symbol.asyncIterator]()
  const pending2 = it2.next()
  await s.close()
  assert.deepEqual(await pending2, { done: true, value: undefined })
  await assert.rejects(s.get('/r/a'), (e) => e instanceof StoreError && e.code === 'Unavailable')
  await assert.rejects(s.watch('/r/', { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]().next(), (e) =>
    isStoreError(e, 'Unavailable'),
  )
  await s.close() // twice is fine
})

test('an already-aborted signal gives an empty watch', () =>
  withStore(async (s) => {
    const ac = new AbortController()
    ac.abort()
    const events: WatchEvent[] = []
    for await (const e of s.watch('', { afterRevision: 0, signal: ac.signal })) events.push(e)
    assert.deepEqual(events, [])
  }))

test('events are frozen (shared between watchers)', () =>
  withStore(async (s) => {
    const ac = new AbortController()
    const it = s.watch('/r/', { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]()
    await s.create('/r/a', 'x')
    const [e] = await take(it, 1)
    assert.ok(Object.isFrozen(e) && Object.isFrozen(e!.kv))
    ac.abort()
  }))
