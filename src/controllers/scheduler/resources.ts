// What a pod asks of a node, as the scheduler counts it (upstream k8s.io/component-helpers
// resource.PodRequests, the NodeResourcesFit non-zero defaults, and NodePorts' host ports).
import type { Container, Pod } from 'kubernetes-types/core/v1.js'
import { parseQuantity } from '../../apis/core/quantity.js'

/** Resource amounts in integer base units: cpu in millicores, memory and storage in bytes. */
export type Resources = Map<string, number>

export const cpu = 'cpu'
export const memory = 'memory'
export const ephemeralStorage = 'ephemeral-storage'
export const podsResource = 'pods'

/** Scoring treats an unset cpu/memory request as this much (upstream DefaultMilliCPURequest, DefaultMemoryRequest). */
export const defaultMilliCPURequest = 100
export const defaultMemoryRequest = 200 * 1024 * 1024

/** A quantity in the resource's scheduler unit (millicores for cpu), rounded up as upstream's MilliValue/Value. */
export function quantityValue(resource: string, q: unknown): number {
  const v = parseQuantity(q)
  if (v === undefined || v <= 0) return 0
  if (resource === cpu) return Math.ceil(Math.round(v * 1e9) / 1e6)
  return Math.ceil(Math.round(v * 1e3) / 1e3)
}

export function resourceList(list: Record<string, unknown> | undefined | null): Resources {
  const out: Resources = new Map()
  if (!list || typeof list !== 'object') return out
  for (const [name, q] of Object.entries(list)) {
    const v = quantityValue(name, q)
    if (v > 0) out.set(name, v)
  }
  return out
}

function add(into: Resources, r: Resources): void {
  for (const [k, v] of r) into.set(k, (into.get(k) ?? 0) + v)
}

function max(into: Resources, r: Resources): void {
  for (const [k, v] of r) if (v > (into.get(k) ?? 0)) into.set(k, v)
}

const requestsOf = (c: Container): Resources => resourceList(c.resources?.requests as Record<string, unknown> | undefined)

/**
 * Effective requests (upstream PodRequests): the sum over app containers and sidecars (init
 * containers with restartPolicy Always), at least the largest regular init container plus the
 * sidecars started before it, plus the pod overhead.
 */
export function podRequests(pod: Pod): Resources {
  const spec = pod.spec
  const reqs: Resources = new Map()
  if (!spec) return reqs
  for (const c of spec.containers ?? []) add(reqs, requestsOf(c))
  const restartable: Resources = new Map()
  const init: Resources = new Map()
  for (const c of spec.initContainers ?? []) {
    const r = requestsOf(c)
    if (c.restartPolicy === 'Always') {
      add(reqs, r)
      add(restartable, r)
      max(init, restartable)
    } else {
      const tmp = new Map(r)
      add(tmp, restartable)
      max(init, tmp)
    }
  }
  max(reqs, init)
  add(reqs, resourceList(spec.overhead as Record<string, unknown> | undefined))
  return reqs
}

/** cpu and memory requests with unset values counted as the scoring defaults (upstream GetNonzeroRequests). */
export function nonZeroRequests(pod: Pod): { cpu: number; memory: number } {
  const spec = pod.spec
  let c = 0
  let m = 0
  const one = (ct: Container) => {
    const req = (ct.resources?.requests ?? {}) as Record<string, unknown>
    return {
      cpu: cpu in req ? quantityValue(cpu, req[cpu]) : defaultMilliCPURequest,
      memory: memory in req ? quantityValue(memory, req[memory]) : defaultMemoryRequest,
    }
  }
  for (const ct of spec?.containers ?? []) {
    const r = one(ct)
    c += r.cpu
    m += r.memory
  }
  let ic = 0
  let im = 0
  for (const ct of spec?.initContainers ?? []) {
    const r = one(ct)
    if (ct.restartPolicy === 'Always') {
      c += r.cpu
      m += r.memory
    } else {
      ic = Math.max(ic, r.cpu)
      im = Math.max(im, r.memory)
    }
  }
  return { cpu: Math.max(c, ic), memory: Math.max(m, im) }
}

export interface HostPort {
  ip: string
  protocol: string
  port: number
}

/** Host ports the pod's containers claim (hostIP defaults to 0.0.0.0, protocol to TCP). */
export function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = []
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort })
    }
  }
  return out
}
