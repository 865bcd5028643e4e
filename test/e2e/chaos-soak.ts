// The chaos soak: `kubelite up` is killed (SIGKILL, as a crash) or stopped (SIGTERM) at random
// moments of rolling updates and scaling, under constant writes and traffic, and started again on
// the same data dir. After each restart the invariants must hold: no acknowledged write lost,
// exactly `replicas` pods per Deployment (all of the newest ReplicaSet once it settles), no
// container process that no pod accounts for, and no failed request while kubelite was up.
//
// Shared by the short CI run (chaos.e2e.test.ts) and the longer soak in bench/chaos.bench.ts.
// Loopback only; bounded by its round count, each wait by a timeout; stops by itself.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import { until, type Cluster } from './harness.js'

type Obj = Record<string, any>

export interface SoakOptions {
  rounds: number
  /** Seeds the choice of action, delay and signal, so a failing run can be replayed. */
  seed: number
  log?: (msg: string) => void
}

export interface RoundReport {
  signal: 'SIGKILL' | 'SIGTERM'
  action: string
  /** From the signal to the restarted server's ready line. */
  downMs: number
  /** From ready to the Deployment complete and only its pods left. */
  convergeMs: number
}

export interface SoakReport {
  rounds: RoundReport[]
  writesAcknowledged: number
  /** Names of acknowledged ConfigMaps missing after a restart: must be empty. */
  writesLost: string[]
  requestsOk: number
  /** Requests refused while kubelite was down or starting (its proxy is part of it). */
  requestsWhileDown: number
  /** Requests that failed while the API offered no ready endpoint (all pods restarting after a SIGTERM). */
  requestsWithoutEndpoint: number
  /** Requests that failed while kubelite was up and the Service had a ready endpoint: must be empty. */
  requestsFailedWhileUp: string[]
  /** Rounds whose pod count or container processes were wrong, with what was seen: must be empty. */
  invariantBreaks: string[]
}

const images = ['gcr.io/google-samples/kubernetes-bootcamp:v1', 'jocatalin/kubernetes-bootcamp:v2']

