// metrics.k8s.io and autoscaling through the real kubectl: `kubectl top pod|node` with a busy pod
// beside an idle one (figures from /proc: CPU as a rate over the sampling window, memory as the
// resident set of each container's processes).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

const millicores = (s: string) => (s.endsWith('m') ? Number(s.slice(0, -1)) : Number(s) * 1000)

describe('kubectl top', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('top pod and top node print the process runtime figures', async () => {
    await c.k('run', 'burn', '--image=busybox', '--labels=app=burn', '--', 'sh', '-c', 'while true; do :; done')
    await c.k('run', 'idle', '--image=nginx', '--labels=app=idle')
    await c.k('wait', '--for=condition=Ready', 'pod/burn', 'pod/idle', '--timeout=60s')
    // Two samples 15 s apart make the first figure (metrics-server's resolution).
    const rows = await until(
      'both pods in kubectl top',
      async () => {
        const r = await c.kubectl(['top', 'pod', '--sort-by=cpu'])
        if (r.code !== 0) return undefined
        const t = parseTable(r.stdout)
        return t.length === 2 ? t : undefined
      },
      90_000,
    )
    assert.deepEqual(Object.keys(rows[0]), ['NAME', 'CPU(cores)', 'MEMORY(bytes)'])
    assert.equal(rows[0].NAME, 'burn', 'the busy pod sorts first')
    assert.ok(millicores(rows[0]['CPU(cores)']) >= 20, `burn uses CPU: ${rows[0]['CPU(cores)']}`)
    assert.ok(millicores(rows[0]['CPU(cores)']) > millicores(rows[1]['CPU(cores)']))
    assert.match(rows[1]['MEMORY(bytes)'], /^[1-9]\d*Mi$/)

    const selected = parseTable(await c.k('top', 'pod', '-l', 'app=idle', '--containers'))
    assert.deepEqual(selected.map((r) => [r.POD, r.NAME]), [['idle', 'idle']])
    const all = parseTable(await c.k('top', 'pod', '-A', '--sort-by=memory'))
    assert.ok(all.every((r) => r.NAMESPACE === 'default'))

    const nodes = parseTable(await c.k('top', 'node'))
    assert.equal(nodes.length, 1)
    assert.equal(nodes[0].NAME, 'kubelite')
    assert.ok(millicores(nodes[0]['CPU(cores)']) >= millicores(rows[0]['CPU(cores)']) / 2, 'the node counts its pods')
    assert.match(nodes[0]['CPU(%)'], /^\d+%$/)

    const missing = await c.kubectl(['top', 'pod', 'nosuch'])
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /Error from server \(NotFound\): pods "nosuch" not found/)
    const raw = JSON.parse(await c.k('get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burn'))
    assert.equal(raw.kind, 'PodMetrics')
    assert.match(raw.window, /^1\d(\.\d+)?s$/)
    assert.deepEqual(raw.metadata.labels, { app: 'burn' })
    await c.k('delete', 'pod', 'burn', 'idle', '--grace-period=1')
  })
})
