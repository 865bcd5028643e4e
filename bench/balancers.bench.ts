// The Service proxy beside its peers, in one run: the same two backends (pods) behind kubelite's
// proxy (a ClusterIP), nginx (stream, round-robin upstream) and HAProxy (mode tcp, balance
// roundrobin), each one process with one event loop, and direct to one pod as the floor. Load
// from wrk over loopback: keep-alive, and a new connection per request (`Connection: close`).
// Bounded: each run lasts `--duration S` seconds, `--rounds N` interleaved rounds, median shown.
// A balancer whose Debian package is missing is reported as missing (apt-get install -y nginx-light
// libnginx-mod-stream haproxy wrk; .ci/run installs them).
//
//   node --import tsx bench/balancers.bench.ts [--quick] [--duration 3] [--rounds 3] [--connections 16]
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuMs, progress, serveBenchProxy, sleep } from './lib.js'
import { fmtValue, printFigures, writeFigures, type Entry, type Figure } from './results.js'

const backendIPs = ['127.244.252.11', '127.244.252.12']
const clusterIP = '127.96.252.11'
const nginxIP = '127.96.252.12'
const haproxyIP = '127.96.252.13'
const port = 18200

const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
function num(name: string, fallback: number): number {
  const i = argv.indexOf(name)
  const v = i >= 0 ? Number(argv[i + 1]) : fallback
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}: must be a positive number`)
  return v
}
const durationS = num('--duration', quick ? 1 : 3)
const rounds = num('--rounds', quick ? 1 : 3)
const connections = num('--connections', 16)

const which = (cmd: string): string | undefined => {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

// ——— child roles: the backends and kubelite's proxy each run in a process of their own ———

async function runBackends(): Promise<void> {
  const servers: Server[] = []
  const ports: number[] = []
  for (const ip of backendIPs) {
    const body = JSON.stringify({ 'app version': 'v0.1', 'pod ip': ip }) + '\n'
    const s = createServer((req, res) => {
      req.resume()
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
    s.keepAliveTimeout = 60_000
    await new Promise<void>((r) => s.listen(0, ip, r))
    servers.push(s)
    ports.push((s.address() as AddressInfo).port)
  }
  // Both pods listen on the same port, as replicas do; here each got its own, so both are passed.
  process.send!({ ports })
}

async function runKubeliteProxy(ports: number[]): Promise<void> {
  // One slice per pod: the two pods listen on different ports here (one process hosts both).
  await serveBenchProxy(clusterIP, [{ name: 'http', port }], backendIPs.map((address, i) => ({ address, ports: [{ name: 'http', port: ports[i]! }] })))
}

// ——— the references ———

async function listening(host: string, p: number, proc: ChildProcess, stderr: () => string, what: string): Promise<string | undefined> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) return `${what} exited: ${(stderr().split('\n').find((l) => /ALERT|emerg/.test(l)) ?? stderr().trim().split('\n').at(-1) ?? '').slice(0, 200)}`
    const up = await new Promise<boolean>((r) => {
      const s = connect({ host, port: p }, () => {
        s.destroy()
        r(true)
      })
      s.on('error', () => r(false))
    })
    if (up) return undefined
    await sleep(50)
  }
  return `${what} did not listen within 5 s`
}

function spawnLogged(cmd: string, args: string[]): { proc: ChildProcess; stderr: () => string } {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  proc.stderr!.on('data', (c) => (err = (err + c).slice(-4000)))
  return { proc, stderr: () => err }
}

async function startNginx(ports: number[], dir: string): Promise<ChildProcess | string> {
  const bin = which('nginx')
  if (!bin) return 'nginx is not installed (Debian: nginx-light libnginx-mod-stream)'
  const mod = ['/usr/lib/nginx/modules/ngx_stream_module.so', '/usr/share/nginx/modules/ngx_stream_module.so'].find((p) => existsSync(p))
  let builtIn = false
  try {
    builtIn = execFileSync(bin, ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).includes('--with-stream ')
  } catch (err) {
    builtIn = String((err as { stderr?: string }).stderr ?? '').includes('--with-stream ')
  }
  if (!mod && !builtIn) return 'nginx has no stream module (Debian: libnginx-mod-stream)'
  const conf = join(dir, 'nginx.conf')
  writeFileSync(
    conf,
    [
      mod ? `load_module ${mod};` : '',
      'daemon off;',
      'master_process off;', // one process, one event loop: like kubelite's proxy
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'nginx-error.log')} warn;`,
      'events { worker_connections 8192; }',
      'stream {',
      `  upstream pods { ${ports.map((p, i) => `server ${backendIPs[i]}:${p};`).join(' ')} }`, // round-robin is the default
      `  server { listen ${nginxIP}:${port}; proxy_pass pods; }`,
      '}',
      '',
    ].join('\n'),
  )
  const { proc, stderr } = spawnLogged(bin, ['-p', dir, '-e', join(dir, 'nginx-error.log'), '-c', conf])
  const err = await listening(nginxIP, port, proc, stderr, 'nginx')
  if (err) {
    proc.kill('SIGKILL')
    return err
  }
  return proc
}

