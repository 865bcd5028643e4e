// The Deployment controller's decisions, pure: from a Deployment and the ReplicaSets it owns (and,
// for Recreate, their pods) to the writes that move it one step on, in order (upstream
// pkg/controller/deployment: sync.go, rolling.go, recreate.go, progress.go). No clock, no I/O:
// `now` comes in, actions come out, and a failed action ends the pass — the next pass recomputes.
//
// The arithmetic for the seed (4 replicas, maxSurge 25% → 1, maxUnavailable 25% → 1), with pods
// that take a moment to become ready: the new ReplicaSet goes to 1 (5 pods, the most allowed),
// the old one to 3 (4 available, 3 must stay), new to 2 once its first pod is available, old to 2,
// new 3, old 1, new 4, old 0.
import { wellKnown } from '../../apis/meta.js'
import { rfc3339 } from '../../lib/duration.js'
import { canonicalJSON, templateHash } from '../../lib/hash.js'
import { getCondition, removeCondition, setCondition, type Condition } from '../runtime/conditions.js'
import { newControllerRef } from '../runtime/controllerref.js'
import type { PodObj } from '../runtime/pods.js'
import {
  activeOf,
  byCreation,
  byRevision,
  bySize,
  desiredReplicasAnnotation,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  hasProgressDeadline,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportion,
  replicasOf,
  rsReplicas,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  sumActual,
  sumAvailable,
  sumReady,
  sumReplicas,
  type DeploymentObj,
  type ReplicaSetObj,
} from './util.js'

export const reasons = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  failedRSCreate: 'ReplicaSetCreateError',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
} as const

export interface EventSpec {
  type: 'Normal' | 'Warning'
  reason: string
  message: string
}

export type DeploymentAction =
  | { type: 'createReplicaSet'; rs: ReplicaSetObj; event?: EventSpec }
  | { type: 'updateReplicaSet'; rs: ReplicaSetObj; event?: EventSpec }
  | { type: 'deleteReplicaSet'; rs: ReplicaSetObj }
  /** Status (and the revision annotation, which upstream also writes through /status). */
  | { type: 'updateStatus'; deployment: DeploymentObj }
  | { type: 'event'; event: EventSpec }

export interface DeploymentPlan {
  actions: DeploymentAction[]
  /** Look again after this long (the progress deadline falls due). */
  requeueAfterMs?: number
}

export interface DeploymentObserved {
  deployment: DeploymentObj
  /** The ReplicaSets the Deployment owns (after claiming). */
  replicaSets: ReplicaSetObj[]
  /** Their pods, by ReplicaSet UID (Recreate waits for old pods to be gone). */
  podsByReplicaSet?: Map<string, PodObj[]>
}

type DeploymentCondition = Condition & { lastUpdateTime?: string; lastTransitionTime?: string }

/** One sync of one Deployment, over working copies of the objects. */
class Sync {
  readonly actions: DeploymentAction[] = []
  readonly d: DeploymentObj
  private readonly original: DeploymentObj
  rss: ReplicaSetObj[]
  private readonly ts: string
  requeueAfterMs?: number

  constructor(
    obs: DeploymentObserved,
    private readonly now: Date,
  ) {
    this.original = obs.deployment
    this.d = structuredClone(obs.deployment)
    this.rss = obs.replicaSets.map((rs) => structuredClone(rs))
    this.ts = rfc3339(now)
  }

  condition(type: string, status: Condition['status'], reason: string, message: string): DeploymentCondition {
    return { type, status, lastUpdateTime: this.ts, lastTransitionTime: this.ts, reason, message }
  }

  // ---- ReplicaSets -----------------------------------------------------------------------------

  /** getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created if asked) and all the old ones. */
  newAndOld(create: boolean): [ReplicaSetObj | undefined, ReplicaSetObj[]] {
    const existing = findNewReplicaSet(this.d, this.rss)
    const olds = findOldReplicaSets(this.d, this.rss, existing)
    return [this.newReplicaSet(existing, olds, create), olds]
  }

