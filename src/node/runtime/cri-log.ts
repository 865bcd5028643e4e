// The CRI container log format the kubelet reads (upstream: pkg/kubelet/kuberuntime/logs):
//   2016-10-06T00:17:09.669794202Z stdout F log line
//   2016-10-06T00:17:09.669794202Z stdout P a long line's first 16 KiB...
// One line a record: RFC 3339 time with nanoseconds (Go's RFC3339Nano: trailing zeros dropped),
// the stream, tags (`F` full line, `P` partial: the next record continues it), then the content
// without its newline. Lines longer than 16 KiB are split into P records. The process runtime's
// shim writes these files (shim.mjs); the agent's log reader parses them with parseCriLogLine.

export type LogStream = 'stdout' | 'stderr'

export interface CriLogRecord {
  /** The timestamp exactly as written (what `kubectl logs --timestamps` prints). */
  timestamp: string
  /** The same instant; sub-millisecond digits are kept in `timestamp` only. */
  time: Date
  stream: LogStream
  /** False for a `P` record: the line continues in the next record of the same stream. */
  full: boolean
  /** The bytes of the line, without the newline. */
  content: Buffer
}

/** The longest line the runtime writes as one record (containerd's max_container_log_line_size). */
export const maxLogLineSize = 16 * 1024

/**
 * Parses one record (without its trailing newline). Undefined for a malformed line, as the kubelet
 * skips those ("failed with err ...").
 */
export function parseCriLogLine(line: Buffer | string): CriLogRecord | undefined {
  const buf = typeof line === 'string' ? Buffer.from(line) : line
  const s1 = buf.indexOf(0x20)
  if (s1 <= 0) return undefined
  const timestamp = buf.subarray(0, s1).toString('latin1')
  const time = parseRFC3339Nano(timestamp)
  if (!time) return undefined
  const s2 = buf.indexOf(0x20, s1 + 1)
  if (s2 === -1) return undefined
  const stream = buf.subarray(s1 + 1, s2).toString('latin1')
  if (stream !== 'stdout' && stream !== 'stderr') return undefined
  let s3 = buf.indexOf(0x20, s2 + 1)
  if (s3 === -1) s3 = buf.length
  const tags = buf.subarray(s2 + 1, s3).toString('latin1').split(':')
  const full = tags[0] !== 'P'
  let content = buf.subarray(Math.min(s3 + 1, buf.length))
  if (content.length > 0 && content[content.length - 1] === 0x0a) content = content.subarray(0, content.length - 1)
  return { timestamp, time, stream, full, content }
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/

/** Parses Go's RFC3339Nano; undefined when malformed. */
export function parseRFC3339Nano(s: string): Date | undefined {
  const m = rfc3339.exec(s)
  if (!m) return undefined
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0
  let t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms)
  if (m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1
    t -= sign * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6))) * 60_000
  }
  return Number.isNaN(t) ? undefined : new Date(t)
}

/** Go's RFC3339Nano of an instant in nanoseconds since the epoch, UTC: `2024-01-02T03:04:05.1234Z`. */
export function formatRFC3339Nano(epochNs: bigint): string {
  const d = new Date(Number(epochNs / 1_000_000n))
  const frac = (((epochNs % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '')
  return d.toISOString().slice(0, 19) + (frac ? `.${frac}` : '') + 'Z'
}

/** One record as the runtime writes it (with the newline). */
export function formatCriLogLine(timestamp: string, stream: LogStream, full: boolean, content: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp} ${stream} ${full ? 'F' : 'P'} `), typeof content === 'string' ? Buffer.from(content) : content, Buffer.from('\n')])
}
