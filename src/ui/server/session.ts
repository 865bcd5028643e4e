// The dashboard's log-in: `kubelite up` (and `kubelite dashboard`) print a URL carrying a one-time
// token; opening it trades the token for a session, kept in an HttpOnly cookie. Sessions live in
// memory: a restart of the cluster logs everyone out, and a new URL logs in again.
import { randomBytes, timingSafeEqual } from 'node:crypto'

export interface SessionOptions {
  /** How long a printed token stays redeemable (ms). */
  tokenTtlMs?: number
  /** How long a session lasts without a request (ms). */
  idleMs?: number
  /** At most this many unredeemed tokens are kept; minting more drops the oldest. */
  maxTokens?: number
  now?: () => number
  random?: () => string
}

const defaults = { tokenTtlMs: 24 * 3600_000, idleMs: 12 * 3600_000, maxTokens: 16 }

export class Sessions {
  private readonly tokens = new Map<string, number>() // token → expiry
  private readonly sessions = new Map<string, number>() // session id → last use
  private readonly opts: Required<SessionOptions>

  constructor(opts: SessionOptions = {}) {
    this.opts = { ...defaults, now: Date.now, random: () => randomBytes(24).toString('base64url'), ...opts }
  }

  /** A new one-time token for a printed URL. */
  mintToken(): string {
    this.sweep()
    while (this.tokens.size >= this.opts.maxTokens) this.tokens.delete(this.tokens.keys().next().value!)
    const t = this.opts.random()
    this.tokens.set(t, this.opts.now() + this.opts.tokenTtlMs)
    return t
  }

  /** Trades a token for a new session id; a token works once, and not after it expires. */
  redeem(token: string): string | undefined {
    this.sweep()
    for (const [t] of this.tokens) {
      if (!equal(t, token)) continue
      this.tokens.delete(t)
      const id = this.opts.random()
      this.sessions.set(id, this.opts.now())
      return id
    }
    return undefined
  }

  /** Whether this session id is live; a use extends it. */
  check(id: string | undefined): boolean {
    if (!id) return false
    const last = this.sessions.get(id)
    if (last === undefined) return false
    const now = this.opts.now()
    if (now - last > this.opts.idleMs) {
      this.sessions.delete(id)
      return false
    }
    this.sessions.set(id, now)
    return true
  }

  end(id: string): void {
    this.sessions.delete(id)
  }

  private sweep(): void {
    const now = this.opts.now()
    for (const [t, exp] of this.tokens) if (exp <= now) this.tokens.delete(t)
    for (const [id, last] of this.sessions) if (now - last > this.opts.idleMs) this.sessions.delete(id)
  }
}

/** Constant-time string comparison (lengths may differ). */
export function equal(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The session cookie's name. Cookies are shared across ports of one host, so each dashboard port has its own. */
export const cookieName = (port: number): string => `kubelite-dashboard-${port}`

export function sessionCookie(port: number, id: string): string {
  return `${cookieName(port)}=${id}; Path=/; HttpOnly; SameSite=Strict`
}

/** One cookie's value from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return undefined
}
