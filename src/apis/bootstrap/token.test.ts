import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bootstrapTokenSecret, bootstrapTokenUser, generateBootstrapToken, parseBootstrapToken, readBootstrapTokenSecret } from './token.js'

const now = new Date('2026-12-01T00:00:00Z')

test('a generated token has kubeadm\'s form and its Secret the fields kubeadm writes', () => {
  const token = generateBootstrapToken()
  assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/)
  const s = bootstrapTokenSecret('abcdef.0123456789abcdef', { ttlMs: 24 * 3600_000, description: 'for worker-1' }, now)
  assert.equal((s.metadata as { name: string }).name, 'bootstrap-token-abcdef')
  assert.equal(s.type, 'bootstrap.kubernetes.io/token')
  const data = Object.fromEntries(Object.entries(s.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]))
  assert.deepEqual(data, {
    'token-id': 'abcdef',
    'token-secret': '0123456789abcdef',
    description: 'for worker-1',
    expiration: '2026-12-02T00:00:00Z',
    'usage-bootstrap-signing': 'true',
    'usage-bootstrap-authentication': 'true',
    'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
  })
  assert.deepEqual(readBootstrapTokenSecret(s as never)?.usages, ['authentication', 'signing'])
})

test('the authenticator: the right secret before expiry is system:bootstrap:<id>; anything else is nobody', () => {
  const s = bootstrapTokenSecret('abcdef.0123456789abcdef', { ttlMs: 3600_000 }, now) as never
  assert.deepEqual(bootstrapTokenUser('abcdef.0123456789abcdef', s, now), {
    username: 'system:bootstrap:abcdef',
    groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'],
  })
  assert.equal(bootstrapTokenUser('abcdef.0123456789abcdee', s, now), undefined, 'wrong secret')
  assert.equal(bootstrapTokenUser('abcdef.0123456789abcdef', s, new Date(now.getTime() + 3600_000)), undefined, 'expired')
  assert.equal(bootstrapTokenUser('abcdef.0123456789abcdef', undefined, now), undefined, 'no Secret')
  assert.equal(bootstrapTokenUser('not-a-token', s, now), undefined)
  const signingOnly = bootstrapTokenSecret('abcdef.0123456789abcdef', { ttlMs: 0, usages: ['signing'] }, now) as never
  assert.equal(bootstrapTokenUser('abcdef.0123456789abcdef', signingOnly, now), undefined, 'not for authentication')
  const badGroup = bootstrapTokenSecret('abcdef.0123456789abcdef', { ttlMs: 0, groups: ['system:masters'] }, now) as never
  assert.equal(bootstrapTokenUser('abcdef.0123456789abcdef', badGroup, now), undefined, 'extra groups must be system:bootstrappers:*')
  assert.equal(parseBootstrapToken('ABCDEF.0123456789abcdef'), undefined)
})
