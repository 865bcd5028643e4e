// `kubelite up`: wires the store, the API server, the controllers, the node agents and the service
// proxy into one process, and writes the kubeconfig. Flags → config → wiring only.
import { setMaxListeners } from 'node:events'
import type { Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { homedir } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import { createServer as createNetServer, type Socket } from 'node:net'
import { Registry } from 'prom-client'
import { createApiListener } from '../api/listener.js'
import { errors } from '../apis/status.js'
import type { ApiServer, SubresourceHandler } from '../api/server.js'
import { streamingSubresources } from '../api/stream/index.js'
import { podBinding } from '../api/subresources/binding.js'
import { podEviction } from '../api/subresources/eviction.js'
import { disruptionBudget } from '../registry/policy/budget.js'
import { serviceAccountTokenRequest } from '../api/subresources/token.js'
import { ServiceAccountTokens, type Lookup } from '../api/authn/serviceaccount.js'
import { withBootstrapTokens } from '../api/authn/bootstrap.js'
import { remoteNodeDialer } from './remote-nodes.js'
import { kubeletClientCredentials } from './signer.js'
import { InformerFactory } from '../client/factory.js'
import { FairTurns } from '../client/turns.js'
import { kubernetesServiceEndpoints } from '../controllers/endpoints/kubernetes.js'
import { runApiServerLeases } from '../controllers/endpoints/apiserver-leases.js'
import { DnsServer, ensureKubeDnsService, kubeDnsClusterIP, lowPortAccess, type Upstream } from '../dns/index.js'
import { Scheduler } from '../controllers/scheduler/controller.js'
import { builtinImages } from '../images/index.js'
import { NodeAgent } from '../node/index.js'
import { createRuntime } from '../node/runtime/index.js'
import { ServiceProxy } from '../proxy/index.js'
import { IngressProxy } from '../proxy/ingress/index.js'
import { fakeIngressCertificate } from './ingress-cert.js'
import { startCompactor, type Store } from '../store/index.js'
import { openStore, type StoreConfig } from './store.js'
import { leaderIdentity, runElected } from './leader.js'
import { isLongRunning } from '../api/request.js'
import { ensurePrivateDataDir } from './datadir.js'
import { enabledControllers, startControllers } from './controllers.js'
import { defaultKubeconfigPath, writeKubeconfig } from './kubeconfig.js'
import { ensureCredentials, shareCredentials } from './pki.js'
import { claimPodCIDRs } from './podcidr.js'
import { bootstrapNamespaces, buildApiServer, localClient, serveCustomResources } from './wiring.js'
import { installWorkQueueMetrics } from './workqueue-metrics.js'
import { startDashboard, type Dashboard } from './dashboard.js'
import { cutOffClient, installCutOffHook } from './test-hooks.js'
import type { NodeMonitorOptions } from '../controllers/nodelifecycle/controller.js'
import type { DefaultTolerationSecondsOptions } from '../registry/core/tolerationseconds.js'

export interface UpConfig {
  dataDir: string
  port: number
  host: string
  /** Explicit kubeconfig file (written whole), or undefined to merge into the default one. */
  kubeconfig?: string
  runtime: 'process' | 'sim'
  nodes: number
  nodeportAddress: string
  /** --controllers: which controllers run (`*`, `name`, `-name`; see cli/controllers.ts). */
  controllers: string[]
  /** --dns-upstream: resolvers for names outside the cluster; undefined: the host's /etc/resolv.conf; []: none (REFUSED). */
  dnsUpstreams?: Upstream[]
  /** --isolation: pods in namespaces of their own where the host allows it (auto), or plain processes (none). */
  isolation: 'auto' | 'none'
  /** --dashboard-port (default 6480; taken → a free port) / --no-dashboard (false). */
  dashboard: { port?: number } | false
  /** --ingress-port: the Ingress listener's port on 127.0.0.1 (HTTP and HTTPS); undefined or 0: a free one. */
  ingressPort?: number
  /** --store and the --etcd-* TLS files (cli/store.ts); absent: SQLite in the data dir. */
  store?: StoreConfig
  /** --node-name: the first node's name (default `kubelite`; further ones NAME-m02, ...). */
  nodeName?: string
  /** --node-monitor-period, --node-monitor-grace-period, --node-startup-grace-period (kube-controller-manager's). */
  nodeMonitor?: NodeMonitorOptions
  /** --default-not-ready-toleration-seconds, --default-unreachable-toleration-seconds (kube-apiserver's). */
  tolerationSeconds?: DefaultTolerationSecondsOptions
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
  /** The cluster DNS: the kube-dns ClusterIP pods use, and the loopback port the server itself answers on. */
  dns: { clusterIP: string; server: string; reachableAtClusterIP: boolean; reason?: string }
  /** How pods are isolated (the process runtime's one-line account), for the start-up banner. */
  isolation?: string
  /** What the start-up banner must say (another process holding this cluster's Service addresses). */
  warnings: string[]
  /** The web dashboard's log-in URL (one-time token), unless --no-dashboard. */
  dashboard?: Dashboard
  /** The Ingress listener (HTTP and HTTPS on one port), unless its port could not be bound (then a warning says so). */
  ingress?: { url: string; tlsUrl: string }
  /** With the state in etcd: this process's identity in the controllers' leader election. */
  leaderIdentity?: string
  /**
   * Stop everything: listeners, connections, background loops, the store. `progress` hears what a
   * slow shutdown is waiting for (requests in flight, pods past their SIGTERM).
   */
  close(progress?: (message: string) => void): Promise<void>
}

export const defaultConfig = (): UpConfig => ({
  dataDir: join(homedir(), '.kubelite'),
  port: 6443,
  host: '127.0.0.1',
  runtime: 'process',
  nodes: 1,
  nodeportAddress: '127.0.0.1',
  controllers: ['*'],
  isolation: 'auto',
  dashboard: {},
})

export async function startCluster(cfg: UpConfig, log: Logger): Promise<Cluster> {
  enabledControllers(cfg.controllers) // an unknown name fails here, before anything starts
  const dataDir = resolvePath(cfg.dataDir)
  await ensurePrivateDataDir(dataDir)
  const [localCreds, store] = await Promise.all([ensureCredentials(dataDir), openStore(cfg.store ?? {}, dataDir)])
  const creds = cfg.store?.url ? await shareCredentials(store, dataDir, localCreds) : localCreds // etcd: one identity for every control plane on it
  const abort = new AbortController()
  setMaxListeners(0, abort.signal) // every informer and watch listens to it
  const url = `https://${cfg.host}:${cfg.port}`

  // Node agents first: the API server dials them for logs, exec and port-forward.
  const agents: NodeAgent[] = []
  const remoteNodes = remoteNodeDialer(() => kubeletClientCredentials(dataDir), (name) => api.resource('', 'nodes')!.get(undefined, name) as never)
  const dialer = (nodeName: string) => agents.find((a) => a.nodeName === nodeName)?.connection ?? remoteNodes(nodeName)
  let proxy: ServiceProxy | undefined
  const streaming = streamingSubresources(dialer, {
    serviceDialer: async ({ namespace, name, port }) => {
      if (!proxy) throw Object.assign(new Error('the service proxy is not running'), { code: 503, reason: 'ServiceUnavailable' })
      return proxy.dialService(namespace, name, port === '' ? undefined : port)
    },
  })
  const binding = podBinding({ store })
  const metrics = new Registry()
  let bootstrapped = false
  let closing = false // /readyz's shutdown check fails from the first moment of a shutdown, as upstream
  // Service-account tokens are checked against the live objects they name, read in-process.
  const lookup: Lookup = async (resource, namespace, name) => {
    try {
      return await api.resource('', resource)!.get(namespace, name)
    } catch (err) {
      if ((err as { status?: { code?: number } }).status?.code === 404) return undefined
      throw err
    }
  }
  const saTokens = new ServiceAccountTokens(creds.serviceAccountKey, lookup)
  const api: ApiServer = buildApiServer({
    store,
    tokens: [creds.token],
    authenticateToken: withBootstrapTokens((ns, name) => lookup('secrets', ns, name), (token) => saTokens.authenticate(token)),
    serverAddress: `${cfg.host}:${cfg.port}`,
    tolerationSeconds: cfg.tolerationSeconds,
    subresources: new Map<string, SubresourceHandler>([
      ['pods/binding', binding],
      ['pods/eviction', podEviction({ budget: disruptionBudget({ pdbs: () => api.resource('policy', 'poddisruptionbudgets')! }) })],
      ['serviceaccounts/token', serviceAccountTokenRequest({ tokens: saTokens, lookup })],
      ...streaming.subresources,
    ]),
    upgrades: streaming.upgrades,
    readiness: async () => [
      { name: 'poststarthook/bootstrap-controller', ok: bootstrapped },
      { name: 'node-ready', ok: !!agents[0]?.isReady(), reason: `node ${nodeName(0, cfg.nodeName)} is not ready` },
      { name: 'shutdown', ok: !closing, reason: 'process is shutting down' },
    ],
    metrics: () => metrics.metrics(),
    nodeUsage: async (node) => dialer(node)?.resourceUsage?.(),
    traffic: { report: (q) => (proxy ? proxy.trafficReport(q) : Promise.reject(errors.serviceUnavailable('the service proxy is not running'))) },
    sharedStore: !!cfg.store?.url, // etcd: other control planes may share it
    log,
  })

  const customResources = await serveCustomResources(api, abort.signal, log)
  const inflight = new InflightRequests()
  const server: Server = createApiListener({ cert: creds.serverCertPem, key: creds.serverKeyPem, ca: creds.caCertPem }, { request: inflight.track(api.handle), upgrade: api.handleUpgrade }, log)
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

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
  // The dashboard's port is taken before anything else starts, so a clash stops `up` cleanly.
  let dashboard: Dashboard | undefined
  try {
    dashboard = cfg.dashboard ? await startDashboard(cfg.dashboard, dataDir, { url, ca: creds.caCertPem, token: creds.token }, log) : undefined
  } catch (err) {
    await new Promise((r) => server.close(r))
    await store.close()
    throw err
  }

  // Another cluster on this machine (an earlier `up`, a test run) may hold the well-known Service
  // addresses; this one's pods would then reach that cluster's API and DNS. Said at start, loudly.
  const warnings = await heldElsewhere([
    { host: '127.96.0.1', port: 443, what: 'the kubernetes Service (pods reach the API there)' },
    { host: kubeDnsClusterIP, port: 53, what: 'the cluster DNS (kube-dns)' },
  ])
  for (const w of warnings) log.error({}, w)
  await bootstrapNamespaces(api)
  await kubernetesServiceEndpoints(localClient(api, 'kube-apiserver'), { host: cfg.host, port: cfg.port })

  // The cluster DNS listens on a loopback port of its own; kube-dns's endpoints point there and the
  // proxy relays the ClusterIP's port 53 (UDP and TCP) to it, as kube-proxy does to CoreDNS pods.
  const turns = new FairTurns()
  const informersClient = localClient(api, 'kube-controller-manager', { turns })
  const informers = new InformerFactory(informersClient, (err, resource) => log.error({ err, resource }, 'informer'))
  const dns = new DnsServer({ informers, upstreams: cfg.dnsUpstreams, log })
  const dnsAddrs = await dns.listen()
  try {
    await ensureKubeDnsService(localClient(api, 'kubeadm'), { clusterIP: kubeDnsClusterIP, endpoint: dnsAddrs })
  } catch (err) {
    // An old data dir where a user's Service already holds 127.96.0.10: DNS still answers on its own port.
    log.error({ err: (err as Error).message }, 'cluster DNS: cannot create the kube-dns Service')
  }
  const lowPorts = lowPortAccess(53)
  if (!lowPorts.allowed) log.error({ reason: lowPorts.reason, server: `${dnsAddrs.dns.host}:${dnsAddrs.dns.port}` }, 'cluster DNS: pods cannot reach 127.96.0.10:53')
  bootstrapped = true
  const background: Promise<unknown>[] = [customResources.follow()]
  background.push(startCompactor(store, { intervalMs: 5 * 60_000, onError: (err) => log.error({ err }, 'compaction failed') }, abort.signal))

  // Controllers, agents and the proxy talk to the API through a client, exactly as if they ran in
  // another process. In this one they share one informer per resource: a single pod list+watch
  // serves the controllers, the scheduler, the proxy and every node agent. Each puts its handlers
  // on the informers as it is built; the factory starts once they are all there.
  // Their requests share the event loop with the API's own (HTTP) ones in slices of each loop turn,
  // fairly across components, so a burst of in-process work never holds an HTTP request for long.
  const controllerClient = informersClient
  const uninstallQueueMetrics = installWorkQueueMetrics(metrics) // the queues the controllers and the scheduler make next
  const clientFor = (controller: string) => localClient(api, 'kube-controller-manager', { turns, flow: controller })
  // With the state in etcd, other control planes may share it: controllers and the scheduler run
  // only while this process holds their Lease (cli/leader.ts).
  const election = { elect: !!cfg.store?.url, identity: leaderIdentity(), log }
  // ...and the kubernetes Service leads to one of them that is alive (controllers/endpoints/apiserver-leases.ts).
  if (election.elect) background.push(runApiServerLeases({ client: localClient(api, 'kube-apiserver'), host: cfg.host, port: cfg.port, identity: election.identity, onError: (err) => log.error({ err }, 'kubernetes service endpoints') }, abort.signal))
  background.push(
    runElected({ ...election, client: localClient(api, 'kube-controller-manager'), name: 'kube-controller-manager' }, (signal) => startControllers({ client: controllerClient, clientFor, informers, log, signal, rootCA: creds.caCertPem, dataDir, nodeMonitor: cfg.nodeMonitor }, cfg.controllers), abort.signal),
  )
  const pods = api.resource('', 'pods')!
  background.push(
    runElected({ ...election, client: localClient(api, 'kube-scheduler'), name: 'kube-scheduler' }, (signal) => [
      new Scheduler(localClient(api, 'default-scheduler', { turns }), informers, {
        log,
        bind: (ns, b) => turns.run('default-scheduler', async () => void (await binding.bind(pods, ns, b.metadata!.name!, b))),
      }).start(signal),
    ], abort.signal),
  )
  proxy = new ServiceProxy(localClient(api, 'kube-proxy', { turns }), { nodePortAddress: cfg.nodeportAddress, registry: metrics, log, informers })
  background.push(proxy.start(abort.signal))
  const ingressProxy = new IngressProxy(localClient(api, 'ingress-controller', { turns }), { port: cfg.ingressPort ?? 0, informers, log, defaultCertificate: fakeIngressCertificate() })
  const ingress = await ingressProxy.listen().then(
    (a) => ({ url: `http://${a.host}:${a.port}`, tlsUrl: `https://${a.host}:${a.port}` }),
    (err: NodeJS.ErrnoException) => void warnings.push(`Ingresses are not served: cannot listen on 127.0.0.1:${cfg.ingressPort}${err.code === 'EADDRINUSE' ? ' (in use); pass another --ingress-port' : `: ${err.message}`}`),
  )
  if (ingress) background.push(ingressProxy.start(abort.signal))
  background.push(dns.start(abort.signal))
  informers.start(abort.signal)

  const kubeconfigPath = cfg.kubeconfig ? resolvePath(cfg.kubeconfig) : defaultKubeconfigPath()
  // What no pod may read: the data dir (CA key, admin token, database) and the admin kubeconfig.
  const hidden = [dataDir, kubeconfigPath]
  // With a shared store (etcd), this process's nodes claim ranges no other control plane's nodes hold.
  const names = Array.from({ length: cfg.nodes }, (_, i) => nodeName(i, cfg.nodeName))
  const cidrs = cfg.store?.url ? await claimPodCIDRs(store, cfg.runtime, names, (await api.resource('', 'nodes')!.list(undefined)).items) : names.map((_, i) => podCIDR(cfg.runtime, cfg.nodes, i))
  const cutOff = new Set<string>()
  const uninstallCutOffHook = installCutOffHook(dataDir, cutOff, log)
  for (let i = 0; i < cfg.nodes; i++) agents.push(newAgent(api, cfg, dataDir, i, cidrs[i]!, log, informers, turns, hidden, cutOff))
  // Agents stop their containers on abort: awaited in full on close, not raced. They stop first,
  // while controllers, informers and the proxy still run, so their pods leave Endpoints before
  // they stop and a restart finds no stale ready endpoint.
  const agentsAbort = new AbortController()
  const agentRuns = agents.map((a) => a.start(agentsAbort.signal))
  await agents[0].ready()

  await writeKubeconfig(kubeconfigPath, { name: 'kubelite', server: url, caCertPem: creds.caCertPem, token: creds.token }, !cfg.kubeconfig)

  let closed: Promise<void> | undefined
  return {
    url,
    kubeconfigPath,
    api,
    store,
    dns: {
      clusterIP: kubeDnsClusterIP,
      server: `${dnsAddrs.dns.host}:${dnsAddrs.dns.port}`,
      reachableAtClusterIP: lowPorts.allowed,
      ...(lowPorts.reason ? { reason: lowPorts.reason } : {}),
    },
    isolation: agents[0].isolation,
    warnings,
    ...(dashboard ? { dashboard } : {}),
    ...(ingress ? { ingress } : {}),
    ...(election.elect ? { leaderIdentity: election.identity } : {}),
    close(progress) {
      closing = true
      closed ??= (async () => {
        await dashboard?.close()
        uninstallCutOffHook()
        // As kube-apiserver: stop accepting, end watches, let requests in flight finish (bounded),
        // and only then stop the controllers and agents and close the store, so a write that was
        // committed also gets its answer.
        const done = new Promise<void>((r) => server.close(() => r()))
        server.closeIdleConnections()
        const [, left] = await Promise.all([
          Promise.race([api.endWatches(), new Promise((r) => setTimeout(r, 2000).unref())]),
          inflight.drained(shutdownRequestGraceMs),
        ])
        if (left > 0) progress?.(`${left} API request${left === 1 ? '' : 's'} still running after ${shutdownRequestGraceMs / 1000} s: closing ${left === 1 ? 'its connection' : 'their connections'}`)
        streaming.close()
        for (const s of sockets) s.destroy()
        await done
        agentsAbort.abort()
        const waiting = setInterval(() => {
          const pods = agents.flatMap((a) => a.stoppingPods())
          if (pods.length) progress?.(`waiting for ${pods.length} pod${pods.length === 1 ? '' : 's'} to stop (grace period, then SIGKILL): ${pods.slice(0, 5).join(', ')}${pods.length > 5 ? ', …' : ''}`)
        }, 2000)
        await Promise.allSettled(agentRuns)
        clearInterval(waiting)
        abort.abort()
        uninstallQueueMetrics()
        await Promise.race([Promise.allSettled([...background, informers.stopped()]), new Promise((r) => setTimeout(r, 2000).unref())])
        await store.close()
      })()
      return closed
    },
  }
}

/** Which of these TCP addresses another process already listens on (a bind we may make fails with EADDRINUSE). */
async function heldElsewhere(addrs: { host: string; port: number; what: string }[]): Promise<string[]> {
  const out: string[] = []
  for (const a of addrs) {
    const taken = await new Promise<boolean>((resolve) => {
      const srv = createNetServer()
      srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'))
      srv.listen(a.port, a.host, () => srv.close(() => resolve(false)))
    })
    if (taken) out.push(`${a.host}:${a.port}, ${a.what}, is held by another process (another kubelite cluster?): until it stops, this cluster's pods reach that one's instead`)
  }
  return out
}

/** Node names as minikube names them: `kubelite`, `kubelite-m02`, ... (stable across restarts: adoption relies on it). */
export function nodeName(i: number, first = 'kubelite'): string {
  return i === 0 ? first : `${first}-m${String(i + 1).padStart(2, '0')}`
}

/**
 * Each node's slice of 127.244.0.0/16. Process runtime: a /24 per node (254 pods, upstream's default
 * max is 110). Sim runtime: the /16 split evenly, so one node holds thousands of pods.
 */
export function podCIDR(runtime: 'process' | 'sim', nodes: number, i: number): string {
  if (runtime === 'process') return `127.244.${i}.0/24`
  const bits = 16 + Math.ceil(Math.log2(Math.max(1, nodes)))
  return `127.244.${(i << (24 - bits)) & 255}.0/${bits}`
}

function newAgent(api: ApiServer, cfg: UpConfig, dataDir: string, i: number, cidr: string, log: Logger, informers: InformerFactory, turns: FairTurns, hiddenPaths: string[], cutOff: Set<string>): NodeAgent {
  const name = nodeName(i, cfg.nodeName)
  const nodeDir = join(dataDir, 'nodes', name)
  return new NodeAgent({
    client: cutOffClient(localClient(api, 'kubelet', { turns, flow: `kubelet/${name}` }), name, () => cutOff.has(name)),
    runtime: createRuntime(cfg.runtime === 'sim' ? { kind: 'sim' } : { kind: 'process', stateDir: join(nodeDir, 'runtime'), isolation: cfg.isolation, hiddenPaths }, builtinImages),
    nodeName: name,
    address: '127.0.0.1',
    podCIDR: cidr,
    controlPlane: i === 0,
    logDir: join(nodeDir, 'pods'),
    maxPods: cfg.runtime === 'sim' ? 20_000 : 110,
    log,
    informers,
  })
}

/** How long a shutdown waits for API requests in flight (not watches, logs, exec: those end at once). */
const shutdownRequestGraceMs = 10_000

/**
 * Counts the API requests in flight that a shutdown waits for: all but the long-running ones
 * (upstream's --long-running-request-regexp: watch, proxy, logs, exec, attach, port-forward).
 */
export class InflightRequests {
  private count = 0
  private onIdle?: () => void

  track(handle: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      if (!isLongRunning(req.url ?? '/')) {
        this.count++
        res.once('close', () => {
          if (--this.count === 0) this.onIdle?.()
        })
      }
      handle(req, res)
    }
  }

  /** Resolves with how many are still running once none is, or after `ms`. */
  async drained(ms: number): Promise<number> {
    if (this.count === 0) return 0
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.onIdle = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.onIdle = undefined
    return this.count
  }
}
