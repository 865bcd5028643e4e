// The API server through the real kubectl: discovery, CRUD, Table output, errors, auth, restart.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:https'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseTable, startCluster, type Cluster } from './harness.js'

const deployment = (name: string, replicas = 3, image = 'nginx:1.25') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: ${name}
        image: ${image}
`

function rawGet(c: Cluster, path: string, token?: string): Promise<{ code: number; body: string }> {
  const ca = readFileSync(join(c.dataDir, 'pki', 'ca.crt'))
  return new Promise((resolve, reject) => {
    const req = request(`${c.url}${path}`, { ca, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('API server through kubectl', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('readyz answers ok and the server reports Kubernetes 1.32', async () => {
    assert.equal(await c.k('get', '--raw', '/readyz'), 'ok')
    const v = JSON.parse(await c.k('version', '-o', 'json'))
    assert.equal(v.serverVersion.major, '1')
    assert.equal(v.serverVersion.minor, '32')
    assert.match(v.serverVersion.gitVersion, /^v1\.32\./)
  })

  test('requests without a valid token get 401 Unauthorized as a Status', async () => {
    const anon = await rawGet(c, '/api/v1/namespaces')
    assert.equal(anon.code, 401)
    assert.deepEqual(JSON.parse(anon.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 })
    assert.equal((await rawGet(c, '/api/v1/namespaces', 'wrong-token')).code, 401)
    assert.equal((await rawGet(c, '/apis/apps/v1/deployments', c.token())).code, 200)
  })

  test('api-resources lists the apps kinds with their short names', async () => {
    const rows = parseTable(await c.k('api-resources'))
    const deploy = rows.find((r) => r.NAME === 'deployments')
    assert.ok(deploy, 'deployments listed')
    assert.equal(deploy.SHORTNAMES, 'deploy')
    assert.equal(deploy.APIVERSION, 'apps/v1')
    assert.equal(deploy.NAMESPACED, 'true')
    assert.equal(deploy.KIND, 'Deployment')
    assert.equal(rows.find((r) => r.NAME === 'replicasets')?.SHORTNAMES, 'rs')
  })

  test('create, get (table, wide, json, yaml), errors and delete', async () => {
    const f = c.file('web.yaml', deployment('web'))
    assert.equal((await c.k('create', '-f', f, '--validate=false')).trim(), 'deployment.apps/web created')

    const dup = await c.kubectl(['create', '-f', f, '--validate=false'])
    assert.notEqual(dup.code, 0)
    assert.match(dup.stderr, /Error from server \(AlreadyExists\): error when creating ".*web.yaml": deployments.apps "web" already exists/)

    const wide = parseTable(await c.k('get', 'deployments', '-o', 'wide'))
    assert.equal(wide.length, 1)
    assert.deepEqual(
      { ...wide[0], AGE: undefined },
      { NAME: 'web', READY: '0/3', 'UP-TO-DATE': '0', AVAILABLE: '0', AGE: undefined, CONTAINERS: 'web', IMAGES: 'nginx:1.25', SELECTOR: 'app=web' },
    )
    assert.match(wide[0].AGE, /^\d+s$/)

    const obj = JSON.parse(await c.k('get', 'deploy', 'web', '-o', 'json'))
    assert.equal(obj.metadata.generation, 1)
    assert.match(obj.metadata.uid, /^[0-9a-f-]{36}$/)
    assert.equal(obj.spec.strategy.type, 'RollingUpdate')
    assert.equal(obj.spec.strategy.rollingUpdate.maxSurge, '25%')
    assert.equal(obj.spec.revisionHistoryLimit, 10)
    assert.equal(obj.spec.progressDeadlineSeconds, 600)
    assert.equal(obj.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent')

    const yaml = await c.k('get', 'deploy', 'web', '-o', 'yaml')
    assert.match(yaml, /^apiVersion: apps\/v1\nkind: Deployment\n/)

    const labels = await c.k('get', 'deploy', '--show-labels')
    assert.match(labels, /LABELS\n.*app=web/)

    const missing = await c.kubectl(['get', 'deploy', 'nope'])
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr.trim(), 'Error from server (NotFound): deployments.apps "nope" not found')

    assert.equal((await c.k('delete', 'deployment', 'web')).trim(), 'deployment.apps "web" deleted')
    const empty = await c.kubectl(['get', 'deploy'])
    assert.equal(empty.stderr.trim(), 'No resources found in default namespace.')
  })

  test('invalid objects get 422 with upstream field errors', async () => {
    const bad = c.file('bad.yaml', `apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: []}
