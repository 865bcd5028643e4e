// The Ingress listener's fallback certificate, for TLS clients that send no server name (or one no
// Ingress lists): self-signed, named as ingress-nginx names its own, made fresh at every start.
// RSA, because OpenSSL keeps serving an ECDSA default certificate even when the SNI callback picks
// an RSA one (what `openssl req -newkey rsa:2048` makes); made off the event loop (~100 ms).
import { generateKeyPair, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import { createCertificate, privateKeyPem } from '../lib/x509.js'

export async function fakeIngressCertificate(now = new Date()): Promise<{ cert: string; key: string }> {
  const keys = (await promisify(generateKeyPair)('rsa', { modulusLength: 2048 })) as { privateKey: KeyObject; publicKey: KeyObject }
  const notAfter = new Date(now.getTime() + 365 * 24 * 3600_000)
  const cert = createCertificate({ subject: 'Kubernetes Ingress Controller Fake Certificate', keys, notBefore: new Date(now.getTime() - 60_000), notAfter, ca: false, altNames: ['ingress.local'] })
  return { cert, key: privateKeyPem(keys.privateKey) }
}
