// Privilege-escalation prevention, as upstream's pkg/registry/rbac/validation (Covers,
// BreakdownRule, CompactRules, ConfirmNoEscalation) and rbacv1helpers.CompactString: a user may
// create or update a Role, or bind one, only holding every permission it grants.
import type { PolicyRule } from './rules.js'

const list = (v: string[] | undefined) => v ?? []

/** One rule per group × resource × verb (× name), or per URL × verb. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = []
  for (const group of list(rule.apiGroups))
    for (const resource of list(rule.resources))
      for (const verb of list(rule.verbs)) {
        if (list(rule.resourceNames).length > 0) for (const name of list(rule.resourceNames)) out.push({ apiGroups: [group], resources: [resource], resourceNames: [name], verbs: [verb] })
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] })
      }
  for (const url of list(rule.nonResourceURLs)) for (const verb of list(rule.verbs)) out.push({ nonResourceURLs: [url], verbs: [verb] })
  return out
}

function hasAll(owner: string[], wanted: string[], wildcard = true): boolean {
  if (wildcard && owner.includes('*')) return true
  return wanted.every((w) => owner.includes(w))
}

/** Resources: `*`, the name itself, or `*\/sub` for a subresource. */
function resourceCoversAll(owner: string[], wanted: string[]): boolean {
  if (owner.includes('*')) return true
  return wanted.every((w) => {
    if (owner.includes(w)) return true
    const slash = w.indexOf('/')
    return slash >= 0 && owner.includes(`*/${w.slice(slash + 1)}`)
  })
}

function nonResourceURLsCoversAll(owner: string[], wanted: string[]): boolean {
  return wanted.every((w) => owner.some((o) => o === '*' || o === w || (o.endsWith('*') && w.startsWith(o.replace(/\*+$/, '')))))
}

/** upstream ruleCovers: `owner` grants everything `sub` (a broken-down rule) asks. */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = hasAll(list(owner.verbs), list(sub.verbs))
  const groups = hasAll(list(owner.apiGroups), list(sub.apiGroups))
  const resources = resourceCoversAll(list(owner.resources), list(sub.resources))
  const urls = nonResourceURLsCoversAll(list(owner.nonResourceURLs), list(sub.nonResourceURLs))
  // An owner limited to names never covers a rule for every name.
  const ownerNames = list(owner.resourceNames)
  const names = ownerNames.length === 0 || (list(sub.resourceNames).length > 0 && hasAll(ownerNames, list(sub.resourceNames), false))
  return verbs && groups && resources && urls && names
}

/** The broken-down rules of `servant` no rule of `owner` covers ([] = covered). */
export function uncovered(owner: PolicyRule[], servant: PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = []
  for (const rule of servant) for (const sub of breakdownRule(rule)) if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub)
  return missing
}

/** CompactRules: single-group, single-resource rules without names merge their verbs. */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = []
  const simple = new Map<string, PolicyRule>()
  for (const r of rules) {
    const isSimple = list(r.resourceNames).length === 0 && list(r.nonResourceURLs).length === 0 && list(r.apiGroups).length === 1 && list(r.resources).length === 1
    if (!isSimple) {
      out.push(r)
      continue
    }
    const key = `${r.apiGroups![0]}\u0000${r.resources![0]}`
    const existing = simple.get(key)
    if (existing) {
      for (const v of list(r.verbs)) if (!existing.verbs!.includes(v)) existing.verbs!.push(v)
    } else {
      const copy = { ...r, verbs: [...list(r.verbs)] }
      simple.set(key, copy)
      out.push(copy)
    }
  }
  return out
}

/** Go's `%q` of a []string: `["a" "b"]`. */
export function goQuotedList(v: string[]): string {
  return `[${v.map((s) => JSON.stringify(s)).join(' ')}]`
}

/** rbacv1helpers.CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = []
  if (list(r.apiGroups).length) parts.push(`APIGroups:${goQuotedList(r.apiGroups!)}`)
  if (list(r.resources).length) parts.push(`Resources:${goQuotedList(r.resources!)}`)
  if (list(r.nonResourceURLs).length) parts.push(`NonResourceURLs:${goQuotedList(r.nonResourceURLs!)}`)
  if (list(r.resourceNames).length) parts.push(`ResourceNames:${goQuotedList(r.resourceNames!)}`)
  if (list(r.verbs).length) parts.push(`Verbs:${goQuotedList(r.verbs!)}`)
  return `{${parts.join(', ')}}`
}

/**
 * ConfirmNoEscalation's message, or undefined when `held` covers `wanted`:
 * `user "jane" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`.
 */
export function escalationMessage(user: { username: string; groups: string[] }, held: PolicyRule[], wanted: PolicyRule[]): string | undefined {
  const missing = uncovered(held, wanted)
  if (missing.length === 0) return undefined
  // sets.NewString(...).List(): unique, sorted.
  const lines = [...new Set(compactRules(missing).map(compactString))].sort()
  return `user ${JSON.stringify(user.username)} (groups=${goQuotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`
}
