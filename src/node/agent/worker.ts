// One pod's worker (upstream podWorkers + syncPod/syncTerminatingPod): level-triggered, one sync
// at a time. The agent's WorkQueue runs the syncs (keyed by pod uid: a pod is never synced twice
// at once; a kick during a sync makes one more); each sync re-reads the latest pod, plans
// (plan.ts), acts through the pod's containers (containers.ts) and volumes (pod-volumes.ts), and
// publishes the status (status.ts, status-writer.ts) only when it changed. Termination is here:
// it orders the rest (not ready, endpoints drained, containers stopped, final status, deletion).
import { isDeepStrictEqual } from 'node:util'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret, Service } from 'kubernetes-types/core/v1.js'
import { isConflict, isNotFound } from '../../client/errors.js'
import type { ResourceClient } from '../../client/types.js'
import type { WorkQueue } from '../../client/workqueue.js'
import type { ContainerHandle, ContainerSpec, PulledImage, Runtime, SandboxSpec } from '../runtime/types.js'
import type { BackOffOptions } from './backoff.js'
import { allContainers, fieldPath, minGraceSeconds, PodContainers, type EventSink } from './containers.js'
import { referencedSources } from './env.js'
import { ImagePuller } from './image-pull.js'
import { PodCIDRError, type PodIPAllocator } from './ipam.js'
import { hostsFileContent, podHostnameAndDomain, podRequestsRoot, resolvConfContent } from './podfiles.js'
import { msg, reasons } from './messages.js'
import { planPodActions } from './plan.js'
import { PodVolumes } from './pod-volumes.js'
import { computePodStatus, type ContainerObservation, type ContainerRun } from './status.js'
import { PodStatusWriter } from './status-writer.js'
import { claimNames, volumeSources } from './volumes.js'
import type { PodObj } from '../../apis/core/pod.js'
import type { Clock } from '../../lib/clock.js'
import type { Container } from 'kubernetes-types/core/v1.js'
export type { PodObj, EventSink }

/** What every worker of a node shares: the runtime, the API, the node's facts. */
export interface WorkerEnv {
  nodeName: string
  hostIP: string
  runtime: Runtime
  pods: ResourceClient<PodObj>
  events: EventSink
  ipam: PodIPAllocator
  /** Images pulled on this node (for IfNotPresent). */
  images: Map<string, PulledImage>
  logRoot: string
  /** Where pods' volumes live: `<podsDir>/<pod uid>/volumes/kubernetes.io~<plugin>/<volume>`. */
  podsDir: string
  services(): Service[]
  /** null: NotFound. */
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | null>
  getSecret(namespace: string, name: string): Promise<Secret | null>
  /** persistentVolumeClaim volumes: the claim and the volume it is bound to (null: NotFound). */
  getClaim?(namespace: string, name: string): Promise<PersistentVolumeClaim | null>
  getVolume?(name: string): Promise<PersistentVolume | null>
  /** TokenRequest (serviceaccounts/<name>/token) for a token bound to the pod. Throws the API's error. */
  requestToken(namespace: string, serviceAccount: string, req: { expirationSeconds: number; audience?: string; podName: string; podUid: string }): Promise<{ token: string; expirationTimestamp: Date }>
  nodeAllocatable(): Record<string, string>
  /** After the pod's endpoints left the ready set, how long to wait before signalling containers (capped by the grace period). */
  drainMarginMs: number
  /**
   * Resolves once no EndpointSlice offers the pod as a ready endpoint (true), or at `deadline`
   * (epoch ms by `timers`; false): until then a proxy may still send it new requests.
   */
  endpointsReleased(pod: PodObj, podIP: string | undefined, deadline: number): Promise<boolean>
  crashBackOff: BackOffOptions
  imageBackOff: BackOffOptions
  /**
   * When a sync fails (image pull, missing ConfigMap, start error), the next one comes this much
   * later (upstream pod worker backOffPeriod: 10 s, plus up to 50% jitter).
   */
  syncRetryMs: number
  /**
   * The node's queue of pod syncs, keyed by pod uid: whoever takes a key calls that worker's
   * syncOnce() and marks it done after (the agent does). A key added during its sync is synced
   * once more afterwards; of two delayed adds the sooner wins.
   */
  queue: Pick<WorkQueue, 'add' | 'addAfter' | 'cancelAfter'>
  clock(): Date
  /** Time for waiting and measuring (timers, deadlines, durations): the real one, or a FakeClock in tests. */
  timers: Clock
  /** Jitter source, [0, 1) as Math.random. */
  random(): number
  log: { error(obj: unknown, msg?: string): void }
  /** Called once a deleted pod's worker has finished (the agent forgets it). */
  onFinished(worker: PodWorker): void
}

