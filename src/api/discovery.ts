// Discovery documents: legacy (/api, /apis, APIResourceList per group-version) and aggregated
// (apidiscovery.k8s.io/v2), which kubectl 1.32 asks for first. The aggregated reply must carry the
// exact Content-Type below, or kubectl caches an empty resource list for six hours.
import { createHash } from 'node:crypto'
import { apiVersionOf } from '../apis/meta.js'
import { allVerbs, type ResourceDef } from '../registry/types.js'

export const aggregatedContentType = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'

export interface SubresourceInfo {
  name: string
  responseKind: { group: string; version: string; kind: string }
  verbs: string[]
}

export interface ServedResource {
  def: ResourceDef
  subresources: SubresourceInfo[]
}

/** status and scale come from the ResourceDef; others (log, exec, ...) are registered by their owners. */
export function builtInSubresources(def: ResourceDef): SubresourceInfo[] {
  const subs: SubresourceInfo[] = []
  if (def.hasStatus) subs.push({ name: 'status', responseKind: { group: def.group, version: def.version, kind: def.kind }, verbs: ['get', 'patch', 'update'] })
  if (def.scale) subs.push({ name: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] })
  for (const [name, sub] of Object.entries(def.specSubresources ?? {})) subs.push({ name, responseKind: { group: def.group, version: def.version, kind: def.kind }, verbs: [...sub.verbs] })
  return subs
}

/** Upstream's storageVersionHash: base64 of the first 8 bytes of sha256("group/version/kind"). */
function storageVersionHash(def: ResourceDef): string {
  return createHash('sha256').update(`${def.group}/${def.version}/${def.kind}`).digest().subarray(0, 8).toString('base64')
}

/** Group order as kube-apiserver serves it (core first; then apps, events.k8s.io, ...). */
const groupPriority = ['', 'apps', 'events.k8s.io', 'autoscaling', 'batch', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'argoproj.io']

export interface GroupVersions {
  group: string
  versions: string[]
}

export function groupsOf(resources: ServedResource[]): GroupVersions[] {
  const map = new Map<string, Set<string>>()
  for (const r of resources) {
    if (!map.has(r.def.group)) map.set(r.def.group, new Set())
    map.get(r.def.group)!.add(r.def.version)
  }
  const rank = (g: string) => {
    const i = groupPriority.indexOf(g)
    return i < 0 ? groupPriority.length : i
  }
  return [...map.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([group, versions]) => ({ group, versions: [...versions] }))
}

function resourcesIn(resources: ServedResource[], group: string, version: string): ServedResource[] {
  return resources.filter((r) => r.def.group === group && r.def.version === version).sort((a, b) => a.def.resource.localeCompare(b.def.resource))
}

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] }
}

function apiGroup(g: GroupVersions) {
  const versions = g.versions.map((v) => ({ groupVersion: apiVersionOf(g.group, v), version: v }))
  return { name: g.group, versions, preferredVersion: versions[0] }
}

export function apiGroupList(resources: ServedResource[]) {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsOf(resources).filter((g) => g.group !== '').map(apiGroup) }
}

export function apiGroupDoc(resources: ServedResource[], group: string) {
  const g = groupsOf(resources).find((x) => x.group === group)
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined
}

export function apiResourceList(resources: ServedResource[], group: string, version: string) {
  const served = resourcesIn(resources, group, version)
  if (served.length === 0) return undefined
  const list: Record<string, unknown>[] = []
  for (const { def, subresources } of served) {
    const entry: Record<string, unknown> = {
      name: def.resource,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: def.verbs ?? allVerbs,
    }
    if (def.shortNames?.length) entry.shortNames = def.shortNames
    if (def.categories?.length) entry.categories = def.categories
    entry.storageVersionHash = storageVersionHash(def)
    list.push(entry)
    for (const sub of subresources) {
      const s: Record<string, unknown> = { name: `${def.resource}/${sub.name}`, singularName: '', namespaced: def.namespaced, kind: sub.responseKind.kind, verbs: sub.verbs }
      // Upstream names both when the kind lives elsewhere (pods/eviction: policy, v1); kubectl drain looks for both.
      if (sub.responseKind.group !== def.group || sub.responseKind.version !== def.version) {
        s.group = sub.responseKind.group
        s.version = sub.responseKind.version
      }
      list.push(s)
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources: list }
}

function aggregatedResource({ def, subresources }: ServedResource) {
  const r: Record<string, unknown> = {
    resource: def.resource,
    responseKind: { group: def.group, version: def.version, kind: def.kind },
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    verbs: def.verbs ?? allVerbs,
  }
  if (def.shortNames?.length) r.shortNames = def.shortNames
  if (def.categories?.length) r.categories = def.categories
  if (subresources.length) r.subresources = subresources.map((s) => ({ subresource: s.name, responseKind: s.responseKind, verbs: s.verbs }))
  return r
}

/** `/api` (legacy: true) or `/apis` in aggregated form. */
export function aggregatedDiscovery(resources: ServedResource[], legacy: boolean) {
  const items = groupsOf(resources)
    .filter((g) => (legacy ? g.group === '' : g.group !== ''))
    .map((g) => ({
      metadata: legacy ? {} : { name: g.group },
      versions: g.versions.map((v) => ({ version: v, resources: resourcesIn(resources, g.group, v).map(aggregatedResource), freshness: 'Current' })),
    }))
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items }
}

/** True when the Accept header asks for the aggregated form (v2 or v2beta1). */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined
  for (const entry of accept.split(',')) {
    const e = entry.replace(/\s+/g, '')
    if (e.includes('as=APIGroupDiscoveryList') && e.includes('g=apidiscovery.k8s.io')) {
      if (e.includes('v=v2beta1')) return 'v2beta1'
      if (e.includes('v=v2')) return 'v2'
    }
  }
  return undefined
}
