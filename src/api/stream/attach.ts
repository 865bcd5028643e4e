// pods/NAME/attach (upstream AttachREST): the streams of a running container's main process,
// over the same transports and status messages as exec (kubectl attach, run -i, debug -i). The
// session ends when the container does (Success) or when the client goes.
import type { NodeDialer } from '../../client/node-connection.js'
import type { SubresourceHandler, UpgradeHandler } from '../server.js'
import { remoteCommandUpgrade, upgradeOnly, type StreamingSockets } from './exec.js'
import { podRef } from './pods.js'

export function attachHandlers(dialer: NodeDialer, wss: StreamingSockets): { subresource: SubresourceHandler; upgrade: UpgradeHandler } {
  const upgrade = remoteCommandUpgrade(dialer, wss, async ({ conn, pod, container, io, tty, signal }) => {
    await conn.attach(podRef(pod), { container, stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, tty, resize: io.resize, signal })
    return { exitCode: 0, command: [] }
  })
  return { subresource: upgradeOnly('pods/attach', 'PodAttachOptions'), upgrade }
}
