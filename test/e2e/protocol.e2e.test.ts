// Protocol bugs found by driving kubelite from outside, each replayed with the client that found it:
// the official Python client's `True`, kubectl debug and drain, ServiceAccounts and their tokens,
// kubectl diff of an unchanged object, and request bodies on parallel kept-alive connections.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { connect } from 'node:tls'
import { startCluster, type Cluster } from './harness.js'

const python = '/usr/bin/python3'
const hasPythonClient = spawnSync(python, ['-c', 'import kubernetes']).status === 0

/** The CA, server and token of a cluster's kubeconfig. */
function credentials(c: Cluster) {
  const cfg = readFileSync(c.kubeconfig, 'utf8')
  return { ca: Buffer.from(/certificate-authority-data: (\S+)/.exec(cfg)![1], 'base64'), url: new URL(c.url), token: c.token() }
}

/** POSTs `count` 64 KiB ConfigMaps over `conns` kept-alive connections; counts answers and resets. */
async function postInParallel(c: Cluster, conns: number, count: number, size: number): Promise<{ codes: Record<number, number>; errors: string[] }> {
  const { ca, url, token } = credentials(c)
  const agent = new Agent({ keepAlive: true, maxSockets: conns, ca })
  const codes: Record<number, number> = {}
  const errors: string[] = []
  const one = (name: string) =>
    new Promise<void>((resolve) => {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { x: 'a'.repeat(size) } })
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/api/v1/namespaces/default/configmaps', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume()
          res.on('end', () => {
            codes[res.statusCode!] = (codes[res.statusCode!] ?? 0) + 1
            resolve()
          })
        },
      )
      req.on('error', (err) => {
        errors.push((err as NodeJS.ErrnoException).code ?? err.message)
        resolve()
      })
      req.end(body)
    })
  const per = Math.ceil(count / conns)
  await Promise.all(Array.from({ length: conns }, async (_, w) => {
    for (let i = 0; i < per; i++) await one(`keepalive-${w}-${i}`)
  }))
  agent.destroy()
  return { codes, errors }
}

