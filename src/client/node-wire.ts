// How the API server reaches a node agent in another process (upstream: the kubelet's HTTPS
// server on :10250 and the API server's kubelet client): HTTPS with client certificates both ways
// of trust (the agent accepts only the API server's certificate, signed by the cluster CA). Logs
// and resource figures are plain GETs; exec, attach and port-forward upgrade the connection:
// port-forward to raw bytes, exec and attach to frames of [type u8][length u32][payload].
import { request, type Agent as HttpsAgent } from 'node:https'
import type { IncomingMessage } from 'node:http'
import type { Duplex, Readable } from 'node:stream'
import { NodeError, type AttachRequest, type ExecRequest, type LogOptions, type NodeConnection, type NodeResourceUsage, type PodRef } from './node-connection.js'

export const upgradeProtocol = 'kubelite-node-stream'

export const frame = { stdin: 0, stdout: 1, stderr: 2, result: 3, resize: 4, stdinEnd: 5 } as const

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload
  const head = Buffer.alloc(5)
  head[0] = type
  head.writeUInt32BE(body.length, 1)
  return Buffer.concat([head, body])
}

/** Splits a byte stream into frames; `onFrame` gets each whole one. */
export function frameReader(onFrame: (type: number, payload: Buffer) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0)
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(1)
      if (buf.length < 5 + len) break
      onFrame(buf[0], buf.subarray(5, 5 + len))
      buf = buf.subarray(5 + len)
    }
  }
}

/** A command's end as the agent reports it: its exit code, or the node's refusal. */
export type Outcome = { code: number } | { error: { code: number; message: string } }

function podPath(pod: PodRef): string {
  return `${encodeURIComponent(pod.namespace)}/${encodeURIComponent(pod.name)}`
}

export interface RemoteNode {
  host: string
  port: number
  /** TLS options (the API server's client certificate) and the connection pool. */
  agent: HttpsAgent
}

/** The API server's side: a NodeConnection that calls the agent at `locate()`'s address. */
export class RemoteNodeConnection implements NodeConnection {
  constructor(private readonly locate: () => Promise<RemoteNode>) {}

  private async open(path: string, upgrade: boolean, signal?: AbortSignal): Promise<{ res: IncomingMessage } | { socket: Duplex }> {
    const { host, port, agent } = await this.locate()
    return new Promise((resolve, reject) => {
      const req = request({ host, port, path, method: 'GET', agent: upgrade ? false : agent, ...(upgrade ? agentTLS(agent) : {}), headers: upgrade ? { Connection: 'Upgrade', Upgrade: upgradeProtocol } : {} })
      const onAbort = () => req.destroy(new NodeError(500, 'the request was cancelled'))
      signal?.addEventListener('abort', onAbort, { once: true })
      req.once('error', (err) => reject(err instanceof NodeError ? err : new NodeError(500, `error dialing backend: ${(err as Error).message}`)))
      req.once('upgrade', (_res, socket, head) => {
        if (head.length) socket.unshift(head)
        resolve({ socket })
      })
      req.once('response', (res) => {
        if (res.statusCode === 200) return resolve({ res })
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => reject(new NodeError(res.statusCode ?? 500, text.trim())))
        res.on('error', reject)
      })
      req.end()
    })
  }

  async logs(pod: PodRef, o: LogOptions): Promise<Readable> {
    const q = new URLSearchParams()
    if (pod.uid) q.set('uid', pod.uid)
    if (o.follow) q.set('follow', 'true')
    if (o.previous) q.set('previous', 'true')
    if (o.timestamps) q.set('timestamps', 'true')
    if (o.tailLines !== undefined) q.set('tailLines', String(o.tailLines))
    if (o.sinceSeconds !== undefined) q.set('sinceSeconds', String(o.sinceSeconds))
    if (o.sinceTime !== undefined) q.set('sinceTime', o.sinceTime)
    if (o.limitBytes !== undefined) q.set('limitBytes', String(o.limitBytes))
    const r = await this.open(`/containerLogs/${podPath(pod)}/${encodeURIComponent(o.container)}?${q}`, false, o.signal)
    return (r as { res: IncomingMessage }).res
  }

  private async command(kind: 'exec' | 'attach', pod: PodRef, req: AttachRequest & { command?: string[] }): Promise<number> {
    const q = new URLSearchParams()
    if (pod.uid) q.set('uid', pod.uid)
    for (const c of req.command ?? []) q.append('command', c)
    if (req.stdin) q.set('stdin', 'true')
    if (req.stdout) q.set('stdout', 'true')
    if (req.stderr) q.set('stderr', 'true')
    if (req.tty) q.set('tty', 'true')
    const { socket } = (await this.open(`/${kind}/${podPath(pod)}/${encodeURIComponent(req.container)}?${q}`, true, req.signal)) as { socket: Duplex }
    return new Promise<number>((resolve, reject) => {
      let outcome: Outcome | undefined
      const onAbort = () => socket.destroy()
      req.signal?.addEventListener('abort', onAbort, { once: true })
      socket.on(
        'data',
        frameReader((type, payload) => {
          if (type === frame.stdout) req.stdout?.write(payload)
          else if (type === frame.stderr) req.stderr?.write(payload)
          else if (type === frame.result) outcome = JSON.parse(payload.toString('utf8')) as Outcome
        }),
      )
      socket.once('close', () => {
        req.signal?.removeEventListener('abort', onAbort)
        if (!outcome) return reject(new NodeError(500, 'error: the connection to the node agent was lost'))
        if ('error' in outcome) return reject(new NodeError(outcome.error.code, outcome.error.message))
        resolve(outcome.code)
      })
      socket.on('error', () => undefined)
      if (req.stdin) {
        req.stdin.on('data', (c: Buffer | string) => socket.write(encodeFrame(frame.stdin, typeof c === 'string' ? Buffer.from(c) : c)))
        req.stdin.once('end', () => socket.write(encodeFrame(frame.stdinEnd)))
      }
      if (req.resize) {
        void (async () => {
          for await (const size of req.resize!) if (!socket.destroyed) socket.write(encodeFrame(frame.resize, JSON.stringify(size)))
        })().catch(() => undefined)
      }
    })
  }

  exec(pod: PodRef, req: ExecRequest): Promise<number> {
    return this.command('exec', pod, req)
  }

  async attach(pod: PodRef, req: AttachRequest): Promise<void> {
    await this.command('attach', pod, req)
  }

  async portForward(pod: PodRef, port: number): Promise<Duplex> {
    const q = new URLSearchParams({ port: String(port) })
    if (pod.uid) q.set('uid', pod.uid)
    const { socket } = (await this.open(`/portForward/${podPath(pod)}?${q}`, true)) as { socket: Duplex }
    return socket
  }

  async resourceUsage(): Promise<NodeResourceUsage> {
    const { res } = (await this.open('/stats/usage', false)) as { res: IncomingMessage }
    let text = ''
    for await (const c of res) text += String(c)
    return JSON.parse(text) as NodeResourceUsage
  }
}

/** An upgraded request uses a connection of its own, with the pooled agent's TLS options. */
function agentTLS(agent: HttpsAgent): Record<string, unknown> {
  const o = (agent as unknown as { options: Record<string, unknown> }).options
  return { cert: o.cert, key: o.key, ca: o.ca, rejectUnauthorized: o.rejectUnauthorized, servername: o.servername }
}
