// Properties over random operation sequences, checked against a plain Map model, for every
// backend: SQLite, and etcd (started here on loopback; skipped with a message where it is not
// installed). etcd's revisions are global and start at 1, so each etcd case gets a key prefix of its
// own and sees revisions counted from the one it started at (Rebased below): the model and the
// properties stay exactly as for SQLite.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import {
  isStoreError,
  MemoryStore,
  openEtcdStore,
  openSqliteStore,
  StoreError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type WatchEvent,
  type WatchOptions,
} from './index.js'
import { etcdMissing, launchEtcd, type EtcdCluster } from './etcd/launch.js'

/** A store seen with revisions counted from `base` (the revision it was at when the case began). */
class Rebased implements Store {
  constructor(
    private readonly s: Store,
    private readonly base: number,
  ) {}
  private kv = (kv: KeyValue): KeyValue => ({ ...kv, createRevision: kv.createRevision - this.base, modRevision: kv.modRevision - this.base })
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof StoreError && err.current) throw new StoreError(err.code, err.message, this.kv(err.current))
      throw err
    }
  }
  async currentRevision(): Promise<number> {
    return (await this.s.currentRevision()) - this.base
  }
  async compactedRevision(): Promise<number> {
    return Math.max(0, (await this.s.compactedRevision()) - this.base)
  }
  async get(key: string): Promise<KeyValue | undefined> {
    const kv = await this.s.get(key)
    return kv && this.kv(kv)
  }
  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const r = await this.s.list(prefix, { ...opts, ...(opts.revision ? { revision: opts.revision + this.base } : {}) })
    return { ...r, items: r.items.map(this.kv), revision: r.revision - this.base }
  }
  count(prefix: string): Promise<number> {
    return this.s.count(prefix)
  }
  create(key: string, value: string): Promise<KeyValue> {
    return this.call(async () => this.kv(await this.s.create(key, value)))
  }
  update(key: string, value: string, expected: number): Promise<KeyValue> {
    return this.call(async () => this.kv(await this.s.update(key, value, expected + this.base)))
  }
  delete(key: string, expected?: number): Promise<KeyValue> {
    return this.call(async () => this.kv(await this.s.delete(key, expected === undefined ? undefined : expected + this.base)))
  }
  watch(prefix: string, opts: WatchOptions): AsyncIterableIterator<WatchEvent> {
    // Subscribed now, as the store's own watch is (a generator would subscribe at the first next()).
    const after = opts.afterRevision === 0 ? 0 : opts.afterRevision + this.base
    const inner = this.s.watch(prefix, { ...opts, afterRevision: after })[Symbol.asyncIterator]()
    const map = (e: WatchEvent): WatchEvent => ({ ...e, revision: e.revision - this.base, kv: this.kv(e.kv), ...(e.prevKv ? { prevKv: this.kv(e.prevKv) } : {}) })
    const it: AsyncIterableIterator<WatchEvent> = {
      [Symbol.asyncIterator]: () => it,
      next: async () => {
        const r = await inner.next()
        return r.done ? r : { done: false, value: map(r.value) }
      },
      return: async () => (await inner.return?.()) ?? { done: true, value: undefined },
    }
    return it
  }
  compact(revision: number): Promise<void> {
    return this.s.compact(revision + this.base)
  }
  close(): Promise<void> {
    return this.s.close()
  }
}

interface Backend {
  name: string
  skip?: string
  /** Cases per property (etcd pays a round trip per operation). */
  runs: (n: number) => number
  setup?(): Promise<void>
  teardown?(): Promise<void>
  open(opts?: { watchPageSize?: number }): Promise<Store>
  /** Opens the store named `id` again (the same data: a file, or a key prefix in etcd). */
  reopen(id: string): Promise<Store>
}

let dir = ''
let cluster: EtcdCluster | undefined
let cases = 0
const bases = new Map<string, number>()
const etcdStore = async (prefix: string): Promise<Store> => {
  const s = await openEtcdStore({ endpoints: cluster!.endpoints, keyPrefix: prefix })
  if (!bases.has(prefix)) bases.set(prefix, await s.currentRevision())
  return new Rebased(s, bases.get(prefix)!)
}
const backends: Backend[] = [
  {
    name: 'sqlite',
    runs: (n) => n,
    setup: async () => void (dir = mkdtempSync(join(tmpdir(), 'kubelite-store-prop-'))),
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
    open: async (opts) => new MemoryStore(opts),
    reopen: (id) => openSqliteStore(join(dir, `state-${id}.db`)),
  },
  {
    name: 'etcd',
    skip: etcdMissing(),
    runs: (n) => Math.max(10, Math.round(n / 3)),
    async setup() {
      dir = mkdtempSync(join(process.platform === 'linux' ? '/dev/shm' : tmpdir(), 'kubelite-store-prop-etcd-'))
      cluster = await launchEtcd({ dir })
    },
    async teardown() {
      await cluster?.close()
      rmSync(dir, { recursive: true, force: true })
    },
    open: () => etcdStore(`/prop-${++cases}`),
    reopen: (id) => etcdStore(`/reopen-${id}`),
  },
]

