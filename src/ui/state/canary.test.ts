import { test } from 'node:test'
import assert from 'node:assert/strict'
import { canaryView, progressSummary, stepText, type RolloutLike } from './canary.js'
import type { ReplicaSetRow } from './workload.js'

const dot = (name: string, ready: boolean, state = ready ? 'ready' : 'running') => ({ name, state: state as 'ready', status: 'Running', ready })
const row = (revision: number, role: string | undefined, desired: number, pods: ReturnType<typeof dot>[]): ReplicaSetRow => ({
  name: `live-${revision}`,
  uid: `u${revision}`,
  revision,
  hash: `h${revision}`,
  images: [],
  desired,
  ready: pods.filter((p) => p.ready).length,
  current: role === 'canary',
  ...(role ? { role } : {}),
  pods,
})
const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '30s' } }]
const ro = (status: RolloutLike['status'], extra: object = {}): RolloutLike => ({ metadata: { name: 'live' }, spec: { replicas: 5, strategy: { canary: { steps, ...extra } } }, status })

test('steps read as Argo names them, the current one marked', () => {
  assert.deepEqual(
    [{ setWeight: 5 }, { pause: {} }, { pause: { duration: 10 } }, { setCanaryScale: { replicas: 2 } }, { analysis: {} }].map(stepText),
    ['Set weight 5%', 'Pause (until promoted)', 'Pause 10s', 'Canary scale 2 pods', 'Analysis'],
  )
  const v = canaryView(ro({ currentStepIndex: 1, availableReplicas: 5 }), [])!
  assert.deepEqual(v.steps.map((s) => s.state), ['done', 'current', 'pending', 'pending'])
  assert.equal(v.index, 1)
})

test('set weight: the last setWeight at or before the step; 0 when aborted; all of it past the last step', () => {
  assert.equal(canaryView(ro({ currentStepIndex: 1 }), [])!.setWeight, 20)
  assert.equal(canaryView(ro({ currentStepIndex: 3 }), [])!.setWeight, 60)
  assert.equal(canaryView(ro({ currentStepIndex: 1, abort: true }), [])!.setWeight, 0)
  assert.equal(canaryView(ro({ currentStepIndex: 4 }), [])!.setWeight, 100)
  assert.equal(canaryView(ro({ currentStepIndex: 4 }, { trafficRouting: { maxTrafficWeight: 1000 } }), [])!.setWeight, 1000)
  assert.equal(canaryView({ spec: { strategy: { blueGreen: {} } } }, []), undefined)
})

test("actual weight: the routed weight from status.canary.weights, else the canary's share of available pods", () => {
  const rows = [row(2, 'canary', 1, [dot('c1', true)]), row(1, 'stable', 4, [dot('s1', true), dot('s2', true), dot('s3', true), dot('s4', true)])]
  assert.equal(canaryView(ro({ currentStepIndex: 1, availableReplicas: 5 }), rows)!.actualWeight, 20)
  assert.equal(canaryView(ro({ currentStepIndex: 1, availableReplicas: 5, canary: { weights: { canary: { weight: 7 }, stable: { weight: 93 } } } }), rows)!.actualWeight, 7)
  assert.equal(canaryView(ro({ currentStepIndex: 1, availableReplicas: 0 }), rows)!.actualWeight, 0)
  assert.equal(canaryView(ro({ currentStepIndex: 1, availableReplicas: 5 }, { trafficRouting: {} }), rows)!.actualWeight, 20)
})

test('the sentence read out as the rollout moves', () => {
  const rows = [row(2, 'canary', 1, [dot('c1', true)]), row(1, 'stable', 4, [dot('s1', true), dot('s2', false), dot('s3', true, 'terminating')])]
  assert.equal(
    progressSummary('Rollout', 'live', ro({ phase: 'Paused', currentStepIndex: 1, availableReplicas: 3 }), rows),
    'Rollout live: Paused. step 2 of 4, Pause (until promoted); canary weight 33% (set 20%). revision 2 (canary): 1 of 1 ready. revision 1 (stable): 1 of 4 ready, 1 terminating.',
  )
  assert.equal(progressSummary('Deployment', 'web', { spec: { paused: true } } as RolloutLike, [row(1, undefined, 3, [dot('a', true)])]), 'Deployment web: paused. revision 1: 1 of 3 ready.')
})