describe('protocol: what outside clients found', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
    await c.k('run', 'web', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1')
    await c.k('wait', '--for=condition=Ready', 'pod/web', '--timeout=60s')
  })
  after(async () => {
    await c?.destroy()
  })

  test('the Python client’s watch=True streams events, exec with stdout=True runs, follow=True follows', { skip: hasPythonClient ? false : 'python3-kubernetes is not installed' }, () => {
    const r = spawnSync(python, [new URL('./python/protocol.py', import.meta.url).pathname, c.kubeconfig, 'web'], { encoding: 'utf8', timeout: 60_000 })
    assert.equal(r.status, 0, r.stderr + r.stdout)
    assert.equal(r.stdout, ['watch ADDED', 'exec hello from exec', 'log Kubernetes Bootcamp App Started', ''].join('\n'))
  })

  test('8 kept-alive connections posting 64 KiB bodies: every request answered, none reset', async () => {
    const { codes, errors } = await postInParallel(c, 8, 320, 64 * 1024)
    assert.deepEqual(errors, [])
    assert.deepEqual(codes, { 201: 320 })
  })

  test('4 parallel kubectl apply --server-side of 20 × 64 KiB ConfigMaps keep all 80', async () => {
    const big = 'b'.repeat(64 * 1024)
    const files = [0, 1, 2, 3].map((f) =>
      c.file(`cms-${f}.yaml`, Array.from({ length: 20 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-${f}-${i}\ndata:\n  x: ${big}\n`).join('---\n')),
    )
    const runs = await Promise.all(files.map((f) => c.kubectl(['apply', '--server-side', '-f', f])))
    for (const r of runs) assert.equal(r.code, 0, r.stderr)
    const names = (await c.k('get', 'cm', '-o', 'name')).split('\n').filter((n) => n.startsWith('configmap/ssa-'))
    assert.equal(names.length, 80)
  })

  test('a request the server cannot parse gets 400 Bad Request and a closed connection, as Go answers', async () => {
    const { url } = credentials(c)
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false }, () => s.write('GARBAGE / HTTP/1.1\r\n\r\n'))
      let out = ''
      s.on('data', (d) => (out += d))
      s.on('end', () => resolve(out))
      s.on('error', reject)
    })
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/)
  })

  test('every namespace has a default ServiceAccount; a pod naming a missing one is refused with upstream’s words', async () => {
    await c.k('create', 'namespace', 'team')
    await c.k('run', 'ok', '-n', 'team', '--image=busybox', '--', 'sleep', '1') // admitted: `default` appears moments after the namespace
    assert.match(await c.k('get', 'serviceaccount', '-n', 'team'), /^NAME\s+SECRETS\s+AGE\ndefault\s+0\s+\S+\n$/)
    const r = await c.kubectl(['run', 'nope', '--image=busybox', '--overrides={"spec":{"serviceAccountName":"builder"}}'])
    assert.notEqual(r.code, 0)
    assert.equal(r.stderr.trim(), 'Error from server (Forbidden): pods "nope" is forbidden: error looking up service account default/builder: serviceaccount "builder" not found')
  })

  test('kubectl create token: the token authenticates to the API; a missing account is a NotFound', async () => {
    const token = (await c.k('create', 'token', 'default', '--duration=15m')).trim()
    assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
    const { ca, url } = credentials(c)
    const code = await new Promise<number>((resolve, reject) => {
      request({ host: url.hostname, port: url.port, path: '/api', ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume()
        resolve(res.statusCode!)
      }).on('error', reject).end()
    })
    assert.equal(code, 200)
    // As on a fresh cluster, a service account may read the API's shape and nothing else (no RBAC grants yet).
    const denied = await c.kubectl(['--token', token, 'get', 'pods'])
    assert.equal(denied.stderr.trim(), 'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"')
    const node = await c.kubectl(['--token', token, 'get', 'node', 'kubelite'])
    assert.equal(node.stderr.trim(), 'Error from server (Forbidden): nodes "kubelite" is forbidden: User "system:serviceaccount:default:default" cannot get resource "nodes" in API group "" at the cluster scope')
    const missing = await c.kubectl(['create', 'token', 'nope'])
    assert.equal(missing.stderr.trim(), 'error: failed to create token: serviceaccounts "nope" not found')
    const short = await c.kubectl(['create', 'token', 'default', '--duration=5m'])
    assert.match(short.stderr, /spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/)
  })

  test('kubectl diff of an object applied unchanged prints nothing and exits 0', async () => {
    const f = c.file('diffme.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: diffme
  labels: {}
spec:
  replicas: 1
  selector:
    matchLabels: {app: diffme}
  template:
    metadata:
      labels: {app: diffme}
      annotations: {}
    spec:
      nodeSelector: {}
      containers:
      - name: c
        image: gcr.io/google-samples/kubernetes-bootcamp:v1
        env: []
`)
    await c.k('apply', '-f', f)
    await c.k('annotate', 'deployment', 'diffme', 'x=1')
    await c.k('annotate', 'deployment', 'diffme', 'x-')
    const r = await c.kubectl(['diff', '-f', f])
    assert.deepEqual([r.code, r.stdout], [0, ''], r.stderr)
    const tmpl = JSON.parse(await c.k('get', 'deployment', 'diffme', '-o', 'json')).spec.template
    assert.deepEqual(tmpl.metadata, { labels: { app: 'diffme' } }) // no `annotations: {}`, as Go's omitempty writes it
    assert.equal('nodeSelector' in tmpl.spec, false)
  })

  test('kubectl debug adds an ephemeral container (no crash), and a 404 always carries details', async () => {
    const r = await c.kubectl(['debug', 'web', '--image=busybox', '--target=web', '--', 'sleep', '5'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr + r.stdout, /Targeting container "web"/)
    const pod = JSON.parse(await c.k('get', 'pod', 'web', '-o', 'json'))
    assert.equal(pod.spec.ephemeralContainers.length, 1)
    assert.equal(pod.spec.ephemeralContainers[0].targetContainerName, 'web')
    // kubectl debug reads Status.details.name on any 404 (nil-pointer crash without details).
    const { ca, url, token } = credentials(c)
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: url.hostname, port: url.port, path: '/api/v1/namespaces/default/pods/web/nosuchthing', ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let out = ''
        res.on('data', (d) => (out += d))
        res.on('end', () => resolve(out))
      }).on('error', reject).end()
    })
    const status = JSON.parse(body)
    assert.equal(status.code, 404)
    assert.deepEqual(status.details, {})
  })

  test('kubectl drain evicts the node’s pods through pods/eviction and cordons it; uncordon undoes it', async () => {
    await c.k('create', 'deployment', 'drained', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=2')
    await c.k('rollout', 'status', 'deployment/drained', '--timeout=60s')
    const r = await c.kubectl(['drain', 'kubelite', '--ignore-daemonsets', '--force', '--timeout=60s'], { timeoutMs: 90_000 })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^node\/kubelite cordoned$/m)
    assert.match(r.stdout, /^pod\/web evicted$/m)
    assert.match(r.stdout, /^node\/kubelite drained$/m)
    assert.doesNotMatch(r.stderr, /unsupported|415|error/i)
    assert.match(await c.k('get', 'node', 'kubelite'), /Ready,SchedulingDisabled/)
    assert.equal((await c.kubectl(['get', 'pod', 'web'])).code, 1) // a bare pod evicted is gone
    await c.k('uncordon', 'kubelite')
    await c.k('rollout', 'status', 'deployment/drained', '--timeout=60s')
  })
})
