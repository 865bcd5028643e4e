import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BodyTracker, ChunkedScanner, parseRequestHead, parseResponseHead, sniffRequest } from './http1.js'

const b = (s: string) => Buffer.from(s, 'latin1')

test('sniffRequest: request lines are http, other protocols are not, short prefixes wait', () => {
  const cases: [string, string][] = [
    ['GET / HTTP/1.1\r\n', 'http'],
    ['POST /x?y=1 HTTP/1.0\r\nHost: a\r\n', 'http'],
    ['M-SEARCH * HTTP/1.1\r\n', 'http'],
    ['GE', 'more'],
    ['GET /', 'more'],
    ['GET / HTTP/1.1', 'more'],
    ['\x16\x03\x01\x02\x00', 'other'], // TLS ClientHello
    ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'other'], // HTTP/2 prior knowledge
    ['PING\r\n', 'other'], // Redis inline command
    ['*1\r\n$4\r\nPING\r\n', 'other'], // Redis RESP
    ['\x00\x00\x00\x08\x04\xd2\x16\x2f', 'other'], // PostgreSQL SSLRequest
    ['GET / HTTP/2.0\r\n', 'other'],
    ['GET / HTTP/1.1\n', 'other'], // bare LF
    ['get / HTTP/1.1\r\n', 'other'],
    ['FOO / HTTP/1.1\r\n', 'other'],
    ['SSH-2.0-OpenSSH_9.2\r\n', 'other'],
  ]
  for (const [input, want] of cases) assert.equal(sniffRequest(b(input)), want, JSON.stringify(input))
})

test('parseRequestHead: framing, keep-alive and the tunnel cases', () => {
  const get = parseRequestHead(b('GET / HTTP/1.1\r\nHost: a\r\n\r\nrest'))
  assert.deepEqual(get, { method: 'GET', headLength: 27, body: 'none', contentLength: 0, keepAlive: true, tunnel: false })
  const post = parseRequestHead(b('POST / HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\n'))
  assert.ok(typeof post === 'object')
  assert.equal(post.body, 'length')
  assert.equal(post.contentLength, 5)
  assert.equal(post.keepAlive, false)
  const chunked = parseRequestHead(b('PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'))
  assert.ok(typeof chunked === 'object' && chunked.body === 'chunked')
  const http10 = parseRequestHead(b('GET / HTTP/1.0\r\n\r\n'))
  assert.ok(typeof http10 === 'object' && http10.keepAlive === false)
  const http10ka = parseRequestHead(b('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n'))
  assert.ok(typeof http10ka === 'object' && http10ka.keepAlive === true)
  for (const tunnel of [
    'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n',
    'PUT /big HTTP/1.1\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n',
  ]) {
    const h = parseRequestHead(b(tunnel))
    assert.ok(typeof h === 'object' && h.tunnel, tunnel)
  }
  assert.equal(parseRequestHead(b('GET / HTTP/1.1\r\nHost: a\r\n')), 'more')
})

test('parseRequestHead: what a proxy must not forward as is is invalid (the TCP relay takes it)', () => {
  for (const bad of [
    'POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', // CL + TE
    'POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', // conflicting CL
    'POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n',
    'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n',
    'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n',
    'GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n', // obs-fold
    'GET / HTTP/1.1\r\nBad Header: 1\r\n\r\n',
    'GET / HTTP/1.1\nHost: a\n\n', // bare LF
  ]) {
    assert.equal(parseRequestHead(b(bad)), 'invalid', JSON.stringify(bad))
  }
  assert.equal(parseRequestHead(b('POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n')) !== 'invalid', true)
})

test('parseResponseHead: body framing by method and status; keep-alive hint', () => {
  const ok = parseResponseHead(b('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nKeep-Alive: timeout=5\r\n\r\nabc'), 'GET')
  assert.deepEqual(ok, { status: 200, headLength: 61, body: 'length', contentLength: 3, keepAlive: true, keepAliveTimeoutMs: 5000 })
  const head = parseResponseHead(b('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n'), 'HEAD')
  assert.ok(typeof head === 'object' && head.body === 'none')
  const noContent = parseResponseHead(b('HTTP/1.1 204 No Content\r\n\r\n'), 'GET')
  assert.ok(typeof noContent === 'object' && noContent.body === 'none' && noContent.keepAlive)
  const untilClose = parseResponseHead(b('HTTP/1.0 200 OK\r\n\r\n'), 'GET')
  assert.ok(typeof untilClose === 'object' && untilClose.body === 'close' && !untilClose.keepAlive)
  const chunked = parseResponseHead(b('HTTP/1.1 200\r\nTransfer-Encoding: chunked\r\n\r\n'), 'GET')
  assert.ok(typeof chunked === 'object' && chunked.body === 'chunked')
  const closing = parseResponseHead(b('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'), 'GET')
  assert.ok(typeof closing === 'object' && !closing.keepAlive && closing.body === 'none')
  const early = parseResponseHead(b('HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n'), 'GET')
  assert.ok(typeof early === 'object' && early.status === 103 && early.body === 'none')
  assert.equal(parseResponseHead(b('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n'), 'GET'), 'invalid')
  assert.equal(parseResponseHead(b('HTTP/2 200\r\n\r\n'), 'GET'), 'invalid')
})

test('ChunkedScanner: finds the end across any split, with extensions and trailers', () => {
  const body = b('4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n')
  for (let split = 0; split <= body.length; split++) {
    const s = new ChunkedScanner()
    const first = body.subarray(0, split)
    const end1 = s.scan(first)
    if (end1 >= 0) {
      assert.equal(end1, body.length)
      continue
    }
    assert.equal(s.scan(body.subarray(split)) + split, body.length, `split at ${split}`)
    assert.ok(s.done)
  }
  const withNext = Buffer.concat([b('0\r\n\r\n'), b('GET / HTTP/1.1\r\n\r\n')])
  assert.equal(new ChunkedScanner().scan(withNext), 5)
  assert.throws(() => new ChunkedScanner().scan(b('zz\r\n')))
  assert.throws(() => new ChunkedScanner().scan(b('3\r\nabcX')))
  assert.throws(() => new ChunkedScanner().scan(b('3\nabc')))
})

test('BodyTracker: length bodies stop at their end, leaving the next message', () => {
  const t = new BodyTracker('length', 5)
  assert.equal(t.take(b('abc')), 3)
  assert.equal(t.done, false)
  assert.equal(t.take(b('deGET')), 2)
  assert.equal(t.done, true)
  assert.equal(new BodyTracker('none').done, true)
  assert.equal(new BodyTracker('close').take(b('xyz')), 3)
})
