import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryStore } from '../memory/memory.js'
import type { Store } from '../types.js'
import { computeCompactTarget, startCompactor, validateCompactorOptions } from './compactor.js'

test('computeCompactTarget: by revisions, by time, and the stricter of both', () => {
  assert.equal(computeCompactTarget(100, [], 0, { revisions: 30 }), 70)
  assert.equal(computeCompactTarget(10, [], 0, { revisions: 30 }), 0)
  const samples = [
    { at: 0, revision: 10 },
    { at: 1000, revision: 40 },
    { at: 2000, revision: 90 },
  ]
  // kube-apiserver's rule: compact to what the previous tick saw.
  assert.equal(computeCompactTarget(120, samples, 2000, { ms: 1000 }), 40)
  assert.equal(computeCompactTarget(120, samples, 2000, { ms: 0 }), 90)
  assert.equal(computeCompactTarget(120, samples, 500, { ms: 1000 }), 0)
  assert.equal(computeCompactTarget(120, samples, 2000, { ms: 1000, revisions: 100 }), 20)
  assert.equal(computeCompactTarget(120, samples, 2000, { ms: 1000, revisions: 10 }), 40)
})

test('validateCompactorOptions', () => {
  assert.equal(validateCompactorOptions({ intervalMs: 300_000 }), undefined)
  assert.equal(validateCompactorOptions({ intervalMs: 0 }), 'intervalMs must be a positive number')
  assert.equal(validateCompactorOptions({ intervalMs: 1, retainRevisions: -1 }), 'retainRevisions must be a non-negative integer')
  assert.equal(validateCompactorOptions({ intervalMs: 1, retainMs: Number.NaN }), 'retainMs must be a non-negative number')
})

test('startCompactor compacts periodically and returns when the signal aborts', async () => {
  const s = new MemoryStore()
  try {
    for (let i = 0; i < 20; i++) await s.create(`/r/${i}`, 'x')
    const ac = new AbortController()
    const compacted: number[] = []
    const running = startCompactor(
      s,
      {
        intervalMs: 5,
        retainRevisions: 5,
        onCompact: (r) => {
          compacted.push(r)
          ac.abort()
        },
      },
      ac.signal,
    )
    await running
    assert.deepEqual(compacted, [15])
    assert.equal(await s.compactedRevision(), 15)
    await assert.rejects(startCompactor(s, { intervalMs: -1 }, ac.signal), /startCompactor: intervalMs must be a positive number/)
  } finally {
    await s.close()
  }
})

test('startCompactor by time compacts to what the previous tick saw (kube-apiserver rule)', async () => {
  // A stub store whose revision grows by 10 between ticks.
  let revision = 0
  let compactedTo = 0
  const calls: number[] = []
  const stub = {
    currentRevision: async () => (revision += 10),
    compactedRevision: async () => compactedTo,
    compact: async (r: number) => {
      calls.push(r)
      compactedTo = r
    },
  } as unknown as Store
  let clock = 0
  const ac = new AbortController()
  await startCompactor(
    stub,
    {
      intervalMs: 1,
      now: () => (clock += 1000),
      onCompact: () => {
        if (calls.length === 3) ac.abort()
      },
    },
    ac.signal,
  )
  assert.deepEqual(calls, [10, 20, 30])
})
