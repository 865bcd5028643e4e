// The process runtime's pod sandbox (docs/pod-sandbox.md): where the host allows it, each pod gets
// its own mount, UTS, IPC and PID namespaces (and, when kubelite is not root, a user namespace),
// held by a small PID 1 (sandbox.sh) that outlives the agent as the container shims do. The
// network namespace stays the host's: pod IPs are loopback addresses there (127.244.0.0/16).
//
// Two flavours, chosen once at start by probing:
//   root:   kubelite is root. unshare(1) makes the namespaces; containers enter them with
//           nsenter(1) and become an unprivileged uid with setpriv(1) (65534 unless the pod's
//           securityContext says otherwise), with Docker's default capabilities at most.
//   userns: kubelite is a normal user. An outer user namespace owns the pod's mount namespace
//           (so the mounts it makes are locked), an inner one maps kubelite's uid to itself (or
//           to 0 when a container asks for runAsUser 0) and owns UTS/IPC/PID.
// Elsewhere (macOS, unprivileged user namespaces off, util-linux missing): plain processes, as before.
//
// State, beside the containers': <stateDir>/sandboxes/<pod uid>/
//   sandbox.json   holder pid (unshare) and the pod's PID 1, with /proc start times
//   plan, hosts, resolv.conf, hostname   what sandbox.sh mounts
//   root/          the (host-side, empty) mountpoint of the pod's root
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isSameProcess, readProcStat } from './procfs.js'
import type { ContainerUser, SandboxMount, SandboxSpec } from './types.js'

export type IsolationFlavour = 'root' | 'userns'

export type Isolation =
  | { mode: 'namespaces'; flavour: IsolationFlavour; tools: Tools; uid: number; gid: number }
  | { mode: 'none'; reason: string }

export interface Tools {
  unshare: string
  nsenter: string
  setpriv: string
  sh: string
}

/** The uid and gid containers run as by default when kubelite is root (nobody/nogroup). */
export const defaultSandboxUser = { uid: 65534, gid: 65534 }

/**
 * Docker's default capabilities, the most a container process keeps (no CAP_SYS_ADMIN: the pod's
 * mounts, which hide kubelite's data dir, cannot be undone).
 */
export const containerCapabilities = [
  'chown',
  'dac_override',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'net_bind_service',
  'net_raw',
  'sys_chroot',
  'mknod',
  'audit_write',
  'setfcap',
]

function locate(file: string): string {
  const beside = fileURLToPath(new URL(`./${file}`, import.meta.url))
  if (existsSync(beside)) return beside
  return fileURLToPath(new URL(`../../../src/node/runtime/${file}`, import.meta.url))
}

export const sandboxScript = locate('sandbox.sh')

/**
 * kubelite's own files that containers run from (its package: the built-in images' programs and the
 * shim; node itself), bound read-only at their own paths when they live under /tmp, which a pod
 * gets a private copy of (a clone checked out and run from /tmp, as CI may).
 */
export const ownFiles: SandboxMount[] = [fileURLToPath(new URL('../../../', import.meta.url)), dirname(process.execPath)]
  .map((p) => posix.normalize(p).replace(/\/$/, ''))
  .filter((p, i, all) => (p === '/tmp' || p.startsWith('/tmp/')) && all.indexOf(p) === i)
  .map((p) => ({ hostPath: p, containerPath: p, readOnly: true }))

function which(name: string, dirs = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin']): string | undefined {
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p))
}

/** One line for `kubelite up`'s start-up log. */
export function describeIsolation(i: Isolation): string {
  if (i.mode === 'none') return `pod isolation: none (plain host processes: ${i.reason}); pods can read whatever kubelite's user can`
  return i.flavour === 'root'
    ? `pod isolation: namespaces (mount, UTS, IPC, PID per pod; containers run as uid ${defaultSandboxUser.uid} unless runAsUser says otherwise; kubelite's data dir hidden)`
    : `pod isolation: namespaces (user, mount, UTS, IPC, PID per pod; containers run as uid ${i.uid} mapped to itself; kubelite's data dir hidden)`
}

let detected: Isolation | undefined

/**
 * What this host allows, probed once per process by building a real (empty) sandbox.
 * `want: 'none'` (or KUBELITE_ISOLATION=none) turns isolation off.
 */
export function detectIsolation(want: 'auto' | 'none' = 'auto'): Isolation {
  if (want === 'none' || process.env.KUBELITE_ISOLATION === 'none') return { mode: 'none', reason: 'turned off (--isolation none)' }
  if (detected) return detected
  detected = probe()
  return detected
}

