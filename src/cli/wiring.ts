// How the API server is assembled (shared by `kubelite up` and by tests that need an in-process
// API exactly as production builds it).
import { decodeProtobuf, fieldManager, patcher, typeError, unknownFields } from '../api/adapters.js'
import { openapiV2Document, openapiV3Document, openapiV3Root } from '../api/openapi.js'
import { ApiServer, type ApiServerOptions } from '../api/server.js'
import { inProcessClient, type InProcessClientOptions } from '../client/inprocess.js'
import type { Client } from '../client/types.js'
import { namespaceLifecycle } from '../registry/admission.js'
import { serviceAllocation } from '../registry/allocation/admission.js'
import { ServiceAllocator } from '../registry/allocation/allocator.js'
import { builtInResources } from '../registry/index.js'
import { metricsResources } from '../registry/metrics/index.js'
import type { NodeResourceUsage } from '../apis/metrics/usage.js'
import type { Admission } from '../registry/rest.js'
import { defaultServiceAccountName, serviceAccountAdmission } from '../registry/serviceaccount.js'
import type { Store } from '../store/types.js'

export interface ApiWiring {
  store: Store
  serverAddress: string
  tokens?: string[]
  authenticateToken?: ApiServerOptions['authenticateToken']
  clock?: () => Date
  /** Admission plugins after the built-in ones (NamespaceLifecycle, ServiceAccount, Service address allocation). */
  admission?: Admission[]
  log?: ApiServerOptions['log']
  readiness?: ApiServerOptions['readiness']
  subresources?: ApiServerOptions['subresources']
  upgrades?: ApiServerOptions['upgrades']
  metrics?: ApiServerOptions['metrics']
  traffic?: ApiServerOptions['traffic']
  /** A node's resource figures (its agent's): with it, metrics.k8s.io is served (`kubectl top`). */
  nodeUsage?: (nodeName: string) => Promise<NodeResourceUsage | undefined>
}

export function buildApiServer(w: ApiWiring): ApiServer {
  let api: ApiServer
  const store = (resource: string) => api.resource('', resource)!
  const resources = [
    ...builtInResources(),
    ...(w.nodeUsage
      ? metricsResources({
          listPods: async (ns) => (await store('pods').list(ns)).items,
          getPod: (ns, name) => store('pods').get(ns, name),
          listNodes: async () => (await store('nodes').list(undefined)).items,
          getNode: (name) => store('nodes').get(undefined, name),
          nodeUsage: w.nodeUsage,
          clock: w.clock,
        })
      : []),
  ]
  const getNamespace = (name: string) => api.resource('', 'namespaces')!.get(undefined, name)
  // ClusterIPs and NodePorts are allocated as upstream's Service storage does, rebuilt from the store.
  const allocator = new ServiceAllocator({ listServices: async () => (await api.resource('', 'services')!.list(undefined)).items })
  api = new ApiServer({
    resources,
    store: w.store,
    clock: w.clock,
    tokens: w.tokens,
    authenticateToken: w.authenticateToken,
    admission: [
      namespaceLifecycle(getNamespace),
      serviceAccountAdmission({ getServiceAccount: (ns, name) => api.resource('', 'serviceaccounts')!.get(ns, name) }),
      serviceAllocation(allocator),
      ...(w.admission ?? []),
    ],
    protobuf: decodeProtobuf,
    patcher,
    fieldManager,
    unknownFields,
    typeError,
    openapi: {
      v3Root: () => openapiV3Root(resources),
      v3Document: (gv) => openapiV3Document(resources, gv),
      v2: () => openapiV2Document(resources),
    },
    serverAddress: w.serverAddress,
    readiness: w.readiness,
    subresources: w.subresources,
    upgrades: w.upgrades,
    metrics: w.metrics,
    traffic: w.traffic,
    log: w.log,
  })
  return api
}

/** A client that calls this API server in-process, as `component` (its default field manager); `opts.turns` shares the loop fairly (client/turns.ts). */
export function localClient(api: ApiServer, component: string, opts: InProcessClientOptions = {}): Client {
  return inProcessClient(
    {
      resources: () => api.resourceInfos(),
      resource: (g, r) => api.resource(g, r),
      createSubresource: (g, r, ns, name, sub, body) => api.createSubresource(g, r, ns, name, sub, body),
      getRaw: (path) => api.getRaw(path),
    },
    component,
    opts,
  )
}

/**
 * Objects every cluster has: the system namespaces and their `default` ServiceAccounts (the
 * ServiceAccounts controller keeps those in every namespace; made here too so that pods of the
 * system namespaces never wait for it). Idempotent across restarts.
 */
export async function bootstrapNamespaces(api: ApiServer): Promise<void> {
  const namespaces = api.resource('', 'namespaces')!
  const accounts = api.resource('', 'serviceaccounts')!
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    await createIfMissing(() => namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'kube-apiserver' }))
    await createIfMissing(() => accounts.create(name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: defaultServiceAccountName } }, { fieldManager: 'kube-controller-manager' }))
  }
}

async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create()
  } catch (err) {
    if ((err as { status?: { reason?: string } }).status?.reason !== 'AlreadyExists') throw err
  }
}
