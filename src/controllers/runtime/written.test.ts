import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OwnWrites } from './written.js'

const obj = (rv: string, note: string) => ({ metadata: { uid: 'u', resourceVersion: rv }, note })

test('OwnWrites hands back our own newer write until the cache has caught up', () => {
  const w = new OwnWrites()
  assert.equal(w.fresher(obj('5', 'cache')).note, 'cache', 'nothing written')
  w.remember(obj('7', 'mine'))
  assert.equal(w.fresher(obj('5', 'cache')).note, 'mine')
  assert.equal(w.fresher(obj('7', 'cache')).note, 'cache', 'caught up')
  assert.equal(w.fresher(obj('5', 'cache')).note, 'cache', 'forgotten once the cache had it')
  w.remember(obj('9', 'mine'))
  w.forget('u')
  assert.equal(w.fresher(obj('8', 'cache')).note, 'cache')
})

test('OwnWrites lists what we created for an owner until the cache shows it', () => {
  const w = new OwnWrites()
  const created = { metadata: { uid: 'rs1', resourceVersion: '3', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'd1', controller: true }] } }
  w.remember(created)
  assert.deepEqual(w.unseenOf('d1', new Set()), [created])
  assert.deepEqual(w.unseenOf('d2', new Set()), [])
  assert.deepEqual(w.unseenOf('d1', new Set(['rs1'])), [])
})