function probe(): Isolation {
  if (process.platform !== 'linux') return { mode: 'none', reason: `no Linux namespaces on ${process.platform}` }
  const tools = { unshare: which('unshare'), nsenter: which('nsenter'), setpriv: which('setpriv'), sh: which('sh') }
  const missing = Object.entries(tools)
    .filter(([, p]) => !p)
    .map(([n]) => n)
  for (const n of ['mount', 'umount', 'pivot_root', 'realpath', 'stat', 'hostname']) if (!which(n)) missing.push(n)
  if (missing.length) return { mode: 'none', reason: `${missing.join(', ')} not found (util-linux, coreutils)` }
  const uid = process.getuid?.() ?? -1
  const gid = process.getgid?.() ?? -1
  const flavour: IsolationFlavour = uid === 0 ? 'root' : 'userns'
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-sandbox-probe-'))
  try {
    mkdirSync(join(dir, 'root'))
    writeFileSync(join(dir, 'hosts'), '127.0.0.1\tlocalhost\n')
    writeFileSync(join(dir, 'plan'), `file\t${join(dir, 'hosts')}\t/etc/hosts\n`)
    const argv = holderArgv(tools as Tools, flavour, { rootDir: join(dir, 'root'), plan: join(dir, 'plan'), hostname: 'kubelite-probe', uid, gid, mapRoot: false })
    const r = spawnSync(argv[0], argv.slice(1), { env: { ...process.env, KUBELITE_SANDBOX_PROBE: '1' }, timeout: 10_000, encoding: 'utf8' })
    if (r.status === 0 && r.stdout.includes('ready')) return { mode: 'namespaces', flavour, tools: tools as Tools, uid, gid }
    const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop()
    return { mode: 'none', reason: `namespaces not available here (${why})` }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

interface HolderArgs {
  rootDir: string
  plan: string
  hostname: string
  uid: number
  gid: number
  mapRoot: boolean
}

/** The command that builds a pod's sandbox and then holds it (sandbox.sh's PID 1 is its child). */
export function holderArgv(tools: Tools, flavour: IsolationFlavour, a: HolderArgs): string[] {
  if (flavour === 'root') {
    return [tools.unshare, '--mount', '--uts', '--ipc', '--pid', '--fork', '--propagation', 'private', tools.sh, sandboxScript, 'root', a.rootDir, a.plan, a.hostname]
  }
  return [
    tools.unshare,
    '--user',
    '--map-root-user',
    '--mount',
    '--propagation',
    'private',
    tools.sh,
    sandboxScript,
    'userns',
    a.rootDir,
    a.plan,
    a.hostname,
    String(a.uid),
    String(a.gid),
    a.mapRoot ? 'root' : 'user',
  ]
}

const planField = (s: string) => {
  if (/[\t\n]/.test(s)) throw new Error(`pod sandbox: a path with a tab or newline cannot be mounted: ${JSON.stringify(s)}`)
  return s
}

/**
 * sandbox.sh's plan: the pod's files, its volumes (parents before children, so a volume inside
 * another lands in it), then what to hide. Pure.
 */
export function sandboxPlan(files: { hosts?: string; resolvConf?: string; hostname?: string }, mounts: SandboxMount[], hide: string[]): string {
  const lines: string[] = []
  if (files.hosts) lines.push(`file\t${planField(files.hosts)}\t/etc/hosts`)
  if (files.resolvConf) lines.push(`file\t${planField(files.resolvConf)}\t/etc/resolv.conf`)
  if (files.hostname) lines.push(`file\t${planField(files.hostname)}\t/etc/hostname`)
  const depth = (p: string) => posix.normalize(p).split('/').filter(Boolean).length
  const sorted = [...mounts].sort((a, b) => depth(a.containerPath) - depth(b.containerPath))
  for (const m of sorted) lines.push(`bind\t${planField(m.hostPath)}\t${planField(posix.normalize(m.containerPath))}\t${m.readOnly ? 'ro' : 'rw'}`)
  for (const h of hide) lines.push(`hide\t${planField(h)}`)
  return lines.join('\n') + '\n'
}

export interface SandboxRecord {
  podUid: string
  flavour: IsolationFlavour
  /** unshare: the process group leader; killing its group ends the pod's PID namespace. */
  holderPid: number
  holderStart?: string
  /** The pod's PID 1, as the host sees it: what nsenter targets. */
  nsPid: number
  nsStart?: string
  /** userns flavour: uid 0 inside maps to kubelite's uid (a container asked for runAsUser 0). */
  mapRoot: boolean
}

/** The process a sandbox's holder forked (its only child). */
function childOf(pid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
    if (kids.length) return Number(kids[0])
  } catch {
    // no children file (CONFIG_PROC_CHILDREN off): scan
  }
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    if (readProcStat(Number(name))?.ppid === pid) return Number(name)
  }
  return undefined
}

