// Table tests after upstream's replica_calculator_test.go and horizontal_test.go. Upstream's pods
// have two containers each; these have one, so the raw averages are half of upstream's figures.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { convertDesiredReplicasWithBehaviorRate, emptyHistory, goLabelSelector, planHPA, podMetricsInfo, scaleDownLimit, scaleDownRules, scaleUpLimit, scaleUpRules, type Observed, type Rules } from './plan.js'
import { milliQuantity, milliValue, plainMetricReplicas, resourceReplicas, type PodMetric } from './replicas.js'

const now = Date.parse('2026-01-01T01:00:00Z')
const longAgo = '2026-01-01T00:00:00Z' // started before the CPU initialization period ("cool")
const hot = new Date(now - 10_000).toISOString() // started 10 s ago, still initializing

type Ready = 'True' | 'False'
interface PodOpts {
  ready?: Ready[]
  phase?: string[]
  deleting?: boolean[]
  start?: string[]
  container?: string
}

function pods(requests: string[], o: PodOpts = {}) {
  return requests.map((r, i) => {
    const start = o.start?.[i] ?? longAgo
    return {
      metadata: { name: `test-pod-${i}`, namespace: 'test-namespace', labels: { name: 'test-pod' }, ...(o.deleting?.[i] ? { deletionTimestamp: longAgo } : {}) },
      spec: { containers: [{ name: o.container ?? 'container1', resources: { requests: { cpu: r } } }] },
      status: { phase: o.phase?.[i] ?? 'Running', startTime: start, conditions: [{ type: 'Ready', status: o.ready?.[i] ?? 'True', lastTransitionTime: start }] },
    }
  })
}
const levels = (ms: number[]) => new Map<string, PodMetric>(ms.map((v, i) => [`test-pod-${i}`, { value: v, timestamp: now - 1000, windowMs: 15_000 }]))
const one = (n: number, v: string) => Array.from({ length: n }, () => v)

// ---- the replica calculator: resource utilization (GetResourceReplicas) ---------------------------

