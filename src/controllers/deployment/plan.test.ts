// Table tests of planDeployment: observed Deployment and ReplicaSets in, writes out, the way
// upstream's pkg/controller/deployment tests check the actions a sync records (rolling_test.go,
// sync_test.go, recreate_test.go, progress_test.go; upstream's case names kept). A small world
// applies the actions between passes, so whole rollouts can be checked event by event.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { wellKnown, type ObjectMeta } from '../../apis/meta.js'
import { rfc3339 } from '../../lib/duration.js'
import { templateHash } from '../../lib/hash.js'
import type { PodObj } from '../runtime/pods.js'
import { planDeployment, type DeploymentAction, type DeploymentObserved, type DeploymentPlan } from './plan.js'
import { maxSurge, type DeploymentObj, type ReplicaSetObj } from './util.js'

type IntOrString = number | string
type Status = Record<string, unknown>
interface Cond {
  type: string
  status: string
  reason?: string
  message?: string
  lastUpdateTime?: string
  lastTransitionTime?: string
}

const T0 = Date.parse('2026-03-01T10:00:00Z')
const at = (seconds: number) => new Date(T0 + seconds * 1000)
const iso = (seconds: number) => rfc3339(at(seconds))

function podTemplate(image: string, labels: Record<string, string> = { app: 'web' }) {
  return { metadata: { labels: { ...labels } }, spec: { containers: [{ name: 'web', image }] } }
}
type PodTemplate = ReturnType<typeof podTemplate>

interface DeploymentOptions {
  name?: string
  replicas?: number
  image?: string
  template?: PodTemplate
  selector?: Record<string, unknown>
  strategy?: 'RollingUpdate' | 'Recreate'
  maxSurge?: IntOrString
  maxUnavailable?: IntOrString
  paused?: boolean
  /** null leaves it unset. */
  revisionHistoryLimit?: number | null
  progressDeadlineSeconds?: number | null
  minReadySeconds?: number
  generation?: number
  annotations?: Record<string, string>
  status?: Status
}

/** A Deployment as the API server stores it: defaulted (25%/25%, history 10, deadline 600 s). */
function deployment(o: DeploymentOptions = {}): DeploymentObj {
  const name = o.name ?? 'web'
  const template = o.template ?? podTemplate(o.image ?? 'v1')
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: o.generation ?? 1, ...(o.annotations ? { annotations: { ...o.annotations } } : {}) },
    spec: {
      replicas: o.replicas ?? 1,
      selector: (o.selector ?? { matchLabels: { ...template.metadata.labels } }) as never,
      template: structuredClone(template),
      strategy: o.strategy === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: o.maxSurge ?? '25%', maxUnavailable: o.maxUnavailable ?? '25%' } },
      ...(o.revisionHistoryLimit === null ? {} : { revisionHistoryLimit: o.revisionHistoryLimit ?? 10 }),
      ...(o.progressDeadlineSeconds === null ? {} : { progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600 }),
      ...(o.minReadySeconds ? { minReadySeconds: o.minReadySeconds } : {}),
      ...(o.paused ? { paused: true } : {}),
    },
    ...(o.status ? { status: structuredClone(o.status) as never } : {}),
  }
}

interface RSOptions {
  replicas: number
  /** Defaults to the Deployment's template (the new ReplicaSet); give another image for an old one. */
  image?: string
  template?: PodTemplate
  revision?: number
  available?: number
  statusReplicas?: number
  created?: string
  /** desired-replicas; defaults to the Deployment's replicas (no scaling event). */
  desired?: number
  /** max-replicas; defaults to desired + the Deployment's maxSurge. */
  max?: number
  noReplicaAnnotations?: boolean
  deleting?: boolean
  conditions?: Cond[]
}

/** A ReplicaSet the Deployment controls, its pods counted as the ReplicaSet controller would. */
function ownedRS(d: DeploymentObj, name: string, o: RSOptions): ReplicaSetObj {
  const template = structuredClone(o.template ?? (o.image ? podTemplate(o.image, d.spec!.template!.metadata!.labels as Record<string, string>) : (d.spec!.template as PodTemplate)))
  const hash = name.slice(name.lastIndexOf('-') + 1)
  template.metadata.labels = { ...template.metadata.labels, [wellKnown.podTemplateHash]: hash }
  const desired = o.desired ?? d.spec!.replicas!
  const annotations: Record<string, string> = {}
  if (o.revision !== undefined) annotations[wellKnown.revision] = String(o.revision)
  if (!o.noReplicaAnnotations) {
    annotations[wellKnown.desiredReplicas] = String(desired)
    annotations[wellKnown.maxReplicas] = String(o.max ?? desired + maxSurge(d))
  }
  const available = o.available ?? 0
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      generation: 1,
      creationTimestamp: o.created ?? iso(-3600),
      labels: { ...template.metadata.labels },
      annotations,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name!, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      ...(o.deleting ? { deletionTimestamp: iso(-1) } : {}),
    },
    spec: { replicas: o.replicas, selector: { matchLabels: { ...template.metadata.labels } }, template: template as never },
    status: { replicas: o.statusReplicas ?? o.replicas, readyReplicas: available, availableReplicas: available, observedGeneration: 1, ...(o.conditions ? { conditions: o.conditions as never } : {}) },
  }
}

/** Deep-freezes what the plan observes: it must never write into the informer's cache. */
function frozen<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    if (value instanceof Map) for (const v of value.values()) frozen(v)
    else for (const v of Object.values(value)) frozen(v)
    Object.freeze(value)
  }
  return value
}

function plan(obs: DeploymentObserved, now: Date): DeploymentPlan {
  return planDeployment(frozen(structuredClone(obs)), now)
}

