// Queries for names outside the cluster go to the host's resolvers (CoreDNS's `forward` plugin):
// over the transport the client used (a truncated UDP answer goes back as it is, and the client
// asks again over TCP), with a fresh id per exchange, one resolver after another until one answers.
import { randomInt } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { connect, isIP } from 'node:net'
import type { Upstream } from './resolvconf.js'
import { responseHeader, withId } from './wire.js'

export type Transport = 'udp' | 'tcp'

export interface ForwardOptions {
  /** Per resolver and attempt (CoreDNS's forward reads for 2 s). */
  timeoutMs?: number
}

/** One exchange with one resolver: the answer with the query's id, or a rejection (timeout, refused, bad answer). */
export function exchange(query: Buffer, upstream: Upstream, transport: Transport, timeoutMs: number): Promise<Buffer> {
  const id = query.readUInt16BE(0)
  return transport === 'udp' ? exchangeUdp(query, id, upstream, timeoutMs) : exchangeTcp(query, id, upstream, timeoutMs)
}

function exchangeUdp(query: Buffer, id: number, upstream: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(upstream.host) === 6 ? 'udp6' : 'udp4')
    const timer = setTimeout(() => finish(new Error(`no answer from ${upstream.host}:${upstream.port} within ${timeoutMs} ms`)), timeoutMs)
    const finish = (err: Error | undefined, msg?: Buffer) => {
      clearTimeout(timer)
      socket.close()
      if (err) reject(err)
      else resolve(msg!)
    }
    socket.on('error', (err) => finish(err))
    socket.on('message', (msg, rinfo) => {
      const h = responseHeader(msg)
      // Only the resolver's answer to this id: anything else is someone else's (or spoofed).
      if (!h || !h.qr || h.id !== id || rinfo.port !== upstream.port) return
      finish(undefined, msg)
    })
    socket.connect(upstream.port, upstream.host, () => socket.send(query))
  })
}

function exchangeTcp(query: Buffer, id: number, upstream: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: upstream.host, port: upstream.port })
    let buf = Buffer.alloc(0)
    const timer = setTimeout(() => finish(new Error(`no answer from ${upstream.host}:${upstream.port} within ${timeoutMs} ms`)), timeoutMs)
    const finish = (err: Error | undefined, msg?: Buffer) => {
      clearTimeout(timer)
      socket.destroy()
      if (err) reject(err)
      else resolve(msg!)
    }
    socket.on('error', (err) => finish(err))
    socket.on('close', () => finish(new Error(`${upstream.host}:${upstream.port} closed the connection`)))
    socket.on('connect', () => {
      const len = Buffer.alloc(2)
      len.writeUInt16BE(query.length)
      socket.write(Buffer.concat([len, query]))
    })
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      if (buf.length < 2) return
      const n = buf.readUInt16BE(0)
      if (buf.length < 2 + n) return
      const msg = buf.subarray(2, 2 + n)
      const h = responseHeader(msg)
      if (!h || h.id !== id) finish(new Error(`${upstream.host}:${upstream.port} answered another id`))
      else finish(undefined, msg)
    })
  })
}

/**
 * Forward a query (its bytes as the client sent them) to the first resolver that answers; the
 * answer goes back with the client's id. Undefined when none answers.
 */
export async function forward(query: Buffer, upstreams: Upstream[], transport: Transport, opts: ForwardOptions = {}): Promise<Buffer | undefined> {
  const clientId = query.readUInt16BE(0)
  for (const u of upstreams) {
    try {
      const answer = await exchange(withId(query, randomInt(65536)), u, transport, opts.timeoutMs ?? 2000)
      return withId(answer, clientId)
    } catch {
      // next resolver
    }
  }
  return undefined
}
