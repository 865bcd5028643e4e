import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { formatCriLogLine, formatRFC3339Nano, parseCriLogLine, parseRFC3339Nano } from './cri-log.js'

test('parses the records the kubelet reads', () => {
  const r = parseCriLogLine('2016-10-06T00:17:09.669794202Z stdout F log line')!
  assert.equal(r.timestamp, '2016-10-06T00:17:09.669794202Z')
  assert.equal(r.time.toISOString(), '2016-10-06T00:17:09.669Z')
  assert.equal(r.stream, 'stdout')
  assert.equal(r.full, true)
  assert.equal(r.content.toString(), 'log line')
  const p = parseCriLogLine('2016-10-06T00:17:09Z stderr P part with  spaces \n')!
  assert.equal(p.full, false)
  assert.equal(p.stream, 'stderr')
  assert.equal(p.content.toString(), 'part with  spaces ')
  assert.equal(parseCriLogLine('2016-10-06T00:17:09.1Z stdout F')!.content.length, 0)
  assert.equal(parseCriLogLine('2016-10-06T00:17:09.1+02:00 stdout F x')!.time.toISOString(), '2016-10-05T22:17:09.100Z')
})

test('malformed records are skipped (undefined), never thrown', () => {
  for (const bad of ['', 'garbage', '2016-10-06 stdout F x', '2016-10-06T00:17:09Z stdin F x', '2016-10-06T00:17:09Z stdout', 'x y z w']) {
    assert.equal(parseCriLogLine(bad), undefined, bad)
  }
})

test('RFC3339Nano as Go writes it: trailing zeros dropped', () => {
  assert.equal(formatRFC3339Nano(1_475_713_029_669_794_202n), '2016-10-06T00:17:09.669794202Z')
  assert.equal(formatRFC3339Nano(1_475_713_029_100_000_000n), '2016-10-06T00:17:09.1Z')
  assert.equal(formatRFC3339Nano(1_475_713_029_000_000_000n), '2016-10-06T00:17:09Z')
  assert.equal(parseRFC3339Nano('nope'), undefined)
})

test('format and parse round-trip any content without newlines', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.constantFrom('stdout' as const, 'stderr' as const), fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n }), (bytes, full, stream, ns) => {
      const content = Buffer.from(bytes.filter((b) => b !== 0x0a))
      const ts = formatRFC3339Nano(ns)
      const line = formatCriLogLine(ts, stream, full, content)
      const r = parseCriLogLine(line.subarray(0, line.length - 1))!
      assert.equal(r.timestamp, ts)
      assert.equal(r.stream, stream)
      assert.equal(r.full, full)
      assert.deepEqual(r.content, content)
    }),
  )
})
