// The `kube-dns` Service in kube-system, as kubeadm installs it (labels, annotations, the three
// ports), and its endpoints: this process's DNS server instead of CoreDNS pods. The Service has no
// selector, so the Endpoints and EndpointSlice controllers leave it alone (as the `kubernetes`
// Service); this writes its Endpoints and its EndpointSlice. Idempotent: run at every start (the
// DNS server's port changes from run to run, and the proxy follows the endpoints).
import { isDeepStrictEqual } from 'node:util'
import type { StoredObject } from '../apis/meta.js'
import { ensureObject } from '../client/ensure.js'
import type { Client } from '../client/types.js'
import type { DnsAddresses } from './server.js'

export interface KubeDnsOptions {
  /** Default 127.96.0.10 (upstream's convention: the 10th address of the service range). */
  clusterIP?: string
  /** Where the DNS server listens (DnsServer.listen()). */
  endpoint: DnsAddresses
}

export const kubeDnsClusterIP = '127.96.0.10'
const ns = 'kube-system'
const name = 'kube-dns'
// CoreDNS's own Deployment writes nothing; its objects belong to whoever installed the addon.
const fieldManager = 'kubeadm'

/** Make sure the `kube-dns` Service, Endpoints and EndpointSlice exist and point at the DNS server. */
export async function ensureKubeDnsService(client: Client, opts: KubeDnsOptions): Promise<void> {
  const clusterIP = opts.clusterIP ?? kubeDnsClusterIP
  const ports = [
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
    { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
    { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
  ]
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: ns,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports, sessionAffinity: 'None' },
  } as StoredObject
  const specPorts = (o: StoredObject) => (o.spec as { ports?: unknown[] } | undefined)?.ports ?? []
  await ensureObject(client.resource({ group: '', version: 'v1', resource: 'services' }), {
    desired: service,
    differs: (live) => !isDeepStrictEqual(specPorts(live), ports),
    merge: (live) => ({ ...live, spec: { ...(live.spec as object), ports } }),
    fieldManager,
  })

  const { dns, metrics } = opts.endpoint
  const endpointPorts = [
    { name: 'dns', port: dns.port, protocol: 'UDP' },
    { name: 'dns-tcp', port: dns.port, protocol: 'TCP' },
    { name: 'metrics', port: metrics.port, protocol: 'TCP' },
  ]
  const endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: ns, labels: { 'k8s-app': 'kube-dns', 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: dns.host }], ports: endpointPorts }],
  } as StoredObject
  await ensureObject(client.resource({ group: '', version: 'v1', resource: 'endpoints' }), {
    desired: endpoints,
    differs: (live) => !isDeepStrictEqual(live.subsets, endpoints.subsets),
    merge: (live) => ({ ...live, subsets: endpoints.subsets }),
    fieldManager,
  })

  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': name, 'k8s-app': 'kube-dns' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [dns.host], conditions: { ready: true, serving: true, terminating: false } }],
    ports: endpointPorts,
  } as StoredObject
  await ensureObject(client.resource({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }), {
    desired: slice,
    differs: (live) => !isDeepStrictEqual(live.endpoints, slice.endpoints) || !isDeepStrictEqual(live.ports, slice.ports),
    merge: (live) => ({ ...live, endpoints: slice.endpoints, ports: slice.ports }),
    fieldManager,
  })
}
