// One pod's worker (upstream podWorkers + syncPod/syncTerminatingPod): level-triggered, one sync
// at a time. Each sync re-reads the latest pod, plans (plan.ts), performs the actions through the
// runtime, and publishes the status (status.ts) through pods/status only when it changed.
import { isDeepStrictEqual } from 'node:util'
import { chmodSync, mkdirSync, realpathSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ConfigMap, Container, PersistentVolume, PersistentVolumeClaim, Pod, PodStatus, Secret, Service } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { isConflict, isNotFound } from '../../client/errors.js'
import type { ResourceClient } from '../../client/types.js'
import type { ContainerHandle, ContainerSpec, ExitStatus, PulledImage, Runtime, SandboxMount, SandboxSpec } from '../runtime/types.js'
import { writeAtomic, type Owner } from './atomic-writer.js'
import { seedObservation } from './adopt.js'
import { BackOff, type BackOffOptions } from './backoff.js'
import { expandCommand, referencedSources, resolveEnv, type EnvSources } from './env.js'
import { runHook } from './hooks.js'
import { PodCIDRError, type PodIPAllocator } from './ipam.js'
import { containerUser, hostsFileContent, podHostnameAndDomain, podRequestsRoot, resolvConfContent } from './podfiles.js'
import { msg, podDesc, reasons, type ProbeKind } from './messages.js'
import { planPodActions, type ContainerFlags } from './plan.js'
import { collector, type ProbeTarget } from './probe.js'
import { ContainerProber, type ProbeResults } from './prober.js'
import { serviceEnv } from './service-env.js'
import { computePodStatus, type ContainerObservation, type ContainerRun } from './status.js'
import { claimMount, claimNames, failedMountMessage, planVolume, podMounts, volumeSources, type VolumeSources } from './volumes.js'
import type { PodObj } from '../../apis/core/pod.js'
import type { Clock, TimerHandle } from '../../lib/clock.js'
export type { PodObj }

export interface EventSink {
  event(obj: StoredObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void
}

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
   * (epoch ms; false): until then a proxy may still send it new requests.
   */
  endpointsReleased(pod: PodObj, podIP: string | undefined, deadline: number): Promise<boolean>
  crashBackOff: BackOffOptions
  imageBackOff: BackOffOptions
  /**
   * When a sync fails (image pull, missing ConfigMap, start error), the next one comes this much
   * later (upstream pod worker backOffPeriod: 10 s, plus up to 50% jitter).
   */
  syncRetryMs: number
  clock(): Date
  /** Time for waiting and measuring (timers, deadlines, durations): the real one, or a FakeClock in tests. */
  timers: Clock
  /** Jitter source, [0, 1) as Math.random. */
  random(): number
  log: { error(obj: unknown, msg?: string): void }
  /** Called once a deleted pod's worker has finished (the agent forgets it). */
  onFinished(worker: PodWorker): void
}

/** The kubelet never gives a container less than this to stop (minimumGracePeriodInSeconds). */
const minGraceSeconds = 2

const sleep = (timers: Clock, ms: number) => new Promise<void>((r) => timers.setTimeout(r, ms))

function fieldPath(pod: Pod, name: string): string {
  if ((pod.spec?.initContainers ?? []).some((c) => c.name === name)) return `spec.initContainers{${name}}`
  if ((pod.spec?.ephemeralContainers ?? []).some((c) => c.name === name)) return `spec.ephemeralContainers{${name}}`
  return `spec.containers{${name}}`
}

/** Every container of a pod: init, regular, then ephemeral ones (whose fields are a Container's, less ports and probes). */
function allContainers(pod: Pod): Container[] {
  const spec = pod.spec
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...((spec?.ephemeralContainers ?? []) as Container[])]
}

/** The parts of a pod whose change calls for a sync. */
function syncRelevant(p: PodObj): unknown {
  const m = p.metadata
  return [p.spec, m.deletionTimestamp, m.deletionGracePeriodSeconds, m.labels, m.annotations]
}

function rvNum(o: PodObj | undefined): number {
  return Number(o?.metadata.resourceVersion ?? -1) || -1
}

