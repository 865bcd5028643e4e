// The LimitRanger and ResourceQuota admission plugins (upstream plugin/pkg/admission/limitranger
// and plugin/pkg/admission/resourcequota). LimitRanger fills a new pod's containers with the
// namespace's default limits and requests and refuses a pod outside min/max/maxLimitRequestRatio;
// ResourceQuota refuses a new object that would take a quota's used past its hard limit, and
// otherwise reserves the usage in the quota's status at once (the quota controller recounts later).
import { formatAmount, toAmount, addAmounts, type Amount } from '../../apis/core/quantity-format.js'
import { computeQOSClass } from '../../apis/core/resources.js'
import { objectUsage, podConstraints, quotaSelects, type Usage } from '../../apis/core/usage.js'
import type { StoredObject } from '../../apis/meta.js'
import { errors, isStatusError } from '../../apis/status.js'
import type { Admission, AdmissionAttributes, ResourceStore } from '../rest.js'
import type { LimitRangeObj, ResourceList } from './limitrange.js'
import type { ResourceQuotaObj } from './resourcequota.js'

type Container = { name?: string; resources?: { requests?: ResourceList; limits?: ResourceList } }
type PodObj = StoredObject & { spec?: { containers?: Container[]; initContainers?: Container[] }; status?: Record<string, unknown> }

export const limitRangerAnnotation = 'kubernetes.io/limit-ranger'

const show = (v: unknown) => {
  const a = toAmount(v)
  return a ? formatAmount(a) : String(v)
}

/** mergeContainerResources: fills what the container does not state; returns the annotation parts. */
function mergeContainer(c: Container, requests: ResourceList, limits: ResourceList, kind: string): string[] {
  const res = (c.resources ??= {})
  const lim = (res.limits ??= {})
  const req = (res.requests ??= {})
  const setLimits: string[] = []
  const setRequests: string[] = []
  for (const [k, v] of Object.entries(limits)) if (!(k in lim)) (lim[k] = v), setLimits.push(k)
  for (const [k, v] of Object.entries(requests)) if (!(k in req)) (req[k] = v), setRequests.push(k)
  if (Object.keys(lim).length === 0) delete res.limits
  if (Object.keys(req).length === 0) delete res.requests
  const out: string[] = []
  if (setRequests.length) out.push(`${setRequests.sort().join(', ')} request for ${kind} ${c.name}`)
  if (setLimits.length) out.push(`${setLimits.sort().join(', ')} limit for ${kind} ${c.name}`)
  return out
}

/** minConstraint / maxConstraint / limitRequestRatioConstraint for one container (or the pod). */
function checkItem(type: string, req: ResourceList, lim: ResourceList, item: { min?: ResourceList; max?: ResourceList; maxLimitRequestRatio?: ResourceList }): string[] {
  const errs: string[] = []
  const val = (v: unknown) => toAmount(v)?.nano ?? 0n
  for (const k of Object.keys(item.min ?? {}).sort()) {
    const enforced = item.min![k]
    if (!(k in req)) errs.push(`minimum ${k} usage per ${type} is ${show(enforced)}.  No request is specified`)
    else if (val(req[k]) < val(enforced)) errs.push(`minimum ${k} usage per ${type} is ${show(enforced)}, but request is ${show(req[k])}`)
    else if (k in lim && val(lim[k]) < val(enforced)) errs.push(`minimum ${k} usage per ${type} is ${show(enforced)}, but limit is ${show(lim[k])}`)
  }
  for (const k of Object.keys(item.max ?? {}).sort()) {
    const enforced = item.max![k]
    if (!(k in lim)) errs.push(`maximum ${k} usage per ${type} is ${show(enforced)}.  No limit is specified`)
    else if (val(lim[k]) > val(enforced)) errs.push(`maximum ${k} usage per ${type} is ${show(enforced)}, but limit is ${show(lim[k])}`)
    else if (k in req && val(req[k]) > val(enforced)) errs.push(`maximum ${k} usage per ${type} is ${show(enforced)}, but request is ${show(req[k])}`)
  }
  for (const k of Object.keys(item.maxLimitRequestRatio ?? {}).sort()) {
    const enforced = item.maxLimitRequestRatio![k]
    const r = val(req[k])
    const l = val(lim[k])
    if (!(k in req) || r === 0n) errs.push(`${k} max limit to request ratio per ${type} is ${show(enforced)}, but no request is specified or request is 0`)
    else if (!(k in lim) || l === 0n) errs.push(`${k} max limit to request ratio per ${type} is ${show(enforced)}, but no limit is specified or limit is 0`)
    else {
      const ratio = Number(l) / Number(r)
      if (ratio * 1e9 > Number(val(enforced))) errs.push(`${k} max limit to request ratio per ${type} is ${show(enforced)}, but provided ratio is ${ratio.toFixed(6)}`)
    }
  }
  return errs
}

