import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setMaxListeners } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { podBinding } from '../api/subresources/binding.js'
import { InformerFactory } from '../client/factory.js'
import type { Client, GVR, ResourceClient } from '../client/types.js'
import { Scheduler } from '../controllers/scheduler/controller.js'
import { builtinImages } from '../images/index.js'
import { NodeAgent } from '../node/index.js'
import { createRuntime } from '../node/runtime/index.js'
import { ServiceProxy } from '../proxy/index.js'
import { MemoryStore } from '../store/index.js'
import { controllerDescriptors, enabledControllers, parseControllersFlag, startControllers, type ControllerDescriptor } from './controllers.js'
import { bootstrapNamespaces, buildApiServer, localClient } from './wiring.js'
import { until } from '../../test/kit/index.js'

const names = (ds: ControllerDescriptor[]) => ds.map((d) => d.aliases[0])
const all = names([...controllerDescriptors])

test('--controllers reads as upstream: * for all, foo on, -foo off, the first entry naming a controller wins', () => {
  const cases: [string, string[]][] = [
    ['*', all],
    ['*,-garbagecollector', all.filter((n) => n !== 'garbagecollector')],
    ['-garbagecollector,*', all.filter((n) => n !== 'garbagecollector')],
    ['deployment,replicaset', ['deployment', 'replicaset']],
    ['replicaset,deployment', ['deployment', 'replicaset']], // table order
    ['-deployment', []], // no * : nothing runs that is not named
    ['', []],
    ['*,-deployment,deployment', all.filter((n) => n !== 'deployment')],
    ['deployment,-deployment', ['deployment']],
    ['deployment-controller,-garbage-collector-controller,*', all.filter((n) => n !== 'garbagecollector')], // full names
    [' endpoint , endpointslice ', ['endpoint', 'endpointslice']],
  ]
  for (const [flag, want] of cases) assert.deepEqual(names(enabledControllers(parseControllersFlag(flag))), want, `--controllers=${flag}`)
})

test('--controllers: an unknown name, enabled or disabled, is an error naming it', () => {
  assert.throws(() => enabledControllers(['*', '-gc']), {
    message: '--controllers: "gc" is not in the list of known controllers (known: deployment, replicaset, endpoint, endpointslice, garbagecollector, namespace, serviceaccount, root-ca-cert-publisher, rollout, eventttl, job, cronjob, statefulset, daemonset, ttl-after-finished, nodelifecycle, taint-eviction-controller, clusterrole-aggregation, disruption, resourcequota, horizontalpodautoscaling, analysisrun, persistentvolume-binder, pvc-protection, pv-protection, local-path, csrapproving, csrsigning, nodeipam, tokencleaner, or their full names such as deployment-controller)',
  })
  assert.throws(() => enabledControllers(['bogus', 'scheduler']), /^Error: --controllers: "bogus" is not in the list of known controllers; "scheduler" is not in the list/)
})

test('every controller has a -controller name and a short alias of its own (but those born after the renaming)', () => {
  const seen = new Set<string>()
  // Upstream added taint-eviction-controller in 1.29 with its canonical name only (no alias).
  const aliasless = new Set(['taint-eviction-controller'])
  for (const d of controllerDescriptors) {
    assert.match(d.name, /^[a-z-]+-controller$/)
    assert.equal(d.aliases.length > 0, !aliasless.has(d.name), d.name)
    for (const n of [d.name, ...d.aliases]) {
      assert.ok(!seen.has(n), `${n} named twice`)
      seen.add(n)
    }
  }
})

