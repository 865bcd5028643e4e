// The official Python client (Debian's python3-kubernetes) as a second judge: it deserializes
// every Deployment, ReplicaSet, Pod, Event and Scale object into its typed models, so a field of
// the wrong shape fails here even where kubectl is lenient.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { startCluster, type Cluster } from './harness.js'

const python = '/usr/bin/python3'
const hasClient = spawnSync(python, ['-c', 'import kubernetes']).status === 0
const script = new URL('./python/deployments.py', import.meta.url).pathname

describe('the official Python client', { skip: hasClient ? false : 'python3-kubernetes is not installed (apt-get install python3-kubernetes)' }, () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('creates a Deployment, rolls it to v2, reads ReplicaSets, pods, events and scale, deletes in the foreground', () => {
    const r = spawnSync(python, [script, c.kubeconfig], { encoding: 'utf8', timeout: 90_000 })
    assert.equal(r.status, 0, r.stderr + r.stdout)
    assert.equal(
      r.stdout,
      [
        "conditions [('Available', 'True', 'MinimumReplicasAvailable'), ('Progressing', 'True', 'NewReplicaSetAvailable')]",
        'revision 2',
        "replicasets [(0, '1', 'Deployment'), (3, '2', 'Deployment')]",
        'pods 3 [True]',
        'first event 0 to 3',
        'scale 3 3 app=py',
        'replicasets after delete 0',
        '',
      ].join('\n'),
    )
  })
})