const resourceCases: { name: string; current: number; requests: string[]; levels: number[]; target: number; want: number; util: number; raw: number; opts?: PodOpts }[] = [
  { name: 'TestReplicaCalcScaleUp', current: 3, requests: one(3, '1.0'), levels: [300, 500, 700], target: 30, want: 5, util: 50, raw: 500 },
  { name: 'TestReplicaCalcScaleUpUnreadyLessScale', current: 3, requests: one(3, '1.0'), levels: [300, 500, 700], target: 30, want: 4, util: 60, raw: 600, opts: { ready: ['False', 'True', 'True'] } },
  { name: 'TestReplicaCalcScaleUpHotCpuLessScale', current: 3, requests: one(3, '1.0'), levels: [300, 500, 700], target: 30, want: 4, util: 60, raw: 600, opts: { start: [hot, longAgo, longAgo] } },
  { name: 'TestReplicaCalcScaleUpUnreadyNoScale', current: 3, requests: one(3, '1.0'), levels: [400, 500, 700], target: 30, want: 3, util: 40, raw: 400, opts: { ready: ['True', 'False', 'False'] } },
  { name: 'TestReplicaCalcScaleHotCpuNoScale', current: 3, requests: one(3, '1.0'), levels: [400, 500, 700], target: 30, want: 3, util: 40, raw: 400, opts: { ready: ['True', 'False', 'False'], start: [longAgo, hot, hot] } },
  { name: 'TestReplicaCalcScaleUpIgnoresFailedPods', current: 2, requests: one(4, '1.0'), levels: [500, 700], target: 30, want: 4, util: 60, raw: 600, opts: { ready: ['True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Failed', 'Failed'] } },
  { name: 'TestReplicaCalcScaleUpIgnoresDeletionPods', current: 2, requests: one(4, '1.0'), levels: [500, 700], target: 30, want: 4, util: 60, raw: 600, opts: { ready: ['True', 'True', 'False', 'False'], deleting: [false, false, true, true] } },
  { name: 'TestReplicaCalcScaleDown', current: 5, requests: one(5, '1.0'), levels: [100, 300, 500, 250, 250], target: 50, want: 3, util: 28, raw: 280 },
  { name: 'TestReplicaCalcScaleDownIncludeUnreadyPods', current: 5, requests: one(5, '1.0'), levels: [100, 300, 500, 250, 250], target: 50, want: 2, util: 30, raw: 300, opts: { ready: ['True', 'True', 'True', 'False', 'False'] } },
  { name: 'TestReplicaCalcScaleDownExcludeUnscheduledPods', current: 5, requests: one(5, '1.0'), levels: [100], target: 50, want: 1, util: 10, raw: 100, opts: { ready: ['True', 'False', 'False', 'False', 'False'], phase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'] } },
  { name: 'TestReplicaCalcScaleDownIgnoreHotCpuPods', current: 5, requests: one(5, '1.0'), levels: [100, 300, 500, 250, 250], target: 50, want: 2, util: 30, raw: 300, opts: { start: [longAgo, longAgo, longAgo, hot, hot] } },
  { name: 'TestReplicaCalcScaleDownIgnoresFailedPods', current: 5, requests: one(7, '1.0'), levels: [100, 300, 500, 250, 250], target: 50, want: 3, util: 28, raw: 280, opts: { ready: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'] } },
  { name: 'TestReplicaCalcTolerance', current: 3, requests: ['0.9', '1.0', '1.1'], levels: [1010, 1030, 1020], target: 100, want: 3, util: 102, raw: 1020 },
  // Missing metrics: on a scale-down they count as 100% of the request, on a scale-up as 0%.
  { name: 'TestReplicaCalcMissingMetricsNoChangeEq', current: 2, requests: one(2, '1.0'), levels: [1000], target: 100, want: 2, util: 100, raw: 1000 },
  { name: 'TestReplicaCalcMissingMetricsNoChangeGt', current: 2, requests: one(2, '1.0'), levels: [1900], target: 100, want: 2, util: 190, raw: 1900 },
  { name: 'TestReplicaCalcMissingMetricsNoChangeLt', current: 2, requests: one(2, '1.0'), levels: [600], target: 100, want: 2, util: 60, raw: 600 },
  { name: 'TestReplicaCalcMissingMetricsUnreadyChange', current: 3, requests: one(3, '1.0'), levels: [100, 450], target: 50, want: 3, util: 45, raw: 450, opts: { ready: ['False', 'True', 'True'] } },
  { name: 'TestReplicaCalcMissingMetricsUnreadyScaleUp', current: 3, requests: one(3, '1.0'), levels: [100, 2000], target: 50, want: 4, util: 200, raw: 2000, opts: { ready: ['False', 'True', 'True'] } },
  { name: 'TestReplicaCalcMissingMetricsUnreadyScaleDown', current: 4, requests: one(4, '1.0'), levels: [100, 100, 100], target: 50, want: 3, util: 10, raw: 100, opts: { ready: ['False', 'True', 'True', 'True'] } },
  { name: 'TestReplicaCalcDuringRollingUpdateWithMaxSurge', current: 2, requests: one(3, '1.0'), levels: [100, 100], target: 50, want: 2, util: 10, raw: 100, opts: { phase: ['Running', 'Running', 'Running'] } },
]

for (const c of resourceCases) {
  test(`replica calculator: ${c.name}`, () => {
    const r = resourceReplicas(c.current, c.target, 'cpu', pods(c.requests, c.opts), levels(c.levels), now)
    assert.deepEqual([r.replicas, r.utilization, r.rawAverage], [c.want, c.util, c.raw])
  })
}

test('replica calculator: TestReplicaCalcScaleUpContainer and TestReplicaCalcScaleDownContainerResource count the named container only', () => {
  const twoContainers = (requests: string[]) =>
    pods(requests).map((p) => ({ ...p, spec: { containers: [...p.spec.containers, { name: 'sidecar', resources: { requests: { cpu: '1' } } }] } }))
  assert.deepEqual(Object.values(resourceReplicas(3, 30, 'cpu', twoContainers(one(3, '1.0')), levels([300, 500, 700]), now, 'container1')).slice(0, 3), [5, 50, 500])
  assert.deepEqual(Object.values(resourceReplicas(5, 50, 'cpu', twoContainers(one(5, '1.0')), levels([100, 300, 500, 250, 250]), now, 'container1')).slice(0, 3), [3, 28, 280])
})

test('replica calculator: errors in upstream words', () => {
  // TestReplicaCalcDisjointResourcesMetrics: metrics only for a pod the selector does not return.
  const disjoint = new Map<string, PodMetric>([['an-older-pod-name', { value: 100, timestamp: now, windowMs: 15_000 }]])
  assert.throws(() => resourceReplicas(1, 100, 'cpu', pods(['1.0']), disjoint, now), /^Error: no metrics returned matched known pods$/)
  assert.throws(() => resourceReplicas(1, 50, 'cpu', [], levels([500]), now), /no pods returned by selector while calculating replica count/)
  assert.throws(() => resourceReplicas(2, 50, 'cpu', pods(['1', '1'], { ready: ['False', 'False'] }), levels([500, 500]), now), /did not receive metrics for targeted pods \(pods might be unready\)/)
  const p = pods(['1'])
  delete (p[0].spec.containers[0].resources as { requests?: unknown }).requests
  assert.throws(() => resourceReplicas(1, 50, 'cpu', p, levels([500]), now), /missing request for cpu in container container1 of Pod test-pod-0/)
  // TestReplicaCalcMissingContainerMetricError.
  const items = [{ metadata: { name: 'test-pod-0', namespace: 'test-namespace' }, timestamp: new Date(now).toISOString(), window: '15s', containers: [{ name: 'container1', usage: { cpu: '100m' } }] }]
  assert.throws(() => podMetricsInfo(items, 'cpu', 'container2'), /failed to get container metrics: container container2 not present in metrics for pod test-namespace\/test-pod-0/)
})

// ---- plain metrics: an averageValue resource target, a Pods metric (calcPlainMetricReplicas) -----

const plainCases: { name: string; current: number; levels: number[]; target: number; want: number; usage: number; ready?: Ready[]; start?: string[] }[] = [
  { name: 'TestReplicaCalcScaleUpCM', current: 3, levels: [20000, 10000, 30000], target: 15000, want: 4, usage: 20000 },
  { name: 'TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale', current: 3, levels: [50000, 10000, 30000], target: 15000, want: 6, usage: 30000, ready: ['True', 'True', 'False'], start: [longAgo, longAgo, hot] },
  { name: 'TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown', current: 3, levels: [50000, 15000, 30000], target: 15000, want: 7, usage: 31666, ready: ['False', 'True', 'False'], start: [hot, longAgo, hot] },
  { name: 'TestReplicaCalcScaleUpCMExternalNoLabels', current: 1, levels: [8600], target: 4400, want: 2, usage: 8600 },
  { name: 'TestReplicaCalcScaleDownCM', current: 5, levels: [12000, 12000, 12000, 12000, 12000], target: 20000, want: 3, usage: 12000 },
  { name: 'TestReplicaCalcToleranceCM', current: 3, levels: [20000, 21000, 21000], target: 20000, want: 3, usage: 20666 },
]

for (const c of plainCases) {
  test(`replica calculator (Pods metric): ${c.name}`, () => {
    // A Pods metric ('' resource) never applies CPU's readiness rules.
    const r = plainMetricReplicas(c.current, c.target, '', pods(one(c.levels.length, '1'), { ready: c.ready, start: c.start }), levels(c.levels), now)
    assert.deepEqual([r.replicas, r.usage], [c.want, c.usage])
  })
}

test('replica calculator: an averageValue CPU target (GetRawResourceReplicas) ignores unready pods like utilization does', () => {
  // 300m, 500m, 700m against 300m average: ready pods 2 → 600m, scale-up with one unready pod at 0.
  const r = plainMetricReplicas(3, 300, 'cpu', pods(one(3, '1'), { ready: ['False', 'True', 'True'] }), levels([300, 500, 700]), now)
  assert.deepEqual([r.replicas, r.usage], [4, 600])
})

test('quantities: milli-values and DecimalSI strings as resource.Quantity prints them', () => {
  assert.deepEqual(['1.1', '250m', '1', '128Mi', '0.9'].map(milliValue), [1100, 250, 1000, 134217728000, 900])
  assert.deepEqual([500, 1000, 1500_000, 2_000_000, 9867264000, 0].map(milliQuantity), ['500m', '1', '1500', '2k', '9867264', '0'])
})

// ---- behavior ------------------------------------------------------------------------------------

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

// TestCalculateScaleUpLimitWithScalingRules, TestCalculateScaleDownLimitWithBehaviors.
test('behavior: selectPolicy Min picks the smaller change', () => {
  const rules = { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }, { type: 'Percent', value: 50, periodSeconds: 60 }] }
  assert.equal(scaleUpLimit(1, emptyHistory(), rules, now), 2)
  assert.equal(scaleDownLimit(5, emptyHistory(), rules, now), 3)
})

/** generateScalingRules(pods, podsPeriod, percent, percentPeriod, window). */
function rules(pods: number, podsPeriod: number, percent: number, percentPeriod: number, window: number): Rules {
  const policies = []
  if (pods) policies.push({ type: 'Pods', value: pods, periodSeconds: podsPeriod })
  if (percent) policies.push({ type: 'Percent', value: percent, periodSeconds: percentPeriod })
  return { stabilizationWindowSeconds: window, selectPolicy: 'Max', policies }
}
/** generateEventsUniformDistribution: the events spread over the last `period` seconds, oldest first. */
function spread(changes: number[], period: number) {
  const segment = period / changes.length
  return changes.map((change, i) => ({ change, at: now - Math.trunc(period - segment * (i + 1) + segment / 2) * 1000 }))
}

// TestScalingWithRules (convertDesiredReplicasWithBehaviorRate), upstream's table.
const scalingCases: { name: string; current: number; desired: number; min: number; max: number; up?: Rules; down?: Rules; upEvents?: { change: number; at: number }[]; downEvents?: { change: number; at: number }[]; want: number; reason: string }[] = [
  { name: 'prenormalized desired replicas within range', current: 5, desired: 7, min: 3, max: 8, want: 7, reason: 'DesiredWithinRange' },
  { name: 'prenormalized desired replicas < minReplicas', current: 3, desired: 1, min: 2, max: 8, want: 2, reason: 'TooFewReplicas' },
  { name: 'prenormalized desired replicas within range when minReplicas is 0', current: 1, desired: 0, min: 0, max: 10, want: 0, reason: 'DesiredWithinRange' },
  { name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit', current: 20, desired: 1000, min: 1, max: 10, want: 10, reason: 'TooManyReplicas' },
  { name: 'desired replica count is more than the maximum replica count', current: 100, desired: 1000, min: 100, max: 150, want: 150, reason: 'TooManyReplicas' },
  { name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies', current: 3, desired: 1000, min: 1, max: 2000, up: rules(0, 0, 1, 60, 0), want: 4, reason: 'ScaleUpLimit' },
  { name: 'scaleUp with default behavior', current: 10, desired: 50, min: 1, max: 1000, want: 20, reason: 'ScaleUpLimit' },
  { name: 'scaleUp with pods policy larger than percent policy', current: 10, desired: 500, min: 1, max: 1000, up: rules(100, 60, 100, 60, 0), want: 110, reason: 'ScaleUpLimit' },
  { name: 'scaleUp with percent policy larger than pods policy', current: 10, desired: 500, min: 1, max: 1000, up: rules(2, 60, 100, 60, 0), want: 20, reason: 'ScaleUpLimit' },
  { name: 'scaleUp with spec MaxReplicas limitation with large pod policy', current: 10, desired: 50, min: 1, max: 1000, up: rules(100, 60, 0, 0, 0), want: 50, reason: 'DesiredWithinRange' },
  { name: 'scaleUp with spec MaxReplicas limitation with large percent policy', current: 10, desired: 50, min: 1, max: 1000, up: rules(10000, 60, 0, 0, 0), want: 50, reason: 'DesiredWithinRange' },
  { name: 'scaleUp with pod policy limitation', current: 10, desired: 50, min: 1, max: 1000, up: rules(30, 60, 0, 0, 0), want: 40, reason: 'ScaleUpLimit' },
  { name: 'scaleUp with percent policy limitation', current: 10, desired: 50, min: 1, max: 1000, up: rules(0, 0, 200, 60, 0), want: 30, reason: 'ScaleUpLimit' },
  { name: 'scaleDown with percent policy larger than pod policy', current: 100, desired: 2, min: 1, max: 1000, down: rules(20, 60, 1, 60, 300), want: 80, reason: 'ScaleDownLimit' },
  { name: 'scaleDown with pod policy larger than percent policy', current: 100, desired: 2, min: 1, max: 1000, down: rules(2, 60, 1, 60, 300), want: 98, reason: 'ScaleDownLimit' },
  { name: 'scaleDown with spec MinReplicas=nil limitation with large pod policy', current: 10, desired: 0, min: 1, max: 1000, down: rules(100, 60, 0, 0, 300), want: 1, reason: 'TooFewReplicas' },
  { name: 'scaleDown with spec MinReplicas limitation with large percent policy', current: 10, desired: 2, min: 5, max: 1000, down: rules(0, 0, 100, 60, 300), want: 5, reason: 'TooFewReplicas' },
  { name: 'scaleDown with pod policy limitation', current: 10, desired: 2, min: 1, max: 1000, down: rules(5, 60, 0, 0, 300), want: 5, reason: 'ScaleDownLimit' },
  { name: 'scaleDown with percent policy limitation', current: 10, desired: 5, min: 1, max: 1000, down: rules(0, 0, 50, 60, 300), want: 5, reason: 'DesiredWithinRange' },
  { name: 'scaleUp with spec MaxReplicas limitation with large pod policy and events', current: 100, desired: 500, min: 1, max: 200, up: rules(300, 60, 0, 0, 0), upEvents: spread([1, 5, 9], 120), want: 200, reason: 'TooManyReplicas' },
  { name: 'scaleUp with spec MaxReplicas limitation with large percent policy and events', current: 100, desired: 500, min: 1, max: 200, up: rules(0, 0, 10000, 60, 0), upEvents: spread([1, 5, 9], 120), want: 200, reason: 'TooManyReplicas' },
  { name: 'scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events', current: 100, desired: 500, min: 1, max: 1000, up: rules(5, 120, 0, 0, 0), upEvents: spread([1, 5, 9], 120), want: 100, reason: 'ScaleUpLimit' },
  { name: 'scaleUp with pod policy and previous scale up events', current: 100, desired: 500, min: 1, max: 1000, up: rules(150, 120, 0, 0, 0), upEvents: spread([1, 5, 9], 120), want: 235, reason: 'ScaleUpLimit' },
  { name: 'scaleUp with percent policy and previous scale up events', current: 100, desired: 500, min: 1, max: 1000, up: rules(0, 0, 200, 120, 0), upEvents: spread([1, 5, 9], 120), want: 255, reason: 'ScaleUpLimit' },
  { name: 'scaleDown with default policy and previous events', current: 10, desired: 5, min: 1, max: 1000, downEvents: spread([1, 5, 9], 120), want: 5, reason: 'DesiredWithinRange' },
  { name: 'scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events', current: 100, desired: 0, min: 1, max: 1000, down: rules(115, 120, 0, 0, 300), downEvents: spread([1, 5, 9], 120), want: 1, reason: 'TooFewReplicas' },
  { name: 'scaleDown with spec MinReplicas limitation with large pod policy and previous events', current: 100, desired: 0, min: 5, max: 1000, down: rules(130, 120, 0, 0, 300), downEvents: spread([1, 5, 9], 120), want: 5, reason: 'TooFewReplicas' },
  { name: 'scaleDown with spec MinReplicas limitation with large percent policy and previous events', current: 100, desired: 2, min: 5, max: 1000, down: rules(0, 0, 100, 120, 300), downEvents: spread([1, 5, 9], 120), want: 5, reason: 'TooFewReplicas' },
  { name: 'scaleDown with pod policy limitation and previous events', current: 100, desired: 2, min: 1, max: 1000, down: rules(5, 120, 0, 0, 300), downEvents: spread([1, 5, 9], 120), want: 100, reason: 'ScaleDownLimit' },
  { name: 'scaleDown with percent policy limitation and previous events', current: 100, desired: 0, min: 1, max: 1000, down: rules(0, 0, 50, 120, 300), downEvents: spread([2, 4, 6], 120), want: 56, reason: 'ScaleDownLimit' },
  { name: 'scaleDown with previous events preventing further scale down', current: 100, desired: 0, min: 1, max: 1000, down: rules(0, 0, 10, 120, 300), downEvents: spread([10, 10, 10], 120), want: 100, reason: 'ScaleDownLimit' },
  { name: 'scaleDown with with previous events still allowing more scale down', current: 10, desired: 5, min: 1, max: 1000, down: rules(0, 0, 1000, 120, 300), downEvents: spread([10, 10, 10], 120), want: 5, reason: 'DesiredWithinRange' },
  { name: "check 'outdated' flag for events for one behavior for up", current: 100, desired: 200, min: 1, max: 1000, up: rules(1000, 60, 0, 0, 0), upEvents: spread([8, 12, 9, 11], 120), want: 200, reason: 'DesiredWithinRange' },
  { name: "check that events were not marked 'outdated' for two different policies in the behavior for up", current: 100, desired: 200, min: 1, max: 1000, up: rules(1000, 120, 100, 60, 0), upEvents: spread([8, 12, 9, 11], 120), want: 200, reason: 'DesiredWithinRange' },
  { name: "check 'outdated' flag for events for one behavior for down", current: 100, desired: 5, min: 1, max: 1000, down: rules(1000, 60, 0, 0, 300), downEvents: spread([8, 12, 9, 11], 120), want: 5, reason: 'DesiredWithinRange' },
  { name: "check that events were marked 'outdated' for two different policies in the behavior for down", current: 100, desired: 5, min: 1, max: 1000, down: rules(1000, 30, 100, 60, 300), downEvents: spread([8, 12, 9, 11], 120), want: 5, reason: 'DesiredWithinRange' },
]

for (const c of scalingCases) {
  test(`behavior: TestScalingWithRules: ${c.name}`, () => {
    const h = { ...emptyHistory(), scaleUpEvents: c.upEvents ?? [], scaleDownEvents: c.downEvents ?? [] }
    const r = convertDesiredReplicasWithBehaviorRate({ current: c.current, desired: c.desired, min: c.min, max: c.max, up: scaleUpRules(c.up), down: scaleDownRules(c.down) }, h, now)
    assert.deepEqual([r.replicas, r.reason], [c.want, c.reason])
  })
}

// ---- the pass (horizontal_test.go) ---------------------------------------------------------------

const cpu50 = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }
const podsMetric = { type: 'Pods', pods: { metric: { name: 'packets-per-second' }, target: { type: 'AverageValue', averageValue: '1k' } } }
const hpa = (behavior?: unknown, status: Record<string, unknown> = {}, metrics: unknown[] = [cpu50]) => ({
  metadata: { name: 'php-apache', namespace: 'default', generation: 1 },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'php-apache' }, minReplicas: 1, maxReplicas: 10, metrics, ...(behavior ? { behavior } : {}) },
  status,
})
const podMetrics = (ms: number[], memory = '1Mi') => ms.map((m, i) => ({ metadata: { name: `test-pod-${i}`, namespace: 'default' }, timestamp: new Date(now - 1000).toISOString(), window: '15s', containers: [{ name: 'container1', usage: { cpu: `${m}m`, memory } }] }))
const conds = (status: Record<string, unknown>) => Object.fromEntries((status.conditions as { type: string; status: string; reason: string; message: string }[]).map((c) => [c.type, c]))
const observed = (o: Partial<Observed> & Pick<Observed, 'hpa'>): Observed => ({ scale: { replicas: 1, selector: 'name=test-pod' }, pods: pods(['200m']), podMetrics: podMetrics([500]), history: emptyHistory(), ...o })

test('planHPA: scale up within max(2×current, 4), the event reason and the conditions', () => {
  const p = planHPA(observed({ hpa: hpa() }), new Date(now))
  assert.equal(p.scaleTo, 4) // 250% of the request against 50%: 5, limited to 4
  assert.equal(p.reason, 'cpu resource utilization (percentage of request) above target')
  const cond = Object.fromEntries(Object.entries(conds(p.status)).map(([k, c]) => [k, c.reason]))
  assert.deepEqual(cond, { AbleToScale: 'ReadyForNewScale', ScalingActive: 'ValidMetricFound', ScalingLimited: 'ScaleUpLimit' })
  assert.deepEqual(p.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 250, averageValue: '500m' } } }])
  assert.equal(p.status.desiredReplicas, 4)
  assert.equal(p.status.observedGeneration, undefined, 'upstream rebuilds the status without observedGeneration')
})

