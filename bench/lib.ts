// Helpers the benchmarks share: number formatting, /proc readings, starting and reaching the built
// `kubelite up`, and the side-by-side table. Each benchmark keeps what it does differently.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Agent, Client, Pool, type Dispatcher } from 'undici'

export { freePort } from '../test/e2e/harness.js'

/** The checkout the benchmarks run from (holds bin/ and dist/). */
export const root = fileURLToPath(new URL('..', import.meta.url))

// ---- small helpers ------------------------------------------------------------------------------

/** A progress line on stderr, so stdout keeps only the figures. */
export const progress = (msg: string) => process.stderr.write(`bench: ${msg}\n`)

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Nearest-rank percentile of an ascending array. */
export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

/** A sorted (ascending) copy. */
export const asc = (xs: number[]) => [...xs].sort((a, b) => a - b)

/** Milliseconds, two decimals below 10 ms; `—` when there is no figure (NaN, ∞). */
export const ms = (x: number) => (!Number.isFinite(x) ? '—' : x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`)

/** Megabytes, one decimal. */
export const mb = (x: number) => `${x.toFixed(1)} MB`

/** A rate, whole per second. */
export const perSec = (n: number) => `${n.toFixed(0)}/s`

/** Waits (polling every `pollMs`) until `cond` holds; false if `timeoutMs` passed first. */
export async function until(cond: () => boolean, timeoutMs: number, pollMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs
  while (!cond()) {
    if (performance.now() > end) return false
    await sleep(pollMs)
  }
  return true
}

/** Throws unless the response's status is one of `want`. */
export function expect(what: string, want: number | number[], got: { status: number; text: string }): void {
  const ok = typeof want === 'number' ? [want] : want
  if (!ok.includes(got.status)) throw new Error(`${what}: HTTP ${got.status}, want ${ok.join(' or ')}: ${got.text.slice(0, 300)}`)
}

// ---- /proc readings -----------------------------------------------------------------------------

/** A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), in MB. */
export function procStatus(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

/** CPU time (user + system) the process has used so far, in ms; /proc counts in ticks of 1/100 s. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // f[0] is field 3 (state)
  return (Number(f[11]) + Number(f[12])) * 10 // utime, stime: fields 14 and 15
}

/** All cores' busy and total time so far, in ms (from /proc/stat, ticks of 1/100 s). */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  const total = f.reduce((a, b) => a + b, 0) * 10
  return { busy: total - (f[3]! + f[4]!) * 10, total }
}

// ---- the kubelite process -----------------------------------------------------------------------

/** When dist/ was built; undefined (after saying so) when it is missing. */
export function distBuiltAt(): Date | undefined {
  const main = join(root, 'dist', 'cli', 'main.js')
  if (existsSync(main)) return statSync(main).mtime
  console.error('bench: dist/ is missing; run `npm run build` first (the benchmark runs the built CLI, as a user does).')
  return undefined
}

/** The first line of a report: when, where, how busy the machine was, which build. */
export function header(what: string, busy: number, built: Date): string {
  const commit = spawnSync('git', ['-C', root, 'log', '-1', '--format=%h %cI'], { encoding: 'utf8' }).stdout.trim() || 'unknown'
  return `kubelite ${what} benchmark — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, CPU busy before the run ${(busy * 100).toFixed(0)}%, HEAD ${commit}, dist/ built ${built.toISOString()}`
}

/** The admin's CA and token from a data dir, once both files are whole. */
export function readCreds(dataDir: string): { ca: string; token: string } | undefined {
  const caPath = join(dataDir, 'pki', 'ca.crt')
  const tokenPath = join(dataDir, 'pki', 'admin.token')
  if (!existsSync(tokenPath) || !existsSync(caPath)) return undefined
  const ca = readFileSync(caPath, 'utf8')
  const token = readFileSync(tokenPath, 'utf8').trim()
  // Files are written one after another on a cold start: wait until both are whole.
  if (!ca.includes('-----END CERTIFICATE-----') || token === '') return undefined
  return { ca, token }
}

/** Spawns `node [nodeArgs] <cli> up ...` as a user runs it, stdout and stderr piped. */
export function spawnUp(cli: string, nodeArgs: string[], dataDir: string, port: number, kubeconfig: string, upArgs: string[]): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, cli, 'up', '--data-dir', dataDir, '--port', String(port), '--kubeconfig', kubeconfig, ...upArgs], {
    cwd: root,
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** SIGTERM, SIGKILL after `killAfterMs`; resolves with the time the process took to exit. */
export async function terminate(child: ChildProcess, killAfterMs: number): Promise<number> {
  const t = performance.now()
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    await exited
    clearTimeout(timer)
  }
  return performance.now() - t
}

export interface ReadyzWait {
  child: ChildProcess
  dataDir: string
  port: number
  /** When the child was spawned (performance.now()). */
  t0: number
  timeoutMs: number
  output: () => string
  /** Pause while the credentials are not written yet, and between /readyz attempts. */
  credsPollMs: number
  retryMs: number
}

/** Polls GET /readyz as the admin until `200 ok` and returns when that was; throws if the child exits or time runs out. */
export async function waitForReadyz(w: ReadyzWait): Promise<number> {
  const { child } = w
  let agent: Agent | undefined
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`kubelite exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${w.output()}`)
      if (performance.now() - w.t0 > w.timeoutMs) throw new Error(`kubelite was not ready after ${w.timeoutMs} ms:\n${w.output()}`)
      const creds = readCreds(w.dataDir)
      if (!creds) {
        await sleep(w.credsPollMs)
        continue
      }
      agent ??= new Agent({ connect: { ca: creds.ca }, connections: 1 })
      try {
        const r = await agent.request({ origin: `https://127.0.0.1:${w.port}`, path: '/readyz', method: 'GET', headers: { authorization: `Bearer ${creds.token}` } })
        const body = await r.body.text()
        if (r.statusCode === 200 && body === 'ok') return performance.now()
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        // Not listening yet is the expected failure; a TLS error means the CA was read half-written.
        if (code !== 'ECONNREFUSED' && code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') {
          await agent.destroy()
          agent = undefined
        }
      }
      await sleep(w.retryMs)
    }
  } finally {
    await agent?.destroy()
  }
}

