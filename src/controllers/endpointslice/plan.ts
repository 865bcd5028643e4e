// The EndpointSlices a Service should have (upstream k8s.io/endpointslice reconciler, simplified
// but with its shape): endpoints grouped by their resolved port set, at most 100 to a slice;
// existing slices are edited in place (endpoints kept in order, new ones appended), emptied ones
// deleted, new ones created `<service>-<5 random>` by generateName; a delete paired with a create
// becomes an update of the old slice, so names stay stable; a Service with no endpoints keeps one
// empty placeholder slice. Terminating pods stay listed with ready=false, terminating=true.
import type { EndpointSlice, Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js'
import { isDeepStrictEqual } from 'node:util'
import type { StoredObject } from '../../apis/meta.js'
import { findPort, headlessLabel, isHeadless, isPodReady, podIPv4s, shouldPodBeInEndpoints, shouldSetHostname, type PodObj, type ServiceObj } from '../endpoints/podutil.js'

export type SliceObj = StoredObject & EndpointSlice

export const serviceNameLabel = 'kubernetes.io/service-name'
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by'
export const controllerName = 'endpointslice-controller.k8s.io'
export const maxEndpointsPerSlice = 100

/** Upstream podToEndpoint. */
export function podToEndpoint(pod: PodObj, svc: ServiceObj): Endpoint {
  const serving = isPodReady(pod)
  const terminating = Boolean(pod.metadata.deletionTimestamp)
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating)
  const ep: Endpoint = {
    addresses: podIPv4s(pod),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  }
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname
  return ep
}

/** Upstream getEndpointPorts: the service ports this pod can serve, in service order. */
export function endpointPorts(svc: ServiceObj, pod: PodObj): EndpointPort[] {
  const out: EndpointPort[] = []
  const ports = svc.spec?.ports ?? []
  if (ports.length === 0 && isHeadless(svc)) return out
  for (const sp of ports) {
    const port = findPort(pod, sp)
    if (port === undefined) continue
    const ep: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' }
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol
    out.push(ep)
  }
  return out
}

/** Upstream setEndpointSliceLabels: the Service's labels plus the reserved ones. */
export function sliceLabels(svc: ServiceObj): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
    if (k === serviceNameLabel || k === managedByLabel || k === headlessLabel) continue
    labels[k] = v
  }
  if (!svc.spec?.clusterIP || isHeadless(svc)) labels[headlessLabel] = ''
  labels[serviceNameLabel] = svc.metadata.name!
  labels[managedByLabel] = controllerName
  return labels
}

function ownerRef(svc: ServiceObj) {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }
}

export function ownedBy(slice: SliceObj, svc: ServiceObj): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1')
}

const portsKey = (ports: EndpointPort[] | undefined | null): string =>
  JSON.stringify((ports ?? []).map((p) => [p.name ?? '', p.port ?? null, p.protocol ?? 'TCP', p.appProtocol ?? null]))

/** An endpoint's identity across syncs: its pod, else its first address. */
const endpointKey = (ep: Endpoint): string => ep.targetRef?.uid ?? ep.addresses?.[0] ?? ''

export function newSlice(svc: ServiceObj, ports: EndpointPort[], endpoints: Endpoint[]): SliceObj {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace, labels: sliceLabels(svc), ownerReferences: [ownerRef(svc)] },
    addressType: 'IPv4',
    endpoints,
    ports,
  } as SliceObj
}

const isPlaceholder = (s: SliceObj) => (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0

export interface SlicePlan {
  create: SliceObj[]
  update: SliceObj[]
  delete: SliceObj[]
}

/** The desired endpoints, grouped by port set. */
export function desiredEndpoints(svc: ServiceObj, pods: PodObj[]): Map<string, { ports: EndpointPort[]; endpoints: Map<string, Endpoint> }> {
  const out = new Map<string, { ports: EndpointPort[]; endpoints: Map<string, Endpoint> }>()
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue
    const ep = podToEndpoint(pod, svc)
    if ((ep.addresses ?? []).length === 0) continue
    const ports = endpointPorts(svc, pod)
    const key = portsKey(ports)
    let g = out.get(key)
    if (!g) out.set(key, (g = { ports, endpoints: new Map() }))
    g.endpoints.set(endpointKey(ep), ep)
  }
  return out
}

