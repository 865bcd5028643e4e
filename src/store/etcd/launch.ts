// Starts local etcd members (Debian's etcd-server, /usr/bin/etcd) on loopback with free ports: one
// member or a cluster of several, each with its own data dir, for tests and benchmarks. Members can
// be stopped and started again (same data dir, same ports) to take a member, or quorum, away.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../../lib/net.js'

export interface EtcdMember {
  name: string
  clientUrl: string
  peerUrl: string
  readonly running: boolean
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
  stop(): Promise<void>
  /** Starts the member again on its data dir; resolves when the process runs (not when it has a leader). */
  start(): Promise<void>
}

export interface EtcdCluster {
  members: EtcdMember[]
  /** Every member's client URL. */
  endpoints: string[]
  /** `etcd://127.0.0.1:A,127.0.0.1:B,…` for `kubelite up --store`. */
  storeUrl: string
  /** Stops every member. */
  close(): Promise<void>
}

export interface EtcdLaunchOptions {
  /** Members (default 1). */
  members?: number
  /** Parent of the members' data dirs (each gets `<dir>/<name>`). */
  dir: string
  /** The etcd binary (default: $ETCD_BIN, else /usr/bin/etcd, else etcd on the PATH). */
  bin?: string
  /** Resolve once every member reports healthy (default true; a single member is healthy at once). */
  waitHealthy?: boolean
  /** Raft timing: a shorter election timeout makes leader loss show sooner (defaults: heartbeat 50 ms, election 500 ms). */
  heartbeatMs?: number
  electionMs?: number
  /** Serve clients over TLS with this certificate; with `clientCaFile`, require client certificates it signed. */
  tls?: { certFile: string; keyFile: string; clientCaFile?: string }
}

export function etcdBinary(): string | undefined {
  const candidates = [process.env.ETCD_BIN, '/usr/bin/etcd', '/usr/local/bin/etcd'].filter(Boolean) as string[]
  return candidates.find((p) => existsSync(p))
}

/** Why etcd cannot be started here, or undefined when it can. */
export function etcdMissing(): string | undefined {
  return etcdBinary() ? undefined : 'etcd is not installed (Debian: apt-get install etcd-server)'
}

export async function launchEtcd(opts: EtcdLaunchOptions): Promise<EtcdCluster> {
  const bin = opts.bin ?? etcdBinary()
  if (!bin) throw new Error(etcdMissing())
  const n = opts.members ?? 1
  const ports = await Promise.all(Array.from({ length: n * 2 }, () => freePort()))
  const names = Array.from({ length: n }, (_, i) => `m${i}`)
  const scheme = opts.tls ? 'https' : 'http'
  const clients = names.map((_, i) => `${scheme}://127.0.0.1:${ports[2 * i]}`)
  const peers = names.map((_, i) => `http://127.0.0.1:${ports[2 * i + 1]}`)
  const initialCluster = names.map((nm, i) => `${nm}=${peers[i]}`).join(',')
  const token = `kubelite-${process.pid}-${Date.now()}`

  const members = names.map((name, i): EtcdMember & { proc?: ChildProcess; log: string } => {
    const dataDir = join(opts.dir, name)
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const args = [
      '--name', name,
      '--data-dir', dataDir,
      '--listen-client-urls', clients[i]!,
      '--advertise-client-urls', clients[i]!,
      '--listen-peer-urls', peers[i]!,
      '--initial-advertise-peer-urls', peers[i]!,
      '--initial-cluster', initialCluster,
      '--initial-cluster-token', token,
      '--initial-cluster-state', 'new',
      '--heartbeat-interval', String(opts.heartbeatMs ?? 50),
      '--election-timeout', String(opts.electionMs ?? 500),
      '--logger', 'zap',
      '--log-level', 'error',
      ...(opts.tls ? ['--cert-file', opts.tls.certFile, '--key-file', opts.tls.keyFile] : []),
      ...(opts.tls?.clientCaFile ? ['--client-cert-auth', '--trusted-ca-file', opts.tls.clientCaFile] : []),
    ]
    const m: EtcdMember & { proc?: ChildProcess; log: string } = {
      name,
      clientUrl: clients[i]!,
      peerUrl: peers[i]!,
      log: '',
      get running() {
        return !!m.proc && m.proc.exitCode === null && m.proc.signalCode === null
      },
      async start() {
        if (m.running) return
        const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] })
        m.proc = proc
        proc.stderr!.on('data', (c: Buffer) => (m.log = (m.log + c.toString()).slice(-4000)))
        await new Promise<void>((resolve, reject) => {
          proc.once('spawn', () => resolve())
          proc.once('error', reject)
        })
      },
      async stop() {
        const proc = m.proc
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
        const exited = new Promise<void>((r) => proc.once('exit', () => r()))
        proc.kill('SIGTERM')
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      },
    }
    return m
  })
  const cluster: EtcdCluster = {
    members,
    endpoints: clients,
    storeUrl: `${opts.tls ? 'etcds' : 'etcd'}://${clients.map((c) => c.replace(/^https?:\/\//, '')).join(',')}`,
    close: async () => {
      await Promise.all(members.map((m) => m.stop()))
    },
  }
  try {
    await Promise.all(members.map((m) => m.start()))
    if (opts.waitHealthy !== false && !opts.tls) await waitHealthy(members, 30_000)
  } catch (err) {
    await cluster.close()
    throw err
  }
  return cluster
}

/** Waits until every running member answers /health with a leader (plain-HTTP members). */
export async function waitHealthy(members: readonly EtcdMember[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (const m of members) {
    for (;;) {
      if (!m.running) {
        const log = (m as { log?: string }).log ?? ''
        throw new Error(`etcd member ${m.name} exited: ${log.trim().split('\n').at(-1) ?? ''}`)
      }
      try {
        const r = await fetch(`${m.clientUrl}/health`, { signal: AbortSignal.timeout(2000) })
        if (r.ok && (await r.text()).includes('"true"')) break
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`etcd member ${m.name} not healthy after ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}
