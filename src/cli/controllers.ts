// The controllers `kubelite up` runs, by name (kube-controller-manager's table of
// ControllerDescriptors), and its --controllers flag. The names are upstream's
// (cmd/kube-controller-manager/names) with the short aliases --controllers has always accepted;
// kubelite's own controllers follow the same pattern. The scheduler is not here: upstream it is a
// component of its own (kube-scheduler), and `up` starts it beside the controllers.
import type { InformerFactory } from '../client/factory.js'
import type { Client } from '../client/types.js'
import { AnalysisRunController } from '../controllers/analysis/controller.js'
import { ClusterRoleAggregationController } from '../controllers/clusterroleaggregation/controller.js'
import { CronJobController } from '../controllers/cronjob/controller.js'
import { DaemonSetController } from '../controllers/daemonset/controller.js'
import { DeploymentController } from '../controllers/deployment/controller.js'
import { DisruptionController } from '../controllers/disruption/controller.js'
import { EndpointsController } from '../controllers/endpoints/controller.js'
import { EndpointSliceController } from '../controllers/endpointslice/controller.js'
import { runEventTTL } from '../controllers/eventttl/controller.js'
import { GarbageCollector } from '../controllers/gc/controller.js'
import { JobController } from '../controllers/job/controller.js'
import { HPAController } from '../controllers/podautoscaler/controller.js'
import { NamespaceController } from '../controllers/namespace/controller.js'
import { ReplicaSetController } from '../controllers/replicaset/controller.js'
import { ResourceQuotaController } from '../controllers/resourcequota/controller.js'
import { RootCACertPublisher } from '../controllers/rootcacert/controller.js'
import { RolloutController } from '../controllers/rollout/controller.js'
import type { RunnerLog } from '../controllers/runtime/runner.js'
import { ServiceAccountsController } from '../controllers/serviceaccount/controller.js'
import { StatefulSetController } from '../controllers/statefulset/controller.js'
import { TTLAfterFinishedController } from '../controllers/ttlafterfinished/controller.js'
import { NodeLifecycleController, type NodeMonitorOptions } from '../controllers/nodelifecycle/controller.js'
import { TaintEvictionController } from '../controllers/tainteviction/controller.js'
import { LocalPathProvisioner, PersistentVolumeBinder, StorageProtection } from '../controllers/volume/controller.js'
import { localPathDirs } from './volume-dirs.js'
import { CSRApprovingController, CSRSigningController } from '../controllers/certificates/controller.js'
import { NodeIpamController } from '../controllers/nodeipam/controller.js'
import { TokenCleaner } from '../controllers/tokencleaner/controller.js'
import { clusterSigner } from './signer.js'

/** What every controller is started with (upstream's ControllerContext). */
export interface ControllerContext {
  /** The API as kube-controller-manager. */
  client: Client
  /**
   * The API as kube-controller-manager on behalf of one controller (upstream's ClientBuilder with
   * --use-service-account-credentials: an identity a controller, the same field manager), so the
   * API can tell their requests apart (client/turns.ts); without it every controller gets `client`.
   */
  clientFor?(controller: string): Client
  /** The process's shared informers; whoever builds the context starts them after the controllers. */
  informers: InformerFactory
  log: RunnerLog
  signal: AbortSignal
  /** The cluster CA (PEM) the root CA publisher puts in every namespace; without it that controller idles. */
  rootCA?: string
  /** The data dir: the local-path provisioner keeps its volumes' directories under it; without it that provisioner idles. */
  dataDir?: string
  /** --node-monitor-period, --node-monitor-grace-period, --node-startup-grace-period (the node lifecycle controller's). */
  nodeMonitor?: NodeMonitorOptions
}

export interface ControllerDescriptor {
  /** Upstream's canonical name (`deployment-controller`). */
  name: string
  /** Other names --controllers accepts (upstream's aliases: the short names, `deployment`). */
  aliases: string[]
  /** Builds the controller (its handlers go on the informers at once) and runs it until ctx.signal aborts. */
  start(ctx: ControllerContext): Promise<unknown>
}

