// Remote command streams (exec), independent of the transport: the status messages of
// remotecommand v4/v5 and the stdin/stdout/stderr/resize plumbing, then two transports —
// WebSocket channels (`v5.channel.k8s.io`, `v4.channel.k8s.io`) and SPDY streams.
import { PassThrough, Writable, type Readable } from 'node:stream'
import type { WebSocket } from 'ws'
import type { SpdyConnection, SpdyStream } from './spdy.js'

export interface ExecStreams {
  stdin: boolean
  stdout: boolean
  stderr: boolean
  tty: boolean
}

export interface TerminalSize {
  width: number
  height: number
}

/** What the command gets: the streams the client asked for, and terminal resizes. */
export interface ExecIO {
  stdin?: Readable
  stdout?: Writable
  stderr?: Writable
  resize?: AsyncIterable<TerminalSize>
}

/** The outcome of a command, as channel 3 / the error stream carries it. */
export type ExecOutcome = { exitCode: number; command: string[] } | { error: string }

/** remotecommand v4 status JSON (upstream: kubelet's v4WriteStatusFunc / the stream translator). */
export function statusMessage(outcome: ExecOutcome): string {
  if ('error' in outcome) return JSON.stringify({ metadata: {}, status: 'Failure', message: outcome.error, reason: 'InternalError', code: 500 })
  if (outcome.exitCode === 0) return JSON.stringify({ metadata: {}, status: 'Success' })
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${outcome.command.join(' ')}], exit code ${outcome.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(outcome.exitCode) }] },
  })
}

/** A queue of resize events as an async iterable (ends when closed). */
export class ResizeQueue implements AsyncIterable<TerminalSize> {
  private items: TerminalSize[] = []
  private waiting?: (r: IteratorResult<TerminalSize>) => void
  private closed = false

  push(size: TerminalSize): void {
    if (this.closed) return
    if (this.waiting) {
      const w = this.waiting
      this.waiting = undefined
      w({ value: size, done: false })
    } else this.items.push(size)
  }

  /** Parses the JSON the clients send (`{"Width":80,"Height":24}`, one or more values); ignores garbage. */
  pushJSON(text: string): void {
    for (const part of text.split(/(?<=\})\s*(?=\{)/)) {
      try {
        const v = JSON.parse(part) as { Width?: unknown; Height?: unknown }
        if (typeof v.Width === 'number' && typeof v.Height === 'number') this.push({ width: v.Width, height: v.Height })
      } catch {
        // A malformed resize is dropped, as the kubelet logs and drops it.
      }
    }
  }

  close(): void {
    this.closed = true
    this.waiting?.({ value: undefined, done: true })
    this.waiting = undefined
  }

  [Symbol.asyncIterator](): AsyncIterator<TerminalSize> {
    return {
      next: () => {
        const item = this.items.shift()
        if (item) return Promise.resolve({ value: item, done: false })
        if (this.closed) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => (this.waiting = resolve))
      },
      return: () => {
        this.close()
        return Promise.resolve({ value: undefined, done: true })
      },
    }
  }
}

export const channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const

/** A Writable that sends each chunk as one binary message prefixed with its channel byte. */
function channelWriter(ws: WebSocket, ch: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, callback) {
      if (ws.readyState !== ws.OPEN) return callback()
      ws.send(Buffer.concat([Buffer.from([ch]), chunk]), { binary: true }, () => callback())
    },
  })
}

const webSocketSettleMs = 30

/**
 * Runs a command over a WebSocket with the channel protocol: in, 0 stdin, 4 resize and (v5)
 * 255 close-stream; out, 1 stdout, 2 stderr and 3 the status, then a normal close.
 */
export async function execOverWebSocket(ws: WebSocket, version: 4 | 5, want: ExecStreams, run: (io: ExecIO) => Promise<ExecOutcome>): Promise<void> {
  const stdin = want.stdin ? new PassThrough() : undefined
  const resize = want.tty ? new ResizeQueue() : undefined
  const io: ExecIO = {
    stdin,
    stdout: want.stdout ? channelWriter(ws, channel.stdout) : undefined,
    stderr: want.stderr && !want.tty ? channelWriter(ws, channel.stderr) : undefined,
    resize,
  }
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer)
    if (!isBinary || buf.length === 0) return
    const body = buf.subarray(1)
    switch (buf[0]) {
      case channel.stdin:
        if (stdin && !stdin.writableEnded && body.length > 0 && !stdin.write(body)) {
          ws.pause()
          stdin.once('drain', () => ws.resume())
        }
        break
      case channel.resize:
        resize?.pushJSON(body.toString('utf8'))
        break
      case channel.close:
        if (version === 5 && body[0] === channel.stdin) stdin?.end()
        break
    }
  })
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()))
  ws.once('close', () => {
    stdin?.end()
    resize?.close()
  })
  ws.on('error', () => ws.terminate())

  // client-go registers its streams only after the 101 has reached it, and drops messages (even
  // the status) for a stream it has not registered yet ("Unknown stream id 3, discarding message",
  // then "closed all streams"). Upstream's API server is slower to send anything (it dials the
  // kubelet first); a command that answers at once here (an attach to a container with output
  // waiting for it) needs the same moment.
  await new Promise((r) => setTimeout(r, webSocketSettleMs))
  let outcome: ExecOutcome
  try {
    outcome = await run(io)
  } catch (err) {
    outcome = { error: err instanceof Error ? err.message : String(err) }
  }
  resize?.close()
  await Promise.all([flushed(io.stdout), flushed(io.stderr)])
  if (ws.readyState === ws.OPEN) {
    await new Promise<void>((resolve) => ws.send(Buffer.concat([Buffer.from([channel.error]), Buffer.from(statusMessage(outcome))]), { binary: true }, () => resolve()))
    ws.close(1000)
  }
  const timer = setTimeout(() => ws.terminate(), 5000)
  await closed
  clearTimeout(timer)
}

