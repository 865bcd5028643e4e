// Table tests of the Deployment controller's shared arithmetic, transcribed from upstream's
// pkg/controller/deployment/util/deployment_util_test.go (case names kept as upstream wrote them).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { wellKnown } from '../../apis/meta.js'
import { deploymentComplete, deploymentProgressing } from './plan.js'
import {
  byRevision,
  bySize,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  isSaturated,
  maxRevHistoryLengthInChars,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportion,
  resolveFenceposts,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  type DeploymentObj,
  type ReplicaSetObj,
} from './util.js'

type IntOrString = number | string

function deployment(replicas: number, strategy: { type?: 'RollingUpdate' | 'Recreate'; maxSurge?: IntOrString; maxUnavailable?: IntOrString } = {}): DeploymentObj {
  const type = strategy.type ?? 'RollingUpdate'
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', namespace: 'default', uid: 'uid-nginx', annotations: {} },
    spec: {
      replicas,
      selector: { matchLabels: { name: 'nginx' } },
      strategy: type === 'Recreate' ? { type } : { type, rollingUpdate: { maxSurge: strategy.maxSurge, maxUnavailable: strategy.maxUnavailable } },
      template: generateTemplate('nginx'),
    },
  }
}

/** generateDeployment's template: the fields the API server defaults, so equality is exercised on a real-looking spec. */
function generateTemplate(image: string, containerName = image) {
  return {
    metadata: { labels: { name: image } },
    spec: {
      containers: [{ name: containerName, image, imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log' }],
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
      restartPolicy: 'Always',
      securityContext: {},
      enableServiceLinks: true,
    },
  }
}

function replicaSet(name: string, replicas: number, extra: { annotations?: Record<string, string>; created?: string; available?: number; template?: unknown } = {}): ReplicaSetObj {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: extra.created, ...(extra.annotations ? { annotations: { ...extra.annotations } } : {}) },
    spec: { replicas, selector: { matchLabels: { name: 'nginx' } }, template: (extra.template ?? generateTemplate('nginx')) as never },
    status: { replicas, availableReplicas: extra.available ?? 0 },
  }
}

const withHash = (template: ReturnType<typeof generateTemplate>, hash: string) => ({ ...template, metadata: { labels: { ...template.metadata.labels, [wellKnown.podTemplateHash]: hash } } })

// ---- TestResolveFenceposts -------------------------------------------------------------------

test('ResolveFenceposts (upstream TestResolveFenceposts)', () => {
  const cases: { maxSurge?: string; maxUnavailable?: string; desired: number; expectSurge: number; expectUnavailable: number; expectError?: boolean }[] = [
    { maxSurge: '0%', maxUnavailable: '0%', desired: 0, expectSurge: 0, expectUnavailable: 1 },
    { maxSurge: '39%', maxUnavailable: '39%', desired: 10, expectSurge: 4, expectUnavailable: 3 },
    { maxSurge: 'oops', maxUnavailable: '39%', desired: 10, expectSurge: 0, expectUnavailable: 0, expectError: true },
    { maxSurge: '55%', maxUnavailable: 'urg', desired: 10, expectSurge: 0, expectUnavailable: 0, expectError: true },
    { maxSurge: undefined, maxUnavailable: '39%', desired: 10, expectSurge: 0, expectUnavailable: 3 },
    { maxSurge: '39%', maxUnavailable: undefined, desired: 10, expectSurge: 4, expectUnavailable: 0 },
    { maxSurge: undefined, maxUnavailable: undefined, desired: 10, expectSurge: 0, expectUnavailable: 1 },
  ]
  cases.forEach((c, i) => {
    if (c.expectError) {
      assert.throws(() => resolveFenceposts(c.maxSurge, c.maxUnavailable, c.desired), /invalid value for IntOrString/, `#${i}`)
      return
    }
    assert.deepEqual(resolveFenceposts(c.maxSurge, c.maxUnavailable, c.desired), [c.expectSurge, c.expectUnavailable], `#${i}`)
  })
})

