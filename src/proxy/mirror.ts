// Mirror copies (the traffic annotation's `mirrors`, Argo Rollouts' setMirrorRoute): a whole
// request, already read from the client, is written to another endpoint on a connection of its
// own; the answer is read to its end for the measurements, then dropped. The client's request never
// waits for a copy and never fails because of one. Bounded: at most `maxInFlight` copies at once
// (more are skipped and counted), each given `timeoutMs` to answer; bodies over the HTTP mode's
// mirror limit (64 KiB) are never copied (http-session.ts).
import { connect, type Socket } from 'node:net'
import type { Backend } from './endpoints.js'
import { BodyTracker, parseResponseHead, type ResponseHead } from './http1.js'

export interface MirrorOptions {
  /** Copies in flight at once; more are skipped (default 64). */
  maxInFlight?: number
  /** Time for a copy's whole exchange (default 10 s). */
  timeoutMs?: number
}

export interface MirrorResult {
  /** The answer's status; undefined when the copy failed (connect, reset, timeout, malformed). */
  status?: number
  latencyMs: number
}

export class MirrorSender {
  private inFlight = 0
  /** Copies not sent because maxInFlight were under way. */
  skipped = 0
  private readonly maxInFlight: number
  private readonly timeoutMs: number
  private readonly sockets = new Set<Socket>()
  private closed = false

  constructor(opts: MirrorOptions = {}) {
    this.maxInFlight = opts.maxInFlight ?? 64
    this.timeoutMs = opts.timeoutMs ?? 10_000
  }

  get active(): number {
    return this.inFlight
  }

  /** Send `bytes` (one whole request) to `b`; `done` gets the outcome (never called for a skipped copy). */
  send(b: Backend, bytes: readonly Buffer[], method: string, done: (r: MirrorResult) => void): boolean {
    if (this.closed || this.inFlight >= this.maxInFlight) {
      this.skipped++
      return false
    }
    this.inFlight++
    const t0 = performance.now()
    const s = connect({ host: b.ip, port: b.port, noDelay: true })
    this.sockets.add(s)
    let settled = false
    let buf: Buffer = Buffer.alloc(0)
    let head: ResponseHead | undefined
    let body: BodyTracker | undefined
    const finish = (status?: number) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      this.inFlight--
      this.sockets.delete(s)
      s.destroy()
      done({ ...(status !== undefined ? { status } : {}), latencyMs: performance.now() - t0 })
    }
    const timer = setTimeout(() => finish(), this.timeoutMs)
    timer.unref()
    s.on('error', () => finish())
    s.on('close', () => finish(head && body?.kind === 'close' ? head.status : undefined))
    s.on('end', () => finish(head && body?.kind === 'close' ? head.status : undefined))
    s.on('connect', () => {
      for (const chunk of bytes) s.write(chunk)
    })
    s.on('data', (chunk: Buffer) => {
      try {
        if (!head) {
          buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
          for (;;) {
            const h = parseResponseHead(buf, method)
            if (h === 'more') return
            if (h === 'invalid') return finish()
            buf = buf.subarray(h.headLength)
            if (h.status >= 200) {
              head = h
              body = new BodyTracker(h.body, h.contentLength)
              break
            }
          }
          chunk = buf
        }
        body!.take(chunk)
        if (body!.done) finish(head.status)
      } catch {
        finish()
      }
    })
    return true
  }

  /** Stop sending; copies under way are cut. */
  close(): void {
    this.closed = true
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
  }
}
