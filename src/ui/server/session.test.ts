import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readCookie, sessionCookie, Sessions } from './session.js'

function fixture(opts: ConstructorParameters<typeof Sessions>[0] = {}) {
  let now = 1_000_000
  let n = 0
  const s = new Sessions({ now: () => now, random: () => `r${++n}`, ...opts })
  return { s, advance: (ms: number) => (now += ms) }
}

test('a token is redeemed once for a session', () => {
  const { s } = fixture()
  const t = s.mintToken()
  const id = s.redeem(t)
  assert.ok(id)
  assert.notEqual(id, t)
  assert.equal(s.check(id), true)
  assert.equal(s.redeem(t), undefined, 'second use of the same token')
})

test('unknown tokens and sessions are refused', () => {
  const { s } = fixture()
  s.mintToken()
  assert.equal(s.redeem('nope'), undefined)
  assert.equal(s.redeem(''), undefined)
  assert.equal(s.check(undefined), false)
  assert.equal(s.check('r1'), false, 'a token is not a session id')
})

test('tokens expire; sessions end after being idle, and each use extends them', () => {
  const { s, advance } = fixture({ tokenTtlMs: 1000, idleMs: 5000 })
  const late = s.mintToken()
  advance(1001)
  assert.equal(s.redeem(late), undefined)
  const id = s.redeem(s.mintToken())!
  advance(4000)
  assert.equal(s.check(id), true)
  advance(4000)
  assert.equal(s.check(id), true, 'the check 4 s ago extended it')
  advance(5001)
  assert.equal(s.check(id), false)
})

test('at most maxTokens unredeemed tokens are kept: the oldest goes first', () => {
  const { s } = fixture({ maxTokens: 2 })
  const a = s.mintToken()
  const b = s.mintToken()
  const c = s.mintToken()
  assert.equal(s.redeem(a), undefined)
  assert.ok(s.redeem(b))
  assert.ok(s.redeem(c))
})

test('end() logs a session out', () => {
  const { s } = fixture()
  const id = s.redeem(s.mintToken())!
  s.end(id)
  assert.equal(s.check(id), false)
})

test('cookies: HttpOnly, SameSite=Strict, one name per port; read back from a Cookie header', () => {
  assert.equal(sessionCookie(6480, 'abc'), 'kubelite-dashboard-6480=abc; Path=/; HttpOnly; SameSite=Strict')
  assert.equal(readCookie('a=1; kubelite-dashboard-6480=abc; kubelite-dashboard-6481=x', 'kubelite-dashboard-6480'), 'abc')
  assert.equal(readCookie('kubelite-dashboard-64800=zzz', 'kubelite-dashboard-6480'), undefined)
  assert.equal(readCookie(undefined, 'x'), undefined)
})
