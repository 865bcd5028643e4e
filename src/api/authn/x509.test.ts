import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isStatusError } from '../../apis/status.js'
import { userFromCertificate, userFromClientCertificate } from './x509.js'

test('CN is the user, every O a group; system:masters is the admin', () => {
  assert.deepEqual(userFromCertificate({ subject: { CN: 'jane', O: 'system:masters' } as never, ext_key_usage: ['1.3.6.1.5.5.7.3.2'] }), {
    username: 'jane',
    groups: ['system:masters', 'system:authenticated'],
    admin: true,
  })
  assert.deepEqual(userFromCertificate({ subject: { CN: 'bob', O: ['dev', 'qa'] } as never, ext_key_usage: undefined as never }), { username: 'bob', groups: ['dev', 'qa', 'system:authenticated'] })
})

test('no CN, or a certificate not for client authentication, is a 401', () => {
  const unauthorized = (err: unknown) => isStatusError(err) && err.status.code === 401
  assert.throws(() => userFromCertificate({ subject: { O: 'dev' } as never, ext_key_usage: undefined as never }), unauthorized)
  assert.throws(() => userFromCertificate({ subject: { CN: 'web' } as never, ext_key_usage: ['1.3.6.1.5.5.7.3.1'] }), unauthorized)
})

test('a connection without a certificate names nobody; one the CA did not sign is a 401', () => {
  assert.equal(userFromClientCertificate({}), undefined)
  assert.equal(userFromClientCertificate({ getPeerCertificate: () => ({}), authorized: false }), undefined)
  assert.throws(
    () => userFromClientCertificate({ getPeerCertificate: () => ({ subject: { CN: 'mallory' } }), authorized: false }),
    (err: unknown) => isStatusError(err) && err.status.code === 401,
  )
  assert.deepEqual(userFromClientCertificate({ getPeerCertificate: () => ({ subject: { CN: 'jane' } }), authorized: true }), { username: 'jane', groups: ['system:authenticated'] })
})