test('planHPA: scale down waits for the stabilization window, then goes at once', () => {
  const behavior = { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }, scaleDown: { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } }
  const history = { ...emptyHistory(), recommendations: [{ replicas: 4, at: now - 20_000 }] }
  const o = observed({ hpa: hpa(behavior), scale: { replicas: 4, selector: 'name=test-pod' }, pods: pods(one(4, '200m')), podMetrics: podMetrics([0, 0, 0, 0]) })
  const held = planHPA({ ...o, history }, new Date(now))
  assert.equal(held.scaleTo, undefined)
  assert.equal(conds(held.status).AbleToScale.reason, 'ScaleDownStabilized')
  const later = planHPA({ ...o, history: held.history }, new Date(now + 31_000))
  assert.equal(later.scaleTo, 1)
  assert.equal(later.reason, 'All metrics below target')
  // storeScaleEvent runs once the target took the new size.
  assert.deepEqual([later.history.scaleDownEvents, later.historyAfterScale?.scaleDownEvents], [[], [{ change: 3, at: now + 31_000 }]])
})

test('planHPA: without a behavior, the first pass records the current size, so a scale-down waits 5 minutes', () => {
  const o = observed({ hpa: hpa(), scale: { replicas: 4, selector: 'name=test-pod' }, pods: pods(one(4, '200m')), podMetrics: podMetrics([0, 0, 0, 0]) })
  const first = planHPA(o, new Date(now))
  assert.equal(first.scaleTo, undefined)
  assert.equal(conds(first.status).AbleToScale.reason, 'ScaleDownStabilized')
  assert.equal(planHPA({ ...o, history: first.history }, new Date(now + 301_000)).scaleTo, 1)
})

