// Watch fan-out: the same burst of creates seen by 1, 10 and 50 watchers at once (each its own
// HTTPS connection, as separate controllers and kubectl sessions have), in one kubelite. Events
// delivered per second across all watchers, and write → event latency at each watcher.
//
//   node --import tsx bench/fanout.bench.ts [--quick]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from 'undici'
import { apiClient, asc, expect, freePort, guarded, lines, pct, progress, root, spawnUp, terminate, until, waitForReadyz } from './lib.js'
import { fmtValue, printFigures, writeFigures, type Entry, type Figure } from './results.js'

const quick = process.argv.includes('--quick')
const fanouts = quick ? [1, 10] : [1, 10, 50]
const creates = quick ? 200 : 1_000
const inFlight = 8
const cli = join(root, 'bin', 'kubelite.js')

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubelite-fanout-bench-'))
  const port = await freePort()
  let out = ''
  const child = spawnUp(cli, [], dataDir, port, join(dataDir, 'kubeconfig'), [])
  child.stdout!.on('data', (d) => (out = (out + d).slice(-16_000)))
  child.stderr!.on('data', (d) => (out = (out + d).slice(-16_000)))
  const figures: Figure[] = []
  const clients: Client[] = []
  await guarded(
    {
      deadlineMs: quick ? 60_000 : 150_000,
      cleanup: async () => {
        await Promise.all(clients.map((c) => c.destroy().catch(() => {})))
        await terminate(child, 5000)
        rmSync(dataDir, { recursive: true, force: true })
      },
    },
    async () => {
      await waitForReadyz({ child, dataDir, port, t0: performance.now(), timeoutMs: 30_000, output: () => out, credsPollMs: 5, retryMs: 10 })
      const api = apiClient({ dataDir, port }, inFlight)
      const entries: Entry[] = []
      for (const w of fanouts) {
        const ns = `fan-${w}`
        expect('create namespace', 201, await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }))
        const rv = (JSON.parse((await api.call('GET', `/api/v1/namespaces/${ns}/configmaps?limit=1`)).text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion
        const sent = new Map<string, number>()
        const lag: number[] = []
        let events = 0
        let lastAt = 0
        const watches: Promise<void>[] = []
        for (let i = 0; i < w; i++) {
          const c = new Client(api.origin, { connect: { ca: api.ca }, bodyTimeout: 0 })
          clients.push(c)
          const r = await c.request({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=120`, headers: { authorization: `Bearer ${api.token}` } })
          if (r.statusCode !== 200) throw new Error(`watch: HTTP ${r.statusCode}`)
          watches.push(
            (async () => {
              try {
                for await (const { line, at } of lines(r.body)) {
                  const ev = JSON.parse(line) as { type: string; object: { metadata?: { name?: string } } }
                  const s = sent.get(ev.object.metadata?.name ?? '')
                  if (ev.type !== 'ADDED' || s === undefined) continue
                  lag.push(at - s)
                  events++
                  lastAt = at
                }
              } catch {
                // closed at the end
              }
            })(),
          )
        }
        progress(`fan-out: ${w} watcher(s), ${creates} creates, ${inFlight} in flight`)
        const t0 = performance.now()
        let next = 0
        await Promise.all(
          Array.from({ length: inFlight }, async () => {
            while (next < creates) {
              const name = `cm-${next++}`
              sent.set(name, performance.now())
              expect('create', 201, await api.call('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v'.repeat(200) } }))
            }
          }),
        )
        const all = await until(() => events >= w * creates, 30_000, 5)
        const s = asc(lag)
        entries.push({
          name: `${w} watcher${w > 1 ? 's' : ''}`,
          kind: 'kubelite',
          value: (events / (lastAt - t0)) * 1000,
          p50: pct(s, 50),
          p99: pct(s, 99),
          detail: `${events} of ${w * creates} events${all ? '' : ' (the rest did not arrive within 30 s)'}`,
        })
        for (const c of clients.splice(0)) await c.destroy().catch(() => {})
        await Promise.all(watches)
      }
      entries.push({ name: 'kube-apiserver', kind: 'missing', source: 'not packaged for Debian 12 and needs its own etcd and certificates; not run here' })
      figures.push({
        id: 'api.fanout',
        group: 'api',
        label: `WATCH fan-out: ${creates} creates (${inFlight} in flight) delivered to every watcher`,
        unit: '/s',
        better: 'higher',
        entries,
        note: 'events/s counts deliveries across all watchers (creates × watchers ÷ time from the first create to the last event); p50/p99 is create sent → event at a watcher.',
      })
      console.log('watch fan-out benchmark')
      printFigures(figures, fmtValue)
    },
  )
  writeFigures(figures)
}

await main()
process.exit(0)
