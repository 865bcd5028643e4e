// Container resource requirements: validation (upstream validateResourceRequirements) and QoS
// class (pkg/apis/core/helper/qos ComputePodQOS).
import type { PodSpec } from 'kubernetes-types/core/v1.js'
import { forbidden, invalid, isQualifiedName, required, type FieldError } from '../validation.js'
import { isObject } from './pod-defaults.js'
import { parseQuantity, quantityRegexMsg } from './quantity.js'

type Obj = Record<string, unknown>

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage'])
const standardResources = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu',
  'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets',
  'persistentvolumeclaims', 'configmaps', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
])
const isHugePages = (name: string): boolean => name.startsWith('hugepages-')
/** Only cpu, memory, ephemeral-storage and hugepages are native; extended resources may not overcommit. */
const isOvercommitAllowed = (name: string): boolean => standardContainerResources.has(name)

function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(path, name, m))
  if (errs.length) return errs
  if (!name.includes('/')) {
    if (!standardResources.has(name) && !isHugePages(name)) errs.push(invalid(path, name, 'must be a standard resource type or fully qualified'))
    if (!standardContainerResources.has(name) && !isHugePages(name)) errs.push(invalid(path, name, 'must be a standard resource for containers'))
  }
  return errs
}

/** The quantity's text as upstream prints it (close enough: the user's own spelling). */
const qText = (q: unknown): string => (typeof q === 'number' ? String(q) : String(q))

export function validateResourceRequirements(resources: unknown, path: string): FieldError[] {
  if (!isObject(resources)) return []
  const limits: Obj = isObject(resources.limits) ? resources.limits : {}
  const requests: Obj = isObject(resources.requests) ? resources.requests : {}
  const errs: FieldError[] = []
  let limCPUOrMem = false
  let reqCPUOrMem = false
  let hugePages = false
  for (const [name, q] of Object.entries(limits)) {
    const p = `${path}.limits[${name}]`
    errs.push(...validateContainerResourceName(name, p))
    const v = parseQuantity(q)
    if (v === undefined) errs.push(invalid(p, q, quantityRegexMsg))
    else if (v < 0) errs.push(invalid(p, qText(q), 'must be greater than or equal to 0'))
    if (isHugePages(name)) hugePages = true
    if (name === 'cpu' || name === 'memory') limCPUOrMem = true
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = `${path}.requests[${name}]`
    errs.push(...validateContainerResourceName(name, p))
    const v = parseQuantity(q)
    if (v === undefined) errs.push(invalid(p, q, quantityRegexMsg))
    else if (v < 0) errs.push(invalid(p, qText(q), 'must be greater than or equal to 0'))
    if (name in limits) {
      const lim = parseQuantity(limits[name])
      if (v !== undefined && lim !== undefined) {
        if (v !== lim && !isOvercommitAllowed(name))
          errs.push(invalid(`${path}.requests`, qText(q), `must be equal to ${name} limit of ${qText(limits[name])}`))
        else if (v > lim) errs.push(invalid(`${path}.requests`, qText(q), `must be less than or equal to ${name} limit of ${qText(limits[name])}`))
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(`${path}.limits`, 'Limit must be set for non overcommitable resources'))
    }
    if (isHugePages(name)) hugePages = true
    if (name === 'cpu' || name === 'memory') reqCPUOrMem = true
  }
  if (!limCPUOrMem && !reqCPUOrMem && hugePages) errs.push(forbidden(path, 'HugePages require cpu or memory'))
  return errs
}

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort'

/**
 * Upstream ComputePodQOS: only cpu and memory count. No requests or limits anywhere: BestEffort;
 * every container limits both and requests equal limits: Guaranteed; otherwise Burstable.
 */
export function computeQOSClass(spec: PodSpec | undefined): QOSClass {
  const requests = new Map<string, number>()
  const limits = new Map<string, number>()
  let guaranteed = true
  const containers = [...(Array.isArray(spec?.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec?.containers) ? spec.containers : [])]
  for (const c of containers) {
    if (!isObject(c)) continue
    const res: Obj = isObject(c.resources) ? c.resources : {}
    const req: Obj = isObject(res.requests) ? res.requests : {}
    const lim: Obj = isObject(res.limits) ? res.limits : {}
    for (const name of ['cpu', 'memory']) {
      const r = parseQuantity(req[name])
      if (r !== undefined && r > 0) requests.set(name, (requests.get(name) ?? 0) + r)
    }
    const found = new Set<string>()
    for (const name of ['cpu', 'memory']) {
      const l = parseQuantity(lim[name])
      if (l !== undefined && l > 0) {
        found.add(name)
        limits.set(name, (limits.get(name) ?? 0) + l)
      }
    }
    if (found.size !== 2) guaranteed = false
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort'
  if (guaranteed) {
    for (const [name, r] of requests) if (limits.get(name) !== r) guaranteed = false
    if (guaranteed && requests.size === limits.size) return 'Guaranteed'
  }
  return 'Burstable'
}