// ---- an HTTPS client ----------------------------------------------------------------------------

export interface Api {
  pool: Pool
  token: string
  ca: string
  origin: string
  call(method: Dispatcher.HttpMethod, path: string, body?: unknown, accept?: string): Promise<{ status: number; text: string }>
}

/** A keep-alive pool of `connections` to a running kubelite, as its admin, JSON in and out. */
export function apiClient(run: { dataDir: string; port: number }, connections: number): Api {
  const creds = readCreds(run.dataDir)!
  const origin = `https://127.0.0.1:${run.port}`
  const pool = new Pool(origin, { connections, pipelining: 1, connect: { ca: creds.ca } })
  const headers = { authorization: `Bearer ${creds.token}`, 'content-type': 'application/json' }
  return {
    pool,
    token: creds.token,
    ca: creds.ca,
    origin,
    async call(method, path, body, accept = 'application/json') {
      const r = await pool.request({ method, path, headers: { ...headers, accept }, body: body === undefined ? undefined : JSON.stringify(body) })
      return { status: r.statusCode, text: await r.body.text() }
    },
  }
}

/** The non-blank lines of a streamed body (a watch), each with the time its chunk arrived. */
export async function* lines(body: AsyncIterable<Buffer | string>): AsyncGenerator<{ line: string; at: number }> {
  let buf = ''
  for await (const chunk of body) {
    const at = performance.now()
    buf += chunk.toString()
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (line.trim()) yield { line, at }
    }
  }
}

// ---- the report ---------------------------------------------------------------------------------

export interface Row {
  metric: string
  measured: string
  goal?: string
  /** Share of the goal used: ≤ 1 is within the goal (for throughputs: goal ÷ measured). */
  ratio?: number
  /** The figure as a number in `unit` (rows with a goal), for bench/run.ts's results file. */
  value?: number
  unit?: string
  goalValue?: number
  /** Whether smaller (`upper`) or larger (`lower`) is better. */
  better?: 'lower' | 'higher'
}

/** The unit a formatter prints (`ms(1)` → `ms`, `perSec(1)` → `/s`). */
const unitOf = (fmt: (x: number) => string) => fmt(1).replace(/^[\d.,]+\s*/, '') || '1'

/** The figure in the unit its formatter prints: ms, MB and /s take it as it is; `secs` takes ms and prints s. */
const inUnit = (fmt: (x: number) => string, x: number) => {
  const u = unitOf(fmt)
  if (u === 'ms' || u === 'MB' || u === '/s') return x
  if (u === 's') return x / 1000
  const m = /^-?[\d.,]+/.exec(fmt(x))
  return m ? Number(m[0].replace(/,/g, '')) : x
}

/** The figures side by side with the goals; `legend` is printed under the table, then the notes. */
export function report(legend: string) {
  const rows: Row[] = []
  const notes: string[] = []
  return {
    rows,
    notes,
    /** A figure that should stay below its goal. */
    upper(metric: string, value: number, goal: number, unit: (x: number) => string): void {
      rows.push({ metric, measured: unit(value), goal: `< ${unit(goal)}`, ratio: value / goal, value: inUnit(unit, value), unit: unitOf(unit), goalValue: inUnit(unit, goal), better: 'lower' })
    },
    /** A throughput that should reach its goal. */
    lower(metric: string, value: number, goal: number, unit: (x: number) => string): void {
      rows.push({ metric, measured: unit(value), goal: `≥ ${unit(goal)}`, ratio: goal / value, value: inUnit(unit, value), unit: unitOf(unit), goalValue: inUnit(unit, goal), better: 'higher' })
    },
    /** A row without a goal, to explain the others. */
    info(metric: string, measured: string): void {
      rows.push({ metric, measured })
    },
    printTable(): void {
      writeRows(rows, notes)
      console.log(formatTable(rows).join('\n'))
      console.log(legend)
      for (const n of notes) console.log(n)
    },
  }
}