export interface EnterOptions {
  /** The working directory inside (created if missing, as runc does). */
  cwd?: string
  user?: ContainerUser
}

export class PodSandboxes {
  private readonly dir: string
  private readonly known = new Map<string, SandboxRecord>()
  private readonly creating = new Map<string, Promise<SandboxRecord>>()

  constructor(
    stateDir: string,
    readonly isolation: Extract<Isolation, { mode: 'namespaces' }>,
    /** Paths no pod may see: kubelite's data dir, its kubeconfig. */
    private readonly hide: string[],
  ) {
    this.dir = join(stateDir, 'sandboxes')
    mkdirSync(this.dir, { recursive: true })
  }

  /** The pod's live sandbox, from memory or from an earlier life of the agent. */
  get(podUid: string): SandboxRecord | undefined {
    let rec = this.known.get(podUid)
    if (!rec) {
      try {
        rec = JSON.parse(readFileSync(join(this.dir, podUid, 'sandbox.json'), 'utf8')) as SandboxRecord
      } catch {
        return undefined
      }
    }
    if (!isSameProcess(rec.nsPid, rec.nsStart)) {
      this.known.delete(podUid)
      return undefined
    }
    this.known.set(podUid, rec)
    return rec
  }

  /** The pod's sandbox, built now if it has none (or its PID 1 is gone). */
  ensure(spec: SandboxSpec): Promise<SandboxRecord> {
    const live = this.get(spec.podUid)
    if (live) return Promise.resolve(live)
    let p = this.creating.get(spec.podUid)
    if (!p) {
      p = this.create(spec).finally(() => this.creating.delete(spec.podUid))
      this.creating.set(spec.podUid, p)
    }
    return p
  }