async function startHaproxy(ports: number[], dir: string): Promise<ChildProcess | string> {
  const bin = which('haproxy')
  if (!bin) return 'haproxy is not installed (Debian: haproxy)'
  const conf = join(dir, 'haproxy.cfg')
  writeFileSync(
    conf,
    [
      'global',
      '  nbthread 1', // one thread, one event loop: like kubelite's proxy
      '  maxconn 4000', // within a default 20,000 open-file limit (haproxy asks for 2 × maxconn + spare)
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend svc',
      `  bind ${haproxyIP}:${port}`,
      '  default_backend pods',
      'backend pods',
      '  balance roundrobin',
      ...ports.map((p, i) => `  server pod${i} ${backendIPs[i]}:${p}`),
      '',
    ].join('\n'),
  )
  const { proc, stderr } = spawnLogged(bin, ['-db', '-f', conf])
  const err = await listening(haproxyIP, port, proc, stderr, 'haproxy')
  if (err) {
    proc.kill('SIGKILL')
    return err
  }
  return proc
}

// ——— the load: wrk ———

interface WrkResult {
  rps: number
  requests: number
  p50: number
  p99: number
  errors: number
}

/** Milliseconds from wrk's `123.45us` / `1.23ms` / `1.02s`. */
function wrkMs(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(s.trim())
  if (!m) return NaN
  const v = Number(m[1])
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000
}

function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN)
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN)
  const p50 = wrkMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '')
  const p99 = wrkMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '')
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
  const errors = (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + non2xx
  return { rps, requests, p50, p99, errors }
}

function wrk(url: string, close: boolean): Promise<WrkResult & { raw: string }> {
  const args = ['-t1', `-c${connections}`, `-d${durationS}s`, '--latency', '--timeout', '2s', ...(close ? ['-H', 'Connection: close'] : []), url]
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    p.stdout!.on('data', (c) => (out += c))
    p.stderr!.on('data', (c) => (out += c))
    const kill = setTimeout(() => p.kill('SIGKILL'), (durationS + 10) * 1000)
    p.on('error', reject)
    p.on('exit', () => {
      clearTimeout(kill)
      resolve({ ...parseWrk(out), raw: out })
    })
  })
}

// ——— main ———

interface Target {
  name: string
  kind: Entry['kind']
  url: string
  pid?: number
}