/**
 * When `npm run bench` (bench/run.ts) runs a benchmark it sets BENCH_ROWS_FILE: the rows and notes
 * go there as JSON too, so the report needs no parsing of the printed table. Called on every
 * printTable (a partial table on error or timeout overwrites nothing else).
 */
function writeRows(rows: Row[], notes: string[]): void {
  const file = process.env.BENCH_ROWS_FILE
  if (file) writeFileSync(file, JSON.stringify({ rows, notes }, null, 1))
}

/** A markdown table of the rows, padded to line up. */
export function formatTable(rows: Row[]): string[] {
  const head = ['metric', 'measured', 'goal', 'ratio to goal', 'ok']
  const body = rows.map((r) => [
    r.metric,
    r.measured,
    r.goal ?? '—',
    r.ratio === undefined ? '' : Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : '∞',
    r.ratio === undefined ? '' : r.ratio <= 1 ? 'ok' : 'NOT',
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |'
  return [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)]
}

// ---- the run ------------------------------------------------------------------------------------

export interface Guard {
  /** Stops the run after this long: `onTimeout`, cleanup, exit 2. */
  deadlineMs: number
  /** Stops children and removes temp files; runs on every way out (end, error, timeout, Ctrl-C). */
  cleanup: () => Promise<void>
  onTimeout?: () => void
  /** On SIGINT or SIGTERM, before cleanup and exit 130. */
  onSignal?: () => void
  /** When `body` throws, before the error goes on (e.g. print the figures so far). */
  onError?: () => void
}

/** Runs `body` under a watchdog and signal handlers, and always cleans up after it. */
export async function guarded(g: Guard, body: () => Promise<void>): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${g.deadlineMs / 1000} s; stopping`)
    g.onTimeout?.()
    void g.cleanup().then(() => process.exit(2))
  }, g.deadlineMs)
  const onSignal = () => {
    g.onSignal?.()
    void g.cleanup().then(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    await body()
  } catch (err) {
    g.onError?.()
    throw err
  } finally {
    clearTimeout(watchdog)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await g.cleanup()
  }
}

/** The share of the machine's CPU time busy over the next `ms` (all cores, every process). */
export async function machineBusy(ms: number): Promise<number> {
  const a = machineTicks()
  await sleep(ms)
  const b = machineTicks()
  return b.total === a.total ? 0 : (b.busy - a.busy) / (b.total - a.total)
}

/**
 * Processes a cluster's containers run: their command line or working directory lies in the
 * data dir (a shim's spec.json, a container's rootfs). `exclude`: kubelite itself.
 */
export function containerProcesses(dataDir: string, exclude: number[]): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    if (pid === process.pid || exclude.includes(pid)) continue
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
      let cwd = ''
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`)
      } catch {
        // not ours to read, or gone
      }
      if (cmd.includes(dataDir) || cwd.startsWith(dataDir)) found.push({ pid, cmd })
    } catch {
      // exited while we looked
    }
  }
  return found
}

/** Seconds with one decimal (`—` for no figure). */
export const secs = (x: number) => (!Number.isFinite(x) ? '—' : `${(x / 1000).toFixed(1)} s`)

/** `p50 …, p99 …, max … (×n)` of durations in ms. */
export const dist = (xs: number[]) => {
  const s = asc(xs)
  return `p50 ${ms(pct(s, 50))}, p99 ${ms(pct(s, 99))}, max ${ms(s.at(-1) ?? NaN)} (×${s.length})`
}

/** Kills processes a stopped kubelite left running, saying so in the run's notes. */
export function killLeftovers(left: { pid: number; cmd: string }[], notes: string[]): void {
  notes.push(`LEFT RUNNING after kubelite stopped, now killed: ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`)
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
}

/** A watch event as the benchmarks read it. */
export interface BenchWatchEvent {
  type: string
  object: { metadata?: { resourceVersion?: string } }
}

/**
 * Follows a watch of `path` from `rv` until closed, resuming after a break from the last
 * resourceVersion seen (pausing longer after each failure in a row, reporting only the first).
 * `started` resolves once the first watch answered.
 */