// One line a controller. Every one is on by default (upstream's ControllersDisabledByDefault is empty here too).
export const controllerDescriptors: readonly ControllerDescriptor[] = [
  { name: 'deployment-controller', aliases: ['deployment'], start: (c) => new DeploymentController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'replicaset-controller', aliases: ['replicaset'], start: (c) => new ReplicaSetController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'endpoints-controller', aliases: ['endpoint'], start: (c) => new EndpointsController(c.client, c.informers, c.log).start(c.signal) },
  { name: 'endpointslice-controller', aliases: ['endpointslice'], start: (c) => new EndpointSliceController(c.client, c.informers, c.log).start(c.signal) },
  { name: 'garbage-collector-controller', aliases: ['garbagecollector'], start: (c) => new GarbageCollector(c.client, c.informers, c.log).start(c.signal) },
  { name: 'namespace-controller', aliases: ['namespace'], start: (c) => new NamespaceController(c.client, c.informers, c.log).start(c.signal) },
  { name: 'serviceaccount-controller', aliases: ['serviceaccount'], start: (c) => new ServiceAccountsController(c.client, c.informers, c.log).start(c.signal) },
  {
    name: 'root-ca-certificate-publisher-controller',
    aliases: ['root-ca-cert-publisher'],
    start: (c) => (c.rootCA ? new RootCACertPublisher(c.client, c.informers, c.rootCA, c.log).start(c.signal) : Promise.resolve()),
  },
  // Argo Rollouts' controller (argoproj.io Rollouts), as `kubectl argo rollouts` expects it.
  { name: 'rollouts-controller', aliases: ['rollout'], start: (c) => new RolloutController(c.client, c.informers, { log: c.log }).start(c.signal) },
  // kubelite's own: upstream's API server stores Events with a TTL lease (--event-ttl) instead.
  { name: 'event-ttl-controller', aliases: ['eventttl'], start: (c) => runEventTTL(c.client, c.signal, { log: c.log }) },
  { name: 'job-controller', aliases: ['job'], start: (c) => new JobController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'cronjob-controller', aliases: ['cronjob'], start: (c) => new CronJobController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'statefulset-controller', aliases: ['statefulset'], start: (c) => new StatefulSetController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'daemonset-controller', aliases: ['daemonset'], start: (c) => new DaemonSetController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'ttl-after-finished-controller', aliases: ['ttl-after-finished'], start: (c) => new TTLAfterFinishedController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'node-lifecycle-controller', aliases: ['nodelifecycle'], start: (c) => new NodeLifecycleController(c.client, c.informers, { log: c.log, ...c.nodeMonitor }).start(c.signal) },
  { name: 'taint-eviction-controller', aliases: [], start: (c) => new TaintEvictionController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'clusterrole-aggregation-controller', aliases: ['clusterrole-aggregation'], start: (c) => new ClusterRoleAggregationController(c.client, c.informers, c.log).start(c.signal) },
  { name: 'disruption-controller', aliases: ['disruption'], start: (c) => new DisruptionController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'resourcequota-controller', aliases: ['resourcequota'], start: (c) => new ResourceQuotaController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'horizontal-pod-autoscaler-controller', aliases: ['horizontalpodautoscaling'], start: (c) => new HPAController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'analysisrun-controller', aliases: ['analysisrun'], start: (c) => new AnalysisRunController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'persistentvolume-binder-controller', aliases: ['persistentvolume-binder'], start: (c) => new PersistentVolumeBinder(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'persistentvolumeclaim-protection-controller', aliases: ['pvc-protection'], start: (c) => new StorageProtection(c.client, c.informers, 'claims', { log: c.log }).start(c.signal) },
  { name: 'persistentvolume-protection-controller', aliases: ['pv-protection'], start: (c) => new StorageProtection(c.client, c.informers, 'volumes', { log: c.log }).start(c.signal) },
  // kubelite's own, as kind ships rancher.io/local-path: the default `standard` class and its volumes.
  { name: 'local-path-provisioner-controller', aliases: ['local-path'], start: (c) => (c.dataDir ? new LocalPathProvisioner(c.client, c.informers, ...localPathDirs(c.dataDir), { log: c.log }).start(c.signal) : Promise.resolve()) },
  { name: 'certificatesigningrequest-approving-controller', aliases: ['csrapproving'], start: (c) => new CSRApprovingController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'certificatesigningrequest-signing-controller', aliases: ['csrsigning'], start: (c) => (c.dataDir ? new CSRSigningController(c.client, c.informers, clusterSigner(c.dataDir), { log: c.log }).start(c.signal) : Promise.resolve()) },
  { name: 'node-ipam-controller', aliases: ['nodeipam'], start: (c) => new NodeIpamController(c.client, c.informers, { log: c.log }).start(c.signal) },
  { name: 'token-cleaner-controller', aliases: ['tokencleaner'], start: (c) => new TokenCleaner(c.client, c.informers, { log: c.log }).start(c.signal) },
]

/** The short names (`deployment`), for messages and help; the full names (`deployment-controller`) work too. */
export function shortControllerNames(descriptors: readonly ControllerDescriptor[] = controllerDescriptors): string[] {
  return descriptors.map((d) => d.aliases[0] ?? d.name)
}

/**
 * The controllers a --controllers list turns on, in table order. As upstream's
 * IsControllerEnabled: the list is read in order and the first entry that names a controller
 * decides (`foo` on, `-foo` off); a controller no entry names runs only if the list has `*`. So the
 * default `*` runs them all, `*,-garbagecollector` all but the GC, `deployment,replicaset` only
 * those two, and an empty list none. Aliases and canonical names are interchangeable. A name that
 * is neither (with or without `-`) is an error, with upstream's message.
 */
export function enabledControllers(list: readonly string[], descriptors: readonly ControllerDescriptor[] = controllerDescriptors): ControllerDescriptor[] {
  const canonical = new Map<string, string>()
  for (const d of descriptors) for (const n of [d.name, ...d.aliases]) canonical.set(n, d.name)
  const entries: { name: string; on: boolean }[] = []
  let star = false
  const unknown: string[] = []
  for (const entry of list) {
    if (entry === '*') {
      star = true
      continue
    }
    const on = !entry.startsWith('-')
    const given = on ? entry : entry.slice(1)
    const name = canonical.get(given)
    if (name === undefined) unknown.push(`${JSON.stringify(given)} is not in the list of known controllers`)
    else entries.push({ name, on })
  }
  if (unknown.length)
    throw new Error(`--controllers: ${unknown.join('; ')} (known: ${shortControllerNames(descriptors).join(', ')}, or their full names such as ${descriptors[0]?.name})`)
  return descriptors.filter((d) => entries.find((e) => e.name === d.name)?.on ?? star)
}

/** Splits a --controllers value (`*,-garbagecollector`) into entries; an empty value is an empty list. */
export function parseControllersFlag(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Starts the enabled controllers (see enabledControllers); each runs until ctx.signal aborts. */
export function startControllers(ctx: ControllerContext, list: readonly string[], descriptors: readonly ControllerDescriptor[] = controllerDescriptors): Promise<unknown>[] {
  return enabledControllers(list, descriptors).map((d) => d.start({ ...ctx, client: ctx.clientFor?.(d.name) ?? ctx.client }))
}