/** Clients that count, together, the lists and watches each resource gets. */
function counting() {
  const calls = new Map<string, { list: number; watch: number }>()
  const wrap = (client: Client): Client => ({
    resources: () => client.resources(),
    resource<T extends import('../apis/meta.js').StoredObject>(gvr: GVR): ResourceClient<T> {
      const rc = client.resource<T>(gvr)
      const key = gvr.group ? `${gvr.resource}.${gvr.group}` : gvr.resource
      const count = () => {
        if (!calls.has(key)) calls.set(key, { list: 0, watch: 0 })
        return calls.get(key)!
      }
      return Object.assign(Object.create(rc) as ResourceClient<T>, {
        list: (...args: Parameters<ResourceClient<T>['list']>) => {
          count().list++
          return rc.list(...args)
        },
        watch: (...args: Parameters<ResourceClient<T>['watch']>) => {
          count().watch++
          return rc.watch(...args)
        },
      })
    },
  })
  return { calls, wrap }
}

test('wired as `kubelite up` wires them, the controllers, scheduler, proxy and two agents share one list+watch per resource', async () => {
  const store = new MemoryStore()
  const binding = podBinding({ store })
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:6443', subresources: new Map([['pods/binding', binding]]) })
  await bootstrapNamespaces(api)
  // Every component's client counts: one that watched on its own would show.
  const reads = counting()
  const client = (component: string) => reads.wrap(localClient(api, component))
  const informers = new InformerFactory(client('kube-controller-manager'), (err) => assert.fail(String(err)))
  const ac = new AbortController()
  setMaxListeners(0, ac.signal)
  const log = { info() {}, error: (obj: unknown, msg?: string) => console.error(msg, obj) }
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-controllers-'))
  const runs: Promise<unknown>[] = []
  try {
    runs.push(...startControllers({ client: client('kube-controller-manager'), informers, log, signal: ac.signal }, ['*']))
    const pods = api.resource('', 'pods')!
    runs.push(new Scheduler(client('default-scheduler'), informers, { log, bind: async (ns, b) => void (await binding.bind(pods, ns, b.metadata!.name!, b)) }).start(ac.signal))
    const proxy = new ServiceProxy(client('kube-proxy'), { log, informers })
    runs.push(proxy.start(ac.signal))
    informers.start(ac.signal)
    const agents = ['kubelite', 'kubelite-m02'].map(
      (nodeName, i) =>
        new NodeAgent({
          client: client('kubelet'),
          runtime: createRuntime({ kind: 'sim' }, builtinImages),
          nodeName,
          address: '127.0.0.1',
          podCIDR: `127.244.${i}.0/24`,
          logDir: join(dir, nodeName),
          shutdownGraceSeconds: 1,
          log,
          informers,
        }),
    )
    runs.push(...agents.map((a) => a.start(ac.signal)))
    await Promise.all(agents.map((a) => a.ready()))

    // A Deployment of four: the controllers make the pods, the scheduler spreads them, each agent runs its own.
    const labels = { app: 'web' }
    await api.resource('apps', 'deployments')!.create('default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 4, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'gcr.io/google-samples/kubernetes-bootcamp:v1' }] } } },
    })
    const running = await until('four running pods', async () => {
      const { items } = await pods.list('default')
      const up = items.filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running')
      return up.length === 4 ? up : undefined
    })
    const nodes = new Set(running.map((p) => (p.spec as { nodeName?: string }).nodeName))
    assert.deepEqual([...nodes].sort(), ['kubelite', 'kubelite-m02'])
    for (const a of agents) {
      const mine = running.filter((p) => (p.spec as { nodeName?: string }).nodeName === a.nodeName)
      for (const p of mine) assert.ok(a.findWorker('default', p.metadata.name!), `${a.nodeName} runs ${p.metadata.name}`)
    }

    assert.deepEqual(reads.calls.get('pods'), { list: 1, watch: 1 })
    for (const [resource, n] of reads.calls) assert.deepEqual(n, { list: 1, watch: 1 }, resource)
    for (const shared of ['pods', 'services', 'nodes', 'endpointslices.discovery.k8s.io', 'replicasets.apps', 'deployments.apps', 'namespaces']) assert.ok(reads.calls.has(shared), shared)
  } finally {
    ac.abort()
    await Promise.allSettled(runs)
    await informers.stopped()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
