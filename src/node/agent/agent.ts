// The node agent (upstream: the kubelet): registers its Node, renews its Lease, keeps the node's
// status fresh, and runs one worker per pod bound to it. It reaches the API only through a Client,
// so it could run in another process (or on another machine) unchanged.
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { ConfigMap, Node, NodeStatus, PersistentVolume, PersistentVolumeClaim, Secret, Service } from 'kubernetes-types/core/v1.js'
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js'
import type { KObject, StoredObject } from '../../apis/meta.js'
import { clone } from '../../apis/meta.js'
import { isAlreadyExists, isConflict, isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import { byNamespace, byNodeName, Informer, nodeNameIndex, type InformerHandlers } from '../../client/informer.js'
import type { NodeConnection } from '../../client/node-connection.js'
import type { Client, ResourceClient } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { sleepUnlessAborted } from '../../lib/clock.js'
import { rfc3339Micro } from '../../lib/duration.js'
import type { ContainerHandle, PulledImage, Runtime } from '../runtime/types.js'
import { defaultBackOff, type BackOffOptions } from './backoff.js'
import { AgentConnection } from './connection.js'
import { offeredAsReady } from './drain.js'
import { hostInfo } from './host-info.js'
import { PodIPAllocator } from './ipam.js'
import { newNode, nodeLabels, nodeStatus, statusChanged, type HostInfo, type NodeSpecInput } from './node-status.js'
import { ReferencedObjects } from './referenced.js'
import { UsageSampler, type RunningPod } from './usage.js'
import { PodWorker, type EventSink, type PodObj, type WorkerEnv } from './worker.js'
import { realClock, type Clock } from '../../lib/clock.js'

const claimsGVR = { group: '', version: 'v1', resource: 'persistentvolumeclaims' }

export interface NodeAgentLog {
  info(obj: unknown, msg?: string): void
  error(obj: unknown, msg?: string): void
}

export interface NodeAgentOptions {
  client: Client
  runtime: Runtime
  /** The Node's name (`kubelite`, `kubelite-2`, ...). */
  nodeName: string
  /** InternalIP of the node (and every pod's hostIP), e.g. 127.0.0.1. */
  address: string
  /**
   * This node's slice of 127.244.0.0/16, e.g. `127.244.0.0/24`. An existing Node keeps its own.
   * Empty: the Node registers without one and the agent waits for node IPAM to assign it.
   */
  podCIDR: string
  /** The port it serves the API server on (status.daemonEndpoints.kubeletEndpoint; default 10250). */
  kubeletPort?: number
  /** Label the node node-role.kubernetes.io/control-plane (the first node). */
  controlPlane?: boolean
  /** Where pod logs live: `<logDir>/<ns>_<pod>_<uid>/<container>/<restart>.log`. */
  logDir: string
  /** Where pods' volumes are written (default `<logDir>/../kubelet/pods`). */
  podsDir?: string
  /** Capacity `pods` (110 like upstream; more for the sim runtime). */
  maxPods?: number
  /**
   * A deleted pod is signalled only once no EndpointSlice offers it as ready (bounded by its grace
   * period), and then after this margin, for the proxies to apply the change and for requests in
   * flight to finish (ms, default 500).
   */
  drainMarginMs?: number
  /** Longest grace period granted to containers when the agent itself stops (s, default 10). */
  shutdownGraceSeconds?: number
  /**
   * On shutdown, how long ready pods may wait for their endpoints to drop them before they stop
   * (default 3 s). The endpoint controllers and the informers must still run meanwhile.
   */
  shutdownDrainMs?: number
  /** Stop the runtime on shutdown (default true: the agent owns its runtime). */
  closeRuntime?: boolean
  leaseDurationSeconds?: number
  /** How often the node status is computed (ms, default 10 s); it is posted when changed or every statusReportIntervalMs. */
  statusUpdateIntervalMs?: number
  statusReportIntervalMs?: number
  crashBackOff?: BackOffOptions
  imageBackOff?: BackOffOptions
  /** Delay before retrying a failed pod sync (ms, default 10 s plus jitter, as upstream). */
  syncRetryMs?: number
  /** How often container CPU and memory are sampled for `kubectl top` (ms, default 15 s, metrics-server's resolution). */
  usageResolutionMs?: number
  /** Overrides for host facts (tests). */
  host?: Partial<HostInfo>
  clock?: () => Date
  /** Timers, deadlines and durations of the pod workers (default the real clock; a FakeClock in tests). */
  timers?: Clock
  /** Jitter of sync retries, [0, 1) (default Math.random). */
  random?: () => number
  log?: NodeAgentLog
  /** Event sink instead of an EventRecorder on the client (tests). */
  events?: EventSink
  /**
   * The process's shared informers (`kubelite up`: agents beside the controllers), started by their
   * owner: the agent follows its pods through the pod informer's spec.nodeName index. Without them
   * (an agent of its own process) it watches only its node's pods, with a field selector, as a kubelet does.
   */
  informers?: InformerFactory
}

const nodesGVR = gvrs.nodes
const podsGVR = gvrs.pods
const leasesGVR = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' }
const leaseNamespace = 'kube-node-lease'

const quietLog: NodeAgentLog = { info() {}, error() {} }

const wait = sleepUnlessAborted

export class NodeAgent {
  readonly nodeName: string
  /** What the API server uses for logs, exec and port-forward on this node's pods. */
  readonly connection: NodeConnection
  private readonly opts: NodeAgentOptions
  private readonly log: NodeAgentLog
  private readonly clock: () => Date
  private readonly nodes: ResourceClient<StoredObject & Node>
  private readonly pods: ResourceClient<PodObj>
  private readonly workers = new Map<string, PodWorker>()
  private readonly usage: UsageSampler
  private readonly byKey = new Map<string, string>()
  private readonly images = new Map<string, PulledImage>()
  private adoptable = new Map<string, { container: string; handle: ContainerHandle }[]>()
  private started = false
  private readyFlag = false
  private readyWaiters: (() => void)[] = []
  private ipam?: PodIPAllocator
  private spec?: NodeSpecInput
  private lastStatus?: NodeStatus
  private lastPosted = 0
  private services?: Informer<StoredObject & Service>
  /** For volumes (process runtime): the ConfigMaps and Secrets pods read, cached and followed. */
  private configMaps?: ReferencedObjects<StoredObject & ConfigMap>
  private secrets?: ReferencedObjects<StoredObject & Secret>
  /** PersistentVolumeClaims: a claim becoming Bound unblocks the pods that mount it. */
  private claims?: ReferencedObjects<StoredObject & PersistentVolumeClaim>
  private slices?: Informer<StoredObject & EndpointSlice>
  /** Terminating pods waiting for their endpoints to leave the ready set, by uid. */
  private readonly drains = new Map<string, { namespace: string; check(): void }>()
  private env?: WorkerEnv
  private readonly timers: Clock
  /**
   * Pod syncs, keyed by uid (upstream podWorkers' queue): each key synced by one sync at a time,
   * every key at once. Retries are the worker's own delays (no rate limit of the queue's).
   */
  private readonly syncs: WorkQueue

  constructor(opts: NodeAgentOptions) {
    this.opts = opts
    this.nodeName = opts.nodeName
    this.log = opts.log ?? quietLog
    this.clock = opts.clock ?? (() => new Date())
    this.timers = opts.timers ?? realClock
    this.syncs = new WorkQueue({ clock: this.timers, qps: Infinity })
    this.nodes = opts.client.resource<StoredObject & Node>(nodesGVR)
    this.pods = opts.client.resource<PodObj>(podsGVR)
    this.usage = new UsageSampler(opts.runtime, () => this.runningPods(), this.clock)
    this.connection = new AgentConnection((ns, name, uid) => this.findWorker(ns, name, uid), opts.runtime, undefined, () => this.usage.usage())
  }

  /** How this node's runtime isolates pods (for the start-up log). */
  get isolation(): string | undefined {
    return this.opts.runtime.isolation
  }

  /** True once the Node is registered and the agent runs its pods. */
  isReady(): boolean {
    return this.readyFlag
  }

  ready(): Promise<void> {
    return this.readyFlag ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r))
  }

  /** The worker of a pod on this node (by namespace/name, and uid when given). */
  findWorker(namespace: string, name: string, uid?: string): PodWorker | undefined {
    const id = this.byKey.get(`${namespace}/${name}`)
    const w = id ? this.workers.get(id) : undefined
    if (!w || (uid && w.uid !== uid)) return undefined
    return w
  }

  /** Pods with a running container, for the resource figures. */
  private runningPods(): RunningPod[] {
    const out: RunningPod[] = []
    for (const w of this.workers.values()) {
      const containers = w.runningContainers()
      if (containers.length) out.push({ namespace: w.namespace, name: w.name, uid: w.uid, containers })
    }
    return out
  }

  /** Runs until the signal aborts; then stops every container it runs and returns. */
  async start(signal: AbortSignal): Promise<void> {
    const { opts } = this
    mkdirSync(opts.logDir, { recursive: true })
    const host: HostInfo = { ...hostInfo(opts.logDir), ...opts.host }
    this.spec = {
      name: opts.nodeName,
      address: opts.address,
      podCIDR: opts.podCIDR,
      kubeletPort: opts.kubeletPort,
      controlPlane: opts.controlPlane ?? false,
      maxPods: opts.maxPods ?? 110,
      containerRuntimeVersion: opts.runtime.version,
      host,
    }
    // Containers an earlier life of the agent left running: adopt them or stop them, never orphan.
    for (const r of await opts.runtime.listRunning().catch((err) => (this.log.error({ err }, 'listing running containers failed'), []))) {
      const list = this.adoptable.get(r.podUid) ?? []
      list.push({ container: r.container, handle: r.handle })
      this.adoptable.set(r.podUid, list)
    }

    const background: Promise<unknown>[] = []
    let podInformer: Informer<PodObj> | undefined
    let podHandlers: InformerHandlers<PodObj> | undefined
    let sliceHandlers: InformerHandlers<StoredObject & EndpointSlice> | undefined
    try {
      const node = await this.register(signal)
      if (!node || signal.aborted) return
      const podCIDR = node.spec?.podCIDR || opts.podCIDR || (await this.assignedPodCIDR(signal))
      if (!podCIDR || signal.aborted) return
      this.ipam = new PodIPAllocator(podCIDR, (ip) => opts.runtime.addressInUse?.(ip) ?? false)

      const events = opts.events ?? new EventRecorder(opts.client, { component: 'kubelet', host: opts.nodeName }, this.clock, (err) => this.log.error({ err }, 'recording an event failed'))
      if (opts.informers) {
        podInformer = opts.informers.informer<PodObj>(podsGVR)
        this.services = opts.informers.informer<StoredObject & Service>(gvrs.services)
        this.slices = opts.informers.informer<StoredObject & EndpointSlice>(gvrs.endpointSlices)
      } else {
        const onError = (err: unknown) => this.log.error({ err, node: opts.nodeName }, 'informer')
        podInformer = new Informer<PodObj>(this.pods, { fieldSelector: `spec.nodeName=${opts.nodeName}`, onError })
        this.services = new Informer<StoredObject & Service>(opts.client.resource(gvrs.services), { onError })
        this.slices = new Informer<StoredObject & EndpointSlice>(opts.client.resource(gvrs.endpointSlices), { onError }).addIndex('namespace', byNamespace)
      }
      if (opts.runtime.mountsVolumes) {
        // An update reaches the files of every pod that mounts it (and a missing one, once created, unblocks them).
        const follow = (kind: 'configmap' | 'secret' | 'claim') => (namespace: string, name: string) => {
          for (const w of this.workers.values()) if (w.namespace === namespace && w.references(kind, name)) w.kick()
        }
        const onError = (err: unknown) => this.log.error({ err, node: opts.nodeName }, 'watching a referenced object')
        this.configMaps = new ReferencedObjects<StoredObject & ConfigMap>(opts.client.resource(gvrs.configMaps), follow('configmap'), onError)
        this.secrets = new ReferencedObjects<StoredObject & Secret>(opts.client.resource(gvrs.secrets), follow('secret'), onError)
        this.claims = new ReferencedObjects<StoredObject & PersistentVolumeClaim>(opts.client.resource(claimsGVR), follow('claim'), onError)
      }
      const slices = this.slices
      const touched = (sl: StoredObject) => {
        for (const d of [...this.drains.values()]) if (d.namespace === sl.metadata.namespace) d.check()
      }
      sliceHandlers = { add: touched, update: (_, sl) => touched(sl), delete: touched }
      slices.on(sliceHandlers)
      this.env = this.workerEnv(events)
      // This node's pods only, either way: a pod the scheduler binds here arrives as an add, as it
      // does on a field-selected watch (where the index holds nothing else).
      podHandlers = {
        add: (p) => this.dispatch(p),
        update: (_, p) => this.dispatch(p),
        delete: (p) => this.workers.get(p.metadata.uid ?? '')?.remove(),
      }
      podInformer.addIndex(nodeNameIndex, byNodeName).onIndex(nodeNameIndex, opts.nodeName, podHandlers)
      if (!opts.informers) background.push(podInformer.start(signal), this.services.start(signal), slices.start(signal))
      await Promise.race([Promise.all([podInformer.waitForSync(), this.services.waitForSync(), slices.waitForSync()]), wait(2 ** 31 - 1, signal)])
      if (signal.aborted) return

      const stopping = new Map<string, Promise<unknown>>()
      for (const [uid, list] of this.adoptable) stopping.set(uid, Promise.all(list.map((a) => a.handle.stop(Math.min(this.shutdownGrace, 30)).catch(() => undefined))))
      this.adoptable.clear()
      // Sandboxes of pods this node no longer runs (deleted while the agent was away) go too,
      // once their containers have stopped.
      for (const uid of opts.runtime.listPodSandboxes?.() ?? []) {
        if (this.workers.has(uid)) continue
        void (stopping.get(uid) ?? Promise.resolve())
          .then(() => opts.runtime.removePodSandbox?.(uid))
          .catch((err) => this.log.error({ err, uid }, 'removing a pod sandbox failed'))
      }
      this.started = true
      background.push(this.runSyncs())
      for (const w of this.workers.values()) w.start()
      this.readyFlag = true
      for (const r of this.readyWaiters.splice(0)) r()
      this.log.info({ node: opts.nodeName, podCIDR: this.ipam.cidr }, 'node agent running')

      background.push(this.leaseLoop(signal, node.metadata.uid!), this.statusLoop(signal), this.usage.start(signal, opts.usageResolutionMs))
      await wait(2 ** 31 - 1, signal)
    } finally {
      // Pods leave their Services before they stop, while slice events still reach the drains.
      if (this.readyFlag) {
        const deadline = this.timers.now() + (this.opts.shutdownDrainMs ?? 3000)
        await Promise.allSettled([...this.workers.values()].map((w) => w.leaveServices(deadline)))
      }
      // A shared informer outlives the agent: its pods' events must not reach stopped workers.
      if (podHandlers) podInformer?.off(podHandlers)
      if (sliceHandlers) this.slices?.off(sliceHandlers)
      for (const d of [...this.drains.values()]) d.check()
      await this.shutdown()
      this.syncs.shutdown()
      await Promise.allSettled([...background, this.configMaps?.stop(), this.secrets?.stop(), this.claims?.stop()])
    }
  }

  /** Takes pod syncs off the queue until it shuts down: a sync per key at a time, keys in parallel. */
  private async runSyncs(): Promise<void> {
    for (;;) {
      const uid = await this.syncs.get()
      if (uid === undefined) return
      const w = this.workers.get(uid)
      if (!w) {
        this.syncs.done(uid)
        continue
      }
      void w.syncOnce().finally(() => this.syncs.done(uid))
    }
  }

  /** Waits for node IPAM to give the Node its spec.podCIDR (upstream's kubelet waits for it too). */
  private async assignedPodCIDR(signal: AbortSignal): Promise<string | undefined> {
    this.log.info({ node: this.nodeName }, 'waiting for the node\'s pod CIDR')
    while (!signal.aborted) {
      const node = await this.nodes.get(undefined, this.nodeName).catch(() => undefined)
      if (node?.spec?.podCIDR) return node.spec.podCIDR
      await wait(250, signal)
    }
    return undefined
  }

  private get shutdownGrace(): number {
    return this.opts.shutdownGraceSeconds ?? 10
  }

  /** The pods (`namespace/name`) a shutdown is still stopping. */
  stoppingPods(): string[] {
    return [...this.stopping]
  }

  private readonly stopping = new Set<string>()

  private async shutdown(): Promise<void> {
    const grace = this.shutdownGrace
    await Promise.allSettled(
      [...this.workers.values()].map(async (w) => {
        const id = `${w.namespace}/${w.name}`
        this.stopping.add(id)
        try {
          await w.shutdown(grace)
        } finally {
          this.stopping.delete(id)
        }
      }),
    )
    for (const [, list] of this.adoptable) for (const a of list) await a.handle.stop(Math.min(grace, 2)).catch(() => undefined)
    this.adoptable.clear()
    if (this.opts.closeRuntime !== false) await this.opts.runtime.close(grace).catch((err) => this.log.error({ err }, 'closing the runtime failed'))
  }

  private workerEnv(events: EventSink): WorkerEnv {
    const { opts } = this
    const getOrNull = async <T>(resource: string, ns: string | undefined, name: string): Promise<T | null> => {
      try {
        return (await opts.client.resource({ group: '', version: 'v1', resource }).get(ns, name)) as T
      } catch (err) {
        if (isNotFound(err)) return null
        throw err
      }
    }
    return {
      nodeName: opts.nodeName,
      hostIP: opts.address,
      runtime: opts.runtime,
      pods: this.pods,
      events,
      ipam: this.ipam!,
      images: this.images,
      logRoot: opts.logDir,
      podsDir: opts.podsDir ?? join(dirname(opts.logDir), 'kubelet', 'pods'),
      services: () => this.services?.list() ?? [],
      getConfigMap: async (ns, name) => this.configMaps?.get(ns, name) ?? getOrNull<ConfigMap>('configmaps', ns, name),
      requestToken: async (ns, sa, req) => {
        const body = {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          metadata: { name: sa, namespace: ns },
          spec: { audiences: req.audience ? [req.audience] : undefined, expirationSeconds: req.expirationSeconds, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: req.podName, uid: req.podUid } },
        }
        const r = (await opts.client.resource({ group: '', version: 'v1', resource: 'serviceaccounts' }).create(ns, body as KObject, { subresource: 'token' })) as unknown as {
          status: { token: string; expirationTimestamp: string }
        }
        return { token: r.status.token, expirationTimestamp: new Date(r.status.expirationTimestamp) }
      },
      getClaim: async (ns, name) => this.claims?.get(ns, name) ?? getOrNull<PersistentVolumeClaim>('persistentvolumeclaims', ns, name),
      getVolume: async (name) => getOrNull<PersistentVolume>('persistentvolumes', undefined, name),
      getSecret: async (ns, name) => this.secrets?.get(ns, name) ?? getOrNull<Secret>('secrets', ns, name),
      nodeAllocatable: () => (this.lastStatus?.allocatable as Record<string, string>) ?? {},
      drainMarginMs: opts.drainMarginMs ?? 500,
      endpointsReleased: (pod, ip, deadline) => this.endpointsReleased(pod, ip, deadline),
      crashBackOff: opts.crashBackOff ?? defaultBackOff,
      imageBackOff: opts.imageBackOff ?? defaultBackOff,
      syncRetryMs: opts.syncRetryMs ?? 10_000,
      queue: this.syncs,
      clock: this.clock,
      timers: this.timers,
      random: opts.random ?? Math.random,
      log: this.log,
      onFinished: (w) => {
        if (this.workers.get(w.uid) === w) this.workers.delete(w.uid)
        if (this.byKey.get(w.key) === w.uid) this.byKey.delete(w.key)
        // Objects no pod here references any more are not watched any more.
        const inUse = (kind: 'configmap' | 'secret' | 'claim') => (ns: string, name: string) => [...this.workers.values()].some((x) => x.namespace === ns && x.references(kind, name))
        this.configMaps?.prune(inUse('configmap'))
        this.secrets?.prune(inUse('secret'))
        this.claims?.prune(inUse('claim'))
      },
    }
  }

  /**
   * Resolves once no EndpointSlice offers the pod as ready (true), or at the deadline (false). Checked
   * on every slice event in the pod's namespace; at once when the pod is in no slice.
   */
  private endpointsReleased(pod: PodObj, ip: string | undefined, deadline: number): Promise<boolean> {
    const ref = { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid, ip }
    const uid = pod.metadata.uid ?? ''
    const offered = () => this.slices !== undefined && this.slices.hasSynced() && offeredAsReady(this.slices.byIndex('namespace', ref.namespace), ref)
    if (!offered()) return Promise.resolve(true)
    return new Promise((resolve) => {
      const done = (released: boolean) => {
        this.timers.clearTimeout(timer)
        if (this.drains.get(uid) === entry) this.drains.delete(uid)
        resolve(released)
      }
      const entry = { namespace: ref.namespace, check: () => (!this.readyFlag || !offered() ? done(true) : undefined) }
      const timer = this.timers.setTimeout(() => done(false), Math.max(0, deadline - this.timers.now()))
      this.drains.get(uid)?.check()
      this.drains.set(uid, entry)
    })
  }

  private dispatch(pod: PodObj): void {
    const uid = pod.metadata.uid
    if (!uid || !this.env) return
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`
    const prevUid = this.byKey.get(key)
    if (prevUid && prevUid !== uid) this.workers.get(prevUid)?.remove()
    let w = this.workers.get(uid)
    if (!w) {
      const adopted = this.adoptable.get(uid) ?? []
      this.adoptable.delete(uid)
      w = new PodWorker(this.env, pod, adopted)
      this.workers.set(uid, w)
      this.byKey.set(key, uid)
      if (this.started) w.start()
      return
    }
    this.byKey.set(key, uid)
    w.update(pod)
  }

  // ---- registration, status, lease ---------------------------------------------------------

  private health() {
    return { ready: true }
  }

  /** Create the Node, or bring an existing one's labels and status up to date. Retries until the signal aborts. */
  private async register(signal: AbortSignal): Promise<(StoredObject & Node) | undefined> {
    const spec = this.spec!
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const now = this.clock()
        try {
          const created = await this.nodes.create(undefined, newNode(spec, this.health(), now) as KObject)
          this.lastStatus = created.status
          this.lastPosted = now.getTime()
          this.log.info({ node: spec.name }, 'node registered')
          return created
        } catch (err) {
          if (!isAlreadyExists(err)) throw err
        }
        const existing = await this.nodes.get(undefined, spec.name)
        const next = clone(existing)
        next.metadata.labels = { ...next.metadata.labels, ...nodeLabels(spec) }
        if (!next.spec?.podCIDR && spec.podCIDR) next.spec = { ...next.spec, podCIDR: spec.podCIDR, podCIDRs: [spec.podCIDR] }
        const updated = await this.nodes.update(next)
        const withStatus = await this.postStatus(updated)
        return withStatus
      } catch (err) {
        if (!isConflict(err)) this.log.error({ err, node: spec.name }, 'node registration failed; retrying')
        await wait(Math.min(7000, 100 * 2 ** attempt), signal)
      }
    }
    return undefined
  }

  private async postStatus(current: StoredObject & Node): Promise<StoredObject & Node> {
    const now = this.clock()
    const status = nodeStatus(this.spec!, this.health(), now, current.status)
    const updated = await this.nodes.update({ ...current, status }, { subresource: 'status' })
    this.lastStatus = updated.status
    this.lastPosted = now.getTime()
    return updated
  }

  private async statusLoop(signal: AbortSignal): Promise<void> {
    const every = this.opts.statusUpdateIntervalMs ?? 10_000
    const report = this.opts.statusReportIntervalMs ?? 5 * 60_000
    while (!signal.aborted) {
      await wait(every, signal)
      if (signal.aborted) return
      try {
        // Compared with the Node as it is, as the kubelet does: the node lifecycle controller may
        // have set its conditions Unknown while this agent was cut off, and that must be undone
        // at once, not at the next 5-minute report.
        const now = this.clock()
        const current = await this.nodes.get(undefined, this.nodeName)
        const wanted = nodeStatus(this.spec!, this.health(), now, current.status)
        if (!statusChanged(current.status, wanted) && now.getTime() - this.lastPosted < report) continue
        await this.postStatus(current)
      } catch (err) {
        if (!signal.aborted && !isConflict(err)) this.log.error({ err, node: this.nodeName }, 'updating node status failed')
        if (isNotFound(err)) await this.register(signal).catch(() => undefined)
      }
    }
  }

  /** Renew the node's Lease every leaseDuration/4 (10 s), creating it when missing. */
  private async leaseLoop(signal: AbortSignal, nodeUid: string): Promise<void> {
    const leases = this.opts.client.resource(leasesGVR)
    const duration = this.opts.leaseDurationSeconds ?? 40
    const every = (duration * 1000) / 4
    while (!signal.aborted) {
      try {
        await this.renewLease(leases, duration, nodeUid)
      } catch (err) {
        if (!signal.aborted && !isConflict(err)) this.log.error({ err, node: this.nodeName }, 'renewing the node lease failed')
        await wait(Math.min(every, 1000), signal)
        continue
      }
      await wait(every, signal)
    }
  }

  private async renewLease(leases: ResourceClient, duration: number, nodeUid: string): Promise<void> {
    const renewTime = rfc3339Micro(this.clock())
    try {
      const lease = await leases.get(leaseNamespace, this.nodeName)
      const next = clone(lease)
      next.spec = { ...(next.spec as object), holderIdentity: this.nodeName, leaseDurationSeconds: duration, renewTime }
      await leases.update(next)
    } catch (err) {
      if (!isNotFound(err)) throw err
      await leases.create(leaseNamespace, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.nodeName,
          namespace: leaseNamespace,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: nodeUid }],
        },
        spec: { holderIdentity: this.nodeName, leaseDurationSeconds: duration, renewTime },
      })
    }
  }
}