const sleep = (timers: Clock, ms: number) => new Promise<void>((r) => timers.setTimeout(r, ms))

/** The parts of a pod whose change calls for a sync. */
function syncRelevant(p: PodObj): unknown {
  const m = p.metadata
  return [p.spec, m.deletionTimestamp, m.deletionGracePeriodSeconds, m.labels, m.annotations]
}

export class PodWorker {
  readonly uid: string
  readonly namespace: string
  readonly name: string
  private pod: PodObj
  private gone = false
  private readonly status: PodStatusWriter
  private readonly ctrs: PodContainers
  private readonly volumes: PodVolumes
  private podIP?: string
  private readonly startTime: Date
  private state: 'active' | 'terminating' | 'terminated' = 'active'
  /** The pod is done under its restart policy: nothing runs, the sandbox is gone. */
  private finished = false
  private closed = false
  private started = false
  /** Kicked, and its sync has not begun yet. */
  private queued = false
  /** The sync running now. */
  private syncing?: Promise<void>
  private idleWaiters: (() => void)[] = []

  constructor(
    private readonly env: WorkerEnv,
    pod: PodObj,
    adopted: { container: string; handle: ContainerHandle }[] = [],
  ) {
    this.pod = pod
    this.uid = pod.metadata.uid!
    this.namespace = pod.metadata.namespace!
    this.name = pod.metadata.name!
    this.status = new PodStatusWriter(env.pods, env.timers, this.uid)
    const schedule = { wakeAfter: (ms: number) => this.wakeAfter(ms), retryDelay: () => this.retryDelay() }
    const worker = this
    this.ctrs = new PodContainers(env, new ImagePuller(env, env.imageBackOff), env.crashBackOff, {
      get pod() {
        return worker.pod
      },
      get podIP() {
        return worker.podIP
      },
      get active() {
        return worker.state === 'active'
      },
      get closed() {
        return worker.closed
      },
      sandbox: () => this.sandbox(),
      kick: () => this.kick(),
      ...schedule,
    })
    this.volumes = new PodVolumes(env, this.uid, schedule)
    const now = env.clock()
    this.startTime = pod.status?.startTime ? new Date(pod.status.startTime) : now
    // Carry on from the published status (an earlier life of the agent) and adopt live containers.
    this.ctrs.adopt(pod, adopted, now)
    const ip = pod.status?.podIP
    const phase = pod.status?.phase
    if (phase === 'Succeeded' || phase === 'Failed') this.finished = this.ctrs.running === 0
    if (ip && !this.finished && env.ipam.reserve(ip, this.uid)) this.podIP = ip
    else if (ip && this.finished) this.podIP = ip
  }

  get key(): string {
    return `${this.namespace}/${this.name}`
  }

  get ip(): string | undefined {
    return this.podIP
  }

  get current(): PodObj {
    return this.status.newest(this.pod)
  }

  get isTerminated(): boolean {
    return this.state === 'terminated'
  }

  /** What the agent knows of each container (status-shaped), by name. */
  get containers(): Map<string, ContainerObservation> {
    return this.ctrs.observed
  }

  /** Every container that has a process now (init, app and ephemeral ones), by name. */
  runningContainers(): { name: string; handle: ContainerHandle }[] {
    return this.ctrs.runningContainers()
  }

