// Service proxy benchmark: the same load direct to a backend, through kubelite's proxy (a Service
// ClusterIP) in both its modes — the HTTP mode (a port without appProtocol: HTTP/1.x connections
// are served request by request) and the TCP relay (the same backend behind a port with
// `appProtocol: tcp`) — and through nginx as a TCP (stream) proxy when Debian's nginx is installed,
// in one run, side by side, with the ratio to direct. Loopback only, bounded, stops by itself.
// The bulk workload's source speaks first, so on the HTTP-mode port it waits out the proxy's
// 100 ms protocol sniffing before it is relayed as TCP: that cost is part of the figure.
//
//   node --import tsx bench/proxy.bench.ts [--duration-ms 1000] [--rounds 3] [--connections 10] [--only bulk]
//
// Each workload runs `rounds` times per target, the targets interleaved, and the median round is
// shown: on a shared machine that keeps one noisy moment from deciding a ratio.
//
// Processes: the load generator is this process; the backend (a Node HTTP server like the built-in
// images, plus a raw byte source for bulk transfer) and the proxy under test each run in their
// own child process, as they would in a cluster. On a 2-core machine the proxied runs share the
// CPUs three ways instead of two, which is part of what the figures show.
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { connect, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { serveBenchProxy } from './lib.js'

const backendIP = '127.244.251.200'
const clusterIP = '127.96.251.200'
const nginxIP = '127.96.251.201'
const servicePort = 18100
const bulkServicePort = 18101
/** The same backends behind ports with appProtocol tcp: the TCP relay, no HTTP mode. */
const tcpServicePort = 18102
const tcpBulkServicePort = 18103
const bulkBytes = 256 * 1024 * 1024

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}: must be a positive number`)
  return v
}

// ——— child roles ———

async function runBackend(): Promise<void> {
  const body = JSON.stringify({ 'app version': 'v0.1', message: 'Hello Kubernetes bootcamp!' }) + '\n'
  const http = createHttpServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
  http.keepAliveTimeout = 60_000
  const chunk = Buffer.alloc(64 * 1024, 0x61)
  const bulk = createServer((s) => {
    s.on('error', () => {})
    let left = bulkBytes
    const pump = () => {
      while (left > 0) {
        left -= chunk.length
        if (!s.write(chunk)) return void s.once('drain', pump)
      }
      s.end()
    }
    pump()
  })
  await Promise.all([new Promise<void>((r) => http.listen(0, backendIP, r)), new Promise<void>((r) => bulk.listen(0, backendIP, r))])
  process.send!({ http: (http.address() as AddressInfo).port, bulk: (bulk.address() as AddressInfo).port })
}

async function runProxy(httpPort: number, bulkPort: number): Promise<void> {
  await serveBenchProxy(
    clusterIP,
    [
      { name: 'http', port: servicePort },
      { name: 'bulk', port: bulkServicePort },
      { name: 'http-tcp', port: tcpServicePort, appProtocol: 'tcp' },
      { name: 'bulk-tcp', port: tcpBulkServicePort, appProtocol: 'tcp' },
    ],
    [
      {
        address: backendIP,
        ports: [
          { name: 'http', port: httpPort },
          { name: 'bulk', port: bulkPort },
          { name: 'http-tcp', port: httpPort },
          { name: 'bulk-tcp', port: bulkPort },
        ],
      },
    ],
  )
}

// ——— the load generator ———

interface Target {
  name: string
  host: string
  http: number
  bulk: number
  /** The proxy's process, to measure its CPU time (Linux /proc). */
  pid?: number
}

interface Result {
  rate: number
  unit: string
  p50?: number
  p99?: number
  errors: number
  /** Requests, connections or MiB done (what `rate` counts). */
  ops: number
  /** CPU time the proxy process used during the run (ms), when known. */
  cpuMs?: number
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined elsewhere. */
function cpuTimeMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks // utime, stime
  } catch {
    return undefined
  }
}

/** Run `fn` and add the target proxy's CPU time during it. */
async function measured(t: Target, fn: (t: Target) => Promise<Result>): Promise<Result> {
  const before = cpuTimeMs(t.pid)
  const r = await fn(t)
  const after = cpuTimeMs(t.pid)
  return before !== undefined && after !== undefined ? { ...r, cpuMs: after - before } : r
}

const request = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n')
const requestClose = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\nConnection: close\r\n\r\n')

/** Bytes of a complete HTTP response at the start of buf, or 0 if not complete yet. */
function responseLength(buf: Buffer): number {
  const end = buf.indexOf('\r\n\r\n')
  if (end < 0) return 0
  const m = /content-length:\s*(\d+)/i.exec(buf.subarray(0, end).toString('latin1'))
  const total = end + 4 + (m ? Number(m[1]) : 0)
  return buf.length >= total ? total : 0
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

/** `conns` keep-alive connections, each sending one request at a time, for `ms`. */
async function keepAlive(t: Target, conns: number, ms: number): Promise<Result> {
  const lat: number[] = []
  let errors = 0
  const deadline = performance.now() + ms
  const one = () =>
    new Promise<void>((resolve) => {
      const s = connect({ host: t.host, port: t.http, noDelay: true })
      let buf: Buffer = Buffer.alloc(0)
      let t0 = 0
      const send = () => {
        if (performance.now() >= deadline) return void s.end()
        t0 = performance.now()
        s.write(request)
      }
      s.on('connect', send)
      s.on('data', (c: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, c]) : c
        const n = responseLength(buf)
        if (!n) return
        lat.push(performance.now() - t0)
        buf = buf.subarray(n)
        send()
      })
      s.on('error', () => {
        errors++
        resolve()
      })
      s.on('close', () => resolve())
    })
  const start = performance.now()
  await Promise.all(Array.from({ length: conns }, one))
  const elapsed = performance.now() - start
  lat.sort((a, b) => a - b)
  return { rate: (lat.length / elapsed) * 1000, unit: 'req/s', p50: percentile(lat, 50), p99: percentile(lat, 99), errors, ops: lat.length }
}

/** `conns` loops of: connect, one request with Connection: close, read to the end. */
async function perConnection(t: Target, conns: number, ms: number): Promise<Result> {
  const lat: number[] = []
  let errors = 0
  const deadline = performance.now() + ms
  const once = () =>
    new Promise<boolean>((resolve) => {
      const t0 = performance.now()
      const s = connect({ host: t.host, port: t.http, noDelay: true })
      let got = 0
      s.on('connect', () => s.write(requestClose))
      s.on('data', (c: Buffer) => (got += c.length))
      s.on('error', () => resolve(false))
      s.on('close', () => {
        if (got > 0) lat.push(performance.now() - t0)
        resolve(got > 0)
      })
    })
  const loop = async () => {
    while (performance.now() < deadline) if (!(await once())) errors++
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: conns }, loop))
  const elapsed = performance.now() - start
  lat.sort((a, b) => a - b)
  return { rate: (lat.length / elapsed) * 1000, unit: 'conn/s', p50: percentile(lat, 50), p99: percentile(lat, 99), errors, ops: lat.length }
}

/** One connection reading `bulkBytes` from the byte source. */
async function bulk(t: Target): Promise<Result> {
  return new Promise((resolve) => {
    const start = performance.now()
    let got = 0
    const s = connect({ host: t.host, port: t.bulk })
    s.on('data', (c: Buffer) => (got += c.length))
    s.on('error', () => resolve({ rate: 0, unit: 'MiB/s', errors: 1, ops: 0 }))
    s.on('close', () => {
      const secs = (performance.now() - start) / 1000
      resolve({ rate: got / 1024 / 1024 / secs, unit: 'MiB/s', errors: got === bulkBytes ? 0 : 1, ops: got / 1024 / 1024 })
    })
  })
}

// ——— nginx ———

function nginxStreamModule(): string | undefined {
  for (const p of ['/usr/lib/nginx/modules/ngx_stream_module.so', '/usr/share/nginx/modules/ngx_stream_module.so']) if (existsSync(p)) return p
  return undefined
}

function nginxHasStreamBuiltIn(): boolean {
  try {
    return execFileSync('nginx', ['-V'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }).includes('--with-stream ') // static, not =dynamic
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? '').includes('--with-stream ')
  }
}

async function startNginx(httpPort: number, bulkPort: number, dir: string): Promise<{ proc: ChildProcess; target: Target } | string> {
  let nginxPath: string
  try {
    nginxPath = execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim()
  } catch {
    return 'nginx is not installed (Debian: apt-get install -y nginx-light libnginx-mod-stream)'
  }
  const mod = nginxStreamModule()
  if (!mod && !nginxHasStreamBuiltIn()) return 'nginx has no stream module (Debian: apt-get install -y libnginx-mod-stream)'
  const [p1, p2] = [servicePort, bulkServicePort]
  const conf = join(dir, 'nginx.conf')
  writeFileSync(
    conf,
    [
      mod ? `load_module ${mod};` : '',
      'daemon off;',
      'master_process off;', // one process: the same single event loop as kubelite's proxy
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 8192; }',
      'stream {',
      `  server { listen ${nginxIP}:${p1}; proxy_pass ${backendIP}:${httpPort}; }`,
      `  server { listen ${nginxIP}:${p2}; proxy_pass ${backendIP}:${bulkPort}; }`,
      '}',
      '',
    ].join('\n'),
  )
  const proc = spawn(nginxPath, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  proc.stderr!.on('data', (c) => (stderr += c))
  // Wait until it accepts connections (or exits).
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) return `nginx failed to start: ${stderr.trim()}`
    const up = await new Promise<boolean>((r) => {
      const s = connect({ host: nginxIP, port: p1 }, () => {
        s.destroy()
        r(true)
      })
      s.on('error', () => r(false))
    })
    if (up) return { proc, target: { name: 'nginx stream', host: nginxIP, http: p1, bulk: p2, pid: proc.pid } }
    await new Promise((r) => setTimeout(r, 50))
  }
  proc.kill()
  return 'nginx did not start listening within 5 s'
}

// ——— main ———

function forkRole(role: string, ...extra: string[]): ChildProcess {
  return fork(process.argv[1], [`--role=${role}`, ...extra], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

const message = <T>(child: ChildProcess): Promise<T> =>
  new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T))
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready`)))
  })

