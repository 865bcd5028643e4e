import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isStatusError } from '../../apis/status.js'
import type { UserInfo } from '../authz.js'
import { impersonate } from './impersonate.js'

const admin: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'], admin: true }
const bob: UserInfo = { username: 'bob', groups: ['dev', 'system:authenticated'] }

test('no impersonation headers: the requester itself', () => {
  assert.equal(impersonate(bob, { accept: ['*/*'] }), bob)
})

test('the admin acts as a user, with system:authenticated added unless groups are given', () => {
  assert.deepEqual(impersonate(admin, { 'impersonate-user': ['alice'] }), { username: 'alice', groups: ['system:authenticated'] })
  assert.deepEqual(impersonate(admin, { 'impersonate-user': ['alice'], 'impersonate-group': ['dev', 'qa'] }), { username: 'alice', groups: ['dev', 'qa'] })
  assert.deepEqual(impersonate(admin, { 'impersonate-user': ['alice'], 'impersonate-group': ['system:masters'] }), { username: 'alice', groups: ['system:masters'], admin: true })
  assert.deepEqual(impersonate(admin, { 'impersonate-user': ['system:anonymous'] }), { username: 'system:anonymous', groups: [] })
})

test('impersonating a service account gives its groups, as upstream', () => {
  assert.deepEqual(impersonate(admin, { 'impersonate-user': ['system:serviceaccount:ci:builder'] }), {
    username: 'system:serviceaccount:ci:builder',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
  })
})

test('anyone else is refused with upstream 403 wording, never ignored', () => {
  const refused = (headers: Record<string, string[]>, message: string) =>
    assert.throws(() => impersonate(bob, headers), (err: unknown) => isStatusError(err) && err.status.code === 403 && err.status.message === message)
  refused({ 'impersonate-user': ['alice'] }, 'users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope')
  refused(
    { 'impersonate-user': ['system:serviceaccount:ci:builder'] },
    'serviceaccounts "builder" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "ci"',
  )
})

test('groups, a UID or extras without a user are a 400', () => {
  for (const headers of [{ 'impersonate-group': ['dev'] }, { 'impersonate-uid': ['1'] }, { 'impersonate-extra-scopes': ['a'] }]) {
    assert.throws(() => impersonate(admin, headers), (err: unknown) => isStatusError(err) && err.status.code === 400)
  }
})
