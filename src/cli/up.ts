// `kubelite up`: wires the store, the API server and (later) controllers, the node agent and the
// proxy into one process, and writes the kubeconfig. Flags → config → wiring only.
import { setMaxListeners } from 'node:events'
import { createServer, type Server } from 'node:https'
import { mkdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import type { Socket } from 'node:net'
import { openapiV2Document, openapiV3Document, openapiV3Root } from '../api/openapi.js'
import { ApiServer } from '../api/server.js'
import { decodeProtobuf, fieldManager, patcher, unknownFields } from '../api/adapters.js'
import { isStatusError } from '../api/status.js'
import { inProcessClient } from '../client/inprocess.js'
import { GarbageCollector } from '../controllers/gc/controller.js'
import { NamespaceController } from '../controllers/namespace/controller.js'
import { namespaceLifecycle } from '../registry/admission.js'
import { builtInResources } from '../registry/index.js'
import { openSqliteStore, startCompactor, type Store } from '../store/index.js'
import { defaultKubeconfigPath, writeKubeconfig } from './kubeconfig.js'
import { ensureCredentials } from './pki.js'

export interface UpConfig {
  dataDir: string
  port: number
  host: string
  /** Explicit kubeconfig file (written whole), or undefined to merge into the default one. */
  kubeconfig?: string
  runtime: 'process' | 'sim'
  nodes: number
  nodeportAddress: string
}

export interface Logger {
  info(obj: unknown, msg?: string): void
  error(obj: unknown, msg?: string): void
}

export interface Cluster {
  url: string
  kubeconfigPath: string
  api: ApiServer
  store: Store
  /** Stop everything: listeners, connections, background loops, the store. */
  close(): Promise<void>
}

export const defaultConfig = (): UpConfig => ({
  dataDir: join(homedir(), '.kubelite'),
  port: 6443,
  host: '127.0.0.1',
  runtime: 'process',
  nodes: 1,
  nodeportAddress: '127.0.0.1',
})

const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease']

export async function startCluster(cfg: UpConfig, log: Logger): Promise<Cluster> {
  const dataDir = resolvePath(cfg.dataDir)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const [creds, store] = await Promise.all([ensureCredentials(dataDir), openSqliteStore(join(dataDir, 'state.db'))])
  const abort = new AbortController()
  setMaxListeners(0, abort.signal) // every informer and watch listens to it
  const url = `https://${cfg.host}:${cfg.port}`

  const resources = builtInResources()
  const servesNamespaces = resources.some((d) => d.group === '' && d.resource === 'namespaces')
  let api: ApiServer
  const getNamespace = (name: string) => api.resource('', 'namespaces')!.get(undefined, name)
  api = new ApiServer({
    resources,
    store,
    tokens: [creds.token],
    admission: servesNamespaces ? [namespaceLifecycle(getNamespace)] : [],
    protobuf: decodeProtobuf,
    patcher,
    fieldManager,
    unknownFields,
    openapi: {
      v3Root: () => openapiV3Root(resources),
      v3Document: (gv) => openapiV3Document(resources, gv),
      v2: () => openapiV2Document(resources),
    },
    serverAddress: `${cfg.host}:${cfg.port}`,
    readiness: async () => (bootstrapped ? [] : ['poststarthook/bootstrap-controller']),
    log,
  })

  let bootstrapped = false
  const server: Server = createServer({ cert: creds.serverCertPem, key: creds.serverKeyPem, ca: creds.caCertPem }, api.handle)
  server.on('upgrade', api.handleUpgrade)
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 66_000
  server.requestTimeout = 0

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(cfg.port, cfg.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    await store.close()
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${cfg.port} on ${cfg.host} is already in use: stop the other server or pass --port`)
    throw err
  }

  await bootstrap(api)
  bootstrapped = true
  const background: Promise<unknown>[] = []
  background.push(startCompactor(store, { intervalMs: 5 * 60_000, onError: (err) => log.error({ err }, 'compaction failed') }, abort.signal))

  // Controllers talk to the API through a client, exactly as if they ran in another process.
  const controllerClient = inProcessClient({ resources: () => api.resourceInfos(), resource: (g, r) => api.resource(g, r) }, 'kube-controller-manager')
  if (servesNamespaces) background.push(new NamespaceController(controllerClient, log).start(abort.signal))
  background.push(new GarbageCollector(controllerClient, log).start(abort.signal))

  const kubeconfigPath = cfg.kubeconfig ? resolvePath(cfg.kubeconfig) : defaultKubeconfigPath()
  await writeKubeconfig(kubeconfigPath, { name: 'kubelite', server: url, caCertPem: creds.caCertPem, token: creds.token }, !cfg.kubeconfig)

  let closed: Promise<void> | undefined
  return {
    url,
    kubeconfigPath,
    api,
    store,
    close() {
      closed ??= (async () => {
        abort.abort()
        const done = new Promise<void>((r) => server.close(() => r()))
        for (const s of sockets) s.destroy()
        await done
        await Promise.race([Promise.allSettled(background), new Promise((r) => setTimeout(r, 2000).unref())])
        await store.close()
      })()
      return closed
    },
  }
}

/** Objects every cluster has: the system namespaces. Idempotent across restarts. */
async function bootstrap(api: ApiServer): Promise<void> {
  const namespaces = api.resource('', 'namespaces')
  if (!namespaces) return
  for (const name of systemNamespaces) {
    try {
      await namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'kube-apiserver' })
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err
    }
  }
}
