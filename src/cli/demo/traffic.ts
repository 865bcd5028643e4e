// The demo's clients of the Service: `curl`-like single requests, and a background client that
// keeps sending requests (a new connection each, and over one kept-alive connection) and counts
// the answers by app version and the failures.
import { Agent, request } from 'node:http'

/** The app version an answer names: `v=2` (kubernetes-bootcamp), `v0.2` (simple-container-app), `blue` (rollouts-demo's `/color`). */
export function versionOf(body: string): string | undefined {
  const color = /^"([a-z]+)"\s*$/.exec(body)
  if (color) return color[1]
  const bootcamp = /\| v=(\d+)\s*$/.exec(body)
  if (bootcamp) return `v=${bootcamp[1]}`
  const app = /"app version":"([^"]+)"/.exec(body)
  return app?.[1]
}

export interface Answer {
  ok: boolean
  /** The body (first line), or the error. */
  text: string
  version?: string
}

/** One GET of `url`, bounded in time; never throws. */
export function get(url: string, agent?: Agent, timeoutMs = 5000): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { agent: agent ?? false, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => {
        const ok = res.statusCode === 200
        resolve({ ok, text: ok ? body.trimEnd() : `HTTP ${res.statusCode}`, version: ok ? versionOf(body) : undefined })
      })
      res.on('error', (err) => resolve({ ok: false, text: err.message }))
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', (err) => resolve({ ok: false, text: (err as NodeJS.ErrnoException).code ?? err.message }))
    req.end()
  })
}

export interface Tally {
  requests: number
  failed: number
  byVersion: Map<string, number>
  /** The first few failures, for the summary. */
  errors: string[]
}

export const emptyTally = (): Tally => ({ requests: 0, failed: 0, byVersion: new Map(), errors: [] })

export function count(t: Tally, a: Answer): void {
  t.requests++
  if (!a.ok) {
    t.failed++
    if (t.errors.length < 5) t.errors.push(a.text)
    return
  }
  const v = a.version ?? '?'
  t.byVersion.set(v, (t.byVersion.get(v) ?? 0) + 1)
}

/**
 * Two loops against `url` until stopped: one opens a new connection per request, one keeps a
 * connection alive, each at most `perSecond` requests a second (bounded load). Counting starts
 * with the first answer: the client starts right after `kubectl apply`, and until a pod is ready
 * the Service has no endpoint and refuses connections, as upstream's does — that is not a rollout
 * dropping requests.
 */
export class BackgroundClient {
  /** Both loops together. */
  readonly tally = emptyTally()
  /** Each loop on its own: a new connection per request, and one kept-alive connection. */
  readonly fresh = emptyTally()
  readonly keptAlive = emptyTally()
  private stopped = false
  /** Some answer has come: from now on every request counts. */
  private serving = false
  private readonly loops: Promise<void>[] = []
  private readonly keepAlive = new Agent({ keepAlive: true, maxSockets: 1 })

  constructor(
    private readonly url: string,
    private readonly perSecond = 20,
  ) {}

  start(): this {
    this.loops.push(this.loop(undefined, this.fresh), this.loop(this.keepAlive, this.keptAlive))
    return this
  }

  private async loop(agent: Agent | undefined, own: Tally): Promise<void> {
    const gap = 1000 / this.perSecond
    while (!this.stopped) {
      const t0 = Date.now()
      const a = await get(this.url, agent)
      if (a.ok) this.serving = true
      if (this.serving) {
        count(this.tally, a)
        count(own, a)
      }
      const wait = gap - (Date.now() - t0)
      if (wait > 0 && !this.stopped) await new Promise((r) => setTimeout(r, wait))
    }
  }

  async stop(): Promise<Tally> {
    this.stopped = true
    await Promise.all(this.loops)
    this.keepAlive.destroy()
    return this.tally
  }
}
