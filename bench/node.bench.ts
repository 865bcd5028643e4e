// Node benchmark: starts the built CLI (`node bin/kubelite.js up`) as a user runs it and measures
// the node issue's goals, printed side by side with them:
//   1. sim runtime (`--runtime sim`): 10,000 bare pods created over HTTPS (bounded concurrency), the
//      time until all are Running and Ready (one watch on the namespace), per-pod stage latencies
//      (created → bound → Running → Ready), the API latency of a steady trickle of GETs and LISTs
//      meanwhile (open loop, from a worker thread so the bench's own work does not delay it), and
//      kubelite's RSS and CPU time at the end;
//   2. process runtime (the default): one pod at a time for each built-in image (bootcamp v1,
//      simple-container-app v0.1, busybox `sleep 3600`, nginx when port 80 can be bound), 10 runs
//      each: create → Running and create → Ready, p50/p99, from watch events on the pod.
// It builds nothing: run `npm run build` first. Run: npm run bench:node  (or: npx tsx bench/node.bench.ts)
// Knobs (for quick looks; the recorded figures use the defaults): BENCH_SIM_PODS (≤ 10000),
// BENCH_RUNS (≤ 10), BENCH_PHASES=sim,process, BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof",
// BENCH_KUBELITE=<other checkout>/bin/kubelite.js.
// Bounded in count and time (hard limit 175 s); kubelite gets SIGTERM then SIGKILL, temp dirs are
// removed, and no process a container started may be left (checked through /proc, killed and
// reported if one is).
import { type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { apiClient, asc, containerProcesses, cpuMs, distBuiltAt, expect, freePort, guarded, header, lines, machineBusy, machineTicks, mb, ms, pct, perSec, procStatus, progress, report, root, sleep, spawnUp, terminate, until as poll, waitForReadyz, type Api , dist, follow, killLeftovers, secs } from './lib.js'

// BENCH_KUBELITE: another build's bin/kubelite.js, to compare a change against this checkout's.
const cli = process.env.BENCH_KUBELITE ?? join(root, 'bin', 'kubelite.js')

const envInt = (name: string, fallback: number, max: number) => {
  const v = Number(process.env[name] ?? fallback)
  return Number.isInteger(v) && v > 0 ? Math.min(v, max) : fallback
}

/** Counts and limits: the whole run stays well under 3 minutes. */
const plan = {
  simPods: envInt('BENCH_SIM_PODS', 10_000, 10_000),
  createConnections: 8, // keep-alive connections = creates in flight
  simDeadlineMs: 90_000, // from the first create until every pod is Ready
  getsPerSec: 20,
  listsPerSec: 2,
  listLimit: 100,
  runs: envInt('BENCH_RUNS', 10, 10),
  podTimeoutMs: 15_000, // one process-runtime pod: create → Ready
  goneTimeoutMs: 10_000, // one process-runtime pod: delete → no process left
  readyTimeoutMs: 20_000,
  totalDeadlineMs: 175_000,
}

// listP99Ms: the hardening issue's goal for a LIST during a 10,000-pod burst (GET < 50 ms, LIST < 100 ms).
const goals = { simAllRunningMs: 60_000, apiP99Ms: 50, listP99Ms: 100, processReadyMs: 300 }

const bootcampImage = 'gcr.io/google-samples/kubernetes-bootcamp:v1'

// ---- small helpers ------------------------------------------------------------------------------


/** Whether this user may listen on port 80 (nginx's) at a pod-range loopback address. */
async function canBind80(): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(false))
    srv.listen(80, '127.244.255.254', () => srv.close(() => resolve(true)))
  })
}



// ---- the kubelite process -----------------------------------------------------------------------

interface Running {
  child: ChildProcess
  port: number
  dataDir: string
  readyMs: number
  output: () => string
}

const children = new Set<ChildProcess>()
const dataDirs = new Set<string>()

/** SIGTERM, SIGKILL after 10 s; resolves with the time the process took to exit. */
async function stop(child: ChildProcess): Promise<number> {
  const took = await terminate(child, 10_000)
  children.delete(child)
  return took
}

