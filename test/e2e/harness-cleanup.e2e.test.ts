// The harness itself: a kubelite killed with -9 and never started again leaves its pods running
// (by design: the next start adopts them). Sandboxed containers show the data dir neither in their
// command line nor in their working directory, so the harness finds them through the runtime's
// records and must leave none behind.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { startCluster } from './harness.js'

type Obj = Record<string, any>

test('a cluster killed with -9 and never restarted leaves no container running after destroy', async () => {
  const c = await startCluster()
  await c.k('create', 'deployment', 'web', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=2')
  await c.k('rollout', 'status', 'deployment/web', '--timeout=60s')
  const pods = (JSON.parse(await c.k('get', 'pods', '-o', 'json')).items as Obj[]).map((p) => String(p.status.containerStatuses[0].containerID).replace(/^\w+:\/\//, ''))
  const shimsOf = () =>
    spawnSync('pgrep', ['-af', 'shim.mjs'])
      .stdout.toString()
      .split('\n')
      .filter((l) => pods.some((id) => l.includes(id)))
  await c.kill9()
  assert.equal(shimsOf().length, 2, 'the pods outlive a kubelite killed with -9')
  await c.destroy()
  assert.deepEqual(shimsOf(), [], 'no shim of the cluster left')
  for (const id of pods) assert.equal(spawnSync('pgrep', ['-f', id]).status, 1, `nothing of container ${id} left`)
})
