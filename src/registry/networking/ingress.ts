// networking.k8s.io/v1 Ingress (upstream: pkg/apis/networking/validation ValidateIngressCreate /
// ValidateIngressUpdate, pkg/registry/networking/ingress/strategy.go, printers.go printIngress).
// Ingress has no SetDefaults in v1.
import type { StoredObject } from '../../apis/meta.js'
import { isValidPortName } from '../../apis/core/names.js'
import type { FieldError } from '../../apis/validation.js'
import { invalid, isDNS1035Label, isDNS1123Subdomain, notSupported, portRangeMsg, required } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import { isObj, list, str, type Obj } from '../core/util.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { isValidPathSegmentName, isWildcardDNS1123Subdomain, parseIPSloppy } from './names.js'

/** The annotation that named a class before spec.ingressClassName. */
export const ingressClassAnnotation = 'kubernetes.io/ingress.class'

const supportedPathTypes = ['Exact', 'ImplementationSpecific', 'Prefix']
const invalidPathSequences = ['//', '/./', '/../', '%2f', '%2F']
const invalidPathSuffixes = ['/..', '/.']

interface Options {
  /** spec.tls[*].secretName values that are not Secret names pass (an old object already had one). */
  allowInvalidSecretName: boolean
  /** Rules with a wildcard host skip their rule checks (an old object already had a bad one). */
  allowInvalidWildcardHostRule: boolean
}

/** validateIngressTypedLocalObjectReference. */
export function validateTypedLocalObjectReference(ref: Obj, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (typeof ref.apiGroup === 'string') for (const m of isDNS1123Subdomain(ref.apiGroup)) errs.push(invalid(`${field}.apiGroup`, ref.apiGroup, m))
  for (const key of ['kind', 'name']) {
    const v = str(ref[key])
    if (v === '') errs.push(required(`${field}.${key}`, ''))
    else for (const m of isValidPathSegmentName(v)) errs.push(invalid(`${field}.${key}`, v, m))
  }
  return errs
}

/** validateIngressBackend. */
function validateBackend(backend: Obj, field: string): FieldError[] {
  const resource = isObj(backend.resource) ? backend.resource : undefined
  const service = isObj(backend.service) ? backend.service : undefined
  if (resource && service) return [invalid(field, '', 'cannot set both resource and service backends')]
  if (resource) return validateTypedLocalObjectReference(resource, `${field}.resource`)
  if (!service) return [invalid(field, '', 'resource or service backend is required')]
  const errs: FieldError[] = []
  const name = str(service.name)
  if (name === '') errs.push(required(`${field}.service.name`, ''))
  else for (const m of isDNS1035Label(name)) errs.push(invalid(`${field}.service.name`, name, m))
  const port = isObj(service.port) ? service.port : {}
  const portName = str(port.name)
  const portNumber = typeof port.number === 'number' ? port.number : 0
  if (portName !== '' && portNumber !== 0) errs.push(invalid(field, '', 'cannot set both port name & port number'))
  else if (portName !== '') for (const m of isValidPortName(portName)) errs.push(invalid(`${field}.service.port.name`, portName, m))
  else if (portNumber !== 0) {
    if (!(Number.isInteger(portNumber) && portNumber >= 1 && portNumber <= 65535)) errs.push(invalid(`${field}.service.port.number`, portNumber, portRangeMsg))
  } else errs.push(required(field, 'port name or number is required'))
  return errs
}

/** validateHTTPIngressPath. */
function validatePath(p: Obj, field: string): FieldError[] {
  const errs: FieldError[] = []
  const pathType = p.pathType
  if (pathType === undefined || pathType === null) return [required(`${field}.pathType`, 'pathType must be specified')]
  const path = str(p.path)
  switch (pathType) {
    case 'Exact':
    case 'Prefix':
      if (!path.startsWith('/')) errs.push(invalid(`${field}.path`, path, 'must be an absolute path'))
      if (path.length > 0) {
        for (const seq of invalidPathSequences) if (path.includes(seq)) errs.push(invalid(`${field}.path`, path, `must not contain '${seq}'`))
        for (const suffix of invalidPathSuffixes) if (path.endsWith(suffix)) errs.push(invalid(`${field}.path`, path, `cannot end with '${suffix}'`))
      }
      break
    case 'ImplementationSpecific':
      if (path.length > 0 && !path.startsWith('/')) errs.push(invalid(`${field}.path`, path, 'must be an absolute path'))
      break
    default:
      errs.push(notSupported(`${field}.pathType`, pathType, supportedPathTypes))
  }
  errs.push(...validateBackend(isObj(p.backend) ? p.backend : {}, `${field}.backend`))
  return errs
}

