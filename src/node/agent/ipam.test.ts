import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PodCIDRError, PodIPAllocator, parseCIDR } from './ipam.js'

test('allocates round-robin, skipping network and broadcast, never an address in use', () => {
  const a = new PodIPAllocator('127.244.1.0/29') // .1 - .6 usable
  const got = ['a', 'b', 'c'].map((o) => a.allocate(o))
  assert.deepEqual(got, ['127.244.1.1', '127.244.1.2', '127.244.1.3'])
  a.release('a')
  // The released .1 is reused only after the rest of the range.
  assert.deepEqual(['d', 'e', 'f'].map((o) => a.allocate(o)), ['127.244.1.4', '127.244.1.5', '127.244.1.6'])
  assert.equal(a.allocate('g'), '127.244.1.1')
  assert.throws(() => a.allocate('h'), PodCIDRError)
  assert.equal(a.allocate('b'), '127.244.1.2', 'an owner keeps its address')
})

test('reserve for adoption', () => {
  const a = new PodIPAllocator('127.244.0.0/24')
  assert.equal(a.reserve('127.244.0.7', 'x'), true)
  assert.equal(a.reserve('127.244.0.7', 'y'), false)
  assert.equal(a.reserve('127.244.1.7', 'y'), false)
  assert.equal(a.reserve('127.244.0.0', 'y'), false)
  assert.equal(a.ipOf('x'), '127.244.0.7')
  assert.equal(a.allocate('x'), '127.244.0.7')
})

test('parseCIDR', () => {
  assert.deepEqual(parseCIDR('127.244.3.9/24'), { base: (127 << 24 >>> 0) + 244 * 65536 + 3 * 256, size: 256 })
  assert.throws(() => parseCIDR('127.244.0.0'), /invalid CIDR address/)
  assert.throws(() => parseCIDR('300.0.0.0/8'), /invalid CIDR/)
})

test('addresses another process already listens on are skipped', () => {
  const busy = new Set(['127.244.1.1', '127.244.1.3'])
  const a = new PodIPAllocator('127.244.1.0/29', (ip) => busy.has(ip))
  assert.deepEqual(['a', 'b'].map((o) => a.allocate(o)), ['127.244.1.2', '127.244.1.4'])
  // Adoption keeps a pod's own address even though its own process listens there.
  assert.equal(a.reserve('127.244.1.3', 'adopted'), true)
})
