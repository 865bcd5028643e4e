// The clusterrole-aggregation controller's plan (upstream pkg/controller/clusterroleaggregation):
// a ClusterRole with an aggregationRule gets as its rules the union of the rules of every other
// ClusterRole its selectors match — selector by selector, roles by name, each rule once — so
// labelling a ClusterRole `rbac.authorization.k8s.io/aggregate-to-view: "true"` extends `view`.
import type { StoredObject } from '../../apis/meta.js'
import type { PolicyRule } from '../../apis/rbac/rules.js'
import type { LabelSelector } from 'kubernetes-types/meta/v1.js'
import { labelSelectorMatches } from '../../lib/selector.js'

interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[] | null
}

export const aggregationRuleOf = (role: StoredObject): AggregationRule | undefined => (role.aggregationRule ?? undefined) as AggregationRule | undefined

/** Upstream compares rules semantically (nil and empty lists alike). */
function canonical(rule: PolicyRule): string {
  const l = (v: string[] | undefined) => v ?? []
  return JSON.stringify([l(rule.verbs), l(rule.apiGroups), l(rule.resources), l(rule.resourceNames), l(rule.nonResourceURLs)])
}

/** The rules `role` should have (pure), or undefined when it aggregates nothing or already has them. */
export function planAggregatedRules(role: StoredObject, all: readonly StoredObject[]): PolicyRule[] | undefined {
  const rule = aggregationRuleOf(role)
  if (!rule) return undefined
  const out: PolicyRule[] = []
  const seen = new Set<string>()
  for (const selector of rule.clusterRoleSelectors ?? []) {
    const matching = all.filter((r) => r.metadata.name !== role.metadata.name && labelSelectorMatches(selector, r.metadata.labels)).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1))
    for (const r of matching) {
      for (const policy of (r.rules as PolicyRule[] | null | undefined) ?? []) {
        const key = canonical(policy)
        if (seen.has(key)) continue
        seen.add(key)
        out.push(policy)
      }
    }
  }
  const current = ((role.rules as PolicyRule[] | null | undefined) ?? []).map(canonical)
  if (current.length === out.length && current.every((c, i) => c === canonical(out[i]))) return undefined
  return out
}
