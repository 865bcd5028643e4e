// End-to-end harness: starts `kubelite up` (the built CLI, as a user runs it) on a free port with a
// temporary data dir and kubeconfig, and drives it with the real /usr/bin/kubectl, each cluster
// with its own --cache-dir so discovery is always fresh.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { containerProcesses } from '../../bench/lib.js'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { readProcStat } from '../../src/node/runtime/procfs.js'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { freePort } from '../../src/lib/net.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { until as waitFor } from '../kit/index.js'

const root = new URL('../..', import.meta.url).pathname
export const kubectlBin = process.env.KUBECTL ?? '/usr/bin/kubectl'

export interface RunResult {
  stdout: string
  stderr: string
  code: number
}

export { freePort }

export interface Cluster {
  dir: string
  dataDir: string
  port: number
  kubeconfig: string
  url: string
  /** Runs kubectl against this cluster; never throws on a non-zero exit. */
  kubectl(args: string[], opts?: { stdin?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult>
  /** Like kubectl() but fails the test on a non-zero exit; returns stdout. */
  k(...args: string[]): Promise<string>
  /** Writes a file into the cluster's temp dir and returns its path. */
  file(name: string, content: string): string
  token(): string
  /** Stops kubelite with SIGTERM (keeps the data dir). */
  stop(): Promise<number | null>
  /** Kills kubelite with SIGKILL, as a crash would (pods outlive it). */
  kill9(): Promise<void>
  /** Sends kubelite a signal (test hooks: SIGUSR2). */
  signal(sig: NodeJS.Signals): void
  /**
   * Watches an API path (e.g. `/apis/apps/v1/namespaces/default/replicasets`) and calls `onEvent`
   * for every event until the returned function is called.
   */
  watch(path: string, onEvent: (type: string, obj: Record<string, any>) => void): Promise<() => void>
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>
  /** Stops it and removes the temp dir. */
  destroy(): Promise<void>
  output(): string
}

export async function startCluster(extraArgs: string[] = []): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-e2e-'))
  const dataDir = join(dir, 'data')
  const kubeconfig = join(dir, 'kubeconfig')
  const cacheDir = join(dir, 'kubectl-cache')
  const port = await freePort()
  let child: ChildProcess | undefined
  let out = ''

  const launch = async () => {
    out = ''
    child = spawn(process.execPath, [join(root, 'bin/kubelite.js'), 'up', '--data-dir', dataDir, '--port', String(port), '--kubeconfig', kubeconfig, ...extraArgs], {
      cwd: dir,
      env: { ...process.env, KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kubelite did not become ready in 20 s:\n${out}`)), 20_000)
      const check = () => {
        if (out.includes('Press Ctrl-C to stop.')) {
          clearTimeout(timer)
          resolve()
        }
      }
      child!.stdout!.on('data', check)
      child!.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`kubelite exited with ${code} before it was ready:\n${out}`))
      })
    })
  }

  const stop = async (): Promise<number | null> => {
    const c = child
    if (!c || c.exitCode !== null || c.signalCode !== null) return c?.exitCode ?? null
    const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)))
    c.kill('SIGTERM')
    // A clean shutdown may take 10 s for requests in flight and 10 s for pods' grace periods.
    const timer = setTimeout(() => c.kill('SIGKILL'), 40_000)
    const code = await exited
    clearTimeout(timer)
    return code
  }

  await launch()

  const kubectl: Cluster['kubectl'] = (args, opts = {}) =>
    new Promise((resolve) => {
      const p = spawn(kubectlBin, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], {
        cwd: dir,
        env: { ...process.env, KUBECONFIG: kubeconfig, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      p.stdout.on('data', (d) => (stdout += d))
      p.stderr.on('data', (d) => (stderr += d))
      const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
      p.on('close', (code) => {
        clearTimeout(timer)
        resolve({ stdout, stderr, code: code ?? -1 })
      })
      p.stdin.end(opts.stdin ?? '')
    })

  const cluster: Cluster = {
    dir,
    dataDir,
    port,
    kubeconfig,
    url: `https://127.0.0.1:${port}`,
    kubectl,
    async k(...args) {
      const r = await kubectl(args)
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
      return r.stdout
    },
    file(name, content) {
      const p = join(dir, name)
      writeFileSync(p, content)
      return p
    },
    token() {
      return spawnSync('cat', [join(dataDir, 'pki', 'admin.token')]).stdout.toString().trim()
    },
    stop,
    signal(sig) {
      child?.kill(sig)
    },
    async kill9() {
      const c = child
      if (!c || c.exitCode !== null || c.signalCode !== null) return
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()))
      c.kill('SIGKILL')
      await exited
    },
    async watch(path, onEvent) {
      const ca = readFileSync(join(dataDir, 'pki', 'ca.crt'))
      const token = cluster.token()
      const sep = path.includes('?') ? '&' : '?'
      let buf = ''
      const req = httpsRequest(`https://127.0.0.1:${port}${path}${sep}watch=true`, { ca, headers: { authorization: `Bearer ${token}` } })
      await new Promise<void>((resolve, reject) => {
        req.on('response', (res) => {
          res.setEncoding('utf8')
          res.on('data', (d: string) => {
            buf += d
            for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
              const line = buf.slice(0, i)
              buf = buf.slice(i + 1)
              if (line.trim()) {
                const ev = JSON.parse(line)
                onEvent(ev.type, ev.object)
              }
            }
          })
          res.on('error', () => undefined)
          resolve()
        })
        req.on('error', reject)
        req.end()
      })
      return () => req.destroy()
    },
    restart: launch,
    async destroy() {
      const code = await stop()
      // Nothing may outlive a test: containers of a kubelite that was killed (kill -9 tests, or the
      // SIGKILL fallback) are killed here; after a clean exit, any left running is a bug.
      const left = [...containerProcesses(dir, []), ...recordedContainers(dataDir)]
      for (const p of left) {
        // A shim leads its own process group (the runtime kills containers that way too).
        for (const target of [-p.pid, p.pid]) {
          try {
            process.kill(target, 'SIGKILL')
          } catch {
            // gone, or not a group leader
          }
        }
      }
      rmSync(dir, { recursive: true, force: true })
      if (left.length && code === 0) throw new Error(`kubelite stopped cleanly but left ${left.length} process(es) running: ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`)
    },
    output: () => out,
  }
  return cluster
}

/** Column values of kubectl's table output, keyed by header. */
export function parseTable(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  if (lines.length === 0) return []
  const header = lines[0]
  const starts: number[] = []
  const names: string[] = []
  const re = /(\S+(?: \S+)*)/g
  let m: RegExpExecArray | null
  while ((m = re.exec(header))) {
    starts.push(m.index)
    names.push(m[1])
  }
  return lines.slice(1).map((line) => {
    const row: Record<string, string> = {}
    names.forEach((n, i) => {
      row[n] = line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim()
    })
    return row
  })
}

/** GET over plain HTTP without keep-alive (through NodePorts, ClusterIPs, pod IPs). */
export function httpGet(url: string, timeoutMs = 3000): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

/** Polls until `fn` returns something other than undefined/false (errors count as not yet). */
/** kubectl and HTTP calls are slow to poll: every 150 ms, for up to 20 s unless told. */
export function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  return waitFor(what, fn, { timeoutMs, intervalMs: 150 })
}

