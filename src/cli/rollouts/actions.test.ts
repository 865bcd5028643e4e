// Each command's writes against Argo's plugin (cmd/promote/promote.go and promote_test.go, abort,
// retry, pause, restart, undo, set/image): the same patch bytes, the same patch type, to the same
// subresource, in the same order; the fallback for a server without the status subresource.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StoredObject } from '../../apis/meta.js'
import type { PatchType, ResourceClient, WriteOptions } from '../../client/types.js'
import { abort, pause, promote, restart, retry, setRolloutImage, undo } from './actions.js'
import { CommandError } from './connect.js'
import { parseGoDuration, patches, promotePatches, restartAt } from './patches.js'
import type { CanaryStep, Deployment, ReplicaSet, Rollout } from './types.js'

interface Call {
  verb: string
  name?: string
  type?: PatchType
  body?: unknown
  subresource?: string
}

/** A ResourceClient over one object that records every write; `noStatus` answers /status with 404. */
function fake<T extends StoredObject>(objs: T[], opts: { noStatus?: boolean; conflicts?: number } = {}) {
  const calls: Call[] = []
  let conflicts = opts.conflicts ?? 0
  const find = (name: string) => {
    const o = objs.find((x) => x.metadata.name === name)
    if (!o) throw Object.assign(new Error('not found'), { status: { code: 404, reason: 'NotFound', message: `rollouts.argoproj.io "${name}" not found` } })
    return structuredClone(o)
  }
  const client = {
    info: { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts', kind: 'Rollout', namespaced: true, verbs: [] },
    get: async (_ns: string | undefined, name: string) => find(name),
    list: async () => ({ items: structuredClone(objs), resourceVersion: '1' }),
    patch: async (_ns: string | undefined, name: string, type: PatchType, body: unknown, o: WriteOptions = {}) => {
      calls.push({ verb: 'patch', name, type, body, subresource: o.subresource })
      if (o.subresource === 'status' && opts.noStatus) throw Object.assign(new Error('nf'), { status: { code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' } })
      return find(name)
    },
    update: async (obj: T) => {
      calls.push({ verb: 'update', name: obj.metadata.name, body: obj })
      if (conflicts-- > 0) throw Object.assign(new Error('conflict'), { status: { code: 409, reason: 'Conflict', message: 'conflict' } })
      return obj
    },
  }
  return { client: client as unknown as ResourceClient<T>, calls }
}

const canary = (status: Rollout['status'], steps: CanaryStep[], paused = false): Rollout & StoredObject => ({
  metadata: { name: 'guestbook', namespace: 'default', uid: 'ro-uid' },
  spec: { paused, strategy: { canary: { steps } } },
  status,
})

test('promote at a pause step: clears the pause conditions through /status (no step skipped)', async () => {
  const { client, calls } = fake([canary({ currentStepIndex: 1, pauseConditions: [{ reason: 'CanaryPauseStep' }], controllerPause: true }, [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }])])
  await promote(client, 'default', 'guestbook', {})
  assert.deepEqual(calls, [{ verb: 'patch', name: 'guestbook', type: 'application/merge-patch+json', body: '{"status":{"pauseConditions":null}}', subresource: 'status' }])
})

test('promote of a spec-paused rollout: the status patch, then {"spec":{"paused":false}} on the object', async () => {
  const { client, calls } = fake([canary({ currentStepIndex: 1, pauseConditions: [{ reason: 'CanaryPauseStep' }] }, [{ setWeight: 10 }, { pause: {} }], true)])
  await promote(client, 'default', 'guestbook', {})
  assert.deepEqual(
    calls.map((c) => [c.body, c.subresource]),
    [
      ['{"status":{"pauseConditions":null}}', 'status'],
      ['{"spec":{"paused":false}}', undefined],
    ],
  )
})

test('promote while a step runs (no pause condition): the next step index (TestPromoteCmdSuccesFirstStep)', async () => {
  const { client, calls } = fake([canary({}, [{ setWeight: 1 }, { setWeight: 2 }])])
  await promote(client, 'default', 'guestbook', {})
  assert.equal(calls[0].body, '{"status":{"pauseConditions":null, "currentStepIndex":1}}')
})

test('promote never goes past the last step (TestPromoteCmdSuccessDoNotGoPastLastStep)', () => {
  assert.equal(promotePatches(canary({ currentStepIndex: 2 }, [{ setWeight: 1 }, { setWeight: 2 }]), {}).status, '{"status":{"pauseConditions":null, "currentStepIndex":2}}')
})

test('promote --skip-all-steps / --skip-current-step: currentStepIndex only (deprecated flags)', () => {
  const ro = canary({ currentStepIndex: 0 }, [{ setWeight: 1 }, { setWeight: 2 }])
  assert.deepEqual(promotePatches(ro, { skipAllSteps: true }), { status: '{"status":{"currentStepIndex":2}}', unified: '{"status":{"currentStepIndex":2}}' })
  assert.deepEqual(promotePatches(ro, { skipCurrentStep: true }), { status: '{"status":{"currentStepIndex":1}}', unified: '{"status":{"currentStepIndex":1}}' })
})

test('promote of an inconclusive step: clears controllerPause too and moves on (TestPromoteInconclusiveStep)', () => {
  const ro = canary({ pauseConditions: [{ reason: 'CanaryPauseStep' }], controllerPause: true, canary: { currentStepAnalysisRunStatus: { status: 'Inconclusive' } } }, [{ setWeight: 1 }, { setWeight: 2 }], true)
  assert.deepEqual(promotePatches(ro, {}), {
    spec: '{"spec":{"paused":false}}',
    status: '{"status":{"pauseConditions":null, "controllerPause":false, "currentStepIndex":1}}',
    unified: '{"spec":{"paused":false},"status":{"pauseConditions":null}}',
  })
})

test('promote --full: promoteFull through /status unless already fully promoted; spec unpause when paused', async () => {
  const notPromoted = canary({ stableRS: 'abc123', currentPodHash: 'def456', currentStepIndex: 1 }, [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }], true)
  const a = fake([notPromoted])
  await promote(a.client, 'default', 'guestbook', { full: true })
  assert.deepEqual(
    a.calls.map((c) => [c.body, c.subresource]),
    [
      ['{"status":{"promoteFull":true}}', 'status'],
      ['{"spec":{"paused":false}}', undefined],
    ],
  )
  // TestPromoteCmdAlreadyFullyPromoted: no patch at all.
  const b = fake([canary({ stableRS: 'abc123', currentPodHash: 'abc123' }, [])])
  await promote(b.client, 'default', 'guestbook', { full: true })
  assert.deepEqual(b.calls, [])
})

test('promote on a server without the status subresource: one unified patch of the object (Rollouts v0.9)', async () => {
  const { client, calls } = fake([canary({ currentStepIndex: 0 }, [{ setWeight: 1 }, { setWeight: 2 }])], { noStatus: true })
  await promote(client, 'default', 'guestbook', {})
  assert.deepEqual(
    calls.map((c) => [c.body, c.subresource]),
    [
      ['{"status":{"pauseConditions":null, "currentStepIndex":1}}', 'status'],
      ['{"spec":{"paused":false},"status":{"pauseConditions":null, "currentStepIndex":1}}', undefined],
    ],
  )
})

test("promote's refusals: skip flags on blue-green and on a canary without steps; not found is the server's message", async () => {
  const bg = { metadata: { name: 'guestbook', namespace: 'default' }, spec: { strategy: { blueGreen: {} } } } as Rollout & StoredObject
  await assert.rejects(promote(fake([bg]).client, 'default', 'guestbook', { skipCurrentStep: true }), new CommandError('Cannot skip steps of a bluegreen rollout. Run without a flags'))
  await assert.rejects(promote(fake([canary({}, [])]).client, 'default', 'guestbook', { skipAllSteps: true }), new CommandError('Cannot skip steps of a rollout without steps'))
  await assert.rejects(promote(fake([bg]).client, 'default', 'nope', {}), (err: { status: { message: string } }) => err.status.message === 'rollouts.argoproj.io "nope" not found')
})

test('abort and retry patch status.abort through /status, falling back to the object; pause patches spec.paused', async () => {
  const a = fake([canary({}, [])])
  await abort(a.client, 'default', 'guestbook')
  await retry(a.client, 'default', 'guestbook')
  await pause(a.client, 'default', 'guestbook')
  assert.deepEqual(
    a.calls.map((c) => [c.type, c.body, c.subresource]),
    [
      ['application/merge-patch+json', '{"status":{"abort":true}}', 'status'],
      ['application/merge-patch+json', '{"status":{"abort":false}}', 'status'],
      ['application/merge-patch+json', '{"spec":{"paused":true}}', undefined],
    ],
  )
  const b = fake([canary({}, [])], { noStatus: true })
  await abort(b.client, 'default', 'guestbook')
  assert.deepEqual(
    b.calls.map((c) => [c.body, c.subresource]),
    [
      ['{"status":{"abort":true}}', 'status'],
      ['{"status":{"abort":true}}', undefined],
    ],
  )
})

test('restart patches spec.restartAt with restart.go bytes: RFC 3339 UTC seconds, --in added', async () => {
  const { client, calls } = fake([canary({}, [])])
  const at = restartAt(new Date('2026-12-07T16:00:00.750Z'), parseGoDuration('1m30s'))
  assert.equal(at, '2026-12-07T16:01:30Z')
  await restart(client, 'default', 'guestbook', at)
  assert.equal(calls[0].body, '{\n\t"spec": {\n\t\t"restartAt": "2026-12-07T16:01:30Z"\n\t}\n}')
  assert.equal(JSON.parse(calls[0].body as string).spec.restartAt, at)
  assert.equal(parseGoDuration('10s'), 10_000)
  assert.equal(parseGoDuration('1h'), 3_600_000)
  assert.equal(parseGoDuration('ten'), undefined)
})

function rs(name: string, revision: string, image: string, ownerUID = 'ro-uid'): ReplicaSet & StoredObject {
  return {
    metadata: { name, namespace: 'default', labels: { app: 'guestbook', 'rollouts-pod-template-hash': name.slice(-4) }, annotations: { 'rollout.argoproj.io/revision': revision }, ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'guestbook', uid: ownerUID, controller: true }] },
    spec: { selector: { matchLabels: { app: 'guestbook' } }, template: { metadata: { labels: { app: 'guestbook', 'rollouts-pod-template-hash': name.slice(-4) } }, spec: { containers: [{ name: 'guestbook', image }] } } },
  }
}

