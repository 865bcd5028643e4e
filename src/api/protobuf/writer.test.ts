import { test } from 'node:test'
import assert from 'node:assert/strict'
import { i64ToNumber, u64ToNumber, WireReader, WireType } from './wire.js'
import { WireWriter } from './writer.js'

test('what the writer writes, the reader reads back: varints, negative int64, strings, bools, doubles', () => {
  const w = new WireWriter()
  w.tag(1, WireType.varint)
  w.uvarint(2 ** 53 - 1)
  w.tag(2, WireType.varint)
  w.int64(-5)
  w.string(3, 'héllo'.repeat(100)) // past the first 256 bytes: the buffer grows
  w.bool(4, true)
  w.double(5, -1.5)
  const r = new WireReader(w.finish())
  assert.deepEqual(r.tag(), { field: 1, wire: WireType.varint, key: 8 })
  assert.equal(u64ToNumber(r.varint()), 2 ** 53 - 1)
  assert.equal(r.tag().field, 2)
  assert.equal(i64ToNumber(r.varint()), -5)
  assert.deepEqual([r.tag().field, Buffer.from(r.bytes()).toString('utf8')], [3, 'héllo'.repeat(100)])
  assert.equal(r.tag().field, 4)
  assert.equal(u64ToNumber(r.varint()), 1)
  assert.deepEqual(r.tag(), { field: 5, wire: WireType.fixed64, key: 41 })
  const f = r.fixed64()
  const b = Buffer.alloc(8)
  b.writeUInt32LE(f.lo, 0)
  b.writeUInt32LE(f.hi, 4)
  assert.equal(b.readDoubleLE(0), -1.5)
})
