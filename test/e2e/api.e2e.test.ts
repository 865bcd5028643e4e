// The API server through the real kubectl: discovery, CRUD, Table output, errors, auth, restart.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:https'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

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

/** The tables of a multi-kind `kubectl get`, in order: one per kind, each under its own header. */
function parseSections(text: string): Record<string, string>[][] {
  return text.split(/\n\s*\n/).filter((t) => t.trim() !== '').map((t) => parseTable(t))
}

describe('API server through kubectl', () => {
  let c: Cluster
  const rolledOut = (name: string) => c.k('rollout', 'status', `deployment/${name}`, '--timeout=60s')
  /** Waits until the garbage collector has removed every ReplicaSet and pod labelled app=<name>. */
  const dependentsGone = (name: string) =>
    until(`the ReplicaSets and pods of ${name} to be collected`, async () => {
      const r = await c.kubectl(['get', 'rs,pods', '-l', `app=${name}`])
      return r.code === 0 && r.stdout === '' && r.stderr.trim() === 'No resources found in default namespace.'
    })
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

    // The Deployment and ReplicaSet controllers bring up the three pods; kubectl's rollout status
    // returns once all three are updated and available.
    assert.match(await rolledOut('web'), /^deployment "web" successfully rolled out$/m)
    const wide = parseTable(await c.k('get', 'deployments', '-o', 'wide'))
    assert.equal(wide.length, 1)
    assert.deepEqual(
      { ...wide[0], AGE: undefined },
      { NAME: 'web', READY: '3/3', 'UP-TO-DATE': '3', AVAILABLE: '3', AGE: undefined, CONTAINERS: 'web', IMAGES: 'nginx:1.25', SELECTOR: 'app=web' },
    )
    assert.match(wide[0].AGE, /^\d+s$/)

    const obj = JSON.parse(await c.k('get', 'deploy', 'web', '-o', 'json'))
    assert.equal(obj.metadata.generation, 1, 'status writes do not bump the generation')
    assert.match(obj.metadata.uid, /^[0-9a-f-]{36}$/)
    assert.equal(obj.metadata.annotations['deployment.kubernetes.io/revision'], '1')
    assert.equal(obj.spec.strategy.type, 'RollingUpdate')
    assert.equal(obj.spec.strategy.rollingUpdate.maxSurge, '25%')
    assert.equal(obj.spec.revisionHistoryLimit, 10)
    assert.equal(obj.spec.progressDeadlineSeconds, 600)
    assert.equal(obj.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent')
    const { conditions, ...counts } = obj.status
    assert.deepEqual(counts, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 })
    const rs = JSON.parse(await c.k('get', 'rs', '-l', 'app=web', '-o', 'json')).items
    assert.equal(rs.length, 1)
    const rsName = `web-${rs[0].metadata.labels['pod-template-hash']}`
    assert.equal(rs[0].metadata.name, rsName)
    assert.deepEqual(
      conditions.map((x: Record<string, string>) => [x.type, x.status, x.reason, x.message]).sort(),
      [
        ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
        ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`],
      ],
    )

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
    await dependentsGone('web')
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
    await rolledOut('getall')
    // `all` is a category: pods, services, deployments and replicasets here, one table each.
    const [pods, services, deployments, replicasets, ...rest] = parseSections(await c.k('get', 'all'))
    assert.deepEqual(rest, [])
    const hash = JSON.parse(await c.k('get', 'rs', '-l', 'app=getall', '-o', 'json')).items[0].metadata.labels['pod-template-hash']
    const noAge = (rows: Record<string, string>[]) => rows.map((r) => ({ ...r, AGE: /^\d+s$/.test(r.AGE) ? 'ok' : r.AGE }))
    assert.equal(pods.length, 1)
    assert.match(pods[0].NAME, new RegExp(`^pod/getall-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`))
    assert.deepEqual(noAge(pods), [{ NAME: pods[0].NAME, READY: '1/1', STATUS: 'Running', RESTARTS: '0', AGE: 'ok' }])
    assert.deepEqual(services.map((r) => [r.NAME, r.TYPE, r['PORT(S)']]), [['service/kubernetes', 'ClusterIP', '443/TCP']])
    assert.deepEqual(noAge(deployments), [{ NAME: 'deployment.apps/getall', READY: '1/1', 'UP-TO-DATE': '1', AVAILABLE: '1', AGE: 'ok' }])
    assert.deepEqual(noAge(replicasets), [{ NAME: `replicaset.apps/getall-${hash}`, DESIRED: '1', CURRENT: '1', READY: '1', AGE: 'ok' }])
    const dry = await c.k('create', '-f', c.file('dry.yaml', deployment('dry', 1)), '--dry-run=server')
    assert.equal(dry.trim(), 'deployment.apps/dry created (server dry run)')
    assert.equal((await c.kubectl(['get', 'deploy', 'dry'])).code, 1, 'a dry run stores nothing')
  })

  test('hostile list options and bodies get upstream 4xx answers, never a 500', async () => {
    const huge = await c.kubectl(['get', '--raw', '/api/v1/configmaps?limit=99999999999999999999'])
    assert.equal(huge.code, 1)
    assert.match(huge.stderr, /Error from server \(BadRequest\): strconv\.ParseInt: parsing "99999999999999999999": value out of range/)
    const int64 = JSON.parse(await c.k('get', '--raw', '/api/v1/configmaps?limit=9223372036854775807'))
    assert.equal(int64.kind, 'ConfigMapList')
    const match = await c.kubectl(['get', '--raw', '/api/v1/configmaps?resourceVersion=0&resourceVersionMatch=garbage'])
    assert.equal(match.code, 1)
    assert.match(match.stderr, /The ListOptions "" is invalid: resourceVersionMatch: Unsupported value: "garbage": supported values: "Exact", "NotOlderThan", ""/)
    // An unknown field is dropped (with kubectl's warning), however deep its value nests; past
    // Go's 10,000 levels the body is refused as Go's decoder refuses it.
    const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    const body = (name: string, depth: number) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"},"data":{"k":"v"},"x":${nested(depth)}}`
    const created = await c.kubectl(['create', '-f', c.file('deep.json', body('deep', 5000)), '--validate=warn'])
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stderr, /unknown field "x"/)
    assert.equal(JSON.parse(await c.k('get', 'cm', 'deep', '-o', 'json')).x, undefined, 'not stored')
    const tooDeep = await c.kubectl(['create', '-f', c.file('deeper.json', body('deeper', 10_000)), '--validate=false'])
    assert.equal(tooDeep.code, 1)
    assert.match(tooDeep.stderr, /exceeded max depth/)
    // Endpoints may name pods (127.244.0.0/16), never the host: not the API server's port.
    const sneaky = await c.kubectl(['apply', '-f', c.file('sneaky.yaml', `apiVersion: v1
kind: Endpoints
metadata: {name: sneaky}
subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{port: ${c.port}}]}]
`)])
    assert.equal(sneaky.code, 1)
    assert.match(sneaky.stderr, /Endpoints "sneaky" is invalid: subsets\[0\]\.addresses\[0\]\.ip: Invalid value: "127\.0\.0\.1": may not be in the loopback range \(127\.0\.0\.0\/8, ::1\/128\)/)
  })

  test('a watch with a timeoutSeconds past what a timer holds stays open', async () => {
    const seen: string[] = []
    const stop = await c.watch('/api/v1/namespaces/default/configmaps?timeoutSeconds=99999999999', (type, obj) => seen.push(`${type} ${obj.metadata?.name}`))
    try {
      await c.k('create', 'configmap', 'watched-late')
      await until('the watch to see the create', async () => seen.includes('ADDED watched-late'))
    } finally {
      stop()
    }
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
    const json = async (...args: string[]) => JSON.parse(await c.k('get', ...args, '-o', 'json'))
    const ids = (list: { items: { metadata: { name: string; uid: string } }[] }) => list.items.map((o) => `${o.metadata.name} ${o.metadata.uid}`).sort()
    await c.k('create', '-f', c.file('keep.yaml', deployment('keep', 2)), '--validate=false')
    await c.k('create', 'configmap', 'keep-config', '--from-literal=a=b')
    await rolledOut('keep')
    const before = await json('deploy', 'keep')
    const cmBefore = await json('configmap', 'keep-config')
    const [rsBefore, podsBefore] = [ids(await json('rs', '-l', 'app=keep')), ids(await json('pods', '-l', 'app=keep'))]
    assert.equal(rsBefore.length, 1)
    assert.equal(podsBefore.length, 2)
    const token = c.token()
    assert.equal(await c.stop(), 0, 'clean exit on SIGTERM')
    assert.match(c.output(), /SIGTERM received, shutting down/)
    await c.restart()
    assert.equal(c.token(), token, 'the same credentials')
    // Nothing writes a ConfigMap on its own: it comes back byte for byte, revision and all.
    assert.deepEqual(await json('configmap', 'keep-config'), cmBefore)
    // The Deployment's status moves on (the kubelet restarts the pods' containers, as after a node
    // reboot), but the object, its ReplicaSet and its pods are the same ones.
    const after = await json('deploy', 'keep')
    assert.equal(after.metadata.uid, before.metadata.uid)
    assert.equal(after.metadata.creationTimestamp, before.metadata.creationTimestamp)
    assert.equal(after.metadata.generation, before.metadata.generation)
    assert.deepEqual(after.spec, before.spec)
    assert.deepEqual(ids(await json('rs', '-l', 'app=keep')), rsBefore)
    assert.deepEqual(ids(await json('pods', '-l', 'app=keep')), podsBefore)
    await rolledOut('keep')
    const settled = await json('deploy', 'keep')
    assert.ok(Number(settled.metadata.resourceVersion) >= Number(before.metadata.resourceVersion))
    await c.k('create', '-f', c.file('next.yaml', deployment('next', 1)), '--validate=false')
    const next = await json('deploy', 'next')
    assert.ok(Number(next.metadata.resourceVersion) > Number(settled.metadata.resourceVersion), 'revisions continue after restart')
  })
})