function forkRole(role: string, ...extra: string[]): ChildProcess {
  return fork(process.argv[1]!, [`--role=${role}`, ...extra], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

const message = <T>(child: ChildProcess): Promise<T> =>
  new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T))
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready`)))
  })

async function main(): Promise<void> {
  const children: ChildProcess[] = []
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-balancers-bench-'))
  const figures: Figure[] = []
  const missing: Entry[] = []
  const stopAll = async () => {
    const alive = children.filter((c) => c.exitCode === null && c.signalCode === null)
    const exited = alive.map((c) => new Promise((r) => c.once('exit', r)))
    for (const c of alive) {
      if (c.connected) c.disconnect()
      else c.kill('SIGTERM')
    }
    const t = setTimeout(() => alive.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')), 2000)
    await Promise.all(exited)
    clearTimeout(t)
  }
  const onSignal = () => void stopAll().then(() => (rmSync(dir, { recursive: true, force: true }), process.exit(130)))
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.on('exit', () => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')))
  try {
    if (!which('wrk')) {
      const why = 'wrk is not installed (Debian: wrk), so no balancer was measured'
      console.log(why)
      for (const id of ['keepalive', 'close'])
        figures.push({ id: `proxy.${id}.rps`, group: 'proxy', label: id, unit: '/s', better: 'higher', entries: [{ name: 'all', kind: 'missing', source: why }] })
      return
    }
    const backends = forkRole('backends')
    children.push(backends)
    const { ports } = await message<{ ports: number[] }>(backends)
    const proxy = forkRole('proxy', ...ports.map(String))
    children.push(proxy)
    await message(proxy)
    const targets: Target[] = [
      { name: 'direct to one pod', kind: 'measured', url: `http://${backendIPs[0]}:${ports[0]}/` },
      { name: 'kubelite proxy', kind: 'kubelite', url: `http://${clusterIP}:${port}/`, pid: proxy.pid },
    ]
    const ng = await startNginx(ports, dir)
    if (typeof ng === 'string') missing.push({ name: 'nginx stream', kind: 'missing', source: ng })
    else {
      children.push(ng)
      targets.push({ name: 'nginx stream', kind: 'measured', url: `http://${nginxIP}:${port}/`, pid: ng.pid })
    }
    const ha = await startHaproxy(ports, dir)
    if (typeof ha === 'string') missing.push({ name: 'HAProxy tcp', kind: 'missing', source: ha })
    else {
      children.push(ha)
      targets.push({ name: 'HAProxy tcp', kind: 'measured', url: `http://${haproxyIP}:${port}/`, pid: ha.pid })
    }
    const versions = [`wrk: ${which('wrk')}`]
    progress(`balancers: ${targets.map((t) => t.name).join(', ')}; ${rounds} × ${durationS} s each, ${connections} connections`)
    for (const [id, close, label] of [
      ['keepalive', false, `HTTP through the balancer, keep-alive, ${connections} connections`],
      ['close', true, `HTTP through the balancer, a new connection per request, ${connections} at a time`],
    ] as const) {
      for (const t of targets) await wrk(t.url, close) // warm-up: JIT, caches, connection pools
      const runs = targets.map(() => [] as (WrkResult & { cpu?: number })[])
      for (let r = 0; r < rounds; r++)
        for (let i = 0; i < targets.length; i++) {
          const t = targets[i]!
          const c0 = t.pid ? cpuMs(t.pid) : undefined
          const res = await wrk(t.url, close)
          runs[i]!.push({ ...res, cpu: c0 !== undefined ? cpuMs(t.pid!) - c0 : undefined })
        }
      const median = runs.map((rs) => [...rs].sort((a, b) => a.rps - b.rps)[Math.floor(rs.length / 2)]!)
      const entries: Entry[] = targets.map((t, i) => {
        const m = median[i]!
        const cpuPer = m.cpu !== undefined && m.requests > 0 ? (m.cpu / m.requests) * 1000 : undefined
        return {
          name: t.name,
          kind: t.kind,
          value: m.rps,
          p50: m.p50,
          p99: m.p99,
          errors: m.errors,
          detail: `${runs[i]!.map((x) => Math.round(x.rps)).join(' / ')} req/s per round${cpuPer !== undefined ? `; balancer CPU ${cpuPer.toFixed(0)} µs a request` : ''}`,
        }
      })
      figures.push({ id: `proxy.${id}.rps`, group: 'proxy', label, unit: '/s', better: 'higher', entries: [...entries, ...missing], note: `wrk -t1 -c${connections} -d${durationS}s${close ? " -H 'Connection: close'" : ''}; median of ${rounds} interleaved rounds; two backends, round-robin` })
      figures.push({ id: `proxy.${id}.p99`, group: 'proxy', label: `${label}: p99 latency`, unit: 'ms', better: 'lower', entries: [...entries.map((e) => ({ ...e, value: e.p99 })), ...missing] })
    }
    console.log(`balancer benchmark: loopback, 2 backends; ${versions.join('; ')}`)
    printFigures(figures, fmtValue)
  } finally {
    writeFigures(figures)
    await stopAll()
    rmSync(dir, { recursive: true, force: true })
  }
}

const role = process.argv.find((a) => a.startsWith('--role='))?.slice('--role='.length)
if (role === 'backends') {
  process.on('disconnect', () => process.exit(0))
  await runBackends()
} else if (role === 'proxy') {
  await runKubeliteProxy(process.argv.slice(process.argv.indexOf('--role=proxy') + 1).map(Number))
} else {
  const stop = setTimeout(() => {
    console.error('balancer benchmark: gave up after 180 s')
    process.exit(2)
  }, 180_000)
  stop.unref()
  await main()
  process.exit(0)
}