/** mulberry32: a small seeded PRNG, so a run is replayable from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: app
        image: ${images[0]}
        ports:
        - containerPort: 8080
        readinessProbe:
          httpGet: { path: /, port: 8080 }
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: { app: web }
  ports:
  - { port: 8080, targetPort: 8080 }
`

export async function soak(c: Cluster, opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log ?? (() => undefined)
  const rand = prng(opts.seed)
  const json = async (...args: string[]): Promise<Obj> => JSON.parse(await c.k(...args, '-o', 'json'))
  const report: SoakReport = { rounds: [], writesAcknowledged: 0, writesLost: [], requestsOk: 0, requestsWhileDown: 0, requestsWithoutEndpoint: 0, requestsFailedWhileUp: [], invariantBreaks: [] }

  await c.k('apply', '-f', c.file('chaos.yaml', manifest))
  await c.k('rollout', 'status', 'deployment/web', '--timeout=90s')
  const nodePort = (await json('get', 'service', 'web')).spec.ports[0].nodePort as number

  // Read once (it spawns a process): a restart on the same data dir keeps the admin token.
  const token = c.token()
  const ca = readFileSync(join(c.dataDir, 'pki', 'ca.crt'))
  // `up` is false from just before a signal until the restarted server printed its ready line.
  let up = true
  let stopped = false
  let phase = 'before the first signal'
  const acked: string[] = []

  const writer = (async () => {
    const agent = new HttpsAgent({ keepAlive: true, ca })
    let n = 0
    while (!stopped) {
      const name = `w-${n++}`
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: String(n) } })
      const code = await new Promise<number>((resolve) => {
        const req = httpsRequest(`${c.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', agent, timeout: 5000, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
          res.on('error', () => resolve(0))
        })
        req.on('timeout', () => req.destroy(new Error('timeout')))
        req.on('error', () => resolve(0))
        req.end(body)
      })
      if (code === 201) acked.push(name)
      await new Promise((r) => setTimeout(r, up ? 40 : 100))
    }
    agent.destroy()
  })()

  // What the API says of the Service's endpoints: ready ones now (-1: unknown, kubelite down).
  let readyEndpoints = -1
  const endpointWatch = (async () => {
    const agent = new HttpsAgent({ keepAlive: true, ca })
    while (!stopped) {
      const body = await new Promise<string | undefined>((resolve) => {
        const req = httpsRequest(`${c.url}/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb`, { agent, timeout: 2000, headers: { authorization: `Bearer ${token}` } }, (res) => {
          let b = ''
          res.on('data', (d) => (b += d))
          res.on('end', () => resolve(res.statusCode === 200 ? b : undefined))
          res.on('error', () => resolve(undefined))
        })
        req.on('timeout', () => req.destroy(new Error('timeout')))
        req.on('error', () => resolve(undefined))
        req.end()
      })
      readyEndpoints = body === undefined ? -1 : (JSON.parse(body).items as Obj[]).flatMap((sl) => sl.endpoints ?? []).filter((e) => e.conditions?.ready).length
      await new Promise((r) => setTimeout(r, 50))
    }
    agent.destroy()
  })()

  const traffic = (async () => {
    const agent = new Agent({ keepAlive: false })
    while (!stopped) {
      const wasUp = up
      const hadEndpoint = readyEndpoints > 0
      const outcome = await new Promise<string>((resolve) => {
        const req = httpRequest({ host: '127.0.0.1', port: nodePort, path: '/', agent, timeout: 5000 }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : `HTTP ${res.statusCode}`))
          res.on('error', (err) => resolve(err.message))
        })
        req.on('timeout', () => req.destroy(new Error('timeout')))
        req.on('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message))
        req.end()
      })
      // A request counts against kubelite only if it was up, and the API offered a ready endpoint,
      // for the whole request.
      if (outcome === 'ok') report.requestsOk++
      else if (!wasUp || !up) report.requestsWhileDown++
      else if (!hadEndpoint || readyEndpoints <= 0) report.requestsWithoutEndpoint++
      else report.requestsFailedWhileUp.push(`${outcome} ${phase}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  })()

  try {
    let image = 0
    let replicas = 3
    for (let round = 0; round < opts.rounds; round++) {
      const roll = rand()
      const actions: string[] = []
      if (roll < 0.7) {
        image = 1 - image
        await c.k('set', 'image', 'deployment/web', `app=${images[image]}`)
        actions.push(`image v${image + 1}`)
      }
      if (roll >= 0.4) {
        replicas = 2 + Math.floor(rand() * 4)
        await c.k('scale', 'deployment/web', `--replicas=${replicas}`)
        actions.push(`scale ${replicas}`)
      }
      await new Promise((r) => setTimeout(r, 100 + Math.floor(rand() * 1500)))
      const signal = rand() < 0.5 ? 'SIGKILL' : 'SIGTERM'
      const t0 = performance.now()
      up = false
      if (signal === 'SIGKILL') await c.kill9()
      else await c.stop()
      await c.restart()
      up = true
      const t1 = performance.now()
      phase = `round ${round + 1} (${signal}), after ready`

      await c.k('rollout', 'status', 'deployment/web', '--timeout=120s')
      const settled = await until(
        `round ${round}: ${replicas} pods of the newest ReplicaSet and nothing else`,
        async () => {
          const rs = ((await json('get', 'rs', '-l', 'app=web')).items as Obj[]).find((x) => x.spec.replicas > 0 && x.spec.template.spec.containers[0].image === images[image])
          const pods = (await json('get', 'pods', '-l', 'app=web')).items as Obj[]
          if (!rs || pods.length !== replicas) return undefined
          if (!pods.every((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid && p.status.phase === 'Running')) return undefined
          return pods
        },
        120_000,
      ).catch((err: Error) => {
        report.invariantBreaks.push(err.message)
        return undefined
      })
      if (settled) {
        const want = settled.map((p) => String(p.status.containerStatuses?.[0]?.containerID ?? '').replace(/^\w+:\/\//, '')).sort()
        await until(`round ${round}: one container process per pod`, async () => JSON.stringify(shims(c)) === JSON.stringify(want), 30_000).catch(() => {
          report.invariantBreaks.push(`round ${round}: container processes ${JSON.stringify(shims(c))}, pods' containers ${JSON.stringify(want)}`)
        })
      }
      const convergeMs = performance.now() - t1
      phase = `round ${round + 1} (${signal}), after it settled`
      // Every write acknowledged before the list is in it.
      const before = acked.slice()
      const names = new Set(((await json('get', 'configmaps')).items as Obj[]).map((x) => x.metadata.name as string))
      const lost = before.filter((n) => !names.has(n))
      report.writesLost.push(...lost.filter((n) => !report.writesLost.includes(n)))
      report.rounds.push({ signal, action: actions.join(', '), downMs: t1 - t0, convergeMs })
      log(`round ${round + 1}/${opts.rounds}: ${actions.join(', ')}, ${signal}; back in ${(t1 - t0).toFixed(0)} ms, settled in ${convergeMs.toFixed(0)} ms; ${acked.length} writes acknowledged, ${lost.length} lost${lost.length ? ` (${lost.join(', ')})` : ''}`)
    }
  } finally {
    stopped = true
    await Promise.all([writer, traffic, endpointWatch])
  }
  report.writesAcknowledged = acked.length
  return report
}

/** Container IDs of the shims running for this cluster's pods. */
function shims(c: Cluster): string[] {
  return spawnSync('pgrep', ['-af', `${c.dataDir}/nodes`])
    .stdout.toString()
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => /containers\/([0-9a-f]+)\//.exec(l)?.[1])
    .filter((x): x is string => Boolean(x))
    .sort()
}