async function launch(dataDir: string, kubeconfig: string, upArgs: string[]): Promise<Running> {
  const port = await freePort()
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
  let out = ''
  const keep = (d: Buffer) => {
    out += d
    if (out.length > 64 * 1024) out = out.slice(-32 * 1024) // the tail is enough for an error report
  }
  dataDirs.add(dataDir)
  const t0 = performance.now()
  const child = spawnUp(cli, nodeArgs, dataDir, port, kubeconfig, upArgs)
  children.add(child)
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  try {
    const readyAt = await waitForReadyz({ child, dataDir, port, t0, timeoutMs: plan.readyTimeoutMs, output: () => out, credsPollMs: 5, retryMs: 10 })
    return { child, port, dataDir, readyMs: readyAt - t0, output: () => out }
  } catch (err) {
    await stop(child)
    throw err
  }
}

interface PodEvent {
  type: string
  object: {
    metadata?: { name?: string; resourceVersion?: string }
    spec?: { nodeName?: string }
    status?: { phase?: string; conditions?: { type: string; status: string }[] }
  }
}

const isReady = (o: PodEvent['object']) => o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false

const until = (cond: () => boolean, timeoutMs: number) => poll(cond, timeoutMs, 2)

// ---- the API trickle, in a worker thread -------------------------------------------------------

/**
 * Open loop: a GET every 1/getsPerSec s and a LIST every 1/listsPerSec s, each sent on schedule
 * whether or not the previous one answered (no coordinated omission). Plain JS (a worker does not
 * get tsx's loader), CommonJS as eval workers are.
 */
const trickleSource = `
const { parentPort, workerData: w } = require('node:worker_threads')
const { Pool } = require(w.undici)
const headers = { authorization: 'Bearer ' + w.token, accept: 'application/json' }
const pools = { get: new Pool(w.origin, { connections: 2, connect: { ca: w.ca } }), list: new Pool(w.origin, { connections: 2, connect: { ca: w.ca } }) }
const out = { get: [], list: [], errors: { get: 0, list: 0 }, listItems: 0 }
let stopped = false
let inflight = 0
let idle = () => {}
async function one(kind, path) {
  inflight++
  const s = performance.now()
  try {
    const r = await pools[kind].request({ method: 'GET', path, headers })
    const text = await r.body.text()
    if (r.statusCode !== 200) out.errors[kind]++
    else if (kind === 'list') out.listItems = Math.max(out.listItems, JSON.parse(text).items.length)
    out[kind].push(performance.now() - s)
  } catch {
    out.errors[kind]++
  }
  if (--inflight === 0) idle()
}
function every(perSec, kind, path) {
  const step = 1000 / perSec
  let next = performance.now()
  const tick = () => {
    if (stopped) return
    void one(kind, path)
    next += step
    setTimeout(tick, Math.max(0, next - performance.now()))
  }
  tick()
}
every(w.getsPerSec, 'get', w.getPath)
every(w.listsPerSec, 'list', w.listPath)
parentPort.on('message', async () => {
  stopped = true
  if (inflight > 0) await new Promise((r) => (idle = r))
  parentPort.postMessage(out)
  await Promise.all([pools.get.close(), pools.list.close()])
  parentPort.close()
})
`

interface TrickleResult {
  get: number[]
  list: number[]
  errors: { get: number; list: number }
  listItems: number
}

function startTrickle(api: Api, getPath: string, listPath: string): { stop(): Promise<TrickleResult> } {
  const undici = createRequire(import.meta.url).resolve('undici')
  const worker = new Worker(trickleSource, {
    eval: true,
    workerData: { undici, origin: api.origin, ca: api.ca, token: api.token, getPath, listPath, getsPerSec: plan.getsPerSec, listsPerSec: plan.listsPerSec },
  })
  const result = new Promise<TrickleResult>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  return {
    async stop() {
      worker.postMessage('stop')
      const r = await Promise.race([result, sleep(15_000).then(() => undefined)])
      await worker.terminate()
      if (!r) throw new Error('the API trickle worker did not stop')
      return r
    },
  }
}

