// The cluster CA as a signer (kube-controller-manager's --cluster-signing-cert-file/-key-file,
// kubeadm points them at its CA): certificates for approved CSRs, and the API server's own client
// certificate for reaching node agents (kubeadm's apiserver-kubelet-client).
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CertificateSigner } from '../controllers/certificates/controller.js'
import { createCertificate, newKeyPair, parseCertificateRequest, privateKeyPem } from '../lib/x509.js'

interface CA {
  subject: string
  notAfter: Date
  privateKey: KeyObject
  publicKey: KeyObject
}

async function loadCA(dataDir: string): Promise<CA> {
  const [certPem, keyPem] = await Promise.all([readFile(join(dataDir, 'pki', 'ca.crt'), 'utf8'), readFile(join(dataDir, 'pki', 'ca.key'), 'utf8')])
  const cert = new X509Certificate(certPem)
  const privateKey = createPrivateKey(keyPem)
  return { subject: cert.subject.replace(/^CN=/, ''), notAfter: new Date(cert.validTo), privateKey, publicKey: createPublicKey(privateKey) }
}

/** Upstream backdates issued certificates by 5 minutes, for clocks a little behind. */
const backdateMs = 5 * 60_000

/** Signs with the CA in `<dataDir>/pki` (read once, on first use). */
export function clusterSigner(dataDir: string, clock: () => Date = () => new Date()): CertificateSigner {
  let ca: Promise<CA> | undefined
  return async ({ requestPem, usages, durationSeconds }) => {
    const { subject, notAfter, privateKey, publicKey } = await (ca ??= loadCA(dataDir))
    const req = parseCertificateRequest(requestPem)
    const now = clock()
    const end = new Date(Math.min(now.getTime() + durationSeconds * 1000, notAfter.getTime()))
    return createCertificate({
      subject: req.commonName,
      organizations: req.organizations,
      issuer: { subject, privateKey, publicKey },
      keys: { publicKey: req.publicKey },
      notBefore: new Date(now.getTime() - backdateMs),
      notAfter: end,
      ca: false,
      usages: [...(usages.includes('server auth') ? (['serverAuth'] as const) : []), ...(usages.includes('client auth') ? (['clientAuth'] as const) : [])],
    })
  }
}

/**
 * The API server's client certificate towards node agents (CN kube-apiserver-kubelet-client, O
 * system:masters), made once and kept in `<dataDir>/pki`.
 */
export async function kubeletClientCredentials(dataDir: string): Promise<{ certPem: string; keyPem: string }> {
  const certPath = join(dataDir, 'pki', 'apiserver-kubelet-client.crt')
  const keyPath = join(dataDir, 'pki', 'apiserver-kubelet-client.key')
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')])
    return { certPem, keyPem }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const { subject, notAfter, privateKey, publicKey } = await loadCA(dataDir)
  const keys = newKeyPair()
  const certPem = createCertificate({
    subject: 'kube-apiserver-kubelet-client',
    organizations: ['system:masters'],
    issuer: { subject, privateKey, publicKey },
    keys,
    notBefore: new Date(Date.now() - backdateMs),
    notAfter,
    ca: false,
    usages: ['clientAuth'],
  })
  const keyPem = privateKeyPem(keys.privateKey)
  await writeFile(keyPath, keyPem, { mode: 0o600 })
  await writeFile(certPath, certPem, { mode: 0o644 })
  return { certPem, keyPem }
}
