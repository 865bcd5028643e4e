// Who a request is: client certificates (as kind and kubeadm kubeconfigs carry them) and
// impersonation (`kubectl --as`), through the real kubectl. Certificates are made with openssl,
// signed by the cluster CA in the data dir (or by a stranger's CA).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startCluster, type Cluster } from './harness.js'

describe('authentication: client certificates and impersonation', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: c.dir, stdio: ['ignore', 'pipe', 'pipe'] })

  /** A key and a client certificate for `subject` (`/CN=jane/O=dev`), signed by the CA at caCert/caKey. */
  function clientCert(name: string, subject: string, ca = { cert: join(c.dataDir, 'pki', 'ca.crt'), key: join(c.dataDir, 'pki', 'ca.key') }) {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`)
    openssl('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`)
    c.file(`${name}.ext`, 'extendedKeyUsage = clientAuth\nkeyUsage = critical, digitalSignature\n')
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.crt`)
    return { cert: join(c.dir, `${name}.crt`), key: join(c.dir, `${name}.key`) }
  }

  /** kubectl with a kubeconfig whose user is this certificate (and no token). */
  async function kubectlAs(creds: { cert: string; key: string }, args: string[]) {
    return c.kubectl(['--kubeconfig', kubeconfigFor(creds), ...args])
  }

  function kubeconfigFor(creds: { cert: string; key: string }): string {
    const ca = readFileSync(join(c.dataDir, 'pki', 'ca.crt')).toString('base64')
    return c.file(`kc-${creds.cert.split('/').pop()}`, `apiVersion: v1
kind: Config
clusters: [{name: k, cluster: {server: "${c.url}", certificate-authority-data: ${ca}}}]
users: [{name: u, user: {client-certificate-data: ${readFileSync(creds.cert).toString('base64')}, client-key-data: ${readFileSync(creds.key).toString('base64')}}}]
contexts: [{name: k, context: {cluster: k, user: u, namespace: default}}]
current-context: k
`)
  }

  test('a certificate with O=system:masters is the cluster admin', async () => {
    const jane = clientCert('jane', '/CN=jane/O=system:masters')
    const r = await kubectlAs(jane, ['get', 'namespaces', '-o', 'name'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /namespace\/default/)
  })

  test('another certificate is its CN and Os: authenticated, and refused by name until RBAC grants it', async () => {
    const bob = clientCert('bob', '/CN=bob/O=dev/O=qa')
    const r = await kubectlAs(bob, ['get', 'pods'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Error from server \(Forbidden\): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"/)
    const discovery = await kubectlAs(bob, ['api-versions'])
    assert.equal(discovery.code, 0, 'discovery is open to every authenticated user')
  })

  test("a certificate some other CA signed is a 401", async () => {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'stranger-ca.key')
    openssl('req', '-new', '-x509', '-key', 'stranger-ca.key', '-subj', '/CN=stranger-ca', '-days', '1', '-out', 'stranger-ca.crt')
    const mallory = clientCert('mallory', '/CN=mallory/O=system:masters', { cert: join(c.dir, 'stranger-ca.crt'), key: join(c.dir, 'stranger-ca.key') })
    const r = await kubectlAs(mallory, ['get', 'pods'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /error: You must be logged in to the server \(Unauthorized\)/)
  })

  test('the admin may impersonate; the impersonated user gets only what it may do', async () => {
    const asAlice = await c.kubectl(['get', 'pods', '--as=alice'])
    assert.equal(asAlice.code, 1)
    assert.match(asAlice.stderr, /pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"/)
    const asMaster = await c.kubectl(['get', 'namespaces', '-o', 'name', '--as=alice', '--as-group=system:masters'])
    assert.equal(asMaster.code, 0, asMaster.stderr)
    const asSA = await c.kubectl(['get', 'secrets', '-n', 'kube-system', '--as=system:serviceaccount:kube-system:default'])
    assert.equal(asSA.code, 1)
    assert.match(asSA.stderr, /User "system:serviceaccount:kube-system:default" cannot list resource "secrets" in API group "" in the namespace "kube-system"/)
  })

  test('anyone else asking to impersonate gets upstream 403, never silently themselves', async () => {
    const bob = clientCert('bob2', '/CN=bob/O=dev')
    const r = await kubectlAs(bob, ['get', 'pods', '--as=kubernetes-admin'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Error from server \(Forbidden\): users "kubernetes-admin" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope/)
  })

  test("kubelite's own clients (kubectl argo rollouts) authenticate with a kubeconfig's client certificate too", async () => {
    const jane = clientCert('jane-cli', '/CN=jane/O=system:masters')
    const bin = new URL('../../bin/kubectl-argo-rollouts.js', import.meta.url).pathname
    const run = (kc: string) => spawnSync(process.execPath, [bin, 'list', 'rollouts', '--kubeconfig', kc], { encoding: 'utf8', timeout: 30_000 })
    const ok = run(kubeconfigFor(jane))
    assert.equal(ok.status, 0, ok.stderr)
    const bob = run(kubeconfigFor(clientCert('bob-cli', '/CN=bob/O=dev')))
    assert.equal(bob.status, 1)
    assert.match(bob.stderr, /User "bob" cannot list resource "rollouts"/)
  })
})