// ---- the report ---------------------------------------------------------------------------------

const { rows, notes, upper, info, printTable } = report('ratio: share of the goal used, ≤ 1.00 is within it.')

// ---- phase 1: the sim runtime -------------------------------------------------------------------

const simPod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'bench-sim', labels: { app: 'bench-sim' } },
  spec: { containers: [{ name: 'web', image: bootcampImage, ports: [{ containerPort: 8080 }] }] },
})

interface Stages {
  sent: number
  /** The create's response arrived. */
  created?: number
  /** Its ADDED event arrived on the watch. */
  added?: number
  bound?: number
  running?: number
  ready?: number
}

async function simPhase(tmp: string, deadline: number): Promise<void> {
  const dataDir = join(tmp, 'sim')
  progress(`sim: starting kubelite --runtime sim`)
  const run = await launch(dataDir, join(tmp, 'sim.kubeconfig'), ['--runtime', 'sim'])
  const pid = run.child.pid!
  const api = apiClient(run, plan.createConnections)
  const n = plan.simPods
  const names = Array.from({ length: n }, (_, i) => `sim-${String(i).padStart(5, '0')}`)
  const stages = new Map<string, Stages>()
  let bound = 0
  let running = 0
  let ready = 0
  let events = 0
  let watch: ReturnType<typeof follow> | undefined
  try {
    expect('create namespace', [201], await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-sim' } }))
    const probe = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe', namespace: 'bench-sim' }, data: { a: 'b' } }
    expect('create configmap', [201], await api.call('POST', '/api/v1/namespaces/bench-sim/configmaps', probe))
    const list0 = await api.call('GET', '/api/v1/namespaces/bench-sim/pods?limit=1')
    expect('list pods', [200], list0)
    const rv = JSON.parse(list0.text).metadata.resourceVersion as string

    // One watch counts every stage; it sees each pod's few writes (create, bind, status).
    let watchCpu = 0
    watch = follow<PodEvent>(api, '/api/v1/namespaces/bench-sim/pods', rv, (ev, at) => {
      const c0 = performance.now()
      events++
      const name = ev.object.metadata?.name ?? ''
      const s = stages.get(name)
      if (!s) return
      const o = ev.object
      s.added ??= at
      if (s.bound === undefined && o.spec?.nodeName) {
        s.bound = at
        bound++
      }
      if (s.running === undefined && o.status?.phase === 'Running') {
        s.running = at
        running++
      }
      if (s.ready === undefined && isReady(o)) {
        s.ready = at
        ready++
      }
      watchCpu += performance.now() - c0
    })
    await watch.started

    progress(`sim: creating ${n} pods, ${plan.createConnections} in flight; GET ${plan.getsPerSec}/s and LIST ${plan.listsPerSec}/s meanwhile`)
    const trickle = startTrickle(api, '/api/v1/namespaces/bench-sim/configmaps/probe', `/api/v1/namespaces/bench-sim/pods?limit=${plan.listLimit}`)
    const cpu0 = cpuMs(pid)
    const own0 = process.cpuUsage()
    const t0 = performance.now()
    const t0Wall = Date.now()
    const stopAt = Math.min(deadline, t0 + plan.simDeadlineMs)
    const createLat: number[] = []
    let createErrors = 0
    let createsDone = NaN
    let atGoal: { created: number; running: number; ready: number } | undefined
    const timeline: string[] = []
    const ticker = setInterval(() => {
      const t = performance.now() - t0
      const line = `t=${(t / 1000).toFixed(0)}s created ${createLat.length} bound ${bound} Running ${running} Ready ${ready}`
      timeline.push(line)
      progress(`sim: ${line}`)
    }, 5_000)
    const goalTimer = setTimeout(() => (atGoal = { created: createLat.length, running, ready }), goals.simAllRunningMs)
    try {
      let next = 0
      const worker = async () => {
        while (next < n && performance.now() < stopAt) {
          const name = names[next++]!
          const s: Stages = { sent: performance.now() }
          stages.set(name, s)
          const r = await api.call('POST', '/api/v1/namespaces/bench-sim/pods', simPod(name))
          if (r.status !== 201) {
            createErrors++
            stages.delete(name)
            if (createErrors <= 3) progress(`sim: create ${name}: HTTP ${r.status}: ${r.text.slice(0, 200)}`)
            continue
          }
          s.created = performance.now()
          createLat.push(performance.now() - s.sent)
        }
      }
      await Promise.all(Array.from({ length: plan.createConnections }, worker))
      createsDone = performance.now() - t0
      progress(`sim: ${createLat.length} creates in ${secs(createsDone)}; waiting for Ready`)
      await until(() => ready >= createLat.length, Math.max(0, stopAt - performance.now()))
    } finally {
      clearInterval(ticker)
      clearTimeout(goalTimer)
    }
    const tEnd = performance.now()
    const trick = await trickle.stop()
    // Store writes per pod (every write is one revision) and Events per pod, once the clock stopped.
    const now = await api.call('GET', '/api/v1/namespaces/bench-sim/configmaps?limit=1')
    const writes = Number(JSON.parse(now.text).metadata.resourceVersion) - Number(rv)
    const ev = await api.call('GET', '/api/v1/namespaces/bench-sim/events?limit=1')
    const evList = JSON.parse(ev.text) as { items: unknown[]; metadata: { remainingItemCount?: number } }
    const eventCount = evList.items.length + (evList.metadata.remainingItemCount ?? 0)
    const server = await serverSideTimes(api, t0Wall, goals.simAllRunningMs)
    const cpu = cpuMs(pid) - cpu0
    const own = process.cpuUsage(own0)
    const rss = procStatus(pid, 'VmRSS')
    const hwm = procStatus(pid, 'VmHWM')
    const totalCpu = cpuMs(pid)

    const all = [...stages.values()]
    const lastOf = (k: 'running' | 'ready') => (all.every((s) => s[k] !== undefined) && all.length === n ? Math.max(...all.map((s) => s[k]!)) - t0 : Infinity)
    const allRunning = lastOf('running')
    const allReady = lastOf('ready')
    upper(`sim: ${n} pods all Running, as a watch sees it`, allRunning, goals.simAllRunningMs, secs)
    info(`sim: ${n} pods all Ready, as a watch sees it`, Number.isFinite(allReady) ? secs(allReady) : `${ready} of ${n} Ready after ${secs(tEnd - t0)}`)
    if (server.ready === n) upper(`sim: ${n} pods all Ready, by their Ready condition's time (1 s steps)`, server.lastReadyMs, goals.simAllRunningMs, secs)
    else info('sim: pods Ready by their own conditions', `${server.ready} of ${n} (${createLat.length} created) when the bench stopped at ${secs(tEnd - t0)}`)
    rows.push({
      metric: `sim: pods Ready within ${goals.simAllRunningMs / 1000} s, by their Ready condition's time`,
      measured: String(server.readyByGoal),
      goal: `≥ ${n}`,
      ratio: server.readyByGoal > 0 ? n / server.readyByGoal : Infinity,
    })
    info('sim: per pod, by its own timestamps (1 s steps)', `created → PodScheduled ${server.toScheduled}; created → Ready ${server.toReady}`)
    if (atGoal) info(`sim: at ${goals.simAllRunningMs / 1000} s, as the bench saw it`, `${atGoal.created} created; the watch had shown ${atGoal.running} Running, ${atGoal.ready} Ready`)
    info(`sim: creates (${plan.createConnections} in flight)`, `${createLat.length} in ${secs(createsDone)} = ${perSec((createLat.length / createsDone) * 1000)}; ${createErrors} failed; latency ${dist(createLat)}`)
    const stage = (from: keyof Stages, to: keyof Stages) => all.filter((s) => s[from] !== undefined && s[to] !== undefined).map((s) => s[to]! - s[from]!)
    info('sim: watch lag, create response → its ADDED event', dist(stage('created', 'added')))
    info('sim: per pod, create sent → bound', dist(stage('sent', 'bound')))
    info('sim: per pod, bound → Running', dist(stage('bound', 'running')))
    info('sim: per pod, Running → Ready', dist(stage('running', 'ready')))
    info('sim: per pod, create sent → Ready', dist(stage('sent', 'ready')))
    const gets = asc(trick.get)
    const lists = asc(trick.list)
    upper(`sim: API GET p99 meanwhile (${plan.getsPerSec}/s, ×${gets.length})`, pct(gets, 99), goals.apiP99Ms, ms)
    info('  GET p50 / max', `${ms(pct(gets, 50))} / ${ms(gets.at(-1) ?? NaN)}; ${trick.errors.get} errors`)
    upper(`sim: API LIST p99 meanwhile (limit=${plan.listLimit}, ${plan.listsPerSec}/s, ×${lists.length})`, pct(lists, 99), goals.listP99Ms, ms)
    info('  LIST p50 / max', `${ms(pct(lists, 50))} / ${ms(lists.at(-1) ?? NaN)}; ${trick.errors.list} errors; ${trick.listItems} pods a page`)
    info('sim: store writes (revisions) per pod', `${(writes / Math.max(1, createLat.length)).toFixed(1)} (${writes} in all; ${eventCount} Events in the namespace = ${(eventCount / Math.max(1, createLat.length)).toFixed(1)} a pod)`)
    info('sim: kubelite RSS at the end (peak)', `${mb(rss)} (${mb(hwm)})`)
    info('sim: kubelite CPU during the phase', `${secs(cpu)} of ${secs(tEnd - t0)} wall = ${((cpu / (tEnd - t0)) * 100).toFixed(0)}% of a core; ${ms(cpu / Math.max(1, createLat.length))} a pod; since spawn ${secs(totalCpu)}`)
    info('sim: the bench process CPU meanwhile', `${secs((own.user + own.system) / 1000)} (${events} watch events, parsing ${secs(watchCpu)})`)
    notes.push(`sim timeline: ${timeline.join('; ')}`)
  } finally {
    await watch?.close()
    await api.pool.destroy()
    const stopMs = await stop(run.child)
    info(`sim: SIGTERM → exit with ${stages.size} pods`, secs(stopMs))
    const left = containerProcesses(dataDir, [])
    info('sim: container processes', left.length === 0 ? 'none (as designed)' : `${left.length} (!)`)
    if (left.length) killLeftovers(left, notes)
  }
}

/**
 * The pods' own view, read once the clock has stopped (pages of 500): when each was created,
 * scheduled and became Ready, from creationTimestamp and the conditions' lastTransitionTime. These
 * are whole seconds, but no watch delivery delay is in them.
 */
async function serverSideTimes(api: Api, t0Wall: number, byMs: number): Promise<{ ready: number; readyByGoal: number; lastReadyMs: number; toScheduled: string; toReady: string }> {
  let readyByGoal = 0
  const toScheduled: number[] = []
  const toReady: number[] = []
  let lastReady = 0
  let cont = ''
  for (let page = 0; page < 100; page++) {
    const r = await api.call('GET', `/api/v1/namespaces/bench-sim/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`)
    expect('list pods', [200], r)
    const list = JSON.parse(r.text) as {
      items: { metadata: { creationTimestamp: string }; status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } }[]
      metadata: { continue?: string }
    }
    for (const p of list.items) {
      const created = Date.parse(p.metadata.creationTimestamp)
      const cond = (t: string) => p.status?.conditions?.find((c) => c.type === t && c.status === 'True')?.lastTransitionTime
      const sched = cond('PodScheduled')
      const ready = cond('Ready')
      if (sched) toScheduled.push(Date.parse(sched) - created)
      if (ready) {
        toReady.push(Date.parse(ready) - created)
        lastReady = Math.max(lastReady, Date.parse(ready))
        if (Date.parse(ready) + 1000 <= t0Wall + byMs) readyByGoal++ // surely within: [t, t + 1 s) ends in time
      }
    }
    cont = list.metadata.continue ?? ''
    if (!cont) break
  }
  const s = (xs: number[]) => {
    const a = asc(xs)
    return `p50 ${secs(pct(a, 50))}, p99 ${secs(pct(a, 99))}, max ${secs(a.at(-1) ?? NaN)}`
  }
  // Timestamps are truncated to the second: the true time lies in [t, t + 1 s).
  return { ready: toReady.length, readyByGoal, lastReadyMs: lastReady + 1000 - t0Wall, toScheduled: s(toScheduled), toReady: s(toReady) }
}