const kinds = (p: DeploymentPlan) => p.actions.map((a) => a.type)
const eventsOf = (p: DeploymentPlan) => p.actions.flatMap((a) => (a.type === 'event' ? [a.event] : 'event' in a && a.event ? [a.event] : []))
const messages = (p: DeploymentPlan) => eventsOf(p).map((e) => e.message)
/** Each ReplicaSet's spec.replicas after the plan's writes (unwritten ones as observed). */
function sizesAfter(p: DeploymentPlan, rss: ReplicaSetObj[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(rss.map((rs) => [rs.metadata.name!, rs.spec!.replicas!]))
  for (const a of p.actions) if (a.type === 'createReplicaSet' || a.type === 'updateReplicaSet') out[a.rs.metadata.name!] = a.rs.spec!.replicas!
  return out
}
const updated = (p: DeploymentPlan) => p.actions.flatMap((a) => (a.type === 'updateReplicaSet' ? [a.rs.metadata.name!] : []))
const deleted = (p: DeploymentPlan) => p.actions.flatMap((a) => (a.type === 'deleteReplicaSet' ? [a.rs.metadata.name!] : []))
/** The status the plan writes (undefined: no write). */
function written(p: DeploymentPlan): DeploymentObj | undefined {
  const a = p.actions.find((x) => x.type === 'updateStatus')
  return a?.type === 'updateStatus' ? a.deployment : undefined
}
const conditionOf = (d: DeploymentObj | undefined, type: string) => ((d?.status?.conditions ?? []) as Cond[]).find((c) => c.type === type)

// ---- the world: the API server, the ReplicaSet controller and the pods, in miniature ----------

class World {
  rss: ReplicaSetObj[] = []
  /** ScalingReplicaSet messages, in order. */
  events: string[] = []
  seconds = 0
  passes = 0

  constructor(public d: DeploymentObj) {}

  rs(name: string): ReplicaSetObj {
    const rs = this.rss.find((x) => x.metadata.name === name)
    assert.ok(rs, `no ReplicaSet ${name}`)
    return rs
  }

  /** One sync of the Deployment, its writes applied, then the ReplicaSets catch up. */
  pass(): DeploymentPlan {
    const p = plan({ deployment: this.d, replicaSets: this.rss }, at(this.seconds))
    for (const a of p.actions) this.apply(a)
    this.settle()
    this.seconds += 1
    this.passes += 1
    return p
  }

  private apply(a: DeploymentAction): void {
    switch (a.type) {
      case 'createReplicaSet': {
        assert.ok(!this.rss.some((x) => x.metadata.name === a.rs.metadata.name), `create of existing ${a.rs.metadata.name}`)
        const rs = structuredClone(a.rs)
        const meta: ObjectMeta = rs.metadata
        meta.uid = `uid-${rs.metadata.name}`
        meta.creationTimestamp = iso(this.seconds)
        meta.generation = 1
        rs.status = { replicas: 0 }
        this.rss.push(rs)
        break
      }
      case 'updateReplicaSet': {
        const cur = this.rs(a.rs.metadata.name!)
        const next = structuredClone(a.rs)
        next.status = cur.status
        const meta: ObjectMeta = next.metadata
        meta.generation = (cur.metadata.generation ?? 1) + (JSON.stringify(cur.spec) === JSON.stringify(next.spec) ? 0 : 1)
        this.rss = this.rss.map((x) => (x === cur ? next : x))
        break
      }
      case 'deleteReplicaSet':
        this.rs(a.rs.metadata.name!)
        this.rss = this.rss.filter((x) => x.metadata.name !== a.rs.metadata.name)
        break
      case 'updateStatus':
        // Through /status, as upstream: the status and the revision annotation.
        this.d = { ...this.d, metadata: { ...this.d.metadata, annotations: structuredClone(a.deployment.metadata.annotations) }, status: structuredClone(a.deployment.status) }
        break
      case 'event':
        break
    }
    const event = a.type === 'event' ? a.event : 'event' in a ? a.event : undefined
    if (event?.reason === 'ScalingReplicaSet') this.events.push(event.message)
  }

  /** Pods follow spec.replicas at once; a scale-down removes not-ready pods first, so availability only drops to the new size. */
  settle(): void {
    for (const rs of this.rss) {
      const replicas = rs.spec!.replicas ?? 1
      const available = Math.min(rs.status?.availableReplicas ?? 0, replicas)
      rs.status = { ...rs.status, replicas, readyReplicas: available, availableReplicas: available, observedGeneration: rs.metadata.generation }
    }
  }

  /** `n` more pods of the ReplicaSet become ready and available. */
  makeAvailable(name: string, n = 1): void {
    const rs = this.rs(name)
    const available = Math.min((rs.status?.availableReplicas ?? 0) + n, rs.spec!.replicas ?? 1)
    rs.status = { ...rs.status, replicas: rs.status?.replicas ?? 0, readyReplicas: available, availableReplicas: available }
  }

  setTemplate(template: PodTemplate): void {
    this.d = { ...this.d, metadata: { ...this.d.metadata, generation: (this.d.metadata.generation ?? 1) + 1 }, spec: { ...this.d.spec!, template: structuredClone(template) as never } }
  }

  /**
   * Passes until nothing is left to do. While the controller waits (a pass writes no ReplicaSet),
   * one more pod becomes available, the newest ReplicaSet's first: pods start one at a time.
   */
  rollOut(check: () => void = () => {}, maxPasses = 200): void {
    for (let i = 0; i < maxPasses; i++) {
      const p = this.pass()
      check()
      if (p.actions.some((a) => a.type === 'createReplicaSet' || a.type === 'updateReplicaSet' || a.type === 'deleteReplicaSet')) continue
      const waiting = [...this.rss].reverse().find((rs) => (rs.status?.availableReplicas ?? 0) < (rs.spec!.replicas ?? 1))
      if (waiting) this.makeAvailable(waiting.metadata.name!)
      else if (p.actions.length === 0) return
    }
    assert.fail(`no steady state after ${maxPasses} passes; events: ${this.events.join('; ')}`)
  }
}

// ---- a new Deployment ------------------------------------------------------------------------

test('a fresh Deployment creates <name>-<hash> at full size with owner, hash label and selector, revision 1 and the replica annotations', () => {
  const d = deployment({ replicas: 3, image: 'bootcamp:v1' })
  const hash = templateHash(d.spec!.template)
  const name = `web-${hash}`
  const p = plan({ deployment: d, replicaSets: [] }, at(0))
  assert.deepEqual(kinds(p), ['createReplicaSet', 'updateStatus'])
  const create = p.actions[0]
  assert.equal(create.type, 'createReplicaSet')
  const labels = { app: 'web', [wellKnown.podTemplateHash]: hash }
  assert.deepEqual(create.rs, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      labels,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }],
      annotations: { [wellKnown.revision]: '1', [wellKnown.desiredReplicas]: '3', [wellKnown.maxReplicas]: '4' },
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'bootcamp:v1' }] } },
    },
  })
  assert.deepEqual(create.event, { type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set ${name} from 0 to 3` })

  const d2 = written(p)!
  assert.equal(d2.metadata.annotations?.[wellKnown.revision], '1')
  assert.deepEqual(d2.status, {
    observedGeneration: 1,
    unavailableReplicas: 3, // spec.replicas of the ReplicaSets less available ones: no pod exists yet
    conditions: [
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${name}"`, lastUpdateTime: iso(0), lastTransitionTime: iso(0) },
      { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: iso(0), lastTransitionTime: iso(0) },
    ],
  })
  // The deadline is 600 s from the Progressing condition; a second more for timer skew.
  assert.equal(p.requeueAfterMs, 601_000)
})

test('a fresh Deployment: minReadySeconds travels to the ReplicaSet, collisionCount changes the hash, 0 replicas records no event', () => {
  const d = deployment({ replicas: 2, minReadySeconds: 5, status: { collisionCount: 1 } })
  const p = plan({ deployment: d, replicaSets: [] }, at(0))
  const create = p.actions[0]
  assert.equal(create.type, 'createReplicaSet')
  assert.equal(create.rs.metadata.name, `web-${templateHash(d.spec!.template, 1)}`)
  assert.notEqual(create.rs.metadata.name, `web-${templateHash(d.spec!.template)}`)
  assert.equal(create.rs.spec!.minReadySeconds, 5)
  assert.equal(written(p)!.status!.collisionCount, 1)

  const none = plan({ deployment: deployment({ replicas: 0 }), replicaSets: [] }, at(0))
  assert.equal(none.actions[0].type, 'createReplicaSet')
  assert.equal(none.actions[0].type === 'createReplicaSet' && none.actions[0].rs.spec!.replicas, 0)
  assert.deepEqual(messages(none), [])
})

test('the plan is deterministic: the same observation gives the same actions', () => {
  const d = deployment({ replicas: 4, image: 'v2', generation: 2 })
  const old = ownedRS(d, 'web-old', { replicas: 4, image: 'v1', available: 4, revision: 1 })
  const obs = { deployment: d, replicaSets: [old] }
  assert.deepEqual(plan(obs, at(5)), plan(obs, at(5)))
})

// ---- the rolling update, pass by pass ---------------------------------------------------------

test('the seed: 4 replicas, defaults, set image → new to 1, old to 3, new to 2, old to 2, new to 3, old to 1, new to 4, old to 0', () => {
  const v1 = podTemplate('bootcamp:v1')
  const v2 = podTemplate('bootcamp:v2')
  const w = new World(deployment({ replicas: 4, template: v1 }))
  const oldName = `web-${templateHash(v1)}`
  const newName = `web-${templateHash(v2)}`
  w.rollOut()
  assert.deepEqual(w.events, [`Scaled up replica set ${oldName} from 0 to 4`])
  assert.equal(conditionOf(w.d, 'Progressing')?.reason, 'NewReplicaSetAvailable')

  w.events = []
  w.setTemplate(v2)
  // maxSurge 25% of 4 → 1 and maxUnavailable 25% → 1: never more than 5 pods, never fewer than 3 available.
  w.rollOut(() => {
    assert.ok(w.rss.reduce((n, rs) => n + rs.spec!.replicas!, 0) <= 5)
    assert.ok(w.rss.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0) >= 3)
  })
  assert.deepEqual(w.events, [
    `Scaled up replica set ${newName} from 0 to 1`,
    `Scaled down replica set ${oldName} from 4 to 3`,
    `Scaled up replica set ${newName} from 1 to 2`,
    `Scaled down replica set ${oldName} from 3 to 2`,
    `Scaled up replica set ${newName} from 2 to 3`,
    `Scaled down replica set ${oldName} from 2 to 1`,
    `Scaled up replica set ${newName} from 3 to 4`,
    `Scaled down replica set ${oldName} from 1 to 0`,
  ])
  assert.equal(w.rs(newName).spec!.replicas, 4)
  assert.equal(w.rs(newName).status!.availableReplicas, 4)
  assert.equal(w.rs(oldName).spec!.replicas, 0) // kept for rollback (revisionHistoryLimit 10)
  assert.equal(w.rs(newName).metadata.annotations![wellKnown.revision], '2')
  assert.equal(w.d.metadata.annotations![wellKnown.revision], '2')
  assert.deepEqual(
    ((w.d.status!.conditions ?? []) as Cond[]).map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${newName}" has successfully progressed.`],
    ],
  )
  assert.deepEqual(
    { replicas: w.d.status!.replicas, updatedReplicas: w.d.status!.updatedReplicas, readyReplicas: w.d.status!.readyReplicas, availableReplicas: w.d.status!.availableReplicas, observedGeneration: w.d.status!.observedGeneration },
    { replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4, observedGeneration: 2 },
  )
})