test('undo: a JSON patch replacing /spec/template with the previous revision, the hash label removed', async () => {
  const ro: Rollout & StoredObject = { metadata: { name: 'guestbook', namespace: 'default', uid: 'ro-uid' }, spec: { selector: { matchLabels: { app: 'guestbook' } }, template: { metadata: { labels: { app: 'guestbook' } }, spec: { containers: [{ name: 'guestbook', image: 'v3' }] } } } }
  const rollouts = fake([ro])
  const replicaSets = fake([rs('guestbook-aaaa', '1', 'v1'), rs('guestbook-bbbb', '2', 'v2'), rs('guestbook-cccc', '3', 'v3'), rs('other-dddd', '9', 'v9', 'someone-else')])
  const out = await undo({ rollouts: rollouts.client, replicaSets: replicaSets.client, workload: () => undefined }, 'default', 'guestbook', 0)
  assert.equal(out, "rollout 'guestbook' undo\n")
  assert.equal(rollouts.calls[0].type, 'application/json-patch+json')
  assert.deepEqual(JSON.parse(rollouts.calls[0].body as string), [{ op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: 'guestbook' } }, spec: { containers: [{ name: 'guestbook', image: 'v2' }] } } }])
  // --to-revision=1, and a revision not in history
  await undo({ rollouts: rollouts.client, replicaSets: replicaSets.client, workload: () => undefined }, 'default', 'guestbook', 1)
  assert.equal(JSON.parse(rollouts.calls[1].body as string)[0].value.spec.containers[0].image, 'v1')
  await assert.rejects(undo({ rollouts: rollouts.client, replicaSets: replicaSets.client, workload: () => undefined }, 'default', 'guestbook', 9), new CommandError('unable to find specified revision 9 in history'))
  // Already that template: skipped, nothing sent.
  const n = rollouts.calls.length
  assert.equal(await undo({ rollouts: rollouts.client, replicaSets: replicaSets.client, workload: () => undefined }, 'default', 'guestbook', 3), 'skipped rollback (current template already matches revision 3)')
  assert.equal(rollouts.calls.length, n)
})

