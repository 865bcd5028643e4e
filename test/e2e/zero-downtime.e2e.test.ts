// Zero-downtime rolling updates (issue 12), through the real kubectl: two Deployments of the
// bootcamp behind their Services (ClusterIP and NodePort) roll v1 → v2 (`kubectl set image`) and
// back (`kubectl rollout undo`) at the same time, under constant load through both addresses, kept
// alive and a new connection per request; one Deployment has no readinessProbe and a backend that
// closes idle keep-alive connections after 300 ms, the other a readinessProbe and Node's default
// 5 s. Not one request may fail or be reset, and every answer must come from v1 or v2.
// Loopback only; the load is bounded (each loop at most 40 requests/s, 8 loops) and stops by itself.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, request } from 'node:http'
import { startCluster, until, type Cluster } from './harness.js'

const image = (v: 1 | 2) => `gcr.io/google-samples/kubernetes-bootcamp:v${v}`

function manifest(name: string, nodePort: number, opts: { probe: boolean; keepAliveMs?: number }): string {
  const probe = opts.probe
    ? `
        readinessProbe:
          httpGet: { path: /, port: 8080 }
          periodSeconds: 1`
    : ''
  const env = opts.keepAliveMs
    ? `
        env:
        - { name: KEEP_ALIVE_TIMEOUT_MS, value: "${opts.keepAliveMs}" }`
    : ''
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 3
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
      - name: app
        image: ${image(1)}
        ports:
        - containerPort: 8080${probe}${env}
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  type: NodePort
  selector: { app: ${name} }
  ports:
  - { port: 8080, targetPort: 8080, nodePort: ${nodePort} }
`
}

interface Tally {
  ok: number
  failed: string[]
  versions: Map<string, number>
}

/** One GET; resolves with the failure text or the body. Never rejects. */
function get(host: string, port: number, agent: Agent | false): Promise<{ ok: boolean; text: string }> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', agent, timeout: 15_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve(res.statusCode === 200 ? { ok: true, text: body } : { ok: false, text: `HTTP ${res.statusCode}: ${body.trim()}` }))
      res.on('error', (err) => resolve({ ok: false, text: err.message }))
      res.on('aborted', () => resolve({ ok: false, text: 'response aborted' }))
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, text: err.code ?? err.message }))
    req.end()
  })
}

/** Loops of GETs against `targets` until stop() (or a hard deadline), each at most `perSecond`. */
function load(targets: { label: string; host: string; port: number }[], perSecond = 40, deadlineMs = 240_000) {
  const tallies = new Map<string, Tally>()
  const agents: Agent[] = []
  let stopped = false
  const end = Date.now() + deadlineMs
  const loop = async (label: string, host: string, port: number, agent: Agent | false) => {
    const t: Tally = { ok: 0, failed: [], versions: new Map() }
    tallies.set(label, t)
    while (!stopped && Date.now() < end) {
      const t0 = Date.now()
      const a = await get(host, port, agent)
      const v = /\| v=(\d)\n$/.exec(a.text)?.[1]
      if (a.ok && (v === '1' || v === '2')) {
        t.ok++
        t.versions.set(v, (t.versions.get(v) ?? 0) + 1)
      } else {
        t.failed.push(a.ok ? `unexpected answer ${JSON.stringify(a.text)}` : a.text)
      }
      const wait = 1000 / perSecond - (Date.now() - t0)
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
  }
  const loops: Promise<void>[] = []
  for (const { label, host, port } of targets) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    agents.push(agent)
    loops.push(loop(`${label} kept alive`, host, port, agent), loop(`${label} new connection each`, host, port, false))
  }
  return {
    tallies,
    total: () => [...tallies.values()].reduce((n, t) => n + t.ok + t.failed.length, 0),
    async stop(): Promise<Map<string, Tally>> {
      stopped = true
      await Promise.all(loops)
      for (const a of agents) a.destroy()
      return tallies
    },
  }
}

let c: Cluster
before(async () => {
  c = await startCluster()
})
after(async () => {
  await c?.destroy()
})

test('rolling update and undo under load drop no request: ClusterIP and NodePort, kept alive and not, with and without a readinessProbe, a backend closing idle connections', { timeout: 300_000 }, async () => {
  const deployments = [
    { name: 'zd-plain', nodePort: 30891, probe: false, keepAliveMs: 300 },
    { name: 'zd-probe', nodePort: 30892, probe: true },
  ]
  await c.k('apply', '-f', c.file('zd.yaml', deployments.map((d) => manifest(d.name, d.nodePort, d)).join('---\n')))
  for (const d of deployments) await c.k('rollout', 'status', `deployment/${d.name}`, '--timeout=120s')
  const targets = []
  for (const d of deployments) {
    const clusterIP = await c.k('get', 'service', d.name, '-o', 'jsonpath={.spec.clusterIP}')
    assert.match(clusterIP, /^127\.96\./)
    targets.push({ label: `${d.name} ClusterIP`, host: clusterIP, port: 8080 }, { label: `${d.name} NodePort`, host: '127.0.0.1', port: d.nodePort })
  }
  const traffic = load(targets)
  const roll = async (name: string) => {
    await c.k('set', 'image', `deployment/${name}`, `app=${image(2)}`)
    await c.k('rollout', 'status', `deployment/${name}`, '--timeout=120s')
    await c.k('rollout', 'undo', `deployment/${name}`)
    await c.k('rollout', 'status', `deployment/${name}`, '--timeout=120s')
    // `rollout status` returns once the new pods are available; the old ones are still draining and
    // are signalled later. The load runs until they are gone: their end is the moment that counts.
    await until(`${name}'s old pods gone`, async () => (await c.k('get', 'pods', '-l', `app=${name}`, '-o', 'name')).trim().split('\n').length === 3, 120_000)
  }
  let tallies: Map<string, Tally>
  try {
    await Promise.all(deployments.map((d) => roll(d.name)))
  } finally {
    tallies = await traffic.stop()
  }
  const report = [...tallies].map(([label, t]) => `${label}: ${t.ok} ok (v1 ${t.versions.get('1') ?? 0}, v2 ${t.versions.get('2') ?? 0}), ${t.failed.length} failed${t.failed.length ? ` [${t.failed.slice(0, 5).join(', ')}]` : ''}`).join('\n')
  for (const [label, t] of tallies) {
    assert.equal(t.failed.length, 0, `failed requests\n${report}`)
    assert.ok(t.ok > 0, `${label} sent requests`)
  }
  // The load ran across both rollouts: both versions answered through every address.
  for (const [label, t] of tallies) assert.ok((t.versions.get('2') ?? 0) > 0 && (t.versions.get('1') ?? 0) > 0, `${label} saw v1 and v2\n${report}`)
  for (const d of deployments) assert.equal(await c.k('get', 'deployment', d.name, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), image(1), 'back on v1 after the undo')
  console.log(`zero-downtime: ${traffic.total()} requests\n${report}`)
})
