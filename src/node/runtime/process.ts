// The `process` runtime: every container is a host process tree in its own process group, led by
// shim.mjs (which runs a built-in image's Node program in-process, or the container's command as
// its child) and bound to the pod IP by convention (POD_IP in its environment).
//
// State dir layout, one folder a container, so a restarted agent can find what it left running:
//   <stateDir>/containers/<64 hex>/state.json   pid, /proc start time, pod, container, env, cwd
//                                  spec.json    what the shim runs and where it logs
//                                  status.json  written by the shim when the container ends
//                                  rootfs/      the default working directory (a scratch "layer")
// A pid is adopted only if /proc/<pid>/stat still shows the recorded start time (pids are reused).
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { accessSync, constants as fsConstants, existsSync, mkdirSync, openSync, readFileSync, readSync, closeSync, fstatSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { constants as osConstants, tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { resolveImage, imagePullErrorMessage, planLaunch, type BuiltinImage, type Launch } from '../../images/registry.js'
import { parseCriLogLine } from './cri-log.js'
import { groupMembers, isSameProcess, readProcStat } from './procfs.js'
import {
  ImagePullError,
  type ContainerHandle,
  type ContainerSpec,
  type ExecOptions,
  type ExitStatus,
  type PulledImage,
  type Runtime,
  type SandboxSpec,
} from './types.js'

export const runtimeVersion = '0.1.0'

export interface ProcessRuntimeOptions {
  /** Where container state is kept across agent restarts. */
  stateDir: string
  /** Rotate a container's log when it reaches this many bytes (kubelet containerLogMaxSize: 10 MiB). */
  logMaxSize?: number
  /** Log files kept per container, the live one included (kubelet containerLogMaxFiles: 5). */
  logMaxFiles?: number
  /** How often adopted processes (not our children) are checked for exit, ms. Default 250. */
  pollIntervalMs?: number
}

interface ContainerState {
  id: string
  podUid: string
  podName: string
  namespace: string
  container: string
  pid: number
  /** /proc/<pid>/stat field 22; undefined off Linux. */
  procStart?: string
  startedAt: string
  logPath: string
  cwd: string
  env: Record<string, string>
}

interface ShimStatus {
  exitCode: number
  signal?: string
  reason?: string
  finishedAt: string
}

const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

function locate(file: string): string {
  const beside = fileURLToPath(new URL(`./${file}`, import.meta.url))
  if (existsSync(beside)) return beside
  // From dist/node/runtime/: the package ships src/ too.
  return fileURLToPath(new URL(`../../../src/node/runtime/${file}`, import.meta.url))
}

const shimPath = locate('shim.mjs')

const scriptPath = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p))

function signalNumber(signal: string): number {
  return (osConstants.signals as Record<string, number>)[signal] ?? 0
}

/**
 * A container's environment, in the order a container runtime builds it: PATH (the host's: its
 * commands run on the host), HOSTNAME (the pod name), TERM for a tty, the image's ENV, POD_IP,
 * the container's env (which wins), HOME last if nobody set it.
 */
export function containerEnv(sandbox: SandboxSpec, container: ContainerSpec, image?: Pick<BuiltinImage, 'env'>): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH || defaultPath, HOSTNAME: sandbox.podName }
  if (container.tty) env.TERM = 'xterm'
  Object.assign(env, image?.env ?? {}, { POD_IP: sandbox.podIP }, container.env)
  if (env.HOME === undefined) env.HOME = process.env.HOME || '/root'
  return env
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false
    accessSync(p, fsConstants.X_OK)
    return true
  } catch {
    return false
  }
}