test('rollback to an old template re-uses its ReplicaSet: revision 3, revision-history 1, no new ReplicaSet', () => {
  const v1 = podTemplate('bootcamp:v1')
  const v2 = podTemplate('bootcamp:v2')
  const w = new World(deployment({ replicas: 4, template: v1 }))
  w.rollOut()
  w.setTemplate(v2)
  w.rollOut()
  const first = `web-${templateHash(v1)}`
  const second = `web-${templateHash(v2)}`
  w.events = []

  w.setTemplate(v1)
  const p = w.pass()
  assert.ok(!kinds(p).includes('createReplicaSet'))
  // First the annotations (revision 3, the old revision kept in history), then the scale-up.
  const [annotate, scaleUp] = p.actions
  assert.equal(annotate.type, 'updateReplicaSet')
  assert.equal(annotate.rs.metadata.name, first)
  assert.equal(annotate.rs.spec!.replicas, 0)
  assert.equal(annotate.rs.metadata.annotations![wellKnown.revision], '3')
  assert.equal(annotate.rs.metadata.annotations![wellKnown.revisionHistory], '1')
  assert.equal(annotate.event, undefined)
  assert.equal(scaleUp.type, 'updateReplicaSet')
  assert.equal(scaleUp.rs.spec!.replicas, 1)

  w.rollOut()
  assert.deepEqual(w.events, [
    `Scaled up replica set ${first} from 0 to 1`,
    `Scaled down replica set ${second} from 4 to 3`,
    `Scaled up replica set ${first} from 1 to 2`,
    `Scaled down replica set ${second} from 3 to 2`,
    `Scaled up replica set ${first} from 2 to 3`,
    `Scaled down replica set ${second} from 2 to 1`,
    `Scaled up replica set ${first} from 3 to 4`,
    `Scaled down replica set ${second} from 1 to 0`,
  ])
  assert.equal(w.rss.length, 2)
  assert.equal(w.d.metadata.annotations![wellKnown.revision], '3')
  assert.equal(w.rs(first).metadata.annotations![wellKnown.revision], '3')
  assert.equal(w.rs(first).metadata.annotations![wellKnown.revisionHistory], '1')
  assert.equal(w.rs(second).metadata.annotations![wellKnown.revision], '2')
})

test("the Deployment's own annotations travel to the new ReplicaSet; minReadySeconds is kept in step", () => {
  const d = deployment({ replicas: 2, annotations: { [wellKnown.changeCause]: 'set image', [wellKnown.lastAppliedConfig]: '{}' }, minReadySeconds: 10 })
  const rs = ownedRS(d, 'web-abc', { replicas: 2, available: 2, revision: 1 })
  const p = plan({ deployment: d, replicaSets: [rs] }, at(0))
  const update = p.actions[0]
  assert.equal(update.type, 'updateReplicaSet')
  assert.equal(update.rs.metadata.annotations![wellKnown.changeCause], 'set image')
  assert.equal(update.rs.metadata.annotations![wellKnown.lastAppliedConfig], undefined)
  assert.equal(update.rs.spec!.minReadySeconds, 10)
})

// ---- upstream rolling_test.go -----------------------------------------------------------------

/** Upstream's fixtures: selector foo=bar, an old and a new ReplicaSet, both sized for `replicas` already. */
function rolling(replicas: number, ms: IntOrString, mu: IntOrString, olds: { name: string; replicas: number; available?: number }[], fresh?: { replicas: number; available?: number }) {
  const d = deployment({ replicas, maxSurge: ms, maxUnavailable: mu, template: podTemplate('foo/bar', { foo: 'bar' }) })
  const rss = olds.map((o, i) => ownedRS(d, o.name, { replicas: o.replicas, available: o.available, image: `foo/bar:old-${i}`, revision: i + 1, created: iso(-600 + i) }))
  if (fresh) rss.push(ownedRS(d, 'foo-new', { replicas: fresh.replicas, available: fresh.available, revision: olds.length + 1, created: iso(-1) }))
  return { d, rss, p: plan({ deployment: d, replicaSets: rss }, at(0)) }
}

/** The sizes a ReplicaSet is scaled to in one pass, in order. */
const stepsOf = (p: DeploymentPlan, name: string) => p.actions.flatMap((a) => (a.type === 'updateReplicaSet' && a.rs.metadata.name === name ? [a.rs.spec!.replicas!] : []))

test('reconcileNewReplicaSet (upstream TestDeploymentController_reconcileNewReplicaSet)', async (t) => {
  const cases: { name: string; deploymentReplicas: number; maxSurge: number; oldReplicas: number; newReplicas: number; scaleExpected: boolean; expectedNewReplicas?: number }[] = [
    { name: 'should not scale up: no surge', deploymentReplicas: 10, maxSurge: 0, oldReplicas: 10, newReplicas: 0, scaleExpected: false },
    { name: 'scale up by the surge', deploymentReplicas: 10, maxSurge: 2, oldReplicas: 10, newReplicas: 0, scaleExpected: true, expectedNewReplicas: 2 },
    { name: 'scale up to the surge over the old pods', deploymentReplicas: 10, maxSurge: 2, oldReplicas: 5, newReplicas: 0, scaleExpected: true, expectedNewReplicas: 7 },
    { name: 'surge used up', deploymentReplicas: 10, maxSurge: 2, oldReplicas: 10, newReplicas: 2, scaleExpected: false },
    { name: 'should scale down', deploymentReplicas: 10, maxSurge: 2, oldReplicas: 2, newReplicas: 11, scaleExpected: true, expectedNewReplicas: 10 },
  ]
  for (const [i, c] of cases.entries()) {
    await t.test(`scenario ${i}: ${c.name}`, () => {
      const { p } = rolling(c.deploymentReplicas, c.maxSurge, 0, [{ name: 'foo-old', replicas: c.oldReplicas }], { replicas: c.newReplicas })
      const steps = stepsOf(p, 'foo-new')
      if (!c.scaleExpected) return assert.deepEqual(steps, [])
      assert.deepEqual(steps, [c.expectedNewReplicas])
      // Scaling the new ReplicaSet ends the pass's scaling: the old one waits for the next.
      assert.deepEqual(stepsOf(p, 'foo-old'), [])
    })
  }
})

test('reconcileOldReplicaSets (upstream TestDeploymentController_reconcileOldReplicaSets)', async (t) => {
  const cases: { name: string; deploymentReplicas: number; maxUnavailable: number; oldReplicas: number; newReplicas: number; readyPodsFromOldRS: number; readyPodsFromNewRS: number; scaleExpected: boolean; expectedOldReplicas?: number }[] = [
    { name: 'scale down by one (maxUnavailable 0 becomes 1)', deploymentReplicas: 10, maxUnavailable: 0, oldReplicas: 10, newReplicas: 0, readyPodsFromOldRS: 10, readyPodsFromNewRS: 0, scaleExpected: true, expectedOldReplicas: 9 },
    { name: 'scale down by maxUnavailable', deploymentReplicas: 10, maxUnavailable: 2, oldReplicas: 10, newReplicas: 0, readyPodsFromOldRS: 10, readyPodsFromNewRS: 0, scaleExpected: true, expectedOldReplicas: 8 },
    { name: 'expect unhealthy replicas from old replica sets been cleaned up', deploymentReplicas: 10, maxUnavailable: 2, oldReplicas: 10, newReplicas: 0, readyPodsFromOldRS: 8, readyPodsFromNewRS: 0, scaleExpected: true, expectedOldReplicas: 8 },
    {
      name: 'expect 1 unhealthy replica from old replica sets been cleaned up, and 1 ready pod been scaled down',
      deploymentReplicas: 10,
      maxUnavailable: 2,
      oldReplicas: 10,
      newReplicas: 0,
      readyPodsFromOldRS: 9,
      readyPodsFromNewRS: 0,
      scaleExpected: true,
      expectedOldReplicas: 8,
    },
    { name: 'the unavailable pods from the newRS would not make us scale down old RSs in a further step', deploymentReplicas: 10, maxUnavailable: 2, oldReplicas: 8, newReplicas: 2, readyPodsFromOldRS: 8, readyPodsFromNewRS: 0, scaleExpected: false },
  ]
  for (const [i, c] of cases.entries()) {
    await t.test(`scenario ${i}: ${c.name}`, () => {
      const { p, rss } = rolling(c.deploymentReplicas, 0, c.maxUnavailable, [{ name: 'foo-old', replicas: c.oldReplicas, available: c.readyPodsFromOldRS }], { replicas: c.newReplicas, available: c.readyPodsFromNewRS })
      assert.deepEqual(stepsOf(p, 'foo-new'), [])
      assert.equal(updated(p).includes('foo-old'), c.scaleExpected)
      if (c.scaleExpected) assert.equal(sizesAfter(p, rss)['foo-old'], c.expectedOldReplicas)
    })
  }
})

