// Credentials kept in the data dir: a CA, a serving certificate for 127.0.0.1/localhost signed by it,
// and an admin bearer token. Made on first start (ECDSA P-256: fast to generate), reused after, so
// a restart keeps the kubeconfig valid.
import { randomBytes, webcrypto } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface Credentials {
  caCertPem: string
  serverCertPem: string
  serverKeyPem: string
  token: string
}

const files = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'apiserver.crt',
  serverKey: 'apiserver.key',
  token: 'admin.token',
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`
}

/** Load the credentials in `<dataDir>/pki`, creating whatever is missing. */
export async function ensureCredentials(dataDir: string): Promise<Credentials> {
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

async function generateCredentials(): Promise<Credentials & { caKeyPem: string }> {
  await import('reflect-metadata') // @peculiar/x509's dependency injection needs it loaded first
  const x509 = await import('@peculiar/x509')
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
  const subtle = webcrypto.subtle
  const notBefore = new Date(Date.now() - 60_000)
  const notAfter = new Date(Date.now() + 10 * 365 * 864e5)
  const caKeys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: 'CN=kubelite-ca',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  const serverKeys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex'),
    subject: 'CN=kube-apiserver',
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: serverKeys.publicKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'dns', value: 'kubernetes' },
        { type: 'dns', value: 'kubernetes.default' },
        { type: 'dns', value: 'kubernetes.default.svc' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '127.96.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  return {
    caCertPem: ca.toString('pem') + '\n',
    caKeyPem: toPem(await subtle.exportKey('pkcs8', caKeys.privateKey), 'PRIVATE KEY'),
    serverCertPem: server.toString('pem') + '\n',
    serverKeyPem: toPem(await subtle.exportKey('pkcs8', serverKeys.privateKey), 'PRIVATE KEY'),
    token: randomBytes(32).toString('base64url'),
  }
}