export function follow<E extends BenchWatchEvent>(api: Api, path: string, rv: string, onEvent: (ev: E, at: number) => void) {
  const client = new Client(api.origin, { connect: { ca: api.ca }, bodyTimeout: 0 })
  const ac = new AbortController()
  let lastRV = rv
  let ready!: () => void
  const started = new Promise<void>((r) => (ready = r))
  const loop = (async () => {
    let fails = 0 // in a row: the pause grows, and only the first is reported
    while (!ac.signal.aborted) {
      try {
        const sep = path.includes('?') ? '&' : '?'
        const r = await client.request({
          method: 'GET',
          path: `${path}${sep}watch=1&resourceVersion=${lastRV}&timeoutSeconds=600&allowWatchBookmarks=true`,
          headers: { authorization: `Bearer ${api.token}`, accept: 'application/json' },
          signal: ac.signal,
        })
        if (r.statusCode !== 200) throw new Error(`watch ${path}: HTTP ${r.statusCode}: ${(await r.body.text()).slice(0, 200)}`)
        ready()
        fails = 0
        for await (const { line, at } of lines(r.body)) {
          const ev = JSON.parse(line) as E
          if (ev.type === 'ERROR') throw new Error(`watch ${path}: ${line.slice(0, 300)}`)
          lastRV = ev.object.metadata?.resourceVersion ?? lastRV
          if (ev.type !== 'BOOKMARK') onEvent(ev, at)
        }
      } catch (err) {
        if (ac.signal.aborted) return
        if (fails++ === 0) progress(`watch ${path} broke (${(err as Error).message}); following from ${lastRV}`)
        await sleep(Math.min(2_000, 100 * 2 ** fails))
      }
    }
  })()
  return {
    started,
    async close() {
      ac.abort()
      await loop.catch(() => undefined)
      await client.destroy()
    },
  }
}

/** One EndpointSlice of the benchmarks' `bench` Service: its ports, one ready endpoint. */
export interface BenchSlice {
  ports: { name: string; port: number }[]
  address: string
}

/**
 * kubelite's Service proxy alone, in this process (a child of a benchmark): an in-process API
 * with Service `default/bench` on `clusterIP` with `ports` and the given slices, the proxy
 * following it. Resolves once every port has its backends and every listener listens; the
 * proxy then runs until the parent disconnects, and this process exits.
 */
export async function serveBenchProxy(clusterIP: string, ports: { name: string; port: number; appProtocol?: string }[], slices: BenchSlice[]): Promise<void> {
  const [{ ApiServer }, { MemoryStore }, { builtInResources }, { inProcessClient }, { ServiceProxy }] = await Promise.all([
    import('../src/api/server.js'),
    import('../src/store/index.js'),
    import('../src/registry/index.js'),
    import('../src/client/inprocess.js'),
    import('../src/proxy/index.js'),
  ])
  const api = new ApiServer({ resources: builtInResources(), store: new MemoryStore(), serverAddress: '127.0.0.1:6443' })
  const client = inProcessClient({ resources: () => api.resourceInfos(), resource: (g, r) => api.resource(g, r) }, 'bench')
  const proxy = new ServiceProxy(client, { log: { error: (o, m) => console.error(m, o) } })
  const ac = new AbortController()
  process.on('disconnect', () => ac.abort())
  const run = proxy.start(ac.signal)
  await proxy.waitForSync()
  await client.resource({ group: '', version: 'v1', resource: 'services' }).create('default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bench' }, spec: { clusterIP, ports } })
  for (const [i, sl] of slices.entries()) {
    await client.resource({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }).create('default', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `bench-${i}`, labels: { 'kubernetes.io/service-name': 'bench' } },
      addressType: 'IPv4',
      ports: sl.ports,
      endpoints: [{ addresses: [sl.address], conditions: { ready: true } }],
    })
  }
  const ready = () =>
    ports.every((p) => proxy.backends('default/bench', p.name).length === slices.filter((sl) => sl.ports.some((q) => q.name === p.name)).length) &&
    proxy.listeners().length >= ports.length &&
    proxy.listeners().every((l) => l.state === 'listening')
  while (!ready()) await sleep(10)
  process.send!({ ready: true })
  await run
  process.exit(0)
}

/** Throughput and latency of `n` operations, `parallel` in flight (a rejection counts as an error). */
export interface Measured {
  rate: number
  p50: number
  p99: number
  errors: number
}

export async function timed(n: number, parallel: number, one: (i: number) => Promise<boolean>): Promise<Measured> {
  const lat: number[] = []
  let errors = 0
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        const i = next++
        const s = performance.now()
        const ok = await one(i).catch(() => false)
        if (ok) lat.push(performance.now() - s)
        else errors++
      }
    }),
  )
  const wall = performance.now() - t0
  const s = asc(lat)
  return { rate: (lat.length / wall) * 1000, p50: pct(s, 50), p99: pct(s, 99), errors }
}
