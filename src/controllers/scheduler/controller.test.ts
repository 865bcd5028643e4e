import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { podBinding } from '../../api/subresources/binding.js'
import { bootstrapNamespaces, buildApiServer, localClient } from '../../cli/wiring.js'
import { InformerFactory } from '../../client/factory.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { Scheduler } from './controller.js'
import { until } from '../../../test/kit/index.js'

async function cluster(failBinds = 0) {
  const store = new MemoryStore()
  const binding = podBinding({ store })
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:6443', subresources: new Map([['pods/binding', binding]]) })
  await bootstrapNamespaces(api)
  const client = localClient(api, 'test')
  const pods = api.resource('', 'pods')!
  const informers = new InformerFactory(client)
  let failures = failBinds
  const scheduler = new Scheduler(client, informers, {
    bind: async (ns, b) => {
      if (failures-- > 0) throw new Error('etcdserver: request timed out')
      await binding.bind(pods, ns, b.metadata!.name!, b)
    },
  })
  const ac = new AbortController()
  const running = scheduler.start(ac.signal)
  informers.start(ac.signal)
  return {
    api,
    pods,
    nodes: api.resource('', 'nodes')!,
    events: api.resource('', 'events')!,
    scheduler,
    async close() {
      ac.abort()
      await running
      await informers.stopped()
      await scheduler.flushEvents()
      await store.close()
    },
  }
}

const node = (name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, capacity: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }] },
})
const pod = (name: string, spec: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } })

test('scheduler binds a pod and records Scheduled', async () => {
  const c = await cluster()
  try {
    await c.nodes.create(undefined, node('kubelite'))
    await c.pods.create('default', pod('web-abc'))
    const bound = await until('binding', async () => {
      const p = (await c.pods.get('default', 'web-abc')) as any
      return p.spec.nodeName ? p : undefined
    })
    assert.equal(bound.spec.nodeName, 'kubelite')
    assert.equal(bound.status.conditions.find((x: any) => x.type === 'PodScheduled').status, 'True')
    await c.scheduler.flushEvents()
    const ev = (await c.events.list('default')).items.find((e: any) => e.reason === 'Scheduled') as any
    assert.equal(ev.message, 'Successfully assigned default/web-abc to kubelite')
    assert.equal(ev.type, 'Normal')
    assert.equal(ev.source.component, 'default-scheduler')
    assert.equal(ev.involvedObject.name, 'web-abc')
  } finally {
    await c.close()
  }
})

test('an unschedulable pod gets FailedScheduling and PodScheduled=False, then binds when a node fits', async () => {
  const c = await cluster()
  try {
    await c.nodes.create(undefined, node('kubelite'))
    await c.pods.create('default', pod('picky', { nodeSelector: { disk: 'ssd' } }))
    const msg = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    const cond = await until('PodScheduled=False', async () => {
      const p = (await c.pods.get('default', 'picky')) as any
      return p.status.conditions?.find((x: any) => x.type === 'PodScheduled')
    })
    assert.deepEqual({ status: cond.status, reason: cond.reason, message: cond.message }, { status: 'False', reason: 'Unschedulable', message: msg })
    await c.scheduler.flushEvents()
    const ev = (await c.events.list('default')).items.find((e: any) => e.reason === 'FailedScheduling') as any
    assert.equal(ev.type, 'Warning')
    assert.equal(ev.message, msg)

    // A matching node appears: the pod is retried (after its 1 s back-off) and bound there.
    await c.nodes.create(undefined, node('fast', { disk: 'ssd' }))
    const p = await until('rebinding', async () => {
      const x = (await c.pods.get('default', 'picky')) as any
      return x.spec.nodeName ? x : undefined
    })
    assert.equal(p.spec.nodeName, 'fast')
    assert.deepEqual(
      p.status.conditions.filter((x: any) => x.type === 'PodScheduled').map((x: any) => [x.status, x.reason]),
      [['True', undefined]],
    )
  } finally {
    await c.close()
  }
})

test('replicas spread over nodes; pods with nodeName or another scheduler are left alone', async () => {
  const c = await cluster()
  try {
    await c.nodes.create(undefined, node('n1'))
    await c.nodes.create(undefined, node('n2'))
    const owner = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true }]
    for (let i = 0; i < 6; i++) await c.pods.create('default', { ...pod(`r${i}`), metadata: { name: `r${i}`, ownerReferences: owner } })
    await c.pods.create('default', pod('other', { schedulerName: 'my-scheduler' }))
    const all = await until('six bound', async () => {
      const items = (await c.pods.list('default')).items as StoredObject[] as any[]
      const bound = items.filter((p) => p.spec.nodeName)
      return bound.length === 6 ? bound : undefined
    })
    const per = new Map<string, number>()
    for (const p of all) per.set(p.spec.nodeName, (per.get(p.spec.nodeName) ?? 0) + 1)
    assert.deepEqual(Object.fromEntries(per), { n1: 3, n2: 3 })
    assert.equal(((await c.pods.get('default', 'other')) as any).spec.nodeName, undefined)
  } finally {
    await c.close()
  }
})