test('cleanupUnhealthyReplicas (upstream TestDeploymentController_cleanupUnhealthyReplicas)', async (t) => {
  // 10 replicas, maxSurge 2, and a new ReplicaSet of 2 pods none of which is available: 12 pods,
  // the new ReplicaSet cannot grow, and the most that may go is maxUnavailable — upstream's
  // maxCleanupCount. The first step is the clean-up of unhealthy old replicas; `steps` also
  // shows the ordinary scale-down that may follow it in the same pass.
  const cases: { oldReplicas: number; readyPods: number; unHealthyPods: number; maxCleanupCount: number; cleanupCountExpected: number; steps: number[] }[] = [
    { oldReplicas: 10, readyPods: 8, unHealthyPods: 2, maxCleanupCount: 1, cleanupCountExpected: 1, steps: [9] },
    { oldReplicas: 10, readyPods: 8, unHealthyPods: 2, maxCleanupCount: 3, cleanupCountExpected: 2, steps: [8, 7] },
    { oldReplicas: 10, readyPods: 8, unHealthyPods: 2, maxCleanupCount: 0, cleanupCountExpected: 0, steps: [] },
    { oldReplicas: 10, readyPods: 10, unHealthyPods: 0, maxCleanupCount: 3, cleanupCountExpected: 0, steps: [7] },
  ]
  for (const [i, c] of cases.entries()) {
    await t.test(`scenario ${i}: ${c.unHealthyPods} unhealthy, at most ${c.maxCleanupCount} → ${c.cleanupCountExpected} cleaned up`, () => {
      const { p } = rolling(10, 2, c.maxCleanupCount, [{ name: 'foo-old', replicas: c.oldReplicas, available: c.readyPods }], { replicas: 2, available: 0 })
      const steps = stepsOf(p, 'foo-old')
      assert.deepEqual(steps, c.steps)
      if (c.cleanupCountExpected > 0) assert.equal(steps[0], c.oldReplicas - c.cleanupCountExpected)
    })
  }
})

test('an old ReplicaSet whose status still counts pods it is shedding is never scaled back up (maxSurge 100%, maxUnavailable 0)', () => {
  // Old was just scaled 2 → 1 but its status still says 2 available; the new one is complete.
  const { p } = rolling(3, '100%', 0, [{ name: 'foo-old', replicas: 1, available: 2 }], { replicas: 3, available: 3 })
  assert.deepEqual(stepsOf(p, 'foo-old'), [], 'no step until the status catches up (upstream: "invalid request to scale down")')
  const next = rolling(3, '100%', 0, [{ name: 'foo-old', replicas: 1, available: 1 }], { replicas: 3, available: 3 })
  assert.deepEqual(stepsOf(next.p, 'foo-old'), [0])
})

test('scaleDownOldReplicaSetsForRollingUpdate (upstream TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate)', async (t) => {
  // Upstream calls the helper alone with the old ReplicaSet only; here the whole pass runs, which
  // first creates the new ReplicaSet (empty: the old pods fill all 10 places, surge 0) and cleans
  // up unhealthy old replicas. Where upstream
  // expects no scale-down (8 or 1 ready of 10), the only step is that clean-up, bounded by
  // maxUnavailable: the helper itself scales nothing more.
  const cases: { deploymentReplicas: number; maxUnavailable: number; readyPods: number; oldReplicas: number; scaleExpected: boolean; expectedOldReplicas?: number; cleanup?: number[] }[] = [
    { deploymentReplicas: 10, maxUnavailable: 0, readyPods: 10, oldReplicas: 10, scaleExpected: true, expectedOldReplicas: 9 },
    { deploymentReplicas: 10, maxUnavailable: 2, readyPods: 10, oldReplicas: 10, scaleExpected: true, expectedOldReplicas: 8 },
    { deploymentReplicas: 10, maxUnavailable: 2, readyPods: 8, oldReplicas: 10, scaleExpected: false, cleanup: [8] },
    { deploymentReplicas: 10, maxUnavailable: 2, readyPods: 10, oldReplicas: 0, scaleExpected: false, cleanup: [] },
    { deploymentReplicas: 10, maxUnavailable: 2, readyPods: 1, oldReplicas: 10, scaleExpected: false, cleanup: [8] },
  ]
  for (const [i, c] of cases.entries()) {
    await t.test(`scenario ${i}`, () => {
      const { p } = rolling(c.deploymentReplicas, 0, c.maxUnavailable, [{ name: 'foo-v2', replicas: c.oldReplicas, available: c.readyPods }])
      assert.equal(p.actions[0].type, 'createReplicaSet')
      const steps = stepsOf(p, 'foo-v2')
      if (c.scaleExpected) assert.deepEqual(steps, [c.expectedOldReplicas])
      else assert.deepEqual(steps, c.cleanup)
    })
  }
})

// ---- upstream sync_test.go TestScale: proportional scaling -------------------------------------

const newTimestamp = '2016-05-20T02:00:00Z'
const oldTimestamp = '2016-05-20T01:00:00Z'
const olderTimestamp = '2016-05-20T00:00:00Z'

interface ScaleCase {
  name: string
  replicas: number
  oldReplicas: number
  maxSurge?: number
  maxUnavailable?: number
  oldMaxSurge?: number
  updatedTemplate?: boolean
  newRS?: [string, number, string]
  newAvailable?: number
  oldRSs: [string, number, string][]
  expectedNew?: number
  expectedOld: number[]
  wasntUpdated?: string[]
  desiredReplicasAnnotations?: Record<string, number>
}

