// The patches Argo's plugin sends, byte for byte (cmd/promote, abort, retry, pause, restart, undo,
// set/image), and the pure decisions behind them. All are JSON merge patches except undo's, a JSON
// patch. Status fields go to the status subresource, spec fields to the object.
import { currentCanaryStep } from './info.js'
import type { ReplicaSet, Rollout } from './types.js'

export const patches = {
  setCurrentStepIndex: (i: number) => `{"status":{"currentStepIndex":${i}}}`,
  unpause: '{"spec":{"paused":false}}',
  clearPauseConditions: '{"status":{"pauseConditions":null}}',
  clearPauseConditionsAndControllerPause: (i: number) => `{"status":{"pauseConditions":null, "controllerPause":false, "currentStepIndex":${i}}}`,
  unpauseAndClearPauseConditions: '{"spec":{"paused":false},"status":{"pauseConditions":null}}',
  promoteFull: '{"status":{"promoteFull":true}}',
  clearPauseConditionsWithStep: (i: number) => `{"status":{"pauseConditions":null, "currentStepIndex":${i}}}`,
  unpauseAndClearPauseConditionsWithStep: (i: number) => `{"spec":{"paused":false},"status":{"pauseConditions":null, "currentStepIndex":${i}}}`,
  unpauseAndPromoteFull: '{"spec":{"paused":false},"status":{"promoteFull":true}}',
  abort: '{"status":{"abort":true}}',
  retry: '{"status":{"abort":false}}',
  pause: '{"spec":{"paused":true}}',
  /** restart.go's restartPatch, whitespace and all. */
  restart: (at: string) => `{\n\t"spec": {\n\t\t"restartAt": "${at}"\n\t}\n}`,
}

export const promoteErrors = {
  useBothSkipFlags: 'Cannot use skip-current-step and skip-all-steps flags at the same time',
  skipFlagsWithBlueGreen: 'Cannot skip steps of a bluegreen rollout. Run without a flags',
  skipFlagWithNoStepCanary: 'Cannot skip steps of a rollout without steps',
}

export interface PromotePatches {
  /** Merge patch of the object (spec). */
  spec?: string
  /** Merge patch of the status subresource, sent first. */
  status?: string
  /** Spec and status in one, for a server without the status subresource (Rollouts v0.9). */
  unified?: string
}

export interface PromoteFlags {
  skipCurrentStep?: boolean
  skipAllSteps?: boolean
  full?: boolean
}

const steps = (ro: Rollout) => ro.spec.strategy?.canary?.steps ?? []

function isInconclusive(ro: Rollout): boolean {
  return !!ro.spec.strategy?.canary && ro.status?.canary?.currentStepAnalysisRunStatus?.status === 'Inconclusive'
}

/** The next step index, never past the end (promote.go's `if *index < len(steps) { *index++ }`). */
function nextIndex(ro: Rollout): number | undefined {
  const { index } = currentCanaryStep(ro)
  if (index === undefined) return undefined
  return index < steps(ro).length ? index + 1 : index
}

/** promote.go's checks before it patches; the message of the error it returns, if any. */
export function promoteError(ro: Rollout, f: PromoteFlags): string | undefined {
  if (f.skipCurrentStep || f.skipAllSteps) {
    if (ro.spec.strategy?.blueGreen) return promoteErrors.skipFlagsWithBlueGreen
    if (ro.spec.strategy?.canary && steps(ro).length === 0) return promoteErrors.skipFlagWithNoStepCanary
  }
  return undefined
}

/** promote.go's getPatches. */
export function promotePatches(ro: Rollout, f: PromoteFlags): PromotePatches {
  const out: PromotePatches = {}
  const st = ro.status ?? {}
  if (f.skipCurrentStep) {
    const i = nextIndex(ro)
    if (i !== undefined) out.status = out.unified = patches.setCurrentStepIndex(i)
  } else if (f.skipAllSteps) {
    out.status = out.unified = patches.setCurrentStepIndex(steps(ro).length)
  } else if (f.full) {
    if (ro.spec.paused) out.spec = patches.unpause
    if ((st.currentPodHash ?? '') !== (st.stableRS ?? '')) out.status = patches.promoteFull
    out.unified = patches.unpauseAndPromoteFull
  } else {
    out.unified = patches.unpauseAndClearPauseConditions
    if (ro.spec.paused) out.spec = patches.unpause
    const pauseConditions = st.pauseConditions ?? []
    if (isInconclusive(ro) && pauseConditions.length > 0 && st.controllerPause) {
      const i = nextIndex(ro)
      if (i !== undefined) out.status = patches.clearPauseConditionsAndControllerPause(i)
    } else if (pauseConditions.length > 0) {
      out.status = patches.clearPauseConditions
    } else if (ro.spec.strategy?.canary) {
      // Promoting while analysis or an experiment runs: move to the next step (never both this
      // and clearing pause conditions).
      const i = nextIndex(ro)
      if (i !== undefined) {
        out.status = patches.clearPauseConditionsWithStep(i)
        out.unified = patches.unpauseAndClearPauseConditionsWithStep(i)
      }
    }
  }
  return out
}

