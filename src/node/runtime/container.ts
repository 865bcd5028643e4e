// A container of the process runtime: its main process (the shim), how it is stopped, and how its
// end is read (the shim's status file; for a process that is not our child, /proc polling).
import { closeSync, fstatSync, openSync, readFileSync, readSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { parseCriLogLine } from './cri-log.js'
import { signalNumber } from './host.js'
import { groupMembers, isSameProcess } from './procfs.js'
import type { ContainerHandle, ContainerUser, ExitStatus } from './types.js'

export interface ContainerState {
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
  /**
   * Runs in its pod's sandbox (nsenter between the shim and the container's process): a stop
   * signal goes to the shim, which hands it to the container's main process, as upstream signals
   * only a container's PID 1. SIGKILL still takes the whole group.
   */
  sandboxed?: boolean
  user?: ContainerUser
}

interface ShimStatus {
  exitCode: number
  signal?: string
  reason?: string
  finishedAt: string
}

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

export class ProcessContainer implements ContainerHandle {
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
      process.kill(this.state.sandboxed && signal !== 'SIGKILL' ? this.state.pid : -this.state.pid, signal)
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
export function cannotRun(id: string, logPath: string, message: string): ContainerHandle {
  const now = new Date()
  const status: ExitStatus = { exitCode: 128, reason: 'ContainerCannotRun', startedAt: now, finishedAt: now, message }
  return { id, startedAt: now, logPath, exited: Promise.resolve(status), stop: () => Promise.resolve(status) }
}

export const ociCreateFailed = 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: '

