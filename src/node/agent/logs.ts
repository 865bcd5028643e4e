// Reading a container's CRI log file the way the kubelet's ReadLogs does: records filtered by
// sinceTime, the last tailLines, optional timestamps, limitBytes, and follow (keep reading while
// the container runs; reopen when the runtime rotates the file).
import { open, stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { parseCriLogLine, type CriLogRecord } from '../runtime/cri-log.js'

export interface ReadLogOptions {
  follow?: boolean
  tailLines?: number
  since?: Date
  timestamps?: boolean
  limitBytes?: number
  signal?: AbortSignal
  /** While true, follow waits for more output; once false, it drains the file and ends. */
  isRunning?: () => boolean
  pollMs?: number
}

/** The bytes one record contributes to the output. */
export function formatRecord(r: CriLogRecord, timestamps: boolean): Buffer {
  const parts: Buffer[] = []
  if (timestamps) parts.push(Buffer.from(r.timestamp + ' '))
  parts.push(r.content)
  if (r.full) parts.push(Buffer.from('\n'))
  return Buffer.concat(parts)
}

/** Split a buffer into complete lines (without newlines) and the unfinished rest. */
export function splitLines(buf: Buffer): { lines: Buffer[]; rest: Buffer } {
  const lines: Buffer[] = []
  let start = 0
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, start)) {
    lines.push(buf.subarray(start, i))
    start = i + 1
  }
  return { lines, rest: buf.subarray(start) }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
  })

async function* records(path: string, opts: ReadLogOptions): AsyncGenerator<Buffer> {
  const timestamps = !!opts.timestamps
  let remaining = opts.limitBytes && opts.limitBytes > 0 ? opts.limitBytes : Infinity
  const emit = (r: CriLogRecord): Buffer | undefined => {
    if (opts.since && r.time.getTime() < opts.since.getTime()) return undefined
    let out = formatRecord(r, timestamps)
    if (out.length > remaining) out = out.subarray(0, remaining)
    remaining -= out.length
    return out
  }
  let fh
  try {
    fh = await open(path, 'r')
  } catch {
    return
  }
  try {
    let ino = (await fh.stat()).ino
    let pos = 0
    let rest = Buffer.alloc(0)
    // First pass: everything now in the file, then the tail of it.
    const whole = await fh.readFile()
    pos = whole.length
    const split = splitLines(whole)
    rest = Buffer.from(split.rest)
    let lines = split.lines
    if (opts.tailLines !== undefined && opts.tailLines >= 0) lines = opts.tailLines === 0 ? [] : lines.slice(-opts.tailLines)
    for (const line of lines) {
      const r = parseCriLogLine(line)
      if (!r) continue
      const out = emit(r)
      if (out?.length) yield out
      if (remaining <= 0) return
    }
    if (!opts.follow) return
    const chunk = Buffer.alloc(64 * 1024)
    for (;;) {
      if (opts.signal?.aborted) return
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos)
      if (bytesRead > 0) {
        pos += bytesRead
        const s = splitLines(Buffer.concat([rest, chunk.subarray(0, bytesRead)]))
        rest = Buffer.from(s.rest)
        for (const line of s.lines) {
          const r = parseCriLogLine(line)
          if (!r) continue
          const out = emit(r)
          if (out?.length) yield out
          if (remaining <= 0) return
        }
        continue
      }
      // Rotated: the path now names a new file; finish the old one (done) and continue there.
      const now = await stat(path).catch(() => undefined)
      if (now && now.ino !== ino) {
        await fh.close()
        fh = await open(path, 'r')
        ino = now.ino
        pos = 0
        rest = Buffer.alloc(0)
        continue
      }
      if (opts.isRunning && !opts.isRunning()) return
      await sleep(opts.pollMs ?? 100, opts.signal)
    }
  } finally {
    await fh.close().catch(() => undefined)
  }
}

/** The log as a byte stream (ends unless following a running container). */
export function readLog(path: string, opts: ReadLogOptions = {}): Readable {
  return Readable.from(records(path, opts), { objectMode: false })
}