/** utilerrors.NewAggregate(errs).Error(): one message as it is, several in brackets. */
const aggregate = (msgs: string[]) => (msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`)

function sumList(containers: Container[], which: 'requests' | 'limits'): ResourceList {
  const sum: Record<string, Amount> = {}
  for (const c of containers)
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) {
      const a = toAmount(v)
      if (a) sum[k] = sum[k] ? addAmounts(sum[k], a) : a
    }
  return Object.fromEntries(Object.entries(sum).map(([k, a]) => [k, formatAmount(a)]))
}

/** LimitRanger for pods (PersistentVolumeClaims are not served). */
export function limitRanger(deps: { listLimitRanges(namespace: string): Promise<LimitRangeObj[]> }): Admission {
  return {
    name: 'LimitRanger',
    async admit(attrs) {
      if (attrs.operation !== 'CREATE' || attrs.subresource || attrs.def.group !== '' || attrs.def.resource !== 'pods' || !attrs.namespace) return
      const pod = attrs.object as PodObj | undefined
      if (!pod?.spec) return
      const ranges = await deps.listLimitRanges(attrs.namespace)
      if (ranges.length === 0) return
      // Defaults first (every range's Container defaults, later ranges winning a key), then checks.
      const requests: ResourceList = {}
      const limits: ResourceList = {}
      for (const lr of ranges)
        for (const item of lr.spec?.limits ?? [])
          if (item.type === 'Container') {
            Object.assign(requests, item.defaultRequest ?? {})
            Object.assign(limits, item.default ?? {})
          }
      const notes: string[] = []
      for (const c of pod.spec.containers ?? []) notes.push(...mergeContainer(c, requests, limits, 'container'))
      for (const c of pod.spec.initContainers ?? []) notes.push(...mergeContainer(c, requests, limits, 'init container'))
      if (notes.length) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [limitRangerAnnotation]: `LimitRanger plugin set: ${notes.join('; ')}` }
      const errs: string[] = []
      for (const lr of ranges)
        for (const item of lr.spec?.limits ?? []) {
          if (item.type === 'Container') {
            for (const c of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])]) errs.push(...checkItem('Container', c.resources?.requests ?? {}, c.resources?.limits ?? {}, item))
          } else if (item.type === 'Pod') {
            const cs = pod.spec.containers ?? []
            errs.push(...checkItem('Pod', sumList(cs, 'requests'), sumList(cs, 'limits'), item))
          }
        }
      if (errs.length) throw errors.forbidden({ group: '', resource: 'pods' }, attrs.name, aggregate(errs))
      // The QoS class was computed before the defaults went in.
      if (notes.length && pod.status) pod.status.qosClass = computeQOSClass(pod.spec as never)
    },
  }
}

const prettyPrint = (u: Usage) =>
  Object.keys(u)
    .sort()
    .map((k) => `${k}=${formatAmount(u[k])}`)
    .join(',')

const amounts = (list: Record<string, string> | undefined): Usage => {
  const out: Usage = {}
  for (const [k, v] of Object.entries(list ?? {})) {
    const a = toAmount(v)
    if (a) out[k] = a
  }
  return out
}

export function resourceQuotaAdmission(deps: { quotas(): ResourceStore; clock?: () => Date }): Admission {
  const clock = deps.clock ?? (() => new Date())
  return {
    name: 'ResourceQuota',
    async admit(attrs: AdmissionAttributes) {
      if (attrs.operation !== 'CREATE' || attrs.subresource || !attrs.def.namespaced || !attrs.namespace || !attrs.object) return
      // The default quota configuration ignores Events (both API groups).
      if (attrs.def.resource === 'events') return
      const { group, resource } = attrs.def
      const ref = { group, resource }
      const delta = objectUsage(group, resource, attrs.object, clock())
      for (let attempt = 0; ; attempt++) {
        const quotas = (await deps.quotas().list(attrs.namespace)).items as ResourceQuotaObj[]
        const updates: ResourceQuotaObj[] = []
        for (const q of [...quotas].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1))) {
          if (!quotaSelects(q, group, resource, attrs.object)) continue
          const hard = amounts(q.status?.hard)
          const hardNames = Object.keys(hard)
          if (group === '' && resource === 'pods') {
            const missing = podConstraints(attrs.object as never, hardNames)
            if (missing) throw errors.forbidden(ref, attrs.name, `failed quota: ${q.metadata.name}: ${missing}`)
          }
          const requested: Usage = {}
          for (const k of hardNames) if (delta[k]) requested[k] = delta[k]
          if (Object.keys(requested).length === 0) continue
          const used = amounts(q.status?.used)
          const unknown = Object.keys(requested).filter((k) => !used[k])
          if (unknown.length) throw errors.forbidden(ref, attrs.name, `status unknown for quota: ${q.metadata.name}, resources: ${unknown.sort().join(',')}`)
          const exceeded = Object.keys(requested).filter((k) => used[k].nano + requested[k].nano > hard[k].nano)
          if (exceeded.length) {
            const pick = (u: Usage) => Object.fromEntries(exceeded.map((k) => [k, u[k]]))
            throw errors.forbidden(
              ref,
              attrs.name,
              `exceeded quota: ${q.metadata.name}, requested: ${prettyPrint(pick(requested))}, used: ${prettyPrint(pick(used))}, limited: ${prettyPrint(pick(hard))}`,
            )
          }
          const next = { ...(q.status?.used ?? {}) }
          for (const k of Object.keys(requested)) next[k] = formatAmount({ ...addAmounts(used[k], requested[k]), format: used[k].format === 'BinarySI' || hard[k].format === 'BinarySI' ? 'BinarySI' : 'DecimalSI' })
          updates.push({ ...q, status: { ...q.status, used: next } })
        }
        if (attrs.dryRun || updates.length === 0) return
        try {
          // Reserve the usage now, so the next object is counted against it before the controller recounts.
          for (const u of updates) await deps.quotas().update(u.metadata.namespace, u.metadata.name!, u, { subresource: 'status', fieldManager: 'kube-apiserver' })
          return
        } catch (err) {
          if (!isStatusError(err, 'Conflict') || attempt >= 20) throw err
          // Another writer (a parallel create, the quota controller) got there first: read again.
          await new Promise((r) => setTimeout(r, 2 + attempt * 5))
        }
      }
    },
  }
}
