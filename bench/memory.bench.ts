// Memory that follows what controllers need, not what the store holds: the built CLI's memory
// idle and empty, with 10,000 and 50,000 ConfigMaps (each ~1 KB: none of them used by a pod, so
// no controller needs them whole), at ready after a restart with them, and around 1,000 watches
// opened and dropped three times. V8 collects lazily, so RSS alone says more about when the last
// collection ran than about what is kept: each reading is taken after a full collection, asked
// for through the inspector (kubelite runs with --expose-gc --inspect on a loopback port), and
// gives the live heap beside RSS.
//
//   npm run build && node --import tsx bench/memory.bench.ts [--quick]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import WebSocket from 'ws'
import { apiClient, freePort, guarded, mb, procStatus, progress, readCreds, report, root, sleep, spawnUp, terminate, waitForReadyz } from './lib.js'

const quick = process.argv.includes('--quick')
const sizes = quick ? [2_000, 5_000] : [10_000, 50_000]
const watches = quick ? 200 : 1_000
const cli = join(root, 'bin', 'kubelite.js')
const dir = mkdtempSync(join(tmpdir(), 'kubelite-bench-memory-'))
const dataDir = join(dir, 'data')
const r = report(
  `RSS of the kubelite process (all of it: API server, store, controllers, proxy, agent). Goals from the hardening issue: memory grows with what controllers cache, not with what the store holds; after clients leave it returns within a minute. ${sizes.join(' and ')} ConfigMaps of ~1 KB each; ${watches} watches opened at once and dropped, three times.`,
)
let child: ReturnType<typeof spawnUp> | undefined

let inspector = ''

/** After a full collection: the live V8 heap and the process's RSS, in MB. */
async function memory(): Promise<{ heap: number; rss: number }> {
  // Let what a start or a burst set going (informers listing, controllers syncing) finish first.
  await sleep(3000)
  const ws = new WebSocket(inspector)
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
  const heap = await new Promise<number>((resolve, reject) => {
    ws.on('message', (m) => {
      const x = JSON.parse(String(m))
      if (x.id !== 1) return
      if (x.result?.result?.type === 'number') resolve(x.result.result.value / 2 ** 20)
      else reject(new Error(`inspector: ${JSON.stringify(x)}`))
    })
    ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: 'gc(), gc(), process.memoryUsage().heapUsed' } }))
  })
  ws.close()
  return { heap, rss: procStatus(child!.pid!, 'VmRSS') }
}

async function up(port: number): Promise<void> {
  let out = ''
  const t0 = performance.now()
  child = spawnUp(cli, ['--expose-gc', '--inspect=127.0.0.1:0'], dataDir, port, join(dir, 'kubeconfig'), ['--no-dashboard'])
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  await waitForReadyz({ child, dataDir, port, t0, timeoutMs: 60_000, output: () => out, credsPollMs: 20, retryMs: 50 })
  inspector = /Debugger listening on (ws:\/\/\S+)/.exec(out)?.[1] ?? ''
  if (!inspector) throw new Error(`no inspector address in kubelite's output:\n${out}`)
}

const both = (m: { heap: number; rss: number }) => `heap ${mb(m.heap)}, RSS ${mb(m.rss)}`

/** Creates ConfigMaps `from`..`to`-1, 16 in flight. */
async function fill(port: number, from: number, to: number): Promise<void> {
  const api = apiClient({ dataDir, port }, 16)
  let i = from
  const payload = 'x'.repeat(900)
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (i < to) {
        const n = i++
        const res = await api.call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `cm-${n}`, labels: { bench: 'memory' } }, data: { payload, n: String(n) } })
        if (res.status !== 201) throw new Error(`create cm-${n}: ${res.status} ${res.text.slice(0, 200)}`)
      }
    }),
  )
  await api.pool.close()
}

/** Opens `n` watches at once, then drops them all. */
async function watchRound(port: number, n: number): Promise<number> {
  const { ca, token } = readCreds(dataDir)!
  const agent = new Agent({ connect: { ca }, connections: n + 1 })
  const acs = Array.from({ length: n }, () => new AbortController())
  await Promise.all(
    acs.map(async (ac, i) => {
      const res = await request(`https://127.0.0.1:${port}/api/v1/namespaces/default/pods?watch=1&labelSelector=bench%3D${i}`, { dispatcher: agent, signal: ac.signal, headers: { authorization: `Bearer ${token}` } })
      res.body.on('error', () => undefined).resume()
    }),
  )
  const open = procStatus(child!.pid!, 'VmRSS')
  for (const ac of acs) ac.abort()
  await agent.destroy()
  return open
}

await guarded(
  {
    deadlineMs: (quick ? 180 : 600) * 1000,
    cleanup: async () => {
      if (child) await terminate(child, 30_000)
      rmSync(dir, { recursive: true, force: true })
    },
    onTimeout: () => r.printTable(),
    onError: () => r.printTable(),
  },
  async () => {
    const port = await freePort()
    await up(port)
    const empty = await memory()
    r.info('idle, empty store', both(empty))
    let have = 0
    for (const n of sizes) {
      progress(`creating ConfigMaps up to ${n}`)
      await fill(port, have, n)
      have = n
      r.info(`${n.toLocaleString('en')} ConfigMaps, after creating them`, both(await memory()))
      await terminate(child!, 30_000)
      await up(port)
      const ready = await memory()
      r.info(`${n.toLocaleString('en')} ConfigMaps, at ready after a restart`, both(ready))
      // Goal: what the store holds costs at most ~2 KB of live heap per object (the garbage
      // collector's graph node and metadata of it, as upstream's), not the objects (~1.5 KB here).
      r.upper(`${n.toLocaleString('en')} ConfigMaps: live heap growth over empty`, ready.heap - empty.heap, (n * 2048) / 2 ** 20, mb)
    }
    // A few watches first, so code compiled on the first use of the path is not counted as kept.
    await watchRound(port, 10)
    const before = await memory()
    let open = 0
    for (let round = 0; round < 3; round++) {
      progress(`watches: round ${round + 1}/3`)
      open = Math.max(open, await watchRound(port, watches))
      await sleep(1000)
    }
    r.info(`${watches} watches open (largest RSS of three rounds)`, mb(open))
    await sleep(quick ? 10_000 : 60_000)
    const after = await memory()
    r.info(`${quick ? '10 s' : 'a minute'} after ${watches} watches came and went three times`, both(after))
    // Goals: nothing a watch held is kept (live heap back within 1 MB), and RSS back within a tenth.
    r.upper('live heap kept after the watches left', Math.max(0, after.heap - before.heap), 1, mb)
    r.upper('RSS kept after the watches left', Math.max(0, after.rss - before.rss), before.rss / 10, mb)
    r.printTable()
  },
)
