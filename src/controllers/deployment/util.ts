// The Deployment controller's shared arithmetic, as free functions (upstream
// pkg/controller/deployment/util/deployment_util.go): surge and unavailability, how far a new
// ReplicaSet may grow, proportional scaling, revisions and the annotations that carry them.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js'
import type { Mutable, StoredObject } from '../../apis/meta.js'
import { wellKnown } from '../../apis/meta.js'
import { canonicalJSON } from '../../lib/hash.js'
import { scaledValue } from '../../lib/intstr.js'

export type DeploymentObj = StoredObject & Mutable<Deployment>
export type ReplicaSetObj = StoredObject & Mutable<ReplicaSet>

/** Longest revision-history annotation kept (upstream's maxRevHistoryLengthInChars). */
export const maxRevHistoryLengthInChars = 2000

/** Upstream's math.MaxInt32 sentinel for "no progress deadline". */
const noDeadline = 2147483647

export const replicasOf = (o: { spec?: { replicas?: number } }): number => o.spec?.replicas ?? 1
export const rsReplicas = (rs: ReplicaSetObj | undefined): number => rs?.spec?.replicas ?? 0
export const isRollingUpdate = (d: DeploymentObj): boolean => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate'
export const hasProgressDeadline = (d: DeploymentObj): boolean => d.spec?.progressDeadlineSeconds != null && d.spec.progressDeadlineSeconds !== noDeadline

/**
 * ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, and when both come to 0
 * unavailability becomes 1 so the rollout can move. 4 replicas, 25%/25% → surge 1, unavailable 1;
 * 10 replicas → surge 3, unavailable 2; 1 replica → surge 1, unavailable 0.
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): [number, number] {
  const surge = scaledValue(maxSurge ?? 0, desired, true)
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false)
  if (surge === 0 && unavailable === 0) unavailable = 1
  return [surge, unavailable]
}

export function maxSurge(d: DeploymentObj): number {
  if (!isRollingUpdate(d)) return 0
  const ru = d.spec?.strategy?.rollingUpdate
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d))[0]
}

export function maxUnavailable(d: DeploymentObj): number {
  const replicas = replicasOf(d)
  if (!isRollingUpdate(d) || replicas === 0) return 0
  const ru = d.spec?.strategy?.rollingUpdate
  const [, unavailable] = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas)
  return Math.min(unavailable, replicas)
}

export const sumReplicas = (rss: (ReplicaSetObj | undefined)[]): number => rss.reduce((n, rs) => n + rsReplicas(rs), 0)
export const sumActual = (rss: (ReplicaSetObj | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0)
export const sumReady = (rss: (ReplicaSetObj | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0)
export const sumAvailable = (rss: (ReplicaSetObj | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0)

/** FilterActiveReplicaSets: those with spec.replicas > 0. */
export const activeOf = (rss: (ReplicaSetObj | undefined)[]): ReplicaSetObj[] => rss.filter((rs): rs is ReplicaSetObj => rs !== undefined && rsReplicas(rs) > 0)

/**
 * NewRSNewReplicas: RollingUpdate grows the new ReplicaSet up to replicas + maxSurge pods in all,
 * and never past replicas; Recreate goes straight to replicas.
 */
export function newRSNewReplicas(d: DeploymentObj, all: (ReplicaSetObj | undefined)[], newRS: ReplicaSetObj): number {
  const replicas = replicasOf(d)
  if (!isRollingUpdate(d)) return replicas
  const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, replicas, true)
  const current = sumReplicas(all)
  const maxTotal = replicas + surge
  if (current >= maxTotal) return rsReplicas(newRS)
  const up = Math.min(maxTotal - current, replicas - rsReplicas(newRS))
  return rsReplicas(newRS) + up
}

// ---- revisions -------------------------------------------------------------------------------