test('ResolveFenceposts: the seed and the defaults (25%/25%)', () => {
  // 4 replicas → surge 1 (rounded up), unavailable 1 (rounded down); 10 → 3 and 2; 1 → 1 and 0.
  assert.deepEqual(resolveFenceposts('25%', '25%', 4), [1, 1])
  assert.deepEqual(resolveFenceposts('25%', '25%', 10), [3, 2])
  assert.deepEqual(resolveFenceposts('25%', '25%', 1), [1, 0])
  assert.deepEqual(resolveFenceposts(0, 0, 5), [0, 1])
  assert.deepEqual(resolveFenceposts(2, 3, 5), [2, 3])
})

// ---- TestMaxUnavailable / MaxSurge -------------------------------------------------------------

test('MaxUnavailable (upstream TestMaxUnavailable)', async (t) => {
  const d = (replicas: number, mu: IntOrString) => deployment(replicas, { maxSurge: 1, maxUnavailable: mu })
  const cases: { name: string; deployment: DeploymentObj; expected: number }[] = [
    { name: 'maxUnavailable less than replicas', deployment: d(10, 5), expected: 5 },
    { name: 'maxUnavailable equal replicas', deployment: d(10, 10), expected: 10 },
    { name: 'maxUnavailable greater than replicas', deployment: d(5, 10), expected: 5 },
    { name: 'maxUnavailable with replicas is 0', deployment: d(0, 10), expected: 0 },
    { name: 'maxUnavailable with Recreate deployment strategy', deployment: deployment(1, { type: 'Recreate' }), expected: 0 },
    { name: 'maxUnavailable less than replicas with percents', deployment: d(10, '50%'), expected: 5 },
    { name: 'maxUnavailable equal replicas with percents', deployment: d(10, '100%'), expected: 10 },
    { name: 'maxUnavailable greater than replicas with percents', deployment: d(5, '100%'), expected: 5 },
  ]
  for (const c of cases) await t.test(c.name, () => assert.equal(maxUnavailable(c.deployment), c.expected))
})

test('MaxSurge: rounds up, and is 0 for Recreate', () => {
  assert.equal(maxSurge(deployment(10, { maxSurge: '25%', maxUnavailable: '25%' })), 3)
  assert.equal(maxSurge(deployment(4, { maxSurge: '25%', maxUnavailable: '25%' })), 1)
  assert.equal(maxSurge(deployment(10, { maxSurge: 2, maxUnavailable: 0 })), 2)
  assert.equal(maxSurge(deployment(10, { type: 'Recreate' })), 0)
})

// ---- TestNewRSNewReplicas ------------------------------------------------------------------------

test('NewRSNewReplicas (upstream TestNewRSNewReplicas)', async (t) => {
  const cases: { name: string; strategyType: 'RollingUpdate' | 'Recreate'; depReplicas: number; newRSReplicas: number; maxSurge: number; expected: number }[] = [
    { name: 'can not scale up - to newRSReplicas', strategyType: 'RollingUpdate', depReplicas: 1, newRSReplicas: 5, maxSurge: 1, expected: 5 },
    { name: 'scale up - to depReplicas', strategyType: 'RollingUpdate', depReplicas: 6, newRSReplicas: 2, maxSurge: 10, expected: 6 },
    { name: 'recreate - to depReplicas', strategyType: 'Recreate', depReplicas: 3, newRSReplicas: 1, maxSurge: 1, expected: 3 },
  ]
  for (const c of cases) {
    await t.test(c.name, () => {
      const d = deployment(c.depReplicas, { type: c.strategyType, maxSurge: c.maxSurge, maxUnavailable: 1 })
      // Upstream keeps rollingUpdate set even for Recreate; IsRollingUpdate decides.
      d.spec!.strategy = { type: c.strategyType, rollingUpdate: { maxSurge: c.maxSurge, maxUnavailable: 1 } }
      const rs5 = replicaSet('rs5', 5)
      const newRC = replicaSet('new', c.newRSReplicas)
      assert.equal(newRSNewReplicas(d, [rs5], newRC), c.expected)
    })
  }
})

test('NewRSNewReplicas: the seed grows the new ReplicaSet by one while 5 pods exist', () => {
  const d = deployment(4, { maxSurge: '25%', maxUnavailable: '25%' })
  const old = replicaSet('old', 4)
  const fresh = replicaSet('new', 0)
  assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 1) // 4 + 0 < 5: up by 1
  fresh.spec!.replicas = 1
  assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 1) // 5 pods: the most allowed
  old.spec!.replicas = 3
  assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 2)
  old.spec!.replicas = 0
  fresh.spec!.replicas = 2
  assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 4) // never past replicas
})

