// kubelite's two store backends side by side, in one run, on the same disk: the SQLite store (the
// default) and the etcd v3 store (`--store etcd://…`, Debian's etcd-server started here on loopback
// with its data dir in the same temp dir as the SQLite file).
//   1. the Store interface in process: the same durable creates (a ~1 KB value under a fresh key,
//      one at a time and 16 in flight), gets by key, a list of a prefix, and how long a write takes
//      to reach a watcher;
//   2. the whole API over HTTPS (`kubelite up --runtime sim`, once per backend): ConfigMap creates
//      16 in flight, GET p99 one at a time, LIST of every ConfigMap.
// Each figure prints both backends and the ratio etcd ÷ SQLite. Not part of `npm test`.
//
//   npm run build && node --import tsx bench/store-backends.bench.ts [--quick]
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEtcdStore, openSqliteStore, type Store } from '../src/store/index.js'
import { etcdMissing, launchEtcd, type EtcdCluster } from '../src/store/etcd/launch.js'
import { apiClient, freePort, progress, root, spawnUp, terminate, timed, waitForReadyz, type Measured } from './lib.js'
import { fmtValue, printFigures, writeFigures, type Entry, type Figure } from './results.js'

const quick = process.argv.includes('--quick')
const creates = quick ? 300 : 2_000
const gets = quick ? 300 : 2_000
const apiCreates = quick ? 300 : 1_000
const inFlight = 16
const value = JSON.stringify({ metadata: { labels: { app: 'web' } }, spec: { pad: 'x'.repeat(900) } })


type Results = Record<string, Measured>

/** The Store interface, in process. */
async function storeRun(store: Store): Promise<Results> {
  const k = (p: string, i: number) => `/registry/configmaps/${p}/cm-${String(i).padStart(6, '0')}`
  const r: Results = {}
  r.create = await timed(creates, 1, async (i) => (await store.create(k('one', i), value), true))
  r.createPar = await timed(creates, inFlight, async (i) => (await store.create(k('par', i), value), true))
  r.get = await timed(gets, 1, async (i) => (await store.get(k('one', (i * 7919) % creates))) !== undefined)
  r.list = await timed(5, 1, async () => (await store.list('/registry/configmaps/one/')).items.length === creates)
  // Write → watcher: one create at a time, timed until its event arrives.
  const ac = new AbortController()
  const it = store.watch('/registry/configmaps/watch/', { afterRevision: 0, signal: ac.signal })[Symbol.asyncIterator]()
  r.watch = await timed(quick ? 100 : 500, 1, async (i) => {
    const kv = await store.create(k('watch', i), value)
    for (;;) {
      const e = await it.next()
      if (e.done) return false
      if (e.value.revision === kv.modRevision) return true
    }
  })
  ac.abort()
  return r
}