/** Resolves once everything written so far has been sent. */
function flushed(w: Writable | undefined): Promise<void> {
  if (!w || w.destroyed || w.writableFinished) return Promise.resolve()
  return new Promise((resolve) => {
    if (w.writableEnded) {
      w.once('finish', resolve).once('close', resolve)
      return
    }
    if (w.writableLength === 0) return resolve()
    w.write(Buffer.alloc(0), () => resolve())
  })
}

/**
 * Runs a command over SPDY (remotecommand v4/v5 as the kubelet serves it): the client opens an
 * error stream, then stdin, stdout, stderr and (tty) resize streams, each tagged `streamtype`.
 * Once all expected streams are there the command runs; the status goes on the error stream.
 */
export async function execOverSpdy(conn: SpdyConnection, want: ExecStreams, run: (io: ExecIO) => Promise<ExecOutcome>, timeoutMs = 30_000): Promise<void> {
  const expected = ['error', ...(want.stdin ? ['stdin'] : []), ...(want.stdout ? ['stdout'] : []), ...(want.stderr && !want.tty ? ['stderr'] : []), ...(want.tty ? ['resize'] : [])]
  const streams = new Map<string, SpdyStream>()
  const closed = new Promise<void>((resolve) => conn.on('close', () => resolve()))
  conn.on('error', () => undefined)
  const ready = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    timer.unref()
    void closed.then(() => resolve(false))
    let replied = 0
    conn.on('stream', (stream) => {
      stream.on('error', () => undefined)
      const type = stream.headers.streamtype ?? ''
      if (!expected.includes(type) || streams.has(type)) {
        stream.abort()
        return
      }
      streams.set(type, stream)
      // Start only once every SYN_REPLY is out: the client creates its streams one by one,
      // each waiting for its reply, and ignores replies that follow our GOAWAY.
      stream.respond(200, {}, () => {
        if (++replied === expected.length) {
          clearTimeout(timer)
          resolve(true)
        }
      })
    })
  })
  if (!(await ready)) {
    conn.destroyStreams()
    conn.socket.destroy()
    return
  }
  const resize = want.tty ? new ResizeQueue() : undefined
  const resizeStream = streams.get('resize')
  resizeStream?.on('data', (chunk: Buffer) => resize?.pushJSON(chunk.toString('utf8')))
  resizeStream?.on('end', () => resize?.close())
  // spdy-transport's streams are readable-stream v3 objects; hand the node core streams.
  const stdinStream = streams.get('stdin')
  const stdin = stdinStream ? new PassThrough() : undefined
  if (stdinStream && stdin) {
    stdinStream.on('data', (chunk: Buffer) => {
      if (!stdin.write(chunk)) stdinStream.pause()
    })
    stdin.on('drain', () => stdinStream.resume())
    stdinStream.on('end', () => stdin.end())
    stdinStream.on('close', () => stdin.end())
  }
  const io: ExecIO = { stdin, stdout: streams.get('stdout'), stderr: streams.get('stderr'), resize }
  let outcome: ExecOutcome
  try {
    outcome = await run(io)
  } catch (err) {
    outcome = { error: err instanceof Error ? err.message : String(err) }
  }
  resize?.close()
  for (const type of ['stdout', 'stderr'] as const) {
    const s = streams.get(type)
    if (s && !s.writableEnded) await new Promise<void>((resolve) => s.end(() => resolve()))
  }
  const errorStream = streams.get('error')!
  await new Promise<void>((resolve) => errorStream.end(statusMessage(outcome), () => resolve()))
  // The kubelet closes the connection once the status is written; the client then returns.
  conn.end()
  const timer = setTimeout(() => conn.socket.destroy(), 5000)
  timer.unref()
  await Promise.race([closed, new Promise((r) => setTimeout(r, 5000).unref())])
  clearTimeout(timer)
  conn.socket.destroy()
}
