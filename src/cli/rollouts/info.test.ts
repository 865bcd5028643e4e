// The info builders against Argo's info_test.go on its own fixtures: images and their tags,
// revisions, actual weights, scale-down delays, phases and messages.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { rfc3339 } from '../../lib/duration.js'
import { experimentImages, experimentInfo, images, revisions, rolloutInfo, rolloutPhase, scaleDownDelay } from './info.js'
import type { Rollout } from './types.js'
import { loadFixture, type Fixture } from './testdata/fixtures.js'

const info = (f: Fixture, i: number, workload = false) =>
  rolloutInfo({ rollout: f.rollouts[i], replicaSets: f.replicaSets, pods: f.pods, experiments: f.experiments, analysisRuns: f.analysisRuns, workload: workload ? f.deployments[0] : undefined })

test('canary: three revisions, the canary and stable images (TestCanaryRolloutInfo); ping-pong tags (TestPingPongCanaryRolloutInfo)', () => {
  const f = loadFixture('canary', new Date())
  const ri = info(f, 0)
  assert.equal(revisions(ri).length, 3)
  assert.deepEqual(images(ri), [
    { image: 'argoproj/rollouts-demo:does-not-exist', tags: ['canary'] },
    { image: 'argoproj/rollouts-demo:green', tags: ['stable'] },
  ])
  assert.deepEqual(images(info(f, 3)), [
    { image: 'argoproj/rollouts-demo:does-not-exist', tags: ['canary', 'ping'] },
    { image: 'argoproj/rollouts-demo:green', tags: ['stable', 'pong'] },
  ])
})

test('actual weight: from status.canary.weights with traffic routing, else the set weight (TestCanaryRolloutInfoWeights)', () => {
  const f = loadFixture('canary', new Date())
  assert.equal(info(f, 4).actualWeight, String(f.rollouts[4].status!.canary!.weights!.canary!.weight))
  const na = info(f, 5)
  assert.equal(na.actualWeight, na.setWeight)
  // kubelite routes traffic for a Rollout with stableService + canaryService even without a
  // trafficRouting block, and then writes status.canary.weights: those are the actual weights,
  // not the canary's share of available pods.
  const routed = structuredClone(f.rollouts[4])
  delete routed.spec.strategy!.canary!.trafficRouting
  assert.equal(rolloutInfo({ rollout: routed, replicaSets: f.replicaSets, pods: f.pods, experiments: f.experiments, analysisRuns: f.analysisRuns }).actualWeight, String(routed.status!.canary!.weights!.canary!.weight))
})

test('a workloadRef Rollout shows the Deployment’s containers', () => {
  const f = loadFixture('canary', new Date())
  const ri = info(f, 2, true)
  assert.deepEqual(
    ri.containers,
    (f.deployments[0].spec!.template.spec!.containers ?? []).map((c) => ({ name: c.name, image: c.image })),
  )
})

test('blue-green: revisions 11, 10, 8; stable+active and preview tags; a scale-down deadline in 4 hours reads 3h59m (TestBlueGreenRolloutInfo)', () => {
  const now = new Date()
  const f = loadFixture('blue-green', now)
  const ri = info(f, 0)
  assert.deepEqual(revisions(ri), [11, 10, 8])
  assert.equal(ri.replicaSets[0].scaleDownDeadline, '')
  assert.equal(scaleDownDelay(ri.replicaSets[0], now), '')
  assert.deepEqual(images(ri), [
    { image: 'argoproj/rollouts-demo:blue', tags: ['stable', 'active'] },
    { image: 'argoproj/rollouts-demo:green', tags: ['preview'] },
  ])
  const inFourHours = rfc3339(new Date(Math.floor((now.getTime() + 4 * 3600_000) / 1000) * 1000))
  ;(f.replicaSets[0].metadata!.annotations as Record<string, string>)['scale-down-deadline'] = inFourHours
  const delayed = info(f, 0)
  assert.equal(delayed.replicaSets[1].meta.uid, f.replicaSets[0].metadata!.uid)
  assert.equal(scaleDownDelay(delayed.replicaSets[1], now), '3h59m')
})