  /** The runtime handle of a running container. */
  handle(name: string): ContainerHandle | undefined {
    return this.ctrs.handle(name)
  }

  sandbox(): SandboxSpec {
    const pod = this.pod
    return {
      podUid: this.uid,
      podName: this.name,
      namespace: this.namespace,
      podIP: this.podIP ?? '',
      logDir: join(this.env.logRoot, `${this.namespace}_${this.name}_${this.uid}`),
      hostname: podHostnameAndDomain(pod).hostname,
      hostsFile: this.podIP ? hostsFileContent([this.podIP], pod) : undefined,
      resolvConf: resolvConfContent(pod),
      rootRequested: podRequestsRoot(pod),
      mounts: this.volumes.mounts,
    }
  }

  /** The spec a running container was started with (adopted ones get theirs rebuilt). */
  containerSpec(name: string): Promise<ContainerSpec | undefined> {
    return this.ctrs.spec(name)
  }

  containerDef(name: string): Container | undefined {
    return allContainers(this.pod).find((c) => c.name === name)
  }

  /** Begin syncing (after the agent has adopted what the runtime still runs). */
  start(): void {
    this.started = true
    this.kick()
  }

  update(pod: PodObj): void {
    if (pod.metadata.uid !== this.uid) return
    const old = this.pod
    this.pod = pod
    // Status-only changes (our own writes, mostly) need no sync, as the kubelet's RECONCILE updates.
    if (!isDeepStrictEqual(syncRelevant(old), syncRelevant(pod))) this.kick()
    // But someone else's change to what this agent reports (the node lifecycle controller marks
    // pods Ready=False on a node it lost) is put right, as the kubelet's status manager reconciles.
    else if (this.status.overwritten(pod)) this.kick()
  }

  /** The pod is gone from the API. */
  remove(): void {
    this.gone = true
    if (this.state === 'terminated') {
      this.finish()
      return
    }
    this.kick()
  }

  kick(): void {
    if (this.closed || !this.started) return
    this.queued = true
    this.env.queue.add(this.uid)
  }

  /** Resolves when no sync is running or asked for. */
  idle(): Promise<void> {
    if (!this.syncing && (!this.queued || this.closed)) return Promise.resolve()
    return new Promise((r) => this.idleWaiters.push(r))
  }

  /** One sync; the queue calls it, never twice at once for a pod. A failure is retried later. */
  async syncOnce(): Promise<void> {
    this.queued = false
    if (this.closed) return this.settle()
    const run = this.sync().catch((err) => {
      if (this.closed) return
      if (!isConflict(err)) this.env.log.error({ err, pod: this.key }, 'pod sync failed; will retry')
      this.wakeAfter(isConflict(err) ? 50 : 1000)
    })
    this.syncing = run
    try {
      await run
    } finally {
      this.syncing = undefined
      this.settle()
    }
  }

  /** No sync runs for the pod any more: its pending wake-up (a token renewal, a back-off) goes. */
  private close(): void {
    this.closed = true
    this.env.queue.cancelAfter(this.uid)
    this.settle()
  }

  private settle(): void {
    if (this.syncing || (this.queued && !this.closed)) return
    for (const r of this.idleWaiters.splice(0)) r()
  }

  private wakeAfter(ms: number): void {
    if (this.closed) return
    this.env.queue.addAfter(this.uid, Math.max(0, ms))
  }

  private retryDelay(): number {
    return this.env.syncRetryMs * (1 + this.env.random() * 0.5)
  }

  // ---- the sync ------------------------------------------------------------------------------

