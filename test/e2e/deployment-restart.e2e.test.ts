// Level-triggered and restart-safe: kubelite is killed with SIGKILL in the middle of a rolling
// update and started again on the same data dir; the rollout finishes with exactly `replicas`
// pods, no duplicate, no orphan pod and no container process that no pod accounts for.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

describe('kill -9 in the middle of a rolling update', () => {
  let c: Cluster
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))
  /** Container IDs of the shims running on the host for this cluster. */
  const shims = () =>
    spawnSync('pgrep', ['-af', `${c.dataDir}/nodes`])
      .stdout.toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => /containers\/([0-9a-f]+)\//.exec(l)?.[1])
      .filter(Boolean)
      .sort()

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('the rollout finishes after a restart with exactly the wanted pods and processes', async () => {
    // minReadySeconds slows each step, so the kill lands mid-rollout.
    await c.k('create', 'deployment', 'web', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=4')
    await c.k('patch', 'deployment/web', '-p', '{"spec":{"minReadySeconds":2}}')
    await c.k('rollout', 'status', 'deployment/web', '--timeout=60s')
    await c.k('set', 'image', 'deployment/web', 'kubernetes-bootcamp=jocatalin/kubernetes-bootcamp:v2')
    await until('the rollout under way', async () => {
      const d = await json('get', 'deployment', 'web')
      return (d.status.updatedReplicas ?? 0) >= 1 && (d.status.updatedReplicas ?? 0) < 4
    })
    await c.kill9()
    await c.restart()

    await c.k('rollout', 'status', 'deployment/web', '--timeout=90s')
    const d = await json('get', 'deployment', 'web')
    assert.equal(d.status.updatedReplicas, 4)
    assert.equal(d.status.availableReplicas, 4)
    assert.equal(d.status.replicas, 4)
    const rss = (await json('get', 'rs')).items as Obj[]
    assert.equal(rss.length, 2)
    const newRS = rss.find((x) => x.spec.template.spec.containers[0].image.endsWith(':v2'))!
    const oldRS = rss.find((x) => x.spec.template.spec.containers[0].image.endsWith(':v1'))!
    assert.equal(newRS.spec.replicas, 4)
    assert.equal(oldRS.spec.replicas, 0)
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '2')

    // Terminating pods finish; then exactly four pods remain, all owned by the new ReplicaSet.
    const pods = await until('only the four new pods', async () => {
      const items = (await json('get', 'pods')).items as Obj[]
      return items.length === 4 ? items : undefined
    }, 60_000)
    for (const p of pods) {
      assert.equal(p.metadata.ownerReferences?.[0]?.uid, newRS.metadata.uid, `${p.metadata.name} is owned by the new ReplicaSet`)
      assert.equal(p.status.phase, 'Running')
    }
    assert.equal(new Set(pods.map((p) => p.metadata.name)).size, 4)
    const ids = pods.map((p) => String(p.status.containerStatuses[0].containerID).replace(/^\w+:\/\//, '')).sort()
    await until('no container process beyond the pods', async () => JSON.stringify(shims()) === JSON.stringify(ids), 30_000)
    const events = ((await json('get', 'events', '--field-selector', 'involvedObject.kind=Deployment')).items as Obj[]).filter((e) => e.reason === 'ScalingReplicaSet')
    const ups = events.filter((e) => e.message.startsWith(`Scaled up replica set ${newRS.metadata.name}`))
    assert.ok(ups.length >= 1 && ups.length <= 4, 'the new ReplicaSet grew in steps, across the restart')
  })
})