// ---- TestGetReplicaSetFraction (through GetReplicaSetProportion) ---------------------------------

test('getReplicaSetFraction (upstream TestGetReplicaSetFraction, through proportion)', async (t) => {
  const cases: { name: string; deploymentReplicas: number; deploymentStatusReplicas?: number; deploymentMaxSurge?: number; rsReplicas: number; rsAnnotations?: Record<string, string>; expectedFraction: number }[] = [
    { name: 'empty deployment always scales to 0', deploymentReplicas: 0, rsReplicas: 10, expectedFraction: -10 },
    { name: 'unsynced deployment does not scale when max-replicas annotation is missing (removed by a 3rd party)', deploymentReplicas: 10, rsReplicas: 5, expectedFraction: 0 },
    {
      name: 'unsynced deployment does not scale when max-replicas annotation is incorrectly set to 0 (by a 3rd party)',
      deploymentReplicas: 10,
      rsReplicas: 5,
      rsAnnotations: { [wellKnown.maxReplicas]: '0' },
      expectedFraction: 0,
    },
    {
      name: 'scale up by 1/5 should increase RS replicas by 1/5 when max-replicas annotation is missing (removed by a 3rd party)',
      deploymentReplicas: 120,
      deploymentStatusReplicas: 100,
      rsReplicas: 50,
      expectedFraction: 10,
    },
    {
      name: 'scale up by 1/5 should increase RS replicas by 1/5 when max-replicas annotation is incorrectly set to 0 (by a 3rd party)',
      deploymentReplicas: 120,
      deploymentStatusReplicas: 100,
      rsReplicas: 50,
      rsAnnotations: { [wellKnown.maxReplicas]: '0' },
      expectedFraction: 10,
    },
    { name: 'scale up by 1/5 should increase RS replicas by 1/5', deploymentReplicas: 120, rsReplicas: 50, rsAnnotations: { [wellKnown.maxReplicas]: '100' }, expectedFraction: 10 },
    {
      name: 'scale up with maxSurge by 1/5 should increase RS replicas approximately by 1/5',
      deploymentReplicas: 120,
      deploymentMaxSurge: 10,
      rsReplicas: 50,
      rsAnnotations: { [wellKnown.maxReplicas]: '110' },
      // Not the whole 1/5 (10): the surge pods scale proportionally as well.
      expectedFraction: 9,
    },
    { name: 'scale down by 1/6 should decrease RS replicas by 1/6', deploymentReplicas: 10, rsReplicas: 6, rsAnnotations: { [wellKnown.maxReplicas]: '12' }, expectedFraction: -1 },
    {
      name: 'scale down with maxSurge by 1/6 should decrease RS replicas approximately by 1/6',
      deploymentReplicas: 100,
      deploymentMaxSurge: 10,
      rsReplicas: 50,
      rsAnnotations: { [wellKnown.maxReplicas]: '130' },
      expectedFraction: -8,
    },
  ]
  for (const c of cases) {
    await t.test(c.name, () => {
      const d = deployment(c.deploymentReplicas, { maxSurge: c.deploymentMaxSurge ?? 0, maxUnavailable: 1 })
      d.status = { replicas: c.deploymentStatusReplicas ?? 0 }
      const rs = replicaSet('rs', c.rsReplicas, { annotations: c.rsAnnotations })
      // With nothing added yet and room for anything, the proportion is the fraction itself.
      const room = c.expectedFraction < 0 ? -1000 : 1000
      assert.equal(proportion(rs, d, room, 0), c.expectedFraction)
    })
  }
})

test('GetReplicaSetProportion: bounded by what is left to add or remove', () => {
  const d = deployment(10, { maxSurge: 0, maxUnavailable: 1 })
  const rs = replicaSet('rs', 5, { annotations: { [wellKnown.maxReplicas]: '5' } }) // fraction +5
  assert.equal(proportion(rs, d, 3, 0), 3) // only 3 to add
  assert.equal(proportion(rs, d, 3, 2), 1)
  assert.equal(proportion(rs, d, 3, 3), 0) // all added already
  assert.equal(proportion(rs, d, 0, 0), 0) // nothing to add
  assert.equal(proportion(replicaSet('empty', 0, { annotations: { [wellKnown.maxReplicas]: '5' } }), d, 3, 0), 0) // never from zero
  const down = deployment(2, { maxSurge: 0, maxUnavailable: 1 })
  assert.equal(proportion(rs, down, -1, 0), -1) // fraction −3, but only −1 to remove
})

