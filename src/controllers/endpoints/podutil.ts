// What the Endpoints and EndpointSlice controllers ask of pods and services (upstream
// k8s.io/endpointslice/util and pkg/api/v1/pod): readiness, membership, port resolution.
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'

export type { PodObj } from '../runtime/pods.js'
export type ServiceObj = StoredObject & Service

export { isPodReady } from '../runtime/pods.js'

export const isPodTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'

/** Upstream ShouldPodBeInEndpoints: not finished, has an IP, and (unless included) not terminating. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false
  if (!pod.status?.podIP && (pod.status?.podIPs ?? []).length === 0) return false
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false
  return true
}

/** The pod's IPv4 addresses (a single-stack IPv4 cluster). */
export function podIPv4s(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => Boolean(ip))
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP)
  return ips.filter((ip) => !ip.includes(':'))
}

/** Upstream ShouldSetHostname. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return Boolean(pod.spec?.hostname) && pod.spec?.subdomain === svc.metadata?.name && svc.metadata?.namespace === pod.metadata?.namespace
}

/**
 * Upstream FindPort: a numeric targetPort as is; a named one looked up in the containers' ports
 * (then sidecars') with the service port's protocol. Undefined when the pod has no such port.
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port
  const protocol = sp.protocol ?? 'TCP'
  if (typeof target === 'number') return target
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target)
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort
  }
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort
  }
  return undefined
}

/** Services select pods with a plain label map; none (or an empty one) selects nothing here. */
export function selects(svc: Service, pod: Pod): boolean {
  const sel = svc.spec?.selector
  if (!sel || Object.keys(sel).length === 0) return false
  if (pod.metadata?.namespace !== svc.metadata?.namespace) return false
  const labels = pod.metadata?.labels ?? {}
  return Object.entries(sel).every(([k, v]) => labels[k] === v)
}

/** Services whose endpoints a controller maintains: a selector, and not ExternalName. */
export function managesEndpoints(svc: Service): boolean {
  const sel = svc.spec?.selector
  return svc.spec?.type !== 'ExternalName' && Boolean(sel) && Object.keys(sel!).length > 0
}

export const isHeadless = (svc: Service): boolean => svc.spec?.clusterIP === 'None'

/** `service.kubernetes.io/headless`, set on the endpoints of headless services. */
export const headlessLabel = 'service.kubernetes.io/headless'
