// The `process` runtime: every container is a host process tree in its own process group, led by
// shim.mjs (which runs a built-in image's Node program in-process, or the container's command as
// its child) and bound to the pod IP by convention (POD_IP in its environment).
//
// State dir layout, one folder a container, so a restarted agent can find what it left running:
//   <stateDir>/containers/<64 hex>/state.json   pid, /proc start time, pod, container, env, cwd
//                                  spec.json    what the shim runs and where it logs
//                                  status.json  written by the shim when the container ends
//                                  attach.sock  the shim's attach socket (attach-wire.ts)
//                                  rootfs/      the default working directory (a scratch "layer")
// A pid is adopted only if /proc/<pid>/stat still shows the recorded start time (pids are reused).
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { attachSession, notRunning } from './attach.js'
import { attachSocketName } from './attach-wire.js'
import { cannotRun, ociCreateFailed, ProcessContainer, type ContainerState } from './container.js'
import { containerEnv, findExecutable, shellQuote, signalNumber } from './host.js'
import { isSameProcess, listeningIPv4, processTree, readAllProcUsage, readProcStat, treeUsage } from './procfs.js'
import { firstSize, followWindowSize } from './pty.js'
import { defaultSandboxUser, describeIsolation, detectIsolation, PodSandboxes, type Isolation, type SandboxRecord } from './sandbox.js'
import { ImagePullError, type AttachOptions, type ContainerHandle, type ContainerUsage, type ContainerSpec, type ExecOptions, type ImageSource, type Launch, type PulledImage, type Runtime, type SandboxSpec } from './types.js'

export { containerEnv, findExecutable } from './host.js'
export { tailLog } from './container.js'

export const runtimeVersion = '0.1.0'

export interface ProcessRuntimeOptions {
  /** Where container state is kept across agent restarts. */
  stateDir: string
  /** The images it can run (cli/ passes images/'s built-in ones). */
  images: ImageSource
  /** Rotate a container's log when it reaches this many bytes (kubelet containerLogMaxSize: 10 MiB). */
  logMaxSize?: number
  /** Log files kept per container, the live one included (kubelet containerLogMaxFiles: 5). */
  logMaxFiles?: number
  /** How often adopted processes (not our children) are checked for exit, ms. Default 250. */
  pollIntervalMs?: number
  /**
   * `auto` (default): each pod in its own namespaces where the host allows it (sandbox.ts);
   * `none`: plain host processes.
   */
  isolation?: 'auto' | 'none'
  /** Paths no pod may see (kubelite's data dir, its kubeconfig); the state dir always is. */
  hiddenPaths?: string[]
}

function locate(file: string): string {
  const beside = fileURLToPath(new URL(`./${file}`, import.meta.url))
  if (existsSync(beside)) return beside
  // From dist/node/runtime/: the package ships src/ too.
  return fileURLToPath(new URL(`../../../src/node/runtime/${file}`, import.meta.url))
}

const shimPath = locate('shim.mjs')

const scriptPath = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p))

export class ProcessRuntime implements Runtime {
  readonly name = 'process' as const
  readonly version = `kubelite://${runtimeVersion}`
  private readonly containersDir: string
  private readonly running = new Map<string, ProcessContainer>()
  private readonly execs = new Set<ChildProcess>()
  private poller: NodeJS.Timeout | undefined
  private closed = false
  private readonly mode: Isolation
  /** Set where pods get namespaces of their own. */
  private readonly sandboxes: PodSandboxes | undefined

  constructor(private readonly opts: ProcessRuntimeOptions) {
    if (!opts.stateDir) throw new Error('ProcessRuntime: stateDir is required')
    if (!opts.images) throw new Error('ProcessRuntime: images is required')
    this.containersDir = join(opts.stateDir, 'containers')
    mkdirSync(this.containersDir, { recursive: true })
    this.mode = detectIsolation(opts.isolation ?? 'auto')
    if (this.mode.mode === 'namespaces') {
      const hide = [...new Set([resolve(opts.stateDir), ...(opts.hiddenPaths ?? []).map((p) => resolve(p))])]
      this.sandboxes = new PodSandboxes(opts.stateDir, this.mode, hide)
    }
  }

  get isolation(): string {
    return describeIsolation(this.mode)
  }

  readonly mountsVolumes = true

  get defaultUser(): { uid: number; gid: number } | undefined {
    return this.mode.mode === 'namespaces' && this.mode.flavour === 'root' ? defaultSandboxUser : undefined
  }

  /** True when each pod runs in namespaces of its own. */
  get sandboxed(): boolean {
    return this.sandboxes !== undefined
  }

  async pullImage(image: string): Promise<PulledImage> {
    const found = this.opts.images.resolveImage(image)
    if (!found) throw new ImagePullError(image, this.opts.images.imagePullErrorMessage(image))
    return { imageID: found.imageID, size: found.size }
  }