  private async sync(): Promise<void> {
    if (this.state === 'terminated') return
    const pod = this.pod
    if (this.gone || pod.metadata.deletionTimestamp || pod.spec?.nodeName !== this.env.nodeName) return this.terminate()
    if (this.finished) {
      await this.removeSandbox()
      await this.writeStatus()
      return
    }
    if (!this.podIP) {
      try {
        this.podIP = this.env.ipam.allocate(this.uid)
      } catch (err) {
        if (!(err instanceof PodCIDRError)) throw err
        this.env.events.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${err.message}`)
        await this.writeStatus()
        this.wakeAfter(this.retryDelay())
        return
      }
    }
    await this.writeStatus()
    // Volumes first (the kubelet's WaitForAttachAndMount): until they are, nothing starts.
    if (!(await this.volumes.setUp(pod))) return

    const actions = planPodActions(pod, this.ctrs.observed, this.ctrs.flags)
    const grace = pod.spec?.terminationGracePeriodSeconds ?? 30
    for (const k of actions.kill) {
      const text = k.cause === 'definition' ? msg.definitionChanged(k.name) : msg.probeKill(k.name, k.cause)
      await this.ctrs.kill(k.name, text, grace)
      this.kick()
    }
    if (actions.kill.length === 0) {
      // Ephemeral containers first, as upstream: a debugger gets in even while init containers fail.
      for (const e of actions.startEphemeral) {
        if (this.closed || this.pod.metadata.deletionTimestamp || this.gone) break
        await this.ctrs.start(e as Container)
      }
      for (const s of actions.start) {
        if (this.closed || this.pod.metadata.deletionTimestamp || this.gone) break
        await this.ctrs.start(s.container)
      }
    }
    if (actions.podDone) {
      // A debugger still running in a pod that is done goes with it.
      for (const { name } of this.ctrs.runningContainers()) await this.ctrs.kill(name, msg.stopping(name), grace)
      this.finished = true
      this.ctrs.stopProbers()
      await this.removeSandbox()
      this.env.ipam.release(this.uid)
    }
    await this.writeStatus()
  }

  /** The ConfigMaps and Secrets the pod reads (volumes, env): a change of one calls for a sync. */
  references(kind: 'configmap' | 'secret' | 'claim', name: string): boolean {
    const pod = this.pod
    if (kind === 'claim') return claimNames(pod).includes(name)
    const vols = volumeSources(pod)
    if ((kind === 'configmap' ? vols.configMaps : vols.secrets).has(name)) return true
    return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some((c) => {
      const r = referencedSources(c)
      return (kind === 'configmap' ? r.configMaps : r.secrets).has(name)
    })
  }

  /** The pod's namespaces go once none of its containers runs (the runtime checks that too). */
  private async removeSandbox(): Promise<void> {
    if (this.ctrs.running > 0) return
    await this.env.runtime.removePodSandbox?.(this.uid).catch((err) => this.env.log.error({ err, pod: this.key }, 'removing the pod sandbox failed'))
  }

  // ---- termination ---------------------------------------------------------------------------

  /**
   * Graceful termination: Ready=False is published first (so endpoints drop the pod); then, once no
   * EndpointSlice offers the pod as ready any more (bounded by the grace period) and a short margin
   * has passed, SIGTERM — preStop hooks run meanwhile — and SIGKILL after the grace period; finally
   * the terminal status and the pod's final deletion (gracePeriodSeconds=0), as the kubelet does.
   * Upstream signals at once and leaves the wait to a preStop sleep; kubelite waits for the fact.
   */
  private async terminate(): Promise<void> {
    const pod = this.pod
    const first = this.state === 'active'
    this.state = 'terminating'
    this.ctrs.stopProbers()
    const grace = Math.max(0, pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30)
    const deadline = this.env.timers.now() + grace * 1000
    const wasReady = this.ctrs.anyReady()
    if (first && !this.gone) await this.writeStatus().catch((err) => this.env.log.error({ err, pod: this.key }, 'publishing not-ready status failed'))

    const running = this.ctrs.runningContainers()
    for (const { name } of running) this.env.events.event(pod, 'Normal', reasons.killing, msg.stopping(name), fieldPath(pod, name))
    await Promise.all([
      this.drainEndpoints(pod, wasReady, deadline),
      ...running.map(({ name }) => {
        const c = this.ctrs.definition(name)
        return c?.lifecycle?.preStop && grace > 0 ? this.ctrs.preStop(c, deadline) : undefined
      }),
    ])
    await Promise.all(running.map(({ name, handle }) => this.ctrs.stopRun(name, handle, this.ctrs.secondsLeft(deadline))))
    // Something may have started while we waited (a sync in flight): stop it too.
    for (const { name, handle } of this.ctrs.runningContainers()) await this.ctrs.stopRun(name, handle, minGraceSeconds)
    await this.removeSandbox()
    this.env.ipam.release(this.uid)
    this.finished = true
    this.state = 'terminated'
    if (!this.gone) {
      try {
        // A conflict here means others keep writing the pod: try again (the loop retries soon);
        // swallowing it would leave the pod Terminating forever.
        await this.writeStatus(true)
      } catch (err) {
        if (!isNotFound(err)) {
          this.state = 'terminating'
          throw err
        }
      }
      try {
        await this.env.pods.delete(this.namespace, this.name, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } })
      } catch (err) {
        // A conflict on delete is a UID precondition failure: the name now belongs to another pod.
        if (!isNotFound(err) && !isConflict(err)) {
          this.state = 'terminating'
          throw err
        }
      }
    }
    if (this.gone) this.finish()
  }

  /** Wait until no proxy should pick the pod any more: its endpoints out of the ready set, then the margin. */
  private async drainEndpoints(pod: PodObj, wasReady: boolean, deadline: number): Promise<void> {
    const released = await this.env.endpointsReleased(pod, this.podIP, deadline)
    if (!released) this.env.log.error({ pod: this.key }, 'endpoints still offer the pod at the end of its grace period; stopping it anyway')
    const margin = wasReady ? Math.min(this.env.drainMarginMs, deadline - this.env.timers.now()) : 0
    if (margin > 0) await sleep(this.env.timers, margin)
  }

  private finish(): void {
    this.close()
    void rm(this.sandbox().logDir, { recursive: true, force: true }).catch(() => undefined)
    this.volumes.remove()
    this.env.onFinished(this)
  }

  /** Publish the status if it changed (pods/status, with the resourceVersion read as precondition). */
  private async writeStatus(terminal = false): Promise<void> {
    if (this.gone) return
    await this.status.write(this.pod, (base) => this.computeStatus(base, terminal))
  }

  private computeStatus(base: PodObj, terminal: boolean) {
    return computePodStatus(
      {
        pod: base,
        containers: this.ctrs.observed,
        hostIP: this.env.hostIP,
        podIP: this.podIP,
        sandboxReady: !!this.podIP && !this.finished,
        terminal,
        terminating: this.state !== 'active',
        startTime: this.startTime,
      },
      this.env.clock(),
    )
  }

  /**
   * Agent shutdown, first step (a node draining before it goes down): a ready pod publishes
   * Ready=False and waits, until `deadline`, for no EndpointSlice to offer it (then the margin), so
   * no proxy still sends it traffic when it stops. Nothing runs for it afterwards but `shutdown`.
   */
  async leaveServices(deadline: number): Promise<void> {
    if (this.closed || this.state !== 'active' || this.gone) return
    const wasReady = this.ctrs.anyReady()
    this.close()
    this.ctrs.stopProbers()
    if (!wasReady) return
    for (const o of this.ctrs.observed.values()) o.ready = false
    await this.writeStatus().catch((err) => this.env.log.error({ err, pod: this.key }, 'publishing not-ready status failed'))
    await this.drainEndpoints(this.pod, true, deadline)
  }

  /** Agent shutdown: stop every container (grace capped); no API writes. */
  async shutdown(maxGraceSeconds: number): Promise<void> {
    this.close()
    this.ctrs.stopProbers()
    await this.ctrs.stopAll(Math.min(maxGraceSeconds, this.pod.spec?.terminationGracePeriodSeconds ?? 30))
  }

  /** For the node connection: the observation of a container (status-shaped). */
  observation(name: string): ContainerObservation | undefined {
    return this.ctrs.observed.get(name)
  }

  /** Every run of a container the agent knows, newest first. */
  runs(name: string): ContainerRun[] {
    return this.ctrs.runs(name)
  }
}
