// Credentials kept in the data dir: a CA, a serving certificate for 127.0.0.1/localhost signed by it,
// and an admin bearer token. Made on first start (ECDSA P-256: fast to generate, with node:crypto alone), reused after, so
// a restart keeps the kubeconfig valid.
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isStoreError, type Store } from '../store/types.js'
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
  const caCertPem = createCertificate({ subject: 'kubelite-ca', keys: caKeys, notBefore, notAfter, ca: true })
  return { caCertPem, caKeyPem: privateKeyPem(caKeys.privateKey), ...servingCertificate(caKeys), token: randomBytes(32).toString('base64url') }
}

/** The API server's serving certificate (127.0.0.1, localhost, the kubernetes Service's names), signed by the CA. */
function servingCertificate(caKeys: { privateKey: KeyObject; publicKey: KeyObject }): { serverCertPem: string; serverKeyPem: string } {
  const notBefore = new Date(Date.now() - 60_000)
  const notAfter = new Date(Date.now() + 10 * 365 * 864e5)
  const serverKeys = newKeyPair()
  const serverCertPem = createCertificate({
    subject: 'kube-apiserver',
    issuer: { subject: 'kubelite-ca', ...caKeys },
    keys: serverKeys,
    notBefore,
    notAfter,
    ca: false,
    altNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '127.0.0.1', '127.96.0.1', '::1'],
  })
  return { serverCertPem, serverKeyPem: privateKeyPem(serverKeys.privateKey) }
}

// ---- one identity for control planes sharing a store ----------------------------------------------

/**
 * Where control planes sharing one store keep the cluster's identity: a key outside the API's
 * key space (/registry/...), so no API request and no RBAC rule can ever read it; whoever reaches
 * etcd itself reads it, as they read every Secret.
 */
export const sharedCredentialsKey = '/kubelite/pki'

interface SharedCredentials {
  'ca.crt': string
  'ca.key': string
  'sa.key': string
  'admin.token': string
}

/**
 * Control planes that share a store (an HA pair on one etcd) must be one cluster to their clients:
 * the same CA (so one kubeconfig and client certificates work against both), the same
 * service-account signing key (so a token one signed is accepted by the other) and the same admin
 * token. The first to start puts its data dir's CA, CA key, service-account key and admin token in
 * the store (create-if-absent: of two starting at once, one wins); every other one adopts them into
 * its data dir, with a serving certificate of its own signed by the shared CA, and uses them. The
 * role kubeadm's `kubeadm-certs` Secret plays for `kubeadm join --control-plane`.
 */
export async function shareCredentials(store: Store, dataDir: string, local: Credentials): Promise<Credentials> {
  const dir = join(dataDir, 'pki')
  const mine: SharedCredentials = {
    'ca.crt': local.caCertPem,
    'ca.key': await readFile(join(dir, files.caKey), 'utf8'),
    'sa.key': privateKeyPem(local.serviceAccountKey),
    'admin.token': local.token,
  }
  let shared: SharedCredentials
  try {
    await store.create(sharedCredentialsKey, JSON.stringify(mine))
    return local // the first control plane: its own identity is the cluster's
  } catch (err) {
    if (!isStoreError(err, 'AlreadyExists')) throw err
    const kv = await store.get(sharedCredentialsKey)
    if (!kv) throw new Error(`the cluster's credentials at ${sharedCredentialsKey} in the store vanished while starting: start again`)
    shared = JSON.parse(kv.value) as SharedCredentials
  }
  if (shared['ca.crt'] === mine['ca.crt'] && shared['ca.key'] === mine['ca.key'] && shared['sa.key'] === mine['sa.key'] && shared['admin.token'] === mine['admin.token']) return local
  const caKey = createPrivateKey(shared['ca.key'])
  const serving = servingCertificate({ privateKey: caKey, publicKey: createPublicKey(caKey) })
  await writeFile(join(dir, files.caCert), shared['ca.crt'], { mode: 0o644 })
  await writeFile(join(dir, files.caKey), shared['ca.key'], { mode: 0o600 })
  await writeFile(join(dir, files.serverCert), serving.serverCertPem, { mode: 0o644 })
  await writeFile(join(dir, files.serverKey), serving.serverKeyPem, { mode: 0o600 })
  await writeFile(join(dir, files.serviceAccountKey), shared['sa.key'], { mode: 0o600 })
  await writeFile(join(dir, files.token), shared['admin.token'] + '\n', { mode: 0o600 })
  return { caCertPem: shared['ca.crt'], ...serving, token: shared['admin.token'], serviceAccountKey: createPrivateKey(shared['sa.key']) }
}
