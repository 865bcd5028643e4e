// The weighted picker under the traffic annotation: exact long-run shares, stickiness, header
// routes first, mirrors that never move the main picks.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { parseTrafficPolicy } from '../apis/traffic/annotation.js'
import { PortBalancer } from './balancer.js'
import type { Backend } from './endpoints.js'
import { CompiledPolicy, requestFacts } from './route.js'

const be = (i: number, group: number): Backend => ({ key: `127.244.1.${i}:8080`, ip: `127.244.1.${i}`, port: 8080, group })

/** A balancer with `counts[g]` endpoints in group g and these weights. */
function balancer(counts: number[], weights: number[]): PortBalancer {
  const b = new PortBalancer()
  let n = 1
  b.setBackends(counts.flatMap((c, g) => Array.from({ length: c }, () => be(n++, g))))
  b.setWeights(weights)
  return b
}

const weightsArb = fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 5 }).filter((w) => w.some((x) => x > 0))

test('long-run share is within 1 point of the weight over 10,000 picks', () => {
  fc.assert(
    fc.property(weightsArb, fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 5, maxLength: 5 }), (weights, sizes) => {
      const b = balancer(weights.map((_, g) => sizes[g]), weights)
      const picks = weights.map(() => 0)
      for (let i = 0; i < 10_000; i++) picks[b.pick('')!.group!]++
      const total = weights.reduce((a, x) => a + x, 0)
      weights.forEach((w, g) => assert.ok(Math.abs((picks[g] / 100) - (100 * w) / total) <= 1, `group ${g}: ${picks[g] / 100}% for weight ${w}/${total}`))
    }),
    { numRuns: 100 },
  )
})

test('a backend without endpoints is skipped; its share goes to the others', () => {
  const b = balancer([2, 0, 1], [50, 40, 10])
  const picks = [0, 0, 0]
  for (let i = 0; i < 6000; i++) picks[b.pick('')!.group!]++
  assert.deepEqual(picks, [5000, 0, 1000])
})

test('a requested group (header route, sticky cookie) always wins while it has an endpoint', () => {
  fc.assert(
    fc.property(weightsArb, fc.nat(), fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 200 }), (weights, seed, asks) => {
      const b = balancer(weights.map(() => 2), weights)
      for (const a of asks) {
        const g = (a + seed) % weights.length
        assert.equal(b.pick('', undefined, g)!.group, g)
      }
    }),
  )
})

test('sticky clientIP: one client address always lands on the same backend; addresses spread by weight', () => {
  const b = balancer([1, 1], [90, 10])
  b.setClientIpHash(true)
  assert.equal(b.usesClientIp, true)
  fc.assert(
    fc.property(fc.ipV4(), (ip) => {
      const first = b.pick(ip)!.group
      for (let i = 0; i < 20; i++) assert.equal(b.pick(ip)!.group, first)
    }),
  )
  let canary = 0
  for (let i = 0; i < 2000; i++) if (b.pick(`127.0.${i >> 8}.${i & 255}`)!.group === 1) canary++
  assert.ok(canary > 120 && canary < 280, `${canary} of 2000 clients on the 10% backend`)
})

test('mirror picks never change the main picks', () => {
  fc.assert(
    fc.property(weightsArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 300 }), (weights, mirrorAt) => {
      const plain = balancer(weights.map(() => 2), weights)
      const mirrored = balancer(weights.map(() => 2), weights)
      for (const m of mirrorAt) {
        if (m) mirrored.pickMirror(weights.length - 1)
        assert.equal(mirrored.pick('')!.key, plain.pick('')!.key)
      }
    }),
  )
})

const head = (lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')

test('routes: header routes win over the cookie; the cookie names a backend; mirrors at their percentage', () => {
  const policy = new CompiledPolicy(
    parseTrafficPolicy(
      JSON.stringify({
        backends: [{ name: 'stable', weight: 90 }, { name: 'canary', selector: { v: 'c' }, weight: 10 }],
        sticky: { cookie: 'kubelite-route', maxAgeSeconds: 3600 },
        headerRoutes: [{ name: 'h', match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }], backend: 'canary' }],
        mirrors: [{ name: 'm', match: [{ method: { exact: 'GET' }, path: { prefix: '/api' } }], percentage: 25, backend: 'canary' }],
      }),
    ),
  )
  const facts = requestFacts(head(['GET /api/x HTTP/1.1', 'Host: web', 'x-canary: yes', 'Cookie: a=b; kubelite-route=stable']))
  assert.equal(policy.headerRoute(facts), 1)
  assert.equal(policy.cookieGroup(facts), 0)
  assert.equal(policy.headerRoute(requestFacts(head(['GET / HTTP/1.1', 'X-Canary: no']))), undefined)
  assert.equal(policy.cookieGroup(requestFacts(head(['GET / HTTP/1.1', 'Cookie: kubelite-route=other']))), undefined)
  assert.equal(policy.setCookie(1), 'kubelite-route=canary; Path=/; Max-Age=3600; HttpOnly')
  let copies = 0
  for (let i = 0; i < 100; i++) copies += policy.mirrorGroups(facts).length
  assert.equal(copies, 25)
  assert.deepEqual(policy.mirrorGroups(requestFacts(head(['POST /api/x HTTP/1.1']))), [])
  assert.deepEqual(policy.mirrorGroups(requestFacts(head(['GET /web HTTP/1.1']))), [])
})
