// /healthz, /livez and /readyz as kube-apiserver serves them (k8s.io/apiserver/pkg/server/healthz):
// a list of named checks; `ok` (200) when all pass, else 500 with every check's line and
// "<endpoint> check failed"; `?verbose` lists the lines on success too; `?exclude=NAME` skips a
// check ("[+]NAME excluded: ok"); `/readyz/NAME` runs one check ("ok", or 500 "internal server
// error: <reason>"). The public root never says why a check failed ("reason withheld"): the
// reason is only in the log and in the per-check path.
//
// Checks (kube-apiserver 1.32, in its order): ping, log, etcd (the store answers a read within
// 2 s, --etcd-healthcheck-timeout), on /readyz also etcd-readiness (the same read,
// --etcd-readycheck-timeout) and then the server's own readiness gates (post-start hooks, the
// first node, shutdown).
import type { Store } from '../store/types.js'

export type HealthEndpoint = 'healthz' | 'livez' | 'readyz'

export interface HealthCheck {
  name: string
  /** Resolves when healthy; rejects (or resolves with a reason) when not. */
  check(): Promise<string | undefined | void>
}

/** A readiness gate the server reports on /readyz after the standard checks. */
export interface ReadinessGate {
  name: string
  ok: boolean
  reason?: string
}

export const storeHealthTimeoutMs = 2000

/**
 * The store's health: a read of `/registry/health` (kube-apiserver reads `/registry/health` from
 * etcd, a linearizable read that needs a quorum) within the timeout.
 */
export function storeCheck(store: Store, timeoutMs = storeHealthTimeoutMs): () => Promise<string | undefined> {
  return async () => {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('error getting data from etcd: context deadline exceeded'), timeoutMs)
    })
    try {
      return await Promise.race([
        store.get('/registry/health').then(
          () => undefined,
          (err: unknown) => `error getting data from etcd: ${err instanceof Error ? err.message : String(err)}`,
        ),
        timeout,
      ])
    } finally {
      clearTimeout(timer)
    }
  }
}

/** The checks of one endpoint, in kube-apiserver's order. */
export function standardChecks(endpoint: HealthEndpoint, store: Store | undefined): HealthCheck[] {
  const ok = async () => undefined
  const etcd = store ? storeCheck(store) : ok
  const checks: HealthCheck[] = [
    { name: 'ping', check: ok },
    { name: 'log', check: ok },
    { name: 'etcd', check: etcd },
  ]
  if (endpoint === 'readyz') checks.push({ name: 'etcd-readiness', check: etcd })
  return checks
}

export interface HealthAnswer {
  code: number
  body: string
}

function failure(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Answer `/<endpoint>` (sub undefined) or `/<endpoint>/<sub>`; undefined when `sub` names no
 * check (a 404 for the caller). `logFailed` hears the reasons the public answer withholds.
 */
export async function answerHealth(
  endpoint: HealthEndpoint,
  sub: string | undefined,
  params: URLSearchParams,
  checks: HealthCheck[],
  gates: ReadinessGate[],
  logFailed?: (message: string) => void,
): Promise<HealthAnswer | undefined> {
  const all: HealthCheck[] = [...checks, ...gates.map((g) => ({ name: g.name, check: async () => (g.ok ? undefined : (g.reason ?? 'not ready')) }))]
  const run = async (c: HealthCheck): Promise<string | undefined> => {
    try {
      return (await c.check()) || undefined
    } catch (err) {
      return failure(err)
    }
  }
  if (sub !== undefined) {
    const c = all.find((x) => x.name === sub)
    if (!c) return undefined
    const reason = await run(c)
    return reason === undefined ? { code: 200, body: 'ok' } : { code: 500, body: `internal server error: ${reason}\n` }
  }
  const excluded = new Set(params.getAll('exclude'))
  const results = await Promise.all(all.map(async (c) => (excluded.has(c.name) ? 'excluded' : run(c))))
  let lines = ''
  const failed: string[] = []
  let reasons = ''
  for (const [i, c] of all.entries()) {
    const r = results[i]
    if (r === 'excluded') {
      excluded.delete(c.name)
      lines += `[+]${c.name} excluded: ok\n`
    } else if (r === undefined) {
      lines += `[+]${c.name} ok\n`
    } else {
      lines += `[-]${c.name} failed: reason withheld\n`
      reasons += `[-]${c.name} failed: ${r}\n`
      failed.push(c.name)
    }
  }
  if (excluded.size > 0) lines += `warn: some health checks cannot be excluded: no matches for ${[...excluded].sort().map((n) => `"${n}"`).join(',')}\n`
  if (failed.length > 0) {
    logFailed?.(`${failed.join(',')} check failed: ${endpoint}\n${reasons}`)
    return { code: 500, body: `${lines}${endpoint} check failed\n` }
  }
  return { code: 200, body: params.has('verbose') ? `${lines}${endpoint} check passed\n` : 'ok' }
}
