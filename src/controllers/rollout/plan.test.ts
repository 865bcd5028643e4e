// Table tests of the Rollout step machine against Argo Rollouts' documented behaviour
// (docs/features/canary.md, bluegreen.md, analysis.md) and its controller tests
// (rollout/canary_test.go, bluegreen_test.go): observed objects in, writes and status out.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { StoredObject } from '../../apis/meta.js'
import { podTemplateHash, stepHash } from './hash.js'
import { planRollout, pauseSeconds, stickyFrom, stepString, type Observed, type RolloutAction } from './plan.js'

type Json = Record<string, any>
const now = new Date('2026-01-01T00:10:00Z')
const earlier = '2026-01-01T00:00:00Z'

const template = (image: string): Json => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } })
const H1 = podTemplateHash(template('v1'))
const H2 = podTemplateHash(template('v2'))

function rollout(canary: Json, status: Json = {}, image = 'v2', extra: Json = {}): StoredObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'default', uid: 'ro-uid', generation: 1, annotations: { 'rollout.argoproj.io/revision': '2' } },
    spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: template(image), strategy: { canary }, ...extra },
    status: { observedGeneration: '1', currentStepHash: stepHash(canary.steps ?? []), ...status },
  }
}

function rs(hash: string, replicas: number, available = replicas, revision = hash === H1 ? '1' : '2'): StoredObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `web-${hash}`, namespace: 'default', uid: `rs-${hash}`, labels: { app: 'web', 'rollouts-pod-template-hash': hash }, annotations: { 'rollout.argoproj.io/revision': revision, 'rollout.argoproj.io/desired-replicas': '4' }, creationTimestamp: earlier },
    spec: { replicas, template: template(hash === H1 ? 'v1' : 'v2') },
    status: { replicas, readyReplicas: available, availableReplicas: available },
  }
}

function service(name: string, selector: Json = { app: 'web' }, annotations: Json = {}): StoredObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', annotations }, spec: { selector } }
}

function observe(ro: StoredObject, replicaSets: StoredObject[], more: Partial<Observed> = {}): Observed {
  return {
    rollout: ro,
    replicaSets,
    services: new Map((more.services ? [...more.services.values()] : []).map((s) => [s.metadata.name!, s])),
    analysisRuns: more.analysisRuns ?? [],
    templates: more.templates ?? { template: () => undefined, clusterTemplate: () => undefined },
    workload: more.workload,
  }
}

const statusOf = (actions: RolloutAction[]): Json | undefined => (actions.find((a) => a.type === 'updateStatus') as { status: Json } | undefined)?.status
const eventsOf = (actions: RolloutAction[]) => actions.filter((a) => a.type === 'event').map((a) => `${(a as Json).reason}: ${(a as Json).message}`)
const inProgress = { stableRS: H1, currentPodHash: H2 }

