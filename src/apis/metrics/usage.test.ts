import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpuQuantity, memoryQuantity, podMetrics, windowString } from './usage.js'

test('quantities in resource.Quantity canonical form, as metrics-server writes them', () => {
  assert.equal(cpuQuantity(0), '0')
  assert.equal(cpuQuantity(12345678), '12345678n')
  assert.equal(cpuQuantity(250_000_000), '250m')
  assert.equal(cpuQuantity(2_000_000_000), '2')
  assert.equal(cpuQuantity(1_000), '1u')
  assert.equal(memoryQuantity(225568 * 1024), '225568Ki')
  assert.equal(memoryQuantity(3 * 1024 * 1024), '3Mi')
  assert.equal(memoryQuantity(12345), '12345')
  assert.equal(windowString(15), '15s')
  assert.equal(windowString(15.008), '15.008s')
  assert.equal(windowString(60), '1m0s')
})

test('podMetrics: the pod name, namespace and labels, containers in spec order', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'a' }, { name: 'b' }] } }
  const s = { timestamp: '2026-01-01T00:00:15Z', windowSeconds: 15, memoryBytes: 1024 }
  const m = podMetrics(pod, { namespace: 'default', name: 'web', uid: 'u', containers: [{ name: 'b', ...s, cpuNanoCores: 1e6 }, { name: 'a', ...s, cpuNanoCores: 5e8 }] }, new Date('2026-01-01T00:00:20Z'))
  assert.deepEqual(m, {
    apiVersion: 'metrics.k8s.io/v1beta1',
    kind: 'PodMetrics',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:20Z', labels: { app: 'web' } },
    timestamp: '2026-01-01T00:00:15Z',
    window: '15s',
    containers: [
      { name: 'a', usage: { cpu: '500m', memory: '1Ki' } },
      { name: 'b', usage: { cpu: '1m', memory: '1Ki' } },
    ],
  })
})