test('planHPA: no metrics yet is ScalingActive False FailedGetResourceMetric with both warnings', () => {
  const p = planHPA(observed({ hpa: hpa(), podMetrics: { error: 'no metrics returned from resource metrics API' } }), new Date(now))
  assert.equal(p.scaleTo, undefined)
  assert.deepEqual(p.events.map((e) => e.reason), ['FailedGetResourceMetric', 'FailedComputeMetricsReplicas'])
  assert.equal(p.events[1].message, 'invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API')
  const active = conds(p.status).ScalingActive
  assert.equal(active.status, 'False')
  assert.equal(active.message, 'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API')
  assert.deepEqual(p.status.currentMetrics, [{ type: '' }])
})

test('planHPA: a Pods metric without a custom metrics API (TestConditionFailedGetMetrics)', () => {
  const p = planHPA(observed({ hpa: hpa(undefined, {}, [podsMetric]) }), new Date(now))
  assert.equal(p.scaleTo, undefined)
  const active = conds(p.status).ScalingActive
  assert.deepEqual([active.status, active.reason], ['False', 'FailedGetPodsMetric'])
  assert.equal(active.message, 'the HPA was unable to compute the replica count: unable to get metric packets-per-second: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered')
  assert.deepEqual(p.events, [
    { type: 'Warning', reason: 'FailedGetPodsMetric', message: 'unable to get metric packets-per-second: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered' },
    { type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: 'invalid metrics (1 invalid out of 1), first error is: failed to get pods metric value: unable to get metric packets-per-second: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered' },
  ])
})

