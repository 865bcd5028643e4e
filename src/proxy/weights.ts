// Traffic weights between groups of a Service's endpoints, for canaries where stable and canary
// pods sit behind one Service (Argo Rollouts' canary with a traffic router, here without a mesh):
//
//   proxy.setWeights('default/myapp-svc', [
//     { selector: { 'rollouts-pod-template-hash': '6b8f9c7d5' }, weight: 10 },  // canary
//     { selector: { 'rollouts-pod-template-hash': '5d4c8b7f9' }, weight: 90 },  // stable
//   ])
//
// A group is a label selector on the endpoint's Pod (matchLabels). An endpoint belongs to the
// first group that matches. Weights are relative (10/90, 1/9 and 0.1/0.9 are the same split);
// a group without ready endpoints is skipped and its share goes to the others; endpoints in no
// group take no traffic unless no group can (see PortBalancer.setWeights).
import { isQualifiedName, isValidLabelValue } from '../apis/validation.js'
import type { Backend } from './endpoints.js'

export interface WeightGroup {
  /** Pod labels that put an endpoint in this group (all must match). */
  selector: Record<string, string>
  /** Relative share of new connections, ≥ 0. */
  weight: number
  /** A label for humans and metrics (e.g. `canary`). */
  name?: string
}

/** Thrown by setWeights for a malformed weights list. */
export class WeightsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WeightsError'
  }
}

/** Checks a weights list; throws WeightsError naming the first bad field. */
export function validateWeights(groups: unknown): WeightGroup[] {
  if (!Array.isArray(groups)) throw new WeightsError('weights: must be a list of {selector, weight}')
  return groups.map((g, i) => {
    const at = `weights[${i}]`
    if (!g || typeof g !== 'object') throw new WeightsError(`${at}: must be an object with selector and weight`)
    const { selector, weight, name } = g as Record<string, unknown>
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) throw new WeightsError(`${at}.weight: must be a finite number >= 0`)
    if (!selector || typeof selector !== 'object' || Array.isArray(selector)) throw new WeightsError(`${at}.selector: must be a map of label keys to values`)
    const entries = Object.entries(selector as Record<string, unknown>)
    if (entries.length === 0) throw new WeightsError(`${at}.selector: must not be empty`)
    for (const [k, v] of entries) {
      const keyErrs = isQualifiedName(k)
      if (keyErrs.length) throw new WeightsError(`${at}.selector: invalid label key ${JSON.stringify(k)}: ${keyErrs.join('; ')}`)
      if (typeof v !== 'string') throw new WeightsError(`${at}.selector[${k}]: must be a string`)
      const valueErrs = isValidLabelValue(v)
      if (valueErrs.length) throw new WeightsError(`${at}.selector[${k}]: invalid label value ${JSON.stringify(v)}: ${valueErrs.join('; ')}`)
    }
    if (name !== undefined && typeof name !== 'string') throw new WeightsError(`${at}.name: must be a string`)
    return { selector: { ...(selector as Record<string, string>) }, weight, ...(name !== undefined ? { name } : {}) }
  })
}

function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  if (!labels) return false
  for (const k in selector) if (labels[k] !== selector[k]) return false
  return true
}

/** Copies of `backends` with `group` set from their Pods' labels (undefined: no group matched or labels unknown). */
export function assignGroups(backends: Backend[], groups: WeightGroup[], podLabels: (namespace: string, name: string) => Record<string, string> | undefined): Backend[] {
  return backends.map((b) => {
    const labels = b.pod ? podLabels(b.pod.namespace, b.pod.name) : undefined
    const g = groups.findIndex((grp) => selects(grp.selector, labels))
    const { group: _, ...rest } = b
    return g >= 0 ? { ...rest, group: g } : rest
  })
}
