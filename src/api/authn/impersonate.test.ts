import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isStatusError } from '../../apis/status.js'
import type { UserInfo } from '../authz.js'
import { impersonate } from './impersonate.js'

const admin: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'], admin: true }
const bob: UserInfo = { username: 'bob', groups: ['dev', 'system:authenticated'] }

test('no impersonation headers: the requester itself', async () => {
  assert.equal(await impersonate(bob, { accept: ['*/*'] }), bob)
})

test('the admin acts as a user, always with system:authenticated (as upstream), unless anonymous', async () => {
  assert.deepEqual(await impersonate(admin, { 'impersonate-user': ['alice'] }), { username: 'alice', groups: ['system:authenticated'] })
  assert.deepEqual(await impersonate(admin, { 'impersonate-user': ['alice'], 'impersonate-group': ['dev', 'qa'] }), { username: 'alice', groups: ['dev', 'qa', 'system:authenticated'] })
  assert.deepEqual(await impersonate(admin, { 'impersonate-user': ['alice'], 'impersonate-group': ['system:masters'] }), { username: 'alice', groups: ['system:masters', 'system:authenticated'], admin: true })
  assert.deepEqual(await impersonate(admin, { 'impersonate-user': ['system:anonymous'] }), { username: 'system:anonymous', groups: [] })
})

test('impersonating a service account gives its groups, as upstream', async () => {
  assert.deepEqual(await impersonate(admin, { 'impersonate-user': ['system:serviceaccount:ci:builder'] }), {
    username: 'system:serviceaccount:ci:builder',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
  })
})

test('anyone else is refused with upstream 403 wording, never ignored', async () => {
  const refused = (headers: Record<string, string[]>, message: string) =>
    assert.rejects(impersonate(bob, headers), (err: unknown) => isStatusError(err) && err.status.code === 403 && err.status.message === message)
  await refused({ 'impersonate-user': ['alice'] }, 'users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope')
  await refused(
    { 'impersonate-user': ['system:serviceaccount:ci:builder'] },
    'serviceaccounts "builder" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "ci"',
  )
})

test('groups, a UID or extras without a user are a 400', async () => {
  for (const headers of [{ 'impersonate-group': ['dev'] }, { 'impersonate-uid': ['1'] }, { 'impersonate-extra-scopes': ['a'] }]) {
    await assert.rejects(impersonate(admin, headers), (err: unknown) => isStatusError(err) && err.status.code === 400)
  }
})

test('a user RBAC lets impersonate (the edit role: serviceaccounts) may; each group asked is checked too', async () => {
  const may = async (_: UserInfo, what: { resource: string; name: string; namespace?: string }) => what.resource === 'serviceaccounts' && what.namespace === 'ci'
  assert.deepEqual(await impersonate(bob, { 'impersonate-user': ['system:serviceaccount:ci:builder'] }, may), {
    username: 'system:serviceaccount:ci:builder',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
  })
  await assert.rejects(
    impersonate(bob, { 'impersonate-user': ['system:serviceaccount:ci:builder'], 'impersonate-group': ['system:masters'] }, may),
    (err: unknown) => isStatusError(err) && err.status.message === 'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope',
  )
})
