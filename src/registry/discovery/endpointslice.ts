// discovery.k8s.io/v1 EndpointSlice (upstream: pkg/apis/discovery/v1/defaults.go,
// pkg/apis/discovery/validation, pkg/registry/discovery/endpointslice/strategy.go,
// printers.go printEndpointSlice).
import { isIPv6 } from 'node:net'
import type { StoredObject } from '../../apis/meta.js'
import type { FieldError } from '../../apis/validation.js'
import { duplicate, invalid, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, notSupported, required, tooMany, validateLabels } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import { ipv6Bytes } from '../../lib/net.js'
import type { ResourceDef, TableColumn } from '../types.js'
import { ageColumn, nameColumn } from '../columns.js'
import { isObj, semanticEqual, type Obj } from '../apps/workload.js'

const addressTypes = ['FQDN', 'IPv4', 'IPv6'] as const
const addressTypesOnUpdate = ['FQDN', 'IP', 'IPv4', 'IPv6'] as const
const protocols = ['SCTP', 'TCP', 'UDP'] as const
const maxTopologyLabels = 16
const maxAddresses = 100
const maxPorts = 100
const maxEndpoints = 1000

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

/** SetDefaults_EndpointPort: name "" and protocol TCP. */
export function defaultEndpointSlice(obj: StoredObject): void {
  for (const p of list(obj.ports)) {
    if (!isObj(p)) continue
    if (p.name === undefined || p.name === null) p.name = ''
    if (p.protocol === undefined || p.protocol === null) p.protocol = 'TCP'
  }
}

/** Go's net.ParseIP accepting IPv4 octets with leading zeros (ParseIPSloppy). */
function parseSloppy(s: string): { v4: boolean; bytes: number[] } | undefined {
  if (/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(s)) {
    const parts = s.split('.').map(Number)
    return parts.every((n) => n <= 255) ? { v4: true, bytes: parts } : undefined
  }
  if (s.includes('%') || !isIPv6(s)) return undefined
  // Expand to 16 bytes to check the special ranges; an IPv4-mapped address counts as IPv4 (Go's To4).
  const bytes = ipv6Bytes(s)
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff
  return mapped ? { v4: true, bytes: bytes.slice(12) } : { v4: false, bytes }
}

/**
 * The endpoints kubelite itself points at its own listeners on the host (the API server behind the
 * `kubernetes` Service, the cluster DNS behind `kube-dns`): the only ones whose addresses may be
 * host loopback addresses outside the pod network.
 */
export function pointsAtHostListeners(obj: StoredObject): boolean {
  const { namespace, name } = obj.metadata
  return (namespace === 'default' && name === 'kubernetes') || (namespace === 'kube-system' && name === 'kube-dns')
}

/**
 * apivalidation.ValidateNonSpecialIP, with kubelite's pod network carved out of the loopback
 * range: every pod has its own 127.244.0.0/16 address, so those endpoints are loopback by design.
 * Any other loopback address (127.0.0.1: the API server, anything listening on the host) is
 * refused as upstream refuses it, so a Service can never be pointed at the host — except by the
 * endpoints of kubelite's own listeners (`hostLoopback`).
 */