// ---- annotations -------------------------------------------------------------------------------

test('SetNewReplicaSetAnnotations (upstream TestAnnotationUtils): revision after revision, the history trimmed to the limit', () => {
  const d = deployment(1)
  d.metadata.annotations = { [wellKnown.revision]: '1' }
  const rs = replicaSet('nginx-rs', 0)
  // Upstream passes a 5-character history limit (two two-digit revisions fit). The limit here is
  // upstream's maxRevHistoryLengthInChars, 2000: four-digit revisions, "1001,...,1400" is 1999
  // characters, so 400 fit and each new one pushes the oldest out.
  assert.equal(maxRevHistoryLengthInChars, 2000)
  for (let i = 1000; i < 1500; i++) {
    const next = i + 1
    assert.equal(setNewReplicaSetAnnotations(d, rs, next, true), true)
    assert.equal(rs.metadata.annotations![wellKnown.revision], String(next))
    const kept = Array.from({ length: i - Math.max(1001, i - 399) + 1 }, (_, k) => String(Math.max(1001, i - 399) + k))
    assert.equal(rs.metadata.annotations![wellKnown.revisionHistory] ?? '', i === 1000 ? '' : kept.join(','), `after revision ${next}`)
    assert.ok((rs.metadata.annotations![wellKnown.revisionHistory] ?? '').length <= maxRevHistoryLengthInChars)
  }
  // The Deployment's own revision is never copied over.
  assert.equal(rs.metadata.annotations![wellKnown.revision], '1500')
})

test('SetNewReplicaSetAnnotations: rollback keeps the earlier revision; a newer revision is never lowered', () => {
  const d = deployment(3, { maxSurge: '25%', maxUnavailable: '25%' })
  d.metadata.annotations = { [wellKnown.changeCause]: 'kubectl set image', [wellKnown.lastAppliedConfig]: '{}', [wellKnown.revision]: '2' }
  const rs = replicaSet('nginx-1', 0, { annotations: { [wellKnown.revision]: '1' } })
  assert.equal(setNewReplicaSetAnnotations(d, rs, 3, true), true)
  assert.deepEqual(rs.metadata.annotations, {
    [wellKnown.revision]: '3',
    [wellKnown.revisionHistory]: '1',
    [wellKnown.changeCause]: 'kubectl set image', // the user's annotations travel, last-applied does not
  })
  assert.equal(setNewReplicaSetAnnotations(d, rs, 3, true), false) // nothing left to change
  assert.equal(setNewReplicaSetAnnotations(d, rs, 2, true), false) // lower: kept at 3
  assert.equal(rs.metadata.annotations![wellKnown.revision], '3')
  assert.equal(setNewReplicaSetAnnotations(d, rs, 5, true), true)
  assert.equal(rs.metadata.annotations![wellKnown.revisionHistory], '1,3')

  // A new ReplicaSet also gets desired-replicas and max-replicas (3 + surge 1).
  const fresh = replicaSet('nginx-2', 0)
  setNewReplicaSetAnnotations(d, fresh, 1, false)
  assert.equal(fresh.metadata.annotations![wellKnown.revision], '1')
  assert.equal(fresh.metadata.annotations![wellKnown.desiredReplicas], '3')
  assert.equal(fresh.metadata.annotations![wellKnown.maxReplicas], '4')
  assert.equal(fresh.metadata.annotations![wellKnown.revisionHistory], undefined)

  // A revision that is not a number stops everything (upstream returns false).
  const odd = replicaSet('nginx-3', 0, { annotations: { [wellKnown.revision]: 'x' } })
  assert.equal(setNewReplicaSetAnnotations(deployment(1), odd, 4, true), false)
  assert.equal(odd.metadata.annotations![wellKnown.revision], 'x')
})

