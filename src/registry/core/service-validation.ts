// Service validation (upstream ValidateService / ValidateServiceUpdate), in upstream's order.
import { isIP } from 'node:net'
import {
  duplicate, forbidden, invalid, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, notSupported, portRangeMsg, required,
  validateLabels, type FieldError,
} from '../../apis/validation.js'
import { validatePortNumOrName } from '../../apis/core/pod.js'
import { goServicePortKey, goStringSlice, withGoValue } from './gosyntax.js'
import { externallyAccessible, isHeadless, isObj, list, specOf } from './service-spec.js'

type Obj = Record<string, unknown>
const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const num = (v: unknown): number => (typeof v === 'number' ? v : 0)

export const nodePortRange = { base: 30000, size: 2768 }

const supportedProtocols = ['SCTP', 'TCP', 'UDP']
const supportedTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']

function isValidIP(path: string, value: string): FieldError[] {
  return isIP(value) === 0 ? [invalid(path, value, 'must be a valid IP address, (e.g. 127.244.8.7 or 2001:db8::ffff)')] : []
}

function validateServicePort(sp: Obj, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = []
  const name = str(sp.name)
  if (requireName && name === '') errs.push(required(`${path}.name`))
  else if (name !== '') {
    for (const m of isDNS1123Label(name)) errs.push(invalid(`${path}.name`, name, m))
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name))
    else names.add(name)
  }
  const port = num(sp.port)
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) errs.push(invalid(`${path}.port`, port, portRangeMsg))
  const proto = str(sp.protocol)
  if (proto === '') errs.push(required(`${path}.protocol`))
  else if (!supportedProtocols.includes(proto)) errs.push(notSupported(`${path}.protocol`, proto, supportedProtocols))
  errs.push(...validatePortNumOrName(sp.targetPort, `${path}.targetPort`))
  if (sp.appProtocol !== undefined && sp.appProtocol !== null)
    for (const m of isQualifiedName(str(sp.appProtocol))) errs.push(invalid(`${path}.appProtocol`, sp.appProtocol, m))
  return errs
}

function validateClusterIPsRelatedFields(spec: Obj): FieldError[] {
  if (spec.type === 'ExternalName') return []
  const errs: FieldError[] = []
  const clusterIPs = list(spec.clusterIPs).map(str)
  const clusterIP = str(spec.clusterIP)
  if (clusterIP !== '') {
    if (clusterIPs.length === 0) errs.push(required('spec.clusterIPs'))
    else if (clusterIPs[0] !== clusterIP) errs.push(withGoValue(invalid('spec.clusterIPs', clusterIPs, 'first value must match `clusterIP`'), goStringSlice(clusterIPs)))
  } else if (clusterIPs.length !== 0) {
    errs.push(withGoValue(invalid('spec.clusterIPs', clusterIPs, 'must be empty when `clusterIP` is not specified'), goStringSlice(clusterIPs)))
  }
  const seen = new Set<string>()
  list(spec.ipFamilies).map(str).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']))
    if (seen.has(f)) errs.push(duplicate(`spec.ipFamilies[${i}]`, f))
    seen.add(f)
  })
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
    const p = str(spec.ipFamilyPolicy)
    if (!['PreferDualStack', 'RequireDualStack', 'SingleStack'].includes(p))
      errs.push(notSupported('spec.ipFamilyPolicy', p, ['PreferDualStack', 'RequireDualStack', 'SingleStack']))
  }
  let hasInvalid = false
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        hasInvalid = true
        errs.push(withGoValue(invalid('spec.clusterIPs', clusterIPs, "'None' must be the first and only value"), goStringSlice(clusterIPs)))
      }
      return
    }
    const e = isValidIP(`spec.clusterIPs[${i}]`, ip)
    if (e.length) hasInvalid = true
    errs.push(...e)
  })
  if (clusterIPs.length > 2) errs.push(withGoValue(invalid('spec.clusterIPs', clusterIPs, 'may only hold up to 2 values'), goStringSlice(clusterIPs)))
  if (hasInvalid) return errs
  if (clusterIPs.length > 1 && isIP(clusterIPs[0]) === isIP(clusterIPs[1]))
    errs.push(withGoValue(invalid('spec.clusterIPs', clusterIPs, 'may specify no more than one IP for each IP family'), goStringSlice(clusterIPs)))
  const families = list(spec.ipFamilies).map(str)
  if (!isHeadless(spec)) {
    clusterIPs.forEach((ip, i) => {
      if (i >= families.length) return
      if (families[i] === 'IPv4' && isIP(ip) === 6) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``))
      if (families[i] === 'IPv6' && isIP(ip) !== 6) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``))
    })
  }
  return errs
}