/** `exec` lookup: a name with a slash is a path (relative to cwd), anything else is searched in PATH. */
export function findExecutable(file: string, pathVar: string | undefined, cwd: string): string | undefined {
  if (file === '') return undefined
  if (file.includes('/')) {
    const p = resolve(cwd, file)
    return isExecutableFile(p) ? p : undefined
  }
  for (const dir of (pathVar ?? defaultPath).split(delimiter)) {
    if (!dir) continue
    const p = join(resolve(cwd, dir), file)
    if (isExecutableFile(p)) return p
  }
  return undefined
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

/** The last lines of a log, for terminationMessagePolicy FallbackToLogsOnError (kubelet: 80 lines, 2 KiB). */
export function tailLog(logPath: string, maxLines = 80, maxBytes = 2048): string | undefined {
  let fd: number
  try {
    fd = openSync(logPath, 'r')
  } catch {
    return undefined
  }
  try {
    const size = fstatSync(fd).size
    // Records carry ~40 bytes of prefix each; read enough to hold maxBytes of content.
    const len = Math.min(size, maxBytes * 4 + maxLines * 48)
    const buf = Buffer.alloc(len)
    readSync(fd, buf, 0, len, size - len)
    const lines = buf.toString('latin1').split('\n')
    if (len < size) lines.shift() // the first one is cut
    const parts: Buffer[] = []
    let current: Buffer[] = []
    for (const line of lines) {
      if (!line) continue
      const rec = parseCriLogLine(Buffer.from(line, 'latin1'))
      if (!rec) continue
      current.push(rec.content)
      if (rec.full) {
        parts.push(Buffer.concat([...current, Buffer.from('\n')]))
        current = []
      }
    }
    if (current.length) parts.push(Buffer.concat(current))
    let text = Buffer.concat(parts.slice(-maxLines)).toString('utf8')
    if (Buffer.byteLength(text) > maxBytes) text = Buffer.from(text).subarray(-maxBytes).toString('utf8')
    return text
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

class ProcessContainer implements ContainerHandle {
  readonly exited: Promise<ExitStatus>
  private resolveExit!: (s: ExitStatus) => void
  private done: ExitStatus | undefined
  private killTimer: NodeJS.Timeout | undefined
  private fastPoll: NodeJS.Timeout | undefined
  /** Set for containers we spawned; adopted ones are polled. */
  child: ChildProcess | undefined

  constructor(
    readonly state: ContainerState,
    readonly dir: string,
    private readonly onGone: (c: ProcessContainer) => void,
  ) {
    this.exited = new Promise((r) => (this.resolveExit = r))
  }

  get id() {
    return this.state.id
  }
  get pid() {
    return this.state.pid
  }
  get logPath() {
    return this.state.logPath
  }
  get startedAt() {
    return new Date(this.state.startedAt)
  }
  get isDone() {
    return this.done !== undefined
  }

  /** Still the process we started (not exited, pid not reused)? */
  alive(): boolean {
    return !this.done && isSameProcess(this.state.pid, this.state.procStart)
  }

  private signalGroup(signal: NodeJS.Signals) {
    if (this.done) return
    if (!this.child && !isSameProcess(this.state.pid, this.state.procStart)) return
    try {
      process.kill(-this.state.pid, signal)
    } catch {
      // ESRCH: already gone.
    }
  }

  stop(graceSeconds: number): Promise<ExitStatus> {
    if (this.done) return this.exited
    if (graceSeconds > 0) {
      this.signalGroup('SIGTERM')
      this.killTimer ??= setTimeout(() => this.signalGroup('SIGKILL'), graceSeconds * 1000)
    } else {
      this.signalGroup('SIGKILL')
    }
    if (!this.child && !this.fastPoll) {
      this.fastPoll = setInterval(() => {
        if (!this.alive()) this.markExited()
      }, 20)
    }
    return this.exited
  }

  /** The main process is gone: read how it ended, clean up after it, resolve `exited`. */
  markExited(code?: number | null, signal?: NodeJS.Signals | null) {
    if (this.done) return
    clearTimeout(this.killTimer)
    clearInterval(this.fastPoll)
    let status: ShimStatus | undefined
    try {
      status = JSON.parse(readFileSync(join(this.dir, 'status.json'), 'utf8')) as ShimStatus
    } catch {
      status = undefined
    }
    let exitCode: number
    let sig: string | undefined
    if (status) {
      exitCode = status.exitCode
      sig = status.signal ?? undefined
    } else if (code !== undefined && code !== null) {
      exitCode = code
    } else if (signal) {
      exitCode = 128 + signalNumber(signal)
      sig = signal
    } else {
      // Adopted, gone without a word: only SIGKILL (the OOM killer, our own grace expiry) does that.
      exitCode = 137
      sig = 'SIGKILL'
    }
    // When a container's main process ends, nothing else of it survives (as with a PID namespace).
    for (const pid of groupMembers(this.state.pid, this.state.procStart)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone
      }
    }
    const reason: ExitStatus['reason'] = status?.reason === 'ContainerCannotRun' ? 'ContainerCannotRun' : exitCode === 0 ? 'Completed' : 'Error'
    this.done = {
      exitCode,
      signal: sig,
      reason,
      startedAt: this.startedAt,
      finishedAt: status?.finishedAt ? new Date(status.finishedAt) : new Date(),
      message: exitCode !== 0 ? tailLog(this.state.logPath) : undefined,
    }
    rmSync(this.dir, { recursive: true, force: true })
    this.onGone(this)
    this.resolveExit(this.done)
  }
}

/** A container that could not start (missing executable...): exited before it began, as runc reports it. */
function cannotRun(id: string, logPath: string, message: string): ContainerHandle {
  const now = new Date()
  const status: ExitStatus = { exitCode: 128, reason: 'ContainerCannotRun', startedAt: now, finishedAt: now, message }
  return { id, startedAt: now, logPath, exited: Promise.resolve(status), stop: () => Promise.resolve(status) }
}

const ociCreateFailed = 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: '

export class ProcessRuntime implements Runtime {
  readonly name = 'process' as const
  readonly version = `kubelite://${runtimeVersion}`
  private readonly containersDir: string
  private readonly running = new Map<string, ProcessContainer>()
  private readonly execs = new Set<ChildProcess>()
  private poller: NodeJS.Timeout | undefined
  private closed = false

  constructor(private readonly opts: ProcessRuntimeOptions) {
    if (!opts.stateDir) throw new Error('ProcessRuntime: stateDir is required')
    this.containersDir = join(opts.stateDir, 'containers')
    mkdirSync(this.containersDir, { recursive: true })
  }

  async pullImage(image: string): Promise<PulledImage> {
    const found = resolveImage(image)
    if (!found) throw new ImagePullError(image, imagePullErrorMessage(image))
    return { imageID: found.imageID, size: found.size }
  }

  async startContainer(sandbox: SandboxSpec, container: ContainerSpec): Promise<ContainerHandle> {
    if (this.closed) throw new Error('ProcessRuntime: closed')
    const image = resolveImage(container.image)
    if (!image) throw new ImagePullError(container.image, imagePullErrorMessage(container.image))
    const hex = randomBytes(32).toString('hex')
    const id = `process://${hex}`
    const dir = join(this.containersDir, hex)
    const logPath = join(sandbox.logDir, container.name, `${container.restartCount}.log`)
    mkdirSync(dirname(logPath), { recursive: true })
    closeSync(openSync(logPath, 'a')) // there is a log (empty) as soon as the container exists
    const env = containerEnv(sandbox, container, image)
    let cwd = join(dir, 'rootfs')
    mkdirSync(cwd, { recursive: true })
    if (container.workingDir) {
      cwd = resolve(container.workingDir)
      try {
        mkdirSync(cwd, { recursive: true })
      } catch (err) {
        rmSync(dir, { recursive: true, force: true })
        const code = (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (err as Error).message
        return cannotRun(id, logPath, `${ociCreateFailed}chdir to cwd ("${container.workingDir}") set in config.json failed: ${code}: unknown`)
      }
    }
    const launch: Launch = planLaunch(image, container.command, container.args)
    if (launch.kind === 'host') {
      const file = launch.argv[0] ?? ''
      const exe = findExecutable(file, env.PATH, cwd)
      if (!exe) {
        rmSync(dir, { recursive: true, force: true })
        const what = file.includes('/') ? `exec: "${file}": stat ${file}: no such file or directory` : `exec: "${file}": executable file not found in $PATH`
        return cannotRun(id, logPath, `${ociCreateFailed}${what}: unknown`)
      }
      launch.argv = [exe, ...launch.argv.slice(1)]
    }
    const specPath = join(dir, 'spec.json')
    writeFileSync(
      specPath,
      JSON.stringify({ logPath, statusPath: join(dir, 'status.json'), logMaxSize: this.opts.logMaxSize, logMaxFiles: this.opts.logMaxFiles, launch }),
    )
    const child = spawn(process.execPath, [shimPath, specPath], {
      cwd,
      env,
      detached: true,
      // fd 3: the shim writes one byte once it holds stop signals for the container (see shim.mjs).
      stdio: [container.stdin ? 'pipe' : 'ignore', 'ignore', 'ignore', 'pipe'],
    })
    try {
      await once(child, 'spawn')
    } catch (err) {
      rmSync(dir, { recursive: true, force: true })
      return cannotRun(id, logPath, `${ociCreateFailed}${(err as Error).message}: unknown`)
    }
    const ready = child.stdio[3] as NodeJS.ReadableStream | null
    if (ready) {
      // Resolves on the byte, or when the shim dies first (then `exited` tells the story).
      await new Promise<void>((r) => {
        ready.once('data', () => r())
        ready.once('close', () => r())
        ready.once('error', () => r())
      })
      ;(ready as unknown as { destroy(): void }).destroy()
    }
    // Kept referenced: a pending `exited` keeps the agent's event loop alive, as it should.
    const pid = child.pid!
    const state: ContainerState = {
      id,
      podUid: sandbox.podUid,
      podName: sandbox.podName,
      namespace: sandbox.namespace,
      container: container.name,
      pid,
      procStart: readProcStat(pid)?.startTime,
      startedAt: new Date().toISOString(),
      logPath,
      cwd,
      env,
    }
    writeFileSync(join(dir, 'state.json'), JSON.stringify(state), { mode: 0o600 })
    const handle = new ProcessContainer(state, dir, (c) => this.forget(c))
    handle.child = child
    child.once('exit', (code, signal) => handle.markExited(code, signal))
    this.running.set(hex, handle)
    return handle
  }

  private forget(c: ProcessContainer) {
    this.running.delete(c.dir.slice(c.dir.lastIndexOf('/') + 1))
    if (![...this.running.values()].some((r) => !r.child)) {
      clearInterval(this.poller)
      this.poller = undefined
    }
  }

  private findRunning(podUid: string, name: string): ProcessContainer | undefined {
    for (const c of this.running.values()) if (c.state.podUid === podUid && c.state.container === name && !c.isDone) return c
    return undefined
  }

  async exec(sandbox: SandboxSpec, container: ContainerSpec, command: string[], opts: ExecOptions): Promise<number> {
    if (command.length === 0) throw new Error('command must not be empty')
    const rec = this.findRunning(sandbox.podUid, container.name)
    const env = { ...(rec?.state.env ?? containerEnv(sandbox, container, resolveImage(container.image))) }
    const cwd = rec?.state.cwd ?? container.workingDir ?? tmpdir()
    const exe = findExecutable(command[0], env.PATH, cwd)
    if (!exe) {
      throw new Error(`OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": executable file not found in $PATH: unknown`)
    }
    let child: ChildProcess
    if (opts.tty && scriptPath) {
      env.TERM ??= 'xterm'
      const size = opts.resize ? await firstValue(opts.resize, 100) : undefined
      const setSize = size ? `stty cols ${Math.floor(size.width)} rows ${Math.floor(size.height)} 2>/dev/null; ` : ''
      const inner = `${setSize}exec ${[exe, ...command.slice(1)].map(shellQuote).join(' ')}`
      child = spawn(scriptPath, ['-qfec', inner, '/dev/null'], { cwd, env: { ...env, SHELL: '/bin/sh' }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
    } else {
      child = spawn(exe, command.slice(1), { argv0: command[0], cwd, env, detached: true, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] })
    }
    this.execs.add(child)
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // gone
      }
    }
    opts.signal?.addEventListener('abort', killGroup, { once: true })
    if (opts.signal?.aborted) killGroup()
    child.stdin?.on('error', () => {})
    if (opts.stdin && child.stdin) opts.stdin.pipe(child.stdin)
    else child.stdin?.end()
    const forward = (from: NodeJS.ReadableStream | null, to: NodeJS.WritableStream | undefined) => {
      from?.on('data', (d: Buffer) => to?.write(d))
    }
    forward(child.stdout, opts.stdout)
    forward(child.stderr, opts.tty ? opts.stdout : opts.stderr)
    try {
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolveExit, reject) => {
        let result: [number | null, NodeJS.Signals | null] | undefined
        let open = [child.stdout, child.stderr].filter(Boolean).length
        const done = () => result && resolveExit(result)
        child.once('error', reject)
        for (const s of [child.stdout, child.stderr]) s?.once('close', () => --open === 0 && done())
        child.once('exit', (c, s) => {
          result = [c, s]
          if (open === 0) done()
          else setTimeout(done, 200).unref()
        })
      })
      return code ?? 128 + signalNumber(signal ?? 'SIGKILL')
    } finally {
      opts.signal?.removeEventListener('abort', killGroup)
      if (opts.stdin && child.stdin) opts.stdin.unpipe(child.stdin)
      killGroup() // leftovers of the exec session (background jobs) go with it
      this.execs.delete(child)
    }
  }

  async listRunning(): Promise<{ podUid: string; container: string; handle: ContainerHandle }[]> {
    const out: { podUid: string; container: string; handle: ContainerHandle }[] = []
    let names: string[]
    try {
      names = readdirSync(this.containersDir)
    } catch {
      return out
    }
    for (const hex of names) {
      const dir = join(this.containersDir, hex)
      const known = this.running.get(hex)
      if (known) {
        if (!known.isDone) out.push({ podUid: known.state.podUid, container: known.state.container, handle: known })
        continue
      }
      let state: ContainerState
      try {
        state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ContainerState
      } catch {
        // Half-written (the agent died while starting it): nothing to adopt.
        rmSync(dir, { recursive: true, force: true })
        continue
      }
      const handle = new ProcessContainer(state, dir, (c) => this.forget(c))
      if (!isSameProcess(state.pid, state.procStart)) {
        handle.markExited() // cleans up leftovers and the state folder
        continue
      }
      this.running.set(hex, handle)
      out.push({ podUid: state.podUid, container: state.container, handle })
    }
    this.ensurePoller()
    return out
  }

  private ensurePoller() {
    if (this.poller || ![...this.running.values()].some((c) => !c.child)) return
    this.poller = setInterval(() => {
      for (const c of [...this.running.values()]) if (!c.child && !c.alive()) c.markExited()
    }, this.opts.pollIntervalMs ?? 250)
    this.poller.unref()
  }

  /**
   * Lets go of every container without stopping it, as an agent that exits to be restarted does:
   * the next runtime on this state dir adopts them through listRunning().
   */
  detach(): void {
    this.closed = true
    for (const c of this.running.values()) {
      c.child?.removeAllListeners('exit')
      c.child?.stdin?.destroy()
      c.child?.unref()
    }
    this.running.clear()
    clearInterval(this.poller)
    this.poller = undefined
  }

  async close(graceSeconds: number): Promise<void> {
    this.closed = true
    for (const child of this.execs) {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // gone
      }
    }
    await Promise.all([...this.running.values()].map((c) => c.stop(graceSeconds)))
    clearInterval(this.poller)
    this.poller = undefined
  }
}

/** The first value of an async iterable, or undefined if none comes within `ms`. */
async function firstValue<T>(it: AsyncIterable<T>, ms: number): Promise<T | undefined> {
  const iterator = it[Symbol.asyncIterator]()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))
  try {
    const first = await Promise.race([iterator.next().then((r) => (r.done ? undefined : r.value)), timeout])
    return first
  } finally {
    clearTimeout(timer)
  }
}