const scaleCases: ScaleCase[] = [
  { name: 'normal scaling event: 10 -> 12', replicas: 12, oldReplicas: 10, newRS: ['foo-v1', 10, newTimestamp], oldRSs: [], expectedNew: 12, expectedOld: [] },
  { name: 'normal scaling event: 10 -> 5', replicas: 5, oldReplicas: 10, newRS: ['foo-v1', 10, newTimestamp], oldRSs: [], expectedNew: 5, expectedOld: [] },
  { name: 'proportional scaling: 5 -> 10', replicas: 10, oldReplicas: 5, newRS: ['foo-v2', 2, newTimestamp], oldRSs: [['foo-v1', 3, oldTimestamp]], expectedNew: 4, expectedOld: [6] },
  { name: 'proportional scaling: 5 -> 3', replicas: 3, oldReplicas: 5, newRS: ['foo-v2', 2, newTimestamp], oldRSs: [['foo-v1', 3, oldTimestamp]], expectedNew: 1, expectedOld: [2] },
  { name: 'proportional scaling: 9 -> 4', replicas: 4, oldReplicas: 9, newRS: ['foo-v2', 8, newTimestamp], oldRSs: [['foo-v1', 1, oldTimestamp]], expectedNew: 4, expectedOld: [0] },
  {
    name: 'proportional scaling: 7 -> 10',
    replicas: 10,
    oldReplicas: 7,
    newRS: ['foo-v3', 2, newTimestamp],
    oldRSs: [
      ['foo-v2', 3, oldTimestamp],
      ['foo-v1', 2, olderTimestamp],
    ],
    expectedNew: 3,
    expectedOld: [4, 3],
  },
  {
    name: 'proportional scaling: 13 -> 8',
    replicas: 8,
    oldReplicas: 13,
    newRS: ['foo-v3', 2, newTimestamp],
    oldRSs: [
      ['foo-v2', 8, oldTimestamp],
      ['foo-v1', 3, olderTimestamp],
    ],
    expectedNew: 1,
    expectedOld: [5, 2],
  },
  // Scales up the new replica set.
  {
    name: 'leftover distribution: 3 -> 4',
    replicas: 4,
    oldReplicas: 3,
    newRS: ['foo-v3', 1, newTimestamp],
    oldRSs: [
      ['foo-v2', 1, oldTimestamp],
      ['foo-v1', 1, olderTimestamp],
    ],
    expectedNew: 2,
    expectedOld: [1, 1],
  },
  // Scales down the older replica set.
  {
    name: 'leftover distribution: 3 -> 2',
    replicas: 2,
    oldReplicas: 3,
    newRS: ['foo-v3', 1, newTimestamp],
    oldRSs: [
      ['foo-v2', 1, oldTimestamp],
      ['foo-v1', 1, olderTimestamp],
    ],
    expectedNew: 1,
    expectedOld: [1, 0],
  },
  // Scales up the latest replica set first.
  {
    name: 'proportional scaling (no new rs): 4 -> 5',
    replicas: 5,
    oldReplicas: 4,
    oldRSs: [
      ['foo-v2', 2, oldTimestamp],
      ['foo-v1', 2, olderTimestamp],
    ],
    expectedOld: [3, 2],
  },
  // Scales down to zero
  {
    name: 'proportional scaling: 6 -> 0',
    replicas: 0,
    oldReplicas: 6,
    newRS: ['foo-v3', 3, newTimestamp],
    oldRSs: [
      ['foo-v2', 2, oldTimestamp],
      ['foo-v1', 1, olderTimestamp],
    ],
    expectedNew: 0,
    expectedOld: [0, 0],
  },
  // Scales up from zero
  {
    name: 'proportional scaling: 0 -> 6',
    replicas: 6,
    oldReplicas: 6,
    newRS: ['foo-v3', 0, newTimestamp],
    oldRSs: [
      ['foo-v2', 0, oldTimestamp],
      ['foo-v1', 0, olderTimestamp],
    ],
    expectedNew: 6,
    expectedOld: [0, 0],
    wasntUpdated: ['foo-v2', 'foo-v1'],
  },
  // deployment.spec.replicas == 3 (foo-v1, foo-v2, foo-v3 at 1 each), scaled to 5; foo-v2 was
  // sized for 3 when its update failed, so only it grows now.
  {
    name: 'failed rs update',
    replicas: 5,
    oldReplicas: 5,
    newRS: ['foo-v3', 2, newTimestamp],
    oldRSs: [
      ['foo-v2', 1, oldTimestamp],
      ['foo-v1', 1, olderTimestamp],
    ],
    expectedNew: 2,
    expectedOld: [2, 1],
    wasntUpdated: ['foo-v3', 'foo-v1'],
    desiredReplicasAnnotations: { 'foo-v2': 3 },
  },
  { name: 'deployment with surge pods', replicas: 20, oldReplicas: 10, maxSurge: 2, oldMaxSurge: 2, newRS: ['foo-v2', 6, newTimestamp], oldRSs: [['foo-v1', 6, oldTimestamp]], expectedNew: 11, expectedOld: [11] },
  { name: 'change both surge and size', replicas: 50, oldReplicas: 10, maxSurge: 6, oldMaxSurge: 3, newRS: ['foo-v2', 5, newTimestamp], oldRSs: [['foo-v1', 8, oldTimestamp]], expectedNew: 22, expectedOld: [34] },
  {
    name: 'change both size and template',
    replicas: 14,
    oldReplicas: 10,
    updatedTemplate: true,
    oldRSs: [
      ['foo-v2', 7, newTimestamp],
      ['foo-v1', 3, oldTimestamp],
    ],
    expectedOld: [10, 4],
  },
  {
    name: 'saturated but broken new replica set does not affect old pods',
    replicas: 2,
    oldReplicas: 2,
    maxSurge: 1,
    maxUnavailable: 1,
    oldMaxSurge: 1,
    newRS: ['foo-v2', 2, newTimestamp],
    newAvailable: 0,
    oldRSs: [['foo-v1', 1, oldTimestamp]],
    expectedNew: 2,
    expectedOld: [1],
  },
]

test('scale (upstream TestScale)', async (t) => {
  for (const c of scaleCases) {
    await t.test(c.name, () => {
      const labels: Record<string, string> = c.updatedTemplate ? { foo: 'bar', another: 'label' } : { foo: 'bar' }
      // newDeployment: maxSurge and maxUnavailable 0 unless given.
      const d = deployment({ replicas: c.replicas, maxSurge: c.maxSurge ?? 0, maxUnavailable: c.maxUnavailable ?? 0, template: podTemplate('foo/bar', labels), selector: { matchLabels: { foo: 'bar' } } })
      const oldSurge = c.oldMaxSurge ?? 0
      const make = ([name, replicas, created]: [string, number, string], template: PodTemplate, revision: number, available?: number) => {
        const desired = c.desiredReplicasAnnotations?.[name] ?? c.oldReplicas
        return ownedRS(d, name, { replicas, template, created, revision, desired, max: desired + oldSurge, available })
      }
      const olds = c.oldRSs.map((o, i) => make(o, podTemplate(`foo/bar:${o[0]}`, { foo: 'bar' }), c.oldRSs.length - i))
      const rss = c.newRS ? [...olds, make(c.newRS, d.spec!.template as PodTemplate, c.oldRSs.length + 1, c.newAvailable)] : olds
      const p = plan({ deployment: d, replicaSets: rss }, at(0))
      assert.ok(!kinds(p).includes('createReplicaSet'))
      const sizes = sizesAfter(p, rss)
      if (c.newRS) assert.equal(sizes[c.newRS[0]], c.expectedNew, 'new')
      assert.deepEqual(
        c.oldRSs.map(([name]) => sizes[name]),
        c.expectedOld,
        'old',
      )
      for (const name of c.wasntUpdated ?? []) assert.ok(!updated(p).includes(name), `${name} updated`)
      // Every ReplicaSet written is sized for the new replica count now.
      for (const a of p.actions) if (a.type === 'updateReplicaSet') assert.equal(a.rs.metadata.annotations![wellKnown.desiredReplicas], String(c.replicas))
    })
  }
})

test('scale: events say up or down for the whole resize, largest ReplicaSet first', () => {
  const c = scaleCases.find((x) => x.name === 'proportional scaling: 5 -> 10')!
  const d = deployment({ replicas: c.replicas, maxSurge: 0, maxUnavailable: 0, template: podTemplate('foo/bar', { foo: 'bar' }) })
  const rss = [ownedRS(d, 'foo-v1', { replicas: 3, image: 'foo/bar:1', desired: 5, max: 5, revision: 1 }), ownedRS(d, 'foo-v2', { replicas: 2, desired: 5, max: 5, revision: 2 })]
  assert.deepEqual(messages(plan({ deployment: d, replicaSets: rss }, at(0))), ['Scaled up replica set foo-v1 from 3 to 6', 'Scaled up replica set foo-v2 from 2 to 4'])
})

test('scale mid-rollout: 10 as 8 old + 5 new (surge 3), scaled to 15 (max 18) adds old +3, new +2', () => {
  const d = deployment({ replicas: 15, maxSurge: 3, maxUnavailable: 2, image: 'v2' })
  const old = ownedRS(d, 'web-old', { replicas: 8, image: 'v1', available: 8, desired: 10, max: 13, revision: 1 })
  const fresh = ownedRS(d, 'web-new', { replicas: 5, available: 0, desired: 10, max: 13, revision: 2 })
  const p = plan({ deployment: d, replicaSets: [old, fresh] }, at(0))
  assert.deepEqual(sizesAfter(p, [old, fresh]), { 'web-old': 11, 'web-new': 7 })
  // The same while paused: scaling is not rolling out.
  const paused = plan({ deployment: { ...d, spec: { ...d.spec!, paused: true } }, replicaSets: [old, fresh] }, at(0))
  assert.deepEqual(sizesAfter(paused, [old, fresh]), { 'web-old': 11, 'web-new': 7 })
})

test('a resize that moves no pods still ends the scaling event: the replica annotations are written at the same size', () => {
  // 9 replicas mid-rollout as 3 old + 9 new (surge 4: 13 allowed), then resized to 8: 8 + 4 = 12
  // pods are allowed and 12 exist, so nothing moves, but both ReplicaSets are now sized for 8.
  const d = deployment({ replicas: 8, maxSurge: 4, maxUnavailable: 0, image: 'v2', generation: 3 })
  const old = ownedRS(d, 'web-old', { replicas: 3, image: 'v1', available: 2, desired: 9, max: 13, revision: 1 })
  const fresh = ownedRS(d, 'web-new', { replicas: 9, available: 2, desired: 9, max: 13, revision: 2 })
  const p = plan({ deployment: d, replicaSets: [old, fresh] }, at(0))
  assert.deepEqual(messages(p), [])
  const writes = p.actions.flatMap((a) => (a.type === 'updateReplicaSet' ? [[a.rs.metadata.name, a.rs.spec!.replicas, a.rs.metadata.annotations![wellKnown.desiredReplicas], a.rs.metadata.annotations![wellKnown.maxReplicas]]] : []))
  assert.deepEqual(writes, [
    ['web-old', 3, '8', '12'],
    ['web-new', 9, '8', '12'],
  ])
  // So the next pass rolls on instead of seeing the same scaling event again.
  const next = plan({ deployment: d, replicaSets: p.actions.flatMap((a) => (a.type === 'updateReplicaSet' ? [a.rs] : [])) }, at(1))
  assert.deepEqual(messages(next), ['Scaled down replica set web-new from 9 to 8'])
})