// ---- phase 2: the process runtime ---------------------------------------------------------------

interface ImageCase {
  key: string
  label: string
  container: Record<string, unknown>
}

async function imageCases(): Promise<ImageCase[]> {
  const cases: ImageCase[] = [
    { key: 'bootcamp', label: 'kubernetes-bootcamp:v1', container: { name: 'web', image: bootcampImage } },
    { key: 'sca', label: 'simple-container-app:v0.1', container: { name: 'app', image: 'arisu1000/simple-container-app:v0.1' } },
    { key: 'busybox', label: 'busybox sleep 3600', container: { name: 'box', image: 'busybox', command: ['sleep', '3600'] } },
  ]
  if (await canBind80()) cases.push({ key: 'nginx', label: 'nginx', container: { name: 'nginx', image: 'nginx' } })
  else notes.push('nginx skipped: port 80 cannot be bound by this user')
  return cases
}

async function processPhase(tmp: string, deadline: number): Promise<void> {
  const dataDir = join(tmp, 'proc')
  progress('process: starting kubelite (process runtime)')
  const run = await launch(dataDir, join(tmp, 'proc.kubeconfig'), [])
  const pid = run.child.pid!
  const api = apiClient(run, 2)
  let watch: ReturnType<typeof follow> | undefined
  const cases = await imageCases()
  try {
    expect('create namespace', [201], await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-proc' } }))
    const list0 = await api.call('GET', '/api/v1/namespaces/bench-proc/pods?limit=1')
    expect('list pods', [200], list0)
    let current: { name: string; s: Stages; deleted: boolean } | undefined
    watch = follow<PodEvent>(api, '/api/v1/namespaces/bench-proc/pods', JSON.parse(list0.text).metadata.resourceVersion, (ev, at) => {
      if (!current || ev.object.metadata?.name !== current.name) return
      const s = current.s
      const o = ev.object
      if (ev.type === 'DELETED') current.deleted = true
      s.added ??= at
      s.bound ??= o.spec?.nodeName ? at : undefined
      s.running ??= o.status?.phase === 'Running' ? at : undefined
      s.ready ??= isReady(o) ? at : undefined
    })
    await watch.started
    const cpu0 = cpuMs(pid)
    let pods = 0
    for (const c of cases) {
      const toRunning: number[] = []
      const toReady: number[] = []
      const toBound: number[] = []
      const toAdded: number[] = []
      const toCreated: number[] = []
      const deleteMs: number[] = []
      let failed = 0
      for (let i = 0; i < plan.runs; i++) {
        if (performance.now() + plan.podTimeoutMs + plan.goneTimeoutMs > deadline) {
          notes.push(`process: out of time; ${c.label} has ${i} runs`)
          break
        }
        const name = `${c.key}-${i}`
        const s: Stages = { sent: performance.now() }
        current = { name, s, deleted: false }
        const pod = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: 'bench-proc', labels: { app: c.key } },
          // Grace 0: the delete between runs does not wait out a drain; it does not touch start-up.
          spec: { terminationGracePeriodSeconds: 0, containers: [c.container] },
        }
        expect(`create pod ${name}`, [201], await api.call('POST', '/api/v1/namespaces/bench-proc/pods', pod))
        s.created = performance.now()
        pods++
        const ok = await until(() => s.ready !== undefined, plan.podTimeoutMs)
        if (!ok) {
          failed++
          const got = await api.call('GET', `/api/v1/namespaces/bench-proc/pods/${name}`)
          notes.push(`process: ${name} not Ready after ${plan.podTimeoutMs / 1000} s: ${got.text.slice(0, 600)}`)
        } else {
          toAdded.push(s.added! - s.sent)
          toCreated.push(s.created - s.sent)
          toBound.push(s.bound! - s.sent)
          toRunning.push(s.running! - s.sent)
          toReady.push(s.ready! - s.sent)
        }
        // Delete now (grace 0) and wait until the pod and every process of it are gone.
        const d0 = performance.now()
        expect(`delete pod ${name}`, [200, 404], await api.call('DELETE', `/api/v1/namespaces/bench-proc/pods/${name}?gracePeriodSeconds=0`))
        const gone = await until(() => current!.deleted && containerProcesses(dataDir, [pid]).length === 0, plan.goneTimeoutMs)
        if (!gone) notes.push(`process: ${name}: processes still there ${plan.goneTimeoutMs / 1000} s after the delete: ${JSON.stringify(containerProcesses(dataDir, [pid]))}`)
        deleteMs.push(performance.now() - d0)
      }
      current = undefined
      const r = asc(toReady)
      upper(`process: ${c.label}, create → Ready p50`, pct(r, 50), goals.processReadyMs, ms)
      upper(`process: ${c.label}, create → Ready p99`, pct(r, 99), goals.processReadyMs, ms)
      info(`  create → Running`, dist(toRunning))
      info(`  create → bound`, `${dist(toBound)}${failed ? `; ${failed} not Ready in time` : ''}`)
      info(`  create → its response; → its ADDED event`, `${dist(toCreated)}; ${dist(toAdded)}`)
      notes.push(`process ${c.label}: create → Ready ${toReady.map((x) => x.toFixed(0)).join(', ')} ms; delete → gone ${deleteMs.map((x) => x.toFixed(0)).join(', ')} ms`)
    }
    info(`process: kubelite CPU for ${pods} pods (start and stop)`, `${ms((cpuMs(pid) - cpu0) / Math.max(1, pods))} a pod; RSS ${mb(procStatus(pid, 'VmRSS'))}`)
  } finally {
    await watch?.close()
    await api.pool.destroy()
    await stop(run.child)
    const left = containerProcesses(dataDir, [])
    info('process: container processes after SIGTERM', left.length === 0 ? 'none' : `${left.length} (!)`)
    if (left.length) killLeftovers(left, notes)
  }
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const built = distBuiltAt()
  if (!built) {
    process.exitCode = 1
    return
  }
  const phases = (process.env.BENCH_PHASES ?? 'sim,process').split(',')
  const tmp = mkdtempSync(join(tmpdir(), 'kubelite-nodebench-'))
  const started = performance.now()
  const deadline = started + plan.totalDeadlineMs - 10_000 // leave time to stop and clean up
  const cleanup = async () => {
    await Promise.all([...children].map(stop))
    for (const d of dataDirs) {
      const left = containerProcesses(d, [])
      if (left.length) killLeftovers(left, notes)
    }
    rmSync(tmp, { recursive: true, force: true })
  }
  const printSoFar = () => {
    if (rows.length) printTable()
  }
  const onSignal = () => progress('interrupted: stopping kubelite, removing temp files (figures below are partial)')
  await guarded({ deadlineMs: plan.totalDeadlineMs, cleanup, onTimeout: printSoFar, onSignal, onError: printSoFar }, async () => {
    const busy = await machineBusy(1_000)
    console.log(header('node', busy, built))
    if (busy > 0.15) progress(`the machine was ${(busy * 100).toFixed(0)}% busy before the run: other work competes for the CPU, so figures will be slow and noisy`)
    const ticks0 = machineTicks()
    if (phases.includes('sim')) await simPhase(tmp, deadline)
    if (phases.includes('process')) await processPhase(tmp, deadline)
    const ticks1 = machineTicks()
    notes.push(`total run: ${((performance.now() - started) / 1000).toFixed(1)} s; the machine was ${(((ticks1.busy - ticks0.busy) / (ticks1.total - ticks0.total)) * 100).toFixed(0)}% busy meanwhile (kubelite and the bench included)`)
    printTable()
  })
}

await main()