  private newReplicaSet(existing: ReplicaSetObj | undefined, olds: ReplicaSetObj[], create: boolean): ReplicaSetObj | undefined {
    const newRevision = maxRevision(olds) + 1
    if (existing) {
      const copy = structuredClone(existing)
      const annotationsChanged = setNewReplicaSetAnnotations(this.d, copy, newRevision, true)
      const minReady = this.d.spec?.minReadySeconds ?? 0
      if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
        copy.spec!.minReadySeconds = minReady
        if (!minReady) delete copy.spec!.minReadySeconds
        this.replace(copy)
        this.actions.push({ type: 'updateReplicaSet', rs: copy })
        // Upstream returns here; the Deployment's revision follows on the next pass.
        return copy
      }
      this.setRevision(copy.metadata.annotations?.[wellKnown.revision])
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status?.conditions as DeploymentCondition[], 'Progressing')) {
        this.setCondition(this.condition('Progressing', 'True', reasons.foundNewRS, `Found new replica set "${copy.metadata.name}"`))
      }
      return copy
    }
    if (!create) return undefined

    const hash = templateHash(this.d.spec?.template, this.d.status?.collisionCount)
    const template = structuredClone(this.d.spec?.template ?? {})
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [wellKnown.podTemplateHash]: hash } }
    const selector = structuredClone(this.d.spec?.selector ?? {})
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [wellKnown.podTemplateHash]: hash }
    const rs: ReplicaSetObj = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${this.d.metadata.name}-${hash}`,
        namespace: this.d.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [newControllerRef(this.d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, selector, template, ...(this.d.spec?.minReadySeconds ? { minReadySeconds: this.d.spec.minReadySeconds } : {}) },
    }
    rs.spec!.replicas = newRSNewReplicas(this.d, [...olds, rs], rs)
    setNewReplicaSetAnnotations(this.d, rs, newRevision, false)
    const n = rs.spec!.replicas
    this.actions.push({
      type: 'createReplicaSet',
      rs,
      event: n > 0 ? { type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set ${rs.metadata.name} from 0 to ${n}` } : undefined,
    })
    this.rss.push(rs)
    this.setRevision(String(newRevision))
    if (hasProgressDeadline(this.d)) this.setCondition(this.condition('Progressing', 'True', reasons.newRSCreated, `Created new replica set "${rs.metadata.name}"`))
    return rs
  }

  private replace(rs: ReplicaSetObj): void {
    this.rss = this.rss.map((x) => (x.metadata.name === rs.metadata.name ? rs : x))
  }

  private setRevision(revision: string | undefined): void {
    if (revision === undefined) return
    const a = (this.d.metadata.annotations ??= {})
    if (a[wellKnown.revision] !== revision) a[wellKnown.revision] = revision
  }

  private setCondition(c: DeploymentCondition): void {
    const status = (this.d.status ??= {})
    status.conditions = setCondition(status.conditions as DeploymentCondition[], c) as never
  }

  /**
   * scaleReplicaSetAndRecordEvent: nothing to do at the same size. With `syncAnnotations`,
   * upstream's scaleReplicaSet as scale() calls it: the replica annotations are written even when
   * the size stays, so a resize that moves no pods still ends the scaling event (else every pass
   * would see it again and the rollout would never resume). Returns whether the size changed.
   */
  scale(rs: ReplicaSetObj, to: number, syncAnnotations = false): boolean {
    const current = this.rss.find((x) => x.metadata.name === rs.metadata.name) ?? rs
    const from = rsReplicas(current)
    if (from === to && !syncAnnotations) return false
    const operation = from < to ? 'up' : 'down'
    const copy = structuredClone(current)
    const sizeChanged = from !== to
    const annotationsChanged = setReplicasAnnotations(copy, replicasOf(this.d), replicasOf(this.d) + maxSurge(this.d))
    if (!sizeChanged && !annotationsChanged) return false
    copy.spec!.replicas = to
    this.replace(copy)
    this.actions.push({
      type: 'updateReplicaSet',
      rs: copy,
      event: sizeChanged ? { type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled ${operation} replica set ${copy.metadata.name} from ${from} to ${to}` } : undefined,
    })
    return sizeChanged
  }

  current(rs: ReplicaSetObj | undefined): ReplicaSetObj | undefined {
    return rs && this.rss.find((x) => x.metadata.name === rs.metadata.name)
  }

  /** cleanupDeployment: delete the oldest scaled-down ReplicaSets beyond revisionHistoryLimit. */
  cleanup(olds: ReplicaSetObj[]): void {
    const limit = this.d.spec?.revisionHistoryLimit
    if (limit == null) return
    // The ReplicaSets as listed at the start of the pass, as upstream passes them: one this pass
    // has just scaled to 0 waits for a later pass, after its own controller has caught up.
    const cleanable = olds.filter((rs) => !rs.metadata.deletionTimestamp)
    const diff = cleanable.length - limit
    if (diff <= 0) return
    cleanable.sort(byRevision)
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue
      this.actions.push({ type: 'deleteReplicaSet', rs })
    }
  }

  // ---- status ----------------------------------------------------------------------------------

  /** calculateStatus: counts from the ReplicaSets, the Available condition, other conditions kept. */
  calculateStatus(all: (ReplicaSetObj | undefined)[], newRS: ReplicaSetObj | undefined): Record<string, unknown> {
    const rss = all.map((rs) => this.current(rs))
    const available = sumAvailable(rss)
    const total = sumReplicas(rss)
    const status: Record<string, unknown> = {
      observedGeneration: this.d.metadata.generation,
      replicas: sumActual(rss),
      updatedReplicas: sumActual([this.current(newRS)]),
      readyReplicas: sumReady(rss),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
    }
    let conditions = [...((this.d.status?.conditions as DeploymentCondition[]) ?? [])]
    conditions =
      available >= replicasOf(this.d) - maxUnavailable(this.d)
        ? setCondition(conditions, this.condition('Available', 'True', reasons.minimumAvailable, 'Deployment has minimum availability.'))
        : setCondition(conditions, this.condition('Available', 'False', reasons.minimumUnavailable, 'Deployment does not have minimum availability.'))
    status.conditions = conditions
    if (this.d.status?.collisionCount != null) status.collisionCount = this.d.status.collisionCount
    return status
  }

  /** syncDeploymentStatus: write the status when it differs. */
  syncStatus(all: (ReplicaSetObj | undefined)[], newRS: ReplicaSetObj | undefined): void {
    this.d.status = this.calculateStatus(all, newRS) as never
  }

  /** syncRolloutStatus: status plus the Progressing condition and the deadline check. */
  syncRolloutStatus(all: (ReplicaSetObj | undefined)[], newRS: ReplicaSetObj | undefined): void {
    const s = this.calculateStatus(all, newRS)
    let conditions = s.conditions as DeploymentCondition[]
    if (!hasProgressDeadline(this.d)) conditions = removeCondition(conditions, 'Progressing')
    const currentCond = getCondition(this.d.status?.conditions as DeploymentCondition[], 'Progressing')
    const isComplete = s.replicas === s.updatedReplicas && currentCond?.reason === reasons.newRSAvailable
    const name = this.current(newRS)?.metadata.name
    const who = name ? `ReplicaSet "${name}"` : `Deployment "${this.d.metadata.name}"`
    if (hasProgressDeadline(this.d) && !isComplete) {
      if (deploymentComplete(this.d, s)) {
        conditions = setCondition(conditions, this.condition('Progressing', 'True', reasons.newRSAvailable, `${who} has successfully progressed.`))
      } else if (deploymentProgressing(this.d, s)) {
        const c = this.condition('Progressing', 'True', reasons.rsUpdated, `${who} is progressing.`)
        const cur = getCondition(conditions, 'Progressing')
        if (cur) {
          if (cur.status === 'True') c.lastTransitionTime = cur.lastTransitionTime
          conditions = removeCondition(conditions, 'Progressing')
        }
        conditions = setCondition(conditions, c)
      } else if (timedOut(this.d, conditions, this.now)) {
        conditions = setCondition(conditions, this.condition('Progressing', 'False', reasons.timedOut, `${who} has timed out progressing.`))
      }
    }
    const failure = replicaFailure(all.map((rs) => this.current(rs)), this.current(newRS))
    conditions = failure ? setCondition(conditions, failure) : removeCondition(conditions, 'ReplicaFailure')
    s.conditions = conditions
    this.d.status = s as never
    this.requeueAfterMs = stuckRequeue(this.d, s, this.now)
  }

  /** The final actions: status (and revision annotation) when changed. */
  finish(): DeploymentPlan {
    const before = this.original
    if (canonicalJSON(normalStatus(before.status)) !== canonicalJSON(normalStatus(this.d.status)) || canonicalJSON(before.metadata.annotations ?? {}) !== canonicalJSON(this.d.metadata.annotations ?? {})) {
      this.d.status = normalStatus(this.d.status) as never
      this.actions.push({ type: 'updateStatus', deployment: this.d })
    }
    return { actions: this.actions, requeueAfterMs: this.requeueAfterMs }
  }
}

/** Status as it travels: zero counts omitted (omitempty), as upstream's objects print. */
function normalStatus(status: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries((status ?? {}) as Record<string, unknown>)) {
    if (v === 0 || v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue
    out[k] = v
  }
  return out
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0)

/** DeploymentComplete: every replica updated and available, and this generation observed. */
export function deploymentComplete(d: DeploymentObj, s: Record<string, unknown>): boolean {
  const r = replicasOf(d)
  return num(s.updatedReplicas) === r && num(s.replicas) === r && num(s.availableReplicas) === r && num(s.observedGeneration) >= (d.metadata.generation ?? 0)
}

/** DeploymentProgressing: more updated, fewer old, more ready or more available than last time. */
export function deploymentProgressing(d: DeploymentObj, s: Record<string, unknown>): boolean {
  const old = d.status ?? {}
  const oldOld = num(old.replicas) - num(old.updatedReplicas)
  const newOld = num(s.replicas) - num(s.updatedReplicas)
  return num(s.updatedReplicas) > num(old.updatedReplicas) || newOld < oldOld || num(s.readyReplicas) > num(old.readyReplicas) || num(s.availableReplicas) > num(old.availableReplicas)
}

/** DeploymentTimedOut: no progress for progressDeadlineSeconds since the condition's lastUpdateTime. */
function timedOut(d: DeploymentObj, conditions: DeploymentCondition[], now: Date): boolean {
  if (!hasProgressDeadline(d)) return false
  const c = getCondition(conditions, 'Progressing')
  if (!c || c.reason === reasons.newRSAvailable) return false
  if (c.reason === reasons.timedOut) return true
  if (!c.lastUpdateTime) return false
  return Date.parse(c.lastUpdateTime) + d.spec!.progressDeadlineSeconds! * 1000 < now.getTime()
}

/** requeueStuckDeployment: when to look again so the deadline is noticed without an event. */
function stuckRequeue(d: DeploymentObj, s: Record<string, unknown>, now: Date): number | undefined {
  const c = getCondition(d.status?.conditions as DeploymentCondition[], 'Progressing')
  if (!hasProgressDeadline(d) || !c) return undefined
  if (deploymentComplete(d, s) || c.reason === reasons.timedOut) return undefined
  const after = Date.parse(c.lastUpdateTime ?? '') + d.spec!.progressDeadlineSeconds! * 1000 - now.getTime()
  if (!Number.isFinite(after)) return undefined
  return after < 1000 ? 1000 : after + 1000
}

/** getReplicaFailures: the new ReplicaSet's ReplicaFailure condition, else an old one's. */
function replicaFailure(all: (ReplicaSetObj | undefined)[], newRS: ReplicaSetObj | undefined): DeploymentCondition | undefined {
  for (const rs of [newRS, ...all]) {
    const c = (rs?.status?.conditions ?? []).find((x) => x.type === 'ReplicaFailure')
    if (c) return { type: 'ReplicaFailure', status: c.status as Condition['status'], reason: c.reason, message: c.message, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime }
  }
  return undefined
}

// ---- the strategies ------------------------------------------------------------------------------

/** sync: scaling (and the paused case): resize without rolling, then status. */
function syncScale(run: Sync): void {
  const [newRS, olds] = run.newAndOld(false)
  scaleDeployment(run, newRS, olds)
  if (run.d.spec?.paused) run.cleanup(olds)
  run.syncStatus([...olds, newRS], newRS)
}

/**
 * scale: one active ReplicaSet takes the new size; a saturated new one means the old go to 0;
 * otherwise (RollingUpdate mid-rollout) the difference is shared in proportion to each
 * ReplicaSet's size, the leftover to the largest. 10 replicas mid-rollout as 8 old + 5 new
 * (surge 3), scaled to 15 (max 18): +5 split as old +3, new +2.
 */
function scaleDeployment(run: Sync, newRS: ReplicaSetObj | undefined, olds: ReplicaSetObj[]): void {
  const d = run.d
  const replicas = replicasOf(d)
  const one = findActiveOrLatest(run.current(newRS), olds.map((rs) => run.current(rs)!))
  if (one) {
    // Also when only the replica annotations are stale: upstream 1.32 skips that case and the
    // Deployment stays a "scaling event" for ever, never rolling its new template out
    // (kubernetes/kubernetes#138036); writing the annotations ends it.
    run.scale(one, replicas, true)
    return
  }
  if (isSaturated(d, run.current(newRS))) {
    for (const old of activeOf(olds.map((rs) => run.current(rs)))) run.scale(old, 0)
    return
  }
  if (!isRollingUpdate(d)) return
  const all = activeOf([...olds, newRS].map((rs) => run.current(rs)))
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0
  const toAdd = allowed - sumReplicas(all)
  if (toAdd > 0) all.sort(bySize(true))
  else if (toAdd < 0) all.sort(bySize(false))
  let added = 0
  const sizes = new Map<string, number>()
  for (const rs of all) {
    if (toAdd !== 0) {
      const p = proportion(rs, d, toAdd, added)
      sizes.set(rs.metadata.name!, rsReplicas(rs) + p)
      added += p
    } else sizes.set(rs.metadata.name!, rsReplicas(rs))
  }
  all.forEach((rs, i) => {
    let size = sizes.get(rs.metadata.name!)!
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added)
    run.scale(rs, size, true)
  })
}

/** isScalingEvent: an active ReplicaSet was sized for a different replica count. */
function isScalingEvent(run: Sync): boolean {
  const existing = findNewReplicaSet(run.d, run.rss)
  const olds = findOldReplicaSets(run.d, run.rss, existing)
  for (const rs of activeOf([...olds, existing])) {
    const desired = desiredReplicasAnnotation(rs)
    if (desired !== undefined && desired !== replicasOf(run.d)) return true
  }
  return false
}

/** rolloutRolling: scale the new ReplicaSet up if it can, else the old ones down, then status. */
function rolloutRolling(run: Sync): void {
  const [newRS, olds] = run.newAndOld(true)
  const all = () => [...olds, newRS].map((rs) => run.current(rs))
  if (reconcileNewReplicaSet(run, all(), run.current(newRS)!)) return run.syncRolloutStatus(all(), newRS)
  if (reconcileOldReplicaSets(run, all(), activeOf(olds.map((rs) => run.current(rs))), run.current(newRS)!)) return run.syncRolloutStatus(all(), newRS)
  if (deploymentComplete(run.d, (run.d.status ?? {}) as Record<string, unknown>)) run.cleanup(olds)
  run.syncRolloutStatus(all(), newRS)
}

function reconcileNewReplicaSet(run: Sync, all: (ReplicaSetObj | undefined)[], newRS: ReplicaSetObj): boolean {
  const replicas = replicasOf(run.d)
  if (rsReplicas(newRS) === replicas) return false
  if (rsReplicas(newRS) > replicas) return run.scale(newRS, replicas)
  return run.scale(newRS, newRSNewReplicas(run.d, all, newRS))
}

/**
 * reconcileOldReplicaSets: scale old ReplicaSets down while enough stay available. The most that
 * may go is all pods − (replicas − maxUnavailable) − the new ReplicaSet's unavailable pods;
 * unhealthy old replicas go first (they cost no availability).
 */
function reconcileOldReplicaSets(run: Sync, all: (ReplicaSetObj | undefined)[], olds: ReplicaSetObj[], newRS: ReplicaSetObj): boolean {
  if (sumReplicas(olds) === 0) return false
  const minAvailable = replicasOf(run.d) - maxUnavailable(run.d)
  const newUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0)
  const maxScaledDown = sumReplicas(all) - minAvailable - newUnavailable
  if (maxScaledDown <= 0) return false

  // cleanupUnhealthyReplicas
  let cleaned = 0
  for (const rs of [...olds].sort(byCreation)) {
    if (cleaned >= maxScaledDown) break
    const cur = run.current(rs)!
    const unhealthy = rsReplicas(cur) - (cur.status?.availableReplicas ?? 0)
    if (rsReplicas(cur) === 0 || unhealthy === 0) continue
    // The ReplicaSet's status still counts pods it is already shedding (just scaled down, status
    // not caught up): "scaling down" by a negative count would scale it up. Upstream refuses the
    // whole step with "got invalid request to scale down"; so do we, and wait for the status.
    if (unhealthy < 0) return false
    const n = Math.min(maxScaledDown - cleaned, unhealthy)
    run.scale(cur, rsReplicas(cur) - n)
    cleaned += n
  }

  // scaleDownOldReplicaSetsForRollingUpdate
  let scaledDown = 0
  const currentAll = all.map((rs) => run.current(rs))
  const available = sumAvailable(currentAll)
  if (available > minAvailable) {
    const total = available - minAvailable
    for (const rs of [...olds].sort(byCreation)) {
      if (scaledDown >= total) break
      const cur = run.current(rs)!
      if (rsReplicas(cur) === 0) continue
      const n = Math.min(rsReplicas(cur), total - scaledDown)
      run.scale(cur, rsReplicas(cur) - n)
      scaledDown += n
    }
  }
  return cleaned + scaledDown > 0
}

/** rolloutRecreate: old ReplicaSets to 0, wait until their pods are gone, then the new one to full size. */
function rolloutRecreate(run: Sync, podsByRS: Map<string, PodObj[]>): void {
  let [newRS, olds] = run.newAndOld(false)
  const all = () => [...olds, newRS].map((rs) => run.current(rs))
  let scaledDown = false
  for (const rs of activeOf(olds.map((x) => run.current(x)))) if (run.scale(rs, 0)) scaledDown = true
  if (scaledDown) return run.syncRolloutStatus(all(), newRS)
  if (oldPodsRunning(run.current(newRS), olds.map((x) => run.current(x)!), podsByRS)) return run.syncRolloutStatus(all(), newRS)
  if (!newRS) [newRS, olds] = run.newAndOld(true)
  run.scale(run.current(newRS)!, replicasOf(run.d))
  if (deploymentComplete(run.d, (run.d.status ?? {}) as Record<string, unknown>)) run.cleanup(olds)
  run.syncRolloutStatus(all(), newRS)
}

function oldPodsRunning(newRS: ReplicaSetObj | undefined, olds: ReplicaSetObj[], podsByRS: Map<string, PodObj[]>): boolean {
  if (sumActual(olds) > 0) return true
  for (const [uid, pods] of podsByRS) {
    if (newRS && newRS.metadata.uid === uid) continue
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true
  }
  return false
}

/** checkPausedConditions: Progressing Unknown DeploymentPaused / DeploymentResumed (not over a timeout). */
function checkPausedConditions(run: Sync): void {
  if (!hasProgressDeadline(run.d)) return
  const c = getCondition(run.d.status?.conditions as DeploymentCondition[], 'Progressing')
  if (c?.reason === reasons.timedOut) return
  const pausedCond = c?.reason === reasons.paused
  if (run.d.spec?.paused && !pausedCond) {
    const status = (run.d.status ??= {})
    status.conditions = setCondition(status.conditions as DeploymentCondition[], run.condition('Progressing', 'Unknown', reasons.paused, 'Deployment is paused')) as never
  } else if (!run.d.spec?.paused && pausedCond) {
    const status = (run.d.status ??= {})
    status.conditions = setCondition(status.conditions as DeploymentCondition[], run.condition('Progressing', 'Unknown', reasons.resumed, 'Deployment is resumed')) as never
  }
}

/** syncDeployment: one pass over one Deployment. */
export function planDeployment(obs: DeploymentObserved, now: Date): DeploymentPlan {
  const run = new Sync(obs, now)
  const d = run.d
  const sel = d.spec?.selector
  if (d.metadata.deletionTimestamp) {
    const [newRS, olds] = run.newAndOld(false)
    run.syncStatus([...olds, newRS], newRS)
    return run.finish()
  }
  if (sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
    const actions: DeploymentAction[] = [{ type: 'event', event: { type: 'Warning', reason: 'SelectingAll', message: 'This deployment is selecting all pods. A non-empty selector is required.' } }]
    if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
      d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation }
      actions.push({ type: 'updateStatus', deployment: d })
    }
    return { actions }
  }
  checkPausedConditions(run)
  if (d.spec?.paused || isScalingEvent(run)) syncScale(run)
  else if (isRollingUpdate(d)) rolloutRolling(run)
  else rolloutRecreate(run, obs.podsByReplicaSet ?? new Map())
  return run.finish()
}
