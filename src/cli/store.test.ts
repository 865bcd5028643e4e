// --store and the --etcd-* flags: what is refused before anything starts, and an etcd that serves
// TLS and requires client certificates (made here with openssl), reached with etcds:// and the
// kube-apiserver flags' files.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isStoreError, type Store } from '../store/index.js'
import { etcdMissing, launchEtcd } from '../store/etcd/launch.js'
import { describeStore, openStore, storeConfigProblem } from './store.js'

test('store flags: SQLite by default; etcd URLs checked before anything starts', () => {
  assert.equal(storeConfigProblem({}), undefined)
  assert.equal(describeStore({}, '/data'), 'SQLite /data/state.db')
  assert.equal(storeConfigProblem({ url: 'etcd://127.0.0.1:2379,127.0.0.1:22379' }), undefined)
  assert.equal(describeStore({ url: 'etcd://127.0.0.1:2379,127.0.0.1:22379' }, '/data'), 'etcd v3 http://127.0.0.1:2379, http://127.0.0.1:22379')
  assert.equal(describeStore({ url: 'etcds://localhost:2379' }, '/data'), 'etcd v3 https://localhost:2379')
  assert.match(storeConfigProblem({ url: 'mysql://x' })!, /expected etcd:\/\/HOST:PORT/)
  assert.match(storeConfigProblem({ url: 'etcd://127.0.0.1' })!, /"127\.0\.0\.1" is not HOST:PORT/)
  assert.match(storeConfigProblem({ url: 'etcd://' })!, /expected etcd:\/\/HOST:PORT/)
  assert.match(storeConfigProblem({ caFile: 'ca.crt' })!, /need --store etcds:\/\//)
  assert.match(storeConfigProblem({ url: 'etcds://127.0.0.1:2379', certFile: 'c.crt' })!, /go together/)
})

test('etcds:// with a client certificate: served over TLS; without the certificate etcd refuses', { skip: etcdMissing() }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-etcd-tls-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=etcd-ca', '-days', '1')
  const issue = (name: string, ext: string) => {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`)
    openssl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`)
    writeFileSync(join(dir, `${name}.ext`), ext)
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.crt`)
  }
  // clientAuth too: etcd's JSON gateway reaches etcd's own gRPC server with the serving certificate,
  // which --client-cert-auth then checks like any client's.
  issue('server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n')
  issue('client', 'extendedKeyUsage=clientAuth\n')
  const etcd = await launchEtcd({ dir: join(dir, 'etcd'), tls: { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), clientCaFile: join(dir, 'ca.crt') } })
  t.after(() => etcd.close())
  assert.match(etcd.storeUrl, /^etcds:\/\/127\.0\.0\.1:\d+$/)

  const cfg = { url: etcd.storeUrl, caFile: join(dir, 'ca.crt'), certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') }
  let store: Store | undefined
  const deadline = Date.now() + 20_000
  while (!store) {
    try {
      store = await openStore(cfg, dir)
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  try {
    const kv = await store.create('/registry/configmaps/default/tls', '{"tls":true}')
    assert.deepEqual(await store.get('/registry/configmaps/default/tls'), kv)
    const ac = new AbortController()
    const it = store.watch('/registry/configmaps/', { afterRevision: kv.modRevision - 1, signal: ac.signal })[Symbol.asyncIterator]()
    const first = await it.next()
    assert.equal(first.done, false)
    assert.equal(first.value?.kv.key, '/registry/configmaps/default/tls')
    ac.abort()
  } finally {
    await store.close()
  }
  // The CA but no client certificate: the TLS handshake is refused, and the store says so.
  await assert.rejects(openStore({ url: etcd.storeUrl, caFile: join(dir, 'ca.crt') }, dir), (e) => isStoreError(e, 'Unavailable'))
  // No CA: etcd's certificate is not trusted.
  await assert.rejects(openStore({ url: etcd.storeUrl }, dir), (e) => isStoreError(e, 'Unavailable') && /certificate/i.test(e.message))
})
