// Service defaulting and the strategy's spec normalisation (upstream SetDefaults_Service,
// pkg/registry/core/service/strategy.go NormalizeClusterIPs / dropTypeDependentFields and the
// allocator's patchAllocatedValues / initIPFamilyFields, minus the allocation itself).
import { isDeepStrictEqual } from 'node:util'
import { isObj } from '../../lib/guards.js'
export { isObj }

type Obj = Record<string, unknown>
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

export const specOf = (svc: { spec?: unknown }): Obj => (isObj(svc.spec) ? svc.spec : {})

/** NodePort, LoadBalancer, or ClusterIP with externalIPs (upstream service.ExternallyAccessible). */
export function externallyAccessible(spec: Obj): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && list(spec.externalIPs).length > 0)
}

export function isHeadless(spec: Obj): boolean {
  const ips = list(spec.clusterIPs)
  return ips.length === 1 && ips[0] === 'None'
}

const needsClusterIP = (spec: Obj): boolean => spec.type !== 'ExternalName'
const needsNodePort = (spec: Obj): boolean =>
  spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false)

/** SetDefaults_Service. Mutates. */
export function defaultServiceSpec(spec: Obj): void {
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None'
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = isObj(spec.sessionAffinityConfig) ? spec.sessionAffinityConfig : undefined
    const clientIP = cfg && isObj(cfg.clientIP) ? cfg.clientIP : undefined
    if (!clientIP || clientIP.timeoutSeconds === undefined || clientIP.timeoutSeconds === null)
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } }
  }
  if (!spec.type) spec.type = 'ClusterIP'
  for (const p of list(spec.ports)) {
    if (!isObj(p)) continue
    if (!p.protocol) p.protocol = 'TCP'
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster'
  if ((spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(str(spec.type)))
    spec.internalTrafficPolicy = 'Cluster'
  if (spec.type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null))
    spec.allocateLoadBalancerNodePorts = true
}

/** Keep clusterIP and clusterIPs in step (upstream NormalizeClusterIPs). Mutates `spec`. */
export function normalizeClusterIPs(spec: Obj, old?: Obj): void {
  const clusterIP = str(spec.clusterIP)
  if (!old) {
    if (clusterIP && list(spec.clusterIPs).length === 0) spec.clusterIPs = [clusterIP]
    return
  }
  const sameIPs = () => isDeepStrictEqual(list(old.clusterIPs), list(spec.clusterIPs))
  if (list(old.clusterIPs).length > 0 && list(spec.clusterIPs).length === 0 && str(old.clusterIP) === clusterIP) spec.clusterIPs = old.clusterIPs
  if (str(old.clusterIP) !== clusterIP) {
    if (str(old.clusterIP) && !clusterIP) {
      if (sameIPs()) delete spec.clusterIPs
    } else if (sameIPs()) {
      spec.clusterIPs = [clusterIP]
    }
  }
}

/** Families and policy for a new service on a single-stack IPv4 cluster (initIPFamilyFields). */
export function initIPFamilyFields(spec: Obj): void {
  if (spec.type === 'ExternalName') return
  if (isHeadless(spec) && Object.keys(isObj(spec.selector) ? spec.selector : {}).length === 0) {
    if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = 'RequireDualStack'
  } else if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = 'SingleStack'
  if (list(spec.ipFamilies).length === 0) spec.ipFamilies = ['IPv4']
}

/**
 * On update, values the server allocated come back when the client left them out (a `replace`
 * without clusterIP or nodePort): upstream patchAllocatedValues. Mutates `spec`.
 */
export function patchAllocatedValues(spec: Obj, old: Obj): void {
  if (needsClusterIP(old) && needsClusterIP(spec)) {
    if (!spec.clusterIP && old.clusterIP) spec.clusterIP = old.clusterIP
    if (list(spec.clusterIPs).length === 0 && list(old.clusterIPs).length > 0) spec.clusterIPs = old.clusterIPs
  }
  if (needsNodePort(old) && needsNodePort(spec)) {
    const ports = (s: Obj) => new Set(list(s.ports).map((p) => (isObj(p) ? p.nodePort : undefined)).filter((n) => typeof n === 'number' && n > 0))
    const newUsed = ports(spec)
    const used = new Set([...ports(old)].filter((n) => newUsed.has(n)))
    const byName = new Map<string, unknown>()
    for (const p of list(old.ports)) if (isObj(p)) byName.set(str(p.name), p.nodePort)
    for (const p of list(spec.ports)) {
      if (!isObj(p) || p.nodePort) continue
      const oldVal = byName.get(str(p.name))
      if (typeof oldVal === 'number' && oldVal > 0 && !used.has(oldVal)) p.nodePort = oldVal
    }
  }
  if (old.type === 'LoadBalancer' && old.externalTrafficPolicy === 'Local' && spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local') {
    if (!spec.healthCheckNodePort && old.healthCheckNodePort) spec.healthCheckNodePort = old.healthCheckNodePort
  }
  if (spec.type !== 'ExternalName' && old.type !== 'ExternalName' && isHeadless(spec) === isHeadless(old)) {
    if (list(spec.ipFamilies).length === 0 && list(old.ipFamilies).length > 0) spec.ipFamilies = old.ipFamilies
    if (!spec.ipFamilyPolicy && old.ipFamilyPolicy) spec.ipFamilyPolicy = old.ipFamilyPolicy
  }
}

/** Fields that no longer apply after a type change are dropped when the user left them as they were. */
export function dropTypeDependentFields(spec: Obj, old: Obj): void {
  const same = (k: string) => isDeepStrictEqual(spec[k], old[k])
  if (needsClusterIP(old) && !needsClusterIP(spec)) {
    if (same('clusterIP') && same('clusterIPs')) {
      delete spec.clusterIP
      delete spec.clusterIPs
    }
    if (same('ipFamilies')) delete spec.ipFamilies
    if (same('ipFamilyPolicy')) delete spec.ipFamilyPolicy
  }
  if (needsNodePort(old) && !needsNodePort(spec)) {
    const oldPorts = list(old.ports)
    for (const [i, p] of list(spec.ports).entries()) {
      const o = oldPorts[i]
      if (isObj(p) && isObj(o) && p.nodePort === o.nodePort) delete p.nodePort
    }
  }
  if (spec.type !== 'LoadBalancer' && same('allocateLoadBalancerNodePorts')) delete spec.allocateLoadBalancerNodePorts
  if (spec.type !== 'LoadBalancer' && same('loadBalancerClass')) delete spec.loadBalancerClass
  if (!externallyAccessible(spec) && same('externalTrafficPolicy')) delete spec.externalTrafficPolicy
  if (!(spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local') && same('healthCheckNodePort')) delete spec.healthCheckNodePort
  if (spec.type === 'ExternalName' && same('internalTrafficPolicy')) delete spec.internalTrafficPolicy
}
