// Preemption (upstream DefaultPreemption, pkg/scheduler/framework/preemption): when a pod fits
// nowhere, find nodes where removing pods of lower priority would make it fit, keep as many of
// them as still allows it (reprieving first the pods whose PodDisruptionBudget would be violated,
// then the others, most important first), and pick the node whose victims cost least. Pure.
import type { Node, Pod } from 'kubernetes-types/core/v1.js'
import type { PDB } from '../../apis/policy/pdb.js'
import { labelSelectorMatches } from '../../lib/selector.js'
import { filterNode, reasons, type FilterInput, type Rejection } from './filters.js'
import { podPriority, usageFrom, type PodUsage, type Snapshot } from './snapshot.js'

export const preemptionMessages = {
  never: 'not eligible due to preemptionPolicy=Never.',
  terminating: 'not eligible due to a terminating pod on the nominated node.',
} as const

export const disruptionTarget = 'DisruptionTarget'
export const preemptionByScheduler = 'PreemptionByScheduler'
export const preemptionConditionMessage = (schedulerName: string) => `${schedulerName}: preempting to accommodate a higher priority pod`
export const preemptedEventMessage = (preemptorUID: string, node: string) => `Preempted by pod ${preemptorUID} on node ${node}`

export interface Candidate {
  node: string
  /** Most important first. */
  victims: Pod[]
  pdbViolations: number
}

export type PreemptionResult =
  /** PodEligibleToPreemptOthers said no: the nomination stays as it is. */
  | { type: 'ineligible'; message: string }
  /** No node would do: the node statuses for the PostFilter message; the nomination is cleared. */
  | { type: 'none'; rejections: Rejection[] }
  | { type: 'preempt'; candidate: Candidate }

const startTime = (p: Pod) => Date.parse(p.status?.startTime ?? p.metadata?.creationTimestamp ?? '') || Number.MAX_SAFE_INTEGER

/** util.MoreImportantPod: higher priority, then the one that started earlier. */
export function moreImportant(a: Pod, b: Pod): boolean {
  const pa = podPriority(a)
  const pb = podPriority(b)
  if (pa !== pb) return pa > pb
  return startTime(a) < startTime(b)
}

function isTerminatingByPreemption(p: Pod): boolean {
  if (!p.metadata?.deletionTimestamp) return false
  const c = p.status?.conditions?.find((x) => x.type === disruptionTarget)
  return c?.status === 'True' && c.reason === preemptionByScheduler
}

/**
 * filterPodsWithPDBViolation: split `pods` (order kept) into those whose eviction would take a
 * budget below zero allowed disruptions and the rest. A pod already in a budget's disruptedPods is
 * not counted again; a budget with an empty selector selects nothing.
 */
export function splitByPDBViolation(pods: readonly Pod[], pdbs: readonly PDB[]): { violating: Pod[]; nonViolating: Pod[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0)
  const violating: Pod[] = []
  const nonViolating: Pod[] = []
  for (const pod of pods) {
    let violated = false
    const labels = pod.metadata?.labels ?? {}
    if (Object.keys(labels).length) {
      pdbs.forEach((pdb, i) => {
        if (pdb.metadata.namespace !== pod.metadata?.namespace) return
        const sel = pdb.spec?.selector
        if (!sel || (!(sel.matchLabels && Object.keys(sel.matchLabels).length) && !(sel.matchExpressions ?? []).length)) return
        if (!labelSelectorMatches(sel, labels)) return
        if (pdb.status?.disruptedPods && Object.hasOwn(pdb.status.disruptedPods, pod.metadata?.name ?? '')) return
        allowed[i]--
        if (allowed[i] < 0) violated = true
      })
    }
    ;(violated ? violating : nonViolating).push(pod)
  }
  return { violating, nonViolating }
}

type NodeOutcome = { ok: true; candidate: Candidate } | { ok: false; rejection: Rejection }

