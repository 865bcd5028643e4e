import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Class, encodeQuery, encodeResponse, parseAnswers, parseQuery, Rcode, responseHeader, Type, udpLimit, type Response } from './wire.js'

/** A query as a stub resolver sends it, optionally with an EDNS OPT record. */
function query(name: string, type: number, opts: { id?: number; edns?: number; flags?: number } = {}): Buffer {
  const q = encodeQuery(opts.id ?? 0x1234, { name, type, class: Class.IN })
  if (opts.flags !== undefined) q.writeUInt16BE(opts.flags, 2)
  if (opts.edns === undefined) return q
  q.writeUInt16BE(1, 10)
  const opt = Buffer.alloc(11)
  opt.writeUInt16BE(Type.OPT, 1)
  opt.writeUInt16BE(opts.edns, 3)
  return Buffer.concat([q, opt])
}

const rcodeOf = (b: Buffer) => b.readUInt16BE(2) & 0xf

test('parseQuery: a plain query, with and without EDNS', () => {
  const p = parseQuery(query('Backend.default.svc.cluster.local', Type.A))
  assert.deepEqual(p, { kind: 'query', query: { id: 0x1234, opcode: 0, rd: true, cd: false, question: { name: 'Backend.default.svc.cluster.local', type: Type.A, class: Class.IN } } })
  const e = parseQuery(query('x.cluster.local', Type.SRV, { edns: 4096 }))
  assert.equal(e.kind, 'query')
  if (e.kind === 'query') {
    assert.deepEqual(e.query.edns, { udpSize: 4096, version: 0, dnssecOk: false })
    assert.equal(udpLimit(e.query), 1232)
  }
})

const rejects: { name: string; msg: Buffer; want: 'drop' | number }[] = [
  { name: 'empty', msg: Buffer.alloc(0), want: 'drop' },
  { name: 'shorter than a header', msg: Buffer.from([1, 2, 3]), want: 'drop' },
  { name: 'a response (QR set)', msg: query('a.b', Type.A, { flags: 0x8100 }), want: 'drop' },
  { name: 'opcode STATUS', msg: query('a.b', Type.A, { flags: 2 << 11 }), want: Rcode.NOTIMP },
  { name: 'no question', msg: Buffer.from([0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), want: Rcode.FORMERR },
  { name: 'two questions', msg: (() => { const q = query('a.b', Type.A); q.writeUInt16BE(2, 4); return q })(), want: Rcode.FORMERR },
  { name: 'an answer section', msg: (() => { const q = query('a.b', Type.A); q.writeUInt16BE(1, 6); return q })(), want: Rcode.FORMERR },
  { name: 'name cut short', msg: query('abc.def', Type.A).subarray(0, 16), want: Rcode.FORMERR },
  { name: 'type and class cut short', msg: query('abc.def', Type.A).subarray(0, 22), want: Rcode.FORMERR },
  { name: 'pointer to itself', msg: Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]), want: Rcode.FORMERR },
  { name: 'pointer forward', msg: Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 20, 0, 1, 0, 1]), want: Rcode.FORMERR },
  { name: 'label type 0x40', msg: Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0, 0, 1, 0, 1]), want: Rcode.FORMERR },
  { name: 'label holding a dot', msg: Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x2e, 0x62, 0, 0, 1, 0, 1]), want: Rcode.FORMERR },
  { name: 'additional record cut short', msg: (() => { const q = query('a.b', Type.A, { edns: 1232 }); return q.subarray(0, q.length - 3) })(), want: Rcode.FORMERR },
  { name: 'two OPT records', msg: (() => { const q = query('a.b', Type.A, { edns: 1232 }); q.writeUInt16BE(2, 10); return Buffer.concat([q, q.subarray(q.length - 11)]) })(), want: Rcode.FORMERR },
]

for (const r of rejects) {
  test(`parseQuery: ${r.name} → ${r.want === 'drop' ? 'dropped' : r.want === Rcode.FORMERR ? 'FORMERR' : 'NOTIMP'}`, () => {
    const p = parseQuery(r.msg)
    if (r.want === 'drop') assert.equal(p.kind, 'drop')
    else {
      assert.equal(p.kind, 'reject')
      if (p.kind !== 'reject') return
      assert.equal(p.response.length, 12)
      assert.equal(p.response.readUInt16BE(0), r.msg.readUInt16BE(0)) // the query's id
      assert.equal(p.response.readUInt16BE(2) >> 15, 1)
      assert.equal(rcodeOf(p.response), r.want)
    }
  })
}

const response = (answers: Response['answers'], extra: Partial<Response> = {}): Response => ({
  id: 7,
  opcode: 0,
  aa: true,
  rd: true,
  ra: true,
  rcode: Rcode.NOERROR,
  question: { name: 'Web.default.svc.cluster.local', type: Type.A, class: Class.IN },
  answers,
  authorities: [],
  additionals: [],
  ...extra,
})

