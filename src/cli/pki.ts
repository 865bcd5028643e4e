// Credentials kept in the data dir: a CA, a serving certificate for 127.0.0.1/localhost signed by it,
// and an admin bearer token. Made on first start (ECDSA P-256: fast to generate, with node:crypto alone), reused after, so
// a restart keeps the kubeconfig valid.
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createCertificate, newKeyPair, privateKeyPem } from '../lib/x509.js'

export interface Credentials {
  caCertPem: string
  serverCertPem: string
  serverKeyPem: string
  token: string
  /** Signs service-account tokens (upstream's sa.key). */
  serviceAccountKey: KeyObject
}

const files = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'apiserver.crt',
  serverKey: 'apiserver.key',
  token: 'admin.token',
  serviceAccountKey: 'sa.key',
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** Load the credentials in `<dataDir>/pki`, creating whatever is missing. */
export async function ensureCredentials(dataDir: string): Promise<Credentials> {
  const [tls, serviceAccountKey] = await Promise.all([ensureTLS(dataDir), ensureServiceAccountKey(dataDir)])
  return { ...tls, serviceAccountKey }
}

/** The service-account signing key (ECDSA P-256, ES256 tokens); a data dir from before it gets one. */
async function ensureServiceAccountKey(dataDir: string): Promise<KeyObject> {
  const path = join(dataDir, 'pki', files.serviceAccountKey)
  const pem = await readIfExists(path)
  if (pem) return createPrivateKey(pem)
  await mkdir(join(dataDir, 'pki'), { recursive: true, mode: 0o700 })
  const { privateKey } = newKeyPair()
  await writeFile(path, privateKeyPem(privateKey), { mode: 0o600 })
  return privateKey
}

async function ensureTLS(dataDir: string): Promise<Omit<Credentials, 'serviceAccountKey'>> {
  const dir = join(dataDir, 'pki')
  const p = (f: string) => join(dir, f)
  const [caCertPem, serverCertPem, serverKeyPem, token] = await Promise.all([
    readIfExists(p(files.caCert)),
    readIfExists(p(files.serverCert)),
    readIfExists(p(files.serverKey)),
    readIfExists(p(files.token)),
  ])
  if (caCertPem && serverCertPem && serverKeyPem && token) return { caCertPem, serverCertPem, serverKeyPem, token: token.trim() }

  await mkdir(dir, { recursive: true, mode: 0o700 })
  const created = await generateCredentials()
  await writeFile(p(files.caCert), created.caCertPem, { mode: 0o644 })
  await writeFile(p(files.caKey), created.caKeyPem, { mode: 0o600 })
  await writeFile(p(files.serverCert), created.serverCertPem, { mode: 0o644 })
  await writeFile(p(files.serverKey), created.serverKeyPem, { mode: 0o600 })
  const tok = token?.trim() || created.token
  await writeFile(p(files.token), tok + '\n', { mode: 0o600 })
  return { caCertPem: created.caCertPem, serverCertPem: created.serverCertPem, serverKeyPem: created.serverKeyPem, token: tok }
}

async function generateCredentials(): Promise<Omit<Credentials, 'serviceAccountKey'> & { caKeyPem: string }> {
  const notBefore = new Date(Date.now() - 60_000)
  const notAfter = new Date(Date.now() + 10 * 365 * 864e5)
  const caKeys = newKeyPair()
  const serverKeys = newKeyPair()
  const caCertPem = createCertificate({ subject: 'kubelite-ca', keys: caKeys, notBefore, notAfter, ca: true })
  const serverCertPem = createCertificate({
    subject: 'kube-apiserver',
    issuer: { subject: 'kubelite-ca', ...caKeys },
    keys: serverKeys,
    notBefore,
    notAfter,
    ca: false,
    altNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '127.0.0.1', '127.96.0.1', '::1'],
  })
  return {
    caCertPem,
    caKeyPem: privateKeyPem(caKeys.privateKey),
    serverCertPem,
    serverKeyPem: privateKeyPem(serverKeys.privateKey),
    token: randomBytes(32).toString('base64url'),
  }
}
