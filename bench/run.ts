// `npm run bench`: every benchmark in one command, each in its own process one after another (so
// they never compete with each other), then bench/results/<date>-<commit>.json and
// docs/benchmarks.md with its SVG charts. Each figure stands beside its references: measured in
// this run where they run here (etcd, nginx, HAProxy, direct to a pod, the ideal rollout), quoted
// with their source where they cannot (k3s, kind, minikube, kwokctl).
//
//   npm run build && npm run bench [-- --quick] [-- --only=api,etcd] [-- --no-report]
//
// --quick: small sizes, about two minutes. Full: about 15 minutes on 2 cores. Each benchmark has a
// wall-clock limit; past it, SIGTERM (each cleans up on it), then SIGKILL. Nothing is left running.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { distBuiltAt, machineBusy, machineTicks, root, sleep } from './lib.js'
import { quotedRss, quotedStart } from './quoted.js'
import { writeReport, resultsName } from './render.js'
import type { BenchOutput, BenchRun, Entry, Figure, Machine, Results } from './results.js'
import type { Row } from './lib.js'

const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',')
const noReport = argv.includes('--no-report')

interface Bench {
  name: string
  file: string
  args: string[]
  env?: Record<string, string>
  limitS: number
  /** Printed as `name  value` lines rather than through lib.ts report(). */
  plain?: boolean
}

const benches: Bench[] = [
  { name: 'api', file: 'bench/api.bench.ts', args: quick ? ['--quick'] : [], limitS: 150 },
  { name: 'fanout', file: 'bench/fanout.bench.ts', args: quick ? ['--quick'] : [], limitS: 160 },
  ...(quick ? [] : [{ name: 'store', file: 'bench/store.bench.ts', args: [], limitS: 150, plain: true }]),
  { name: 'etcd', file: 'bench/etcd.bench.ts', args: quick ? ['--quick'] : [], limitS: 240 },
  { name: 'backends', file: 'bench/store-backends.bench.ts', args: quick ? ['--quick'] : [], limitS: 300 },
  { name: 'node', file: 'bench/node.bench.ts', args: [], env: quick ? { BENCH_SIM_PODS: '1000', BENCH_RUNS: '2' } : undefined, limitS: quick ? 90 : 200 },
  // --quick leaves out the fleet phase (10 × 100 rolled at once): it alone took about a minute here.
  { name: 'deployment', file: 'bench/deployment.bench.ts', args: quick ? ['--quick', '--phases=process,sim'] : [], limitS: quick ? 120 : 420 },
  { name: 'rollout', file: 'bench/rollout.bench.ts', args: quick ? ['--quick'] : [], limitS: quick ? 120 : 240 },
  { name: 'proxy', file: 'bench/proxy.bench.ts', args: quick ? ['--duration-ms', '300', '--rounds', '1'] : [], limitS: 150 },
  { name: 'memory', file: 'bench/memory.bench.ts', args: quick ? ['--quick'] : [], limitS: quick ? 200 : 620 },
  { name: 'chaos', file: 'bench/chaos.bench.ts', args: quick ? ['--quick'] : [], limitS: quick ? 240 : 780 },
  { name: 'balancers', file: 'bench/balancers.bench.ts', args: quick ? ['--quick'] : [], limitS: 200 },
].filter((b) => (!only || only.includes(b.name)) && existsSync(join(root, b.file)))

const log = (msg: string) => process.stderr.write(`bench run: ${msg}\n`)

function version(cmd: string, args: string[], pick: RegExp): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error) return undefined
  return pick.exec(`${r.stdout}\n${r.stderr}`)?.[1]
}

function machine(busyBefore: number): Machine {
  const tools: Record<string, string> = {}
  const t = (name: string, v: string | undefined) => (tools[name] = v ?? 'missing')
  t('kubectl', version('kubectl', ['version', '--client'], /Client Version: (\S+)/))
  t('etcd', version('etcd', ['--version'], /etcd Version: (\S+)/))
  t('nginx', version('nginx', ['-v'], /nginx\/(\S+)/))
  t('HAProxy', version('haproxy', ['-v'], /version (\S+)/))
  t('wrk', version('wrk', ['-v'], /wrk (\S+)/))
  return {
    cores: cpus().length,
    model: cpus()[0]?.model ?? 'unknown',
    memoryGB: totalmem() / 2 ** 30,
    kernel: release(),
    node: process.version,
    loadavg: loadavg() as [number, number, number],
    busyBefore,
    tools,
  }
}