/** The whole API over HTTPS: `kubelite up --runtime sim` with these store flags. */
async function apiRun(dir: string, name: string, storeArgs: string[], children: ChildProcess[]): Promise<Results> {
  const dataDir = join(dir, `api-${name}`)
  const port = await freePort()
  let out = ''
  const t0 = performance.now()
  const child = spawnUp(join(root, 'bin/kubelite.js'), [], dataDir, port, join(dir, `kubeconfig-${name}`), ['--runtime', 'sim', '--no-dashboard', '--controllers', '', ...storeArgs])
  children.push(child)
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out = (out + d).slice(-4000)))
  await waitForReadyz({ child, dataDir, port, t0, timeoutMs: 30_000, output: () => out, credsPollMs: 20, retryMs: 50 })
  const api = apiClient({ dataDir, port }, inFlight)
  const ns = `bench-${name}`
  await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
  const cm = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { pad: 'x'.repeat(900) } })
  const r: Results = {}
  r.create = await timed(apiCreates, inFlight, async (i) => (await api.call('POST', `/api/v1/namespaces/${ns}/configmaps`, cm(i))).status === 201)
  r.get = await timed(gets, 1, async (i) => (await api.call('GET', `/api/v1/namespaces/${ns}/configmaps/cm-${(i * 7919) % apiCreates}`)).status === 200)
  r.list = await timed(5, 1, async () => (await api.call('GET', `/api/v1/namespaces/${ns}/configmaps`)).status === 200)
  await api.pool.close()
  await terminate(child, 20_000)
  return r
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist/cli/main.js'))) {
    console.error('store backends benchmark: run `npm run build` first (the API part starts the built CLI)')
    process.exit(1)
  }
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-backends-bench-'))
  let etcd: EtcdCluster | undefined
  const children: ChildProcess[] = []
  const figures: Figure[] = []
  const stop = async () => {
    for (const c of children) await terminate(c, 5000)
    await etcd?.close()
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('SIGINT', () => void stop().then(() => process.exit(130)))
  process.once('SIGTERM', () => void stop().then(() => process.exit(130)))
  try {
    const missing = etcdMissing()
    progress(`store: SQLite, ${creates} creates (1 and ${inFlight} in flight), ${gets} gets, list, write → watch`)
    const sqlite = await openSqliteStore(join(dir, 'state.db'))
    const sq = await storeRun(sqlite)
    await sqlite.close()
    let et: Results | undefined
    if (!missing) {
      etcd = await launchEtcd({ dir: join(dir, 'etcd') })
      progress(`store: etcd at ${etcd.endpoints[0]}, the same`)
      const store = await openEtcdStore({ endpoints: etcd.endpoints })
      et = await storeRun(store)
      await store.close()
    }
    progress('API: kubelite up --runtime sim on SQLite')
    const apiSq = await apiRun(dir, 'sqlite', [], children)
    let apiEt: Results | undefined
    if (etcd) {
      progress('API: kubelite up --runtime sim --store etcd://')
      apiEt = await apiRun(dir, 'etcd', ['--store', etcd.storeUrl], children)
    }

    const both = (id: string, group: Figure['group'], label: string, unit: string, better: Figure['better'], a: Measured, b: Measured | undefined, pick: (x: Measured) => number): Figure => {
      const sqEntry: Entry = { name: 'kubelite on SQLite', kind: 'kubelite', value: pick(a), p50: a.p50, p99: a.p99, errors: a.errors }
      const etEntry: Entry = b
        ? { name: 'kubelite on etcd 3.4', kind: 'kubelite', value: pick(b), p50: b.p50, p99: b.p99, errors: b.errors, detail: `etcd ÷ SQLite: ${(pick(b) / pick(a)).toFixed(2)}` }
        : { name: 'kubelite on etcd', kind: 'missing', source: missing }
      return { id, group, label, unit, better, entries: [sqEntry, etEntry] }
    }
    figures.push(
      both('backends.store.create', 'store', `Store.create of a 1 KB value, durable, one at a time (×${creates})`, '/s', 'higher', sq.create!, et?.create, (x) => x.rate),
      both('backends.store.create.parallel', 'store', `Store.create, ${inFlight} in flight (×${creates})`, '/s', 'higher', sq.createPar!, et?.createPar, (x) => x.rate),
      both('backends.store.get.p99', 'store', `Store.get by key, p99 (×${gets})`, 'ms', 'lower', sq.get!, et?.get, (x) => x.p99),
      both('backends.store.list.p50', 'store', `Store.list of ${creates} keys, p50`, 'ms', 'lower', sq.list!, et?.list, (x) => x.p50),
      both('backends.store.watch.p50', 'store', 'write → watch event, p50', 'ms', 'lower', sq.watch!, et?.watch, (x) => x.p50),
      both('backends.api.create', 'api', `API: ConfigMap creates over HTTPS, ${inFlight} in flight (×${apiCreates})`, '/s', 'higher', apiSq.create!, apiEt?.create, (x) => x.rate),
      both('backends.api.get.p99', 'api', `API: GET a ConfigMap, p99 (×${gets})`, 'ms', 'lower', apiSq.get!, apiEt?.get, (x) => x.p99),
      both('backends.api.list.p50', 'api', `API: LIST ${apiCreates} ConfigMaps, p50`, 'ms', 'lower', apiSq.list!, apiEt?.list, (x) => x.p50),
    )
    console.log(`store backends: kubelite on SQLite and on etcd, same writes, same disk (${dir})`)
    printFigures(figures, fmtValue)
  } finally {
    writeFigures(figures)
    await stop()
  }
}

const watchdog = setTimeout(() => {
  console.error('store backends benchmark: gave up after 300 s')
  process.exit(2)
}, 300_000)
watchdog.unref()
await main()
process.exit(0)