test('one active ReplicaSet at the right size but sized for another count gets its annotations, so the rollout resumes (upstream 1.32 wedges here: kubernetes/kubernetes#138036)', () => {
  // Reached by resizing mid-rollout (1 → 4 → 1 → 2 with maxSurge 1%): the old ReplicaSet holds
  // all 2 pods but says 1. Upstream never writes the annotation, the Deployment stays a scaling
  // event and the new template never rolls out; we write it, and the next pass rolls.
  const d = deployment({ replicas: 2, maxSurge: '1%', maxUnavailable: '0%', image: 'v2', generation: 5, annotations: { [wellKnown.revision]: '2' } })
  const old = ownedRS(d, 'web-old', { replicas: 2, image: 'v1', available: 2, desired: 1, max: 2, revision: 1 })
  const fresh = ownedRS(d, 'web-new', { replicas: 0, desired: 1, max: 2, revision: 2 })
  const p = plan({ deployment: d, replicaSets: [old, fresh] }, at(0))
  const writes = p.actions.filter((a) => a.type === 'updateReplicaSet')
  assert.equal(writes.length, 1)
  const w = writes[0] as { rs: ReplicaSetObj; event?: unknown }
  assert.equal(w.rs.metadata.name, 'web-old')
  assert.equal(w.rs.spec!.replicas, 2)
  assert.equal(w.rs.metadata.annotations![wellKnown.desiredReplicas], '2')
  assert.equal(w.event, undefined, 'no size change, no event')
  const next = plan({ deployment: d, replicaSets: [w.rs, fresh] }, at(1))
  assert.ok(next.actions.some((a) => a.type === 'updateReplicaSet' && a.rs.metadata.name === 'web-new' && a.rs.spec!.replicas! > 0), 'the rollout resumes')
})

// ---- Recreate -------------------------------------------------------------------------------

function pod(name: string, rs: ReplicaSetObj, phase: string): PodObj {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name!, uid: rs.metadata.uid!, controller: true }] }, status: { phase } } as PodObj
}

test('Recreate: old ReplicaSets to 0, wait while their pods exist, then the new one at full size', () => {
  const d = deployment({ strategy: 'Recreate', replicas: 3, image: 'v2', generation: 2 })
  const old = ownedRS(d, 'web-old', { replicas: 3, image: 'v1', available: 3, revision: 1 })
  const running = new Map([[old.metadata.uid!, [pod('a', old, 'Running'), pod('b', old, 'Running'), pod('c', old, 'Pending')]]])

  const p1 = plan({ deployment: d, replicaSets: [old], podsByReplicaSet: running }, at(0))
  assert.deepEqual(
    p1.actions.filter((a) => a.type !== 'updateStatus').map((a) => [a.type, 'rs' in a ? a.rs.spec!.replicas : undefined]),
    [['updateReplicaSet', 0]],
  )
  assert.deepEqual(messages(p1), ['Scaled down replica set web-old from 3 to 0'])

  // Scaled to 0 but not yet observed (status.replicas 3): wait.
  const scaledDown = { ...old, spec: { ...old.spec!, replicas: 0 } }
  const p2 = plan({ deployment: d, replicaSets: [scaledDown], podsByReplicaSet: running }, at(1))
  assert.deepEqual(kinds(p2).filter((k) => k !== 'updateStatus'), [])
  // Observed, but the pods are still terminating: wait.
  const observed = { ...scaledDown, status: { replicas: 0, observedGeneration: 2 } }
  const p3 = plan({ deployment: d, replicaSets: [observed], podsByReplicaSet: running }, at(2))
  assert.deepEqual(kinds(p3).filter((k) => k !== 'updateStatus'), [])

  // Only finished pods left (they no longer run): the new ReplicaSet, straight to 3.
  for (const pods of [new Map<string, PodObj[]>(), new Map([[old.metadata.uid!, [pod('a', old, 'Succeeded'), pod('b', old, 'Failed')]]])]) {
    const p4 = plan({ deployment: d, replicaSets: [observed], podsByReplicaSet: pods }, at(3))
    const create = p4.actions[0]
    assert.equal(create.type, 'createReplicaSet')
    const name = `web-${templateHash(d.spec!.template)}`
    assert.equal(create.rs.metadata.name, name)
    assert.equal(create.rs.spec!.replicas, 3)
    assert.equal(create.rs.metadata.annotations![wellKnown.maxReplicas], '3') // Recreate has no surge
    assert.equal(create.rs.metadata.annotations![wellKnown.revision], '2')
    assert.deepEqual(messages(p4), [`Scaled up replica set ${name} from 0 to 3`])
  }
})

test('Recreate: pods of the new ReplicaSet do not hold it back; an existing new ReplicaSet is scaled straight to full size', () => {
  const d = deployment({ strategy: 'Recreate', replicas: 3, image: 'v2', generation: 2 })
  const old = ownedRS(d, 'web-old', { replicas: 0, image: 'v1', revision: 1 })
  const fresh = ownedRS(d, 'web-new', { replicas: 1, revision: 2 })
  const pods = new Map([[fresh.metadata.uid!, [pod('n', fresh, 'Running')]]])
  const p = plan({ deployment: d, replicaSets: [old, fresh], podsByReplicaSet: pods }, at(0))
  assert.deepEqual(messages(p), ['Scaled up replica set web-new from 1 to 3'])
})

// ---- paused, deleting, empty selector ------------------------------------------------------------