/** `name  value` lines (store.bench.ts) → info rows. */
function plainRows(out: string): Row[] {
  return out
    .split('\n')
    .map((l) => /^(\S.*?)\s{2,}(\S.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ metric: m[1]!, measured: m[2]! }))
}

/** Processes started from this checkout's kubelite (the CLI, its shims and sandboxes), by pid. */
function kubeliteProcesses(): Map<number, string> {
  const found = new Map<number, string>()
  const marks = [join(root, 'bin', 'kubelite.js'), join(root, 'src', 'node', 'runtime'), join(root, 'dist', 'node', 'runtime')]
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
      if (marks.some((m) => cmd.includes(m))) found.set(Number(name), cmd)
    } catch {
      // gone
    }
  }
  return found
}

/**
 * What a benchmark left running after it exited (its kubelite or its containers): counted for the
 * report, then stopped — SIGTERM, SIGKILL 3 s later — so that the next benchmark starts clean.
 */
async function sweep(before: Map<number, string>): Promise<{ count: number; sample?: string }> {
  await sleep(1000)
  const left = [...kubeliteProcesses()].filter(([pid]) => !before.has(pid))
  if (!left.length) return { count: 0 }
  for (const [pid] of left) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // gone
    }
  }
  await sleep(3000)
  for (const [pid] of left) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
  return { count: left.length, sample: left[0]![1].slice(0, 200) }
}

async function runOne(b: Bench, dir: string): Promise<BenchRun> {
  const before = kubeliteProcesses()
  const rowsFile = join(dir, `${b.name}.json`)
  const command = `node --import tsx ${b.file}${b.args.length ? ' ' + b.args.join(' ') : ''}`
  log(`${b.name}: ${command} (limit ${b.limitS} s)`)
  const t0 = performance.now()
  const child = spawn(process.execPath, ['--import', 'tsx', b.file, ...b.args], {
    cwd: root,
    env: { ...process.env, ...b.env, BENCH_ROWS_FILE: rowsFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => {
    process.stdout.write(c)
    out += c.toString()
  })
  let status: number | string = 0
  const term = setTimeout(() => {
    status = 'timeout'
    log(`${b.name}: over ${b.limitS} s, stopping it`)
    child.kill('SIGTERM')
    setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 10_000).unref()
  }, b.limitS * 1000)
  current = child
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
  current = undefined
  clearTimeout(term)
  if (status === 0) status = code ?? 'killed'
  const left = await sweep(before)
  if (left.count) log(`${b.name}: left ${left.count} processes running after it exited (stopped now), e.g. ${left.sample}`)
  let got: BenchOutput = {}
  try {
    got = JSON.parse(readFileSync(rowsFile, 'utf8')) as BenchOutput
  } catch {
    // printed nothing structured (plain output, or stopped before its table)
  }
  return {
    name: b.name,
    command,
    durationMs: performance.now() - t0,
    status,
    rows: got.rows ?? (b.plain ? plainRows(out) : []),
    notes: got.notes ?? [],
    figures: got.figures ?? [],
    output: out.length > 20_000 ? out.slice(-20_000) : out,
    leftover: left.count ? left : undefined,
  }
}

// ---- figures from the goal tables of api, node and deployment ------------------------------------

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s.replace(/,/g, '')))
/** `p50 1.23 ms` → 1.23 (ms; seconds converted). */
function pick(text: string | undefined, label: string): number | undefined {
  if (!text) return undefined
  const m = new RegExp(`${label}\\s+([\\d.,]+)\\s*(ms|s)\\b`).exec(text)
  if (!m) return undefined
  return m[2] === 's' ? num(m[1])! * 1000 : num(m[1])
}
const firstNumber = (text: string | undefined) => num(/([\d.,]+)/.exec(text ?? '')?.[1])