test('planHPA: Object and External metrics fail as upstream words it (with its swapped Object arguments)', () => {
  const object = { type: 'Object', object: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main-route' }, metric: { name: 'requests-per-second' }, target: { type: 'Value', value: '10k' } } }
  const external = { type: 'External', external: { metric: { name: 'queue_messages_ready', selector: { matchLabels: { queue: 'worker_tasks' } } }, target: { type: 'AverageValue', averageValue: '30' } } }
  const p = planHPA(observed({ hpa: hpa(undefined, {}, [object, external]) }), new Date(now))
  assert.deepEqual(p.events.map((e) => e.reason), ['FailedGetObjectMetric', 'FailedGetExternalMetric', 'FailedComputeMetricsReplicas'])
  assert.equal(p.events[0].message, 'unable to get metric requests-per-second: Ingress on default main-route/unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered')
  assert.equal(p.events[1].message, 'unable to get external metric default/queue_messages_ready/&LabelSelector{MatchLabels:map[string]string{queue: worker_tasks,},MatchExpressions:[]LabelSelectorRequirement{},}: unable to fetch metrics from external metrics API: the server could not find the requested resource (get queue_messages_ready.external.metrics.k8s.io)')
  assert.match(p.events[2].message, /^invalid metrics \(2 invalid out of 2\), first error is: failed to get object metric value: unable to get metric requests-per-second: Ingress on default main-route\//)
  assert.equal(conds(p.status).ScalingActive.reason, 'FailedGetObjectMetric')
  assert.equal(goLabelSelector(undefined), 'nil')
  assert.equal(goLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }), '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,Operator:In,Values:[a b],},},}')
})

