// Failed requests during rolling updates: the built CLI on the process runtime, a 4-replica
// Deployment of the bootcamp image behind a NodePort Service, constant bounded load through the
// NodePort and the ClusterIP (keep-alive, and a new connection per request) while the image goes
// v1 → v2 → v1 (→ v2). Counts every answer by version and every failed request; times each
// rollout from the PATCH to complete. The ideal rollout is the Deployment benchmark's.
//
//   node --import tsx bench/rollout.bench.ts [--quick]
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Pool } from 'undici'
import { apiClient, asc, expect, freePort, guarded, pct, progress, root, sleep, spawnUp, terminate, waitForReadyz } from './lib.js'
import { fmtValue, printFigures, writeFigures, type Entry, type Figure } from './results.js'

const quick = process.argv.includes('--quick')
const images = ['gcr.io/google-samples/kubernetes-bootcamp:v1', 'jocatalin/kubernetes-bootcamp:v2']
const rollouts = quick ? 1 : 3
const replicas = 4
const cli = join(root, 'bin', 'kubelite.js')

interface Tally {
  ok: number
  failed: number
  byVersion: Record<string, number>
  lat: number[]
  errors: Set<string>
}
const tally = (): Tally => ({ ok: 0, failed: 0, byVersion: {}, lat: [], errors: new Set() })

function count(t: Tally, status: number, body: string, ms: number): void {
  if (status !== 200) {
    t.failed++
    t.errors.add(`HTTP ${status}`)
    return
  }
  t.ok++
  t.lat.push(ms)
  const v = /v=(\d+)/.exec(body)?.[1] ?? '?'
  t.byVersion[`v${v}`] = (t.byVersion[`v${v}`] ?? 0) + 1
}

/** Keep-alive: `conns` requests in flight on a pool, until `stop`. */
async function keepAlive(url: string, conns: number, t: Tally, stop: () => boolean): Promise<void> {
  const pool = new Pool(url, { connections: conns, pipelining: 1 })
  await Promise.all(
    Array.from({ length: conns }, async () => {
      while (!stop()) {
        const s = performance.now()
        try {
          const r = await pool.request({ method: 'GET', path: '/', headersTimeout: 5000, bodyTimeout: 5000 })
          count(t, r.statusCode, await r.body.text(), performance.now() - s)
        } catch (err) {
          t.failed++
          t.errors.add((err as NodeJS.ErrnoException).code ?? (err as Error).message)
        }
      }
    }),
  )
  await pool.close()
}

