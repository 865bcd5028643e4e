// GET /openapi/v2 in protobuf through real clients: kubectl 1.32 validates a `kind: List` against
// the v2 document (v3 has no entry for v1 List), and kubectl 1.20 (Debian's kubernetes-client,
// fetched with `apt-get download` when that works quickly, or $KUBECTL_1_20) uses only v2 for
// apply validation, strategic merge patch and explain.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCluster, type Cluster, type RunResult } from './harness.js'

const list = JSON.stringify({
  apiVersion: 'v1',
  kind: 'List',
  items: [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'list-a' }, data: { x: '1' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'list-b' }, data: { y: '2' } },
  ],
})

const deployment = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: old-client
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: old-client}
  template:
    metadata:
      labels: {app: old-client}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env:
        - name: MODE
          value: "${replicas}"
`

/** kubectl 1.20 from Debian's archive, extracted (not installed) into a temp dir; or why not. */
function oldKubectl(): { bin: string; cleanup: () => void } | { skip: string } {
  if (process.env.KUBECTL_1_20) return { bin: process.env.KUBECTL_1_20, cleanup: () => {} }
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-1.20-'))
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  const dl = spawnSync('apt-get', ['download', 'kubernetes-client'], { cwd: dir, timeout: 60_000, encoding: 'utf8' })
  const deb = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith('kubernetes-client_') && f.endsWith('.deb')) : undefined
  if (dl.status !== 0 || !deb) {
    cleanup()
    return { skip: `kubectl 1.20 not available: \`apt-get download kubernetes-client\` failed (${dl.error?.message ?? (dl.stderr || '').trim().split('\n').pop() ?? `exit ${dl.status}`}); set KUBECTL_1_20 to run this part` }
  }
  const x = spawnSync('dpkg', ['-x', deb, 'root'], { cwd: dir, timeout: 60_000, encoding: 'utf8' })
  const bin = join(dir, 'root', 'usr', 'bin', 'kubectl')
  if (x.status !== 0 || !existsSync(bin)) {
    cleanup()
    return { skip: `kubectl 1.20 not available: dpkg -x failed (${(x.stderr || '').trim()})` }
  }
  const v = spawnSync(bin, ['version', '--client', '--short'], { timeout: 10_000, encoding: 'utf8' })
  if (!/v1\.20\./.test(v.stdout ?? '')) {
    cleanup()
    return { skip: `the downloaded kubernetes-client is not kubectl 1.20 (${(v.stdout || v.stderr || '').trim()})` }
  }
  return { bin, cleanup }
}

function run(bin: string, c: Cluster, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(bin, ['--kubeconfig', c.kubeconfig, '--cache-dir', join(c.dir, 'kubectl-1.20-cache'), ...args], { cwd: c.dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d) => (stdout += d))
    p.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000)
    p.on('close', (code) => {
      clearTimeout(timer)
      resolve({ stdout, stderr, code: code ?? -1 })
    })
  })
}

describe('/openapi/v2 (protobuf) through kubectl', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('kubectl create -f and apply -f of a v1 List validate against v2', async () => {
    const file = c.file('list.json', list)
    assert.equal(await c.k('create', '-f', file), 'configmap/list-a created\nconfigmap/list-b created\n')
    assert.equal(await c.k('get', 'configmap', 'list-a', '-o', 'jsonpath={.data.x}'), '1')
    assert.equal(await c.k('get', 'configmap', 'list-b', '-o', 'jsonpath={.data.y}'), '2')
    const applied = await c.kubectl(['apply', '-f', file])
    assert.equal(applied.code, 0, applied.stderr)
    assert.match(applied.stdout, /^configmap\/list-a configured\nconfigmap\/list-b configured\n$/)
    assert.equal(await c.k('apply', '-f', file), 'configmap/list-a unchanged\nconfigmap/list-b unchanged\n')
  })

  test('an invalid List item is reported as kubectl reports it from v2', async () => {
    const bad = JSON.parse(list) as { items: Record<string, unknown>[] }
    bad.items[0].metadata = { name: 'list-c' }
    bad.items[0].bogus = true
    const r = await c.kubectl(['create', '-f', c.file('bad-list.json', JSON.stringify(bad))])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /error validating data: ValidationError\(ConfigMap\): unknown field "bogus" in io\.k8s\.api\.core\.v1\.ConfigMap/)
    assert.equal((await c.kubectl(['get', 'configmap', 'list-c'])).code, 1, 'nothing was created')
  })

  test('kubectl 1.20: apply (created, unchanged, configured) and explain use v2 only', async (t) => {
    const old = oldKubectl()
    if ('skip' in old) {
      t.skip(old.skip)
      return
    }
    try {
      const file = c.file('old-client.yaml', deployment(2))
      const created = await run(old.bin, c, ['apply', '-f', file])
      assert.equal(created.code, 0, created.stderr)
      assert.equal(created.stdout, 'deployment.apps/old-client created\n')
      const unchanged = await run(old.bin, c, ['apply', '-f', file])
      assert.equal(unchanged.code, 0, unchanged.stderr)
      assert.equal(unchanged.stdout, 'deployment.apps/old-client unchanged\n')
      const changed = await run(old.bin, c, ['apply', '-f', c.file('old-client.yaml', deployment(3))])
      assert.equal(changed.code, 0, changed.stderr)
      assert.equal(changed.stdout, 'deployment.apps/old-client configured\n')
      assert.equal(await c.k('get', 'deployment', 'old-client', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].env}'), '3 [{"name":"MODE","value":"3"}]')

      const explain = await run(old.bin, c, ['explain', 'deployment.spec.replicas'])
      assert.equal(explain.code, 0, explain.stderr)
      assert.match(explain.stdout, /^KIND: +Deployment\nVERSION: +apps\/v1\n\nFIELD: +replicas <integer>\n\nDESCRIPTION:\n +Number of desired pods\./)

      const invalid = await run(old.bin, c, ['apply', '-f', c.file('bad.yaml', deployment(1).replace('replicas: 1', 'replicas: "one"'))])
      assert.equal(invalid.code, 1)
      assert.match(invalid.stderr, /ValidationError\(Deployment\.spec\.replicas\): invalid type for io\.k8s\.api\.apps\.v1\.DeploymentSpec\.replicas: got "string", expected "integer"/)
    } finally {
      old.cleanup()
    }
  })
})
