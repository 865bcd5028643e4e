// Exact traffic weights in kubelite's proxy, driven by the kubelite.io/traffic annotation through
// the real kubectl (docs/traffic.md, docs/canary-weights.md): the seed's two-Deployment canary (2
// stable pods, 1 canary) split 90/10 then 50/50 under load, header routes, mirrors, a sticky
// cookie, a malformed annotation; and the traffic report agreeing with what the clients saw,
// including a failing argoproj/rollouts-demo:bad-red pod. Loopback only; bounded load.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, request as httpRequest } from 'node:http'
import type { Socket } from 'node:net'
import { startCluster, until, type Cluster } from './harness.js'
import { deployment, seedService } from './seeds.js'


// The seed's Service, as a ClusterIP one (its fixed NodePort is left to the seed's own tests).
const service = seedService.replace('  - nodePort: 30880\n    port: 8080', '  - port: 8080').replace('type: NodePort', 'type: ClusterIP')
const canaryService = `apiVersion: v1
kind: Service
metadata:
  name: myapp-canary
spec:
  ports:
  - port: 8080
    targetPort: 8080
  selector:
    app: myapp
    version: canary
`

const bad = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
spec:
  replicas: 1
  selector:
    matchLabels:
      app: bad
  template:
    metadata:
      labels:
        app: bad
    spec:
      containers:
      - name: demo
        image: argoproj/rollouts-demo:bad-red
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: bad
spec:
  ports:
  - port: 18471 # an unusual port: other clusters on this machine may hold the same ClusterIP
    targetPort: 8080
  selector:
    app: bad
