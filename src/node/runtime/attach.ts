// One attach session of the process runtime: a connection to the container's shim (its attach
// socket, see attach-wire.ts) relaying the client's stdin in and the container's output out, and
// resizes straight to the container's terminal (pty.ts). It ends when the container ends (the
// shim closes the socket) or when the client goes (the signal).
import { once } from 'node:events'
import { connect } from 'node:net'
import { NodeError } from '../../client/node-connection.js'
import { encodeFrame, frame, FrameDecoder, reachableSocketPath } from './attach-wire.js'
import { followWindowSize } from './pty.js'
import type { AttachOptions } from './types.js'

/** The kubelet's answer for a container that is not running (any more). */
export const notRunning = (container: string) => new NodeError(400, `container not found (${JSON.stringify(container)})`)

/**
 * Relays one session; resolves when it is over. A shim that is gone or ending (the container has
 * just exited) is the kubelet's `container not found`: kubectl run -i then falls back to the logs.
 */
export async function attachSession(socketPath: string, shimPid: number, container: string, opts: AttachOptions): Promise<void> {
  const where = reachableSocketPath(socketPath)
  const sock = connect(where.path)
  try {
    await once(sock, 'connect')
  } catch {
    throw notRunning(container)
  } finally {
    where.release()
  }
  let acked = false
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()))
  sock.on('error', () => sock.destroy())
  const decoder = new FrameDecoder((type, payload) => {
    if (type === frame.ack) acked = true
    // With a tty both come as one stream (the terminal's), as upstream sends them.
    const to = type === frame.stdout ? opts.stdout : type === frame.stderr ? (opts.tty ? opts.stdout : opts.stderr) : undefined
    if (to && !to.writableEnded && !to.destroyed) to.write(payload)
  })
  sock.on('data', (chunk: Buffer) => decoder.push(chunk))
  sock.write(encodeFrame(frame.hello, JSON.stringify({ stdin: !!opts.stdin })))

  const stdin = opts.stdin
  const onData = (d: Buffer | string) => {
    if (!sock.write(encodeFrame(frame.stdin, typeof d === 'string' ? Buffer.from(d) : d))) {
      stdin?.pause()
      sock.once('drain', () => stdin?.resume())
    }
  }
  const onEnd = () => {
    if (!sock.destroyed) sock.write(encodeFrame(frame.stdinEnd))
  }
  stdin?.on('data', onData)
  stdin?.once('end', onEnd)
  if (opts.tty && opts.resize) void followWindowSize(shimPid, opts.resize).catch(() => undefined)
  const abort = () => sock.destroy()
  opts.signal?.addEventListener('abort', abort, { once: true })
  if (opts.signal?.aborted) abort()
  try {
    await closed
  } finally {
    opts.signal?.removeEventListener('abort', abort)
    stdin?.off('data', onData)
    stdin?.off('end', onEnd)
  }
  if (!acked && !opts.signal?.aborted) throw notRunning(container)
}
