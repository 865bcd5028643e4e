// pods/NAME/attach (upstream AttachREST): the streams of a running container's main process,
// over the same transports and status messages as exec (kubectl attach, run -i, debug -i). The
// session ends when the container does (Success) or when the client goes.
import type { WebSocketServer } from 'ws'
import { errors } from '../../apis/status.js'
import type { NodeDialer } from '../../client/node-connection.js'
import type { SubresourceHandler, UpgradeHandler } from '../server.js'
import { execFailure, serveRemoteCommand, upgradeOnly, upgradeRefused, wantedStreams } from './exec.js'
import { chooseContainer, podRef, requireNode, type PodView } from './pods.js'

export function attachHandlers(dialer: NodeDialer, wss: WebSocketServer): { subresource: SubresourceHandler; upgrade: UpgradeHandler } {
  const upgrade: UpgradeHandler = async (ctx) => {
    const { req, url, target, store } = ctx
    if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed()
    const q = url.searchParams
    const want = wantedStreams(q)
    const name = target.name ?? ''
    const pod = (await store.get(target.namespace, name)) as PodView
    const container = chooseContainer(pod, q.get('container'))
    const conn = requireNode(dialer, pod)
    if (!want.stdin && !want.stdout && !want.stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr')
    const phase = pod.status?.phase
    await serveRemoteCommand(ctx, wss, want, async (io, transport, signal) => {
      if (phase === 'Succeeded' || phase === 'Failed') return { error: upgradeRefused(`container not found (${JSON.stringify(container)})`, transport) }
      try {
        await conn.attach(podRef(pod), { container, stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, tty: want.tty, resize: io.resize, signal })
        return { exitCode: 0, command: [] }
      } catch (err) {
        return { error: execFailure(err, transport) }
      }
    })
  }
  return { subresource: upgradeOnly('pods/attach', 'PodAttachOptions'), upgrade }
}
