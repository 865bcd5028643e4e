// Store micro-benchmark: creates/s (durable, one transaction each), get p50/p99, list of 1k and
// 10k keys, watch replay. Run: node --import tsx bench/store.bench.ts [dir]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '../src/store/index.js'

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

function fmt(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'kubelite-store-bench-'))
  const store = await openSqliteStore(join(dir, 'state.db'))
  // A ~1 KB object, about the size of a small pod.
  const value = JSON.stringify({ metadata: { labels: { app: 'web' } }, spec: { pad: 'x'.repeat(900) } })
  const rows: [string, string][] = []
  try {
    await store.create('/bench/marker', '{}') // so a replay of the first batch starts after revision 1, not 0 (= live only)
    for (const n of [1_000, 10_000]) {
      const prefix = `/registry/pods/ns${n}/`
      let t = performance.now()
      for (let i = 0; i < n; i++) await store.create(`${prefix}pod-${String(i).padStart(6, '0')}`, value)
      const createMs = performance.now() - t
      rows.push([`create ×${n}`, `${((n / createMs) * 1000).toFixed(0)} creates/s`])

      const times: number[] = []
      for (let i = 0; i < 2_000; i++) {
        const key = `${prefix}pod-${String((i * 7919) % n).padStart(6, '0')}`
        const s = performance.now()
        await store.get(key)
        times.push(performance.now() - s)
      }
      times.sort((a, b) => a - b)
      rows.push([`get (${n} keys)`, `p50 ${fmt(percentile(times, 50))}, p99 ${fmt(percentile(times, 99))}`])

      const lists: number[] = []
      for (let i = 0; i < 5; i++) {
        const s = performance.now()
        const r = await store.list(prefix)
        lists.push(performance.now() - s)
        if (r.items.length !== n) throw new Error(`list returned ${r.items.length}, want ${n}`)
      }
      lists.sort((a, b) => a - b)
      rows.push([`list ${n} keys`, `median ${fmt(percentile(lists, 50))}`])

      t = performance.now()
      await store.list(prefix, { limit: 500 })
      rows.push([`list ${n} keys, limit 500`, fmt(performance.now() - t)])

      const ac = new AbortController()
      t = performance.now()
      let seen = 0
      const from = (await store.currentRevision()) - n
      for await (const _ of store.watch(prefix, { afterRevision: from, signal: ac.signal })) {
        if (++seen === n) ac.abort()
      }
      rows.push([`watch replay ${n} events`, fmt(performance.now() - t)])

      t = performance.now()
      await store.compact(await store.currentRevision())
      rows.push([`compact ${n} revisions`, fmt(performance.now() - t)])
    }
  } finally {
    await store.close()
    if (process.argv[2] === undefined) rmSync(dir, { recursive: true, force: true })
  }
  const w = Math.max(...rows.map((r) => r[0].length))
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`)
}

await main()
