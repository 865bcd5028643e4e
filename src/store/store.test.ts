// The store's conformance suite: the same cases run against every backend — the SQLite store
// (MemoryStore: SqliteStore on ':memory:') and etcd v3 (Debian's etcd-server started here on
// loopback with free ports and a data dir in a temp dir; skipped with a message where it is not
// installed). Revisions are counted from the store's revision at the start of each case (r0): an
// empty SQLite store starts at 0, etcd at 1, and every etcd case gets its own key prefix.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { setMaxListeners } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isStoreError, MemoryStore, StoreError, type Store, type WatchEvent } from './index.js'
import { openEtcdStore } from './etcd/etcd.js'
import { etcdMissing, launchEtcd, type EtcdCluster } from './etcd/launch.js'

/** Reads events from a watch until `n` arrived or it ended (rejects after `ms`). */
async function take(it: AsyncIterator<WatchEvent>, n: number, ms = 5000): Promise<WatchEvent[]> {
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

/** Events as text, revisions relative to r0. */
function brief(events: WatchEvent[], r0: number): string[] {
  return events.map((e) => `${e.revision - r0} ${e.type} ${e.kv.key}=${e.kv.value}`)
}

interface TestStore extends Store {
  readonly watcherCount: number
}
interface StoreOpts {
  maxWatchBuffer?: number
  watchPageSize?: number
}

interface Backend {
  name: string
  skip?: string
  setup?(): Promise<void>
  teardown?(): Promise<void>
  open(opts?: StoreOpts): Promise<TestStore>
}

let cluster: EtcdCluster | undefined
let etcdDir = ''
let cases = 0
const backends: Backend[] = [
  { name: 'sqlite', open: async (opts) => new MemoryStore(opts) },
  {
    name: 'etcd',
    skip: etcdMissing(),
    async setup() {
      // tmpfs where there is one: etcd fsyncs every commit, and the suite measures semantics, not disks.
      etcdDir = mkdtempSync(join(process.platform === 'linux' ? '/dev/shm' : tmpdir(), 'kubelite-etcd-store-'))
      cluster = await launchEtcd({ dir: etcdDir })
    },
    async teardown() {
      await cluster?.close()
      if (etcdDir) rmSync(etcdDir, { recursive: true, force: true })
    },
    open: (opts) => openEtcdStore({ endpoints: cluster!.endpoints, keyPrefix: `/case-${++cases}`, maxWatchBuffer: opts?.maxWatchBuffer }),
  },
]

for (const backend of backends) {
  describe(`store conformance: ${backend.name}`, { skip: backend.skip }, () => {
    before(() => backend.setup?.())
    after(() => backend.teardown?.())

    async function withStore(fn: (s: TestStore, r0: number) => Promise<void>, opts?: StoreOpts): Promise<void> {
      const s = await backend.open(opts)
      try {
        await fn(s, await s.currentRevision())
      } finally {
        await s.close()
      }
    }

    test('create, get, update, delete with revisions', () =>
      withStore(async (s, r0) => {
        assert.equal(await s.get('/r/a'), undefined)
        const a1 = await s.create('/r/a', '{"v":1}')
        assert.deepEqual(a1, { key: '/r/a', value: '{"v":1}', createRevision: r0 + 1, modRevision: r0 + 1 })
        assert.deepEqual(await s.get('/r/a'), a1)
        const a2 = await s.update('/r/a', '{"v":2}', r0 + 1)
        assert.deepEqual(a2, { key: '/r/a', value: '{"v":2}', createRevision: r0 + 1, modRevision: r0 + 2 })
        const gone = await s.delete('/r/a')
        assert.deepEqual(gone, { key: '/r/a', value: '{"v":2}', createRevision: r0 + 1, modRevision: r0 + 3 })
        assert.equal(await s.get('/r/a'), undefined)
        assert.equal(await s.currentRevision(), r0 + 3)
      }))

    test('error codes: AlreadyExists, NotFound, Conflict with current', () =>
      withStore(async (s, r0) => {
        await s.create('/r/a', 'one')
        await assert.rejects(s.create('/r/a', 'two'), (e) => isStoreError(e, 'AlreadyExists'))
        await assert.rejects(s.update('/r/missing', 'x', r0 + 1), (e) => isStoreError(e, 'NotFound'))
        await assert.rejects(s.update('/r/missing', 'x', 0), (e) => isStoreError(e, 'NotFound'))
        await assert.rejects(s.delete('/r/missing'), (e) => isStoreError(e, 'NotFound'))
        await s.update('/r/a', 'two', r0 + 1)
        await assert.rejects(s.update('/r/a', 'three', r0 + 1), (e: unknown) => {
          assert.ok(isStoreError(e, 'Conflict'))
          assert.deepEqual(e.current, { key: '/r/a', value: 'two', createRevision: r0 + 1, modRevision: r0 + 2 })
          return true
        })
        await assert.rejects(s.delete('/r/a', r0 + 1), (e: unknown) => isStoreError(e, 'Conflict') && e.current?.modRevision === r0 + 2)
        // A failed write does not use up a revision.
        assert.equal(await s.currentRevision(), r0 + 2)
        await s.delete('/r/a', r0 + 2)
        await assert.rejects(s.update('/r/a', 'x', r0 + 3), (e) => isStoreError(e, 'NotFound'))
        await assert.rejects(s.delete('/r/a'), (e) => isStoreError(e, 'NotFound'))
        await assert.rejects(s.delete('/r/a', r0 + 3), (e) => isStoreError(e, 'NotFound'))
      }))

    test('create after delete starts a new life with a new createRevision', () =>
      withStore(async (s, r0) => {
        await s.create('/r/a', 'one')
        await s.delete('/r/a')
        const again = await s.create('/r/a', 'again')
        assert.deepEqual(again, { key: '/r/a', value: 'again', createRevision: r0 + 3, modRevision: r0 + 3 })
        await s.update('/r/a', 'again2', r0 + 3)
        assert.deepEqual(await s.get('/r/a'), { key: '/r/a', value: 'again2', createRevision: r0 + 3, modRevision: r0 + 4 })
      }))

    test('list is prefix-exact, in key order, and counts', () =>
      withStore(async (s, r0) => {
        for (const k of ['/registry/pods/b/x', '/registry/pods/a/y', '/registry/pods/a/x', '/registry/podsx/a', '/registry/pod'])
          await s.create(k, k)
        const r = await s.list('/registry/pods/')
        assert.deepEqual(
          r.items.map((i) => i.key),
          ['/registry/pods/a/x', '/registry/pods/a/y', '/registry/pods/b/x'],
        )
        assert.equal(r.revision, r0 + 5)
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
      withStore(async (s, r0) => {
        await s.create('/r/a', 'a1') // 1
        await s.create('/r/b', 'b1') // 2
        await s.update('/r/a', 'a2', r0 + 1) // 3
        await s.delete('/r/b') // 4
        await s.create('/r/c', 'c1') // 5
        const at = async (rev: number): Promise<string[]> =>
          (await s.list('/r/', { revision: r0 + rev })).items.map((i) => `${i.key}=${i.value}@${i.modRevision - r0}`)
        assert.deepEqual(await at(1), ['/r/a=a1@1'])
        assert.deepEqual(await at(2), ['/r/a=a1@1', '/r/b=b1@2'])
        assert.deepEqual(await at(3), ['/r/a=a2@3', '/r/b=b1@2'])
        assert.deepEqual(await at(4), ['/r/a=a2@3'])
        assert.deepEqual(await at(5), ['/r/a=a2@3', '/r/c=c1@5'])
        assert.equal((await s.list('/r/', { revision: r0 + 2 })).revision, r0 + 2)
        await assert.rejects(s.list('/r/', { revision: r0 + 6 }), (e: unknown) => {
          assert.ok(isStoreError(e, 'TooLarge'))
          assert.equal(e.message, `Too large resource version: ${r0 + 6}, current: ${r0 + 5}`)
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
      withStore(async (s, r0) => {
        await s.create('/r/a', 'a1') // 1
        await s.create('/x/z', 'z') // 2, other prefix
        await s.update('/r/a', 'a2', r0 + 1) // 3
        const ac = new AbortController()
        const it = s.watch('/r/', { afterRevision: r0 + 1, signal: ac.signal })[Symbol.asyncIterator]()
        await s.delete('/r/a') // 4
        await s.create('/r/b', 'b1') // 5
        const events = await take(it, 3)
        assert.deepEqual(brief(events, r0), ['3 update /r/a=a2', '4 delete /r/a=a2', '5 create /r/b=b1'])
        assert.deepEqual(events[0]!.prevKv, { key: '/r/a', value: 'a1', createRevision: r0 + 1, modRevision: r0 + 1 })
        assert.deepEqual(events[1]!.kv, { key: '/r/a', value: 'a2', createRevision: r0 + 1, modRevision: r0 + 4 })
        assert.deepEqual(events[1]!.prevKv, { key: '/r/a', value: 'a2', createRevision: r0 + 1, modRevision: r0 + 3 })
        assert.equal(events[2]!.prevKv, undefined)
        ac.abort()
        assert.deepEqual(await it.next(), { done: true, value: undefined })
      }))

    test('watch from 0 delivers only live events; from the current revision too', () =>
      withStore(async (s, r0) => {
        await s.create('/r/a', 'a1')
        const ac = new AbortController()
        const w0 = s.watch('/r/', { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]()
        const w1 = s.watch('/r/', { afterRevision: r0 + 1, signal: ac.signal })[Symbol.asyncIterator]()
        await s.create('/r/b', 'b1')
        assert.deepEqual(brief(await take(w0, 1), r0), ['2 create /r/b=b1'])
        assert.deepEqual(brief(await take(w1, 1), r0), ['2 create /r/b=b1'])
        ac.abort()
      }))

    test('watch: no gap and no duplicate while writes run concurrently with the replay', () =>
      withStore(
        async (s, r0) => {
          for (let i = 0; i < 300; i++) await s.create(`/r/k${i}`, String(i))
          const ac = new AbortController()
          const it = s.watch('/r/', { afterRevision: r0 + 10, signal: ac.signal })[Symbol.asyncIterator]()
          const writer = (async () => {
            for (let i = 0; i < 300; i++) {
              await s.update(`/r/k${i}`, `u${i}`, r0 + i + 1)
              if (i % 10 === 0) await new Promise((r) => setImmediate(r))
            }
          })()
          const events = await take(it, 590, 20_000)
          await writer
          assert.equal(events.length, 590)
          events.forEach((e, i) => assert.equal(e.revision, r0 + 11 + i))
          ac.abort()
        },
        { watchPageSize: 7 },
      ))

    test('watch after compaction: Expired on the first next()', () =>
      withStore(async (s, r0) => {
        await s.create('/r/a', '1')
        await s.update('/r/a', '2', r0 + 1)
        await s.update('/r/a', '3', r0 + 2)
        await s.compact(r0 + 2)
        assert.equal(await s.compactedRevision(), r0 + 2)
        const ac = new AbortController()
        const it = s.watch('/r/', { afterRevision: r0 + 1, signal: ac.signal })[Symbol.asyncIterator]()
        await assert.rejects(it.next(), (e) => isStoreError(e, 'Expired'))
        assert.deepEqual(await it.next(), { done: true, value: undefined })
        // At the compacted revision itself, history after it is intact.
        const ok = s.watch('/r/', { afterRevision: r0 + 2, signal: ac.signal })[Symbol.asyncIterator]()
        assert.deepEqual(brief(await take(ok, 1), r0), ['3 update /r/a=3'])
        ac.abort()
      }))

    test('compaction keeps live values and the state at the compacted revision', () =>
      withStore(async (s, r0) => {
        await s.create('/r/a', 'a1') // 1
        await s.update('/r/a', 'a2', r0 + 1) // 2
        await s.create('/r/b', 'b1') // 3
        await s.delete('/r/b') // 4
        await s.create('/r/c', 'c1') // 5
        await s.update('/r/a', 'a3', r0 + 2) // 6
        await s.compact(r0 + 5)
        await assert.rejects(s.list('/r/', { revision: r0 + 4 }), (e: unknown) => {
          assert.ok(isStoreError(e, 'Expired'))
          assert.equal(e.message, `required revision ${r0 + 4} has been compacted (compacted revision ${r0 + 5})`)
          return true
        })
        assert.deepEqual(
          (await s.list('/r/', { revision: r0 + 5 })).items.map((i) => `${i.key}=${i.value}`),
          ['/r/a=a2', '/r/c=c1'],
        )
        assert.deepEqual((await s.list('/r/')).items.map((i) => `${i.key}=${i.value}`), ['/r/a=a3', '/r/c=c1'])
        // b's tombstone is gone; b can be created again.
        await s.create('/r/b', 'b2')
        await s.compact(r0 + 3) // below the compacted revision: nothing to do
        assert.equal(await s.compactedRevision(), r0 + 5)
        await assert.rejects(s.compact(r0 + 100), (e) => isStoreError(e, 'TooLarge'))
        await s.compact(await s.currentRevision())
        assert.deepEqual((await s.list('/r/')).items.map((i) => `${i.key}=${i.value}`), ['/r/a=a3', '/r/b=b2', '/r/c=c1'])
      }))

    test('a watcher that falls too far behind ends with Expired', () =>
      withStore(
        async (s, r0) => {
          const ac = new AbortController()
          const it = s.watch('/r/', { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]()
          for (let i = 0; i < 12; i++) await s.create(`/r/${i}`, 'x')
          // A second watch that sees the last write: the first one has been sent every event by now.
          const barrier = s.watch('/r/', { afterRevision: r0 + 11, signal: ac.signal })[Symbol.asyncIterator]()
          assert.deepEqual(brief(await take(barrier, 1), r0), ['12 create /r/11=x'])
          let delivered = 0
          await assert.rejects(
            (async () => {
              for (;;) {
                const r = await it.next()
                assert.equal(r.done, false, 'the watch ended instead of failing')
                delivered++
              }
            })(),
            (e) => isStoreError(e, 'Expired') && /fell too far behind/.test(e.message),
          )
          assert.ok(delivered < 12, `delivered ${delivered} events of 12 with a buffer of 5`)
          ac.abort()
          assert.equal(s.watcherCount, 0)
        },
        { maxWatchBuffer: 5 },
      ))

    test('abort and close end watches; a closed store answers Unavailable', async () => {
      const s = await backend.open()
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
  })
}

test('etcd: a hundred open watches do not hold up reads and writes', { skip: etcdMissing(), timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(process.platform === 'linux' ? '/dev/shm' : tmpdir(), 'kubelite-etcd-watches-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const etcd = await launchEtcd({ dir })
  t.after(() => etcd.close())
  const s = await openEtcdStore({ endpoints: etcd.endpoints })
  t.after(() => s.close())
  const ac = new AbortController()
  setMaxListeners(0, ac.signal)
  t.after(() => ac.abort())
  const its = Array.from({ length: 100 }, (_, i) => s.watch(`/w/${i}/`, { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]())
  const kv = await s.create('/w/99/x', 'v')
  assert.deepEqual(await s.get('/w/99/x'), kv)
  const [e] = await take(its[99]!, 1)
  assert.equal(e!.kv.key, '/w/99/x')
  assert.equal(s.watcherCount, 100)
})
