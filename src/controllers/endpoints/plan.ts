// The core/v1 Endpoints a Service should have (upstream pkg/controller/endpoint syncService and
// pkg/api/v1/endpoints RepackSubsets). Ready pods go to `addresses`, the others to
// `notReadyAddresses`; terminating pods are left out altogether (unless publishNotReadyAddresses),
// so they leave the ready set the moment their deletion starts.
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints } from 'kubernetes-types/core/v1.js'
import { isDeepStrictEqual } from 'node:util'
import type { StoredObject } from '../../apis/meta.js'
import { findPort, headlessLabel, isHeadless, isPodReady, podIPv4s, shouldPodBeInEndpoints, shouldSetHostname, type PodObj, type ServiceObj } from './podutil.js'

export type EndpointsObj = StoredObject & Endpoints

/** Upstream maxCapacity: more addresses than this are truncated and the object annotated. */
export const maxEndpointsCapacity = 1000
export const overCapacityAnnotation = 'endpoints.kubernetes.io/over-capacity'
export const triggerTimeAnnotation = 'endpoints.kubernetes.io/last-change-trigger-time'

interface Entry {
  addr: EndpointAddress
  ports: EndpointPort[] | undefined
  ready: boolean
}

/** Upstream LessEndpointAddress: IP bytes, then target UID. */
function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1
  const ua = a.targetRef?.uid ?? ''
  const ub = b.targetRef?.uid ?? ''
  return ua < ub ? -1 : ua > ub ? 1 : 0
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  const ka = `${a.name ?? ''}\0${String(a.port).padStart(5, '0')}\0${a.protocol ?? ''}`
  const kb = `${b.name ?? ''}\0${String(b.port).padStart(5, '0')}\0${b.protocol ?? ''}`
  return ka < kb ? -1 : ka > kb ? 1 : 0
}

/**
 * RepackSubsets: one subset per distinct set of addresses, carrying every port those addresses
 * serve; an address not ready on any port is not ready on all. Addresses sort by IP then UID;
 * ports and subsets in a stable order (upstream sorts those by a hash we do not reproduce).
 */
export function repackSubsets(entries: Entry[]): EndpointSubset[] {
  const addrs = new Map<string, EndpointAddress>()
  // port key → address key → ready
  const byPort = new Map<string, { port: EndpointPort | undefined; addrs: Map<string, boolean> }>()
  for (const e of entries) {
    const ak = `${e.addr.ip}\0${e.addr.targetRef?.uid ?? ''}`
    if (!addrs.has(ak)) addrs.set(ak, e.addr)
    for (const port of e.ports ?? [undefined]) {
      const pk = port ? JSON.stringify([port.name ?? '', port.port, port.protocol ?? '', port.appProtocol ?? '']) : 'none'
      let slot = byPort.get(pk)
      if (!slot) byPort.set(pk, (slot = { port, addrs: new Map() }))
      const was = slot.addrs.get(ak)
      if (was === undefined || was) slot.addrs.set(ak, e.ready)
    }
  }
  // Group ports by the exact (address, ready) set they map to.
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: EndpointPort[] }>()
  for (const { port, addrs: set } of byPort.values()) {
    const sig = JSON.stringify([...set].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    let g = groups.get(sig)
    if (!g) groups.set(sig, (g = { addrs: set, ports: [] }))
    if (port) g.ports.push(port)
  }
  const subsets: EndpointSubset[] = []
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = []
    const notReady: EndpointAddress[] = []
    for (const [ak, r] of g.addrs) (r ? ready : notReady).push(addrs.get(ak)!)
    const s: EndpointSubset = {}
    if (ready.length) s.addresses = ready.sort(compareAddresses)
    if (notReady.length) s.notReadyAddresses = notReady.sort(compareAddresses)
    if (g.ports.length) s.ports = g.ports.sort(comparePorts)
    subsets.push(s)
  }
  const first = (s: EndpointSubset) => (s.addresses ?? s.notReadyAddresses ?? [])[0]
  return subsets.sort((a, b) => compareAddresses(first(a), first(b)) || JSON.stringify(a.ports ?? []).localeCompare(JSON.stringify(b.ports ?? [])))
}

/** The subsets for a Service over the pods its selector matches. */
export function computeSubsets(svc: ServiceObj, pods: PodObj[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true
  const servicePorts = svc.spec?.ports ?? []
  const entries: Entry[] = []
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue
    const ip = podIPv4s(pod)[0]
    if (!ip) continue
    const addr: EndpointAddress = { ip }
    if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName
    addr.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid }
    if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec!.hostname
    const ready = publishNotReady || isPodReady(pod)
    if (servicePorts.length === 0) {
      if (isHeadless(svc)) entries.push({ addr, ports: undefined, ready })
      continue
    }
    const ports: EndpointPort[] = []
    for (const sp of servicePorts) {
      const port = findPort(pod, sp)
      if (port === undefined) continue
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' }
      if (sp.name) ep.name = sp.name
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol
      ports.push(ep)
    }
    if (ports.length) entries.push({ addr, ports, ready })
  }
  return repackSubsets(entries)
}

/** Upstream truncateEndpoints: keep at most 1000 addresses, ready ones first. */
function truncate(subsets: EndpointSubset[]): boolean {
  const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0)
  if (total <= maxEndpointsCapacity) return false
  let room = maxEndpointsCapacity
  for (const s of subsets) {
    if (s.addresses) s.addresses = s.addresses.slice(0, Math.max(0, room))
    room -= s.addresses?.length ?? 0
  }
  for (const s of subsets) {
    if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, Math.max(0, room))
    room -= s.notReadyAddresses?.length ?? 0
  }
  return true
}

export type EndpointsAction = { type: 'create'; object: EndpointsObj } | { type: 'update'; object: EndpointsObj }

const withoutHeadless = (labels: Record<string, string> | undefined) => {
  const { [headlessLabel]: _h, ...rest } = labels ?? {}
  return rest
}

/** What to write so that the Service's Endpoints are current; undefined when they already are. */
export function planEndpoints(svc: ServiceObj, pods: PodObj[], current: EndpointsObj | undefined): EndpointsAction | undefined {
  const subsets = computeSubsets(svc, pods)
  const truncated = truncate(subsets)
  const svcLabels = svc.metadata.labels ?? {}
  const annotations = { ...(current?.metadata.annotations ?? {}) }
  delete annotations[triggerTimeAnnotation]
  if (truncated) annotations[overCapacityAnnotation] = 'truncated'
  else delete annotations[overCapacityAnnotation]
  if (
    current &&
    isDeepStrictEqual(current.subsets ?? [], subsets) &&
    isDeepStrictEqual(withoutHeadless(current.metadata.labels), svcLabels) &&
    (current.metadata.annotations?.[overCapacityAnnotation] === 'truncated') === truncated
  ) {
    return undefined
  }
  const labels: Record<string, string> = { ...svcLabels }
  if (!svc.spec?.clusterIP || isHeadless(svc)) labels[headlessLabel] = ''
  else delete labels[headlessLabel]
  const metadata = current
    ? { ...current.metadata, labels, annotations }
    : { name: svc.metadata.name, namespace: svc.metadata.namespace, labels, ...(Object.keys(annotations).length ? { annotations } : {}) }
  if (Object.keys(metadata.annotations ?? {}).length === 0) delete metadata.annotations
  if (Object.keys(labels).length === 0) delete (metadata as { labels?: unknown }).labels
  const object = { apiVersion: 'v1', kind: 'Endpoints', metadata, subsets } as EndpointsObj
  return current ? { type: 'update', object } : { type: 'create', object }
}
