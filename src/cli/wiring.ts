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
import type { Admission } from '../registry/rest.js'
import type { Store } from '../store/types.js'

export interface ApiWiring {
  store: Store
  serverAddress: string
  tokens?: string[]
  clock?: () => Date
  /** Admission plugins after the built-in ones (NamespaceLifecycle, Service address allocation). */
  admission?: Admission[]
  log?: ApiServerOptions['log']
  readiness?: ApiServerOptions['readiness']
  subresources?: ApiServerOptions['subresources']
  upgrades?: ApiServerOptions['upgrades']
  metrics?: ApiServerOptions['metrics']
}

export function buildApiServer(w: ApiWiring): ApiServer {
  const resources = builtInResources()
  let api: ApiServer
  const getNamespace = (name: string) => api.resource('', 'namespaces')!.get(undefined, name)
  // ClusterIPs and NodePorts are allocated as upstream's Service storage does, rebuilt from the store.
  const allocator = new ServiceAllocator({ listServices: async () => (await api.resource('', 'services')!.list(undefined)).items })
  api = new ApiServer({
    resources,
    store: w.store,
    clock: w.clock,
    tokens: w.tokens,
    admission: [namespaceLifecycle(getNamespace), serviceAllocation(allocator), ...(w.admission ?? [])],
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
    log: w.log,
  })
  return api
}

/** A client that calls this API server in-process, as `component` (its default field manager); `opts.turns` shares the loop fairly (client/turns.ts). */
export function localClient(api: ApiServer, component: string, opts: InProcessClientOptions = {}): Client {
  return inProcessClient({ resources: () => api.resourceInfos(), resource: (g, r) => api.resource(g, r) }, component, opts)
}

/** Objects every cluster has: the system namespaces. Idempotent across restarts. */
export async function bootstrapNamespaces(api: ApiServer): Promise<void> {
  const namespaces = api.resource('', 'namespaces')!
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    try {
      await namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'kube-apiserver' })
    } catch (err) {
      if ((err as { status?: { reason?: string } }).status?.reason !== 'AlreadyExists') throw err
    }
  }
}