describe('planRollout: the canary step machine', () => {
  it('hashes the template as Argo does (its getting-started Rollout is rollouts-demo-687d76d795)', () => {
    const t = { metadata: { labels: { app: 'rollouts-demo' } }, spec: { containers: [{ name: 'rollouts-demo', image: 'argoproj/rollouts-demo:blue', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }], resources: { requests: { memory: '32Mi', cpu: '5m' } } }] } }
    assert.equal(podTemplateHash(t), '687d76d795')
    assert.notEqual(podTemplateHash(t, 1), '687d76d795')
  })

  it('creates <rollout>-<hash> with 0 replicas, the hash label and the next revision', () => {
    const { actions } = planRollout(observe(rollout({ steps: [{ setWeight: 20 }] }, { stableRS: H1, currentPodHash: H1 }), [rs(H1, 4)]), now)
    const create = actions.find((a) => a.type === 'createReplicaSet') as { rs: Json }
    assert.equal(create.rs.metadata.name, `web-${H2}`)
    assert.equal(create.rs.spec.replicas, 0)
    assert.deepEqual(create.rs.spec.selector.matchLabels, { app: 'web', 'rollouts-pod-template-hash': H2 })
    assert.equal(create.rs.spec.template.metadata.labels['rollouts-pod-template-hash'], H2)
    assert.equal(create.rs.metadata.annotations['rollout.argoproj.io/revision'], '2')
    assert.deepEqual(create.rs.metadata.ownerReferences[0], { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'ro-uid', controller: true, blockOwnerDeletion: true })
    assert.deepEqual(eventsOf(actions), [`NewReplicaSetCreated: Created ReplicaSet web-${H2} (revision 2)`])
  })

  it('a new revision starts the steps at 0 and clears pauses and abort', () => {
    const ro = rollout({ steps: [{ setWeight: 20 }, { pause: {} }] }, { stableRS: H1, currentPodHash: H1, currentStepIndex: 2, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: earlier }], controllerPause: true })
    const s = statusOf(planRollout(observe(ro, [rs(H1, 4), rs(H2, 0)]), now).actions)!
    assert.equal(s.currentStepIndex, 0)
    assert.equal(s.currentPodHash, H2)
    assert.equal(s.pauseConditions, undefined)
    assert.equal(s.controllerPause, undefined)
    assert.equal(s.phase, 'Progressing')
  })

  it('initial deploy: the first ReplicaSet becomes stable once available, all steps skipped', () => {
    const ro = rollout({ steps: [{ setWeight: 20 }, { pause: {} }] }, { currentPodHash: H2, currentStepIndex: 0 })
    const { actions } = planRollout(observe(ro, [rs(H2, 4)]), now)
    const s = statusOf(actions)!
    assert.equal(s.stableRS, H2)
    assert.equal(s.currentStepIndex, 2)
    assert.ok(eventsOf(actions).includes(`RolloutCompleted: Rollout completed update to revision 2 (${H2}): Initial deploy`))
  })

  it('setWeight 25 of 4 (basic canary, maxSurge and maxUnavailable 25%): stable first, then the canary, then the step completes', () => {
    const ro = rollout({ steps: [{ setWeight: 25 }, { pause: {} }] }, { ...inProgress, currentStepIndex: 0 })
    // maxUnavailable 1 lets the stable go to 3 at once (reconcileCanaryStableReplicaSet comes first).
    const first = planRollout(observe(ro, [rs(H1, 4), rs(H2, 0)]), now)
    const down = first.actions.find((a) => a.type === 'updateReplicaSet') as { rs: Json }
    assert.deepEqual([down.rs.metadata.name, down.rs.spec.replicas], [`web-${H1}`, 3])
    assert.ok(eventsOf(first.actions).includes(`ScalingReplicaSet: Scaled down ReplicaSet web-${H1} (revision 1) from 4 to 3`))
    const second = planRollout(observe(ro, [rs(H1, 3), rs(H2, 0)]), now)
    const up = second.actions.find((a) => a.type === 'updateReplicaSet') as { rs: Json }
    assert.deepEqual([up.rs.metadata.name, up.rs.spec.replicas], [`web-${H2}`, 1])
    assert.ok(eventsOf(second.actions).includes(`ScalingReplicaSet: Scaled up ReplicaSet web-${H2} (revision 2) from 0 to 1`))
    const third = planRollout(observe(ro, [rs(H1, 3), rs(H2, 1)]), now)
    assert.equal(third.actions.filter((a) => a.type === 'updateReplicaSet').length, 0)
    assert.equal(statusOf(third.actions)!.currentStepIndex, 1)
    assert.ok(eventsOf(third.actions).includes('RolloutStepCompleted: Rollout step 1/2 completed (setWeight: 25)'))
  })

  it('pause without duration: CanaryPauseStep, controllerPause, phase Paused, Progressing Unknown RolloutPaused', () => {
    const ro = rollout({ steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }] }, { ...inProgress, currentStepIndex: 1 })
    const { actions } = planRollout(observe(ro, [rs(H1, 3), rs(H2, 1)]), now)
    const s = statusOf(actions)!
    assert.deepEqual(s.pauseConditions, [{ reason: 'CanaryPauseStep', startTime: '2026-01-01T00:10:00Z' }])
    assert.equal(s.controllerPause, true)
    assert.deepEqual([s.phase, s.message], ['Paused', 'CanaryPauseStep'])
    const prog = s.conditions.find((c: Json) => c.type === 'Progressing')
    assert.deepEqual([prog.status, prog.reason, prog.message], ['Unknown', 'RolloutPaused', 'Rollout is paused'])
    assert.ok(eventsOf(actions).includes('RolloutPaused: Rollout is paused (CanaryPauseStep)'))
  })

  it('promote (pauseConditions cleared, controllerPause still true) completes the pause step', () => {
    const ro = rollout({ steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }] }, { ...inProgress, currentStepIndex: 1, controllerPause: true })
    const s = statusOf(planRollout(observe(ro, [rs(H1, 3), rs(H2, 1)]), now).actions)!
    assert.equal(s.currentStepIndex, 2)
    assert.equal(s.controllerPause, undefined)
  })

  it('pause with duration: waits, then completes when it has passed', () => {
    const ro = (start: string) => rollout({ steps: [{ pause: { duration: '5m' } }, { setWeight: 50 }] }, { ...inProgress, currentStepIndex: 0, controllerPause: true, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: start }] })
    const waiting = planRollout(observe(ro('2026-01-01T00:08:00Z'), [rs(H1, 4), rs(H2, 0)]), now)
    assert.equal(statusOf(waiting.actions)?.currentStepIndex ?? 0, 0)
    assert.ok(waiting.requeueAfterMs! > 170_000 && waiting.requeueAfterMs! <= 181_000)
    const done = planRollout(observe(ro('2026-01-01T00:04:00Z'), [rs(H1, 4), rs(H2, 0)]), now)
    assert.equal(statusOf(done.actions)!.currentStepIndex, 1)
    assert.ok(eventsOf(done.actions).includes('RolloutStepCompleted: Rollout step 1/2 completed (pause: 5m0s)'))
  })

  it('spec.paused halts: no scaling, phase Paused "manually paused"', () => {
    const ro = rollout({ steps: [{ setWeight: 50 }] }, { ...inProgress, currentStepIndex: 0 }, 'v2', { paused: true })
    const { actions } = planRollout(observe(ro, [rs(H1, 4), rs(H2, 0)]), now)
    assert.equal(actions.filter((a) => a.type === 'updateReplicaSet').length, 0)
    assert.deepEqual([statusOf(actions)!.phase, statusOf(actions)!.message], ['Paused', 'manually paused'])
  })

  it('abort: weight back to 0, step index 0, Degraded with RolloutAborted; the abort clears pauses', () => {
    const ro = rollout({ steps: [{ setWeight: 25 }, { pause: {} }] }, { ...inProgress, currentStepIndex: 1, abort: true, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: earlier }], controllerPause: true })
    const { actions } = planRollout(observe(ro, [rs(H1, 3), rs(H2, 1)]), now)
    const s = statusOf(actions)!
    assert.deepEqual([s.abort, s.abortedAt, s.currentStepIndex, s.pauseConditions], [true, '2026-01-01T00:10:00Z', 0, undefined])
    assert.deepEqual([s.phase, s.message], ['Degraded', 'RolloutAborted: Rollout aborted update to revision 2'])
    assert.ok(eventsOf(actions).includes('RolloutAborted: Rollout aborted update to revision 2'))
    // Basic canary: the stable ReplicaSet scales back up.
    const up = actions.find((a) => a.type === 'updateReplicaSet') as { rs: Json }
    assert.deepEqual([up.rs.metadata.name, up.rs.spec.replicas], [`web-${H1}`, 4])
  })

  it('promoteFull skips the remaining steps once the new ReplicaSet is available', () => {
    const ro = rollout({ steps: [{ setWeight: 25 }, { pause: {} }] }, { ...inProgress, currentStepIndex: 1, promoteFull: true })
    const { actions } = planRollout(observe(ro, [rs(H1, 0, 0), rs(H2, 4)]), now)
    const s = statusOf(actions)!
    assert.deepEqual([s.stableRS, s.currentStepIndex, s.promoteFull], [H2, 2, undefined])
    assert.ok(eventsOf(actions).includes(`RolloutCompleted: Rollout completed update to revision 2 (${H2}): Full promotion requested`))
  })
})