/** A new TCP connection for every request, one at a time, until `stop`. */
async function perConnection(host: string, port: number, t: Tally, stop: () => boolean): Promise<void> {
  while (!stop()) {
    const s = performance.now()
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host, port, path: '/', agent: false, timeout: 5000, headers: { connection: 'close' } }, (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => (count(t, res.statusCode ?? 0, body, performance.now() - s), resolve()))
        res.on('error', (err) => (t.failed++, t.errors.add(err.message), resolve()))
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', (err) => (t.failed++, t.errors.add((err as NodeJS.ErrnoException).code ?? err.message), resolve()))
      req.end()
    })
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubelite-rollout-bench-'))
  const kubeconfig = join(dataDir, 'kubeconfig')
  const port = await freePort()
  let out = ''
  const child = spawnUp(cli, [], dataDir, port, kubeconfig, [])
  child.stdout!.on('data', (d) => (out = (out + d).slice(-16_000)))
  child.stderr!.on('data', (d) => (out = (out + d).slice(-16_000)))
  const figures: Figure[] = []
  let stopLoad = true
  await guarded(
    {
      deadlineMs: quick ? 110_000 : 230_000,
      cleanup: async () => {
        stopLoad = true
        await terminate(child, 5000)
        rmSync(dataDir, { recursive: true, force: true })
      },
      onTimeout: () => writeFigures(figures),
    },
    async () => {
      await waitForReadyz({ child, dataDir, port, t0: performance.now(), timeoutMs: 30_000, output: () => out, credsPollMs: 5, retryMs: 10 })
      const api = apiClient({ dataDir, port }, 4)
      const ns = 'default'
      const container = (image: string) => ({
        name: 'web',
        image,
        ports: [{ containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
      })
      expect('create Deployment', 201, await api.call('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container(images[0]!)] } } },
      }))
      const svc = await api.call('POST', `/api/v1/namespaces/${ns}/services`, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 8080 }] },
      })
      expect('create Service', 201, svc)
      const spec = (JSON.parse(svc.text) as { spec: { clusterIP: string; ports: { nodePort: number }[] } }).spec
      const nodePort = spec.ports[0]!.nodePort
      const complete = async (deadlineMs: number) => {
        const end = performance.now() + deadlineMs
        while (performance.now() < end) {
          const d = JSON.parse((await api.call('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`)).text) as {
            metadata: { generation: number }
            status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number }
          }
          const s = d.status ?? {}
          if ((s.observedGeneration ?? 0) >= d.metadata.generation && s.replicas === replicas && s.updatedReplicas === replicas && s.availableReplicas === replicas) return true
          await sleep(50)
        }
        return false
      }
      progress(`rollout: waiting for ${replicas} v1 pods`)
      if (!(await complete(60_000))) throw new Error(`the Deployment was not available within 60 s:\n${out.slice(-3000)}`)
      await sleep(1500) // endpoints and the proxy follow within a moment
      const load = {
        'NodePort, keep-alive (3 connections)': tally(),
        'NodePort, new connection per request': tally(),
        'ClusterIP, keep-alive (1 connection)': tally(),
        'ClusterIP, new connection per request': tally(),
      }
      const l = Object.values(load)
      stopLoad = false
      const stop = () => stopLoad
      const running = Promise.all([
        keepAlive(`http://127.0.0.1:${nodePort}`, 3, l[0]!, stop),
        perConnection('127.0.0.1', nodePort, l[1]!, stop),
        keepAlive(`http://${spec.clusterIP}:8080`, 1, l[2]!, stop),
        perConnection(spec.clusterIP, 8080, l[3]!, stop),
      ])
      await sleep(1000)
      const durations: number[] = []
      for (let i = 0; i < rollouts; i++) {
        const image = images[(i + 1) % 2]!
        progress(`rollout ${i + 1}/${rollouts}: set image ${image} under load`)
        const t0 = performance.now()
        const r = await api.pool.request({
          method: 'PATCH',
          path: `/apis/apps/v1/namespaces/${ns}/deployments/web`,
          headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/strategic-merge-patch+json', accept: 'application/json' },
          body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image }] } } } }),
        })
        expect('set image', 200, { status: r.statusCode, text: await r.body.text() })
        if (!(await complete(60_000))) throw new Error('a rollout did not complete within 60 s')
        durations.push(performance.now() - t0)
        await sleep(1500)
      }
      stopLoad = true
      await running
      const total = l.reduce((a, t) => a + t.ok + t.failed, 0)
      const failed = l.reduce((a, t) => a + t.failed, 0)
      const entries: Entry[] = Object.entries(load).map(([name, t]) => {
        const s = asc(t.lat)
        return {
          name,
          kind: 'kubelite',
          value: t.failed,
          p50: pct(s, 50),
          p99: pct(s, 99),
          errors: t.failed,
          detail: `${t.ok + t.failed} requests: ${Object.entries(t.byVersion).map(([v, n]) => `${v} ${n}`).join(', ')}${t.errors.size ? `; ${[...t.errors].join(', ')}` : ''}`,
        }
      })
      entries.push({ name: 'upstream Kubernetes, same load', kind: 'missing', source: 'no kube-proxy or kubelet here; upstream needs a preStop sleep for this (kubernetes#43576)' })
      figures.push({
        id: 'rollout.failed',
        group: 'rollout',
        label: `failed requests during ${rollouts} rolling update${rollouts > 1 ? 's' : ''} of ${replicas} replicas (${total.toLocaleString('en-US')} requests)`,
        unit: 'requests',
        better: 'lower',
        goal: 0,
        entries,
        note: `Rollouts under load, set image → complete: ${durations.map((d) => `${(d / 1000).toFixed(1)} s`).join(', ')}; ${failed} of ${total} requests failed. Readiness probe every 1 s, maxSurge 25%, maxUnavailable 25%.`,
      })
      figures.push({
        id: 'rollout.underload',
        group: 'rollout',
        label: 'rolling update under that load, set image → complete',
        unit: 's',
        better: 'lower',
        entries: durations.map((d, i) => ({ name: `rollout ${i + 1} (${images[(i + 1) % 2]!.split(':')[1]})`, kind: 'kubelite', value: d / 1000 })),
      })
      console.log(`rolling-update benchmark: ${replicas} replicas, ${rollouts} rollouts under load`)
      printFigures(figures, fmtValue)
    },
  )
  writeFigures(figures)
}

await main()
process.exit(0)