`

interface Answer {
  code: number
  version?: string
  body: string
  setCookie?: string[]
  socket: Socket
}

function get(url: string, agent: Agent | false, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent, headers, timeout: 10_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (body += d))
      res.on('end', () => {
        let version: string | undefined
        try {
          version = JSON.parse(body)['app version']
        } catch {
          // not the test app
        }
        resolve({ code: res.statusCode ?? 0, version, body, setCookie: res.headers['set-cookie'], socket: req.socket! })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

/** What the clients saw, per app version, for comparing with the traffic report. */
const seen: Record<string, number> = {}

/** n requests over `clients` keep-alive connections (one agent of one socket each). */
async function load(url: string, n: number, clients: number, headers: Record<string, string> = {}): Promise<{ versions: Record<string, number>; failed: number; sockets: number }> {
  const versions: Record<string, number> = {}
  let failed = 0
  const sockets = new Set<Socket>()
  let left = n
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      try {
        while (left > 0) {
          left--
          const a = await get(url, agent, headers).catch(() => undefined)
          if (!a || a.code !== 200 || !a.version) {
            failed++
            continue
          }
          sockets.add(a.socket)
          versions[a.version] = (versions[a.version] ?? 0) + 1
          seen[a.version] = (seen[a.version] ?? 0) + 1
        }
      } finally {
        agent.destroy()
      }
    }),
  )
  return { versions, failed, sockets: sockets.size }
}

const share = (r: { versions: Record<string, number> }, v: string) => (100 * (r.versions[v] ?? 0)) / Object.values(r.versions).reduce((a, b) => a + b, 0)

describe('exact traffic weights from the kubelite.io/traffic annotation', () => {
  let c: Cluster
  let url: string
  const annotate = (value: object | string) => c.k('annotate', '--overwrite', 'service', 'myapp-svc', `kubelite.io/traffic=${typeof value === 'string' ? value : JSON.stringify(value)}`)
  const weights = (stable: number, canary: number, extra: object = {}) => ({
    backends: [
      { name: 'stable', selector: { version: 'stable' }, weight: stable },
      { name: 'canary', selector: { version: 'canary' }, weight: canary },
    ],
    ...extra,
  })
  /** Until a probe of 100 requests over one connection gives the canary exactly `pct`% (the picker is exact). */
  const inForce = (pct: number) => until(`canary at ${pct}%`, async () => Math.abs(share(await load(url, 100, 1), 'v0.2') - pct) <= 1, 30_000)
  const report = async (svc: string, qs = 'window=15m') => JSON.parse(await c.k('get', '--raw', `/traffic/v1/namespaces/default/services/${svc}?${qs}`))

  before(async () => {
    c = await startCluster()
    await c.k('apply', '-f', c.file('stable.yaml', deployment('k8s-testapp', 'stable', 2, 'v0.1')))
    await c.k('apply', '-f', c.file('canary.yaml', deployment('k8s-testapp-canary', 'canary', 1, 'v0.2')))
    await c.k('apply', '-f', c.file('svc.yaml', service))
    await c.k('apply', '-f', c.file('canary-svc.yaml', canaryService))
    await c.k('rollout', 'status', 'deployment/k8s-testapp', '--timeout=60s')
    await c.k('rollout', 'status', 'deployment/k8s-testapp-canary', '--timeout=60s')
    const ip = (await c.k('get', 'service', 'myapp-svc', '-o', 'jsonpath={.spec.clusterIP}')).trim()
    url = `http://${ip}:8080/`
    await until('three endpoints', async () => (await c.k('get', 'endpoints', 'myapp-svc', '-o', 'jsonpath={.subsets[*].addresses[*].ip}')).trim().split(/\s+/).length === 3)
  })
  after(async () => {
    await c?.destroy()
  })

  test('without the annotation the canary gets its pod share; at weight 10 it gets 10%, one keep-alive client included', async () => {
    const byPods = await load(url, 300, 1)
    assert.ok(Math.abs(share(byPods, 'v0.2') - 33.3) <= 3, `pod-count split: ${JSON.stringify(byPods.versions)}`)
    assert.equal(await annotate(weights(90, 10)), 'service/myapp-svc annotated\n')
    await inForce(10)
    const one = await load(url, 1000, 1)
    assert.equal(one.sockets, 1, 'one kept-alive connection')
    assert.equal(one.failed, 0)
    assert.ok(Math.abs(share(one, 'v0.2') - 10) <= 3, `one client: ${JSON.stringify(one.versions)}`)
    const many = await load(url, 1000, 8)
    assert.equal(many.failed, 0)
    assert.ok(Math.abs(share(many, 'v0.2') - 10) <= 3, `eight clients: ${JSON.stringify(many.versions)}`)
  })

  test('weight 50 under load: the next requests follow it and none fails', async () => {
    let stop = false
    let failed = 0
    let total = 0
    const running = (async () => {
      while (!stop) {
        const r = await load(url, 50, 4)
        failed += r.failed
        total += 50
      }
    })()
    try {
      await annotate(weights(50, 50))
      await inForce(50)
    } finally {
      stop = true
      await running
    }
    assert.equal(failed, 0, `${failed} of ${total} requests failed`)
    assert.ok(total >= 200, `the load ran (${total} requests)`)
    const r = await load(url, 1000, 4)
    assert.ok(Math.abs(share(r, 'v0.2') - 50) <= 3, JSON.stringify(r.versions))
  })

  test('the traffic report counts what the clients saw, per ReplicaSet and backend', async () => {
    const rep = await report('myapp-svc', 'window=15m&step=1m')
    assert.equal(rep.kind, 'TrafficReport')
    assert.equal(rep.apiVersion, 'traffic.kubelite.io/v1alpha1')
    assert.equal(rep.window.seconds, 900)
    assert.equal(rep.groups[0].series.length, 15)
    const rsOf = async (d: string) => (await c.k('get', 'rs', '-l', `version=${d}`, '-o', 'jsonpath={.items[0].metadata.name}')).trim()
    const [stableRs, canaryRs] = [await rsOf('stable'), await rsOf('canary')]
    const count = (rs: string) => rep.groups.filter((g: { replicaSet: string }) => g.replicaSet === rs).reduce((a: number, g: { requests: number }) => a + g.requests, 0)
    assert.equal(count(stableRs), seen['v0.1'], 'stable: the report and the clients agree')
    assert.equal(count(canaryRs), seen['v0.2'], 'canary: the report and the clients agree')
    const canary = rep.groups.find((g: { replicaSet: string; backend?: string }) => g.replicaSet === canaryRs && g.backend === 'canary')
    assert.equal(canary.podTemplateHash, canaryRs.slice('k8s-testapp-canary-'.length))
    assert.equal(canary.errors, 0)
    assert.ok(canary.latencyMs.p50 > 0 && canary.latencyMs.p99 >= canary.latencyMs.p50)
    const metrics = await c.k('get', '--raw', '/metrics')
    assert.match(metrics, new RegExp(`kubelite_proxy_http_requests_total\\{namespace="default",service="myapp-svc",replicaset="${canaryRs}",code="200"\\} \\d+`))
    assert.match(metrics, /kubelite_proxy_http_request_duration_seconds_bucket\{le="0.005",namespace="default",service="myapp-svc",replicaset=/)
    const all = JSON.parse(await c.k('get', '--raw', '/traffic/v1/namespaces/default?window=15m'))
    assert.equal(all.service, undefined, 'the namespace-wide report')
    assert.deepEqual(
      all.groups.filter((g: { service: string }) => g.service === 'myapp-svc').map((g: { requests: number }) => g.requests),
      rep.groups.map((g: { requests: number }) => g.requests),
    )
    const missing = await c.kubectl(['get', '--raw', '/traffic/v1/namespaces/default/services/nope'])
    assert.match(missing.stderr, /Error from server \(NotFound\): services "nope" not found/)
    const badParam = await c.kubectl(['get', '--raw', '/traffic/v1/namespaces/default?window=1h'])
    assert.match(badParam.stderr, /Error from server \(BadRequest\)/)
  })

  test('a header route always reaches the canary, before weights and stickiness', async () => {
    await annotate(weights(100, 0, { headerRoutes: [{ name: 'always-canary', match: [{ headerName: 'X-Canary', headerValue: { exact: 'yes' } }], backend: 'canary' }] }))
    await inForce(0)
    const routed = await load(url, 200, 2, { 'x-canary': 'yes' })
    assert.deepEqual(routed.versions, { 'v0.2': 200 })
    assert.deepEqual((await load(url, 100, 2, { 'X-Canary': 'no' })).versions, { 'v0.1': 100 })
  })

  test("a service backend takes another Service's endpoints (Argo's stable/canary Service pair)", async () => {
    await annotate({ backends: [{ name: 'stable', selector: { version: 'stable' }, weight: 70 }, { name: 'canary', service: 'myapp-canary', weight: 30 }] })
    await inForce(30)
    const r = await load(url, 1000, 4)
    assert.equal(r.failed, 0)
    assert.ok(Math.abs(share(r, 'v0.2') - 30) <= 3, JSON.stringify(r.versions))
    // The canary Service scaled to nothing: its share goes to stable.
    await c.k('scale', 'deployment/k8s-testapp-canary', '--replicas=0')
    await inForce(0)
    await c.k('scale', 'deployment/k8s-testapp-canary', '--replicas=1')
    await c.k('rollout', 'status', 'deployment/k8s-testapp-canary', '--timeout=60s')
    await inForce(30)
  })

  test('a mirror copies requests to the canary; the client is answered by stable only', async () => {
    const canaryMirrored = async () => {
      const rep = await report('myapp-svc')
      return rep.groups.filter((g: { backend?: string }) => g.backend === 'canary').reduce((a: number, g: { mirrored: number }) => a + g.mirrored, 0)
    }
    const base = await canaryMirrored()
    await annotate(weights(100, 0, { mirrors: [{ name: 'mirror-gets', match: [{ method: { exact: 'GET' }, path: { prefix: '/' } }], percentage: 100, backend: 'canary' }] }))
    // In force once a request is mirrored. Copies of these probes may still be on their way when
    // counting starts: the 200 requests below give between 200 and 200 + probes more copies.
    let probes = 0
    await until('mirroring', async () => (await load(url, 1, 1)) && ++probes && (await canaryMirrored()) > base, 30_000)
    const from = await canaryMirrored()
    // One client at a time: copies are bounded in flight (docs/traffic.md), and a loaded machine's
    // canary must not fall behind two clients' worth of copies.
    const r = await load(url, 200, 1)
    assert.deepEqual(r.versions, { 'v0.1': 200 }, 'every answer from stable')
    let copies = 0
    await until('200 copies answered by the canary', async () => (copies = (await canaryMirrored()) - from) >= 200, 20_000).catch((err) => {
      throw new Error(`${(err as Error).message}: ${copies}`)
    })
    assert.ok(copies >= 200 && copies <= 200 + probes, `${copies} copies for 200 requests (and ${probes} probes)`)
  })

  test('a sticky cookie keeps a client on the backend it first got', async () => {
    await annotate(weights(50, 50, { sticky: { cookie: 'kubelite-route', maxAgeSeconds: 3600 } }))
    await inForce(50)
    for (let client = 0; client < 6; client++) {
      const first = await get(url, false)
      const cookie = first.setCookie?.find((s) => s.startsWith('kubelite-route='))
      assert.ok(cookie, `a cookie on the first answer: ${JSON.stringify(first.setCookie)}`)
      assert.match(cookie, /^kubelite-route=(stable|canary); Path=\/; Max-Age=3600; HttpOnly$/)
      const versions = new Set<string>()
      for (let i = 0; i < 20; i++) {
        const a = await get(url, false, { cookie: cookie.split(';')[0] })
        assert.equal(a.setCookie, undefined, 'no new cookie while it sticks')
        versions.add(a.version!)
      }
      assert.deepEqual([...versions], [first.version])
    }
  })

  test('a malformed annotation leaves traffic flowing over the pods and records a Warning Event', async () => {
    await annotate('{"backends":[{"name":"stable","weight":90},{"name":"canary","selector":{"version":"canary"},"weight":-10}]}')
    await inForce(33)
    const r = await load(url, 300, 3)
    assert.equal(r.failed, 0)
    const events = await until('the Warning Event', async () => {
      const list = JSON.parse(await c.k('get', 'events', '-o', 'json')).items as { reason: string; type: string; message: string; involvedObject: { kind: string; name: string } }[]
      return list.find((e) => e.reason === 'InvalidTrafficAnnotation')
    })
    assert.equal(events.type, 'Warning')
    assert.deepEqual([events.involvedObject.kind, events.involvedObject.name], ['Service', 'myapp-svc'])
    assert.match(events.message, /backends\[1\]\.weight: must be a number >= 0/)
    assert.match(await c.k('describe', 'service', 'myapp-svc'), /Warning\s+InvalidTrafficAnnotation\s+.*backends\[1\]\.weight/)
  })

  test("a bad- rollouts-demo pod shows its error rate in the report", async () => {
    await c.k('apply', '-f', c.file('bad.yaml', bad))
    await c.k('rollout', 'status', 'deployment/bad', '--timeout=60s')
    const ip = (await c.k('get', 'service', 'bad', '-o', 'jsonpath={.spec.clusterIP}')).trim()
    await until('bad endpoint', async () => (await c.k('get', 'endpoints', 'bad', '-o', 'jsonpath={.subsets[*].addresses[*].ip}')).trim() !== '')
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    let errors = 0
    try {
      for (let i = 0; i < 200; i++) {
        const a = await get(`http://${ip}:18471/color`, agent)
        assert.equal(a.body, '"red"')
        if (a.code === 500) errors++
      }
    } finally {
      agent.destroy()
    }
    const rep = await report('bad', 'window=5m')
    assert.equal(rep.groups.length, 1)
    const g = rep.groups[0]
    assert.equal(g.requests, 200)
    assert.equal(g.errors, errors)
    assert.ok(g.errorRate > 0.7 && g.errorRate < 0.97, `bad-red fails about 85%: ${g.errorRate}`)
    assert.equal(g.backend, undefined)
    assert.match(g.replicaSet, /^bad-[bcdfghjklmnpqrstvwxz2456789]+$/)
  })
})