export class PodWorker {
  readonly uid: string
  readonly namespace: string
  readonly name: string
  private pod: PodObj
  private gone = false
  private lastWritten?: PodObj
  readonly containers = new Map<string, ContainerObservation>()
  private readonly handles = new Map<string, ContainerHandle>()
  private readonly specs = new Map<string, ContainerSpec>()
  private readonly probers = new Map<string, ContainerProber>()
  private readonly flags = new Map<string, ContainerFlags>()
  private readonly crashBackOff: BackOff
  private readonly imageBackOff: BackOff
  private podIP?: string
  private readonly startTime: Date
  /** The pod's volumes at their mountPaths, once set up (the sandbox mounts them). */
  private mounts: SandboxMount[] = []
  /** Service-account tokens of projected volumes, by volume/path: kept until 80% of their life. */
  private readonly tokens = new Map<string, { token: string; refreshAt: number }>()
  private state: 'active' | 'terminating' | 'terminated' = 'active'
  /** The pod is done under its restart policy: nothing runs, the sandbox is gone. */
  private finished = false
  private running?: Promise<void>
  private dirty = false
  private wakeTimer?: TimerHandle
  private wakeAt = Infinity
  private closed = false
  private started = false

  constructor(
    private readonly env: WorkerEnv,
    pod: PodObj,
    adopted: { container: string; handle: ContainerHandle }[] = [],
  ) {
    this.pod = pod
    this.uid = pod.metadata.uid!
    this.namespace = pod.metadata.namespace!
    this.name = pod.metadata.name!
    this.crashBackOff = new BackOff(env.crashBackOff)
    this.imageBackOff = new BackOff(env.imageBackOff)
    const now = env.clock()
    this.startTime = pod.status?.startTime ? new Date(pod.status.startTime) : now
    // Carry on from the published status (an earlier life of the agent) and adopt live containers.
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])]
    for (const c of allContainers(pod)) {
      const a = adopted.find((x) => x.container === c.name)
      const seeded = seedObservation(c.name, statuses.find((s) => s.name === c.name), a ? { id: a.handle.id, startedAt: a.handle.startedAt, logPath: a.handle.logPath } : undefined, now)
      if (!seeded) continue
      if (seeded.current && !seeded.current.image) seeded.current.image = c.image ?? ''
      this.containers.set(c.name, seeded)
      if (!a) continue
      // The same run as the published status: its probes carry on from there (ready stays ready
      // until the probe says otherwise), so restarting the agent takes no pod out of its Services.
      const published = statuses.find((s) => s.name === c.name)
      this.attach(c, a.handle, published?.containerID === a.handle.id ? { ready: published.ready, started: published.started ?? false } : undefined)
    }
    for (const a of adopted) {
      if (!this.handles.has(a.container)) void a.handle.stop(minGraceSeconds).catch(() => undefined)
    }
    const ip = pod.status?.podIP
    const phase = pod.status?.phase
    if (phase === 'Succeeded' || phase === 'Failed') this.finished = this.handles.size === 0
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
    return this.newest()
  }

  get isTerminated(): boolean {
    return this.state === 'terminated'
  }

  /** Every container that has a process now (init, app and ephemeral ones), by name. */
  runningContainers(): { name: string; handle: ContainerHandle }[] {
    return [...this.handles].map(([name, handle]) => ({ name, handle }))
  }

  /** The runtime handle of a running container. */
  handle(name: string): ContainerHandle | undefined {
    return this.handles.get(name)
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
      mounts: this.mounts,
    }
  }

  /** The spec a running container was started with (adopted ones get theirs rebuilt). */
  async containerSpec(name: string): Promise<ContainerSpec | undefined> {
    const known = this.specs.get(name)
    if (known) return known
    const c = this.containerDef(name)
    if (!c) return undefined
    const env = await this.buildEnv(c)
    const e = 'env' in env ? env.env : {}
    const spec: ContainerSpec = {
      name,
      image: c.image ?? '',
      command: expandCommand(c.command, e),
      args: expandCommand(c.args, e),
      env: e,
      workingDir: c.workingDir,
      restartCount: this.containers.get(name)?.restartCount ?? 0,
      user: containerUser(this.pod, c),
    }
    this.specs.set(name, spec)
    return spec
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
    else if (this.lastWritten && readyOf(pod) !== readyOf(this.lastWritten) && rvNum(pod) > rvNum(this.lastWritten)) this.kick()
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
    if (this.running) {
      this.dirty = true
      return
    }
    this.running = this.loop()
  }

  /** Resolves when no sync is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.dirty = false
        try {
          await this.sync()
        } catch (err) {
          if (this.closed) break
          if (!isConflict(err)) this.env.log.error({ err, pod: this.key }, 'pod sync failed; will retry')
          this.wakeAfter(isConflict(err) ? 50 : 1000)
        }
      } while (this.dirty && !this.closed)
    } finally {
      this.running = undefined
    }
  }

  private wakeAfter(ms: number): void {
    if (this.closed) return
    const at = this.env.timers.now() + Math.max(0, ms)
    if (this.wakeTimer && this.wakeAt <= at) return
    if (this.wakeTimer) this.env.timers.clearTimeout(this.wakeTimer)
    this.wakeAt = at
    this.wakeTimer = this.env.timers.setTimeout(() => {
      this.wakeTimer = undefined
      this.wakeAt = Infinity
      this.kick()
    }, Math.max(0, ms))
    const timer = this.wakeTimer as { unref?: () => void } // the real clock's Timeout: not holding the process open
    timer.unref?.()
  }

  private retryDelay(): number {
    return this.env.syncRetryMs * (1 + this.env.random() * 0.5)
  }

  private newest(): PodObj {
    return this.lastWritten && rvNum(this.lastWritten) > rvNum(this.pod) ? this.lastWritten : this.pod
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
    if (!(await this.setUpVolumes())) return

    const actions = planPodActions(pod, this.containers, this.flags)
    const grace = pod.spec?.terminationGracePeriodSeconds ?? 30
    for (const k of actions.kill) {
      const text = k.cause === 'definition' ? msg.definitionChanged(k.name) : msg.probeKill(k.name, k.cause)
      await this.killContainer(k.name, text, grace)
      this.dirty = true
    }
    if (actions.kill.length === 0) {
      // Ephemeral containers first, as upstream: a debugger gets in even while init containers fail.
      for (const e of actions.startEphemeral) {
        if (this.closed || this.pod.metadata.deletionTimestamp || this.gone) break
        await this.startContainer(e as Container)
      }
      for (const s of actions.start) {
        if (this.closed || this.pod.metadata.deletionTimestamp || this.gone) break
        await this.startContainer(s.container)
      }
    }
    if (actions.podDone) {
      // A debugger still running in a pod that is done goes with it.
      for (const name of [...this.handles.keys()]) await this.killContainer(name, msg.stopping(name), grace)
      this.finished = true
      this.stopProbers()
      await this.removeSandbox()
      this.env.ipam.release(this.uid)
    }
    await this.writeStatus()
  }

  private async startContainer(c: Container): Promise<void> {
    const pod = this.pod
    const name = c.name
    const o: ContainerObservation = this.containers.get(name) ?? { name, restartCount: 0, ready: false, started: false }
    this.containers.set(name, o)
    const now = this.env.clock().getTime()
    const fp = fieldPath(pod, name)

    // Crash loop back-off: the first restart is immediate, then 10 s, 20 s, ... 5 min.
    if (o.current?.finishedAt) {
      const fin = o.current.finishedAt.getTime()
      if (this.crashBackOff.isInBackOffSince(name, fin, now)) {
        o.waiting = { reason: reasons.crashLoopBackOff, message: msg.crashLoopWaiting(this.crashBackOff.get(name), name, podDesc(pod)) }
        this.env.events.event(pod, 'Warning', reasons.backOff, msg.backOffRestart(name, podDesc(pod)), fp)
        this.wakeAfter(this.crashBackOff.remaining(name, fin, now))
        return
      }
      this.crashBackOff.next(name, fin, now)
    }

    const image = await this.ensureImage(c, o)
    if (!image) return

    const env = await this.buildEnv(c)
    if ('error' in env) {
      o.waiting = { reason: reasons.createContainerConfigError, message: env.error }
      this.env.events.event(pod, 'Warning', reasons.failed, msg.error(env.error), fp)
      this.wakeAfter(this.retryDelay())
      return
    }
    const restartCount = o.current ? o.restartCount + 1 : 0
    const spec: ContainerSpec = {
      name,
      image: c.image ?? '',
      command: expandCommand(c.command, env.env),
      args: expandCommand(c.args, env.env),
      env: env.env,
      workingDir: c.workingDir,
      ports: c.ports?.map((p) => ({ containerPort: p.containerPort, protocol: p.protocol, name: p.name })),
      restartCount,
      tty: c.tty,
      stdin: c.stdin,
      stdinOnce: c.stdinOnce,
      user: containerUser(pod, c),
    }
    this.env.events.event(pod, 'Normal', reasons.created, msg.created(name), fp)
    let h: ContainerHandle
    try {
      h = await this.env.runtime.startContainer(this.sandbox(), spec)
    } catch (err) {
      const text = (err as Error).message
      o.waiting = { reason: 'RunContainerError', message: text }
      this.env.events.event(pod, 'Warning', reasons.failed, msg.error(text), fp)
      this.wakeAfter(this.retryDelay())
      return
    }
    if (this.closed) {
      await h.stop(minGraceSeconds).catch(() => undefined)
      return
    }
    if (o.current) o.previous = o.current
    o.current = { containerID: h.id, image: c.image ?? '', imageID: image.imageID, startedAt: h.startedAt, logPath: h.logPath }
    o.restartCount = restartCount
    o.waiting = undefined
    this.specs.set(name, spec)
    this.env.events.event(pod, 'Normal', reasons.started, msg.started(name), fp)
    this.attach(c, h)

    if (c.lifecycle?.postStart) {
      const err = await runHook(c.lifecycle.postStart, c, this.probeTarget(c), (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000)
      if (err && this.handles.get(name) === h) {
        this.env.events.event(pod, 'Warning', reasons.failedPostStartHook, msg.postStartFailed, fp)
        await this.killContainer(name, 'FailedPostStartHook', pod.spec?.terminationGracePeriodSeconds ?? 30)
      }
    }
  }

  /** Track a running container: its exit, its probes. */
  private attach(c: Container, h: ContainerHandle, carried?: ProbeResults): void {
    const name = c.name
    this.handles.set(name, h)
    this.flags.delete(name)
    const o = this.containers.get(name)!
    o.ready = carried?.ready ?? !c.readinessProbe
    o.started = carried?.started ?? !c.startupProbe
    void h.exited.then(
      (st) => this.onExit(name, h, st),
      (err) => this.onExit(name, h, { exitCode: 128, reason: 'Error', startedAt: h.startedAt, finishedAt: this.env.clock(), message: String(err) }),
    )
    if (c.readinessProbe || c.livenessProbe || c.startupProbe) {
      const pod = this.pod
      const prober = new ContainerProber(c, h.startedAt, this.probeTarget(c), {
        onChange: (kind, result) => {
          if (this.handles.get(name) !== h) return
          if (kind === 'readiness') o.ready = result === true
          if (kind === 'startup') o.started = result === true
          if (kind === 'startup' && result === false) this.flags.set(name, { ...this.flags.get(name), startupFailed: true })
          if (kind === 'liveness' && result === false) this.flags.set(name, { ...this.flags.get(name), livenessFailed: true })
          if (kind === 'startup' && result && !c.readinessProbe) o.ready = true
          this.kick()
        },
        onFailure: (kind: ProbeKind, output: string) => {
          if (this.handles.get(name) !== h || this.state !== 'active') return
          this.env.events.event(this.pod ?? pod, 'Warning', reasons.unhealthy, msg.probeFailed(kind, output), fieldPath(pod, name))
        },
      })
      this.probers.get(name)?.stop()
      this.probers.set(name, prober)
      prober.start(carried)
    }
  }

  private onExit(name: string, h: ContainerHandle, st: ExitStatus): void {
    if (this.handles.get(name) !== h) return
    this.handles.delete(name)
    this.probers.get(name)?.stop()
    this.probers.delete(name)
    const o = this.containers.get(name)
    if (o?.current && o.current.containerID === h.id) {
      // The runtime's last lines of output become the message only under FallbackToLogsOnError, on failure.
      const fallback = st.reason === 'ContainerCannotRun' || (this.containerDef(name)?.terminationMessagePolicy === 'FallbackToLogsOnError' && st.exitCode !== 0)
      o.current = { ...o.current, finishedAt: st.finishedAt, exitCode: st.exitCode, reason: st.reason, message: fallback ? st.message : undefined }
      o.ready = false
      o.started = false
    }
    this.kick()
  }

  private probeTarget(c: Container): ProbeTarget {
    const ip = () => this.podIP ?? ''
    return {
      // Read at each probe: an adopted container's prober starts before the address is known.
      get podIP() {
        return ip()
      },
      container: c,
      exec: async (command, timeoutMs) => {
        const spec = await this.containerSpec(c.name)
        if (!spec) throw new Error(`container ${c.name} not found`)
        const out = collector()
        const ac = new AbortController()
        let timedOut = false
        const timer = this.env.timers.setTimeout(() => {
          timedOut = true
          ac.abort()
        }, timeoutMs)
        try {
          const exitCode = await this.env.runtime.exec(this.sandbox(), spec, command, { stdout: out.stream, stderr: out.stream, signal: ac.signal })
          return { exitCode, output: out.text(), timedOut }
        } catch (err) {
          if (timedOut) return { exitCode: -1, output: out.text(), timedOut }
          throw err
        } finally {
          this.env.timers.clearTimeout(timer)
        }
      },
    }
  }

  /** EnsureImageExists: pull policy, Pulling/Pulled events, ErrImagePull then ImagePullBackOff. */
  private async ensureImage(c: Container, o: ContainerObservation): Promise<PulledImage | undefined> {
    const pod = this.pod
    const image = c.image ?? ''
    const fp = fieldPath(pod, c.name)
    const policy = c.imagePullPolicy ?? 'IfNotPresent'
    const present = this.env.images.get(image)
    if (policy === 'Never' || (policy === 'IfNotPresent' && present)) {
      if (present) {
        this.env.events.event(pod, 'Normal', reasons.pulled, msg.alreadyPresent(image), fp)
        return present
      }
      o.waiting = { reason: reasons.errImageNeverPull, message: msg.neverPull(image) }
      this.env.events.event(pod, 'Warning', reasons.errImageNeverPull, msg.neverPull(image), fp)
      return undefined
    }
    const now = this.env.clock().getTime()
    const key = `image:${image}`
    if (this.imageBackOffActive(key, now)) {
      o.waiting = { reason: reasons.imagePullBackOff, message: msg.backOffPull(image) }
      this.env.events.event(pod, 'Normal', reasons.backOff, msg.backOffPull(image), fp)
      this.env.events.event(pod, 'Warning', reasons.failed, msg.error(reasons.imagePullBackOff), fp)
      this.wakeAfter(this.retryDelay())
      return undefined
    }
    this.env.events.event(pod, 'Normal', reasons.pulling, msg.pulling(image), fp)
    const t0 = this.env.timers.now()
    try {
      const pulled = await this.env.runtime.pullImage(image)
      const ms = this.env.timers.now() - t0
      this.env.images.set(image, pulled)
      this.env.events.event(pod, 'Normal', reasons.pulled, msg.pulled(image, ms, ms, pulled.size), fp)
      this.pullRetryAt.delete(key)
      return pulled
    } catch (err) {
      const text = (err as Error).message
      this.env.events.event(pod, 'Warning', reasons.failed, msg.failedPull(image, text), fp)
      const at = this.env.clock().getTime()
      this.imageBackOff.next(key, at, at)
      this.pullRetryAt.set(key, at + this.imageBackOff.get(key))
      this.env.events.event(pod, 'Warning', reasons.failed, msg.error(reasons.errImagePull), fp)
      o.waiting = { reason: reasons.errImagePull, message: text }
      this.wakeAfter(this.retryDelay())
      return undefined
    }
  }

  /** When the next pull may happen, per image (IsInBackOffSinceUpdate). */
  private readonly pullRetryAt = new Map<string, number>()

  private imageBackOffActive(key: string, now: number): boolean {
    const at = this.pullRetryAt.get(key)
    return at !== undefined && now < at
  }

  private async buildEnv(c: Container): Promise<{ env: Record<string, string> } | { error: string }> {
    const pod = this.pod
    const ns = this.namespace
    const refs = referencedSources(c)
    const sources: EnvSources = { configMaps: new Map(), secrets: new Map() }
    try {
      for (const name of refs.configMaps) sources.configMaps.set(name, await this.env.getConfigMap(ns, name))
      for (const name of refs.secrets) sources.secrets.set(name, await this.env.getSecret(ns, name))
    } catch (err) {
      return { error: (err as Error).message }
    }
    const links = pod.spec?.enableServiceLinks !== false
    return resolveEnv(
      c,
      {
        pod,
        podIPs: this.podIP ? [this.podIP] : [],
        hostIPs: [this.env.hostIP],
        serviceEnv: serviceEnv(this.env.services(), ns, links),
        nodeAllocatable: this.env.nodeAllocatable(),
      },
      sources,
    )
  }

  /** Killing event, preStop, then SIGTERM and SIGKILL after the rest of the grace period (min 2 s). */
  private async killContainer(name: string, message: string, graceSeconds: number): Promise<void> {
    const h = this.handles.get(name)
    if (!h) return
    const pod = this.pod
    const c = this.containerDef(name)
    this.env.events.event(pod, 'Normal', reasons.killing, message, fieldPath(pod, name))
    this.probers.get(name)?.stop()
    const deadline = this.env.timers.now() + graceSeconds * 1000
    if (c?.lifecycle?.preStop && graceSeconds > 0) await this.preStop(c, deadline)
    const st = await h.stop(Math.max(minGraceSeconds, Math.ceil((deadline - this.env.timers.now()) / 1000))).catch(() => undefined)
    if (st) this.onExit(name, h, st)
  }

  private async preStop(c: Container, deadline: number): Promise<void> {
    const err = await runHook(c.lifecycle!.preStop!, c, this.probeTarget(c), deadline - this.env.timers.now())
    if (err) this.env.events.event(this.pod, 'Warning', reasons.failedPreStopHook, msg.preStopFailed, fieldPath(this.pod, c.name))
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

  private volumesDir(): string {
    return join(this.env.podsDir, this.uid)
  }

  /** Memory-backed emptyDirs live on the host's /dev/shm (a tmpfs), shared by the pod's containers. */
  private memoryDir(): string {
    return join('/dev/shm', `kubelite-${this.uid}`)
  }

  /**
   * Writes every volume's files (only what changed, atomically) and works out the mounts. False,
   * with upstream's FailedMount event, while one cannot be set up (a missing ConfigMap...): the
   * pod stays ContainerCreating and the sync is retried.
   */
  private async setUpVolumes(): Promise<boolean> {
    const pod = this.pod
    const vols = pod.spec?.volumes ?? []
    if (!this.env.runtime.mountsVolumes || vols.length === 0) return true
    const names = volumeSources(pod)
    const src: VolumeSources = { configMaps: new Map(), secrets: new Map(), tokens: new Map(), nodeAllocatable: this.env.nodeAllocatable() }
    for (const n of names.configMaps) src.configMaps.set(n, await this.env.getConfigMap(this.namespace, n))
    for (const n of names.secrets) src.secrets.set(n, await this.env.getSecret(this.namespace, n))
    const claims = claimNames(pod)
    if (claims.length > 0) {
      src.claims = new Map()
      for (const n of claims) {
        const claim = (await this.env.getClaim?.(this.namespace, n)) ?? null
        const volumeName = claim?.spec?.volumeName
        const volume = volumeName ? ((await this.env.getVolume?.(volumeName)) ?? null) : undefined
        src.claims.set(n, claimMount(this.namespace, n, claim, volume))
      }
    }
    const owner = this.volumeOwner()
    const tokenErr = await this.fetchTokens(src)
    if (tokenErr) {
      this.env.events.event(pod, 'Warning', 'FailedMount', failedMountMessage(tokenErr.volume, tokenErr.reason))
      // Soon: in a namespace just made, the ServiceAccount controller is about to create `default`.
      this.wakeAfter(Math.min(1000, this.retryDelay()))
      return false
    }
    const dirs = new Map<string, { path: string; files: boolean }>()
    for (const v of vols) {
      const plan = planVolume(pod, v, src)
      if ('error' in plan) {
        this.env.events.event(pod, 'Warning', 'FailedMount', failedMountMessage(v.name, plan.error))
        this.wakeAfter(this.retryDelay())
        return false
      }
      if (plan.kind === 'files') {
        const dir = join(this.volumesDir(), 'volumes', `kubernetes.io~${plan.plugin}`, v.name)
        writeAtomic(dir, plan.payload, { owner, now: this.env.clock() })
        dirs.set(v.name, { path: dir, files: true })
      } else if (plan.kind === 'emptyDir') {
        const dir = plan.memory ? join(this.memoryDir(), v.name) : join(this.volumesDir(), 'volumes', 'kubernetes.io~empty-dir', v.name)
        mkdirSync(dir, { recursive: true })
        chmodSync(dir, 0o777) // upstream's emptyDir: anyone in the pod may write
        dirs.set(v.name, { path: dir, files: false })
      } else if (plan.kind === 'hostPath') {
        if (plan.create) mkdirSync(plan.path, { recursive: true })
        dirs.set(v.name, { path: plan.path, files: false })
      }
    }
    this.mounts = podMounts(pod).flatMap((m) => {
      const d = dirs.get(m.volume)
      if (!d) return []
      let hostPath = d.path
      if (m.subPath) {
        hostPath = join(d.path, m.subPath)
        // A subPath of a projected volume binds the file the key points at now (..data/<key>): it
        // does not follow later updates, as upstream. In an emptyDir it is made if missing.
        if (d.files) hostPath = realpathSync(hostPath)
        else mkdirSync(hostPath, { recursive: true })
      }
      return [{ hostPath, containerPath: m.mountPath, readOnly: m.readOnly }]
    })
    return true
  }

  /**
   * The kubelet's token manager: a TokenRequest per serviceAccountToken source, bound to the pod,
   * renewed once 80% of its life has passed (the sync is woken then). Per volume, by path.
   */
  private async fetchTokens(src: VolumeSources): Promise<{ volume: string; reason: string } | undefined> {
    const pod = this.pod
    const now = this.env.clock().getTime()
    const sa = pod.spec?.serviceAccountName || 'default'
    for (const v of pod.spec?.volumes ?? []) {
      for (const s of v.projected?.sources ?? []) {
        const t = s.serviceAccountToken
        if (!t) continue
        const key = `${v.name}/${t.path}`
        let have = this.tokens.get(key)
        if (!have || have.refreshAt <= now) {
          try {
            const r = await this.env.requestToken(this.namespace, sa, { expirationSeconds: t.expirationSeconds ?? 3600, audience: t.audience, podName: this.name, podUid: this.uid })
            const ttl = r.expirationTimestamp.getTime() - now
            have = { token: r.token, refreshAt: now + Math.min(ttl * 0.8, 24 * 3600_000) }
            this.tokens.set(key, have)
          } catch (err) {
            return { volume: v.name, reason: `failed to fetch token: ${(err as Error).message}` }
          }
        }
        this.wakeAfter(have.refreshAt - now)
        // Sources of one volume share the map: the volume is planned alone, so a path is enough.
        src.tokens.set(t.path, have.token)
      }
    }
    return undefined
  }

  /** Who owns volume files: the pod's user where the runtime runs containers as another uid than kubelite's. */
  private volumeOwner(): Owner | undefined {
    const def = this.env.runtime.defaultUser
    if (!def) return undefined
    const psc = this.pod.spec?.securityContext
    return { uid: psc?.runAsUser ?? def.uid, gid: psc?.fsGroup ?? psc?.runAsGroup ?? def.gid }
  }

  /** The pod's namespaces go once none of its containers runs (the runtime checks that too). */
  private async removeSandbox(): Promise<void> {
    if (this.handles.size > 0) return
    await this.env.runtime.removePodSandbox?.(this.uid).catch((err) => this.env.log.error({ err, pod: this.key }, 'removing the pod sandbox failed'))
  }

  private stopProbers(): void {
    for (const p of this.probers.values()) p.stop()
    this.probers.clear()
  }

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
    this.stopProbers()
    const grace = Math.max(0, pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30)
    const deadline = this.env.timers.now() + grace * 1000
    const wasReady = [...this.containers.values()].some((o) => o.ready && this.handles.has(o.name))
    if (first && !this.gone) await this.writeStatus().catch((err) => this.env.log.error({ err, pod: this.key }, 'publishing not-ready status failed'))

    const running = [...this.handles]
    for (const [name] of running) this.env.events.event(pod, 'Normal', reasons.killing, msg.stopping(name), fieldPath(pod, name))
    await Promise.all([
      this.drainEndpoints(pod, wasReady, deadline),
      ...running.map(([name]) => {
        const c = this.containerDef(name)
        return c?.lifecycle?.preStop && grace > 0 ? this.preStop(c, deadline) : undefined
      }),
    ])
    await Promise.all(
      running.map(async ([name, h]) => {
        const st = await h.stop(Math.max(minGraceSeconds, Math.ceil((deadline - this.env.timers.now()) / 1000))).catch(() => undefined)
        if (st) this.onExit(name, h, st)
      }),
    )
    // Something may have started while we waited (a sync in flight): stop it too.
    for (const [name, h] of [...this.handles]) {
      const st = await h.stop(minGraceSeconds).catch(() => undefined)
      if (st) this.onExit(name, h, st)
    }
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
    if (this.wakeTimer) this.env.timers.clearTimeout(this.wakeTimer)
    this.closed = true
    void rm(this.sandbox().logDir, { recursive: true, force: true }).catch(() => undefined)
    if (this.env.runtime.mountsVolumes) {
      void rm(this.volumesDir(), { recursive: true, force: true }).catch(() => undefined)
      void rm(this.memoryDir(), { recursive: true, force: true }).catch(() => undefined)
    }
    this.env.onFinished(this)
  }

  /** Publish the status if it changed (pods/status, with the resourceVersion read as precondition). */
  private async writeStatus(terminal = false): Promise<void> {
    if (this.gone) return
    let base = this.newest()
    for (let attempt = 0; ; attempt++) {
      const status = this.computeStatus(base, terminal)
      if (isDeepStrictEqual(status, base.status)) return
      try {
        const body: PodObj = { ...base, status }
        this.lastWritten = await this.env.pods.update(body, { subresource: 'status' })
        return
      } catch (err) {
        if (isNotFound(err)) return
        if (!isConflict(err) || attempt >= 3) throw err
        // Back off a little (as client-go's RetryOnConflict): the write we lost to may still be
        // committing, and a read now would return the same stale version.
        await sleep(this.env.timers, 10 * (attempt + 1))
        const fresh = await this.env.pods.get(this.namespace, this.name).catch(() => undefined)
        if (!fresh || fresh.metadata.uid !== this.uid) return
        base = fresh
        this.lastWritten = fresh
      }
    }
  }

  private computeStatus(base: PodObj, terminal: boolean): PodStatus {
    return computePodStatus(
      {
        pod: base,
        containers: this.containers,
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
    const wasReady = [...this.containers.values()].some((o) => o.ready && this.handles.has(o.name))
    this.closed = true
    if (this.wakeTimer) this.env.timers.clearTimeout(this.wakeTimer)
    this.stopProbers()
    if (!wasReady) return
    for (const o of this.containers.values()) o.ready = false
    await this.writeStatus().catch((err) => this.env.log.error({ err, pod: this.key }, 'publishing not-ready status failed'))
    await this.drainEndpoints(this.pod, true, deadline)
  }

  /** Agent shutdown: stop every container (grace capped); no API writes. */
  async shutdown(maxGraceSeconds: number): Promise<void> {
    this.closed = true
    if (this.wakeTimer) this.env.timers.clearTimeout(this.wakeTimer)
    this.stopProbers()
    const grace = Math.min(maxGraceSeconds, this.pod.spec?.terminationGracePeriodSeconds ?? 30)
    await Promise.all(
      [...this.handles].map(async ([name, h]) => {
        const st = await h.stop(grace).catch(() => undefined)
        if (st) this.onExit(name, h, st)
      }),
    )
  }

  /** For the node connection: the observation of a container (status-shaped). */
  observation(name: string): ContainerObservation | undefined {
    return this.containers.get(name)
  }

  /** Every run of a container the agent knows, newest first. */
  runs(name: string): ContainerRun[] {
    const o = this.containers.get(name)
    return [o?.current, o?.previous].filter((r): r is ContainerRun => !!r)
  }
}

/** The status of a pod's Ready condition, as published. */
function readyOf(pod: PodObj): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready')?.status
}
