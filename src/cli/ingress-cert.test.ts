import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { fakeIngressCertificate } from './ingress-cert.js'

test('the Ingress fallback certificate: self-signed RSA, named as ingress-nginx’s', async () => {
  const { cert, key } = await fakeIngressCertificate(new Date('2026-12-07T00:00:00Z'))
  const x = new X509Certificate(cert)
  assert.equal(x.subject, 'CN=Kubernetes Ingress Controller Fake Certificate')
  assert.equal(x.subjectAltName, 'DNS:ingress.local')
  assert.equal(x.publicKey.asymmetricKeyType, 'rsa')
  assert.ok(x.verify(x.publicKey), 'signed by its own key')
  assert.ok(x.checkPrivateKey(createPrivateKey(key)))
})
