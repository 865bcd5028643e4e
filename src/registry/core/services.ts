// core/v1 Service (upstream pkg/registry/core/service/strategy.go and SetDefaults_Service). The
// clusterIP and nodePort allocation happens elsewhere; this file keeps the spec consistent.
import type { Service } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { isDNS1035Label } from '../../apis/validation.js'
import { age } from '../../lib/duration.js'
import type { ResourceDef, TableDef } from '../types.js'
import { ageColumn, column, nameColumn } from '../columns.js'
import { docs } from './docs.js'
import {
  defaultServiceSpec, dropTypeDependentFields, initIPFamilyFields, isObj, list, normalizeClusterIPs, patchAllocatedValues, specOf,
} from './service-spec.js'
import { validateNodePortRange, validateServiceSpec, validateServiceUpdate } from './service-validation.js'

export type ServiceObj = StoredObject & Service

type Obj = Record<string, unknown>
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/** `8080:30880/TCP,53/UDP` (upstream makePortString). */
export function formatServicePorts(ports: unknown): string {
  return list(ports)
    .map((p) => {
      const o = isObj(p) ? p : {}
      return o.nodePort ? `${String(o.port)}:${String(o.nodePort)}/${str(o.protocol)}` : `${String(o.port)}/${str(o.protocol)}`
    })
    .join(',')
}

function loadBalancerIPs(status: unknown): string {
  const ingress = isObj(status) && isObj(status.loadBalancer) ? list(status.loadBalancer.ingress) : []
  const set = new Set<string>()
  for (const i of ingress) {
    if (!isObj(i)) continue
    if (i.ip) set.add(str(i.ip))
    else if (i.hostname) set.add(str(i.hostname))
  }
  // The server prints wide rows, so the 16-character truncation never applies.
  return [...set].sort().join(',')
}

/** The EXTERNAL-IP cell (upstream getServiceExternalIP). */
export function serviceExternalIP(svc: ServiceObj): string {
  const spec = specOf(svc)
  const externalIPs = list(spec.externalIPs).map(str)
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>'
    case 'LoadBalancer': {
      const lb = loadBalancerIPs(svc.status)
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',')
      return lb || '<pending>'
    }
    case 'ExternalName':
      return str(spec.externalName)
  }
  return '<unknown>'
}

function formatSelectorMap(sel: unknown): string {
  if (!isObj(sel) || Object.keys(sel).length === 0) return '<none>'
  return Object.keys(sel).sort().map((k) => `${k}=${str(sel[k])}`).join(',')
}

export const serviceTable: TableDef<ServiceObj> = {
  columns: [
    nameColumn,
    column('Type', 'string', docs.serviceType),
    column('Cluster-IP', 'string', docs.clusterIP),
    column('External-IP', 'string', docs.externalIPs),
    column('Port(s)', 'string', docs.servicePorts),
    ageColumn,
    column('Selector', 'string', docs.serviceSelector, true),
  ],
  cells(svc, now) {
    const spec = specOf(svc)
    const clusterIPs = list(spec.clusterIPs)
    return [
      svc.metadata.name,
      str(spec.type),
      clusterIPs.length > 0 ? str(clusterIPs[0]) : '<none>',
      serviceExternalIP(svc),
      formatServicePorts(spec.ports) || '<none>',
      age(svc.metadata.creationTimestamp, now),
      formatSelectorMap(spec.selector),
    ]
  },
}

export const servicesResource: ResourceDef<ServiceObj> = {
  group: '',
  version: 'v1',
  kind: 'Service',
  resource: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  nameValidator: isDNS1035Label,
  hasStatus: true,

  defaults(svc) {
    if (isObj(svc.spec)) defaultServiceSpec(svc.spec)
  },
  prepareForCreate(svc) {
    ;(svc as Obj).status = { loadBalancer: {} }
    if (!isObj(svc.spec)) return
    normalizeClusterIPs(svc.spec)
    initIPFamilyFields(svc.spec)
  },
  prepareForUpdate(svc, old) {
    if (!isObj(svc.spec)) return
    const oldSpec = specOf(old)
    patchAllocatedValues(svc.spec, oldSpec)
    normalizeClusterIPs(svc.spec, oldSpec)
    dropTypeDependentFields(svc.spec, oldSpec)
  },
  validate(svc) {
    const errs = validateServiceSpec(svc)
    return errs.length ? errs : validateNodePortRange(svc)
  },
  validateUpdate(svc, old) {
    const errs = validateServiceUpdate(svc, old)
    return errs.length ? errs : validateNodePortRange(svc)
  },

  table: serviceTable,
  fieldSelectors: {
    'spec.clusterIP': (s) => str(specOf(s).clusterIP),
    'spec.type': (s) => str(specOf(s).type),
  },
}