test('SetReplicasAnnotations and IsSaturated (upstream TestAnnotationUtils)', () => {
  const d = deployment(1)
  const rs = replicaSet('nginx-rs', 0)
  assert.equal(setReplicasAnnotations(rs, 10, 11), true)
  assert.equal(rs.metadata.annotations![wellKnown.desiredReplicas], '10')
  assert.equal(rs.metadata.annotations![wellKnown.maxReplicas], '11')

  rs.metadata.annotations![wellKnown.desiredReplicas] = '1'
  rs.status!.availableReplicas = 1
  rs.spec!.replicas = 1
  assert.equal(isSaturated(d, rs), true)
  rs.status!.availableReplicas = 0
  assert.equal(isSaturated(d, rs), false) // not all available
  rs.status!.availableReplicas = 1
  rs.metadata.annotations![wellKnown.desiredReplicas] = '2'
  assert.equal(isSaturated(d, rs), false) // sized for another replica count
  delete rs.metadata.annotations![wellKnown.desiredReplicas]
  assert.equal(isSaturated(d, rs), false) // no annotation: cannot tell
  assert.equal(isSaturated(d, undefined), false)
})

test('ReplicasAnnotationsNeedUpdate (upstream, through SetReplicasAnnotations)', async (t) => {
  const cases: { name: string; annotations?: Record<string, string>; expected: boolean }[] = [
    { name: 'test Annotations nil', annotations: undefined, expected: true },
    { name: 'test desiredReplicas update', annotations: { [wellKnown.desiredReplicas]: '8', [wellKnown.maxReplicas]: '20' }, expected: true },
    { name: 'test maxReplicas update', annotations: { [wellKnown.desiredReplicas]: '10', [wellKnown.maxReplicas]: '16' }, expected: true },
    { name: "test needn't update", annotations: { [wellKnown.desiredReplicas]: '10', [wellKnown.maxReplicas]: '20' }, expected: false },
  ]
  for (const c of cases) await t.test(c.name, () => assert.equal(setReplicasAnnotations(replicaSet('hello', 1, { annotations: c.annotations }), 10, 20), c.expected))
})

test('GetDesiredReplicasAnnotation (upstream TestGetNonNegativeInt32FromAnnotation)', async (t) => {
  const key = wellKnown.desiredReplicas
  const cases: { name: string; annotations?: Record<string, string>; expected: number | undefined }[] = [
    { name: 'invalid empty', annotations: undefined, expected: undefined },
    { name: 'invalid', annotations: { [key]: 'invalid', foo: '2' }, expected: undefined },
    { name: 'invalid negative ', annotations: { [key]: '-1', foo: '2' }, expected: undefined },
    { name: 'valid zero', annotations: { [key]: '0', foo: '2' }, expected: 0 },
    { name: 'valid', annotations: { [key]: '13', foo: '2' }, expected: 13 },
    { name: 'valid max', annotations: { [key]: '2147483647', foo: '2' }, expected: 2147483647 },
    { name: 'invalid max out of range', annotations: { [key]: '2147483648', foo: '2' }, expected: undefined },
    { name: 'invalid max out of range 2', annotations: { [key]: '4294967296', foo: '2' }, expected: undefined },
    // strconv.ParseUint takes plain decimal digits only.
    { name: 'not a Go integer: empty string', annotations: { [key]: '' }, expected: undefined },
    { name: 'not a Go integer: exponent', annotations: { [key]: '1e3' }, expected: undefined },
    { name: 'not a Go integer: hexadecimal', annotations: { [key]: '0x10' }, expected: undefined },
    { name: 'not a Go integer: blanks', annotations: { [key]: ' 5' }, expected: undefined },
  ]
  for (const c of cases) await t.test(c.name, () => assert.equal(desiredReplicasAnnotation(replicaSet('rs', 1, { annotations: c.annotations })), c.expected))
})

// ---- which ReplicaSet is new -----------------------------------------------------------------