/** Plan the writes that bring `existing` (this Service's managed slices) to what `pods` call for. */
export function planEndpointSlices(svc: ServiceObj, pods: PodObj[], existing: SliceObj[], maxPerSlice = maxEndpointsPerSlice): SlicePlan {
  const desired = desiredEndpoints(svc, pods)
  const labels = sliceLabels(svc)
  const plan: SlicePlan = { create: [], update: [], delete: [] }
  const kept: { slice: SliceObj; key: string; endpoints: Endpoint[]; changed: boolean }[] = []

  // 1. Existing slices: drop endpoints no longer wanted, refresh the ones that changed.
  for (const slice of existing) {
    const key = portsKey(slice.ports)
    const group = desired.get(key)
    if (!ownedBy(slice, svc) || slice.addressType !== 'IPv4' || !group) {
      plan.delete.push(slice)
      continue
    }
    const endpoints: Endpoint[] = []
    let changed = !isDeepStrictEqual(slice.metadata.labels ?? {}, labels)
    for (const ep of slice.endpoints ?? []) {
      const want = group.endpoints.get(endpointKey(ep))
      if (!want) {
        changed = true
        continue
      }
      group.endpoints.delete(endpointKey(ep))
      if (!isDeepStrictEqual(want, ep)) changed = true
      endpoints.push(want)
    }
    if (endpoints.length === 0) plan.delete.push(slice)
    else kept.push({ slice, key, endpoints, changed })
  }

  // 2. Fill slices that are being written anyway, then any with room, then new ones.
  const ordered = [...kept.filter((k) => k.changed), ...kept.filter((k) => !k.changed)]
  for (const [key, group] of desired) {
    const rest = [...group.endpoints.values()].sort((a, b) => ((a.addresses?.[0] ?? '') < (b.addresses?.[0] ?? '') ? -1 : 1))
    for (const k of ordered) {
      if (rest.length === 0) break
      if (k.key !== key || k.endpoints.length >= maxPerSlice) continue
      const take = rest.splice(0, maxPerSlice - k.endpoints.length)
      k.endpoints.push(...take)
      k.changed = true
    }
    for (let i = 0; i < rest.length; i += maxPerSlice) plan.create.push(newSlice(svc, group.ports, rest.slice(i, i + maxPerSlice)))
  }
  for (const k of kept) {
    if (k.changed) plan.update.push({ ...k.slice, metadata: { ...k.slice.metadata, labels }, endpoints: k.endpoints } as SliceObj)
  }

  // 3. No endpoints at all: keep (or make) one empty placeholder slice.
  if (kept.length === 0 && plan.create.length === 0) {
    const placeholder = newSlice(svc, [], [])
    const i = plan.delete.findIndex((s) => isPlaceholder(s) && ownedBy(s, svc) && s.addressType === 'IPv4')
    if (i >= 0 && plan.delete.length === 1) {
      const [old] = plan.delete.splice(i, 1)
      if (!isDeepStrictEqual(old.metadata.labels ?? {}, labels)) plan.update.push({ ...old, metadata: { ...old.metadata, labels } } as SliceObj)
    } else plan.create.push(placeholder)
  }

  // 4. A create and a delete make an update of the deleted slice (stable names, fewer writes).
  for (let i = 0; i < plan.delete.length && plan.create.length > 0; ) {
    const old = plan.delete[i]
    if (old.addressType === 'IPv4' && ownedBy(old, svc)) {
      const fresh = plan.create.pop()!
      plan.update.push({ ...old, metadata: { ...old.metadata, labels: fresh.metadata.labels, ownerReferences: fresh.metadata.ownerReferences }, endpoints: fresh.endpoints, ports: fresh.ports } as SliceObj)
      plan.delete.splice(i, 1)
    } else i++
  }
  return plan
}
