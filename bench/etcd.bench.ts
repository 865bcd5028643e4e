// kubelite's store beside etcd, in one run, on the same disk: the same creates (a ~1 KB value under
// a fresh key, create-if-absent, durable before the answer), gets by key and a list of a prefix.
// kubelite: the SQLite store (WAL, synchronous=FULL: one fsync a commit), called in process.
// etcd: Debian's etcd-server, started here on loopback with a data dir in the same temp dir, driven
// through its v3 HTTP/JSON gateway (a txn `create_revision == 0 → put`, as kine and the API
// server do). etcd pays an HTTP round trip and JSON per call that the in-process store does not;
// the figure for kubelite's whole HTTPS API is in the API benchmark.
//
//   node --import tsx bench/etcd.bench.ts [--quick] [--creates N]
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Pool } from 'undici'
import { openSqliteStore } from '../src/store/index.js'
import { freePort, progress, sleep, timed, type Measured } from './lib.js'
import { fmtValue, printFigures, writeFigures, type Entry, type Figure } from './results.js'

const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const creates = Number(argv.find((a) => a.startsWith('--creates='))?.slice(10) ?? (quick ? 500 : 3_000))
const inFlight = 16
const gets = quick ? 500 : 2_000
const value = JSON.stringify({ metadata: { labels: { app: 'web' } }, spec: { pad: 'x'.repeat(900) } })
const b64 = (s: string) => Buffer.from(s).toString('base64')


