// core/v1 LimitRange (upstream: pkg/apis/core/v1 SetDefaults_LimitRangeItem, pkg/apis/core/validation
// ValidateLimitRange, printers.go printLimitRange: NAME and CREATED AT).
import type { StoredObject } from '../../apis/meta.js'
import { formatAmount, toAmount } from '../../apis/core/quantity-format.js'
import type { FieldError } from '../../apis/validation.js'
import { duplicate, forbidden, invalid, isDNS1123Subdomain } from '../../apis/validation.js'
import { isObj } from '../apps/workload.js'
import { nameColumn } from '../columns.js'
import { creationTimestampDescription } from '../columns.js'
import type { ResourceDef } from '../types.js'

export type ResourceList = Record<string, string>

export interface LimitRangeItem {
  type?: string
  max?: ResourceList
  min?: ResourceList
  default?: ResourceList
  defaultRequest?: ResourceList
  maxLimitRequestRatio?: ResourceList
}

export interface LimitRangeObj extends StoredObject {
  spec?: { limits?: LimitRangeItem[] }
}

/** SetDefaults_LimitRangeItem: for Container items, default ← max, defaultRequest ← default, then min. */
export function defaultLimitRange(lr: LimitRangeObj): void {
  for (const item of lr.spec?.limits ?? []) {
    if (!item || typeof item !== 'object' || item.type !== 'Container') continue
    const def: ResourceList = (item.default ??= {})
    const req: ResourceList = (item.defaultRequest ??= {})
    for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v
    for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v
    for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in req)) req[k] = v
  }
}

const q = (v: unknown) => toAmount(v)
const show = (v: unknown) => {
  const a = toAmount(v)
  return a ? formatAmount(a) : String(v)
}

export function validateLimitRange(lr: LimitRangeObj): FieldError[] {
  const errs: FieldError[] = []
  const seen = new Set<string>()
  ;(lr.spec?.limits ?? []).forEach((item, i) => {
    const p = `spec.limits[${i}]`
    const type = String(item?.type ?? '')
    if (seen.has(type)) errs.push(duplicate(`${p}.type`, type))
    seen.add(type)
    if (type === 'Pod') {
      if (Object.keys(item.default ?? {}).length) errs.push(forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"))
      if (Object.keys(item.defaultRequest ?? {}).length) errs.push(forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"))
    }
    const min = item.min ?? {}
    const max = item.max ?? {}
    const dflt = item.default ?? {}
    for (const k of Object.keys(min).sort()) {
      const a = q(min[k])
      const b = q(max[k])
      if (a && b && a.nano > b.nano) errs.push(invalid(`${p}.min[${k}]`, show(min[k]), `min value ${show(min[k])} is greater than max value ${show(max[k])}`))
    }
    for (const k of Object.keys(item.defaultRequest ?? {}).sort()) {
      const v = item.defaultRequest![k]
      const r = q(v)
      if (!r) continue
      if (k in min && q(min[k])!.nano > r.nano) errs.push(invalid(`${p}.defaultRequest[${k}]`, show(v), `min value ${show(min[k])} is greater than default request value ${show(v)}`))
      if (k in max && r.nano > q(max[k])!.nano) errs.push(invalid(`${p}.defaultRequest[${k}]`, show(v), `default request value ${show(v)} is greater than max value ${show(max[k])}`))
      if (k in dflt && r.nano > q(dflt[k])!.nano) errs.push(invalid(`${p}.defaultRequest[${k}]`, show(v), `default request value ${show(v)} is greater than default limit value ${show(dflt[k])}`))
    }
    for (const k of Object.keys(dflt).sort()) {
      const d = q(dflt[k])
      if (!d) continue
      if (k in min && q(min[k])!.nano > d.nano) errs.push(invalid(`${p}.default[${k}]`, show(dflt[k]), `min value ${show(min[k])} is greater than default value ${show(dflt[k])}`))
      if (k in max && d.nano > q(max[k])!.nano) errs.push(invalid(`${p}.default[${k}]`, show(dflt[k]), `default value ${show(dflt[k])} is greater than max value ${show(max[k])}`))
    }
    for (const k of Object.keys(item.maxLimitRequestRatio ?? {}).sort()) {
      const v = item.maxLimitRequestRatio![k]
      const r = q(v)
      if (r && r.nano < 1_000_000_000n) errs.push(invalid(`${p}.maxLimitRequestRatio[${k}]`, show(v), `ratio ${show(v)} is less than 1`))
    }
  })
  return errs
}

export const limitRanges: ResourceDef<LimitRangeObj> = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  resource: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  nameValidator: isDNS1123Subdomain,
  defaults: defaultLimitRange,
  validate: validateLimitRange,
  table: {
    columns: [nameColumn, { name: 'Created At', type: 'date', format: '', description: creationTimestampDescription, priority: 0 }],
    cells: (lr) => [lr.metadata.name ?? '', lr.metadata.creationTimestamp ?? ''],
  },
}
