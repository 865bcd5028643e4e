import { test } from 'node:test'
import assert from 'node:assert/strict'
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCertificate, createCertificateRequest, newKeyPair, parseCertificateRequest, privateKeyPem } from './x509.js'

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

test('a certificate request: openssl reads it, parsing checks its signature, and the CA signs a client certificate from it', () => {
  const keys = newKeyPair()
  const csr = createCertificateRequest({ subject: 'system:node:worker-1', organizations: ['system:nodes'], keys })
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-csr-'))
  try {
    writeFileSync(join(dir, 'r.csr'), csr)
    const out = spawnSync('openssl', ['req', '-in', join(dir, 'r.csr'), '-noout', '-verify', '-subject'], { encoding: 'utf8' })
    if (out.error === undefined) {
      assert.match(out.stdout + out.stderr, /verify OK/i)
      assert.match(out.stdout, /O\s*=\s*system:nodes, CN\s*=\s*system:node:worker-1/)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const parsed = parseCertificateRequest(csr)
  assert.equal(parsed.commonName, 'system:node:worker-1')
  assert.deepEqual(parsed.organizations, ['system:nodes'])

  const caKeys = newKeyPair()
  const now = new Date()
  const ca = new X509Certificate(createCertificate({ subject: 'kubelite-ca', keys: caKeys, notBefore: now, notAfter: new Date(now.getTime() + 864e5), ca: true }))
  const leaf = new X509Certificate(
    createCertificate({ subject: parsed.commonName, organizations: parsed.organizations, issuer: { subject: 'kubelite-ca', ...caKeys }, keys: { publicKey: parsed.publicKey }, notBefore: now, notAfter: new Date(now.getTime() + 864e5), ca: false, usages: ['clientAuth'] }),
  )
  assert.equal(leaf.subject, 'O=system:nodes\nCN=system:node:worker-1')
  assert.ok(leaf.verify(caKeys.publicKey))
  assert.ok(leaf.checkIssued(ca))
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.2'])
})

test('a certificate request that is not one, or whose signature does not match, is refused with Go\'s words', () => {
  assert.throws(() => parseCertificateRequest('hello'), /PEM block type must be CERTIFICATE REQUEST/)
  const cert = createCertificate({ subject: 'x', keys: newKeyPair(), notBefore: new Date(), notAfter: new Date(Date.now() + 1e6), ca: true })
  assert.throws(() => parseCertificateRequest(cert), /PEM block type must be CERTIFICATE REQUEST/)
  const csr = createCertificateRequest({ subject: 'system:node:a', keys: newKeyPair() })
  const der = Buffer.from(csr.split('\n').filter((l) => !l.startsWith('-----')).join(''), 'base64')
  const i = der.indexOf(Buffer.from('system:node:a'))
  der[i + 12] = 'b'.charCodeAt(0)
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`
  assert.throws(() => parseCertificateRequest(tampered), /x509: ECDSA verification failure/)
})
