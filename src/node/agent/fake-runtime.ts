// A scriptable in-memory Runtime for the agent's tests: containers run until stopped or until
// their script says they exit; every call is recorded in order.
import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { ImagePullError, type ContainerHandle, type ContainerSpec, type ExecOptions, type ExitStatus, type PulledImage, type Runtime, type SandboxSpec } from '../runtime/types.js'

export interface FakeBehaviour {
  /** Exit by itself after this long (ms). */
  exitAfterMs?: number
  exitCode?: number
  /** Log lines written at start (CRI format). */
  logs?: string[]
}

export interface FakeCall {
  op: 'pull' | 'start' | 'stop' | 'exec' | 'close'
  container?: string
  pod?: string
  image?: string
  grace?: number
  at: number
}

export class FakeContainer implements ContainerHandle {
  readonly id = `fake://${randomBytes(32).toString('hex')}`
  readonly startedAt = new Date()
  readonly exited: Promise<ExitStatus>
  private resolve!: (s: ExitStatus) => void
  private status?: ExitStatus
  private timer?: NodeJS.Timeout

  constructor(
    readonly sandbox: SandboxSpec,
    readonly spec: ContainerSpec,
    readonly logPath: string,
    behaviour: FakeBehaviour,
    private readonly onStop: (c: FakeContainer, grace: number) => void,
  ) {
    this.exited = new Promise((r) => (this.resolve = r))
    if (behaviour.exitAfterMs !== undefined) this.timer = setTimeout(() => this.exit(behaviour.exitCode ?? 0), behaviour.exitAfterMs)
  }

  get running(): boolean {
    return !this.status
  }

  exit(exitCode: number, signal?: string): void {
    if (this.status) return
    clearTimeout(this.timer)
    this.status = { exitCode, signal, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: this.startedAt, finishedAt: new Date() }
    this.resolve(this.status)
  }

  stop(graceSeconds: number): Promise<ExitStatus> {
    if (!this.status) this.onStop(this, graceSeconds)
    this.exit(143, 'SIGTERM')
    return this.exited
  }
}

export class FakeRuntime implements Runtime {
  readonly name = 'sim' as const
  readonly version = 'fake://1.0'
  readonly calls: FakeCall[] = []
  readonly containers: FakeContainer[] = []
  /** Images that fail to pull. */
  readonly missing = new Set<string>()
  behaviour: (sandbox: SandboxSpec, spec: ContainerSpec) => FakeBehaviour = () => ({})
  execExitCode: (command: string[]) => number = () => 0
  leftovers: { podUid: string; container: string; handle: ContainerHandle }[] = []

  async pullImage(image: string): Promise<PulledImage> {
    this.calls.push({ op: 'pull', image, at: Date.now() })
    if (this.missing.has(image)) throw new ImagePullError(image, `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/${image}": not found`)
    return { imageID: `${image.split(':')[0]}@sha256:${'ab'.repeat(32)}`, size: 4242 }
  }

  async startContainer(sandbox: SandboxSpec, spec: ContainerSpec): Promise<ContainerHandle> {
    this.calls.push({ op: 'start', container: spec.name, pod: sandbox.podName, at: Date.now() })
    const logPath = join(sandbox.logDir, spec.name, `${spec.restartCount}.log`)
    const behaviour = this.behaviour(sandbox, spec)
    mkdirSync(dirname(logPath), { recursive: true })
    appendFileSync(logPath, (behaviour.logs ?? []).map((l, i) => `2026-01-01T00:00:0${Math.min(i, 9)}.000000001Z stdout F ${l}\n`).join(''))
    const c = new FakeContainer(sandbox, spec, logPath, behaviour, (x, grace) => this.calls.push({ op: 'stop', container: x.spec.name, pod: x.sandbox.podName, grace, at: Date.now() }))
    this.containers.push(c)
    return c
  }

  async exec(sandbox: SandboxSpec, container: ContainerSpec, command: string[], opts: ExecOptions): Promise<number> {
    this.calls.push({ op: 'exec', container: container.name, pod: sandbox.podName, at: Date.now() })
    opts.stdout?.write(`ran ${command.join(' ')}\n`)
    return this.execExitCode(command)
  }

  async listRunning() {
    return this.leftovers
  }

  async close(graceSeconds: number): Promise<void> {
    this.calls.push({ op: 'close', grace: graceSeconds, at: Date.now() })
    await Promise.all(this.containers.filter((c) => c.running).map((c) => c.stop(graceSeconds)))
  }

  running(pod?: string): FakeContainer[] {
    return this.containers.filter((c) => c.running && (!pod || c.sandbox.podName === pod))
  }
}