/** ValidateService (metadata is validated generically). `spec` has been defaulted. */
export function validateServiceSpec(svc: { spec?: unknown }): FieldError[] {
  const spec = specOf(svc)
  const errs: FieldError[] = []
  const type = str(spec.type)
  const ports = list(spec.ports)
  const headless = isHeadless(spec)
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'))
  if (type === 'LoadBalancer' && headless) errs.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"))
  if (type === 'NodePort' && headless) errs.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"))
  if (type === 'ExternalName') {
    if (list(spec.clusterIPs).length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'))
    if (list(spec.ipFamilies).length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'))
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'))
    const cname = str(spec.externalName).replace(/\.$/, '')
    if (cname.length > 0) for (const m of isDNS1123Subdomain(cname)) errs.push(invalid('spec.externalName', cname, m))
    else errs.push(required('spec.externalName'))
  }
  const names = new Set<string>()
  ports.forEach((p, i) => errs.push(...validateServicePort(isObj(p) ? p : {}, ports.length > 1, names, `spec.ports[${i}]`)))
  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabels(spec.selector as Record<string, string>, 'spec.selector'))

  const affinity = str(spec.sessionAffinity)
  if (affinity === '') errs.push(required('spec.sessionAffinity'))
  else if (affinity !== 'ClientIP' && affinity !== 'None') errs.push(notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']))
  if (affinity === 'ClientIP') {
    const cfg = isObj(spec.sessionAffinityConfig) ? spec.sessionAffinityConfig : undefined
    const when = 'when session affinity type is ClientIP'
    if (!cfg) errs.push(required('spec.sessionAffinityConfig', when))
    else if (!isObj(cfg.clientIP)) errs.push(required('spec.sessionAffinityConfig.clientIP', when))
    else if (cfg.clientIP.timeoutSeconds === undefined || cfg.clientIP.timeoutSeconds === null) errs.push(required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', when))
    else {
      const t = num(cfg.clientIP.timeoutSeconds)
      if (t <= 0 || t > 86400) errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, 'must be greater than 0 and less than 86400'))
    }
  } else if (affinity === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'))
  }

  errs.push(...validateClusterIPsRelatedFields(spec))

  list(spec.externalIPs).map(str).forEach((ip, i) => {
    const p = `spec.externalIPs[${i}]`
    const e = isValidIP(p, ip)
    if (e.length) errs.push(...e)
    // Upstream also refuses loopback here; kubelite lives on loopback, so only the rest is refused.
    else if (ip === '0.0.0.0' || ip === '::') errs.push(invalid(p, ip, `may not be unspecified (${ip})`))
    else if (/^169\.254\./.test(ip) || /^fe[89ab]/i.test(ip)) errs.push(invalid(p, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'))
  })

  if (type === '') errs.push(required('spec.type'))
  else if (!supportedTypes.includes(type)) errs.push(notSupported('spec.type', type, supportedTypes))

  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (isObj(p) && p.nodePort) errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"))
    })
  }
  const nodePorts = new Set<string>()
  ports.forEach((p, i) => {
    if (!isObj(p) || !p.nodePort) return
    const key = `${str(p.protocol)}/${String(p.nodePort)}`
    if (nodePorts.has(key)) errs.push(duplicate(`spec.ports[${i}].nodePort`, p.nodePort))
    nodePorts.add(key)
  })
  const portKeys = new Set<string>()
  ports.forEach((p, i) => {
    const o = isObj(p) ? p : {}
    const key = `${str(o.protocol)}/${num(o.port)}`
    if (portKeys.has(key)) errs.push(withGoValue(duplicate(`spec.ports[${i}]`, { protocol: str(o.protocol), port: num(o.port) }), goServicePortKey(str(o.protocol), num(o.port))))
    portKeys.add(key)
  })

  if (list(spec.loadBalancerSourceRanges).length > 0 && type !== 'LoadBalancer')
    errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"))
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && type !== 'LoadBalancer')
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"))
  if (type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null))
    errs.push(required('allocateLoadBalancerNodePorts'))

  const etp = str(spec.externalTrafficPolicy)
  if (!externallyAccessible(spec)) {
    if (etp !== '') errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'))
  } else if (etp === '') errs.push(required('spec.externalTrafficPolicy'))
  else if (etp !== 'Cluster' && etp !== 'Local') errs.push(notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']))
  const needsHealthCheck = type === 'LoadBalancer' && etp === 'Local'
  const hc = num(spec.healthCheckNodePort)
  if (!needsHealthCheck) {
    if (hc !== 0) errs.push(invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
  } else if (hc === 0) errs.push(required('spec.healthCheckNodePort'))
  else if (hc < 1 || hc > 65535) errs.push(invalid('spec.healthCheckNodePort', hc, portRangeMsg))

  if (spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) {
    if (['NodePort', 'LoadBalancer', 'ClusterIP'].includes(type)) errs.push(required('spec.internalTrafficPolicy'))
  } else if (!['Cluster', 'Local'].includes(str(spec.internalTrafficPolicy))) {
    errs.push(notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']))
  }
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== null && spec.trafficDistribution !== 'PreferClose')
    errs.push(notSupported('spec.trafficDistribution', spec.trafficDistribution, ['PreferClose']))
  return errs
}

/**
 * The port allocator's range check for user-chosen node ports (upstream reports it after
 * validation passes, from the allocator): `provided port is not in the valid range. ...`.
 */
export function validateNodePortRange(svc: { spec?: unknown }, range = nodePortRange): FieldError[] {
  const spec = specOf(svc)
  if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') return []
  const errs: FieldError[] = []
  const last = range.base + range.size - 1
  list(spec.ports).forEach((p, i) => {
    if (!isObj(p) || !p.nodePort) return
    const n = num(p.nodePort)
    if (n < range.base || n > last)
      errs.push(invalid(`spec.ports[${i}].nodePort`, n, `provided port is not in the valid range. The range of valid ports is ${range.base}-${last}`))
  })
  return errs
}

function validateUpgradeDowngradeClusterIPs(old: Obj, spec: Obj): FieldError[] {
  if (spec.type === 'ExternalName' || old.type === 'ExternalName') return []
  if (isHeadless(old) && isHeadless(spec)) return []
  const o = list(old.clusterIPs).map(str)
  const n = list(spec.clusterIPs).map(str)
  const errs: FieldError[] = []
  const changed = (i: number) => withGoValue(invalid(`spec.clusterIPs[${i}]`, n, 'may not change once set'), goStringSlice(n))
  if (o.length === n.length) {
    o.forEach((ip, i) => { if (ip !== n[i]) errs.push(changed(i)) })
  } else if (o.length > n.length) {
    if (n.length === 0) errs.push(withGoValue(invalid('spec.clusterIPs[0]', n, 'primary clusterIP can not be unset'), goStringSlice(n.length ? n : undefined)))
    if (o.length > 0 && n.length > 0 && n[0] !== o[0]) errs.push(changed(0))
    if (n.length === 1 && spec.ipFamilyPolicy !== 'SingleStack')
      errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"))
  } else if (o.length > 0 && n[0] !== o[0]) {
    errs.push(changed(0))
  }
  return errs
}

function validateUpgradeDowngradeIPFamilies(old: Obj, spec: Obj): FieldError[] {
  if (spec.type === 'ExternalName' || old.type === 'ExternalName') return []
  if (isHeadless(old) !== isHeadless(spec) || isHeadless(spec)) return []
  const o = list(old.ipFamilies).map(str)
  const n = list(spec.ipFamilies).map(str)
  const errs: FieldError[] = []
  if (o.length === n.length) {
    o.forEach((f, i) => { if (f !== n[i]) errs.push(withGoValue(invalid('spec.ipFamilies[0]', n, 'may not change once set'), `[]core.IPFamily{${n.map((x) => JSON.stringify(x)).join(', ')}}`)) })
  } else if (o.length > n.length && n.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
    errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"))
  }
  return errs
}

/** ValidateServiceUpdate: the immutable parts, then the whole service again. */
export function validateServiceUpdate(svc: { spec?: unknown }, old: { spec?: unknown }): FieldError[] {
  const spec = specOf(svc)
  const o = specOf(old)
  const errs = [...validateUpgradeDowngradeClusterIPs(o, spec), ...validateUpgradeDowngradeIPFamilies(o, spec)]
  const oldHC = o.type === 'LoadBalancer' && o.externalTrafficPolicy === 'Local'
  const newHC = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local'
  if (oldHC && newHC && spec.healthCheckNodePort !== o.healthCheckNodePort) errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'))
  errs.push(...validateServiceSpec(svc))
  return errs
}
