// A protobuf wire-format writer, the counterpart of wire.ts's reader: varints (int64 in two's
// complement), length-delimited bytes and strings, bools and doubles, into one growing buffer.
// Fields are written in the order asked; nothing here knows about messages.
import { WireType } from './wire.js'

type WireTypeValue = (typeof WireType)[keyof typeof WireType]

export class WireWriter {
  private buf = new Uint8Array(256)
  private len = 0

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.len + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }

  /** A non-negative integer (exact up to 2^53) as a varint. */
  uvarint(n: number): void {
    this.ensure(10)
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80
      n = Math.floor(n / 0x80)
    }
    this.buf[this.len++] = n
  }

  /** A signed int64 (two's complement, 10 bytes when negative). */
  int64(n: number): void {
    if (n >= 0) return this.uvarint(n)
    let v = BigInt.asUintN(64, BigInt(n))
    this.ensure(10)
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80
      v >>= 7n
    }
    this.buf[this.len++] = Number(v)
  }

  tag(field: number, wire: WireTypeValue): void {
    this.uvarint(field * 8 + wire)
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, WireType.bytes)
    this.uvarint(data.length)
    this.ensure(data.length)
    this.buf.set(data, this.len)
    this.len += data.length
  }

  string(field: number, s: string): void {
    this.bytes(field, Buffer.from(s, 'utf8'))
  }

  bool(field: number, b: boolean): void {
    this.tag(field, WireType.varint)
    this.uvarint(b ? 1 : 0)
  }

  double(field: number, d: number): void {
    this.tag(field, WireType.fixed64)
    this.ensure(8)
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, d, true)
    this.len += 8
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len)
  }
}
