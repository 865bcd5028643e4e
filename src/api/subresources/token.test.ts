// serviceaccounts/token: a TokenRequest answered with a token the authenticator accepts as the
// ServiceAccount until it expires; a missing ServiceAccount is a 404; too short a life is Invalid.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ResourceStore } from '../../registry/rest.js'
import { errors } from '../../apis/status.js'
import { verifyHS256 } from '../../lib/jwt.js'
import { ServiceAccountTokens } from './token.js'

const key = Buffer.alloc(32, 7)
let now = new Date('2025-01-01T00:00:00Z')
const tokens = new ServiceAccountTokens({ key, clock: () => now })
const sas = {
  get: async (ns: string, name: string) => {
    if (name !== 'default') throw errors.notFound({ group: '', resource: 'serviceaccounts' }, name)
    return { metadata: { name, namespace: ns, uid: 'sa-uid' } }
  },
} as unknown as ResourceStore

test('a bound token for system:serviceaccount:<ns>:<name>, accepted until it expires', async () => {
  const r = (await tokens.create(sas, 'shop', 'default', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'pod-uid' } },
  })) as { kind: string; status: { token: string; expirationTimestamp: string }; spec: { audiences: string[] } }
  assert.equal(r.kind, 'TokenRequest')
  assert.equal(r.status.expirationTimestamp, '2025-01-01T01:00:07Z')
  assert.deepEqual(r.spec.audiences, ['https://kubernetes.default.svc.cluster.local'])
  const claims = verifyHS256(r.status.token, key)!
  assert.equal(claims.sub, 'system:serviceaccount:shop:default')
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'shop', serviceaccount: { name: 'default', uid: 'sa-uid' }, pod: { name: 'web', uid: 'pod-uid' } })
  assert.equal(tokens.authenticate(r.status.token), 'system:serviceaccount:shop:default')
  assert.equal(tokens.authenticate(r.status.token.slice(0, -2) + 'xx'), undefined)
  assert.equal(new ServiceAccountTokens({ key: Buffer.alloc(32, 8), clock: () => now }).authenticate(r.status.token), undefined)
  now = new Date('2025-01-01T01:00:08Z')
  assert.equal(tokens.authenticate(r.status.token), undefined)
  now = new Date('2025-01-01T00:00:00Z')
})

test('a missing ServiceAccount is NotFound; less than 10 minutes is Invalid', async () => {
  await assert.rejects(tokens.create(sas, 'shop', 'robot', { spec: {} }), /serviceaccounts "robot" not found/)
  await assert.rejects(tokens.create(sas, 'shop', 'default', { spec: { expirationSeconds: 60 } }), /may not specify a duration less than 10 minutes/)
})