/** restart.go: RFC 3339 in UTC, seconds precision. */
export function restartAt(now: Date, inMs = 0): string {
  return new Date(Math.floor((now.getTime() + inMs) / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Go's time.ParseDuration, for `restart --in` and `status --timeout`: milliseconds, or undefined. */
export function parseGoDuration(s: string): number | undefined {
  if (s === '0') return 0
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s)
  if (!m) return undefined
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  let total = 0
  for (const part of s.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * units[part[2]]
  return m[1] === '-' ? -total : total
}

// ---- undo ----

type Template = NonNullable<Rollout['spec']['template']>

const revisionOf = (rs: ReplicaSet): number | undefined => {
  const v = rs.metadata?.annotations?.['rollout.argoproj.io/revision']
  if (v === undefined) return 0
  return /^[+-]?\d+$/.test(v) ? Number(v) : undefined
}

/** undo.go's rolloutRevision: the ReplicaSet of `toRevision`, or (0) the one before the newest. */
export function replicaSetForRevision(rolloutName: string, replicaSets: ReplicaSet[], toRevision: number): ReplicaSet | string {
  let latest: ReplicaSet | undefined
  let latestRevision = -1
  let previous: ReplicaSet | undefined
  let previousRevision = -1
  for (const rs of replicaSets) {
    const v = revisionOf(rs)
    if (v === undefined) continue
    if (toRevision === 0) {
      if (latestRevision < v) {
        previousRevision = latestRevision
        previous = latest
        latestRevision = v
        latest = rs
      } else if (previousRevision < v) {
        previousRevision = v
        previous = rs
      }
    } else if (toRevision === v) {
      return rs
    }
  }
  if (toRevision > 0) return `unable to find specified revision ${toRevision} in history`
  if (!previous) return `no revision found for rollout "${rolloutName}"`
  return previous
}

/**
 * apiequality.Semantic.DeepDerivative(rolloutTemplate, rsTemplate) on unstructured templates: unset
 * (null) values and empty maps and lists of the first match anything; a list may be a prefix of the
 * second's; everything else is equal.
 */
export function deepDerivative(a: unknown, b: unknown): boolean {
  if (a === undefined || a === null) return true
  if (Array.isArray(a)) {
    if (a.length === 0) return true
    if (!Array.isArray(b) || a.length > b.length) return false
    return a.every((v, i) => deepDerivative(v, b[i]))
  }
  if (typeof a === 'object') {
    const ao = a as Record<string, unknown>
    if (Object.keys(ao).length === 0) return true
    if (!b || typeof b !== 'object' || Array.isArray(b)) return false
    const bo = b as Record<string, unknown>
    return Object.keys(ao).every((k) => (k in bo ? deepDerivative(ao[k], bo[k]) : ao[k] === null))
  }
  return a === b
}

const withoutHash = (t: Template | undefined): Template | undefined => {
  if (!t) return t
  const c = structuredClone(t)
  if (c.metadata?.labels) delete c.metadata.labels['rollouts-pod-template-hash']
  return c
}

/** undo.go's equalIgnoreHash: the Rollout already runs that template. */
export function templateMatches(roTemplate: Template | undefined, rs: ReplicaSet): boolean {
  if (!roTemplate) return false
  return deepDerivative(withoutHash(roTemplate), withoutHash(rs.spec?.template as Template))
}

/** undo.go's getRolloutPatch: replace the whole template, the pod-template-hash label removed. */
export function undoPatch(rs: ReplicaSet): string {
  return JSON.stringify([{ op: 'replace', path: '/spec/template', value: withoutHash(rs.spec?.template as Template) }])
}

// ---- set image ----

/** set/image.go's newRolloutSetImage: the object with that container's image (or every one's, for `*`). */
export function setImage<T extends { spec?: unknown }>(obj: T, container: string, image: string): T | string {
  const out = structuredClone(obj)
  const podSpec = (out.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template?.spec
  let found = false
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = podSpec?.[field]
    if (!Array.isArray(list)) continue
    for (const c of list as { name?: string; image?: string }[]) {
      if (c.name === container || container === '*') {
        c.image = image
        found = true
      }
    }
  }
  if (!found) return `unable to find container named "${container}"`
  return out
}
