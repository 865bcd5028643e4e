// What a Rollout's canary section shows and what the page reads out as the rollout moves: the
// steps with the current one marked, the weight asked for and the weight in force, as the Argo
// Rollouts plugin's `get rollout` prints them (its SetWeight and ActualWeight, from
// pkg/kubectl-argo-rollouts/info/rollout_info.go). Pure; the page can import neither cli/ nor
// controllers/, so the two weight rules are restated here in the page's terms.
import type { ReplicaSetRow } from './workload.js'

interface CanaryStep {
  setWeight?: number
  pause?: { duration?: string | number }
  setCanaryScale?: { weight?: number; replicas?: number; matchTrafficWeight?: boolean }
  analysis?: unknown
  experiment?: unknown
  setHeaderRoute?: { name?: string }
  setMirrorRoute?: { name?: string }
}

export interface RolloutLike {
  metadata?: { name?: string }
  spec?: {
    replicas?: number
    strategy?: { canary?: { steps?: CanaryStep[]; trafficRouting?: { maxTrafficWeight?: number } }; blueGreen?: object }
  }
  status?: {
    abort?: boolean
    phase?: string
    message?: string
    currentStepIndex?: number
    availableReplicas?: number
    canary?: { weights?: { canary?: { weight?: number }; stable?: { weight?: number } } }
  }
}

export interface StepView {
  index: number
  /** As Argo's dashboard names steps: "Set weight 20%", "Pause", "Pause 30s", "Analysis", ... */
  text: string
  state: 'done' | 'current' | 'pending'
}

export interface CanaryView {
  steps: StepView[]
  /** The current step's index; steps.length once every step is done. */
  index: number
  /** The weight the steps ask for now (SetWeight). */
  setWeight: number
  /** The share the canary really has (ActualWeight): the routed weight, else its share of available pods. */
  actualWeight: number
  maxWeight: number
}

export function stepText(s: CanaryStep): string {
  if (typeof s.setWeight === 'number') return `Set weight ${s.setWeight}%`
  if (s.pause) return s.pause.duration !== undefined && s.pause.duration !== '' ? `Pause ${typeof s.pause.duration === 'number' ? `${s.pause.duration}s` : s.pause.duration}` : 'Pause (until promoted)'
  if (s.setCanaryScale) {
    const c = s.setCanaryScale
    return c.matchTrafficWeight ? 'Canary scale: match traffic weight' : c.replicas !== undefined ? `Canary scale ${c.replicas} pods` : `Canary scale ${c.weight ?? 0}%`
  }
  if (s.analysis) return 'Analysis'
  if (s.experiment) return 'Experiment'
  if (s.setHeaderRoute) return `Header route ${s.setHeaderRoute.name ?? ''}`.trim()
  if (s.setMirrorRoute) return `Mirror route ${s.setMirrorRoute.name ?? ''}`.trim()
  return 'Step'
}

/** The canary's steps and weights, or undefined for a Rollout without a canary strategy. */
export function canaryView(ro: RolloutLike, rows: ReplicaSetRow[]): CanaryView | undefined {
  const canary = ro.spec?.strategy?.canary
  if (!canary) return undefined
  const steps = canary.steps ?? []
  const st = ro.status ?? {}
  const maxWeight = canary.trafficRouting?.maxTrafficWeight ?? 100
  const index = Math.min(st.currentStepIndex ?? 0, steps.length)
  const current = index < steps.length ? steps[index] : undefined
  // GetCurrentSetWeight: 0 when aborted; past the last step, all of it; else the last setWeight at or before the current step.
  let setWeight = current ? 0 : maxWeight
  if (st.abort) setWeight = 0
  else if (current) {
    for (let i = index; i >= 0 && setWeight === 0; i--) {
      const w = steps[i].setWeight
      if (typeof w === 'number') {
        setWeight = w
        break
      }
    }
  }
  let actualWeight = 0
  if (!current) actualWeight = maxWeight
  else if ((st.availableReplicas ?? 0) > 0) {
    if (st.canary?.weights) actualWeight = st.canary.weights.canary?.weight ?? 0
    else if (canary.trafficRouting) actualWeight = setWeight
    else {
      const canaryRS = rows.find((r) => r.role === 'canary')
      const available = canaryRS ? canaryRS.pods.filter((p) => p.ready).length : 0
      actualWeight = Math.trunc((available * maxWeight) / st.availableReplicas!)
    }
  }
  return {
    steps: steps.map((s, i) => ({ index: i, text: stepText(s), state: i < index ? 'done' : i === index ? 'current' : 'pending' })),
    index,
    setWeight,
    actualWeight,
    maxWeight,
  }
}

/**
 * One sentence a screen reader announces as the rollout moves (a polite live region): the phase and
 * step, then each ReplicaSet's ready count. Only the counts and states a sighted user sees change it.
 */
export function progressSummary(kind: string, name: string, ro: RolloutLike & { spec?: { paused?: boolean } }, rows: ReplicaSetRow[]): string {
  const parts: string[] = []
  const st = ro.status ?? {}
  const view = kind === 'Rollout' ? canaryView(ro, rows) : undefined
  let head = `${kind} ${name}`
  if (st.phase) head += `: ${st.phase}`
  else if (ro.spec?.paused) head += ': paused'
  parts.push(head)
  if (view && view.steps.length > 0) {
    const step = view.index < view.steps.length ? `step ${view.index + 1} of ${view.steps.length}, ${view.steps[view.index].text}` : `all ${view.steps.length} steps done`
    parts.push(`${step}; canary weight ${view.actualWeight}% (set ${view.setWeight}%)`)
  }
  for (const r of rows) {
    const ready = r.pods.filter((p) => p.state === 'ready').length
    const terminating = r.pods.filter((p) => p.state === 'terminating').length
    parts.push(`revision ${r.revision}${r.role ? ` (${r.role})` : ''}: ${ready} of ${r.desired} ready${terminating ? `, ${terminating} terminating` : ''}`)
  }
  return `${parts.join('. ')}.`
}
