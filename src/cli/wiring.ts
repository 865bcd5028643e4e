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
import { StoreClaims } from '../registry/allocation/claims.js'
import { CustomResourceServing } from '../registry/apiextensions/serve.js'
import { builtInResources } from '../registry/index.js'
import { csrRequester } from '../registry/certificates/csr.js'
import { nodeRestriction } from '../registry/core/noderestriction.js'
import { defaultIngressClassAdmission } from '../registry/networking/index.js'
import { ensureBootstrapPolicy } from '../registry/rbac/bootstrap.js'
import { metricsResources } from '../registry/metrics/index.js'
import type { NodeResourceUsage } from '../apis/metrics/usage.js'
import type { Admission } from '../registry/rest.js'
import { defaultServiceAccountName, serviceAccountAdmission } from '../registry/serviceaccount.js'
import { bootstrapPriorityClasses, priorityAdmission } from '../registry/scheduling/admission.js'
import { limitRanger, resourceQuotaAdmission } from '../registry/quota/admission.js'
import { storageAdmission } from '../registry/storage/admission.js'
import { validatingAdmissionPolicy } from '../registry/admissionregistration/policy.js'
import { defaultTolerationSeconds, type DefaultTolerationSecondsOptions } from '../registry/core/tolerationseconds.js'
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
  /** --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds (300 each). */
  tolerationSeconds?: DefaultTolerationSecondsOptions
  /** A node's resource figures (its agent's): with it, metrics.k8s.io is served (`kubectl top`). */
  nodeUsage?: (nodeName: string) => Promise<NodeResourceUsage | undefined>
  /** Other API servers share this store (an HA pair on etcd): Service addresses are claimed in it. */
  sharedStore?: boolean
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
  const claims = w.sharedStore ? new StoreClaims({ store: w.store, getService: (ns, name) => api.resource('', 'services')!.get(ns, name).catch(notFoundAsUndefined) }) : undefined
  const allocator = new ServiceAllocator({ listServices: async () => (await api.resource('', 'services')!.list(undefined)).items, claims })
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
      defaultIngressClassAdmission(async () => (await api.resource('networking.k8s.io', 'ingressclasses')!.list(undefined)).items),
      priorityAdmission({ getPriorityClass: (name) => api.resource('scheduling.k8s.io', 'priorityclasses')!.get(undefined, name), listPriorityClasses: async () => (await api.resource('scheduling.k8s.io', 'priorityclasses')!.list(undefined)).items }),
      defaultTolerationSeconds(w.tolerationSeconds),
      limitRanger({ listLimitRanges: async (ns) => (await api.resource('', 'limitranges')!.list(ns)).items }),
      // Validating admission policies: after the mutating steps, before ResourceQuota (last, as upstream).
      validatingAdmissionPolicy({
        listPolicies: async () => (await api.resource('admissionregistration.k8s.io', 'validatingadmissionpolicies')!.list(undefined)).items as never,
        listBindings: async () => (await api.resource('admissionregistration.k8s.io', 'validatingadmissionpolicybindings')!.list(undefined)).items as never,
        getNamespace: (name) => getNamespace(name).catch(() => undefined),
        getParam: async (apiVersion, kind, namespace, name) => {
          const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
          const rs = api.resources().find((r) => r.def.group === g && r.def.version === v && r.def.kind === kind)
          return rs ? rs.get(rs.def.namespaced ? namespace : undefined, name).catch(() => undefined) : undefined
        },
      }),
      resourceQuotaAdmission({ quotas: () => api.resource('', 'resourcequotas')!, clock: w.clock }),
      ...storageAdmission({ listStorageClasses: async () => (await api.resource('storage.k8s.io', 'storageclasses')!.list(undefined)).items as never, getStorageClass: (name) => api.resource('storage.k8s.io', 'storageclasses')!.get(undefined, name).catch(() => undefined) as never }),
      csrRequester,
      nodeRestriction,
      ...(w.admission ?? []),
    ],
    protobuf: decodeProtobuf,
    patcher,
    fieldManager,
    unknownFields,
    typeError,
    openapi: {
      v3Root: () => openapiV3Root(api.servedResources()),
      v3Document: (gv) => openapiV3Document(api.servedResources(), gv),
      v2: () => openapiV2Document(api.servedResources()),
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

/**
 * Serves the kinds of every stored CustomResourceDefinition (call before the API listens, so a
 * restarted cluster serves them from its first request); `follow()` then follows CRD changes
 * until `signal` aborts.
 */
export async function serveCustomResources(api: ApiServer, signal: AbortSignal, log?: ApiServerOptions['log']): Promise<{ follow(): Promise<void> }> {
  const builtIn = new Set(builtInResources().map((d) => `${d.group}/${d.resource}`))
  const serving = new CustomResourceServing({
    crds: api.resource('apiextensions.k8s.io', 'customresourcedefinitions')!,
    isBuiltIn: (group, resource) => builtIn.has(`${group}/${resource}`),
    serve: (defs) => api.serveKind(defs),
    unserve: (group, resource) => api.unserveKind(group, resource),
    resource: (group, resource) => api.resource(group, resource),
    log,
  })
  return { follow: await serving.start(signal) }
}

/** A client that calls this API server in-process, as `component` (its default field manager); `opts.turns` shares the loop fairly (client/turns.ts). */
export function localClient(api: ApiServer, component: string, opts: InProcessClientOptions = {}): Client {
  return inProcessClient(
    {
      resources: () => api.resourceInfos(),
      resource: (g, r) => api.resource(g, r),
      createSubresource: (g, r, ns, name, sub, body) => api.createSubresource(g, r, ns, name, sub, body),
      getRaw: (path) => api.getRaw(path),
      scale: (g, r, ns, name, body, manager) => api.scale(g, r, ns, name, body, manager),
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
  await ensureBootstrapPolicy(api.resource('rbac.authorization.k8s.io', 'clusterroles')!, api.resource('rbac.authorization.k8s.io', 'clusterrolebindings')!) // upstream's default roles
  await bootstrapPriorityClasses((obj) => api.resource('scheduling.k8s.io', 'priorityclasses')!.create(undefined, obj, { fieldManager: 'kube-apiserver' }))
}

function notFoundAsUndefined(err: unknown): undefined {
  if ((err as { status?: { code?: number } }).status?.code === 404) return undefined
  throw err
}

async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create()
  } catch (err) {
    if ((err as { status?: { reason?: string } }).status?.reason !== 'AlreadyExists') throw err
  }
}