`)
    const r = await c.kubectl(['create', '-f', bad, '--validate=false'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /The Deployment "bad" is invalid: /)
    assert.match(r.stderr, /spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/)
    assert.match(r.stderr, /spec\.template\.spec\.containers: Required value/)
  })

  test('paging with --chunk-size, -A with a NAMESPACE column, get all, dry run', async () => {
    for (let i = 0; i < 5; i++) await c.k('create', 'configmap', `page-${i}`, `--from-literal=i=${i}`)
    const paged = await c.kubectl(['get', 'configmaps', '--chunk-size=2', '-v=6'])
    assert.equal(paged.code, 0)
    assert.equal(parseTable(paged.stdout).filter((r) => r.NAME.startsWith('page-')).length, 5)
    assert.ok((paged.stderr.match(/limit=2/g) ?? []).length >= 3, 'kubectl fetched several pages')
    assert.match(paged.stderr, /continue=/)
    const all = parseTable(await c.k('get', 'configmaps', '-A'))
    assert.ok(all.some((r) => r.NAMESPACE === 'default' && r.NAME === 'page-0'))
    await c.k('create', '-f', c.file('getall.yaml', deployment('getall', 1)), '--validate=false')
    assert.match(await c.k('get', 'all'), /deployment\.apps\/getall\s+0\/1/)
    const dry = await c.k('create', '-f', c.file('dry.yaml', deployment('dry', 1)), '--dry-run=server')
    assert.equal(dry.trim(), 'deployment.apps/dry created (server dry run)')
    assert.equal((await c.kubectl(['get', 'deploy', 'dry'])).code, 1, 'a dry run stores nothing')
  })

  test('a second kubelite on the same data dir or port exits 1 with a clear message', async () => {
    const { spawnSync } = await import('node:child_process')
    const bin = new URL('../../bin/kubelite.js', import.meta.url).pathname
    const sameDir = spawnSync(process.execPath, [bin, 'up', '--data-dir', c.dataDir, '--port', '1', '--kubeconfig', `${c.dir}/other-kc`], { timeout: 20_000 })
    assert.equal(sameDir.status, 1)
    assert.match(sameDir.stderr.toString(), /kubelite: database .*state\.db is locked: another process is using it/)
    const samePort = spawnSync(process.execPath, [bin, 'up', '--data-dir', `${c.dir}/other-data`, '--port', String(c.port), '--kubeconfig', `${c.dir}/other-kc`], { timeout: 20_000 })
    assert.equal(samePort.status, 1)
    assert.match(samePort.stderr.toString(), new RegExp(`kubelite: port ${c.port} on 127\\.0\\.0\\.1 is already in use`))
  })

  test('objects and credentials survive a restart', async () => {
    await c.k('create', '-f', c.file('keep.yaml', deployment('keep', 2)), '--validate=false')
    const before = JSON.parse(await c.k('get', 'deploy', 'keep', '-o', 'json'))
    assert.equal(await c.stop(), 0, 'clean exit on SIGTERM')
    assert.match(c.output(), /SIGTERM received, shutting down/)
    await c.restart()
    const after = JSON.parse(await c.k('get', 'deploy', 'keep', '-o', 'json'))
    assert.equal(after.metadata.uid, before.metadata.uid)
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion)
    await c.k('create', '-f', c.file('next.yaml', deployment('next', 1)), '--validate=false')
    const next = JSON.parse(await c.k('get', 'deploy', 'next', '-o', 'json'))
    assert.ok(Number(next.metadata.resourceVersion) > Number(after.metadata.resourceVersion), 'revisions continue after restart')
  })
})
