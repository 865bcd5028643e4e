import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StoredObject } from '../../apis/meta.js'
import { bootstrapNamespaces, buildApiServer, localClient } from '../../cli/wiring.js'
import { gvrs } from '../../client/factory.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { claimObjects } from './claim.js'

test('claimObjects adopts matching orphans, releases owned pods that stopped matching, and adopts nothing for an owner being deleted', async () => {
  const api = buildApiServer({ store: new MemoryStore(), serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const client = localClient(api, 'test')
  const rss = client.resource(gvrs.replicaSets)
  const pods = client.resource(gvrs.pods)
  const rs = await rss.create('default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', finalizers: ['example.com/hold'] },
    spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  })
  const pod = (name: string, app: string, owned: boolean) =>
    pods.create('default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app }, ...(owned ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid!, controller: true }] } : {}) },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    })
  const candidates = [await pod('orphan', 'web', false), await pod('mine', 'web', true), await pod('strayed', 'other', true), await pod('unrelated', 'other', false)]
  const spec = (owner: StoredObject) => ({
    owner,
    ownerKind: { apiVersion: 'apps/v1', kind: 'ReplicaSet', gvr: gvrs.replicaSets },
    candidates,
    matches: (p: StoredObject) => p.metadata.labels?.app === 'web',
    objects: pods,
  })
  const owned = await claimObjects(client, spec(rs))
  assert.deepEqual(owned.map((p) => p.metadata.name).sort(), ['mine', 'orphan'])
  assert.equal((await pods.get('default', 'orphan')).metadata.ownerReferences?.[0]?.uid, rs.metadata.uid)
  assert.equal((await pods.get('default', 'orphan')).metadata.ownerReferences?.[0]?.blockOwnerDeletion, true)
  assert.equal((await pods.get('default', 'strayed')).metadata.ownerReferences, undefined, 'released')
  assert.equal((await pods.get('default', 'unrelated')).metadata.ownerReferences, undefined)

  // Being deleted: no adoption, no release.
  await rss.delete('default', 'web')
  const another = await pod('late', 'web', false)
  candidates.push(another)
  const again = await claimObjects(client, spec(rs))
  assert.ok(!again.some((p) => p.metadata.name === 'late'))
  assert.equal((await pods.get('default', 'late')).metadata.ownerReferences, undefined)
})