test('EqualIgnoreHash (upstream TestEqualIgnoreHash)', async (t) => {
  const h = wellKnown.podTemplateHash
  const tpl = (name: string, nodeName: string, annotations: Record<string, string>, labels: Record<string, string>) => ({ metadata: { name, annotations, labels }, spec: { nodeName } })
  const cases: { name: string; former: ReturnType<typeof tpl>; latter: ReturnType<typeof tpl>; expected: boolean }[] = [
    { name: 'Same spec, same labels', former: tpl('foo', 'foo-node', {}, { [h]: 'value-1', something: 'else' }), latter: tpl('foo', 'foo-node', {}, { [h]: 'value-1', something: 'else' }), expected: true },
    {
      name: 'Same spec, only pod-template-hash label value is different',
      former: tpl('foo', 'foo-node', {}, { [h]: 'value-1', something: 'else' }),
      latter: tpl('foo', 'foo-node', {}, { [h]: 'value-2', something: 'else' }),
      expected: true,
    },
    {
      name: "Same spec, the former doesn't have pod-template-hash label",
      former: tpl('foo', 'foo-node', {}, { something: 'else' }),
      latter: tpl('foo', 'foo-node', {}, { [h]: 'value-2', something: 'else' }),
      expected: true,
    },
    {
      name: "Same spec, the label is different, the former doesn't have pod-template-hash label, same number of labels",
      former: tpl('foo', 'foo-node', {}, { something: 'else' }),
      latter: tpl('foo', 'foo-node', {}, { [h]: 'value-2' }),
      expected: false,
    },
    {
      name: "Same spec, the label is different, the latter doesn't have pod-template-hash label, same number of labels",
      former: tpl('foo', 'foo-node', {}, { [h]: 'value-1' }),
      latter: tpl('foo', 'foo-node', {}, { something: 'else' }),
      expected: false,
    },
    {
      name: 'Same spec, the label is different, and the pod-template-hash label value is the same',
      former: tpl('foo', 'foo-node', {}, { [h]: 'value-1' }),
      latter: tpl('foo', 'foo-node', {}, { [h]: 'value-1', something: 'else' }),
      expected: false,
    },
    {
      name: 'Different spec, same labels',
      former: tpl('foo', 'foo-node', { former: 'value' }, { [h]: 'value-1', something: 'else' }),
      latter: tpl('foo', 'foo-node', { latter: 'value' }, { [h]: 'value-1', something: 'else' }),
      expected: false,
    },
    {
      name: 'Different spec, different pod-template-hash label value',
      former: tpl('foo-1', 'foo-node', {}, { [h]: 'value-1', something: 'else' }),
      latter: tpl('foo-2', 'foo-node', {}, { [h]: 'value-2', something: 'else' }),
      expected: false,
    },
    {
      name: "Different spec, the former doesn't have pod-template-hash label",
      former: tpl('foo-1', 'foo-node-1', {}, { something: 'else' }),
      latter: tpl('foo-2', 'foo-node-2', {}, { [h]: 'value-2', something: 'else' }),
      expected: false,
    },
    { name: 'Different spec, different labels', former: tpl('foo', 'foo-node-1', {}, { something: 'else' }), latter: tpl('foo', 'foo-node-2', {}, { nothing: 'else' }), expected: false },
  ]
  for (const c of cases) {
    await t.test(c.name, () => {
      const [former, latter] = [structuredClone(c.former), structuredClone(c.latter)]
      assert.equal(equalIgnoreHash(c.former, c.latter), c.expected)
      assert.equal(equalIgnoreHash(c.latter, c.former), c.expected, 'reverse order')
      // Comparing never strips the label from the inputs (upstream checks the labels survive).
      assert.deepEqual(c.former, former)
      assert.deepEqual(c.latter, latter)
    })
  }
})

test('EqualIgnoreHash: empty maps and lists equal absent ones (apiequality.Semantic)', () => {
  const a = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i', env: [] }], nodeSelector: {} } }
  const b = { metadata: { labels: { app: 'web', [wellKnown.podTemplateHash]: 'abc' }, annotations: {} }, spec: { containers: [{ name: 'c', image: 'i' }] } }
  assert.equal(equalIgnoreHash(a, b), true)
  assert.equal(equalIgnoreHash(a, { ...b, spec: { containers: [{ name: 'c', image: 'j' }] } }), false)
})

