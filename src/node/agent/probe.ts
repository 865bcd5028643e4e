// Probes (upstream pkg/kubelet/prober): running one probe (httpGet, tcpSocket, exec) with the
// upstream result texts, and the pure threshold logic that turns results into a state.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import type { Container, Probe } from 'kubernetes-types/core/v1.js'

export interface ProbeOutcome {
  ok: boolean
  output: string
}

/** Probe result state (upstream worker: lastResult + resultRun). */
export interface ProbeState {
  /** Current published result (undefined: unknown yet). */
  result: boolean | undefined
  lastResult: boolean | undefined
  run: number
}

export const initialProbeState = (kind: 'readiness' | 'liveness' | 'startup'): ProbeState => ({
  // Readiness starts as failure, liveness as success, startup as unknown.
  result: kind === 'readiness' ? false : kind === 'liveness' ? true : undefined,
  lastResult: undefined,
  run: 0,
})

/** The next state after one probe outcome: the result flips only after successThreshold / failureThreshold in a row. */
export function nextProbeState(state: ProbeState, ok: boolean, probe: Probe): ProbeState {
  const run = state.lastResult === ok ? state.run + 1 : 1
  const threshold = ok ? (probe.successThreshold ?? 1) : (probe.failureThreshold ?? 3)
  const result = run >= threshold ? ok : state.result
  return { result, lastResult: ok, run }
}

/** Resolve a named port against the container's ports. */
export function resolvePort(port: number | string | undefined, c: Container): number | { error: string } {
  if (typeof port === 'number') return port
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port)
  const found = (c.ports ?? []).find((p) => p.name === port)
  if (found) return found.containerPort
  return { error: `couldn't find port: ${port} in container ${c.name}` }
}

export interface ProbeTarget {
  podIP: string
  container: Container
  /** Run a command in the container; output is stdout and stderr combined. */
  exec(command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string; timedOut?: boolean }>
}

const maxBody = 10 * 1024
const noAddress = 'pod has no IP address yet'

function httpProbe(p: NonNullable<Probe['httpGet']>, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(p.port as number | string, t.container)
  if (typeof port !== 'number') return Promise.resolve({ ok: false, output: port.error })
  const scheme = (p.scheme ?? 'HTTP').toLowerCase()
  const host = p.host || t.podIP
  let path = p.path ?? ''
  if (path && !path.startsWith('/')) path = '/' + path
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`
  // A probe never throws: a pod without an address yet, or a host no URL can hold, is a failure.
  if (!host) return Promise.resolve({ ok: false, output: noAddress })
  if (!URL.canParse(url)) return Promise.resolve({ ok: false, output: `Get "${url}": parse "${url}": invalid URL` })
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' }
  for (const h of p.httpHeaders ?? []) headers[h.name] = h.value
  return new Promise((resolve) => {
    let done = false
    const finish = (o: ProbeOutcome) => {
      if (done) return
      done = true
      clearTimeout(timer)
      req.destroy()
      resolve(o)
    }
    const fn = scheme === 'https' ? httpsRequest : httpRequest
    const req = fn(url, { method: 'GET', headers, rejectUnauthorized: false, agent: false })
    const timer = setTimeout(() => finish({ ok: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` }), timeoutMs)
    req.on('response', (res) => {
      const code = res.statusCode ?? 0
      let body = ''
      res.on('data', (d: Buffer) => {
        if (body.length < maxBody) body += d.toString('utf8').slice(0, maxBody - body.length)
      })
      res.on('end', () => {
        if (code >= 200 && code < 400) finish({ ok: true, output: body })
        else finish({ ok: false, output: `HTTP probe failed with statuscode: ${code}` })
      })
      res.on('error', () => finish({ ok: code >= 200 && code < 400, output: body }))
    })
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, output: `Get "${url}": ${dialError(host, port, err)}` }))
    req.end()
  })
}

/** Go's net.Dial error text for common failures. */
function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`
    case 'ETIMEDOUT':
      return `dial tcp ${addr}: i/o timeout`
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`
    case 'EADDRNOTAVAIL':
      return `dial tcp ${addr}: connect: cannot assign requested address`
    case 'ECONNRESET':
      return `read tcp ${addr}: read: connection reset by peer`
    default:
      return err.message
  }
}

function tcpProbe(p: NonNullable<Probe['tcpSocket']>, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(p.port as number | string, t.container)
  if (typeof port !== 'number') return Promise.resolve({ ok: false, output: port.error })
  const host = p.host || t.podIP
  if (!host) return Promise.resolve({ ok: false, output: noAddress })
  if (!Number.isInteger(port) || port < 1 || port > 65535) return Promise.resolve({ ok: false, output: `dial tcp ${host}:${port}: invalid port` })
  return new Promise((resolve) => {
    const sock = connect({ host, port })
    const timer = setTimeout(() => {
      sock.destroy()
      resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` })
    }, timeoutMs)
    sock.once('connect', () => {
      clearTimeout(timer)
      sock.destroy()
      resolve({ ok: true, output: '' })
    })
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      resolve({ ok: false, output: dialError(host, port, err) })
    })
  })
}

async function execProbe(p: NonNullable<Probe['exec']>, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const command = p.command ?? []
  try {
    const r = await t.exec(command, timeoutMs)
    if (r.timedOut) return { ok: false, output: `command "${command.join(' ')}" timed out` }
    return { ok: r.exitCode === 0, output: r.output }
  } catch (err) {
    return { ok: false, output: (err as Error).message }
  }
}

/** Run one probe. Never throws. */
/** Runs one probe. Never rejects: whatever goes wrong is a failed probe with its reason, as the kubelet's. */
export async function runProbe(probe: Probe, t: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000
  try {
    if (probe.httpGet) return await httpProbe(probe.httpGet, t, timeoutMs)
    if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket, t, timeoutMs)
    if (probe.exec) return await execProbe(probe.exec, t, timeoutMs)
  } catch (err) {
    return { ok: false, output: (err as Error).message }
  }
  // gRPC probes are not supported by the local runtimes: treat as passing rather than killing.
  return { ok: true, output: '' }
}

/** A Writable collecting up to `max` bytes (exec output). */
export function collector(max = maxBody): { stream: Writable; text(): string } {
  const chunks: Buffer[] = []
  let size = 0
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (size < max) {
        chunks.push(chunk.subarray(0, max - size))
        size += chunk.length
      }
      cb()
    },
  })
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') }
}
