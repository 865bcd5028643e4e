// The simulated runtime: no processes, pods go Running after a short start-up delay.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { parseTable, startCluster, type Cluster } from './harness.js'

describe('--runtime sim', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster(['--runtime', 'sim'])
  })
  after(async () => {
    await c?.destroy()
  })

  test('200 pods go Running without starting a single process', async () => {
    const items = Array.from({ length: 200 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `sim-${i}`, labels: { app: 'sim' } },
      spec: { containers: [{ name: 'web', image: 'gcr.io/google-samples/kubernetes-bootcamp:v1' }] },
    }))
    // One request per pod, as kubectl create -f sends them.
    await c.k('create', '-f', c.file('pods.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items })), '--validate=false')
    const deadline = Date.now() + 60_000
    let running = 0
    while (Date.now() < deadline) {
      running = parseTable(await c.k('get', 'pods', '-l', 'app=sim')).filter((r) => r.STATUS === 'Running' && r.READY === '1/1').length
      if (running === 200) break
      await new Promise((r) => setTimeout(r, 500))
    }
    assert.equal(running, 200)
    const node = JSON.parse(await c.k('get', 'node', 'kubelite', '-o', 'json'))
    assert.ok(Number(node.status.allocatable.pods) >= 10_000, 'sim nodes hold thousands of pods')
    const shims = spawnSync('pgrep', ['-f', `${c.dataDir}/nodes`]).stdout.toString().trim()
    assert.equal(shims, '', 'no container processes')
  })
})
