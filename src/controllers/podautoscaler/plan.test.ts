// Table tests after upstream's replica_calculator_test.go and horizontal_test.go.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { emptyHistory, planHPA, scaleDownLimit, scaleUpLimit } from './plan.js'
import { resourceReplicas, type PodMetric } from './replicas.js'

const now = Date.parse('2026-01-01T01:00:00Z')
const longAgo = '2026-01-01T00:00:00Z' // started before the CPU initialization period

function pods(requests: string[], ready: ('True' | 'False')[] = []) {
  return requests.map((r, i) => ({
    metadata: { name: `test-pod-${i}`, labels: { name: 'test-pod' } },
    spec: { containers: [{ name: 'c', resources: { requests: { cpu: r } } }] },
    status: { phase: 'Running', startTime: longAgo, conditions: [{ type: 'Ready', status: ready[i] ?? 'True', lastTransitionTime: longAgo }] },
  }))
}
const levels = (ms: number[]) => new Map<string, PodMetric>(ms.map((v, i) => [`test-pod-${i}`, { value: v, timestamp: now - 1000, windowMs: 15_000 }]))

const cases = [
  // name, currentReplicas, requests, levels, target, expected replicas, utilization, raw average
  { name: 'TestReplicaCalcScaleUp', current: 3, requests: ['1', '1', '1'], levels: [300, 500, 700], target: 30, want: 5, util: 50, raw: 500 },
  { name: 'TestReplicaCalcScaleUpUnreadyLessScale', current: 3, requests: ['1', '1', '1'], ready: ['False', 'True', 'True'] as const, levels: [300, 500, 700], target: 30, want: 4, util: 60, raw: 600 },
  { name: 'TestReplicaCalcScaleDown', current: 5, requests: ['1', '1', '1', '1', '1'], levels: [100, 300, 500, 250, 250], target: 50, want: 3, util: 28, raw: 280 },
  { name: 'TestReplicaCalcTolerance', current: 3, requests: ['0.9', '1.0', '1.1'], levels: [1010, 1030, 1020], target: 100, want: 3, util: 102, raw: 1020 },
  { name: 'TestReplicaCalcScaleUpUnreadyNoScale', current: 3, requests: ['1', '1', '1'], ready: ['True', 'False', 'False'] as const, levels: [400, 500, 700], target: 30, want: 3, util: 40, raw: 400 },
]

for (const c of cases) {
  test(`replica calculator: ${c.name}`, () => {
    const r = resourceReplicas(c.current, c.target, 'cpu', pods(c.requests, c.ready ? [...c.ready] : []), levels(c.levels), now)
    assert.deepEqual([r.replicas, r.utilization, r.rawAverage], [c.want, c.util, c.raw])
  })
}

test('replica calculator: no metrics and missing requests are errors in upstream words', () => {
  assert.throws(() => resourceReplicas(1, 50, 'cpu', pods(['1']), new Map(), now), /unable to get metrics for resource cpu: no metrics returned from resource metrics API/)
  const p = pods(['1'])
  delete (p[0].spec.containers[0].resources as { requests?: unknown }).requests
  assert.throws(() => resourceReplicas(1, 50, 'cpu', p, levels([500]), now), /missing request for cpu in container c of Pod test-pod-0/)
})

test('behavior rate limits: default scale-up (4 pods or 100% per 15 s), scale-down 100%', () => {
  const up = { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] }
  assert.equal(scaleUpLimit(1, emptyHistory(), up, now), 5)
  assert.equal(scaleUpLimit(10, emptyHistory(), up, now), 20)
  // 3 replicas added 5 s ago count against the period: it started at 7.
  assert.equal(scaleUpLimit(10, { ...emptyHistory(), scaleUpEvents: [{ change: 3, at: now - 5000 }] }, up, now), 14)
  assert.equal(scaleDownLimit(10, emptyHistory(), { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }, now), 0)
  assert.equal(scaleDownLimit(10, emptyHistory(), { selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }, { type: 'Percent', value: 50, periodSeconds: 60 }] }, now), 9)
  assert.equal(scaleUpLimit(3, emptyHistory(), { selectPolicy: 'Disabled', policies: [] }, now), 3)
})

const hpa = (behavior?: unknown, status: Record<string, unknown> = {}) => ({
  metadata: { name: 'php-apache', namespace: 'default', generation: 1 },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'php-apache' }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], ...(behavior ? { behavior } : {}) },
  status,
})
const podMetrics = (ms: number[]) => ms.map((m, i) => ({ metadata: { name: `test-pod-${i}` }, timestamp: new Date(now - 1000).toISOString(), window: '15s', containers: [{ name: 'c', usage: { cpu: `${m}m`, memory: '1Mi' } }] }))

test('planHPA: scale up within max(2×current, 4), the event reason and the conditions', () => {
  const p = planHPA({ hpa: hpa(), scale: { replicas: 1, selector: 'name=test-pod' }, pods: pods(['200m']), podMetrics: podMetrics([500]), history: emptyHistory() }, new Date(now))
  assert.equal(p.scaleTo, 4) // 250% of the request against 50%: 5, limited to 4
  assert.equal(p.reason, 'cpu resource utilization (percentage of request) above target')
  const cond = Object.fromEntries((p.status.conditions as { type: string; reason: string }[]).map((c) => [c.type, c.reason]))
  assert.deepEqual(cond, { AbleToScale: 'ReadyForNewScale', ScalingActive: 'ValidMetricFound', ScalingLimited: 'ScaleUpLimit' })
  assert.deepEqual(p.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 250, averageValue: '500m' } } }])
  assert.equal(p.status.desiredReplicas, 4)
})

test('planHPA: scale down waits for the stabilization window, then goes at once', () => {
  const behavior = { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }, scaleDown: { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } }
  const history = { ...emptyHistory(), recommendations: [{ replicas: 4, at: now - 20_000 }] }
  const observed = { hpa: hpa(behavior), scale: { replicas: 4, selector: 'name=test-pod' }, pods: pods(['200m', '200m', '200m', '200m']), podMetrics: podMetrics([0, 0, 0, 0]) }
  const held = planHPA({ ...observed, history }, new Date(now))
  assert.equal(held.scaleTo, undefined)
  assert.equal((held.status.conditions as { type: string; reason: string }[]).find((c) => c.type === 'AbleToScale')?.reason, 'ScaleDownStabilized')
  const later = planHPA({ ...observed, history: held.history }, new Date(now + 31_000))
  assert.equal(later.scaleTo, 1)
  assert.equal(later.reason, 'All metrics below target')
})

test('planHPA: no metrics yet is ScalingActive False FailedGetResourceMetric with both warnings', () => {
  const p = planHPA({ hpa: hpa(), scale: { replicas: 1, selector: 'name=test-pod' }, pods: pods(['200m']), podMetrics: { error: 'no metrics returned from resource metrics API' }, history: emptyHistory() }, new Date(now))
  assert.equal(p.scaleTo, undefined)
  assert.deepEqual(p.events.map((e) => e.reason), ['FailedGetResourceMetric', 'FailedComputeMetricsReplicas'])
  assert.equal(p.events[1].message, 'invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API')
  const active = (p.status.conditions as { type: string; status: string; message: string }[]).find((c) => c.type === 'ScalingActive')!
  assert.equal(active.status, 'False')
  assert.equal(active.message, 'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API')
})