test('experiment and analysis: revisions, images, the experiment’s own images (TestExperimentAnalysisRolloutInfo, TestExperimentInfo)', () => {
  const f = loadFixture('experiment-analysis', new Date())
  const ri = info(f, 0)
  assert.deepEqual(revisions(ri), [2, 1])
  assert.equal(ri.experiments.filter((e) => e.revision === 2).length, 1)
  assert.equal(ri.analysisRuns.filter((a) => a.revision === 2).length, 1)
  assert.deepEqual(images(ri), [
    { image: 'argoproj/rollouts-demo:blue', tags: ['stable'] },
    { image: 'argoproj/rollouts-demo:yellow', tags: ['canary'] },
  ])
  assert.deepEqual(experimentImages(experimentInfo(f.experiments[0], f.replicaSets, f.analysisRuns, f.pods)), [
    { image: 'argoproj/rollouts-demo:blue', tags: [] },
    { image: 'argoproj/rollouts-demo:yellow', tags: [] },
  ])
})

test('phase and message: InvalidSpec and RolloutAborted are Degraded (TestRolloutStatusInvalidSpec, TestRolloutAborted)', () => {
  const invalid = info(loadFixture('rollout-invalid', new Date()), 0)
  assert.deepEqual([invalid.status, invalid.message], ['Degraded', 'InvalidSpec: The Rollout "rollout-invalid" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"doesnt-match"}: `selector` does not match template `labels`'])
  const aborted = info(loadFixture('rollout-aborted', new Date()), 0)
  assert.deepEqual([aborted.status, aborted.message], ['Degraded', 'RolloutAborted: metric "web" assessed Failed due to failed (1) > failureLimit (0)'])
})

test("rolloutPhase: the controller's phase unless it is behind; Argo 0.10's client-side phase when it wrote none", () => {
  const ro = (spec: Partial<Rollout['spec']>, status: Rollout['status'], generation = 1): Rollout => ({ metadata: { name: 'r', generation }, spec: { replicas: 2, strategy: { canary: {} }, ...spec }, status })
  const healthy = { replicas: 2, updatedReplicas: 2, availableReplicas: 2, stableRS: 'a', currentPodHash: 'a' }
  const cases: [Rollout, [string, string]][] = [
    [ro({}, { ...healthy, phase: 'Paused', message: 'CanaryPauseStep', observedGeneration: '2' }, 3), ['Progressing', 'waiting for rollout spec update to be observed']],
    [ro({}, { ...healthy, phase: 'Paused', message: 'CanaryPauseStep', observedGeneration: '1', controllerPause: true, pauseConditions: [] }), ['Progressing', 'waiting for rollout to unpause']],
    [ro({}, { ...healthy, phase: 'Paused', message: 'CanaryPauseStep', observedGeneration: 'abc123' }, 9), ['Paused', 'CanaryPauseStep']],
    [ro({}, healthy), ['Healthy', '']],
    [ro({ paused: true }, healthy), ['Paused', 'manually paused']],
    [ro({}, { ...healthy, pauseConditions: [{ reason: 'CanaryPauseStep' }] }), ['Paused', 'CanaryPauseStep']],
    [ro({}, { ...healthy, updatedReplicas: 1 }), ['Progressing', 'more replicas need to be updated']],
    [ro({}, { ...healthy, availableReplicas: 1 }), ['Progressing', 'updated replicas are still becoming available']],
    [ro({}, { ...healthy, replicas: 3 }), ['Progressing', 'old replicas are pending termination']],
    [ro({}, { ...healthy, currentPodHash: 'b' }), ['Progressing', 'waiting for all steps to complete']],
    [ro({ restartAt: '2026-12-07T16:00:00Z' }, healthy), ['Progressing', 'rollout is restarting']],
    [ro({ strategy: { blueGreen: {} } }, { ...healthy, blueGreen: { activeSelector: 'b' } }), ['Progressing', 'active service cutover pending']],
    [ro({ strategy: { blueGreen: {} } }, { ...healthy, blueGreen: { activeSelector: 'a' } }), ['Healthy', '']],
    [ro({}, { ...healthy, conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "r-a" has timed out progressing.' }] }), ['Degraded', 'ProgressDeadlineExceeded: ReplicaSet "r-a" has timed out progressing.']],
  ]
  for (const [r, want] of cases) assert.deepEqual(rolloutPhase(r), want, JSON.stringify(r))
})
