// Nodes whose agent runs in another process (`kubelite agent`): the API server reaches them at the
// Node's InternalIP and status.daemonEndpoints.kubeletEndpoint.Port, with its own client
// certificate (kubeadm's apiserver-kubelet-client). Like kube-apiserver without
// --kubelet-certificate-authority, it does not check the agent's self-signed serving certificate.
import { Agent } from 'node:https'
import type { Node } from 'kubernetes-types/core/v1.js'
import type { NodeConnection } from '../client/node-connection.js'
import { NodeError } from '../client/node-connection.js'
import { RemoteNodeConnection } from '../client/node-wire.js'

export function remoteNodeDialer(credentials: () => Promise<{ certPem: string; keyPem: string }>, getNode: (name: string) => Promise<Node>): (nodeName: string) => NodeConnection {
  let agent: Promise<Agent> | undefined
  const tls = () => (agent ??= credentials().then(({ certPem, keyPem }) => new Agent({ cert: certPem, key: keyPem, rejectUnauthorized: false, keepAlive: true })))
  const conns = new Map<string, RemoteNodeConnection>()
  return (nodeName) => {
    let c = conns.get(nodeName)
    if (!c) {
      c = new RemoteNodeConnection(async () => {
        const node = await getNode(nodeName) // a missing Node: its 404 goes out as it is
        const host = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address
        const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port
        if (!host || !port) throw new NodeError(500, `no preferred addresses found; known addresses: []`)
        return { host, port, agent: await tls() }
      })
      conns.set(nodeName, c)
    }
    return c
  }
}