export function revisionOf(obj: StoredObject | undefined): number {
  const v = obj?.metadata.annotations?.[wellKnown.revision]
  if (v === undefined) return 0
  const n = Number(v)
  return Number.isInteger(n) ? n : NaN
}

export function maxRevision(rss: ReplicaSetObj[]): number {
  let max = 0
  for (const rs of rss) {
    const r = revisionOf(rs)
    if (Number.isFinite(r) && r > max) max = r
  }
  return max
}

const annotationsToSkip = new Set<string>([
  wellKnown.lastAppliedConfig,
  wellKnown.revision,
  wellKnown.revisionHistory,
  wellKnown.desiredReplicas,
  wellKnown.maxReplicas,
  'deprecated.deployment.rollback.to',
])

/** copyDeploymentAnnotationsToReplicaSet: the user's annotations travel to the ReplicaSet. */
function copyAnnotations(d: DeploymentObj, rs: ReplicaSetObj): boolean {
  let changed = false
  const target = (rs.metadata.annotations ??= {})
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (annotationsToSkip.has(k) || target[k] === v) continue
    target[k] = v
    changed = true
  }
  return changed
}

/** SetReplicasAnnotations: desired-replicas and max-replicas, for proportional scaling later. */
export function setReplicasAnnotations(rs: ReplicaSetObj, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations ??= {})
  let changed = false
  if (a[wellKnown.desiredReplicas] !== String(desired)) {
    a[wellKnown.desiredReplicas] = String(desired)
    changed = true
  }
  if (a[wellKnown.maxReplicas] !== String(max)) {
    a[wellKnown.maxReplicas] = String(max)
    changed = true
  }
  return changed
}

/**
 * SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision (a rollback to
 * an old ReplicaSet keeps its earlier revisions in revision-history), and on creation the replica
 * annotations. Mutates `rs`; returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(d: DeploymentObj, rs: ReplicaSetObj, newRevision: number, exists: boolean): boolean {
  let changed = copyAnnotations(d, rs)
  const a = (rs.metadata.annotations ??= {})
  const had = wellKnown.revision in a
  const oldRevisionText = a[wellKnown.revision] ?? ''
  const oldRevision = oldRevisionText === '' ? 0 : Number(oldRevisionText)
  if (!Number.isInteger(oldRevision)) return false
  if (oldRevision < newRevision) {
    a[wellKnown.revision] = String(newRevision)
    changed = true
    if (had) {
      const history = a[wellKnown.revisionHistory] ?? ''
      if (history === '') a[wellKnown.revisionHistory] = oldRevisionText
      else {
        const old = history.split(',')
        let total = history.length + oldRevisionText.length + 1
        let start = 0
        while (total > maxRevHistoryLengthInChars && start < old.length) total -= old[start++].length + 1
        if (total <= maxRevHistoryLengthInChars) a[wellKnown.revisionHistory] = [...old.slice(start), oldRevisionText].join(',')
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true
  return changed
}

// ---- which ReplicaSet is new -------------------------------------------------------------------

/** Drop empty maps and lists, as apiequality.Semantic treats them like absent ones. */
function semantic(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(semantic) : undefined
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) {
      const s = semantic(x)
      if (s !== undefined && s !== null) out[k] = s
    }
    return Object.keys(out).length ? out : undefined
  }
  return v
}

/** EqualIgnoreHash: the templates are equal once the pod-template-hash label is taken out. */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown) => {
    const c = structuredClone((t ?? {}) as { metadata?: { labels?: Record<string, string> } })
    if (c.metadata?.labels) delete c.metadata.labels[wellKnown.podTemplateHash]
    return canonicalJSON(semantic(c) ?? {})
  }
  return strip(a) === strip(b)
}

/** Oldest first, ties by name (controller.ReplicaSetsByCreationTimestamp). */
export function byCreation(a: StoredObject, b: StoredObject): number {
  const ta = a.metadata.creationTimestamp ?? ''
  const tb = b.metadata.creationTimestamp ?? ''
  if (ta !== tb) return ta < tb ? -1 : 1
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's. */
export function findNewReplicaSet(d: DeploymentObj, rss: ReplicaSetObj[]): ReplicaSetObj | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template))
}

