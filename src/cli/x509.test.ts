import { test } from 'node:test'
import assert from 'node:assert/strict'
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCertificate, newKeyPair, privateKeyPem } from './x509.js'

test('a CA and a serving certificate that verify, with the right names and usages', () => {
  const notBefore = new Date('2026-01-01T00:00:00Z')
  const notAfter = new Date('2036-01-01T00:00:00Z')
  const caKeys = newKeyPair()
  const ca = new X509Certificate(createCertificate({ subject: 'kubelite-ca', keys: caKeys, notBefore, notAfter, ca: true }))
  const serverKeys = newKeyPair()
  const server = new X509Certificate(
    createCertificate({ subject: 'kube-apiserver', issuer: { subject: 'kubelite-ca', ...caKeys }, keys: serverKeys, notBefore, notAfter, ca: false, altNames: ['localhost', '127.0.0.1', '::1'] }),
  )
  assert.equal(ca.subject, 'CN=kubelite-ca')
  assert.equal(ca.ca, true)
  assert.ok(ca.verify(caKeys.publicKey), 'self-signed')
  assert.ok(ca.checkIssued(ca))
  assert.equal(server.subject, 'CN=kube-apiserver')
  assert.equal(server.issuer, 'CN=kubelite-ca')
  assert.equal(server.ca, false)
  assert.ok(server.verify(caKeys.publicKey), 'signed by the CA')
  assert.ok(server.checkIssued(ca))
  assert.equal(server.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1')
  assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1')
  assert.equal(server.checkHost('localhost'), 'localhost')
  assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1'])
  assert.equal(server.validFrom, 'Jan  1 00:00:00 2026 GMT')
  assert.equal(server.validTo, 'Jan  1 00:00:00 2036 GMT')
  assert.ok(server.checkPrivateKey(createPrivateKey(privateKeyPem(serverKeys.privateKey))))

  const openssl = spawnSync('openssl', ['version'])
  if (openssl.status === 0) {
    const dir = mkdtempSync(join(tmpdir(), 'x509-'))
    try {
      writeFileSync(join(dir, 'ca.crt'), ca.toString())
      writeFileSync(join(dir, 'server.crt'), server.toString())
      const v = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), '-purpose', 'sslserver', join(dir, 'server.crt')])
      assert.equal(v.stdout.toString().trim(), `${join(dir, 'server.crt')}: OK`, v.stderr.toString())
      const text = spawnSync('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'server.crt')]).stdout.toString()
      assert.match(text, /Digital Signature, Key Encipherment/)
      assert.match(text, /X509v3 Authority Key Identifier/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
})