test('paused: Progressing Unknown DeploymentPaused and no rollout; resumed: DeploymentResumed', () => {
  const d = deployment({ replicas: 3, image: 'v2', generation: 2, paused: true })
  const old = ownedRS(d, 'web-old', { replicas: 3, image: 'v1', available: 3, revision: 1 })
  const p = plan({ deployment: d, replicaSets: [old] }, at(0))
  assert.deepEqual(kinds(p), ['updateStatus'])
  const progressing = conditionOf(written(p), 'Progressing')
  assert.deepEqual(progressing, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused', lastUpdateTime: iso(0), lastTransitionTime: iso(0) })
  assert.equal(p.requeueAfterMs, undefined) // no deadline while paused

  // A paused Deployment past its deadline is not timed out.
  const stale = { ...d, status: { ...written(p)!.status, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: iso(-10_000), lastTransitionTime: iso(-10_000) }] } } as DeploymentObj
  assert.equal(conditionOf(written(plan({ deployment: stale, replicaSets: [old] }, at(0))), 'Progressing')?.reason, 'DeploymentPaused')

  // Resumed mid-rollout with nothing else to do (no pod became available meanwhile): DeploymentResumed.
  const pausedCond = { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused', lastUpdateTime: iso(0), lastTransitionTime: iso(0) }
  const counts = { observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1 }
  const mid = deployment({ replicas: 3, image: 'v2', generation: 2, maxSurge: 0, maxUnavailable: 1, annotations: { [wellKnown.revision]: '2' }, status: { ...counts, conditions: [pausedCond] } })
  const oldMid = ownedRS(mid, 'web-old', { replicas: 2, image: 'v1', available: 2, revision: 1 })
  const fresh = ownedRS(mid, 'web-new', { replicas: 1, available: 0, revision: 2 })
  const r = plan({ deployment: mid, replicaSets: [oldMid, fresh] }, at(5))
  assert.deepEqual(kinds(r), ['updateStatus'])
  assert.equal(conditionOf(written(r), 'Available')?.status, 'True')
  assert.deepEqual(conditionOf(written(r), 'Progressing'), { type: 'Progressing', status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed', lastUpdateTime: iso(5), lastTransitionTime: iso(0) })
})

test('a Deployment being deleted only has its status synced', () => {
  const d = deployment({ replicas: 3, image: 'v2', generation: 2 })
  d.metadata = { ...d.metadata, deletionTimestamp: iso(-1) }
  const old = ownedRS(d, 'web-old', { replicas: 3, image: 'v1', available: 3, revision: 1 })
  const p = plan({ deployment: d, replicaSets: [old] }, at(0))
  assert.deepEqual(kinds(p), ['updateStatus'])
  assert.equal(written(p)!.status!.observedGeneration, 2)
})

test("an empty selector: Warning SelectingAll, observedGeneration caught up, nothing else (upstream TestDontSyncDeploymentsWithEmptyPodSelector)", () => {
  const d = deployment({ replicas: 1, selector: {}, generation: 2, status: { observedGeneration: 1 } })
  const p = plan({ deployment: d, replicaSets: [] }, at(0))
  assert.deepEqual(p.actions[0], { type: 'event', event: { type: 'Warning', reason: 'SelectingAll', message: 'This deployment is selecting all pods. A non-empty selector is required.' } })
  assert.deepEqual(kinds(p), ['event', 'updateStatus'])
  assert.equal(written(p)!.status!.observedGeneration, 2)
  const again = plan({ deployment: { ...d, status: { observedGeneration: 2 } }, replicaSets: [] }, at(0))
  assert.deepEqual(kinds(again), ['event'])
})

// ---- revision history clean-up (upstream TestDeploymentController_cleanupDeployment[Order]) ------

/**
 * Upstream calls cleanupDeployment directly. Here a paused Deployment (sync cleans up while paused)
 * with a saturated new ReplicaSet runs the same code on the old ReplicaSets as observed.
 */
function cleanup(olds: ReplicaSetObj[], revisionHistoryLimit: number): string[] {
  const d = deployment({ replicas: 1, paused: true, revisionHistoryLimit, template: podTemplate('foo/bar', { foo: 'bar' }) })
  const fresh = ownedRS(d, 'foo-new', { replicas: 1, available: 1, revision: 100, created: iso(3600) })
  const owned = olds.map((rs) => ({ ...rs, metadata: { ...rs.metadata, ownerReferences: fresh.metadata.ownerReferences } }))
  return deleted(plan({ deployment: d, replicaSets: [...owned, fresh] }, at(0))).sort()
}

function oldRS(name: string, specReplicas: number, statusReplicas: number, extra: { revision?: string; created?: string; deleting?: boolean } = {}): ReplicaSetObj {
  const d = deployment({ template: podTemplate('foo/bar', { foo: 'bar' }) })
  const rs = ownedRS(d, name, { replicas: specReplicas, statusReplicas, image: `foo/bar:${name}`, created: extra.created ?? '2016-05-20T00:00:00Z', deleting: extra.deleting, noReplicaAnnotations: true })
  if (extra.revision) rs.metadata.annotations![wellKnown.revision] = extra.revision
  return rs
}

test('cleanupDeployment (upstream TestDeploymentController_cleanupDeployment)', async (t) => {
  const cases: { name: string; oldRSs: ReplicaSetObj[]; revisionHistoryLimit: number; expectedDeletions: number }[] = [
    { name: 'scenario 0: three empty, limit 1', oldRSs: [oldRS('foo-1', 0, 0), oldRS('foo-2', 0, 0), oldRS('foo-3', 0, 0)], revisionHistoryLimit: 1, expectedDeletions: 2 },
    {
      // Only delete the replica set with Spec.Replicas = Status.Replicas = 0.
      name: 'scenario 1: only delete the replica set with Spec.Replicas = Status.Replicas = 0',
      oldRSs: [oldRS('foo-1', 0, 0), oldRS('foo-2', 0, 1), oldRS('foo-3', 1, 0), oldRS('foo-4', 1, 1)],
      revisionHistoryLimit: 0,
      expectedDeletions: 1,
    },
    { name: 'scenario 2: two empty, limit 0', oldRSs: [oldRS('foo-1', 0, 0), oldRS('foo-2', 0, 0)], revisionHistoryLimit: 0, expectedDeletions: 2 },
    { name: 'scenario 3: two running, limit 0', oldRSs: [oldRS('foo-1', 1, 1), oldRS('foo-2', 1, 1)], revisionHistoryLimit: 0, expectedDeletions: 0 },
    { name: 'scenario 4: already being deleted', oldRSs: [oldRS('foo-1', 0, 0, { deleting: true })], revisionHistoryLimit: 0, expectedDeletions: 0 },
    // Not upstream's: a spec change its controller has not seen yet (generation > observedGeneration) waits.
    { name: 'a newer generation not yet observed', oldRSs: [{ ...oldRS('foo-1', 0, 0), metadata: { ...oldRS('foo-1', 0, 0).metadata, generation: 2 } }], revisionHistoryLimit: 0, expectedDeletions: 0 },
    // with unlimited revisionHistoryLimit
    { name: 'scenario 5: with unlimited revisionHistoryLimit', oldRSs: [oldRS('foo-1', 0, 0), oldRS('foo-2', 0, 0), oldRS('foo-3', 0, 0)], revisionHistoryLimit: 2147483647, expectedDeletions: 0 },
  ]
  for (const c of cases) await t.test(c.name, () => assert.equal(cleanup(c.oldRSs, c.revisionHistoryLimit).length, c.expectedDeletions))
})

test('cleanupDeployment order (upstream TestDeploymentController_cleanupDeploymentOrder)', async (t) => {
  const m = (minutes: number) => new Date(Date.parse('2016-05-20T00:10:00Z') + minutes * 60_000).toISOString().replace('.000Z', 'Z')
  const r = (name: string, replicas: number, created: string, revision: string) => oldRS(name, replicas, replicas, { created, revision })
  // For all cases the creation order is foo-1 < foo-2 < foo-3 < foo-4.
  const cases: { name: string; oldRSs: ReplicaSetObj[]; revisionHistoryLimit: number; expectedDeletedRSs: string[] }[] = [
    { name: 'revision order: rs1 < rs2, delete rs1', oldRSs: [r('foo-1', 0, m(-1), '1'), r('foo-2', 0, m(0), '2')], revisionHistoryLimit: 1, expectedDeletedRSs: ['foo-1'] },
    { name: 'revision order: rs2 < rs1, delete rs2', oldRSs: [r('foo-1', 0, m(-1), '2'), r('foo-2', 0, m(0), '1')], revisionHistoryLimit: 1, expectedDeletedRSs: ['foo-2'] },
    { name: "rs1 has revision but rs2 doesn't have revision, delete rs2", oldRSs: [r('foo-1', 0, m(-1), '1'), r('foo-2', 0, m(0), '')], revisionHistoryLimit: 1, expectedDeletedRSs: ['foo-2'] },
    { name: "rs1 doesn't have revision while rs2 has revision, delete rs1", oldRSs: [r('foo-1', 0, m(-1), ''), r('foo-2', 0, m(0), '2')], revisionHistoryLimit: 1, expectedDeletedRSs: ['foo-1'] },
    {
      name: 'revision order: rs1 < rs2 < r3, but rs1 has replicas, delete rs2',
      oldRSs: [r('foo-1', 1, m(-1), '1'), r('foo-2', 0, m(0), '2'), r('foo-3', 0, m(1), '3')],
      revisionHistoryLimit: 1,
      expectedDeletedRSs: ['foo-2'],
    },
    {
      name: "revision order: rs1 < rs2 < r3, both rs1 && rs2 have replicas, don't delete",
      oldRSs: [r('foo-1', 1, m(-1), '1'), r('foo-2', 1, m(0), '2'), r('foo-3', 0, m(1), '3')],
      revisionHistoryLimit: 1,
      expectedDeletedRSs: [],
    },
    {
      name: 'revision order: rs2 < rs4 < rs1 < rs3, delete rs2 && rs4',
      oldRSs: [r('foo-1', 0, m(-1), '3'), r('foo-2', 0, m(0), '1'), r('foo-3', 0, m(1), '4'), r('foo-4', 0, m(2), '2')],
      revisionHistoryLimit: 2,
      expectedDeletedRSs: ['foo-2', 'foo-4'],
    },
  ]
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(cleanup(c.oldRSs, c.revisionHistoryLimit), c.expectedDeletedRSs))
})

test('revisionHistoryLimit: a completed rollout deletes the oldest empty ReplicaSets; an unfinished one deletes nothing', () => {
  const complete: Status = { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }
  const d = deployment({ replicas: 2, image: 'v4', revisionHistoryLimit: 1, status: complete })
  const olds = [1, 2, 3].map((rev) => ownedRS(d, `web-r${rev}`, { replicas: 0, image: `v${rev}`, revision: rev, created: iso(-1000 + rev) }))
  const fresh = ownedRS(d, 'web-r4', { replicas: 2, available: 2, revision: 4 })
  const p = plan({ deployment: d, replicaSets: [...olds, fresh] }, at(0))
  assert.deepEqual(deleted(p), ['web-r1', 'web-r2'])
  // Not complete yet (an old generation observed): keep everything.
  const unfinished = plan({ deployment: { ...d, metadata: { ...d.metadata, generation: 2 } }, replicaSets: [...olds, fresh] }, at(0))
  assert.deepEqual(deleted(unfinished), [])
  // No limit: keep everything.
  assert.deepEqual(deleted(plan({ deployment: deployment({ replicas: 2, image: 'v4', revisionHistoryLimit: null, status: complete }), replicaSets: [...olds, fresh] }, at(0))), [])
})

// ---- progress and availability ---------------------------------------------------------------

/** Two replicas, surge 1, none unavailable: the new ReplicaSet has all pods, `available` of them available. */
function stuck(available: number, status: Status, o: DeploymentOptions = {}) {
  const d = deployment({ replicas: 2, maxSurge: 1, maxUnavailable: 0, image: 'v2', status, annotations: { [wellKnown.revision]: '2' }, ...o })
  const fresh = ownedRS(d, 'web-new', { replicas: 2, available, revision: 2 })
  const old = ownedRS(d, 'web-old', { replicas: 0, image: 'v1', revision: 1 })
  return { d, rss: [old, fresh] }
}

test('progress: ReplicaSetUpdated while pods become available, ProgressDeadlineExceeded after 600 s without, NewReplicaSetAvailable when done', () => {
  const created = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: 'Created new replica set "web-new"', lastUpdateTime: iso(0), lastTransitionTime: iso(0) }
  const unavailable = { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: iso(0), lastTransitionTime: iso(0) }
  let status: Status = { observedGeneration: 1, replicas: 2, updatedReplicas: 2, unavailableReplicas: 2, conditions: [created, unavailable] }

  // 10 s in, one pod available: progressing; lastUpdateTime moves, lastTransitionTime stays.
  let { d, rss } = stuck(1, status)
  let p = plan({ deployment: d, replicaSets: rss }, at(10))
  assert.deepEqual(conditionOf(written(p), 'Progressing'), { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-new" is progressing.', lastUpdateTime: iso(10), lastTransitionTime: iso(0) })
  assert.equal(p.requeueAfterMs, 601_000)
  status = written(p)!.status as Status

  // No progress: look again when the deadline falls due (a second past it).
  ;({ d, rss } = stuck(1, status))
  p = plan({ deployment: d, replicaSets: rss }, at(110))
  assert.deepEqual(kinds(p), [])
  assert.equal(p.requeueAfterMs, 501_000)
  // Exactly at the deadline: not yet (upstream: lastUpdateTime + deadline before now).
  p = plan({ deployment: d, replicaSets: rss }, at(610))
  assert.deepEqual(kinds(p), [])
  assert.equal(p.requeueAfterMs, 1000)

  p = plan({ deployment: d, replicaSets: rss }, at(611))
  assert.deepEqual(conditionOf(written(p), 'Progressing'), {
    type: 'Progressing',
    status: 'False',
    reason: 'ProgressDeadlineExceeded',
    message: 'ReplicaSet "web-new" has timed out progressing.',
    lastUpdateTime: iso(611),
    lastTransitionTime: iso(611),
  })
  assert.equal(p.requeueAfterMs, undefined)
  status = written(p)!.status as Status

  // Timed out stays timed out (and quiet) while nothing moves.
  ;({ d, rss } = stuck(1, status))
  p = plan({ deployment: d, replicaSets: rss }, at(700))
  assert.deepEqual(kinds(p), [])
  assert.equal(p.requeueAfterMs, undefined)

  // All available: complete.
  ;({ d, rss } = stuck(2, status))
  p = plan({ deployment: d, replicaSets: rss }, at(800))
  assert.deepEqual(
    ((written(p)!.status!.conditions ?? []) as Cond[]).map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', 'ReplicaSet "web-new" has successfully progressed.'],
    ],
  )
  assert.equal(p.requeueAfterMs, undefined)
  // And complete is final: a later pass writes nothing, however late.
  ;({ d, rss } = stuck(2, written(p)!.status as Status))
  assert.deepEqual(kinds(plan({ deployment: d, replicaSets: rss }, at(100_000))), [])
})

test('DeploymentTimedOut (upstream TestDeploymentTimedOut, through a stuck rollout)', async (t) => {
  const timeFn = (min: number, sec: number) => new Date(Date.UTC(2016, 0, 1, 0, min, sec))
  const cases: { name: string; reason: string; pds: number | null; from: string; now: Date; expected: boolean }[] = [
    { name: 'nil progressDeadlineSeconds specified - no timeout', reason: '', pds: null, from: rfc3339(timeFn(1, 9)), now: timeFn(1, 20), expected: false },
    { name: 'infinite progressDeadlineSeconds specified - no timeout', reason: '', pds: 2147483647, from: rfc3339(timeFn(1, 9)), now: timeFn(1, 20), expected: false },
    { name: 'progressDeadlineSeconds: 10s, now - started => 00:01:20 - 00:01:09 => 11s', reason: '', pds: 10, from: rfc3339(timeFn(1, 9)), now: timeFn(1, 20), expected: true },
    { name: 'progressDeadlineSeconds: 10s, now - started => 00:01:20 - 00:01:11 => 9s', reason: '', pds: 10, from: rfc3339(timeFn(1, 11)), now: timeFn(1, 20), expected: false },
    { name: 'previous status was a complete deployment', reason: 'NewReplicaSetAvailable', pds: null, from: '0001-01-01T00:00:00Z', now: timeFn(1, 20), expected: false },
  ]
  for (const c of cases) {
    await t.test(c.name, () => {
      const cond = { type: 'Progressing', status: 'True', reason: c.reason, lastUpdateTime: c.from, lastTransitionTime: c.from }
      const { d, rss } = stuck(0, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, unavailableReplicas: 2, conditions: [cond] }, { progressDeadlineSeconds: c.pds })
      const p = plan({ deployment: d, replicaSets: rss }, c.now)
      const progressing = conditionOf(written(p) ?? d, 'Progressing')
      assert.equal(progressing?.reason === 'ProgressDeadlineExceeded', c.expected)
      if (c.pds === null) assert.equal(progressing, undefined) // no deadline: no Progressing condition at all
    })
  }
})

