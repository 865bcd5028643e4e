import { test } from 'node:test'
import assert from 'node:assert/strict'
import { nextPodCIDR } from './plan.js'

test('the first /24 of 127.244.0.0/16 no node holds, whatever the sizes of the ranges held', () => {
  assert.equal(nextPodCIDR([]), '127.244.0.0/24')
  assert.equal(nextPodCIDR(['127.244.0.0/24']), '127.244.1.0/24')
  assert.equal(nextPodCIDR(['127.244.0.0/24', '127.244.2.0/24']), '127.244.1.0/24')
  // `kubelite up --runtime sim --nodes 2` splits the /16 in halves: nothing is left.
  assert.equal(nextPodCIDR(['127.244.0.0/17', '127.244.128.0/17']), undefined)
  assert.equal(nextPodCIDR(['127.244.0.0/17']), '127.244.128.0/24')
  assert.equal(nextPodCIDR(['not a cidr', '127.244.0.0/24']), '127.244.1.0/24')
})