/** FindOldReplicaSets: every other ReplicaSet. */
export function findOldReplicaSets(d: DeploymentObj, rss: ReplicaSetObj[], newRS = findNewReplicaSet(d, rss)): ReplicaSetObj[] {
  return rss.filter((rs) => !newRS || rs.metadata.uid !== newRS.metadata.uid)
}

/** FindActiveOrLatest: the one active ReplicaSet, or the newest when none is active; else none. */
export function findActiveOrLatest(newRS: ReplicaSetObj | undefined, olds: ReplicaSetObj[]): ReplicaSetObj | undefined {
  if (!newRS && olds.length === 0) return undefined
  const sortedOld = [...olds].sort(byCreation).reverse()
  const active = activeOf([...sortedOld, newRS])
  if (active.length === 0) return newRS ?? sortedOld[0]
  if (active.length === 1) return active[0]
  return undefined
}

/** IsSaturated: the new ReplicaSet has all the Deployment's replicas, all available. */
export function isSaturated(d: DeploymentObj, rs: ReplicaSetObj | undefined): boolean {
  if (!rs) return false
  const desired = Number(rs.metadata.annotations?.[wellKnown.desiredReplicas])
  if (!Number.isInteger(desired)) return false
  const replicas = replicasOf(d)
  return rsReplicas(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas
}

// ---- proportional scaling -------------------------------------------------------------------

/**
 * getNonNegativeInt32FromAnnotation: plain decimal digits (strconv.ParseUint) up to MaxInt32, so
 * "-1", "", "1e3" or "0x10" count as no annotation at all, as upstream reads them.
 */
function annotationInt(rs: ReplicaSetObj, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key]
  if (v === undefined || !/^[0-9]+$/.test(v)) return undefined
  const n = Number(v)
  return n <= 2147483647 ? n : undefined
}

export const desiredReplicasAnnotation = (rs: ReplicaSetObj) => annotationInt(rs, wellKnown.desiredReplicas)

/** Go's math.Round: half away from zero. */
const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x))

/** getReplicaSetFraction: this ReplicaSet's share of a resize, from the max-replicas it was sized for. */
function replicaSetFraction(rs: ReplicaSetObj, d: DeploymentObj): number {
  if (replicasOf(d) === 0) return -rsReplicas(rs)
  const deploymentMax = replicasOf(d) + maxSurge(d)
  let before = annotationInt(rs, wellKnown.maxReplicas)
  if (!before) {
    before = d.status?.replicas ?? 0
    if (before === 0) return 0
  }
  return roundHalfAway((rsReplicas(rs) * deploymentMax) / before) - rsReplicas(rs)
}

/** GetProportion: how many of `toAdd` (or remove) this ReplicaSet takes, bounded by what is left. */
export function proportion(rs: ReplicaSetObj, d: DeploymentObj, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0
  const fraction = replicaSetFraction(rs, d)
  const allowed = toAdd - added
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed)
}

/** ReplicaSetsBySizeNewer (scale up: larger first, then newer) / BySizeOlder (scale down: larger, then older). */
export function bySize(newerFirst: boolean) {
  return (a: ReplicaSetObj, b: ReplicaSetObj): number => {
    if (rsReplicas(a) !== rsReplicas(b)) return rsReplicas(b) - rsReplicas(a)
    return newerFirst ? byCreation(b, a) : byCreation(a, b)
  }
}

/** ReplicaSetsByRevision: oldest revision first, ties by creation. */
export function byRevision(a: ReplicaSetObj, b: ReplicaSetObj): number {
  const ra = revisionOf(a) || 0
  const rb = revisionOf(b) || 0
  if (ra !== rb) return ra - rb
  return byCreation(a, b)
}
