import { test } from 'node:test'
import assert from 'node:assert/strict'
import { keyRange, prefixEnd } from './prefix.js'

test('prefixEnd increments the last code point', () => {
  assert.equal(prefixEnd('/registry/pods/'), '/registry/pods0')
  assert.equal(prefixEnd('a'), 'b')
  assert.equal(prefixEnd(''), undefined)
  assert.equal(prefixEnd('a\u{10FFFF}'), 'b')
  assert.equal(prefixEnd('\u{10FFFF}'), undefined)
  assert.equal(prefixEnd('x\uD7FF'), 'x\uE000')
  assert.equal(prefixEnd('x\u{1F600}'), 'x\u{1F601}')
})

test('prefixEnd bounds exactly the strings with the prefix (code-point order)', () => {
  const cmp = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))
  const prefix = '/registry/pods/'
  const end = prefixEnd(prefix)!
  for (const s of ['/registry/pods/a', '/registry/pods/\u{10FFFF}', '/registry/pods/', '/registry/pods/\uFFFF'])
    assert.ok(cmp(s, prefix) >= 0 && cmp(s, end) < 0, s)
  for (const s of ['/registry/pods', '/registry/pods0', '/registry/podsx', '/registry/pod'])
    assert.ok(!(cmp(s, prefix) >= 0 && cmp(s, end) < 0), s)
})

test('keyRange builds the SQL condition', () => {
  assert.deepEqual(keyRange(''), { where: '1', params: {} })
  assert.deepEqual(keyRange('/a/', 'x', 'k.name'), {
    where: 'k.name >= @prefix AND k.name < @prefixEnd AND k.name > @startAfter',
    params: { prefix: '/a/', prefixEnd: '/a0', startAfter: 'x' },
  })
})