  async startContainer(sandbox: SandboxSpec, container: ContainerSpec): Promise<ContainerHandle> {
    if (this.closed) throw new Error('ProcessRuntime: closed')
    const images = this.opts.images
    const image = images.resolveImage(container.image)
    if (!image) throw new ImagePullError(container.image, images.imagePullErrorMessage(container.image))
    const hex = randomBytes(32).toString('hex')
    const id = `process://${hex}`
    const dir = join(this.containersDir, hex)
    const logPath = join(sandbox.logDir, container.name, `${container.restartCount}.log`)
    mkdirSync(dirname(logPath), { recursive: true })
    closeSync(openSync(logPath, 'a')) // there is a log (empty) as soon as the container exists
    const env = containerEnv(sandbox, container, image)
    let pod: SandboxRecord | undefined
    if (this.sandboxes) {
      try {
        pod = await this.sandboxes.ensure(sandbox)
      } catch (err) {
        return cannotRun(id, logPath, (err as Error).message)
      }
    }
    mkdirSync(dir, { recursive: true })
    let cwd = join(dir, 'rootfs')
    if (pod) {
      // Inside the pod's root (the host's, less kubelite's data dir): the working dir or "/", made if missing.
      cwd = container.workingDir ? resolve('/', container.workingDir) : '/'
    } else mkdirSync(cwd, { recursive: true })
    if (container.workingDir && !pod) {
      cwd = resolve(container.workingDir)
      try {
        mkdirSync(cwd, { recursive: true })
      } catch (err) {
        rmSync(dir, { recursive: true, force: true })
        const code = (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (err as Error).message
        return cannotRun(id, logPath, `${ociCreateFailed}chdir to cwd ("${container.workingDir}") set in config.json failed: ${code}: unknown`)
      }
    }
    let launch: Launch = images.planLaunch(image, container.command, container.args)
    if (launch.kind === 'host') {
      const file = launch.argv[0] ?? ''
      const exe = findExecutable(file, env.PATH, pod ? '/' : cwd)
      if (!exe) {
        rmSync(dir, { recursive: true, force: true })
        const what = file.includes('/') ? `exec: "${file}": stat ${file}: no such file or directory` : `exec: "${file}": executable file not found in $PATH`
        return cannotRun(id, logPath, `${ociCreateFailed}${what}: unknown`)
      }
      launch.argv = [exe, ...launch.argv.slice(1)]
    }
    // A built-in program learns where the pod's volumes are (images/programs/container-fs.mjs):
    // at their mountPath inside the sandbox, in their host directories without one. Only the
    // program's own environment carries it (exec sessions use `env`, the container's).
    const programEnv = launch.kind === 'program' ? { ...env, KUBELITE_MOUNTS: JSON.stringify((sandbox.mounts ?? []).map((m) => ({ containerPath: m.containerPath, path: pod ? m.containerPath : m.hostPath }))) } : env
    let programInSandbox = false
    if (pod) {
      programInSandbox = launch.kind === 'program'
      // In the sandbox even a built-in image's program runs as a process of its own (it may read
      // the pod's volumes, and must not read kubelite's files): the shim stays outside, logging.
      const argv = launch.kind === 'program' ? [process.execPath, shimPath, '--program', launch.program, ...launch.args] : launch.argv
      launch = { kind: 'host', argv: [...this.sandboxes!.enterArgv(pod, { cwd, user: container.user }), ...withTerminal(argv, container.tty)] }
    } else if (launch.kind === 'host') launch.argv = withTerminal(launch.argv, container.tty)
    const specPath = join(dir, 'spec.json')
    writeFileSync(
      specPath,
      JSON.stringify({
        logPath,
        statusPath: join(dir, 'status.json'),
        attachSocket: join(dir, attachSocketName),
        logMaxSize: this.opts.logMaxSize,
        logMaxFiles: this.opts.logMaxFiles,
        launch,
        forwardSignals: !!pod,
        programReady: programInSandbox,
        stdin: !!container.stdin,
        stdinOnce: !!container.stdinOnce,
        tty: !!container.tty,
      }),
    )
    const child = spawn(process.execPath, [shimPath, specPath], {
      cwd: pod ? dir : cwd,
      env: programEnv,
      detached: true,
      // fd 3: the shim writes one byte once it holds stop signals for the container (see shim.mjs).
      // The container's stdin, if it has one, is the shim's to keep (attach sessions write it).
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    })
    // Recorded before any await: if the agent dies before state.json exists, the next runtime on
    // this state dir still finds the shim and stops it instead of leaving it bound to the pod IP.
    if (child.pid) writeFileSync(join(dir, shimPidFile), `${child.pid} ${readProcStat(child.pid)?.startTime ?? ''}`)
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
      sandboxed: pod ? true : undefined,
      user: container.user,
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
    const env = { ...(rec?.state.env ?? containerEnv(sandbox, container, this.opts.images.resolveImage(container.image))) }
    const pod = this.sandboxes?.get(sandbox.podUid)
    if (this.sandboxes && !pod) throw new Error(`OCI runtime exec failed: exec failed: cannot exec in a stopped container: unknown`)
    const cwd = rec?.state.cwd ?? container.workingDir ?? (pod ? '/' : tmpdir())
    const exe = findExecutable(command[0], env.PATH, pod ? '/' : cwd)
    if (!exe) {
      throw new Error(`OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": executable file not found in $PATH: unknown`)
    }
    // Inside the pod's namespaces, as the container's user; the host process is nsenter's.
    const enter = pod ? this.sandboxes!.enterArgv(pod, { cwd, user: rec?.state.user ?? container.user }) : []
    const hostCwd = pod ? tmpdir() : cwd
    let child: ChildProcess
    let resizes: AsyncIterable<{ width: number; height: number }> | undefined
    if (opts.tty && scriptPath) {
      env.TERM ??= 'xterm'
      const sizes = opts.resize ? await firstSize(opts.resize, 100) : undefined
      const size = sizes?.first
      resizes = sizes?.rest
      const setSize = size ? `stty cols ${Math.floor(size.width)} rows ${Math.floor(size.height)} 2>/dev/null; ` : ''
      const inner = `${setSize}exec ${[exe, ...command.slice(1)].map(shellQuote).join(' ')}`
      const argv = [...enter, scriptPath, '-qfec', inner, '/dev/null']
      child = spawn(argv[0], argv.slice(1), { cwd: hostCwd, env: { ...env, SHELL: '/bin/sh' }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
    } else if (pod) {
      const argv = [...enter, exe, ...command.slice(1)]
      child = spawn(argv[0], argv.slice(1), { cwd: hostCwd, env, detached: true, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] })
    } else {
      child = spawn(exe, command.slice(1), { argv0: command[0], cwd, env, detached: true, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] })
    }
    this.execs.add(child)
    // Later resizes reach the session's terminal from outside (pty.ts).
    if (resizes && child.pid) void followWindowSize(child.pid, resizes).catch(() => undefined)
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

  async attach(sandbox: SandboxSpec, container: string, opts: AttachOptions): Promise<void> {
    const rec = this.findRunning(sandbox.podUid, container)
    if (!rec) throw notRunning(container)
    await attachSession(join(rec.dir, attachSocketName), rec.pid, container, opts)
  }

  async removePodSandbox(podUid: string): Promise<void> {
    if (!this.sandboxes) return
    // Never under a running container of the pod (a new one may be starting as the old sandbox goes).
    for (const c of this.running.values()) if (c.state.podUid === podUid && !c.isDone) return
    await this.sandboxes.remove(podUid)
  }

  listPodSandboxes(): string[] {
    return this.sandboxes?.list() ?? []
  }

  /** One walk of /proc for all of them: each container is its shim's process tree and process group. */
  measure(handles: ContainerHandle[]): (ContainerUsage | undefined)[] {
    const all = readAllProcUsage()
    return handles.map((h) => {
      if (h.pid === undefined || !all.has(h.pid)) return undefined
      return treeUsage(processTree(h.pid, all))
    })
  }

  private listening?: { at: number; ips: Set<string> }

  addressInUse(ip: string): boolean {
    // One read of /proc/net/tcp serves an allocation that walks many candidates.
    const now = Date.now()
    if (!this.listening || now - this.listening.at > 200) this.listening = { at: now, ips: listeningIPv4() }
    return this.listening.ips.has(ip)
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
        // Half-started (the agent died while starting it): nothing to adopt, but the shim may run.
        stopHalfStarted(dir)
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
    await this.sandboxes?.removeAll()
  }
}

/**
 * A container with `tty` runs under `script(1)`, which gives it a pseudo-terminal (its shim keeps
 * the other end's pipes); without util-linux it runs without one.
 */
function withTerminal(argv: string[], tty: boolean | undefined): string[] {
  if (!tty || !scriptPath) return argv
  return [scriptPath, '-qfec', `exec ${argv.map(shellQuote).join(' ')}`, '/dev/null']
}

const shimPidFile = 'shim.pid'

/** Kills the process group of a shim whose start was never recorded in state.json. */
function stopHalfStarted(dir: string): void {
  let text: string
  try {
    text = readFileSync(join(dir, shimPidFile), 'utf8')
  } catch {
    return
  }
  const [pidText, startTime] = text.trim().split(' ')
  const pid = Number(pidText)
  if (!Number.isInteger(pid) || pid <= 1 || !isSameProcess(pid, startTime || undefined)) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