/** validateIngressRuleValue. */
function validateRuleValue(rule: Obj, field: string): FieldError[] {
  if (!isObj(rule.http)) return []
  const paths = list(rule.http.paths)
  const errs: FieldError[] = []
  if (paths.length === 0) errs.push(required(`${field}.http.paths`, ''))
  paths.forEach((p, i) => errs.push(...validatePath(isObj(p) ? p : {}, `${field}.http.paths[${i}]`)))
  return errs
}

function validateRules(rules: unknown[], opts: Options): FieldError[] {
  const errs: FieldError[] = []
  rules.forEach((r, i) => {
    const rule = isObj(r) ? r : {}
    const host = str(rule.host)
    const field = `spec.rules[${i}]`
    let wildcard = false
    if (host.length > 0) {
      if (parseIPSloppy(host)) errs.push(invalid(`${field}.host`, host, 'must be a DNS name, not an IP address'))
      if (host.includes('*')) {
        for (const m of isWildcardDNS1123Subdomain(host)) errs.push(invalid(`${field}.host`, host, m))
        wildcard = true
      } else for (const m of isDNS1123Subdomain(host)) errs.push(invalid(`${field}.host`, host, m))
    }
    if (!wildcard || !opts.allowInvalidWildcardHostRule) errs.push(...validateRuleValue(rule, field))
  })
  return errs
}

function validateTLS(tls: unknown[], opts: Options): FieldError[] {
  const errs: FieldError[] = []
  tls.forEach((t, i) => {
    const entry = isObj(t) ? t : {}
    list(entry.hosts).forEach((h, j) => {
      const host = str(h)
      const check = host.includes('*') ? isWildcardDNS1123Subdomain : isDNS1123Subdomain
      for (const m of check(host)) errs.push(invalid(`spec.tls[${i}].hosts[${j}]`, host, m))
    })
    const secret = str(entry.secretName)
    if (!opts.allowInvalidSecretName && secret !== '') for (const m of isDNS1123Subdomain(secret)) errs.push(invalid(`spec.tls[${i}].secretName`, secret, m))
  })
  return errs
}

/** ValidateIngressSpec. */
export function validateIngressSpec(specIn: unknown, opts: Options): FieldError[] {
  const spec = isObj(specIn) ? specIn : {}
  const rules = list(spec.rules)
  const errs: FieldError[] = []
  const defaultBackend = isObj(spec.defaultBackend) ? spec.defaultBackend : undefined
  if (rules.length === 0 && !defaultBackend) errs.push({ type: 'FieldValueInvalid', field: 'spec', valueText: Array.isArray(spec.rules) ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)', detail: 'either `defaultBackend` or `rules` must be specified' })
  if (defaultBackend) errs.push(...validateBackend(defaultBackend, 'spec.defaultBackend'))
  if (rules.length > 0) errs.push(...validateRules(rules, opts))
  const tls = list(spec.tls)
  if (tls.length > 0) errs.push(...validateTLS(tls, opts))
  if (typeof spec.ingressClassName === 'string')
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) errs.push(invalid('spec.ingressClassName', spec.ingressClassName, m))
  return errs
}

export function validateIngress(obj: StoredObject): FieldError[] {
  const errs = validateIngressSpec(obj.spec, { allowInvalidSecretName: false, allowInvalidWildcardHostRule: false })
  const annotation = obj.metadata.annotations?.[ingressClassAnnotation]
  const className = (obj.spec as Obj | undefined)?.ingressClassName
  if (annotation !== undefined && typeof className === 'string' && annotation !== className)
    errs.push(invalid(`annotations.${ingressClassAnnotation}`, annotation, 'must match `ingressClassName` when both are specified'))
  return errs
}

