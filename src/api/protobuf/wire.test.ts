import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ProtobufError } from './errors.js'
import { WireReader, WireType, i64ToNumber, u64ToNumber } from './wire.js'
import { f, key, msg, varint } from './testdata/encode.js'

function reader(bytes: number[]): WireReader {
  return new WireReader(Uint8Array.from(bytes))
}

function throwsProto(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => err instanceof ProtobufError && err.message === message && err.code === 400)
}

describe('WireReader.varint', () => {
  it('reads one-byte and multi-byte values', () => {
    assert.deepEqual(reader([0x00]).varint(), { lo: 0, hi: 0 })
    assert.deepEqual(reader([0x96, 0x01]).varint(), { lo: 150, hi: 0 })
  })

  it('reads values above 2^31 and 2^32 without sign trouble', () => {
    assert.equal(u64ToNumber(reader(varint(2 ** 31)).varint()), 2 ** 31)
    assert.equal(u64ToNumber(reader(varint(2 ** 32 - 1)).varint()), 2 ** 32 - 1)
    assert.equal(u64ToNumber(reader(varint(2 ** 32 + 5)).varint()), 2 ** 32 + 5)
    assert.equal(u64ToNumber(reader(varint(Number.MAX_SAFE_INTEGER)).varint()), Number.MAX_SAFE_INTEGER)
  })

  it('reads a negative int32 sent as a 10-byte varint', () => {
    const bytes = varint(-1)
    assert.equal(bytes.length, 10)
    const v = reader(bytes).varint()
    assert.deepEqual(v, { lo: 0xffffffff, hi: 0xffffffff })
    assert.equal(v.lo | 0, -1)
    assert.equal(i64ToNumber(v), -1)
    assert.equal(reader(varint(-2147483648)).varint().lo | 0, -2147483648)
    assert.equal(i64ToNumber(reader(varint(-62135596800)).varint()), -62135596800)
  })

  it('reads the largest 64-bit value', () => {
    assert.deepEqual(reader(varint(2n ** 64n - 1n)).varint(), { lo: 0xffffffff, hi: 0xffffffff })
  })

  it('fails on more than 10 bytes, and on a truncated varint', () => {
    throwsProto(() => reader([...Array(10).fill(0xff), 0x01]).varint(), 'proto: integer overflow')
    throwsProto(() => reader([0x80, 0x80]).varint(), 'unexpected EOF')
    throwsProto(() => reader([]).varint(), 'unexpected EOF')
  })
})

describe('WireReader fields', () => {
  it('reads a tag', () => {
    assert.deepEqual(reader(key(1, WireType.bytes)).tag(), { field: 1, wire: 2, key: 10 })
    assert.deepEqual(reader(key(536870911, WireType.varint)).tag(), { field: 536870911, wire: 0, key: 536870911 * 8 })
  })

  it('reads fixed32 and fixed64 little-endian', () => {
    const r = reader([0x78, 0x56, 0x34, 0x12, 0x01, 0, 0, 0, 0x02, 0, 0, 0])
    assert.equal(r.fixed32(), 0x12345678)
    assert.deepEqual(r.fixed64(), { lo: 1, hi: 2 })
    assert.ok(r.done)
    throwsProto(() => reader([1, 2, 3]).fixed32(), 'unexpected EOF')
  })

  it('reads length-delimited bytes as a view, and checks the length', () => {
    const r = reader([0x03, 0x61, 0x62, 0x63, 0x00])
    assert.deepEqual([...r.bytes()], [0x61, 0x62, 0x63])
    assert.equal(r.offset, 4)
    throwsProto(() => reader([0x05, 0x61]).bytes(), 'unexpected EOF')
    throwsProto(() => reader(varint(2n ** 63n)).bytes(), 'proto: negative length found during unmarshaling')
  })

  it('respects the end it was given', () => {
    const r = new WireReader(Uint8Array.from([0x01, 0x02, 0x03]), 1, 2)
    assert.equal(u64ToNumber(r.varint()), 2)
    assert.ok(r.done)
  })
})

describe('WireReader.skip', () => {
  it('skips every wire type, leaving the reader on the next field', () => {
    const bytes = msg(
      f.varint(7, 2n ** 40n),
      f.fixed64(8, 1n),
      f.bytes(9, 'skipped'),
      f.fixed32(10, 4),
      [...key(11, WireType.startGroup), ...f.varint(1, 5), ...key(12, WireType.startGroup), ...key(12, WireType.endGroup), ...key(11, WireType.endGroup)],
      f.varint(1, 42),
    )
    const r = new WireReader(bytes)
    for (let i = 0; i < 5; i++) r.skip(r.tag().wire)
    assert.deepEqual(r.tag(), { field: 1, wire: 0, key: 8 })
    assert.equal(u64ToNumber(r.varint()), 42)
    assert.ok(r.done)
  })

  it('fails on an unterminated group, a stray end group and illegal wire types', () => {
    const open = reader([...key(1, WireType.startGroup), ...f.varint(2, 1)])
    throwsProto(() => open.skip(open.tag().wire), 'unexpected EOF')
    throwsProto(() => reader([]).skip(WireType.endGroup), 'proto: unexpected end of group')
    throwsProto(() => reader([]).skip(6), 'proto: illegal wireType 6')
    throwsProto(() => reader([1, 2]).skip(WireType.fixed32), 'unexpected EOF')
  })
})
