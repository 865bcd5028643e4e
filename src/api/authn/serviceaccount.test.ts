import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import type { StoredObject } from '../../apis/meta.js'
import { ServiceAccountTokens, serviceAccountIssuer, type Lookup } from './serviceaccount.js'

const key = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
const obj = (name: string, uid: string, namespace?: string): StoredObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name, uid, namespace } })

function world() {
  const objects = new Map<string, StoredObject>([
    ['serviceaccounts/team/builder', obj('builder', 'sa-1', 'team')],
    ['pods/team/web', obj('web', 'pod-1', 'team')],
  ])
  const lookup: Lookup = async (resource, ns, name) => objects.get(`${resource}/${ns}/${name}`)
  return { objects, lookup }
}

test('a token names its account, with upstream’s claims, and authenticates while the account lives', async () => {
  const { objects, lookup } = world()
  let now = new Date('2026-12-07T12:00:00Z')
  const tokens = new ServiceAccountTokens(key(), lookup, () => now)
  const { token, expirationTimestamp } = tokens.issue({ account: objects.get('serviceaccounts/team/builder')!, audiences: [serviceAccountIssuer], expirationSeconds: 3600, now })
  assert.equal(expirationTimestamp.toISOString(), '2026-12-07T13:00:00.000Z')
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
  assert.equal(claims.sub, 'system:serviceaccount:team:builder')
  assert.equal(claims.iss, 'https://kubernetes.default.svc.cluster.local')
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'team', serviceaccount: { name: 'builder', uid: 'sa-1' } })
  assert.deepEqual(await tokens.authenticate(token), {
    username: 'system:serviceaccount:team:builder',
    uid: 'sa-1',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
    extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] },
  })
  assert.equal(await tokens.authenticate(token, 'https://elsewhere'), undefined) // not its audience
  now = new Date('2026-12-07T13:00:00Z')
  assert.equal(await tokens.authenticate(token), undefined) // expired
})

test('a token stops working when its account or bound pod is gone or re-created, or when it was not ours', async () => {
  const { objects, lookup } = world()
  const now = new Date()
  const tokens = new ServiceAccountTokens(key(), lookup)
  const account = objects.get('serviceaccounts/team/builder')!
  const bound = tokens.issue({ account, audiences: [serviceAccountIssuer], expirationSeconds: 3600, now, bound: { kind: 'Pod', name: 'web', uid: 'pod-1' } }).token
  assert.deepEqual((await tokens.authenticate(bound))?.extra, {
    'authentication.kubernetes.io/credential-id': [`JTI=${JSON.parse(Buffer.from(bound.split('.')[1], 'base64url').toString()).jti}`],
    'authentication.kubernetes.io/pod-name': ['web'],
    'authentication.kubernetes.io/pod-uid': ['pod-1'],
  })
  objects.set('pods/team/web', obj('web', 'pod-2', 'team')) // the pod was re-created
  assert.equal(await tokens.authenticate(bound), undefined)
  const plain = tokens.issue({ account, audiences: [serviceAccountIssuer], expirationSeconds: 3600, now }).token
  const [h, p, s] = plain.split('.')
  const forged = Buffer.from(p, 'base64url').toString().replace('builder', 'admin')
  assert.equal(await tokens.authenticate(`${h}.${Buffer.from(forged).toString('base64url')}.${s}`), undefined)
  assert.equal(await new ServiceAccountTokens(key(), lookup).authenticate(plain), undefined) // another cluster's key
  assert.equal(await tokens.authenticate('not.a.jwt'), undefined)
  objects.delete('serviceaccounts/team/builder')
  assert.equal(await tokens.authenticate(plain), undefined)
})
