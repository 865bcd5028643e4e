import { test } from 'node:test'
import assert from 'node:assert/strict'
import { X509Certificate, createPublicKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryStore } from '../store/memory/memory.js'
import { ensureCredentials, shareCredentials, sharedCredentialsKey } from './pki.js'

test('control planes on one store share the CA, the service-account key and the admin token', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kubelite-pki-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  const store = new MemoryStore()
  t.after(() => store.close())
  const [dirA, dirB] = [join(root, 'a'), join(root, 'b')]
  const [localA, localB] = await Promise.all([ensureCredentials(dirA), ensureCredentials(dirB)])
  assert.notEqual(localA.caCertPem, localB.caCertPem) // each data dir made its own

  const a = await shareCredentials(store, dirA, localA)
  assert.equal(a, localA, 'the first one keeps its own')
  const b = await shareCredentials(store, dirB, localB)
  assert.equal(b.caCertPem, localA.caCertPem)
  assert.equal(b.token, localA.token)
  assert.deepEqual(createPublicKey(b.serviceAccountKey).export({ type: 'spki', format: 'der' }), createPublicKey(localA.serviceAccountKey).export({ type: 'spki', format: 'der' }))
  // B serves with a certificate of its own, signed by the shared CA.
  assert.notEqual(b.serverCertPem, localA.serverCertPem)
  assert.ok(new X509Certificate(b.serverCertPem).verify(new X509Certificate(localA.caCertPem).publicKey))
  // B's data dir now holds the shared identity: a restart keeps it without asking again.
  assert.equal(readFileSync(join(dirB, 'pki', 'ca.crt'), 'utf8'), localA.caCertPem)
  assert.equal(readFileSync(join(dirB, 'pki', 'admin.token'), 'utf8').trim(), localA.token)
  const again = await shareCredentials(store, dirB, await ensureCredentials(dirB))
  assert.equal(again.serverCertPem, b.serverCertPem)
  // Not in the API's key space.
  assert.ok(!sharedCredentialsKey.startsWith('/registry/'))
})