function derive(runs: BenchRun[]): Figure[] {
  const rows = (name: string) => runs.find((r) => r.name === name)?.rows ?? []
  const find = (name: string, re: RegExp) => rows(name).find((r) => re.test(r.metric))
  const figs: Figure[] = []
  const ours = (name: string, value: number | undefined, extra: Partial<Entry> = {}): Entry => ({ name, kind: 'kubelite', value, ...extra })

  // cluster: start and memory
  const cold = find('api', /^ready, cold start \(median/)
  const warm = find('api', /^ready, warm restart \(median/)
  if (cold?.value !== undefined) {
    figs.push({
      id: 'cluster.start',
      group: 'cluster',
      label: 'start command → API answering, whole single-node cluster',
      unit: 's',
      better: 'lower',
      goal: (cold.goalValue ?? 1000) / 1000,
      entries: [
        ours('kubelite up, cold (fresh data dir)', cold.value / 1000, { detail: 'median; spawn → GET /readyz 200 ok (first node Ready)' }),
        ...(warm?.value !== undefined ? [ours('kubelite up, warm restart', warm.value / 1000, { detail: 'median' })] : []),
        ...quotedStart,
      ],
      note: 'kubelite is timed to its first `ok` on /readyz, which waits for the first node to be Ready; minikube\'s "Command Exec" is the wall time of the start command, which also waits for the API server.',
    })
  }
  const rss = find('api', /^idle RSS/)
  if (rss?.value !== undefined)
    figs.push({
      id: 'cluster.rss',
      group: 'cluster',
      label: 'memory of the idle cluster',
      unit: 'MB',
      better: 'lower',
      goal: rss.goalValue,
      entries: [ours('kubelite (one process: API, store, controllers, node, proxy)', rss.value, { detail: 'VmRSS 2 s after ready, worst of all starts' }), ...quotedRss],
    })

  // API
  const slo = 'https://github.com/kubernetes/community/blob/master/sig-scalability/slos/api_call_latency.md'
  const sloEntry: Entry = { name: 'Kubernetes SLO threshold', kind: 'quoted', value: 1000, source: slo, detail: 'p99 ≤ 1 s for single-object calls, a large cluster\'s threshold, not a measurement' }
  const noApiserver: Entry = { name: 'kube-apiserver', kind: 'missing', source: 'not packaged for Debian 12 and needs its own etcd and certificates; not run here' }
  const create = find('api', /^create ConfigMap ×/)
  const createLat = find('api', /create ConfigMap latency/)
  if (create?.value !== undefined)
    figs.push({
      id: 'api.create',
      group: 'api',
      label: 'create (POST a ConfigMap), 8 in flight, HTTPS',
      unit: '/s',
      better: 'higher',
      goal: create.goalValue,
      entries: [ours('kubelite', create.value, { p50: pick(createLat?.measured, 'p50'), p99: pick(createLat?.measured, 'p99') }), noApiserver],
    })
  const get1 = find('api', /^GET ConfigMap p99, 1 in flight/)
  const getN = find('api', /^GET ConfigMap p99, (?!1 )\d+ in flight/)
  const get1p50 = find('api', /GET p50, 1 in flight/)
  const getTp = find('api', /GET throughput/)
  if (get1?.value !== undefined)
    figs.push({
      id: 'api.get.p99',
      group: 'api',
      label: 'GET one object, p99 latency',
      unit: 'ms',
      better: 'lower',
      goal: get1.goalValue,
      entries: [
        ours('kubelite, 1 in flight', get1.value, { p50: firstNumber(get1p50?.measured), p99: get1.value }),
        ...(getN?.value !== undefined ? [ours('kubelite, 8 in flight', getN.value, { p50: pick(getTp?.measured, 'p50'), p99: getN.value, detail: getTp?.measured })] : []),
        sloEntry,
        noApiserver,
      ],
    })
  const listJ = find('api', /^LIST \d+ ConfigMaps, JSON/)
  const listT = find('api', /^LIST 500 ConfigMaps as Table/)
  if (listJ)
    figs.push({
      id: 'api.list',
      group: 'api',
      label: 'LIST, p50 latency',
      unit: 'ms',
      better: 'lower',
      entries: [ours(listJ.metric.replace(/ \(×\d+\)/, ''), pick(listJ.measured, 'p50')), ...(listT ? [ours(listT.metric, pick(listT.measured, 'p50'))] : []), noApiserver],
    })
  const burst = find('api', /^WATCH burst/)
  const wl = find('api', /^WATCH write → event/)
  const replay = find('api', /^WATCH replay/)
  if (burst || wl)
    figs.push({
      id: 'api.watch',
      group: 'api',
      label: 'WATCH: events delivered per second',
      unit: '/s',
      better: 'higher',
      entries: [
        ...(burst ? [ours('burst of creates → one watcher', firstNumber(burst.measured), { p50: pick(burst.measured, 'p50'), p99: pick(burst.measured, 'p99'), detail: 'write → event latency' })] : []),
        ...(replay ? [ours('replay from a resourceVersion', firstNumber(replay.measured))] : []),
        ...(wl ? [ours('one write at a time (latency only)', undefined, { p50: pick(wl.measured, 'p50'), p99: pick(wl.measured, 'p99') })] : []),
        noApiserver,
      ],
    })

  // scale (sim runtime)
  const running = find('node', /^sim: \d+ pods all Running/)
  const getMean = find('node', /^sim: API GET p99 meanwhile/)
  if (running?.value !== undefined) {
    const n = Number(/sim: (\d+) pods/.exec(running.metric)?.[1])
    figs.push({
      id: 'scale.pods',
      group: 'scale',
      label: `sim runtime: ${n.toLocaleString('en-US')} pods created → all Running`,
      unit: 's',
      better: 'lower',
      goal: running.goalValue,
      entries: [ours(`kubelite, ${n.toLocaleString('en-US')} pods`, running.value, { detail: `${(n / running.value).toFixed(0)} pods/s to Running` }), { name: 'kwok', kind: 'missing', source: 'needs a kube-apiserver and etcd (not run here); no published pods/s figure found' }],
    })
    if (getMean?.value !== undefined)
      figs.push({
        id: 'scale.api',
        group: 'scale',
        label: 'API GET p99 while the pods start',
        unit: 'ms',
        better: 'lower',
        goal: getMean.goalValue,
        entries: [ours('kubelite', getMean.value), sloEntry],
      })
  }
  const sim = find('deployment', /^sim: Deployment of \d+ replicas/)
  if (sim?.value !== undefined)
    figs.push({ id: 'scale.deployment', group: 'scale', label: sim.metric.replace(/^sim: /, 'sim runtime: '), unit: 's', better: 'lower', goal: sim.goalValue, entries: [ours('kubelite', sim.value)] })

  // rollout: duration against the ideal (deployment bench), failed requests (rollout bench)
  const roll = find('deployment', /^process: the same, median of/) ?? find('deployment', /^process: rollout of/)
  const ideal = find('deployment', /^\s*ideal$/)
  if (roll?.value !== undefined) {
    const idealMs = num(/= ([\d.,]+) ms/.exec(ideal?.measured ?? '')?.[1])
    figs.push({
      id: 'rollout.duration',
      group: 'rollout',
      label: 'rolling update of 4 replicas, set image → complete',
      unit: 'ms',
      better: 'lower',
      goal: roll.goalValue,
      entries: [ours('kubelite (median)', roll.value), { name: 'ideal', kind: 'measured', value: idealMs, detail: ideal?.measured }],
      note: 'The ideal is measured in the same run: surge steps (replicas ÷ maxSurge) × one bare pod\'s create → Ready. The goal line is the allowed multiple of it.',
    })
  }
  return figs
}

// ---- the run -------------------------------------------------------------------------------------

let current: ReturnType<typeof spawn> | undefined

async function main(): Promise<void> {
  const built = distBuiltAt()
  if (!built) process.exit(1)
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-bench-run-'))
  const atStart = kubeliteProcesses()
  const stop = async () => {
    log('interrupted: stopping the running benchmark and whatever it started')
    const child = current
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(t)
    }
    await sweep(atStart)
    rmSync(dir, { recursive: true, force: true })
    process.exit(130)
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
  try {
    log(`measuring how busy the machine is (3 s)…`)
    const m = machine(await machineBusy(3000))
    log(`${m.cores} × ${m.model}; load ${m.loadavg.map((x) => x.toFixed(2)).join(' ')}; busy ${(m.busyBefore * 100).toFixed(0)}%; ${quick ? 'quick' : 'full'} run of ${benches.map((b) => b.name).join(', ')}`)
    const t0 = machineTicks()
    const runs: BenchRun[] = []
    for (const b of benches) runs.push(await runOne(b, dir))
    const t1 = machineTicks()
    m.busyDuring = t1.total === t0.total ? undefined : (t1.busy - t0.busy) / (t1.total - t0.total)
    const commit = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown'
    const results: Results = {
      date: new Date().toISOString(),
      commit,
      mode: quick ? 'quick' : 'full',
      machine: m,
      benches: runs,
      figures: [...derive(runs), ...runs.flatMap((r) => r.figures)],
    }
    const order: Figure['group'][] = ['cluster', 'api', 'store', 'proxy', 'rollout', 'scale']
    results.figures.sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group))
    const outDir = join(root, 'bench', 'results')
    mkdirSync(outDir, { recursive: true })
    const file = join(outDir, resultsName(results))
    writeFileSync(file, JSON.stringify(results, null, 1) + '\n')
    log(`wrote ${file}`)
    if (!noReport) log(`wrote ${writeReport(results)} and docs/benchmarks/*.svg`)
    const failed = runs.filter((r) => r.status !== 0)
    if (failed.length) log(`not clean: ${failed.map((r) => `${r.name} (${r.status})`).join(', ')}`)
    log(`done in ${(runs.reduce((a, r) => a + r.durationMs, 0) / 1000).toFixed(0)} s`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
