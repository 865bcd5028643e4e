// core/v1 ResourceQuota (upstream: pkg/apis/core/validation ValidateResourceQuota,
// pkg/registry/core/resourcequota/strategy.go, printers.go printResourceQuota).
import type { StoredObject } from '../../apis/meta.js'
import { formatAmount, toAmount } from '../../apis/core/quantity-format.js'
import type { FieldError } from '../../apis/validation.js'
import { invalid, isDNS1123Subdomain, isQualifiedName, notSupported } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import { isObj } from '../apps/workload.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import type { ResourceDef } from '../types.js'

export interface ResourceQuotaObj extends StoredObject {
  spec?: { hard?: Record<string, string>; scopes?: string[]; scopeSelector?: unknown }
  status?: { hard?: Record<string, string>; used?: Record<string, string> }
}

/** helper.IsStandardQuotaResourceName (names without a `/`). */
const standardQuotaResources = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory',
  'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
])
const isStandardQuotaResource = (k: string) => standardQuotaResources.has(k) || k.startsWith('hugepages-') || k.startsWith('requests.hugepages-')

/** helper.IsIntegerResourceName: object counts must be whole. */
export const isIntegerResource = (k: string) =>
  ['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers'].includes(k) || k.startsWith('count/')

const quotaScopes = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating']

function validateQuotaList(list: unknown, field: string): FieldError[] {
  if (!isObj(list)) return []
  const errs: FieldError[] = []
  for (const [k, v] of Object.entries(list)) {
    const path = `${field}[${k}]`
    for (const msg of isQualifiedName(k)) errs.push(invalid(path, k, msg))
    if (!k.includes('/') && !isStandardQuotaResource(k)) errs.push(invalid(path, k, 'must be a standard resource for quota'))
    const a = toAmount(v)
    if (!a) continue
    if (a.nano < 0n) errs.push(invalid(path, String(v), 'must be greater than or equal to 0'))
    if (isIntegerResource(k) && a.nano % 1_000_000_000n !== 0n) errs.push(invalid(path, String(v), 'must be an integer'))
  }
  return errs
}

export function validateResourceQuota(q: ResourceQuotaObj): FieldError[] {
  const spec = isObj(q.spec) ? q.spec : {}
  const errs = validateQuotaList(spec.hard, 'spec.hard')
  ;(Array.isArray(spec.scopes) ? spec.scopes : []).forEach((s, i) => {
    if (!quotaScopes.includes(String(s))) errs.push(notSupported(`spec.scopes[${i}]`, s, quotaScopes))
  })
  return [...errs, ...validateQuotaList(q.status?.hard, 'status.hard'), ...validateQuotaList(q.status?.used, 'status.used')]
}

/** SortableResourceNames order. */
const sorted = (m: Record<string, unknown>) => Object.keys(m).sort()

/** printResourceQuota: `pods: 1/2` for every hard limit, `limits.*` in the LIMIT column. */
export function quotaCells(q: ResourceQuotaObj): [string, string] {
  const hard = q.status?.hard ?? {}
  const used = q.status?.used ?? {}
  const request: string[] = []
  const limit: string[] = []
  for (const k of sorted(hard)) {
    const pieces = k.split('.')
    const out = pieces.length > 1 && pieces[0] === 'limits' ? limit : request
    const u = toAmount(used[k] ?? '0')
    const h = toAmount(hard[k])
    out.push(`${k}: ${u ? formatAmount(u) : '0'}/${h ? formatAmount(h) : String(hard[k])}`)
  }
  return [request.join(', '), limit.join(', ')]
}

const columns = [
  nameColumn,
  ageColumn,
  column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
  column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
]

export const resourceQuotas: ResourceDef<ResourceQuotaObj> = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  resource: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  validate: validateResourceQuota,
  table: {
    columns,
    cells: (q, now) => [q.metadata.name ?? '', age(q.metadata.creationTimestamp as string | undefined, now), ...quotaCells(q)],
  },
}
