// Argo Rollouts' own tables (utils/replicaset/canary_test.go): the replica-count approximation of
// a weight, and the basic canary's surge/unavailable arithmetic.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { approximateCounts, basicCanaryCounts, trafficRoutedCounts, type Json } from './replicas.js'

// [replicas, weight, maxWeight, maxSurge, expCanary, expStable] — TestApproximateWeightedNewStableReplicaCounts
const approx: number[][] = [
  [0, 0, 100, 0, 0, 0],
  [0, 50, 100, 0, 0, 0],
  [0, 100, 100, 0, 0, 0],
  [0, 0, 100, 1, 0, 0],
  [0, 50, 100, 1, 0, 0],
  [0, 100, 100, 1, 0, 0],
  [1, 0, 100, 0, 0, 1],
  [1, 1, 100, 0, 0, 1],
  [1, 49, 100, 0, 0, 1],
  [1, 50, 100, 0, 1, 0],
  [1, 99, 100, 0, 1, 0],
  [1, 100, 100, 0, 1, 0],
  [1, 0, 100, 1, 0, 1],
  [1, 1, 100, 1, 1, 1],
  [1, 49, 100, 1, 1, 1],
  [1, 50, 100, 1, 1, 1],
  [1, 99, 100, 1, 1, 1],
  [1, 100, 100, 1, 1, 0],
  [2, 0, 100, 0, 0, 2],
  [2, 1, 100, 0, 1, 1],
  [2, 50, 100, 0, 1, 1],
  [2, 99, 100, 0, 1, 1],
  [2, 100, 100, 0, 2, 0],
  [2, 0, 100, 1, 0, 2],
  [2, 1, 100, 1, 1, 2],
  [2, 50, 100, 1, 1, 1],
  [2, 99, 100, 1, 2, 1],
  [2, 100, 100, 1, 2, 0],
  [3, 10, 100, 0, 1, 2],
  [3, 25, 100, 0, 1, 2],
  [3, 33, 100, 0, 1, 2],
  [3, 34, 100, 0, 1, 2],
  [3, 49, 100, 0, 1, 2],
  [3, 50, 100, 0, 2, 1],
  [3, 10, 100, 1, 1, 3],
  [3, 25, 100, 1, 1, 3],
  [3, 33, 100, 1, 1, 2],
  [3, 34, 100, 1, 1, 2],
  [3, 49, 100, 1, 2, 2],
  [3, 50, 100, 1, 2, 2],
  [10, 0, 100, 1, 0, 10],
  [10, 1, 100, 0, 1, 9],
  [10, 14, 100, 0, 1, 9],
  [10, 15, 100, 0, 2, 8],
  [10, 16, 100, 0, 2, 8],
  [10, 99, 100, 0, 9, 1],
  [10, 100, 100, 1, 10, 0],
  [10, 0, 100, 1, 0, 10],
  [10, 1, 100, 1, 1, 10],
  [10, 18, 100, 1, 2, 9],
  [10, 19, 100, 1, 2, 9],
  [10, 20, 100, 1, 2, 8],
  [10, 23, 100, 1, 2, 8],
  [10, 24, 100, 1, 3, 8],
  [10, 25, 100, 1, 3, 8],
  [10, 99, 100, 1, 10, 1],
  [10, 100, 100, 1, 10, 0],
]

const rs = (name: string, hash: string, spec: number, available: number): Json => ({
  metadata: { name, labels: { 'rollouts-pod-template-hash': hash } },
  spec: { replicas: spec },
  status: { replicas: spec, availableReplicas: available },
})

function rollout(replicas: number, weight: number, maxSurge: number | string, maxUnavailable: number | string, extra: Json = {}): Json {
  return {
    metadata: { name: 'foo' },
    spec: { replicas, strategy: { canary: { maxSurge, maxUnavailable, steps: [{ setWeight: weight }], ...extra } } },
    status: { stableRS: 'stable', currentPodHash: 'canary', currentStepIndex: 0 },
  }
}

describe('Argo’s replica arithmetic', () => {
  it('approximates a weight with replica counts (TestApproximateWeightedNewStableReplicaCounts)', () => {
    for (const [replicas, weight, max, surge, canary, stable] of approx)
      assert.deepEqual(approximateCounts(replicas, weight, max, surge), [canary, stable], `replicas ${replicas} weight ${weight} surge ${surge}`)
  })

  // TestCalculateReplicaCountsForCanary
  const cases: [string, number, number, number | string, number | string, [number, number], [number, number], [number, number]][] = [
    ['Do not add extra RSs in scaleDownCount when .Spec.Replica < AvailableReplicas', 10, 100, 3, 0, [7, 8], [6, 3], [7, 6]],
    ['Use max surge int to scale up canary', 10, 20, 2, 0, [10, 10], [0, 0], [10, 2]],
    ['Use max surge percentage to scale up canary', 10, 20, '20%', 0, [10, 10], [0, 0], [10, 2]],
    ['Scale down extra stable replicas', 10, 20, '20%', 0, [10, 10], [2, 2], [8, 2]],
    ['Do not go past max surge', 10, 30, 2, 0, [10, 10], [0, 0], [10, 2]],
    ['Use max unavailable int to scale down stableRS', 10, 20, 0, 2, [10, 10], [0, 0], [8, 0]],
    ['Use max surge percentage to scale down stableRS', 10, 20, 0, '20%', [10, 10], [0, 0], [8, 0]],
    ['Do not go past max unavailable', 10, 30, 0, 2, [10, 10], [0, 0], [8, 0]],
    ['Use Max Surge and Max Unavailable', 10, 50, 2, 1, [10, 10], [0, 0], [9, 2]],
  ]
  for (const [name, replicas, weight, surge, unavailable, [stableSpec, stableAvail], [canarySpec, canaryAvail], [expStable, expCanary]] of cases)
    it(name, () => {
      const ro = rollout(replicas, weight, surge, unavailable)
      const [canary, stable] = basicCanaryCounts(ro, rs('foo-canary', 'canary', canarySpec, canaryAvail), rs('foo-stable', 'stable', stableSpec, stableAvail), [])
      assert.deepEqual([stable, canary], [expStable, expCanary])
    })

  it('traffic-routed (both Services): canary = ceil(weight × replicas), stable stays whole (TestCalculateReplicaCountsForCanaryTrafficRouting)', () => {
    const ro = rollout(10, 10, 0, 1, { stableService: 's', canaryService: 'c' })
    assert.deepEqual(trafficRoutedCounts(ro, undefined), [1, 10])
    const dynamic = rollout(10, 30, 0, 1, { stableService: 's', canaryService: 'c', dynamicStableScale: true })
    assert.deepEqual(trafficRoutedCounts(dynamic, undefined), [3, 7])
    const scale = rollout(4, 50, 0, 1, { stableService: 's', canaryService: 'c' })
    scale.spec.strategy.canary.steps = [{ setCanaryScale: { replicas: 3 } }, { setWeight: 50 }]
    scale.status.currentStepIndex = 1
    assert.deepEqual(trafficRoutedCounts(scale, undefined), [3, 4])
  })
})