describe('planRollout: workloadRef', () => {
  const ref = (): StoredObject => {
    const ro = rollout({ steps: [{ setWeight: 25 }] }, {})
    const spec = ro.spec as Json
    delete spec.template
    delete spec.selector
    spec.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }
    return ro
  }
  const deployment: StoredObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: template('v1') } }

  it('takes the template and selector from the Deployment, writing neither into the Rollout', () => {
    const { actions } = planRollout(observe(ref(), [], { workload: deployment }), now)
    const create = actions.find((a) => a.type === 'createReplicaSet') as { rs: Json }
    assert.equal(create.rs.metadata.name, `web-${H1}`)
    assert.deepEqual(create.rs.spec.selector.matchLabels, { app: 'web', 'rollouts-pod-template-hash': H1 })
    const update = actions.find((a) => a.type === 'updateRollout') as { rollout: Json }
    assert.equal(update.rollout.spec.template, undefined)
  })

  it('a missing Deployment is InvalidSpec', () => {
    const s = statusOf(planRollout(observe(ref(), []), now).actions)!
    assert.equal(s.message, 'InvalidSpec: The Rollout "web" is invalid: spec.workloadRef: Invalid value: "web": deployments.apps "web" not found')
  })
})

describe('planRollout: undo', () => {
  it('a template brought back from an old ReplicaSet (with the API server’s pod defaults) finds that ReplicaSet, which takes the next revision', () => {
    const old = rs(H1, 0, 0, '1')
    ;(old.spec as Json).template = { metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': H1 } }, spec: { containers: [{ name: 'web', image: 'v1', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, securityContext: {}, schedulerName: 'default-scheduler' } }
    const undone = rollout({ steps: [{ setWeight: 25 }] }, { stableRS: H2, currentPodHash: H2, currentStepIndex: 1 }, 'v1')
    const t = structuredClone((old.spec as Json).template)
    delete t.metadata.labels['rollouts-pod-template-hash']
    ;(undone.spec as Json).template = t
    const { actions } = planRollout(observe(undone, [old, rs(H2, 4)]), now)
    assert.equal(actions.filter((a) => a.type === 'createReplicaSet').length, 0)
    const up = actions.find((a) => a.type === 'updateReplicaSet') as { rs: Json }
    assert.deepEqual([up.rs.metadata.name, up.rs.metadata.annotations['rollout.argoproj.io/revision']], [`web-${H1}`, '3'])
  })
})

describe('planRollout: Services and the traffic annotation', () => {
  const canary = { stableService: 'web-stable', canaryService: 'web-canary', steps: [{ setWeight: 20 }, { setHeaderRoute: { name: 'beta', match: [{ headerName: 'X-Beta', headerValue: { exact: 'yes' } }] } }, { setMirrorRoute: { name: 'm', match: [{ method: { exact: 'GET' } }], percentage: 50 } }, { pause: {} }] }
  const services = new Map([['web-stable', service('web-stable')], ['web-canary', service('web-canary')]])

  it('selectors get rollouts-pod-template-hash; the stable Service carries the exact weight, header routes and mirrors', () => {
    const ro = rollout(canary, { ...inProgress, currentStepIndex: 3 }, 'v2', {})
    ro.metadata.annotations!['kubelite.io/traffic-sticky'] = 'cookie'
    const { actions } = planRollout(observe(ro, [rs(H1, 4), rs(H2, 1)], { services }), now)
    const patches = actions.filter((a) => a.type === 'patchService') as { name: string; patch: Json }[]
    assert.deepEqual(patches.find((p) => p.name === 'web-canary')!.patch, { metadata: { annotations: { 'argo-rollouts.argoproj.io/managed-by-rollouts': 'web' } }, spec: { selector: { 'rollouts-pod-template-hash': H2 } } })
    assert.equal(patches.find((p) => p.name === 'web-stable' && p.patch.spec)!.patch.spec.selector['rollouts-pod-template-hash'], H1)
    const traffic = JSON.parse(patches.find((p) => p.patch.metadata.annotations['kubelite.io/traffic'])!.patch.metadata.annotations['kubelite.io/traffic'])
    assert.deepEqual(traffic, {
      backends: [{ name: 'stable', weight: 80 }, { name: 'canary', service: 'web-canary', weight: 20 }],
      sticky: { cookie: 'kubelite-route' },
      headerRoutes: [{ name: 'beta', match: [{ headerName: 'X-Beta', headerValue: { exact: 'yes' } }], backend: 'canary' }],
      mirrors: [{ name: 'm', match: [{ method: { exact: 'GET' } }], percentage: 50, backend: 'canary' }],
    })
    const s = statusOf(actions)!
    assert.deepEqual(s.canary.weights, { canary: { podTemplateHash: H2, serviceName: 'web-canary', weight: 20 }, stable: { podTemplateHash: H1, serviceName: 'web-stable', weight: 80 } })
  })

  it('exact weights do not depend on pod counts: the stable ReplicaSet stays whole, the canary gets ceil(20% × 4)', () => {
    const ro = rollout(canary, { ...inProgress, currentStepIndex: 0 })
    const { actions } = planRollout(observe(ro, [rs(H1, 4), rs(H2, 0, 0)], { services }), now)
    const up = actions.find((a) => a.type === 'updateReplicaSet') as { rs: Json }
    assert.deepEqual([up.rs.metadata.name, up.rs.spec.replicas], [`web-${H2}`, 1])
    // Weight 0 until the canary has an available pod.
    assert.equal(statusOf(actions)!.canary.weights.canary.weight, 0)
  })

  it('a Service of another Rollout, or one selecting other pods, is InvalidSpec naming the field', () => {
    const other = new Map([['web-stable', service('web-stable', { app: 'web' }, { 'argo-rollouts.argoproj.io/managed-by-rollouts': 'api' })], ['web-canary', service('web-canary', { app: 'api' })]])
    const s = statusOf(planRollout(observe(rollout(canary, inProgress), [rs(H1, 4)], { services: other }), now).actions)!
    assert.equal(s.message, 'InvalidSpec: The Rollout "web" is invalid: spec.strategy.canary.stableService: Invalid value: "web-stable": Service "web-stable" is managed by another Rollout')
  })
})

describe('planRollout: bad input is InvalidSpec, nothing half-applied', () => {
  const cases: [string, Json, string][] = [
    ['setWeight out of range', { steps: [{ setWeight: 150 }] }, 'spec.strategy.canary.steps[0].setWeight: Invalid value: 150: SetWeight needs to be between 0 and 100'],
    ['an empty step', { steps: [{}] }, 'spec.strategy.canary.steps[0]: Invalid value: "{}": Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause'],
    ['the same Service twice', { stableService: 'a', canaryService: 'a' }, 'spec.strategy.canary.stableService: Invalid value: "a": This rollout uses the same service for the stable and canary services, but two different services are required.'],
    ['a missing Service', { stableService: 'a', canaryService: 'b' }, 'spec.strategy.canary.stableService: Invalid value: "a": services "a" not found'],
    ['a missing AnalysisTemplate', { steps: [{ analysis: { templates: [{ templateName: 'nope' }] } }] }, "spec.strategy.canary.steps[0].analysis.templates: Invalid value: \"nope\": AnalysisTemplate 'nope' not found"],
  ]
  for (const [name, canary, message] of cases)
    it(name, () => {
      const { actions, requeueAfterMs } = planRollout(observe(rollout(canary, inProgress), [rs(H1, 4)]), now)
      assert.deepEqual(actions.map((a) => a.type), ['updateStatus', 'event'].filter((t) => actions.some((a) => a.type === t)).sort((a, b) => actions.findIndex((x) => x.type === a) - actions.findIndex((x) => x.type === b)))
      const s = statusOf(actions)!
      assert.equal(s.phase, 'Degraded')
      assert.equal(s.message, `InvalidSpec: The Rollout "web" is invalid: ${message}`)
      assert.equal(s.conditions.find((c: Json) => c.type === 'InvalidSpec').reason, 'InvalidSpec')
      assert.equal(requeueAfterMs, 20_000)
    })
})

describe('planRollout: analysis', () => {
  const at: StoredObject = { metadata: { name: 'rate', namespace: 'default' }, spec: { args: [{ name: 'svc' }, { name: 'hash' }], metrics: [{ name: 'rate', provider: { web: { url: 'http://x/{{args.svc}}' } } }] } }
  const templates = { template: (n: string) => (n === 'rate' ? at : undefined), clusterTemplate: () => undefined }
  const step = { analysis: { templates: [{ templateName: 'rate' }], args: [{ name: 'svc', value: 'web' }, { name: 'hash', valueFrom: { podTemplateHashValue: 'Stable' } }] } }
  const run = (phase?: string, message?: string): StoredObject => ({
    metadata: { name: `web-${H2}-2-1`, namespace: 'default', labels: { 'rollouts-pod-template-hash': H2, 'rollout-type': 'Step', 'step-index': '1' } },
    spec: {},
    ...(phase ? { status: { phase, ...(message ? { message } : {}) } } : {}),
  })

  it('creates the step run from the template with Argo’s name, labels and resolved args', () => {
    const ro = rollout({ steps: [{ setWeight: 25 }, step] }, { ...inProgress, currentStepIndex: 1 })
    const { actions } = planRollout(observe(ro, [rs(H1, 3), rs(H2, 1)], { templates }), now)
    const created = (actions.find((a) => a.type === 'createAnalysisRun') as { run: Json }).run
    assert.equal(created.metadata.name, `web-${H2}-2-1`)
    assert.deepEqual(created.metadata.labels, { 'rollouts-pod-template-hash': H2, 'rollout-type': 'Step', 'step-index': '1', app: 'web' })
    assert.deepEqual(created.metadata.annotations, { 'rollout.argoproj.io/revision': '2' })
    assert.deepEqual(created.spec.args, [{ name: 'svc', value: 'web' }, { name: 'hash', value: H1 }])
    assert.equal(created.metadata.ownerReferences[0].uid, 'ro-uid')
  })

  it('Successful completes the step, Inconclusive pauses, Failed aborts with the run’s message', () => {
    const ro = rollout({ steps: [{ setWeight: 25 }, step, { setWeight: 50 }] }, { ...inProgress, currentStepIndex: 1 })
    const ok = statusOf(planRollout(observe(ro, [rs(H1, 3), rs(H2, 1)], { templates, analysisRuns: [run('Successful')] }), now).actions)!
    assert.equal(ok.currentStepIndex, 2)
    const inconclusive = statusOf(planRollout(observe(ro, [rs(H1, 3), rs(H2, 1)], { templates, analysisRuns: [run('Inconclusive')] }), now).actions)!
    assert.deepEqual([inconclusive.phase, inconclusive.message, inconclusive.currentStepIndex], ['Paused', 'InconclusiveAnalysis', 1])
    const failed = planRollout(observe(ro, [rs(H1, 3), rs(H2, 1)], { templates, analysisRuns: [run('Failed', 'metric "rate" assessed Failed')] }), now)
    const s = statusOf(failed.actions)!
    assert.deepEqual([s.phase, s.abort], ['Degraded', true])
    assert.equal(s.message, 'RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase error/failed: metric "rate" assessed Failed')
  })
})

describe('planRollout: blue/green', () => {
  function bgRollout(bg: Json, status: Json): StoredObject {
    const ro = rollout({}, status)
    ;(ro.spec as Json).strategy = { blueGreen: { activeService: 'web-active', previewService: 'web-preview', ...bg } }
    delete (ro.status as Json).currentStepHash
    return ro
  }
  const services = new Map([['web-active', service('web-active', { app: 'web', 'rollouts-pod-template-hash': H1 })], ['web-preview', service('web-preview', { app: 'web', 'rollouts-pod-template-hash': H1 })]])
  const active = { stableRS: H1, currentPodHash: H2, blueGreen: { activeSelector: H1, previewSelector: H1 } }

  it('previewReplicaCount until promotion; the preview Service switches once the new ReplicaSet is available', () => {
    const ro = bgRollout({ previewReplicaCount: 1, autoPromotionEnabled: false }, active)
    const scale = planRollout(observe(ro, [rs(H1, 4), rs(H2, 0)], { services }), now)
    const up = scale.actions.find((a) => a.type === 'updateReplicaSet') as { rs: Json }
    assert.deepEqual([up.rs.metadata.name, up.rs.spec.replicas], [`web-${H2}`, 1])
    const ready = planRollout(observe(ro, [rs(H1, 4), rs(H2, 1)], { services }), now)
    const patch = ready.actions.find((a) => a.type === 'patchService') as { name: string; patch: Json }
    assert.deepEqual([patch.name, patch.patch.spec.selector['rollouts-pod-template-hash']], ['web-preview', H2])
    const s = statusOf(ready.actions)!
    assert.deepEqual(s.blueGreen, { activeSelector: H1, previewSelector: H2 })
    assert.deepEqual([s.phase, s.message, s.pauseConditions[0].reason], ['Paused', 'BlueGreenPause', 'BlueGreenPause'])
  })

  it('promotion scales up to all replicas first, then switches the active Service; the new ReplicaSet becomes stable', () => {
    const promoted = { ...active, blueGreen: { activeSelector: H1, previewSelector: H2 }, controllerPause: true }
    const ro = bgRollout({ previewReplicaCount: 1, autoPromotionEnabled: false }, promoted)
    const scale = planRollout(observe(ro, [rs(H1, 4), rs(H2, 1)], { services }), now)
    const up = scale.actions.find((a) => a.type === 'updateReplicaSet') as { rs: Json }
    assert.deepEqual([up.rs.metadata.name, up.rs.spec.replicas], [`web-${H2}`, 4])
    assert.equal(statusOf(scale.actions)!.blueGreen.scaleUpPreviewCheckPoint, true)
    const ro2 = bgRollout({ previewReplicaCount: 1, autoPromotionEnabled: false }, { ...promoted, blueGreen: { ...promoted.blueGreen, scaleUpPreviewCheckPoint: true } })
    const sw = planRollout(observe(ro2, [rs(H1, 4), rs(H2, 4)], { services }), now)
    const patch = sw.actions.find((a) => a.type === 'patchService' && (a as Json).name === 'web-active') as { patch: Json }
    assert.equal(patch.patch.spec.selector['rollouts-pod-template-hash'], H2)
    assert.equal(statusOf(sw.actions)!.blueGreen.activeSelector, H2)
  })

  it('autoPromotionSeconds: paused until they have passed', () => {
    const ro = (start: string) => bgRollout({ autoPromotionSeconds: 120 }, { ...active, blueGreen: { activeSelector: H1, previewSelector: H2 }, controllerPause: true, pauseConditions: [{ reason: 'BlueGreenPause', startTime: start }] })
    const waiting = planRollout(observe(ro('2026-01-01T00:09:00Z'), [rs(H1, 4), rs(H2, 4)], { services }), now)
    assert.equal(statusOf(waiting.actions)?.blueGreen?.activeSelector ?? H1, H1)
    assert.ok(waiting.requeueAfterMs! <= 61_000)
    const done = planRollout(observe(ro('2026-01-01T00:07:00Z'), [rs(H1, 4), rs(H2, 4)], { services }), now)
    assert.equal(statusOf(done.actions)!.blueGreen.activeSelector, H2)
  })

  it('prePromotionAnalysis must succeed before the pause; a failed one aborts', () => {
    const at: StoredObject = { metadata: { name: 'smoke', namespace: 'default' }, spec: { metrics: [{ name: 'smoke', provider: { web: { url: 'http://x' } } }] } }
    const templates = { template: (n: string) => (n === 'smoke' ? at : undefined), clusterTemplate: () => undefined }
    const ro = bgRollout({ prePromotionAnalysis: { templates: [{ templateName: 'smoke' }] } }, { ...active, blueGreen: { activeSelector: H1, previewSelector: H2 } })
    const create = planRollout(observe(ro, [rs(H1, 4), rs(H2, 4)], { services, templates }), now)
    const run = (create.actions.find((a) => a.type === 'createAnalysisRun') as { run: Json }).run
    assert.deepEqual([run.metadata.name, run.metadata.labels['rollout-type']], [`web-${H2}-2-pre`, 'PrePromotion'])
    const failedRun = { ...run, status: { phase: 'Failed', message: 'smoke failed' } } as unknown as StoredObject
    const failed = statusOf(planRollout(observe(ro, [rs(H1, 4), rs(H2, 4)], { services, templates, analysisRuns: [failedRun] }), now).actions)!
    assert.equal(failed.message, 'RolloutAborted: Rollout aborted update to revision 2: Blue/green pre-promotion analysis phase error/failed: smoke failed')
  })
})

describe('planRollout: background analysis', () => {
  it('starts at startingStep and aborts the canary when it fails', () => {
    const at: StoredObject = { metadata: { name: 'bg', namespace: 'default' }, spec: { metrics: [{ name: 'm', provider: { web: { url: 'http://x' } } }] } }
    const templates = { template: () => at, clusterTemplate: () => undefined }
    const canary = { analysis: { templates: [{ templateName: 'bg' }], startingStep: 1 }, steps: [{ setWeight: 25 }, { pause: {} }] }
    const before = planRollout(observe(rollout(canary, { ...inProgress, currentStepIndex: 0 }), [rs(H1, 3), rs(H2, 0)], { templates }), now)
    assert.equal(before.actions.filter((a) => a.type === 'createAnalysisRun').length, 0)
    const from = planRollout(observe(rollout(canary, { ...inProgress, currentStepIndex: 1 }), [rs(H1, 3), rs(H2, 1)], { templates }), now)
    const run = (from.actions.find((a) => a.type === 'createAnalysisRun') as { run: Json }).run
    assert.deepEqual([run.metadata.name, run.metadata.labels['rollout-type']], [`web-${H2}-2`, 'Background'])
    const failedRun = { ...run, status: { phase: 'Failed' } } as unknown as StoredObject
    const s = statusOf(planRollout(observe(rollout(canary, { ...inProgress, currentStepIndex: 1 }), [rs(H1, 3), rs(H2, 1)], { templates, analysisRuns: [failedRun] }), now).actions)!
    assert.equal(s.message, 'RolloutAborted: Rollout aborted update to revision 2: Background analysis phase error/failed')
  })
})

describe('planRollout: restart (spec.restartAt)', () => {
  const pod = (name: string, created: string, ready = true): StoredObject => ({ metadata: { name, uid: `uid-${name}`, creationTimestamp: created }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } })
  const healthy = { stableRS: H2, currentPodHash: H2, currentStepIndex: 1 }

  it('deletes pods older than restartAt, maxUnavailable (25% of 4 = 1) at a time, then records restartedAt', () => {
    const ro = rollout({ steps: [{ setWeight: 25 }] }, healthy, 'v2', { restartAt: '2026-01-01T00:05:00Z' })
    const old = ['a', 'b', 'c', 'd'].map((n) => pod(n, earlier))
    const first = planRollout({ ...observe(ro, [rs(H2, 4)]), pods: old }, now)
    assert.deepEqual(first.actions, [{ type: 'deletePod', name: 'a', uid: 'uid-a' }])
    // One pod not ready yet: nothing more is deleted.
    const waiting = planRollout({ ...observe(ro, [rs(H2, 4)]), pods: [pod('e', '2026-01-01T00:09:00Z', false), ...old.slice(1)] }, now)
    assert.equal(waiting.actions.filter((a) => a.type === 'deletePod').length, 0)
    const done = planRollout({ ...observe(ro, [rs(H2, 4)]), pods: ['e', 'f', 'g', 'h'].map((n) => pod(n, '2026-01-01T00:09:00Z')) }, now)
    assert.equal(statusOf(done.actions)!.restartedAt, '2026-01-01T00:05:00Z')
  })

  it('a restartAt in the future waits for it', () => {
    const ro = rollout({ steps: [{ setWeight: 25 }] }, healthy, 'v2', { restartAt: '2026-01-01T00:20:00Z' })
    const plan = planRollout({ ...observe(ro, [rs(H2, 4)]), pods: [pod('a', earlier)] }, now)
    assert.equal(plan.actions.filter((a) => a.type === 'deletePod').length, 0)
    assert.ok(plan.requeueAfterMs! <= 600_000)
  })
})

describe('helpers', () => {
  it('step strings, pause durations and stickiness', () => {
    assert.deepEqual([{ setWeight: 20 }, { pause: {} }, { pause: { duration: 10 } }, { pause: { duration: '1h' } }, { setCanaryScale: { replicas: 2 } }, { setHeaderRoute: { name: 'h' } }].map(stepString), ['setWeight: 20', 'pause', 'pause: 10s', 'pause: 1h0m0s', 'setCanaryScale{replicas: 2}', 'setHeaderRoute: h'])
    assert.deepEqual([pauseSeconds(10), pauseSeconds('30s'), pauseSeconds('1m30s'), pauseSeconds('bogus')], [10, 30, 90, -1])
    assert.deepEqual([stickyFrom('cookie'), stickyFrom('cookie=v'), stickyFrom('clientIP'), stickyFrom('x')], [{ cookie: 'kubelite-route' }, { cookie: 'v' }, { clientIP: true }, undefined])
  })
})