test('encodeResponse: header, question as asked, records readable back; names compressed', () => {
  const answers = [1, 2, 3].map((n) => ({ name: 'Web.default.svc.cluster.local', ttl: 30, data: { type: 'A' as const, address: `127.244.0.${n}` } }))
  const buf = encodeResponse(response(answers))
  assert.deepEqual(responseHeader(buf), { id: 7, rcode: 0, tc: false, qr: true })
  assert.equal(buf.readUInt16BE(2), 0x8580) // QR AA RD RA
  assert.deepEqual(parseAnswers(buf), answers)
  // 12 header + 35 question + 3 × (2 pointer + 10 + 4): the owner names are pointers to the question.
  assert.equal(buf.length, 12 + 35 + 3 * 16)
  assert.ok(buf.includes(Buffer.from('Web', 'latin1')))
})

test('encodeResponse: every record type writes; CNAME chains read back', () => {
  const buf = encodeResponse(
    response(
      [
        { name: 'a.cluster.local', ttl: 30, data: { type: 'CNAME', target: 'b.example.com' } },
        { name: 'b.example.com', ttl: 5, data: { type: 'AAAA', address: '2001:db8::1' } },
        { name: 'b.example.com', ttl: 5, data: { type: 'AAAA', address: '::ffff:127.0.0.1' } },
      ],
      {
        authorities: [{ name: 'cluster.local', ttl: 30, data: { type: 'SOA', mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 } }],
        additionals: [
          { name: 'x.cluster.local', ttl: 30, data: { type: 'SRV', priority: 0, weight: 100, port: 53, target: 'ns.dns.cluster.local' } },
          { name: 'x.cluster.local', ttl: 30, data: { type: 'TXT', strings: ['1.1.0'] } },
          { name: 'x.cluster.local', ttl: 30, data: { type: 'PTR', target: 'y.cluster.local' } },
          { name: 'cluster.local', ttl: 30, data: { type: 'NS', target: 'ns.dns.cluster.local' } },
        ],
        edns: { udpSize: 1232 },
      },
    ),
  )
  assert.deepEqual(
    parseAnswers(buf)?.map((r) => (r.data.type === 'CNAME' ? r.data.target : r.data.type === 'AAAA' ? r.data.address : '')),
    ['b.example.com', '2001:db8:0:0:0:0:0:1', '0:0:0:0:0:ffff:7f00:1'],
  )
  assert.equal(buf.readUInt16BE(10), 5) // 4 additionals + OPT
})

test('encodeResponse: past the limit the records go and TC is set (the client retries over TCP)', () => {
  const answers = Array.from({ length: 60 }, (_, n) => ({ name: 'db.default.svc.cluster.local', ttl: 30, data: { type: 'A' as const, address: `127.244.0.${n}` } }))
  const full = encodeResponse(response(answers))
  assert.ok(full.length > 512)
  const cut = encodeResponse(response(answers), 512)
  assert.deepEqual(responseHeader(cut), { id: 7, rcode: 0, tc: true, qr: true })
  assert.equal(cut.readUInt16BE(6), 0)
  assert.equal(cut.readUInt16BE(4), 1)
})

test('encodeResponse: a name it cannot write throws (the server answers SERVFAIL)', () => {
  assert.throws(() => encodeResponse(response([{ name: `${'a'.repeat(64)}.x`, ttl: 1, data: { type: 'A', address: '127.0.0.1' } }])), RangeError)
  assert.throws(() => encodeResponse(response([{ name: 'a..b', ttl: 1, data: { type: 'A', address: '127.0.0.1' } }])), RangeError)
  assert.throws(() => encodeResponse(response([{ name: 'a', ttl: 1, data: { type: 'A', address: '::1' } }])), RangeError)
})

test('property: parseQuery never throws; a reject is 12 bytes with the id, QR and FORMERR/NOTIMP', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const buf = Buffer.from(bytes)
      const p = parseQuery(buf)
      if (p.kind === 'drop') return buf.length < 12 || (buf[2] & 0x80) !== 0
      if (p.kind === 'reject') return p.response.length === 12 && p.response.readUInt16BE(0) === buf.readUInt16BE(0) && [Rcode.FORMERR, Rcode.NOTIMP].includes(rcodeOf(p.response) as 1 | 4)
      return p.query.id === buf.readUInt16BE(0)
    }),
    { numRuns: 5000 },
  )
})

test('property: a query built from any name and type parses back to the same question', () => {
  const label = fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/)
  fc.assert(
    fc.property(fc.array(label, { minLength: 0, maxLength: 6 }), fc.integer({ min: 0, max: 65535 }), (labels, type) => {
      const name = labels.join('.')
      const p = parseQuery(query(name, type))
      return p.kind === 'query' && p.query.question.name === name && p.query.question.type === type
    }),
  )
})
