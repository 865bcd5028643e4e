// `kubelite up`: wires the store, the API server and (later) controllers, the node agent and the
// proxy into one process, and writes the kubeconfig. Flags → config → wiring only.
import { setMaxListeners } from 'node:events'
import { createServer, type Server } from 'node:https'
import { mkdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import type { Socket } from 'node:net'
import type { ApiServer } from '../api/server.js'
import { GarbageCollector } from '../controllers/gc/controller.js'
import { NamespaceController } from '../controllers/namespace/controller.js'
import { openSqliteStore, startCompactor, type Store } from '../store/index.js'
import { defaultKubeconfigPath, writeKubeconfig } from './kubeconfig.js'
import { ensureCredentials } from './pki.js'
import { bootstrapNamespaces, buildApiServer, localClient } from './wiring.js'

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

export async function startCluster(cfg: UpConfig, log: Logger): Promise<Cluster> {
  const dataDir = resolvePath(cfg.dataDir)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const [creds, store] = await Promise.all([ensureCredentials(dataDir), openSqliteStore(join(dataDir, 'state.db'))])
  const abort = new AbortController()
  setMaxListeners(0, abort.signal) // every informer and watch listens to it
  const url = `https://${cfg.host}:${cfg.port}`

  let bootstrapped = false
  const api = buildApiServer({
    store,
    tokens: [creds.token],
    serverAddress: `${cfg.host}:${cfg.port}`,
    readiness: async () => (bootstrapped ? [] : ['poststarthook/bootstrap-controller']),
    log,
  })

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

  await bootstrapNamespaces(api)
  bootstrapped = true
  const background: Promise<unknown>[] = []
  background.push(startCompactor(store, { intervalMs: 5 * 60_000, onError: (err) => log.error({ err }, 'compaction failed') }, abort.signal))

  // Controllers talk to the API through a client, exactly as if they ran in another process.
  const controllerClient = localClient(api, 'kube-controller-manager')
  background.push(new NamespaceController(controllerClient, log).start(abort.signal))
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