/**
 * Containers the runtime recorded in the data dir (each container's state.json: its shim's pid and
 * start time) that still run, with the pod sandbox each entered (`nsenter -t PID`). A sandboxed
 * container shows neither the data dir in its command line nor in its working directory, so after a
 * kubelite that crashed and was never restarted only these records find it.
 */
function recordedContainers(dataDir: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = []
  const nodes = join(dataDir, 'nodes')
  if (!existsSync(nodes)) return found
  const cmdline = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
    } catch {
      return undefined
    }
  }
  const walk = (dir: string, depth: number): void => {
    if (depth > 6) return
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p, depth + 1)
      else if (e.name === 'state.json') {
        try {
          const st = JSON.parse(readFileSync(p, 'utf8')) as { pid?: number; procStart?: string }
          if (!st.pid || readProcStat(st.pid)?.startTime !== st.procStart) continue
          const cmd = cmdline(st.pid)
          if (!cmd) continue
          found.push({ pid: st.pid, cmd })
          const holder = Number(/nsenter -t (\d+)/.exec(cmd)?.[1])
          const holderCmd = holder ? cmdline(holder) : undefined
          if (holderCmd?.includes('sleep 2147483647')) found.push({ pid: holder, cmd: holderCmd })
        } catch {
          // half-written or gone
        }
      }
    }
  }
  walk(nodes, 0)
  return found
}