test('progress: FoundNewReplicaSet when a deadline is set on a Deployment that had none', () => {
  const { d, rss } = stuck(0, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, unavailableReplicas: 2 })
  const p = plan({ deployment: d, replicaSets: rss }, at(0))
  assert.deepEqual(conditionOf(written(p), 'Progressing'), { type: 'Progressing', status: 'True', reason: 'FoundNewReplicaSet', message: 'Found new replica set "web-new"', lastUpdateTime: iso(0), lastTransitionTime: iso(0) })
})

test('Available: True with minimum availability (replicas − maxUnavailable), False below it', () => {
  const cases: { available: number; expected: [string, string, string] }[] = [
    { available: 3, expected: ['True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'] }, // 4 − 1
    { available: 2, expected: ['False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'] },
  ]
  for (const c of cases) {
    const d = deployment({ replicas: 4, image: 'v2' })
    const fresh = ownedRS(d, 'web-new', { replicas: 4, available: c.available, revision: 1 })
    const cond = conditionOf(written(plan({ deployment: d, replicaSets: [fresh] }, at(0))), 'Available')!
    assert.deepEqual([cond.status, cond.reason, cond.message], c.expected)
  }
})

test("ReplicaFailure: the new ReplicaSet's failure is the Deployment's, and goes with it", () => {
  const failure = { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-new-" is forbidden: exceeded quota', lastTransitionTime: iso(-5) }
  const d = deployment({ replicas: 2, image: 'v2' })
  const fresh = ownedRS(d, 'web-new', { replicas: 2, available: 0, revision: 1, conditions: [failure] })
  const p = plan({ deployment: d, replicaSets: [fresh] }, at(0))
  assert.deepEqual(conditionOf(written(p), 'ReplicaFailure'), { ...failure, lastUpdateTime: iso(-5) })
  const healed = plan({ deployment: written(p)!, replicaSets: [{ ...fresh, status: { ...fresh.status!, conditions: [] } }] }, at(1))
  assert.equal(conditionOf(written(healed), 'ReplicaFailure'), undefined)
})