export function validateNonSpecialIP(address: string, field: string, hostLoopback = false): FieldError[] {
  const ip = parseSloppy(address)
  if (!ip) return [invalid(field, address, 'must be a valid IP address')]
  const b = ip.bytes
  const errs: FieldError[] = []
  if (b.every((x) => x === 0)) errs.push(invalid(field, address, `may not be unspecified (${address})`))
  const loopback = ip.v4 ? b[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1
  const podNetwork = ip.v4 && b[0] === 127 && b[1] === 244
  const linkLocalUnicast = ip.v4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80
  const linkLocalMulticast = ip.v4 ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && (b[1] & 0x0f) === 0x02
  if (loopback && !podNetwork && !hostLoopback) errs.push(invalid(field, address, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'))
  if (linkLocalUnicast) errs.push(invalid(field, address, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'))
  if (linkLocalMulticast) errs.push(invalid(field, address, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'))
  return errs
}

function validateFQDN(name: string, field: string): FieldError[] {
  if (name.length === 0) return [required(field)]
  const n = name.endsWith('.') ? name.slice(0, -1) : name
  const sub = isDNS1123Subdomain(n)
  if (sub.length) return [invalid(field, n, sub.join(','))]
  const labels = n.split('.')
  if (labels.length < 2) return [invalid(field, n, 'should be a domain with at least two segments separated by dots')]
  for (const l of labels) {
    const e = isDNS1123Label(l)
    if (e.length) return [invalid(field, l, e.join(','))]
  }
  return []
}

function validateAddress(address: unknown, addressType: unknown, field: string, hostLoopback: boolean): FieldError[] {
  const a = typeof address === 'string' ? address : ''
  switch (addressType) {
    case 'IP':
      return parseSloppy(a) ? [] : [invalid(field, a, 'must be a valid IP address, (e.g. 127.244.8.7 or 2001:db8::ffff)')]
    case 'IPv4': {
      const ip = parseSloppy(a)
      return [...(ip?.v4 ? [] : [invalid(field, a, 'must be a valid IPv4 address')]), ...validateNonSpecialIP(a, field, hostLoopback)]
    }
    case 'IPv6': {
      const ip = parseSloppy(a)
      return [...(ip && !ip.v4 ? [] : [invalid(field, a, 'must be a valid IPv6 address')]), ...validateNonSpecialIP(a, field, hostLoopback)]
    }
    case 'FQDN':
      return validateFQDN(a, field)
    default:
      return []
  }
}

function validateEndpoints(endpoints: unknown, addressType: unknown, hostLoopback: boolean): FieldError[] {
  const eps = list(endpoints)
  if (eps.length > maxEndpoints) return [tooMany('endpoints', eps.length, maxEndpoints)]
  const errs: FieldError[] = []
  eps.forEach((e, i) => {
    const ep: Obj = isObj(e) ? e : {}
    const addresses = list(ep.addresses)
    const path = `endpoints[${i}]`
    if (addresses.length === 0) errs.push(required(`${path}.addresses`, 'must contain at least 1 address'))
    else if (addresses.length > maxAddresses) errs.push(tooMany(`${path}.addresses`, addresses.length, maxAddresses))
    addresses.forEach((a, j) => errs.push(...validateAddress(a, addressType, `${path}.addresses[${j}]`, hostLoopback)))
    const topology = isObj(ep.deprecatedTopology) ? (ep.deprecatedTopology as Record<string, string>) : undefined
    if (topology && Object.keys(topology).length > maxTopologyLabels) errs.push(tooMany(`${path}.topology`, Object.keys(topology).length, maxTopologyLabels))
    errs.push(...validateLabels(topology, `${path}.topology`))
    if (typeof ep.hostname === 'string') for (const msg of isDNS1123Label(ep.hostname)) errs.push(invalid(`${path}.hostname`, ep.hostname, msg))
  })
  return errs
}

function validatePorts(ports: unknown): FieldError[] {
  const ps = list(ports)
  if (ps.length > maxPorts) return [tooMany('ports', ps.length, maxPorts)]
  const errs: FieldError[] = []
  const names = new Set<string>()
  ps.forEach((p, i) => {
    const port: Obj = isObj(p) ? p : {}
    const path = `ports[${i}]`
    const name = typeof port.name === 'string' ? port.name : ''
    if (name.length > 0) for (const msg of isDNS1123Label(name)) errs.push(invalid(`${path}.name`, name, msg))
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name))
    else names.add(name)
    if (port.protocol === undefined || port.protocol === null) errs.push(required(`${path}.protocol`))
    else if (!protocols.includes(port.protocol as (typeof protocols)[number])) errs.push(notSupported(`${path}.protocol`, port.protocol, protocols))
    if (typeof port.appProtocol === 'string') for (const msg of isQualifiedName(port.appProtocol)) errs.push(invalid(`${path}.appProtocol`, port.appProtocol, msg))
  })
  return errs
}

function validateAddressType(addressType: unknown, valid: readonly string[]): FieldError[] {
  if (addressType === undefined || addressType === null || addressType === '') return [required('addressType')]
  return valid.includes(addressType as string) ? [] : [notSupported('addressType', addressType, valid)]
}

export function validateEndpointSlice(obj: StoredObject, valid: readonly string[] = addressTypes): FieldError[] {
  return [...validateAddressType(obj.addressType, valid), ...validateEndpoints(obj.endpoints, obj.addressType, pointsAtHostListeners(obj)), ...validatePorts(obj.ports)]
}

export function validateEndpointSliceUpdate(obj: StoredObject, old: StoredObject): FieldError[] {
  const errs = validateEndpointSlice(obj, addressTypesOnUpdate)
  if ((obj.addressType ?? '') !== (old.addressType ?? '')) errs.push(invalid('addressType', obj.addressType ?? '', 'field is immutable'))
  return errs
}

/** formatDiscoveryPorts / formatDiscoveryEndpoints: the first three, then ` + N more...`. */
function listWithMore(items: string[], max = 3): string {
  const shown = items.slice(0, max).join(',')
  if (items.length > max) return `${shown} + ${items.length - max} more...`
  return shown === '' ? '<unset>' : shown
}

export function formatPorts(ports: unknown): string {
  return listWithMore(
    list(ports).map((p) => {
      const port: Obj = isObj(p) ? p : {}
      if (typeof port.port === 'number') return String(port.port)
      if (typeof port.name === 'string') return port.name
      return '*'
    }),
  )
}

export function formatEndpoints(endpoints: unknown): string {
  return listWithMore(list(endpoints).flatMap((e) => (isObj(e) ? list(e.addresses).map(String) : [])))
}

const columns: TableColumn[] = [
  nameColumn,
  {
    name: 'AddressType',
    type: 'string',
    format: '',
    description:
      'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.',
    priority: 0,
  },
  {
    name: 'Ports',
    type: 'string',
    format: '',
    description:
      'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
    priority: 0,
  },
  { name: 'Endpoints', type: 'string', format: '', description: 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.', priority: 0 },
  ageColumn,
]

export const endpointslices: ResourceDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  resource: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  nameValidator: isDNS1123Subdomain,
  generation: true,
  defaults: defaultEndpointSlice,
  validate: (obj) => validateEndpointSlice(obj),
  validateUpdate: validateEndpointSliceUpdate,
  prepareForUpdate(obj, old) {
    // Upstream bumps the generation for label changes too, not only for the rest of the object.
    if (!semanticEqual(obj.metadata.labels ?? {}, old.metadata.labels ?? {})) obj.metadata.generation = (old.metadata.generation ?? 0) + 1
  },
  table: {
    columns,
    cells: (obj, now) => [
      obj.metadata.name ?? '',
      typeof obj.addressType === 'string' ? obj.addressType : '',
      formatPorts(obj.ports),
      formatEndpoints(obj.endpoints),
      age(obj.metadata.creationTimestamp as string | undefined, now),
    ],
  },
}