test('a failed bind un-assumes the pod, records FailedScheduling and is retried until it binds', async () => {
  const c = await cluster(2)
  try {
    await c.nodes.create(undefined, node('kubelite'))
    await c.pods.create('default', pod('flaky'))
    const bound = await until('binding after two failures', async () => ((await c.pods.get('default', 'flaky')) as unknown as { spec: { nodeName?: string } }).spec.nodeName)
    assert.equal(bound, 'kubelite')
    await c.scheduler.flushEvents()
    const { items } = await c.events.list('default', {})
    const reasons = items.map((e) => `${(e as { reason?: string }).reason}: ${(e as { message?: string }).message}`)
    assert.ok(reasons.includes('FailedScheduling: binding rejected: etcdserver: request timed out'), reasons.join('\n'))
    assert.ok(reasons.includes('Scheduled: Successfully assigned default/flaky to kubelite'), reasons.join('\n'))
  } finally {
    await c.close()
  }
})

test('preemption: the victim gets DisruptionTarget, a graceful delete and a Preempted event; the preemptor is nominated, waits, then binds', async () => {
  const c = await cluster()
  try {
    const classes = c.api.resource('scheduling.k8s.io', 'priorityclasses')!
    await classes.create(undefined, { metadata: { name: 'low' }, value: 10 })
    await classes.create(undefined, { metadata: { name: 'high' }, value: 1000 })
    await c.nodes.create(undefined, node('kubelite'))
    const busy = (name: string, cls: string) => pod(name, { priorityClassName: cls, containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '3' } } }] })
    await c.pods.create('default', busy('low', 'low'))
    await until('low bound', async () => ((await c.pods.get('default', 'low')) as any).spec.nodeName)
    const high = (await c.pods.create('default', busy('high', 'high'))) as any

    const victim = await until('low terminating', async () => {
      const p = (await c.pods.get('default', 'low')) as any
      return p.metadata.deletionTimestamp ? p : undefined
    })
    const cond = victim.status.conditions.find((x: any) => x.type === 'DisruptionTarget')
    assert.deepEqual([cond.status, cond.reason, cond.message], ['True', 'PreemptionByScheduler', 'default-scheduler: preempting to accommodate a higher priority pod'])
    const nominated = await until('high nominated', async () => ((await c.pods.get('default', 'high')) as any).status?.nominatedNodeName)
    assert.equal(nominated, 'kubelite')
    await c.scheduler.flushEvents()
    const events = (await c.events.list('default')).items as any[]
    const preempted = events.filter((e) => e.reason === 'Preempted')
    assert.equal(preempted.length, 1)
    assert.equal(preempted[0].message, `Preempted by pod ${high.metadata.uid} on node kubelite`)
    assert.equal(preempted[0].involvedObject.name, 'low')
    assert.ok(events.some((e) => e.reason === 'FailedScheduling' && e.involvedObject.name === 'high' && e.message === '0/1 nodes are available: 1 Insufficient cpu.'))

    // A new low-priority pod cannot take the room held for the preemptor.
    await c.pods.create('default', busy('low2', 'low'))
    await until('low2 unschedulable', async () => ((await c.pods.get('default', 'low2')) as any).status?.conditions?.find((x: any) => x.type === 'PodScheduled'))

    // The victim's kubelet finishes the deletion: the preemptor binds.
    await c.pods.delete('default', 'low', { gracePeriodSeconds: 0 })
    assert.equal(await until('high bound', async () => ((await c.pods.get('default', 'high')) as any).spec.nodeName), 'kubelite')
    assert.equal(((await c.pods.get('default', 'low2')) as any).spec.nodeName, undefined)
  } finally {
    await c.close()
  }
})

test('preemption: a higher preemptor for the same node clears the nomination of the lower one', async () => {
  const c = await cluster()
  try {
    const classes = c.api.resource('scheduling.k8s.io', 'priorityclasses')!
    for (const [name, value] of [['low', 10], ['mid', 100], ['top', 1000]] as const) await classes.create(undefined, { metadata: { name }, value })
    await c.nodes.create(undefined, node('kubelite'))
    const busy = (name: string, cls: string) => pod(name, { priorityClassName: cls, containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '3' } } }] })
    await c.pods.create('default', busy('low', 'low'))
    await until('low bound', async () => ((await c.pods.get('default', 'low')) as any).spec.nodeName)
    await c.pods.create('default', busy('mid', 'mid'))
    await until('mid nominated', async () => ((await c.pods.get('default', 'mid')) as any).status?.nominatedNodeName)
    await c.pods.create('default', busy('top', 'top'))
    await until('top nominated', async () => ((await c.pods.get('default', 'top')) as any).status?.nominatedNodeName)
    await until('mid no longer nominated', async () => (((await c.pods.get('default', 'mid')) as any).status?.nominatedNodeName ? undefined : true))
    await c.pods.delete('default', 'low', { gracePeriodSeconds: 0 })
    assert.equal(await until('top bound', async () => ((await c.pods.get('default', 'top')) as any).spec.nodeName), 'kubelite')
    assert.equal(((await c.pods.get('default', 'mid')) as any).spec.nodeName, undefined)
  } finally {
    await c.close()
  }
})