type Op =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; stale: boolean }
  | { kind: 'delete'; key: string; guard: 'none' | 'fresh' | 'stale' }
  | { kind: 'compact'; fraction: number }

const keyArb = fc.constantFrom('/r/a', '/r/b', '/r/c', '/r/dd', '/x/a')
const valueArb = fc.string({ maxLength: 6 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('create' as const), key: keyArb, value: valueArb }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('update' as const), key: keyArb, value: valueArb, stale: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      key: keyArb,
      guard: fc.constantFrom('none' as const, 'fresh' as const, 'stale' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
)

/** The model: live keys, plus a snapshot per revision. */
class Model {
  live = new Map<string, KeyValue>()
  snapshots: Map<string, KeyValue>[] = [new Map()]
  revision = 0

  commit(): void {
    this.snapshots.push(new Map(this.live))
  }
}

/** Applies one op to store and model; checks the outcome matches. */
async function step(s: Store, m: Model, op: Op): Promise<void> {
  const before = await s.currentRevision()
  const cur = op.kind !== 'compact' ? m.live.get(op.key) : undefined
  switch (op.kind) {
    case 'create': {
      if (cur) {
        await assert.rejects(s.create(op.key, op.value), (e) => isStoreError(e, 'AlreadyExists'))
        break
      }
      const kv = await s.create(op.key, op.value)
      assert.deepEqual(kv, { key: op.key, value: op.value, createRevision: before + 1, modRevision: before + 1 })
      m.live.set(op.key, kv)
      m.commit()
      break
    }
    case 'update': {
      const expected = cur ? (op.stale ? cur.modRevision - 1 : cur.modRevision) : 1
      if (!cur) {
        await assert.rejects(s.update(op.key, op.value, expected), (e) => isStoreError(e, 'NotFound'))
        break
      }
      if (op.stale) {
        await assert.rejects(s.update(op.key, op.value, expected), (e) => isStoreError(e, 'Conflict') && e.current?.modRevision === cur.modRevision)
        break
      }
      const kv = await s.update(op.key, op.value, expected)
      assert.deepEqual(kv, { key: op.key, value: op.value, createRevision: cur.createRevision, modRevision: before + 1 })
      m.live.set(op.key, kv)
      m.commit()
      break
    }
    case 'delete': {
      const expected = !cur || op.guard === 'none' ? undefined : op.guard === 'fresh' ? cur.modRevision : cur.modRevision + 1
      if (!cur) {
        await assert.rejects(s.delete(op.key, expected), (e) => isStoreError(e, 'NotFound'))
        break
      }
      if (op.guard === 'stale') {
        await assert.rejects(s.delete(op.key, expected), (e) => isStoreError(e, 'Conflict'))
        break
      }
      const kv = await s.delete(op.key, expected)
      assert.deepEqual(kv, { ...cur, modRevision: before + 1 })
      m.live.delete(op.key)
      m.commit()
      break
    }
    case 'compact': {
      const compacted = await s.compactedRevision()
      await s.compact(Math.floor(compacted + (before - compacted) * op.fraction))
      break
    }
  }
  const after = await s.currentRevision()
  const wrote = m.snapshots.length - 1 > before
  assert.equal(after, wrote ? before + 1 : before, 'a write moves the revision by exactly one; a failed one not at all')
  m.revision = after
}

function asMap(items: KeyValue[]): Map<string, KeyValue> {
  return new Map(items.map((i) => [i.key, i]))
}

function modelUnder(m: Map<string, KeyValue>, prefix: string): Map<string, KeyValue> {
  return new Map([...m].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)))
}

/** Applies watch events onto a list result, checking each prevKv against what it replaces. */
function applyEvents(start: Map<string, KeyValue>, events: WatchEvent[]): Map<string, KeyValue> {
  const m = new Map(start)
  let last = 0
  for (const e of events) {
    assert.ok(e.revision > last, 'events in strictly increasing revision order')
    last = e.revision
    assert.equal(e.kv.modRevision, e.revision)
    if (e.type === 'create') assert.equal(m.has(e.kv.key), false)
    else assert.deepEqual(e.prevKv, m.get(e.kv.key))
    if (e.type === 'delete') m.delete(e.kv.key)
    else m.set(e.kv.key, { ...e.kv })
  }
  return m
}

/** Takes exactly n events from a watch (rejects if they do not come). */
async function take(it: AsyncIterator<WatchEvent>, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = []
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`watch stalled after ${out.length} of ${n} events`)), 5000)
  })
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), timeout])
      if (r.done) throw new Error(`watch ended after ${out.length} of ${n} events`)
      out.push(r.value)
    }
  } finally {
    clearTimeout(timer)
  }
  return out
}

/**
 * Takes the n expected events, then checks nothing else was queued: a sentinel write under the
 * prefix must be the very next event.
 */
