// The resource quota controller's arithmetic (upstream pkg/controller/resourcequota
// syncResourceQuota): status.hard follows spec.hard, status.used is the namespace's usage of
// exactly the resources the quota limits, recounted from the objects themselves.
import { addAmounts, formatAmount, toAmount, zero, type Amount } from '../../apis/core/quantity-format.js'
import type { Usage } from '../../apis/core/usage.js'
import type { StoredObject } from '../../apis/meta.js'
import { sameJSON } from '../runtime/equal.js'

export interface QuotaObj extends StoredObject {
  spec?: { hard?: Record<string, string>; scopes?: string[]; scopeSelector?: unknown }
  status?: { hard?: Record<string, string>; used?: Record<string, string> }
}

/** Adds up the usages of the objects a quota covers. */
export function totalUsage(usages: Iterable<Usage>): Usage {
  const out: Usage = {}
  for (const u of usages) for (const [k, a] of Object.entries(u)) out[k] = out[k] ? addAmounts(out[k], a) : a
  return out
}

/** The status to write, or undefined when the stored one is current. */
export function planQuotaStatus(q: QuotaObj, usage: Usage): QuotaObj['status'] | undefined {
  const hard = { ...(q.spec?.hard ?? {}) }
  const used: Record<string, string> = {}
  for (const k of Object.keys(hard)) {
    const h = toAmount(hard[k])
    const u: Amount = usage[k] ?? zero()
    // Used prints in the format of the limit it is measured against (`1Gi` limit: `192Mi` used).
    used[k] = formatAmount({ ...u, format: h?.format === 'BinarySI' || u.format === 'BinarySI' ? 'BinarySI' : 'DecimalSI' })
  }
  const status = { hard, used }
  return sameJSON(status, { hard: q.status?.hard ?? {}, used: q.status?.used ?? {} }) ? undefined : status
}
