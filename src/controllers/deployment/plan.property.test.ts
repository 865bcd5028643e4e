// Properties of planDeployment over random rolling updates, driven through a small world (the
// API server, the ReplicaSet controller and pods that become available at random): the surge and
// availability bounds hold at every step, and every rollout ends with the new ReplicaSet at
// `replicas` and the old ones at 0.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { wellKnown, type ObjectMeta } from '../../apis/meta.js'
import { rfc3339 } from '../../lib/duration.js'
import { planDeployment, type DeploymentAction } from './plan.js'
import { desiredReplicasAnnotation, equalIgnoreHash, maxSurge, maxUnavailable, type DeploymentObj, type ReplicaSetObj } from './util.js'

type IntOrString = number | string

const T0 = Date.parse('2026-03-01T10:00:00Z')
const template = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } })

class World {
  rss: ReplicaSetObj[] = []
  seconds = 0

  constructor(public d: DeploymentObj) {}

  /** One pass; `afterEach` sees the world after every single write. */
  /**
   * One pass; `afterEach` sees the world after every single write. `lagging`: the ReplicaSets'
   * statuses do not catch up after it (their controller has not synced yet), so a scaled-down
   * ReplicaSet still reports the pods it is shedding.
   */
  pass(afterEach: (a: DeploymentAction) => void = () => {}, lagging = false): DeploymentAction[] {
    const obs = structuredClone({ deployment: this.d, replicaSets: this.rss })
    const { actions } = planDeployment(freeze(obs), new Date(T0 + this.seconds * 1000))
    for (const a of actions) {
      this.apply(a)
      afterEach(a)
    }
    if (!lagging) this.settle()
    this.seconds++
    return actions
  }

  private apply(a: DeploymentAction): void {
    if (a.type === 'createReplicaSet') {
      const rs = structuredClone(a.rs)
      const meta: ObjectMeta = rs.metadata
      meta.uid = `uid-${rs.metadata.name}`
      meta.creationTimestamp = rfc3339(new Date(T0 + this.seconds * 1000))
      meta.generation = 1
      rs.status = { replicas: 0 }
      this.rss.push(rs)
    } else if (a.type === 'updateReplicaSet') {
      const cur = this.rss.find((x) => x.metadata.name === a.rs.metadata.name)!
      const next = structuredClone(a.rs)
      next.status = cur.status
      const meta: ObjectMeta = next.metadata
      meta.generation = (cur.metadata.generation ?? 1) + (JSON.stringify(cur.spec) === JSON.stringify(next.spec) ? 0 : 1)
      this.rss = this.rss.map((x) => (x === cur ? next : x))
    } else if (a.type === 'deleteReplicaSet') {
      this.rss = this.rss.filter((x) => x.metadata.name !== a.rs.metadata.name)
    } else if (a.type === 'updateStatus') {
      this.d = { ...this.d, metadata: { ...this.d.metadata, annotations: structuredClone(a.deployment.metadata.annotations) }, status: structuredClone(a.deployment.status) }
    }
  }

  /** Pods follow spec.replicas; a scale-down removes not-ready pods first. */
  private settle(): void {
    for (const rs of this.rss) {
      const replicas = rs.spec!.replicas ?? 1
      const available = Math.min(rs.status?.availableReplicas ?? 0, replicas)
      rs.status = { replicas, readyReplicas: available, availableReplicas: available, observedGeneration: rs.metadata.generation }
    }
  }

  /** Up to `n` more pods of every ReplicaSet become available. */
  progress(n: number): void {
    for (const rs of this.rss) {
      // A lagging status (above spec, pods still being shed) stays until a pass settles it.
      const had = rs.status?.availableReplicas ?? 0
      const available = had >= (rs.spec!.replicas ?? 1) ? had : Math.min(had + n, rs.spec!.replicas ?? 1)
      rs.status = { ...rs.status, replicas: rs.status?.replicas ?? 0, readyReplicas: available, availableReplicas: available }
    }
  }

  update(spec: Partial<NonNullable<DeploymentObj['spec']>>): void {
    this.d = { ...this.d, metadata: { ...this.d.metadata, generation: (this.d.metadata.generation ?? 1) + 1 }, spec: { ...this.d.spec!, ...spec } }
  }

  get total(): number {
    return this.rss.reduce((n, rs) => n + (rs.spec!.replicas ?? 1), 0)
  }

  get available(): number {
    return this.rss.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0)
  }

  /** Every pod there is, is available. */
  get settled(): boolean {
    return this.rss.every((rs) => (rs.status?.availableReplicas ?? 0) === (rs.spec!.replicas ?? 1) && (rs.status?.replicas ?? 0) === (rs.spec!.replicas ?? 1))
  }

  /** The ReplicaSet whose template is the Deployment's (upstream: the oldest such). */
  get newRS(): ReplicaSetObj | undefined {
    return this.rss.find((rs) => equalIgnoreHash(rs.spec?.template, this.d.spec?.template))
  }
}

function freeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) freeze(x)
    Object.freeze(v)
  }
  return v
}