function findFixtures() {
  const now = '2026-01-01T00:00:00Z'
  const later = '2026-01-01T00:01:00Z'
  const before = '2025-12-31T23:59:00Z'
  const d = deployment(1)
  const newRS = replicaSet('newRS', 1, { created: later, template: withHash(generateTemplate('nginx'), 'hash') })
  const newRSDup = replicaSet('newRSDup', 0, { created: now, template: withHash(generateTemplate('nginx'), 'different-hash') })
  const oldRS = replicaSet('oldRS', 0, { created: before, template: generateTemplate('nginx', 'nginx-old-1') })
  return { d, newRS, newRSDup, oldRS }
}

test('FindNewReplicaSet (upstream TestFindNewReplicaSet)', async (t) => {
  const { d, newRS, newRSDup, oldRS } = findFixtures()
  oldRS.metadata = { ...oldRS.metadata, creationTimestamp: undefined } // upstream's oldRS has no timestamp: it sorts first
  const cases: { name: string; rsList: ReplicaSetObj[]; expected: ReplicaSetObj | undefined }[] = [
    { name: 'Get new ReplicaSet with the same template as Deployment spec but different pod-template-hash value', rsList: [newRS, oldRS], expected: newRS },
    { name: 'Get the oldest new ReplicaSet when there are more than one ReplicaSet with the same template', rsList: [newRS, oldRS, newRSDup], expected: newRSDup },
    { name: 'Get nil new ReplicaSet', rsList: [oldRS], expected: undefined },
  ]
  for (const c of cases) await t.test(c.name, () => assert.equal(findNewReplicaSet(d, c.rsList), c.expected))
})

test('FindOldReplicaSets (upstream TestFindOldReplicaSets)', async (t) => {
  const { d, newRS, newRSDup, oldRS } = findFixtures()
  const cases: { name: string; rsList: ReplicaSetObj[]; expected: ReplicaSetObj[] }[] = [
    { name: 'Get old ReplicaSets', rsList: [newRS, oldRS], expected: [oldRS] },
    { name: 'Get old ReplicaSets with no new ReplicaSet', rsList: [oldRS], expected: [oldRS] },
    { name: 'Get old ReplicaSets with two new ReplicaSets, only the oldest new ReplicaSet is seen as new ReplicaSet', rsList: [oldRS, newRS, newRSDup], expected: [oldRS, newRS] },
    { name: 'Get empty old ReplicaSets', rsList: [newRS], expected: [] },
  ]
  const names = (rss: ReplicaSetObj[]) => rss.map((rs) => rs.metadata.name).sort()
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(names(findOldReplicaSets(d, c.rsList)), names(c.expected)))
})

test('FindActiveOrLatest: the one active ReplicaSet, else the newest, else none when several are active', () => {
  const at = (m: number) => `2026-01-01T00:0${m}:00Z`
  const a = replicaSet('a', 0, { created: at(1) })
  const b = replicaSet('b', 0, { created: at(2) })
  const n = replicaSet('n', 0, { created: at(3) })
  assert.equal(findActiveOrLatest(undefined, []), undefined)
  assert.equal(findActiveOrLatest(n, [a, b]), n) // none active: the new one
  assert.equal(findActiveOrLatest(undefined, [a, b]), b) // none active, no new one: the newest old
  assert.equal(findActiveOrLatest(n, [{ ...a, spec: { ...a.spec!, replicas: 2 } }, b])?.metadata.name, 'a')
  assert.equal(findActiveOrLatest({ ...n, spec: { ...n.spec!, replicas: 1 } }, [{ ...a, spec: { ...a.spec!, replicas: 2 } }, b]), undefined)
})

test('ReplicaSetsBySizeNewer / BySizeOlder / ByRevision orders', () => {
  const at = (m: number) => `2026-01-01T00:0${m}:00Z`
  const rss = [replicaSet('a', 2, { created: at(1) }), replicaSet('b', 3, { created: at(2) }), replicaSet('c', 2, { created: at(3) })]
  assert.deepEqual([...rss].sort(bySize(true)).map((rs) => rs.metadata.name), ['b', 'c', 'a'])
  assert.deepEqual([...rss].sort(bySize(false)).map((rs) => rs.metadata.name), ['b', 'a', 'c'])
  const rev = (name: string, revision: string | undefined, m: number) => replicaSet(name, 0, { created: at(m), annotations: revision === undefined ? undefined : { [wellKnown.revision]: revision } })
  // Upstream TestDeploymentController_cleanupDeploymentOrder's orders: by revision, a missing one is 0.
  assert.deepEqual([rev('r1', '3', 1), rev('r2', '1', 2), rev('r3', '4', 3), rev('r4', '2', 4)].sort(byRevision).map((rs) => rs.metadata.name), ['r2', 'r4', 'r1', 'r3'])
  assert.deepEqual([rev('r1', '1', 1), rev('r2', undefined, 2)].sort(byRevision).map((rs) => rs.metadata.name), ['r2', 'r1'])
  assert.deepEqual([rev('r2', '2', 2), rev('r1', '2', 1)].sort(byRevision).map((rs) => rs.metadata.name), ['r1', 'r2']) // ties: oldest first
})