async function takeExactly(s: Store, it: AsyncIterator<WatchEvent>, prefix: string, n: number): Promise<WatchEvent[]> {
  const events = await take(it, n)
  const sentinel = await s.create(`${prefix}zz-sentinel-${await s.currentRevision()}`, 'sentinel')
  const [next] = await take(it, 1)
  assert.equal(next!.revision, sentinel.modRevision, 'no extra event before the sentinel')
  return events
}

/** Events the store should have for prefix after revision r, from the model's snapshots. */
function expectedEventCount(m: Model, prefix: string, r: number): number {
  let n = 0
  for (let rev = r + 1; rev < m.snapshots.length; rev++) {
    const [a, b] = [m.snapshots[rev - 1]!, m.snapshots[rev]!]
    const changed = [...new Set([...a.keys(), ...b.keys()])].some((k) => k.startsWith(prefix) && a.get(k) !== b.get(k))
    if (changed) n++
  }
  return n
}

const prefixArb = fc.constantFrom('', '/r/', '/r/d', '/x/')

for (const backend of backends) {
  describe(`store properties: ${backend.name}`, { skip: backend.skip }, () => {
    before(() => backend.setup?.())
    after(() => backend.teardown?.())

    test('revisions strictly increase and every outcome matches the model', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), async (ops) => {
          const s = await backend.open()
          const m = new Model()
          try {
            for (const op of ops) await step(s, m, op)
            assert.deepEqual(asMap((await s.list('')).items), modelUnder(m.live, ''))
          } finally {
            await s.close()
          }
        }),
        { numRuns: backend.runs(150) },
      )
    })

    test('list(r) + watch after r equals list(now), for any readable r; list(r) equals the model at r', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(opArb, { maxLength: 40 }),
          prefixArb,
          fc.double({ min: 0, max: 1, noNaN: true }),
          async (ops, prefix, pick) => {
            const s = await backend.open({ watchPageSize: 3 })
            const m = new Model()
            const ac = new AbortController()
            try {
              // From 0: a watch opened on the empty store sees everything.
              const fromZero = s.watch(prefix, { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]()
              for (const op of ops) await step(s, m, op)
              const now = await s.currentRevision()
              const compacted = await s.compactedRevision()
              const listNow = asMap((await s.list(prefix)).items)
              assert.deepEqual(listNow, modelUnder(m.live, prefix))

              const r = Math.max(1, compacted) + Math.floor(pick * (now - Math.max(1, compacted)))
              const readable = r >= 1 && r <= now
              const atR = readable ? await s.list(prefix, { revision: r }) : undefined
              if (atR) assert.deepEqual(asMap(atR.items), modelUnder(m.snapshots[r]!, prefix))
              const it = readable ? s.watch(prefix, { afterRevision: r, signal: ac.signal })[Symbol.asyncIterator]() : undefined

              // Both watches are open before the sentinel writes: each sees both sentinels.
              const zeroEvents = await takeExactly(s, fromZero, prefix, expectedEventCount(m, prefix, 0))
              assert.deepEqual(applyEvents(new Map(), zeroEvents), listNow)
              if (atR && it) {
                const events = await take(it, expectedEventCount(m, prefix, r))
                assert.deepEqual(applyEvents(asMap(atR.items), events), listNow)
                const [sentinel] = await take(it, 1)
                assert.equal(sentinel!.kv.value, 'sentinel', 'no extra event before the sentinel')
              }
            } finally {
              ac.abort()
              await s.close()
            }
          },
        ),
        { numRuns: backend.runs(150) },
      )
    })

    test('no event is lost across close and reopen', async () => {
      const runId = `${Date.now()}`
      let run = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(opArb, { minLength: 1, maxLength: 15 }),
          fc.array(opArb, { maxLength: 15 }),
          prefixArb,
          fc.double({ min: 0, max: 1, noNaN: true }),
          async (before, after, prefix, pick) => {
            const id = `${runId}-${run++}`
            const m = new Model()
            const s1 = await backend.reopen(id)
            for (const op of before) await step(s1, m, op)
            await s1.close()
            const s2 = await backend.reopen(id)
            const ac = new AbortController()
            try {
              for (const op of after) await step(s2, m, op)
              const now = await s2.currentRevision()
              assert.equal(now, m.snapshots.length - 1)
              const compacted = await s2.compactedRevision()
              const r = Math.max(1, compacted) + Math.floor(pick * (now - Math.max(1, compacted)))
              if (r < 1 || r > now) return
              const atR = await s2.list(prefix, { revision: r })
              assert.deepEqual(asMap(atR.items), modelUnder(m.snapshots[r]!, prefix))
              const expected = expectedEventCount(m, prefix, r)
              const it = s2.watch(prefix, { afterRevision: r, signal: ac.signal })[Symbol.asyncIterator]()
              const events = await takeExactly(s2, it, prefix, expected)
              assert.deepEqual(applyEvents(asMap(atR.items), events), modelUnder(m.live, prefix))
            } finally {
              ac.abort()
              await s2.close()
            }
          },
        ),
        { numRuns: backend.runs(25) },
      )
    })
  })
}
