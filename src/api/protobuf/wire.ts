// A protobuf wire-format reader: varints, fixed32/64 and length-delimited fields over one buffer.
// Every read is bounds-checked and fails with a ProtobufError carrying gogo-protobuf's wording;
// nothing here knows about messages. (Zigzag sint32/sint64 are not used by Kubernetes.)
import { ProtobufError, wireErrors } from './errors.js'

export const WireType = {
  varint: 0,
  fixed64: 1,
  bytes: 2,
  startGroup: 3,
  endGroup: 4,
  fixed32: 5,
} as const

/** A 64-bit value as two unsigned 32-bit halves (JS numbers are exact only to 2^53). */
export interface U64 {
  lo: number
  hi: number
}

const two32 = 0x1_0000_0000

/** Unsigned 64-bit → number (exact up to 2^53). */
export function u64ToNumber(v: U64): number {
  return v.hi * two32 + v.lo
}

/** Two's complement signed 64-bit → number (exact within ±2^53). */
export function i64ToNumber(v: U64): number {
  return (v.hi | 0) * two32 + v.lo
}

export class WireReader {
  private pos: number
  private readonly end: number

  constructor(private readonly buf: Uint8Array, start = 0, end = buf.length) {
    this.pos = start
    this.end = end
  }

  get done(): boolean {
    return this.pos >= this.end
  }

  get offset(): number {
    return this.pos
  }

  /** A varint of up to 10 bytes; bits past 64 are dropped, as Go's decoders do. */
  varint(): U64 {
    let lo = 0
    let hi = 0
    for (let i = 0; ; i++) {
      if (i >= 10) throw new ProtobufError(wireErrors.intOverflow)
      if (this.pos >= this.end) throw new ProtobufError(wireErrors.unexpectedEOF)
      const b = this.buf[this.pos++]
      const bits = b & 0x7f
      if (i < 4) lo |= bits << (7 * i)
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28
        hi |= bits >> 4
      } else hi |= bits << (7 * i - 32)
      if (b < 0x80) break
    }
    return { lo: lo >>> 0, hi: hi >>> 0 }
  }

  /** A field key: field number, wire type, and the whole key (for error messages). */
  tag(): { field: number; wire: number; key: number } {
    const v = this.varint()
    // Field numbers are at most 2^29-1; anything above wraps like Go's int32(wire >> 3).
    const field = ((v.lo >>> 3) | (v.hi << 29)) | 0
    return { field, wire: v.lo & 7, key: u64ToNumber(v) }
  }

  fixed32(): number {
    if (this.end - this.pos < 4) throw new ProtobufError(wireErrors.unexpectedEOF)
    const b = this.buf
    const p = this.pos
    this.pos += 4
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
  }

  fixed64(): U64 {
    const lo = this.fixed32()
    const hi = this.fixed32()
    return { lo, hi }
  }

  /** The length of a length-delimited field, checked against what is left. */
  private length(): number {
    const v = this.varint()
    if (v.hi >= 0x8000_0000) throw new ProtobufError(wireErrors.negativeLength)
    const n = u64ToNumber(v)
    if (n > this.end - this.pos) throw new ProtobufError(wireErrors.unexpectedEOF)
    return n
  }

  /** A length-delimited payload (a view into the buffer, not a copy). */
  bytes(): Uint8Array {
    const n = this.length()
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** Skips the value of a field with this wire type, including nested groups. */
  skip(wire: number): void {
    let depth = 0
    for (;;) {
      switch (wire) {
        case WireType.varint:
          this.varint()
          break
        case WireType.fixed64:
          this.advance(8)
          break
        case WireType.bytes:
          this.advance(this.length())
          break
        case WireType.startGroup:
          depth++
          break
        case WireType.endGroup:
          if (depth === 0) throw new ProtobufError(wireErrors.unexpectedEndOfGroup)
          depth--
          break
        case WireType.fixed32:
          this.advance(4)
          break
        default:
          throw new ProtobufError(`proto: illegal wireType ${wire}`)
      }
      if (depth === 0) return
      if (this.pos >= this.end) throw new ProtobufError(wireErrors.unexpectedEOF)
      wire = this.tag().wire
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new ProtobufError(wireErrors.unexpectedEOF)
    this.pos += n
  }
}
