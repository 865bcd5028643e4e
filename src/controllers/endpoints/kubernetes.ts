// The `kubernetes` Service in `default` and its endpoints (upstream: the API server's
// "kubernetes service" controller and its endpoint reconciler). The Service has no selector, so
// the Endpoints and EndpointSlice controllers leave it alone; this writes its Endpoints and its
// EndpointSlice (named `kubernetes`, as upstream's EndpointsAdapter does) pointing at the API
// server. Idempotent: run it at start-up (and again whenever wanted).
import { isDeepStrictEqual } from 'node:util'
import type { StoredObject } from '../../apis/meta.js'
import { ensureObject, type EnsureSpec } from '../../client/ensure.js'
import type { Client, ResourceClient } from '../../client/types.js'

export interface KubernetesServiceOptions {
  /** The address the API server listens on (a loopback IP). */
  host: string
  port: number
  /** Default 127.96.0.1 (the first address of the service range). */
  clusterIP?: string
}

const ns = 'default'
const name = 'kubernetes'
const manager = 'kube-apiserver'

const ensure = (client: ResourceClient, desired: StoredObject, differs: EnsureSpec['differs'], merge: EnsureSpec['merge']) =>
  ensureObject(client, { desired, differs, merge, fieldManager: manager })

/** Make sure the `kubernetes` Service, Endpoints and EndpointSlice exist and point at host:port. */
export async function kubernetesServiceEndpoints(client: Client, opts: KubernetesServiceOptions): Promise<void> {
  const clusterIP = opts.clusterIP ?? '127.96.0.1'
  const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: opts.port }]
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports, sessionAffinity: 'None' },
  } as StoredObject
  const specPorts = (o: StoredObject) => (o.spec as { ports?: unknown[] } | undefined)?.ports ?? []
  await ensure(
    client.resource({ group: '', version: 'v1', resource: 'services' }),
    service,
    (live) => !isDeepStrictEqual(specPorts(live), ports),
    (live) => ({ ...live, spec: { ...(live.spec as object), ports } }),
  )

  const endpointPorts = [{ name: 'https', port: opts.port, protocol: 'TCP' }]
  const endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: ns, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: opts.host }], ports: endpointPorts }],
  } as StoredObject
  await ensure(
    client.resource({ group: '', version: 'v1', resource: 'endpoints' }),
    endpoints,
    (live) => !isDeepStrictEqual(live.subsets, endpoints.subsets),
    (live) => ({ ...live, subsets: endpoints.subsets }),
  )

  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [opts.host], conditions: { ready: true } }],
    ports: endpointPorts,
  } as StoredObject
  await ensure(
    client.resource({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }),
    slice,
    (live) => !isDeepStrictEqual(live.endpoints, slice.endpoints) || !isDeepStrictEqual(live.ports, slice.ports),
    (live) => ({ ...live, endpoints: slice.endpoints, ports: slice.ports }),
  )
}