test("set image: the Rollout updated whole with that container's image; `*` sets every one; unknown container refused", async () => {
  const ro: Rollout & StoredObject = { kind: 'Rollout', metadata: { name: 'guestbook', namespace: 'default' }, spec: { template: { spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'guestbook', image: 'v1' }, { name: 'side', image: 's1' }] } } } }
  const a = fake([ro], { conflicts: 2 })
  const deployments = () => fake<Deployment & StoredObject>([]).client
  const out = await setRolloutImage(a.client, deployments, 'default', 'guestbook', 'guestbook', 'v2')
  assert.equal(a.calls.length, 3, 'two conflicts, then success')
  assert.deepEqual((out.spec as Rollout['spec']).template!.spec!.containers!.map((c) => c.image), ['v2', 's1'])
  const all = await setRolloutImage(fake([ro]).client, deployments, 'default', 'guestbook', '*', 'x')
  const spec = (all.spec as Rollout['spec']).template!.spec!
  assert.deepEqual([...spec.initContainers!, ...spec.containers!].map((c) => c.image), ['x', 'x', 'x'])
  await assert.rejects(setRolloutImage(fake([ro]).client, deployments, 'default', 'guestbook', 'nope', 'x'), new CommandError('unable to find container named "nope"'))
})

test('set image of a Rollout with a workloadRef updates the Deployment', async () => {
  const ro: Rollout & StoredObject = { metadata: { name: 'guestbook', namespace: 'default' }, spec: { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'guestbook-deploy' } } }
  const d = fake<Deployment & StoredObject>([{ kind: 'Deployment', metadata: { name: 'guestbook-deploy', namespace: 'default' }, spec: { selector: {}, template: { spec: { containers: [{ name: 'guestbook', image: 'v1' }] } } } }])
  const out = await setRolloutImage(fake([ro]).client, () => d.client, 'default', 'guestbook', 'guestbook', 'v2')
  assert.equal(out.kind, 'Deployment')
  assert.equal(d.calls[0].verb, 'update')
  assert.equal(patches.pause, '{"spec":{"paused":true}}')
})

