// The process runtime's attach socket: how an attach session talks to a container's shim
// (shim.mjs keeps a copy of this codec, as it imports nothing). Every message is a frame:
//   [type: 1 byte][length: 4 bytes big-endian][payload]
// The runtime sends `hello` first ({"stdin":true} when the session writes stdin), then `stdin`
// chunks and one `stdinEnd`; the shim answers `ack`, then sends the container's `stdout` and
// `stderr` as they come. The container's end closes the socket; the session's end is the runtime
// closing it. A socket closed before the `ack` is a shim that was already ending: no session.
// The socket lives in the container's state dir (`attach.sock`), which outlives kubelite as the
// shim does, and which no pod can see (the sandbox hides the state dir).
import { openSync, closeSync } from 'node:fs'
import { basename, dirname } from 'node:path'

export const frame = { stdin: 0, stdout: 1, stderr: 2, stdinEnd: 3, hello: 5, ack: 6 } as const
export type FrameType = (typeof frame)[keyof typeof frame]

export const attachSocketName = 'attach.sock'

export function encodeFrame(type: FrameType, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload
  const head = Buffer.alloc(5)
  head[0] = type
  head.writeUInt32BE(body.length, 1)
  return Buffer.concat([head, body])
}

/** Splits a byte stream into frames, whatever the chunking. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0)

  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1)
      if (this.buf.length < 5 + len) break
      const type = this.buf[0]
      const payload = this.buf.subarray(5, 5 + len)
      this.buf = this.buf.subarray(5 + len)
      this.onFrame(type, payload)
    }
  }
}

// sun_path holds 108 bytes; a state dir deep enough (a 64-hex container folder under a long data
// dir) goes past it, so the socket is then named through an open fd of its directory.
const maxSocketPath = 100

/**
 * A path to `socketPath` short enough for bind/connect, and a function to call once the bind or
 * connect has happened (it closes the directory fd used for a long path).
 */
export function reachableSocketPath(socketPath: string): { path: string; release(): void } {
  if (Buffer.byteLength(socketPath) <= maxSocketPath) return { path: socketPath, release: () => undefined }
  const fd = openSync(dirname(socketPath), 'r')
  let open = true
  return {
    path: `/proc/self/fd/${fd}/${basename(socketPath)}`,
    release() {
      if (open) closeSync(fd)
      open = false
    },
  }
}
