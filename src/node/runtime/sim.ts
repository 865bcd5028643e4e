// The `sim` runtime (like kwok): no processes. A container "starts" after a fixed delay and runs
// until it is stopped; stopping takes no time. Everything is deterministic and cheap: one timer
// per starting container, nothing per running one, so thousands fit on two cores.
//
// Image rule (documented, so ErrImagePull is testable here too):
//   - a reference naming a built-in image resolves as with the process runtime, and a built-in
//     repository with an unknown tag fails the same way (kubernetes-bootcamp:v10, nginx:1.161);
//   - an unparsable reference fails with the parse error;
//   - any other reference pulls, unless its repository or tag contains "doesnotexist" or
//     "notfound", which fail with containerd's "not found" message.
// exec knows a few commands: env, printenv, echo, hostname, true, false, cat (stdin to stdout).
import { createHash } from 'node:crypto'
import { mkdir, open } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { parseImageReference } from '../../lib/image-reference.js'
import { containerEnv, runtimeVersion } from './process.js'
import {
  ImagePullError,
  type ContainerHandle,
  type ContainerSpec,
  type ContainerUsage,
  type ExecOptions,
  type ExitStatus,
  type ImageSource,
  type PulledImage,
  type Runtime,
  type SandboxSpec,
} from './types.js'

export interface SimRuntimeOptions {
  /** The images it knows (cli/ passes images/'s built-in ones): the image rule above. */
  images: ImageSource
  /** Time from startContainer to "running", ms. Default 100. */
  startDelayMs?: number
  /** Create each container's (empty) log file so `kubectl logs` finds one. Default true. */
  writeLogFiles?: boolean
}

/** The sim image rule (see the file comment): undefined when the pull succeeds, else the error text. */
export function simPullError(image: string, images: ImageSource): string | undefined {
  const parsed = parseImageReference(image)
  if (!parsed.ok) return images.imagePullErrorMessage(image)
  if (images.resolveImage(image)) return undefined
  if (images.isBuiltinRepository(parsed.ref.repository) || /doesnotexist|notfound/.test(`${parsed.ref.path}:${parsed.ref.tag ?? ''}`)) {
    const n = parsed.ref.normalized
    return `rpc error: code = NotFound desc = failed to pull and unpack image "${n}": failed to resolve reference "${n}": ${n}: not found`
  }
  return undefined
}

class SimContainer implements ContainerHandle {
  readonly exited: Promise<ExitStatus>
  private resolveExit!: (s: ExitStatus) => void
  private done: ExitStatus | undefined

  constructor(
    readonly id: string,
    readonly startedAt: Date,
    readonly logPath: string,
    private readonly onGone: (c: SimContainer) => void,
  ) {
    this.exited = new Promise((r) => (this.resolveExit = r))
  }

  stop(_graceSeconds: number): Promise<ExitStatus> {
    if (!this.done) {
      this.done = { exitCode: 0, reason: 'Completed', startedAt: this.startedAt, finishedAt: new Date() }
      this.onGone(this)
      this.resolveExit(this.done)
    }
    return this.exited
  }
}

export class SimRuntime implements Runtime {
  readonly name = 'sim' as const
  readonly version = `kubelite-sim://${runtimeVersion}`
  private readonly running = new Set<SimContainer>()
  /** Containers still in their start-up delay: the timer and how to cut it short. */
  private readonly starting = new Map<NodeJS.Timeout, () => void>()
  private readonly startDelayMs: number
  private readonly writeLogFiles: boolean
  private readonly madeDirs = new Set<string>()
  private readonly images: ImageSource
  private closed = false

  constructor(opts: SimRuntimeOptions) {
    if (!opts?.images) throw new Error('SimRuntime: images is required')
    this.images = opts.images
    this.startDelayMs = Math.max(0, opts.startDelayMs ?? 100)
    this.writeLogFiles = opts.writeLogFiles ?? true
  }

  async pullImage(image: string): Promise<PulledImage> {
    const error = simPullError(image, this.images)
    if (error !== undefined) throw new ImagePullError(image, error)
    const builtin = this.images.resolveImage(image)
    if (builtin) return { imageID: builtin.imageID, size: builtin.size }
    const parsed = parseImageReference(image)
    const repository = parsed.ok ? parsed.ref.repository : image
    const digest = parsed.ok && parsed.ref.digest ? parsed.ref.digest : `sha256:${createHash('sha256').update(`kubelite-sim:${image}`).digest('hex')}`
    return { imageID: `${repository}@${digest}`, size: 1_000_000 }
  }

  async startContainer(sandbox: SandboxSpec, container: ContainerSpec): Promise<ContainerHandle> {
    if (this.closed) throw new Error('SimRuntime: closed')
    const error = simPullError(container.image, this.images)
    if (error !== undefined) throw new ImagePullError(container.image, error)
    if (this.startDelayMs > 0) {
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          this.starting.delete(t)
          r()
        }, this.startDelayMs)
        this.starting.set(t, r)
      })
      if (this.closed) throw new Error('SimRuntime: closed')
    }
    const logPath = join(sandbox.logDir, container.name, `${container.restartCount}.log`)
    if (this.writeLogFiles) {
      // Asynchronous: thousands of sim pods must not stall the one event loop on disk I/O.
      const dir = dirname(logPath)
      if (!this.madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true })
        this.madeDirs.add(dir)
      }
      await (await open(logPath, 'a')).close()
    }
    // Deterministic ids: the same pod, container and restart count always get the same one.
    const id = createHash('sha256').update(`${sandbox.podUid}/${container.name}/${container.restartCount}`).digest('hex')
    const c = new SimContainer(`sim://${id}`, new Date(), logPath, (x) => this.running.delete(x))
    this.running.add(c)
    return c
  }

  async exec(sandbox: SandboxSpec, container: ContainerSpec, command: string[], opts: ExecOptions): Promise<number> {
    const env = containerEnv(sandbox, container, this.images.resolveImage(container.image))
    const out = (s: string) => opts.stdout?.write(opts.tty ? s.replace(/\n/g, '\r\n') : s)
    const [cmd, ...args] = command
    switch (cmd) {
      case 'env':
        out(Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''))
        return 0
      case 'printenv':
        if (args.length === 0) {
          out(Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''))
          return 0
        }
        for (const a of args) if (env[a] !== undefined) out(`${env[a]}\n`)
        return args.every((a) => env[a] !== undefined) ? 0 : 1
      case 'echo':
        out(`${args.join(' ')}\n`)
        return 0
      case 'hostname':
        out(`${env.HOSTNAME}\n`)
        return 0
      case 'true':
        return 0
      case 'false':
        return 1
      case 'cat':
        if (opts.stdin) for await (const chunk of opts.stdin) opts.stdout?.write(chunk as Buffer)
        return 0
      default:
        throw new Error(`OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd ?? ''}": executable file not found in $PATH: unknown`)
    }
  }

  /** No processes, so nothing used: `kubectl top` lists sim pods at 0m and 0Mi (the HPA sees 0%). */
  measure(handles: ContainerHandle[]): (ContainerUsage | undefined)[] {
    return handles.map(() => ({ cpuSeconds: 0, memoryBytes: 0 }))
  }

  async listRunning(): Promise<{ podUid: string; container: string; handle: ContainerHandle }[]> {
    // Simulated containers do not outlive the agent: nothing to adopt.
    return []
  }

  async close(_graceSeconds: number): Promise<void> {
    this.closed = true
    for (const [t, wake] of this.starting) {
      clearTimeout(t)
      wake()
    }
    this.starting.clear()
    for (const c of [...this.running]) await c.stop(0)
  }
}