test('undo of a Rollout with a workloadRef patches the Deployment (undo.go undoWorkloadRef); an unsupported kind is refused', async () => {
  const ro: Rollout & StoredObject = { metadata: { name: 'guestbook', namespace: 'default', uid: 'ro-uid' }, spec: { selector: { matchLabels: { app: 'guestbook' } }, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'guestbook-deploy' } } }
  const rollouts = fake([ro])
  const replicaSets = fake([rs('guestbook-aaaa', '1', 'v1'), rs('guestbook-bbbb', '2', 'v2')])
  const d = fake<StoredObject>([{ metadata: { name: 'guestbook-deploy', namespace: 'default' } }])
  const out = await undo({ rollouts: rollouts.client, replicaSets: replicaSets.client, workload: (kind) => (kind === 'Deployment' ? d.client : undefined) }, 'default', 'guestbook', 0)
  assert.equal(out, "rollout 'guestbook' undo\n")
  assert.deepEqual(rollouts.calls, [])
  assert.deepEqual([d.calls[0].name, d.calls[0].type], ['guestbook-deploy', 'application/json-patch+json'])
  assert.equal(JSON.parse(d.calls[0].body as string)[0].value.spec.containers[0].image, 'v1')
  const odd = fake([{ ...ro, spec: { ...ro.spec, workloadRef: { kind: 'StatefulSet', name: 'x' } } }])
  await assert.rejects(undo({ rollouts: odd.client, replicaSets: replicaSets.client, workload: () => undefined }, 'default', 'guestbook', 0), new CommandError('workload of type StatefulSet is not supported'))
})