async function startEtcd(dir: string): Promise<{ proc: ChildProcess; url: string } | string> {
  const [client, peer] = [await freePort(), await freePort()]
  const url = `http://127.0.0.1:${client}`
  const proc = spawn(
    'etcd',
    [
      '--name', 'bench', '--data-dir', join(dir, 'etcd'),
      '--listen-client-urls', url, '--advertise-client-urls', url,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `bench=http://127.0.0.1:${peer}`, '--logger', 'zap', '--log-level', 'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let err = ''
  proc.stderr!.on('data', (c) => (err = (err + c).slice(-2000)))
  const spawned = await new Promise<string | undefined>((r) => {
    proc.once('error', (e) => r((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'etcd is not installed (Debian: etcd-server)' : e.message))
    proc.once('spawn', () => r(undefined))
  })
  if (spawned) return spawned
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) return `etcd exited: ${err.trim().split('\n').at(-1)}`
    try {
      const r = await fetch(`${url}/health`)
      if (r.ok && (await r.text()).includes('true')) return { proc, url }
    } catch {
      // not listening yet
    }
    await sleep(50)
  }
  proc.kill('SIGKILL')
  return 'etcd was not healthy within 10 s'
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-etcd-bench-'))
  let etcd: ChildProcess | undefined
  const figures: Figure[] = []
  const stop = async () => {
    if (etcd && etcd.exitCode === null && etcd.signalCode === null) {
      const exited = new Promise((r) => etcd!.once('exit', r))
      etcd.kill('SIGTERM')
      const t = setTimeout(() => etcd!.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(t)
    }
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('SIGINT', () => void stop().then(() => process.exit(130)))
  process.once('SIGTERM', () => void stop().then(() => process.exit(130)))
  try {
    // ---- kubelite's SQLite store ----
    progress(`store: SQLite, ${creates} creates, ${gets} gets, list`)
    const store = await openSqliteStore(join(dir, 'state.db'))
    const k = (i: number) => `/registry/configmaps/bench/cm-${String(i).padStart(6, '0')}`
    const sqCreate = await timed(creates, 1, async (i) => (await store.create(k(i), value), true))
    // In flight together, writes of one event-loop turn share a transaction and its fsync (group commit).
    const sqCreatePar = await timed(creates, inFlight, async (i) => (await store.create(`/registry/configmaps/bench-parallel/cm-${i}`, value), true))
    const sqGet = await timed(gets, 1, async (i) => (await store.get(k((i * 7919) % creates))) !== undefined)
    const sqList = await timed(5, 1, async () => (await store.list('/registry/configmaps/bench/')).items.length === creates)
    await store.close()

    // ---- etcd ----
    const e = await startEtcd(dir)
    const m: Record<string, Measured | undefined> = {}
    let missing: string | undefined
    if (typeof e === 'string') missing = e
    else {
      etcd = e.proc
      progress(`store: etcd at ${e.url}, the same`)
      const pool = new Pool(e.url, { connections: inFlight })
      const post = async (path: string, body: unknown) => {
        const r = await pool.request({ method: 'POST', path, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
        return { status: r.statusCode, json: (await r.body.json()) as Record<string, unknown> }
      }
      const create = async (key: string) => {
        const r = await post('/v3/kv/txn', {
          compare: [{ key: b64(key), target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
          success: [{ request_put: { key: b64(key), value: b64(value) } }],
        })
        return r.status === 200 && r.json.succeeded === true
      }
      const ek = (i: number) => `/registry/configmaps/bench/cm-${String(i).padStart(6, '0')}`
      m.create = await timed(creates, 1, (i) => create(ek(i)))
      m.createPar = await timed(creates, inFlight, (i) => create(`/registry/configmaps/par/cm-${String(i).padStart(6, '0')}`))
      m.get = await timed(gets, 1, async (i) => {
        const r = await post('/v3/kv/range', { key: b64(ek((i * 7919) % creates)) })
        return r.status === 200 && Array.isArray(r.json.kvs)
      })
      const prefix = '/registry/configmaps/bench/'
      const end = Buffer.from(prefix)
      end[end.length - 1]!++
      m.list = await timed(5, 1, async () => {
        const r = await post('/v3/kv/range', { key: b64(prefix), range_end: end.toString('base64') })
        return r.status === 200 && (r.json.kvs as unknown[]).length === creates
      })
      await pool.close()
    }
    const ref = (x: Measured | undefined, pick: (x: Measured) => number): Entry =>
      x ? { name: 'etcd 3.4 (HTTP/JSON gateway)', kind: 'measured', value: pick(x), p50: x.p50, p99: x.p99, errors: x.errors } : { name: 'etcd', kind: 'missing', source: missing }
    const ours = (x: Measured, pick: (x: Measured) => number): Entry => ({ name: 'kubelite SQLite store (in process)', kind: 'kubelite', value: pick(x), p50: x.p50, p99: x.p99, errors: x.errors })
    figures.push(
      { id: 'store.create.rate', group: 'store', label: `durable creates of a 1 KB value, one at a time (×${creates})`, unit: '/s', better: 'higher', entries: [ours(sqCreate, (x) => x.rate), ref(m.create, (x) => x.rate)] },
      { id: 'store.create.p99', group: 'store', label: 'durable create, one at a time: p99 latency', unit: 'ms', better: 'lower', entries: [ours(sqCreate, (x) => x.p99), ref(m.create, (x) => x.p99)] },
      {
        id: 'store.create.parallel',
        group: 'store',
        label: `durable creates, ${inFlight} in flight`,
        unit: '/s',
        better: 'higher',
        entries: [ours(sqCreatePar, (x) => x.rate), ref(m.createPar, (x) => x.rate)],
        note: 'both batch the fsyncs of concurrent writes (group commit): etcd per raft batch, the SQLite store per event-loop turn',
      },
      { id: 'store.get.p99', group: 'store', label: `get by key, p99 (×${gets})`, unit: 'ms', better: 'lower', entries: [ours(sqGet, (x) => x.p99), ref(m.get, (x) => x.p99)] },
      { id: 'store.list.p50', group: 'store', label: `list a prefix of ${creates} keys, p50`, unit: 'ms', better: 'lower', entries: [ours(sqList, (x) => x.p50), ref(m.list, (x) => x.p50)] },
    )
    console.log(`store benchmark: SQLite store vs etcd on the same disk (${dir})`)
    printFigures(figures, fmtValue)
  } finally {
    writeFigures(figures)
    await stop()
  }
}

const watchdog = setTimeout(() => {
  console.error('store benchmark: gave up after 240 s')
  process.exit(2)
}, 240_000)
watchdog.unref()
await main()
process.exit(0)
