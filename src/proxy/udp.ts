// UDP Service ports (upstream: kube-proxy's UDP handling, a conntrack entry per client flow).
// Datagrams from one client address and port form a flow: the first picks a ready endpoint, the
// rest follow it through one socket of ours, and the endpoint's replies go back to the client from
// the Service address it wrote to. A flow ends after `idleMs` without traffic, when its endpoint
// leaves the ready set (the next datagram picks again), or when the listener closes.
//
// DNS is the case that matters: every query from a stub resolver may come from a new source port,
// so flows are short-lived and many. Their number is bounded (`maxFlows`, the least recently used
// goes first), and each costs one socket only while it lives.
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram'
import { isIP } from 'node:net'
import type { Backend } from './endpoints.js'
import type { TrafficStats } from './metrics.js'

export interface UdpHooks {
  /** A ready endpoint for a new flow from this client address, or undefined when there is none. */
  pick(clientIp: string): Backend | undefined
  /** Whether an endpoint still takes traffic (flows to one that left are re-picked). */
  isCurrent(b: Backend): boolean
  service: TrafficStats
  endpoint(b: Backend): TrafficStats
}

export interface UdpRelayOptions {
  /** Default 10 s (a DNS exchange takes milliseconds; conntrack's UDP default is 30 s). */
  idleMs?: number
  /** Default 1024. */
  maxFlows?: number
}

interface Flow {
  backend: Backend
  socket: UdpSocket
  timer: NodeJS.Timeout
  stats: TrafficStats
  service: TrafficStats
}

export class UdpRelay {
  private readonly flows = new Map<string, Flow>()
  private closed = false
  private readonly idleMs: number
  private readonly maxFlows: number

  /** `listener` is bound to the Service address; the relay takes its 'message' events. */
  constructor(
    private readonly listener: UdpSocket,
    private readonly hooks: () => UdpHooks | undefined,
    opts: UdpRelayOptions = {},
  ) {
    this.idleMs = opts.idleMs ?? 10_000
    this.maxFlows = opts.maxFlows ?? 1024
    listener.on('message', (msg, rinfo) => this.onMessage(msg, rinfo))
  }

  get size(): number {
    return this.flows.size
  }

  private onMessage(msg: Buffer, client: RemoteInfo): void {
    if (this.closed) return
    const hooks = this.hooks()
    if (!hooks) return
    const key = `${client.address}|${client.port}`
    let flow = this.flows.get(key)
    if (flow && !hooks.isCurrent(flow.backend)) {
      this.endFlow(key, flow)
      flow = undefined
    }
    if (!flow) {
      const backend = hooks.pick(client.address)
      if (!backend) {
        hooks.service.rejected++
        return
      }
      flow = this.openFlow(key, backend, client, hooks)
    } else {
      // Most recently used last: the first entry is the one to evict.
      this.flows.delete(key)
      this.flows.set(key, flow)
      flow.timer.refresh()
    }
    hooks.service.bytesIn += msg.length
    flow.stats.bytesIn += msg.length
    flow.socket.send(msg, flow.backend.port, flow.backend.ip, () => {})
  }

  private openFlow(key: string, backend: Backend, client: RemoteInfo, hooks: UdpHooks): Flow {
    while (this.flows.size >= this.maxFlows) {
      const [oldest, f] = this.flows.entries().next().value as [string, Flow]
      this.endFlow(oldest, f)
    }
    const socket = createSocket(isIP(backend.ip) === 6 ? 'udp6' : 'udp4')
    const stats = hooks.endpoint(backend)
    const flow: Flow = { backend, socket, stats, service: hooks.service, timer: setTimeout(() => this.endFlow(key, flow), this.idleMs) }
    flow.timer.unref()
    socket.on('error', () => {
      stats.connectErrors++
      this.endFlow(key, flow)
    })
    socket.on('message', (reply, from) => {
      // Only the endpoint's own replies go back to the client.
      if (from.port !== backend.port || from.address !== backend.ip || this.closed) return
      flow.timer.refresh()
      hooks.service.bytesOut += reply.length
      stats.bytesOut += reply.length
      this.listener.send(reply, client.port, client.address, () => {})
    })
    hooks.service.connections++
    hooks.service.active++
    stats.connections++
    stats.active++
    this.flows.set(key, flow)
    return flow
  }

  private endFlow(key: string, flow: Flow): void {
    if (this.flows.get(key) !== flow) return
    this.flows.delete(key)
    clearTimeout(flow.timer)
    flow.socket.close()
    flow.stats.active--
    flow.service.active--
  }

  /** Ends every flow; the listener itself is its owner's to close. */
  close(): void {
    this.closed = true
    for (const [key, flow] of [...this.flows]) this.endFlow(key, flow)
  }
}