  private async create(spec: SandboxSpec): Promise<SandboxRecord> {
    const { isolation } = this
    const dir = join(this.dir, spec.podUid)
    await this.remove(spec.podUid) // a dead one's leftovers
    mkdirSync(join(dir, 'root'), { recursive: true })
    const hostname = spec.hostname || spec.podName
    const files: { hosts?: string; resolvConf?: string; hostname?: string } = { hostname: join(dir, 'hostname') }
    writeFileSync(files.hostname!, `${hostname}\n`, { mode: 0o644 })
    if (spec.hostsFile !== undefined) writeFileSync((files.hosts = join(dir, 'hosts')), spec.hostsFile, { mode: 0o644 })
    if (spec.resolvConf !== undefined) writeFileSync((files.resolvConf = join(dir, 'resolv.conf')), spec.resolvConf, { mode: 0o644 })
    const plan = join(dir, 'plan')
    writeFileSync(plan, sandboxPlan(files, [...ownFiles, ...(spec.mounts ?? [])], this.hide))
    const mapRoot = isolation.flavour === 'userns' && !!spec.rootRequested
    const argv = holderArgv(isolation.tools, isolation.flavour, { rootDir: join(dir, 'root'), plan, hostname, uid: isolation.uid, gid: isolation.gid, mapRoot })
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    const holderPid = child.pid
    // Recorded before any await: an agent killed while the sandbox builds leaves it findable.
    if (holderPid) writeFileSync(join(dir, holderPidFile), `${holderPid} ${readProcStat(holderPid)?.startTime ?? ''}`)
    let err = ''
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    const ok = await new Promise<boolean>((resolve) => {
      let out = ''
      const timer = setTimeout(() => resolve(false), 30_000)
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes('ready')) {
          clearTimeout(timer)
          resolve(true)
        }
      })
      child.once('error', (e) => {
        err += e.message
        clearTimeout(timer)
        resolve(false)
      })
      child.once('exit', () => {
        clearTimeout(timer)
        // stderr may still be draining
        setTimeout(() => resolve(out.includes('ready')), 20)
      })
    })
    child.stdout!.destroy()
    child.stderr!.destroy()
    child.unref()
    const nsPid = ok && holderPid ? childOf(holderPid) : undefined
    if (!ok || !holderPid || !nsPid) {
      if (holderPid) killGroup(holderPid)
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`failed to create pod sandbox: ${err.trim().split('\n').slice(-3).join('; ') || 'it did not start'}`)
    }
    const rec: SandboxRecord = {
      podUid: spec.podUid,
      flavour: isolation.flavour,
      holderPid,
      holderStart: readProcStat(holderPid)?.startTime,
      nsPid,
      nsStart: readProcStat(nsPid)?.startTime,
      mapRoot,
    }
    writeFileSync(join(dir, 'sandbox.json'), JSON.stringify(rec), { mode: 0o600 })
    this.known.set(spec.podUid, rec)
    return rec
  }

  /**
   * argv that runs a command inside the pod's sandbox as the container's user (append the
   * command). The process it starts is the child of nsenter (the PID namespace needs a fork).
   */
  enterArgv(rec: SandboxRecord, opts: EnterOptions = {}): string[] {
    const { tools } = this.isolation
    const cwd = opts.cwd || '/'
    const caps = `-all,${containerCapabilities.map((c) => `+${c}`).join(',')}`
    let argv: string[]
    if (rec.flavour === 'root') {
      const uid = opts.user?.uid ?? defaultSandboxUser.uid
      const gid = opts.user?.gid ?? (opts.user?.uid !== undefined ? opts.user.uid : defaultSandboxUser.gid)
      const groups = opts.user?.supplementalGroups?.length ? [`--groups=${opts.user.supplementalGroups.join(',')}`] : ['--clear-groups']
      // A non-root uid keeps only CAP_NET_BIND_SERVICE (nginx's port 80 on its pod IP), as an ambient capability.
      const capArgs = uid === 0 ? ['--inh-caps=-all', `--bounding-set=${caps}`] : ['--inh-caps=-all,+net_bind_service', '--ambient-caps=-all,+net_bind_service', `--bounding-set=${caps}`]
      argv = [tools.nsenter, '-t', String(rec.nsPid), '--mount', '--uts', '--ipc', '--pid', '--wdns=/', '--', tools.setpriv, `--reuid=${uid}`, `--regid=${gid}`, ...groups, ...capArgs, '--']
    } else {
      argv = [tools.nsenter, '-t', String(rec.nsPid), '--user', '--mount', '--uts', '--ipc', '--pid', '--preserve-credentials', '--wdns=/', '--']
      if (rec.mapRoot) argv.push(tools.setpriv, '--inh-caps=-all', `--bounding-set=${caps}`, '--')
    }
    if (cwd !== '/') argv.push(tools.sh, '-c', 'mkdir -p -- "$0" 2>/dev/null; cd -- "$0" && exec "$@"', cwd)
    return argv
  }

  /** Ends the pod's sandbox (every process still in its PID namespace dies with its PID 1). */
  async remove(podUid: string): Promise<void> {
    const dir = join(this.dir, podUid)
    let rec = this.known.get(podUid)
    if (!rec) {
      try {
        rec = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')) as SandboxRecord
      } catch {
        rec = undefined
      }
    }
    this.known.delete(podUid)
    if (!rec) {
      // Half-built (the agent died before sandbox.json): only the holder's pid is known.
      try {
        const [pid, start] = readFileSync(join(dir, holderPidFile), 'utf8').trim().split(' ')
        if (Number(pid) > 1 && isSameProcess(Number(pid), start || undefined)) killGroup(Number(pid))
      } catch {
        // nothing was started
      }
    }
    if (rec) {
      if (isSameProcess(rec.holderPid, rec.holderStart)) killGroup(rec.holderPid)
      if (isSameProcess(rec.nsPid, rec.nsStart)) killPid(rec.nsPid)
      for (let i = 0; i < 200 && (isSameProcess(rec.nsPid, rec.nsStart) || isSameProcess(rec.holderPid, rec.holderStart)); i++) await new Promise((r) => setTimeout(r, 10))
    }
    rmSync(dir, { recursive: true, force: true })
  }

  /** Ends every sandbox, those being built included (the agent stops). */
  async removeAll(): Promise<void> {
    await Promise.allSettled([...this.creating.values()])
    await Promise.all(this.list().map((uid) => this.remove(uid)))
  }

  /** Pod uids with a sandbox on disk (live or not). */
  list(): string[] {
    try {
      return readdirSync(this.dir)
    } catch {
      return []
    }
  }
}

const holderPidFile = 'holder.pid'

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    killPid(pid)
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // gone
  }
}