test('planHPA: multiple metrics: the largest proposal wins; an invalid one blocks only a scale-down', () => {
  const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }
  // cpu: 250% against 50% → 5 (limited to 4); memory: 300Mi against 100Mi → 3.
  const both = planHPA(observed({ hpa: hpa(undefined, {}, [memory, cpu50]), podMetrics: podMetrics([500], '300Mi'), pods: [{ ...pods(['200m'])[0] }] }), new Date(now))
  assert.equal(both.reason, 'cpu resource utilization (percentage of request) above target')
  assert.deepEqual(both.status.currentMetrics, [
    { type: 'Resource', resource: { name: 'memory', current: { averageValue: '314572800' } } },
    { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 250, averageValue: '500m' } } },
  ])
  // A failing Pods metric beside cpu: scaling up on cpu goes ahead, ScalingActive stays True.
  const up = planHPA(observed({ hpa: hpa(undefined, {}, [podsMetric, cpu50]) }), new Date(now))
  assert.equal(up.scaleTo, 4)
  assert.equal(conds(up.status).ScalingActive.status, 'True')
  assert.deepEqual(up.status.currentMetrics[0], { type: '' })
  assert.deepEqual(up.events.map((e) => e.reason), ['FailedGetPodsMetric'])
  // ...but a scale-down with an unknown metric beside it is not taken.
  const down = planHPA(observed({ hpa: hpa(undefined, {}, [podsMetric, cpu50]), scale: { replicas: 4, selector: 'name=test-pod' }, pods: pods(one(4, '200m')), podMetrics: podMetrics([0, 0, 0, 0]) }), new Date(now))
  assert.equal(down.scaleTo, undefined)
  assert.equal(conds(down.status).ScalingActive.reason, 'FailedGetPodsMetric')
})

