// Properties over random operation sequences, checked against a plain Map model.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { isStoreError, MemoryStore, openSqliteStore, type KeyValue, type Store, type WatchEvent } from './index.js'

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

test('revisions strictly increase and every outcome matches the model', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), async (ops) => {
      const s = new MemoryStore()
      const m = new Model()
      try {
        for (const op of ops) await step(s, m, op)
        assert.deepEqual(asMap((await s.list('')).items), modelUnder(m.live, ''))
      } finally {
        await s.close()
      }
    }),
    { numRuns: 150 },
  )
})

test('list(r) + watch after r equals list(now), for any readable r; list(r) equals the model at r', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { maxLength: 40 }),
      prefixArb,
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (ops, prefix, pick) => {
        const s = new MemoryStore({ watchPageSize: 3 })
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
    { numRuns: 150 },
  )
})

test('no event is lost across close and reopen', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-store-prop-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  let run = 0
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 1, maxLength: 15 }),
      fc.array(opArb, { maxLength: 15 }),
      prefixArb,
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (before, after, prefix, pick) => {
        const path = join(dir, `state-${run++}.db`)
        const m = new Model()
        const s1 = await openSqliteStore(path)
        for (const op of before) await step(s1, m, op)
        await s1.close()
        const s2 = await openSqliteStore(path)
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
    { numRuns: 25 },
  )
})