const percent = fc.integer({ min: 0, max: 100 }).map((p) => `${p}%`)
const intOrPercent: fc.Arbitrary<IntOrString> = fc.oneof(fc.integer({ min: 0, max: 5 }), percent)
const isZero = (v: IntOrString) => v === 0 || v === '0%'

const scenario = fc
  .record({
    replicas: fc.integer({ min: 0, max: 20 }),
    maxSurge: intOrPercent,
    maxUnavailable: intOrPercent,
    withScaling: fc.boolean(),
    steps: fc.array(
      fc.record({
        // How many more pods of each ReplicaSet become available after this pass.
        progress: fc.integer({ min: 0, max: 3 }),
        // The ReplicaSet statuses lag this pass.
        lagging: fc.boolean(),
        // A scale event before this pass (only when withScaling).
        scaleTo: fc.option(fc.integer({ min: 0, max: 20 }), { freq: 6 }),
      }),
      { maxLength: 40 },
    ),
  })
  // Validation rejects maxSurge and maxUnavailable both 0.
  .filter((s) => !(isZero(s.maxSurge) && isZero(s.maxUnavailable)))

test('rolling updates: surge and availability bounds at every step; the rollout always finishes', () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const w = new World({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation: 1 },
        spec: {
          replicas: s.replicas,
          selector: { matchLabels: { app: 'web' } },
          template: template('v1'),
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: s.maxSurge, maxUnavailable: s.maxUnavailable } },
          revisionHistoryLimit: 10,
          progressDeadlineSeconds: 600,
        },
      })
      // The first rollout, every pod available at once.
      for (let i = 0; i < 10; i++) {
        const idle = w.pass().length === 0 && w.settled
        w.progress(s.replicas)
        if (idle) break
      }
      assert.equal(w.available, s.replicas)
      assert.equal(((w.d.status?.conditions ?? []) as { type: string; reason?: string }[]).find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetAvailable')

      w.update({ template: template('v2') as never })
      let scaled = false
      const bounds = (where: string) => {
        const replicas = w.d.spec!.replicas!
        assert.ok(w.total <= replicas + maxSurge(w.d), `${where}: ${w.total} pods for ${replicas} replicas + surge ${maxSurge(w.d)}`)
        // Availability is promised only while the size stays put (a scale-up adds unready pods).
        if (!scaled) assert.ok(w.available >= replicas - maxUnavailable(w.d), `${where}: ${w.available} available for ${replicas} replicas − ${maxUnavailable(w.d)}`)
      }

      for (const [i, step] of s.steps.entries()) {
        const scaling = s.withScaling && step.scaleTo !== null && step.scaleTo !== w.d.spec!.replicas
        if (scaling) {
          w.update({ replicas: step.scaleTo! })
          scaled = true
        }
        // Within a pass each write keeps the bounds; a resize reaches its new bound by the end of its pass.
        const before = new Map(w.rss.map((rs) => [rs.metadata.name!, rs.spec!.replicas ?? 1]))
        w.pass((a) => {
          if (scaling) return
          bounds(`step ${i}`)
          // A rolling pass only ever shrinks old ReplicaSets.
          if (a.type === 'updateReplicaSet' && a.rs.metadata.name !== w.newRS?.metadata.name) {
            const was = before.get(a.rs.metadata.name!) ?? 0
            assert.ok(a.rs.spec!.replicas! <= was, `step ${i}: old ${a.rs.metadata.name} scaled up ${was} → ${a.rs.spec!.replicas}`)
          }
        }, step.lagging)
        bounds(`after step ${i}`)
        w.progress(step.progress)
      }

      // Then pods keep becoming available: the rollout finishes within a bounded number of passes.
      const replicas = w.d.spec!.replicas!
      const limit = 3 * replicas + 10
      let passes = 0
      for (; passes < limit; passes++) {
        // Idle: nothing to do for a plan that saw every status caught up.
        const settledBefore = w.settled
        const idle = w.pass(() => bounds(`finishing, pass ${passes}`)).length === 0 && settledBefore
        w.progress(replicas)
        if (idle) break
      }
      assert.ok(passes < limit, `still rolling after ${limit} passes`)
      const fresh = w.newRS
      assert.ok(fresh, 'a new ReplicaSet')
      assert.equal(fresh.spec!.replicas, replicas)
      assert.equal(fresh.status!.availableReplicas, replicas)
      for (const rs of w.rss) if (rs !== fresh) assert.equal(rs.spec!.replicas, 0, `${rs.metadata.name} not scaled down`)
      const progressing = ((w.d.status?.conditions ?? []) as { type: string; reason?: string }[]).find((c) => c.type === 'Progressing')
      assert.equal(progressing?.reason, 'NewReplicaSetAvailable')
      assert.equal(w.d.metadata.annotations?.[wellKnown.revision], fresh.metadata.annotations?.[wellKnown.revision])
    }),
    // About 3 s; the failure report carries the seed and path to replay ({ seed, path } here).
    { numRuns: 600, includeErrorInReport: true },
  )
})