/** ValidateIngressUpdate: what an old object already got away with stays allowed. */
export function validateIngressUpdate(obj: StoredObject, old: StoredObject): FieldError[] {
  const oldSpec = isObj(old.spec) ? old.spec : {}
  const allowInvalidSecretName = list(oldSpec.tls).some((t) => isObj(t) && str(t.secretName) !== '' && isDNS1123Subdomain(str(t.secretName)).length > 0)
  const allowInvalidWildcardHostRule = list(oldSpec.rules).some((r) => isObj(r) && str(r.host).includes('*') && validateRuleValue(r, '').length > 0)
  // The status subresource validates the same way; its spec is the old one, so only the status can fail.
  return [...validateIngressSpec(obj.spec, { allowInvalidSecretName, allowInvalidWildcardHostRule }), ...validateIngressStatus(obj)]
}

/** ValidateIngressLoadBalancerStatus (on /status). */
export function validateIngressStatus(obj: StoredObject): FieldError[] {
  const status = isObj(obj.status) ? obj.status : {}
  const lb = isObj(status.loadBalancer) ? status.loadBalancer : {}
  const errs: FieldError[] = []
  list(lb.ingress).forEach((e, i) => {
    const entry = isObj(e) ? e : {}
    const field = `status.loadBalancer.ingress[${i}]`
    const ip = str(entry.ip)
    if (ip !== '' && !parseIPSloppy(ip)) errs.push(invalid(`${field}.ip`, ip, 'must be a valid IP address'))
    const hostname = str(entry.hostname)
    if (hostname !== '') {
      for (const m of isDNS1123Subdomain(hostname)) errs.push(invalid(`${field}.hostname`, hostname, m))
      if (parseIPSloppy(hostname)) errs.push(invalid(`${field}.hostname`, hostname, 'must be a DNS name, not an IP address'))
    }
  })
  return errs
}

/** formatHosts: the first three hosts, then ` + N more...`; `*` when no rule names one. */
export function formatHosts(rules: unknown): string {
  const all = list(rules)
  const shown: string[] = []
  let more = false
  for (const r of all) {
    if (shown.length === 3) more = true
    const host = isObj(r) ? str(r.host) : ''
    if (!more && host !== '') shown.push(host)
  }
  if (shown.length === 0) return '*'
  return more ? `${shown.join(',')} + ${all.length - 3} more...` : shown.join(',')
}

/** ingressLoadBalancerStatusStringer (wide: the server prints every address). */
export function formatIngressAddress(status: unknown): string {
  const lb = isObj(status) && isObj(status.loadBalancer) ? status.loadBalancer : {}
  const set = new Set<string>()
  for (const e of list(lb.ingress)) {
    if (!isObj(e)) continue
    if (str(e.ip) !== '') set.add(str(e.ip))
    else if (str(e.hostname) !== '') set.add(str(e.hostname))
  }
  return [...set].sort().join(',')
}

const columns: TableColumn[] = [
  nameColumn,
  column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
  column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
  column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
  column('Ports', 'string', 'Ports of TLS configurations that open'),
  ageColumn,
]

export function ingressCells(obj: StoredObject, now: Date): unknown[] {
  const spec = isObj(obj.spec) ? obj.spec : {}
  return [
    obj.metadata.name ?? '',
    typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>',
    formatHosts(spec.rules),
    formatIngressAddress(obj.status),
    list(spec.tls).length > 0 ? '80, 443' : '80',
    age(obj.metadata.creationTimestamp as string | undefined, now),
  ]
}

export const ingresses: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  resource: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  nameValidator: isDNS1123Subdomain,
  hasStatus: true,
  generation: true,
  validate: validateIngress,
  validateUpdate: validateIngressUpdate,
  table: { columns, cells: ingressCells },
}