function fmtRate(r: Result): string {
  return `${r.rate >= 100 ? Math.round(r.rate).toLocaleString('en-US') : r.rate.toFixed(1)} ${r.unit}${r.errors ? ` (${r.errors} errors)` : ''}`
}

const fmtMs = (ms: number | undefined): string => {
  if (ms === undefined || Number.isNaN(ms)) return '-'
  if (ms < 0) return `−${fmtMs(-ms)}`
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`
}
const signed = (ms: number) => (ms < 0 ? fmtMs(ms) : `+${fmtMs(ms)}`)

async function main(): Promise<void> {
  const ms = arg('--duration-ms', 1000)
  const rounds = arg('--rounds', 3)
  const conns = arg('--connections', 10)
  const children: ChildProcess[] = []
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-proxy-bench-'))
  // Children end on their own when the IPC channel closes; anything left gets SIGTERM, and every
  // child is waited for, so none is left behind.
  const stopAll = async () => {
    const alive = children.filter((c) => c.exitCode === null && c.signalCode === null)
    const exited = alive.map((c) => new Promise((r) => c.once('exit', r)))
    for (const c of alive) {
      if (c.connected) c.disconnect()
      else c.kill() // nginx
    }
    const timer = setTimeout(() => {
      for (const c of alive) if (c.exitCode === null && c.signalCode === null) c.kill()
    }, 2000)
    await Promise.all(exited)
    clearTimeout(timer)
  }
  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill()
  })
  try {
    const backend = forkRole('backend')
    children.push(backend)
    const ports = await message<{ http: number; bulk: number }>(backend)
    const proxy = forkRole('proxy', String(ports.http), String(ports.bulk))
    children.push(proxy)
    await message(proxy)

    const targets: Target[] = [
      { name: 'direct', host: backendIP, http: ports.http, bulk: ports.bulk },
      { name: 'kubelite HTTP mode', host: clusterIP, http: servicePort, bulk: bulkServicePort, pid: proxy.pid },
      { name: 'kubelite TCP relay', host: clusterIP, http: tcpServicePort, bulk: tcpBulkServicePort, pid: proxy.pid },
    ]
    const ng = await startNginx(ports.http, ports.bulk, dir)
    let nginxNote = ''
    if (typeof ng === 'string') nginxNote = `nginx: skipped — ${ng}`
    else {
      children.push(ng.proc)
      targets.push(ng.target)
    }

    const workloads: [string, (t: Target) => Promise<Result>, boolean][] = [
      [`HTTP keep-alive, ${conns} connections`, (t) => keepAlive(t, conns, ms), true],
      [`HTTP new connection per request, ${conns} loops`, (t) => perConnection(t, conns, ms), true],
      [`bulk ${bulkBytes / 1024 / 1024} MiB, 1 connection`, (t) => bulk(t), false],
    ]
    console.log(`proxy benchmark: loopback, ${targets.map((t) => t.name).join(' vs ')}; median of ${rounds} interleaved rounds of ${ms} ms\n`)
    const rows: string[][] = [['workload', ...targets.flatMap((t, i) => (i === 0 ? [t.name] : [t.name, 'ratio']))]]
    const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : ''
    for (const [label, fn, warm] of workloads.filter(([l]) => l.includes(only))) {
      if (warm) for (const t of targets) await fn(t) // warm-up (JIT, caches)
      const runs: Result[][] = targets.map(() => [])
      for (let r = 0; r < rounds; r++) for (let i = 0; i < targets.length; i++) runs[i].push(await measured(targets[i], fn))
      const results = runs.map((rs) => [...rs].sort((a, b) => a.rate - b.rate)[Math.floor(rs.length / 2)])
      const base = results[0]
      rows.push([label, ...results.flatMap((r, i) => (i === 0 ? [fmtRate(r)] : [fmtRate(r), `${(r.rate / base.rate).toFixed(2)}×`]))])
      const baseP99 = base.p99
      if (baseP99 !== undefined) {
        rows.push(['  latency p50 / p99', ...results.flatMap((r, i) => (i === 0 ? [`${fmtMs(r.p50)} / ${fmtMs(r.p99)}`] : [`${fmtMs(r.p50)} / ${fmtMs(r.p99)}`, `${signed((r.p99 ?? NaN) - baseP99)} p99`]))])
      }
      // Proxy CPU per unit of work: what the proxy costs, whatever else the machine is doing.
      const per = base.unit === 'MiB/s' ? 'MiB' : base.unit === 'conn/s' ? 'conn' : 'req'
      rows.push([`  proxy CPU per ${per}`, ...results.flatMap((r, i) => (i === 0 ? ['-'] : [r.cpuMs !== undefined && r.ops > 0 ? fmtMs(r.cpuMs / r.ops) : '-', '']))])
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
    for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('   '))
    if (nginxNote) console.log(`\n${nginxNote}`)
    console.log('\ngoals (issue 4): kubelite ≥ 0.8× direct and ≥ nginx throughput; added p99 < 1 ms')
  } finally {
    await stopAll()
    rmSync(dir, { recursive: true, force: true })
  }
}

const role = process.argv.find((a) => a.startsWith('--role='))?.slice('--role='.length)
if (role === 'backend') {
  process.on('disconnect', () => process.exit(0))
  await runBackend()
} else if (role === 'proxy') {
  const [httpPort, bulkPort] = process.argv.slice(process.argv.indexOf('--role=proxy') + 1).map(Number)
  await runProxy(httpPort, bulkPort)
} else {
  const stop = setTimeout(() => {
    console.error('proxy benchmark: gave up after 120 s')
    process.exit(1)
  }, 120_000)
  stop.unref()
  await main()
  process.exit(0)
}
