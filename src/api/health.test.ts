import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryStore } from '../store/memory/memory.js'
import type { Store } from '../store/types.js'
import { answerHealth, standardChecks, storeCheck, type HealthCheck } from './health.js'

const q = (s = '') => new URLSearchParams(s)

test('healthy: "ok", or every line with ?verbose, in kube-apiserver order', async () => {
  const store = new MemoryStore()
  const checks = standardChecks('readyz', store)
  assert.deepEqual(await answerHealth('readyz', undefined, q(), checks, []), { code: 200, body: 'ok' })
  const gates = [{ name: 'poststarthook/bootstrap-controller', ok: true }, { name: 'shutdown', ok: true }]
  assert.deepEqual(await answerHealth('readyz', undefined, q('verbose'), checks, gates), {
    code: 200,
    body: '[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]etcd-readiness ok\n[+]poststarthook/bootstrap-controller ok\n[+]shutdown ok\nreadyz check passed\n',
  })
  assert.deepEqual(await answerHealth('livez', undefined, q('verbose'), standardChecks('livez', store), []), { code: 200, body: '[+]ping ok\n[+]log ok\n[+]etcd ok\nlivez check passed\n' })
  assert.deepEqual(await answerHealth('readyz', 'etcd', q(), checks, []), { code: 200, body: 'ok' })
  assert.equal(await answerHealth('readyz', 'nope', q(), checks, []), undefined)
  await store.close()
})

test('a failing check: 500, every line (reason withheld), the reason only in the log and on its own path', async () => {
  const logged: string[] = []
  const checks: HealthCheck[] = [
    { name: 'ping', check: async () => undefined },
    { name: 'etcd', check: async () => 'error getting data from etcd: etcdserver: request timed out' },
  ]
  const a = await answerHealth('readyz', undefined, q(), checks, [{ name: 'shutdown', ok: false, reason: 'process is shutting down' }], (m) => logged.push(m))
  assert.deepEqual(a, { code: 500, body: '[+]ping ok\n[-]etcd failed: reason withheld\n[-]shutdown failed: reason withheld\nreadyz check failed\n' })
  assert.match(logged[0]!, /^etcd,shutdown check failed: readyz\n\[-\]etcd failed: error getting data from etcd: etcdserver: request timed out\n/)
  assert.deepEqual(await answerHealth('readyz', 'etcd', q(), checks, []), { code: 500, body: 'internal server error: error getting data from etcd: etcdserver: request timed out\n' })
  // ?exclude skips a check, and says which names matched nothing.
  assert.deepEqual(await answerHealth('livez', undefined, q('exclude=etcd&exclude=nosuch&verbose'), checks, []), {
    code: 200,
    body: '[+]ping ok\n[+]etcd excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nosuch"\nlivez check passed\n',
  })
})

test('the store check: a read that does not answer in time is a deadline exceeded; an error is relayed', async () => {
  const hung = { get: () => new Promise(() => undefined) } as unknown as Store
  assert.equal(await storeCheck(hung, 20)(), 'error getting data from etcd: context deadline exceeded')
  const failing = { get: () => Promise.reject(new Error('etcdserver: no leader')) } as unknown as Store
  assert.equal(await storeCheck(failing, 1000)(), 'error getting data from etcd: etcdserver: no leader')
})