// ---- TestDeploymentComplete / TestDeploymentProgressing ------------------------------------------

test('DeploymentComplete (upstream TestDeploymentComplete)', async (t) => {
  const d = (desired: number, current: number, updated: number, available: number, mu: number, ms: number) => {
    const obj = deployment(desired, { maxUnavailable: mu, maxSurge: ms })
    obj.status = { replicas: current, updatedReplicas: updated, availableReplicas: available }
    return obj
  }
  const cases: { name: string; d: DeploymentObj; expected: boolean }[] = [
    { name: 'not complete: min but not all pods become available', d: d(5, 5, 5, 4, 1, 0), expected: false },
    { name: 'not complete: min availability is not honored', d: d(5, 5, 5, 3, 1, 0), expected: false },
    { name: 'complete', d: d(5, 5, 5, 5, 0, 0), expected: true },
    { name: 'not complete: all pods are available but not updated', d: d(5, 5, 4, 5, 0, 0), expected: false },
    // old ReplicaSet: 1 replica, available; new ReplicaSet: 1 replica, not available
    { name: 'not complete: still running old pods', d: d(1, 2, 1, 1, 0, 1), expected: false },
    { name: 'not complete: one replica deployment never comes up', d: d(1, 1, 1, 0, 1, 1), expected: false },
  ]
  for (const c of cases) await t.test(c.name, () => assert.equal(deploymentComplete(c.d, c.d.status as Record<string, unknown>), c.expected))
  await t.test('not complete: this generation not observed yet', () => {
    const obj = d(5, 5, 5, 5, 0, 0)
    obj.metadata = { ...obj.metadata, generation: 2 }
    assert.equal(deploymentComplete(obj, { ...obj.status, observedGeneration: 1 }), false)
    assert.equal(deploymentComplete(obj, { ...obj.status, observedGeneration: 2 }), true)
  })
})

test('DeploymentProgressing (upstream TestDeploymentProgressing)', async (t) => {
  const d = (current: number, updated: number, ready: number, available: number) => {
    const obj = deployment(10)
    obj.status = { replicas: current, updatedReplicas: updated, readyReplicas: ready, availableReplicas: available }
    return obj
  }
  const s = (current: number, updated: number, ready: number, available: number) => ({ replicas: current, updatedReplicas: updated, readyReplicas: ready, availableReplicas: available })
  const cases: { name: string; d: DeploymentObj; newStatus: Record<string, unknown>; expected: boolean }[] = [
    { name: 'progressing: updated pods', d: d(10, 4, 4, 4), newStatus: s(10, 6, 4, 4), expected: true },
    { name: 'not progressing', d: d(10, 4, 4, 4), newStatus: s(10, 4, 4, 4), expected: false },
    { name: 'progressing: old pods removed', d: d(10, 4, 6, 6), newStatus: s(8, 4, 6, 6), expected: true },
    { name: 'not progressing: less new pods', d: d(10, 7, 3, 3), newStatus: s(10, 6, 3, 3), expected: false },
    { name: 'progressing: less overall but more new pods', d: d(10, 4, 7, 7), newStatus: s(8, 8, 5, 5), expected: true },
    { name: 'progressing: more ready pods', d: d(10, 10, 9, 8), newStatus: s(10, 10, 10, 8), expected: true },
    { name: 'progressing: more available pods', d: d(10, 10, 10, 9), newStatus: s(10, 10, 10, 10), expected: true },
  ]
  for (const c of cases) await t.test(c.name, () => assert.equal(deploymentProgressing(c.d, c.newStatus), c.expected))
})