test('planHPA: ContainerResource and averageValue targets name their metric as upstream', () => {
  const container = { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'container1', target: { type: 'Utilization', averageUtilization: 50 } } }
  const p = planHPA(observed({ hpa: hpa(undefined, {}, [container]) }), new Date(now))
  assert.equal(p.reason, 'cpu container resource utilization (percentage of request) above target')
  assert.deepEqual(p.status.currentMetrics, [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'container1', current: { averageUtilization: 250, averageValue: '500m' } } }])
  const missing = planHPA(observed({ hpa: hpa(undefined, {}, [{ ...container, containerResource: { ...container.containerResource, container: 'nosuch' } }]) }), new Date(now))
  assert.equal(conds(missing.status).ScalingActive.reason, 'FailedGetContainerResourceMetric')
  assert.match(missing.events[1].message, /first error is: failed to get nosuch container metric value: failed to get cpu utilization: unable to get metrics for resource cpu: failed to get container metrics: container nosuch not present in metrics for pod default\/test-pod-0$/)
  const value = planHPA(observed({ hpa: hpa(undefined, {}, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '100m' } } }]) }), new Date(now))
  assert.equal(value.reason, 'cpu resource above target')
  assert.equal(value.scaleTo, 4)
})

test('planHPA: the target scale: FailedGetScale, a missing selector, a zero-replica target, out of range', () => {
  const failed = planHPA(observed({ hpa: hpa(), scale: { error: 'the server could not find the requested resource (get configmaps web)' } }), new Date(now))
  assert.deepEqual(failed.events, [{ type: 'Warning', reason: 'FailedGetScale', message: 'the server could not find the requested resource (get configmaps web)' }])
  assert.deepEqual([conds(failed.status).AbleToScale.status, conds(failed.status).AbleToScale.message], ['False', "the HPA controller was unable to get the target's current scale: the server could not find the requested resource (get configmaps web)"])

  const noSelector = planHPA(observed({ hpa: hpa(), scale: { replicas: 1, selector: '' } }), new Date(now))
  assert.deepEqual(noSelector.events.map((e) => [e.reason, e.message]), [['SelectorRequired', 'selector is required'], ['FailedComputeMetricsReplicas', 'selector is required']])
  assert.deepEqual([conds(noSelector.status).ScalingActive.reason, conds(noSelector.status).ScalingActive.message], ['InvalidSelector', "the HPA target's scale is missing a selector"])

  const zero = planHPA(observed({ hpa: hpa(), scale: { replicas: 0, selector: 'name=test-pod' } }), new Date(now))
  assert.equal(zero.scaleTo, undefined)
  assert.equal(conds(zero.status).ScalingActive.reason, 'ScalingDisabled')

  const below = planHPA(observed({ hpa: { ...hpa(), spec: { ...hpa().spec, minReplicas: 2 } } }), new Date(now))
  assert.deepEqual([below.scaleTo, below.reason], [2, 'Current number of replicas below Spec.MinReplicas'])
  const above = planHPA(observed({ hpa: hpa(), scale: { replicas: 12, selector: 'name=test-pod' } }), new Date(now))
  assert.deepEqual([above.scaleTo, above.reason], [10, 'Current number of replicas above Spec.MaxReplicas'])
})

test('planHPA: pods two HPAs select are AmbiguousSelector (validateAndParseSelector)', () => {
  const p = planHPA(observed({ hpa: hpa(), scale: { replicas: 1, selector: 'name=test-pod', controlledBy: ['default/php-apache', 'default/twin'] } }), new Date(now))
  const msg = 'pods by selector name=test-pod are controlled by multiple HPAs: [default/php-apache default/twin]'
  assert.equal(p.scaleTo, undefined)
  assert.deepEqual(p.events.map((e) => [e.reason, e.message]), [['AmbiguousSelector', msg], ['FailedComputeMetricsReplicas', msg]])
  assert.deepEqual([conds(p.status).ScalingActive.reason, conds(p.status).ScalingActive.message], ['AmbiguousSelector', msg])
})