/** SelectVictimsOnNode. */
function selectVictims(input: FilterInput, node: Node, pods: ReadonlyMap<string, PodUsage>, snapshot: Snapshot, key: string, pdbs: readonly PDB[]): NodeOutcome {
  const name = node.metadata?.name ?? ''
  const priority = podPriority(input.pod)
  const kept = new Map<string, PodUsage>()
  const potential: { key: string; u: PodUsage; pod: Pod }[] = []
  for (const [k, u] of pods) {
    if (u.pod && podPriority(u.pod) < priority) potential.push({ key: k, u, pod: u.pod })
    else kept.set(k, u)
  }
  if (potential.length === 0) return { ok: false, rejection: { reasons: [reasons.noVictims], resolvable: false } }
  const fits = () => {
    const r = filterNode(input, node, snapshot.usageWithNominated(name, priority, key, usageFrom(kept.values())))
    return r.ok ? undefined : r.rejection
  }
  const first = fits()
  if (first) return { ok: false, rejection: first }
  potential.sort((a, b) => (moreImportant(a.pod, b.pod) ? -1 : moreImportant(b.pod, a.pod) ? 1 : 0))
  const byPod = new Map(potential.map((p) => [p.pod, p]))
  const { violating, nonViolating } = splitByPDBViolation(
    potential.map((p) => p.pod),
    pdbs,
  )
  const victims: Pod[] = []
  let pdbViolations = 0
  const reprieve = (pod: Pod): boolean => {
    const p = byPod.get(pod)!
    kept.set(p.key, p.u)
    if (!fits()) return true
    kept.delete(p.key)
    victims.push(pod)
    return false
  }
  for (const p of violating) if (!reprieve(p)) pdbViolations++
  for (const p of nonViolating) reprieve(p)
  if (violating.length && nonViolating.length) victims.sort((a, b) => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0))
  return { ok: true, candidate: { node: name, victims, pdbViolations } }
}

/** pickOneNodeForPreemption: fewest PDB violations, lowest top victim, lowest sum, fewest victims, latest start; then the first. */
export function pickCandidate(candidates: readonly Candidate[]): Candidate | undefined {
  const offset = 2 ** 31
  const earliestTop = (c: Candidate) => {
    const top = podPriority(c.victims[0])
    return Math.min(...c.victims.filter((v) => podPriority(v) === top).map(startTime))
  }
  const scores: ((c: Candidate) => number)[] = [
    (c) => -c.pdbViolations,
    (c) => -podPriority(c.victims[0]),
    (c) => -c.victims.reduce((s, v) => s + podPriority(v) + offset, 0),
    (c) => -c.victims.length,
    earliestTop,
  ]
  let all = [...candidates]
  for (const f of scores) {
    if (all.length <= 1) break
    const best = Math.max(...all.map(f))
    all = all.filter((c) => f(c) === best)
  }
  return all[0]
}

/**
 * The PostFilter for `input.pod` (snapshot key `key`), given what each node's filters said
 * (`rejections`, by node name). Nodes turned down for a reason removing pods cannot fix are not tried.
 */
export function planPreemption(input: FilterInput, key: string, snapshot: Snapshot, rejections: ReadonlyMap<string, Rejection>, pdbs: readonly PDB[]): PreemptionResult {
  const pod = input.pod
  if (pod.spec?.preemptionPolicy === 'Never') return { type: 'ineligible', message: preemptionMessages.never }
  const nominated = pod.status?.nominatedNodeName
  if (nominated && rejections.get(nominated)?.resolvable !== false) {
    for (const u of snapshot.podsOn(nominated).values()) {
      if (u.pod && podPriority(u.pod) < podPriority(pod) && isTerminatingByPreemption(u.pod)) return { type: 'ineligible', message: preemptionMessages.terminating }
    }
  }
  const candidates: Candidate[] = []
  const statuses: Rejection[] = []
  for (const node of snapshot.nodeList()) {
    const r = rejections.get(node.metadata?.name ?? '')
    if (!r) continue
    if (!r.resolvable) {
      statuses.push({ reasons: [reasons.preemptionNotHelpful], resolvable: false })
      continue
    }
    const out = selectVictims(input, node, snapshot.podsOn(node.metadata?.name ?? ''), snapshot, key, pdbs)
    if (out.ok) candidates.push(out.candidate)
    else statuses.push(out.rejection)
  }
  const best = pickCandidate(candidates)
  if (!best) return { type: 'none', rejections: statuses }
  return { type: 'preempt', candidate: best }
}
