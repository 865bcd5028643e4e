// core/v1 Endpoints (upstream ValidateEndpoints, SetDefaults_Endpoints, printEndpoints).
import { isIP } from 'node:net'
import type { Endpoints } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import {
  invalid, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, notSupported, portRangeMsg, required, type FieldError,
} from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef } from '../types.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import { pointsAtHostListeners, validateNonSpecialIP } from '../discovery/endpointslice.js'
import { docs } from './docs.js'
import { isObj, list, num, objOf, str } from './util.js'

export type EndpointsObj = StoredObject & Endpoints

function validateAddress(a: unknown, path: string, hostLoopback: boolean): FieldError[] {
  const addr = objOf(a)
  const errs: FieldError[] = []
  const ip = str(addr.ip)
  if (isIP(ip) === 0) errs.push(invalid(`${path}.ip`, ip, 'must be a valid IP address, (e.g. 127.244.8.7 or 2001:db8::ffff)'))
  else errs.push(...validateNonSpecialIP(ip, `${path}.ip`, hostLoopback))
  const hostname = str(addr.hostname)
  if (hostname) for (const m of isDNS1123Label(hostname)) errs.push(invalid(`${path}.hostname`, hostname, m))
  if (addr.nodeName !== undefined && addr.nodeName !== null)
    for (const m of isDNS1123Subdomain(str(addr.nodeName))) errs.push(invalid(`${path}.nodeName`, addr.nodeName, m))
  return errs
}

function validatePort(p: unknown, requireName: boolean, path: string): FieldError[] {
  const port = objOf(p)
  const errs: FieldError[] = []
  const name = str(port.name)
  if (requireName && name === '') errs.push(required(`${path}.name`))
  else if (name) for (const m of isDNS1123Label(name)) errs.push(invalid(`${path}.name`, name, m))
  const n = num(port.port)
  if (!(Number.isInteger(n) && n >= 1 && n <= 65535)) errs.push(invalid(`${path}.port`, n, portRangeMsg))
  const proto = str(port.protocol)
  if (proto === '') errs.push(required(`${path}.protocol`))
  else if (!['SCTP', 'TCP', 'UDP'].includes(proto)) errs.push(notSupported(`${path}.protocol`, proto, ['SCTP', 'TCP', 'UDP']))
  if (port.appProtocol !== undefined && port.appProtocol !== null)
    for (const m of isQualifiedName(str(port.appProtocol))) errs.push(invalid(`${path}.appProtocol`, port.appProtocol, m))
  return errs
}

function validateSubsets(subsets: unknown, hostLoopback: boolean): FieldError[] {
  const errs: FieldError[] = []
  list(subsets).forEach((s, i) => {
    const ss = objOf(s)
    const p = `subsets[${i}]`
    if (list(ss.addresses).length === 0 && list(ss.notReadyAddresses).length === 0)
      errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'))
    list(ss.addresses).forEach((a, j) => errs.push(...validateAddress(a, `${p}.addresses[${j}]`, hostLoopback)))
    list(ss.notReadyAddresses).forEach((a, j) => errs.push(...validateAddress(a, `${p}.notReadyAddresses[${j}]`, hostLoopback)))
    const ports = list(ss.ports)
    ports.forEach((port, j) => errs.push(...validatePort(port, ports.length > 1, `${p}.ports[${j}]`)))
  })
  return errs
}

/** `127.244.0.5:8080,127.244.0.6:8080,... + 2 more...` (upstream formatEndpoints, all ports). */
export function formatEndpoints(ep: EndpointsObj): string {
  const subsets = list(ep.subsets)
  if (subsets.length === 0) return '<none>'
  const shown: string[] = []
  const max = 3
  let more = false
  let count = 0
  const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`)
  for (const s of subsets) {
    const ss = objOf(s)
    const addresses = list(ss.addresses).map((a) => str(objOf(a).ip))
    const ports = list(ss.ports)
    if (ports.length === 0) {
      count += addresses.length
      for (const ip of addresses) {
        if (shown.length === max) { more = true; break }
        shown.push(ip)
      }
      continue
    }
    for (const port of ports) {
      count += addresses.length
      for (const ip of addresses) {
        if (shown.length === max) { more = true; break }
        shown.push(hostPort(ip, num(objOf(port).port)))
      }
    }
  }
  const ret = shown.join(',')
  return more ? `${ret} + ${count - max} more...` : ret
}

export const endpointsResource: ResourceDef<EndpointsObj> = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  resource: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  nameValidator: isDNS1123Subdomain,

  defaults(ep) {
    for (const s of list(ep.subsets)) for (const p of list(objOf(s).ports)) if (isObj(p) && !p.protocol) p.protocol = 'TCP'
  },
  validate: (ep) => validateSubsets(ep.subsets, pointsAtHostListeners(ep)),

  table: {
    columns: [nameColumn, column('Endpoints', 'string', docs.endpointsSubsets), ageColumn],
    cells: (ep, now) => [ep.metadata.name, formatEndpoints(ep), age(ep.metadata.creationTimestamp, now)],
  },
}
