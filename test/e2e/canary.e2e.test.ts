// Seed 002 replayed with its own manifests: a canary made of two Deployments (stable v0.1 × 2,
// canary v0.2 × 1) behind one NodePort Service on 30880, steered with `kubectl scale`, then the
// stable Deployment rolled to v0.2 while requests keep flowing — none may fail.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { httpGet, parseTable, startCluster, until, type Cluster } from './harness.js'
import { deployment, seedService } from './seeds.js'


/** `curl localhost:30880` n times: how many answers each app version gave. */
async function tally(n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (let i = 0; i < n; i++) {
    const r = await httpGet('http://127.0.0.1:30880/')
    assert.equal(r.code, 200)
    const v = JSON.parse(r.body)['app version'] as string
    counts[v] = (counts[v] ?? 0) + 1
  }
  return counts
}

describe('seed 002: a canary with labels', () => {
  let c: Cluster
  const endpoints = async () => ((await c.k('get', 'endpoints', 'myapp-svc', '-o', 'jsonpath={.subsets[*].addresses[*].ip}')).trim().split(/\s+/).filter(Boolean))

  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('two Deployments behind one NodePort answer v0.1 and v0.2 about 2:1', async () => {
    assert.equal(await c.k('apply', '-f', c.file('deployment-v1.yaml', deployment('k8s-testapp', 'stable', 2, 'v0.1'))), 'deployment.apps/k8s-testapp created\n')
    assert.equal(await c.k('apply', '-f', c.file('deployment-v2.yaml', deployment('k8s-testapp-canary', 'canary', 1, 'v0.2'))), 'deployment.apps/k8s-testapp-canary created\n')
    assert.equal(await c.k('apply', '-f', c.file('myapp-svc.yaml', seedService)), 'service/myapp-svc created\n')
    await c.k('rollout', 'status', 'deployment/k8s-testapp', '--timeout=60s')
    await c.k('rollout', 'status', 'deployment/k8s-testapp-canary', '--timeout=60s')

    const pods = parseTable(await c.k('get', 'pods', '-o', 'wide'))
    assert.equal(pods.length, 3)
    assert.equal(pods.filter((p) => /^k8s-testapp-[456789bcdf]+-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(p.NAME)).length, 2)
    assert.equal(pods.filter((p) => /^k8s-testapp-canary-[456789bcdf]+-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(p.NAME)).length, 1)
    await until('three endpoints', async () => (await endpoints()).length === 3)
    assert.deepEqual((await endpoints()).sort(), pods.map((p) => p.IP).sort(), 'the Service endpoints are the pod IPs')

    const t = await tally(60)
    assert.equal((t['v0.1'] ?? 0) + (t['v0.2'] ?? 0), 60)
    assert.ok(t['v0.1'] >= 30 && t['v0.1'] <= 50, `about two thirds v0.1: ${JSON.stringify(t)}`)
  })

  test('canary scaled to 0 leaves only v0.1; scaled to 3 takes about half', async () => {
    assert.equal(await c.k('scale', 'deployment/k8s-testapp-canary', '--replicas=0'), 'deployment.apps/k8s-testapp-canary scaled\n')
    await until('two endpoints', async () => (await endpoints()).length === 2)
    assert.deepEqual(await tally(20), { 'v0.1': 20 })

    await c.k('scale', 'deployment/k8s-testapp-canary', '--replicas=3')
    await c.k('rollout', 'status', 'deployment/k8s-testapp-canary', '--timeout=60s')
    await until('five endpoints', async () => (await endpoints()).length === 5)
    const t = await tally(60)
    assert.ok(t['v0.2'] >= 24 && t['v0.2'] <= 48, `about three fifths v0.2: ${JSON.stringify(t)}`)
  })

  test('the stable Deployment rolled to v0.2 ends with only v0.2 answering, and no request fails meanwhile', async () => {
    await c.k('scale', 'deployment/k8s-testapp-canary', '--replicas=0')
    await until('two endpoints', async () => (await endpoints()).length === 2)
    let ok = 0
    const failures: string[] = []
    let stop = false
    const load = (async () => {
      while (!stop) {
        try {
          const r = await httpGet('http://127.0.0.1:30880/')
          if (r.code === 200) ok++
          else failures.push(`HTTP ${r.code}`)
        } catch (err) {
          failures.push((err as Error).message)
        }
      }
    })()
    try {
      await c.k('set', 'image', 'deployment/k8s-testapp', 'testapp=arisu1000/simple-container-app:v0.2')
      await c.k('rollout', 'status', 'deployment/k8s-testapp', '--timeout=60s')
      // Keep the load on until the old pods have left the endpoints too.
      await until('only v0.2 answers', async () => {
        const t = await tally(10)
        return t['v0.2'] === 10
      }, 60_000)
    } finally {
      stop = true
      await load
    }
    assert.deepEqual(failures, [], `${failures.length} of ${ok + failures.length} requests failed`)
    assert.ok(ok > 20, `the load ran (${ok} requests)`)
    const rss = parseTable(await c.k('get', 'rs', '-l', 'version=stable'))
    assert.deepEqual(rss.map((r) => r.DESIRED).sort(), ['0', '2'])
  })
})
