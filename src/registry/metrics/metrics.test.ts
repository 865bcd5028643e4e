import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { errors, type StatusError } from '../../apis/status.js'
import { metricsResources } from './index.js'

const pod = (name: string, phase: string, uid: string, labels?: Record<string, string>): StoredObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid, labels }, spec: { nodeName: 'kubelite', containers: [{ name: 'app' }] }, status: { phase } }) as StoredObject
const sample = { timestamp: '2026-01-01T00:00:15Z', windowSeconds: 15, cpuNanoCores: 250_000_000, memoryBytes: 4 * 1024 * 1024 }

const pods = [pod('web-b', 'Running', 'b', { app: 'web' }), pod('web-a', 'Running', 'a', { app: 'web' }), pod('done', 'Succeeded', 'c'), pod('new', 'Running', 'd')]
const [nodes, podMetrics] = metricsResources({
  listPods: async () => pods,
  getPod: async (_ns, name) => {
    const p = pods.find((x) => x.metadata.name === name)
    if (!p) throw errors.notFound({ group: '', resource: 'pods' }, name)
    return p
  },
  listNodes: async () => [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'kubelite' } } as StoredObject],
  getNode: async (name) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } }) as StoredObject,
  nodeUsage: async () => ({ node: sample, pods: ['a', 'b', 'c'].map((uid) => ({ namespace: 'default', name: '', uid, containers: [{ name: 'app', ...sample }] })) }),
  clock: () => new Date('2026-01-01T00:00:20Z'),
})

test('PodMetrics: Running pods with figures, sorted, with their labels; a pod without figures is a 404 of podmetrics', async () => {
  const list = await podMetrics.computed!.list('default')
  assert.deepEqual(list.map((m) => m.metadata.name), ['web-a', 'web-b'])
  assert.deepEqual(list[0].metadata.labels, { app: 'web' })
  assert.deepEqual((list[0] as unknown as { containers: unknown }).containers, [{ name: 'app', usage: { cpu: '250m', memory: '4Mi' } }])
  await assert.rejects(podMetrics.computed!.get('default', 'new'), (e: StatusError) => e.status.code === 404 && e.status.message === 'podmetrics.metrics.k8s.io "default/new" not found')
  await assert.rejects(podMetrics.computed!.get('default', 'nosuch'), (e: StatusError) => e.status.message === 'pods "nosuch" not found')
  assert.deepEqual(podMetrics.table.cells(list[0], new Date()), ['web-a', '250m', '4Mi', '15s'])
})

test('NodeMetrics: the node figure', async () => {
  const n = (await nodes.computed!.get(undefined, 'kubelite')) as unknown as { usage: unknown; window: string }
  assert.deepEqual(n.usage, { cpu: '250m', memory: '4Mi' })
  assert.equal(n.window, '15s')
})
