// The API server's streaming subresources, ready to hand to ApiServer: pods/log, pods/exec,
// pods/attach, pods/portforward, pods/proxy and services/proxy. The node side is reached through a
// NodeDialer; services through a ServiceDialer (endpointsServiceDialer by default wiring).
import type { NodeDialer } from '../../client/node-connection.js'
import type { SubresourceHandlers, UpgradeHandler } from '../server.js'
import { attachHandlers } from './attach.js'
import { execHandlers, streamingWebSocketServer } from './exec.js'
import { logHandler } from './logs.js'
import { portForwardHandlers } from './portforward.js'
import { podProxyHandlers, serviceProxyHandlers, type ServiceDialer } from './proxy.js'

export { endpointsServiceDialer, tcpConnect, type ServiceDialer } from './proxy.js'

export interface StreamingOptions {
  /** Resolves and dials services for services/proxy; without it services/proxy is not served. */
  serviceDialer?: ServiceDialer
}

export interface StreamingSubresources {
  subresources: SubresourceHandlers
  upgrades: Map<string, UpgradeHandler>
  /** Closes every WebSocket still open (exec and attach sessions, port-forward tunnels). */
  close(): void
}

export function streamingSubresources(dialer: NodeDialer, opts: StreamingOptions = {}): StreamingSubresources {
  const wss = streamingWebSocketServer()
  const subresources: SubresourceHandlers = new Map()
  const upgrades = new Map<string, UpgradeHandler>()
  subresources.set('pods/log', logHandler(dialer))
  const parts = [
    ['pods/exec', execHandlers(dialer, wss)],
    ['pods/attach', attachHandlers(dialer, wss)],
    ['pods/portforward', portForwardHandlers(dialer, wss)],
    ['pods/proxy', podProxyHandlers(dialer)],
    ...(opts.serviceDialer ? [['services/proxy', serviceProxyHandlers(opts.serviceDialer)] as const] : []),
  ] as const
  for (const [key, h] of parts) {
    subresources.set(key, h.subresource)
    upgrades.set(key, h.upgrade)
  }
  return {
    subresources,
    upgrades,
    close() {
      wss.close()
    },
  }
}
