// The containers of one pod (upstream kuberuntime's startContainer/killContainer and the prober
// manager's per-container workers): start with crash-loop back-off, image pull and env; follow a
// run's exit and probes; stop with preStop and the grace period. The pod worker decides what to
// start and stop (plan.ts); this module does it and records what it saw (ContainerObservation).
import type { Container, Pod } from 'kubernetes-types/core/v1.js'
import type { PodObj } from '../../apis/core/pod.js'
import type { StoredObject } from '../../apis/meta.js'
import type { Clock } from '../../lib/clock.js'
import type { ContainerHandle, ContainerSpec, ExitStatus, Runtime, SandboxSpec } from '../runtime/types.js'
import { seedObservation } from './adopt.js'
import { BackOff, type BackOffOptions } from './backoff.js'
import { containerEnv, containerSpecOf, type EnvDeps } from './container-env.js'
import { runHook } from './hooks.js'
import type { ImagePuller } from './image-pull.js'
import { msg, podDesc, reasons, type ProbeKind } from './messages.js'
import type { ContainerFlags } from './plan.js'
import { collector, type ProbeTarget } from './probe.js'
import { ContainerProber, type ProbeResults } from './prober.js'
import type { ContainerObservation, ContainerRun } from './status.js'

/** The kubelet never gives a container less than this to stop (minimumGracePeriodInSeconds). */
export const minGraceSeconds = 2

export interface EventSink {
  event(obj: StoredObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void
}

export interface ContainerDeps extends EnvDeps {
  runtime: Runtime
  events: EventSink
  clock(): Date
  timers: Clock
}

/** What the containers ask of their pod's worker. */
export interface ContainerHost {
  /** The latest pod. */
  readonly pod: PodObj
  readonly podIP: string | undefined
  /** False once the pod terminates: probe failures are not reported any more. */
  readonly active: boolean
  /** The worker has stopped: a container that started meanwhile is stopped at once. */
  readonly closed: boolean
  sandbox(): SandboxSpec
  /** A container exited or a probe result changed: sync again. */
  kick(): void
  /** Sync again in ms (back-off, a failed start). */
  wakeAfter(ms: number): void
  /** The delay before retrying a failed sync (with jitter). */
  retryDelay(): number
}

export function fieldPath(pod: Pod, name: string): string {
  if ((pod.spec?.initContainers ?? []).some((c) => c.name === name)) return `spec.initContainers{${name}}`
  if ((pod.spec?.ephemeralContainers ?? []).some((c) => c.name === name)) return `spec.ephemeralContainers{${name}}`
  return `spec.containers{${name}}`
}

/** Every container of a pod: init, regular, then ephemeral ones (whose fields are a Container's, less ports and probes). */
export function allContainers(pod: Pod): Container[] {
  const spec = pod.spec
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...((spec?.ephemeralContainers ?? []) as Container[])]
}

export class PodContainers {
  /** What the agent knows of each container (status-shaped), by name. */
  readonly observed = new Map<string, ContainerObservation>()
  /** Probe kills asked for, by container (plan.ts reads them). */
  readonly flags = new Map<string, ContainerFlags>()
  private readonly handles = new Map<string, ContainerHandle>()
  private readonly specs = new Map<string, ContainerSpec>()
  private readonly probers = new Map<string, ContainerProber>()
  private readonly crashBackOff: BackOff

  constructor(
    private readonly deps: ContainerDeps,
    private readonly images: ImagePuller,
    crashBackOff: BackOffOptions,
    private readonly host: ContainerHost,
  ) {
    this.crashBackOff = new BackOff(crashBackOff)
  }

  /**
   * Carry on from the published status (an earlier life of the agent) and adopt live containers;
   * the runtime's containers the pod does not name any more are stopped.
   */
  adopt(pod: PodObj, adopted: { container: string; handle: ContainerHandle }[], now: Date): void {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])]
    for (const c of allContainers(pod)) {
      const a = adopted.find((x) => x.container === c.name)
      const seeded = seedObservation(c.name, statuses.find((s) => s.name === c.name), a ? { id: a.handle.id, startedAt: a.handle.startedAt, logPath: a.handle.logPath } : undefined, now)
      if (!seeded) continue
      if (seeded.current && !seeded.current.image) seeded.current.image = c.image ?? ''
      this.observed.set(c.name, seeded)
      if (!a) continue
      // The same run as the published status: its probes carry on from there (ready stays ready
      // until the probe says otherwise), so restarting the agent takes no pod out of its Services.
      const published = statuses.find((s) => s.name === c.name)
      this.attach(c, a.handle, published?.containerID === a.handle.id ? { ready: published.ready, started: published.started ?? false } : undefined)
    }
    for (const a of adopted) {
      if (!this.handles.has(a.container)) void a.handle.stop(minGraceSeconds).catch(() => undefined)
    }
  }

  get running(): number {
    return this.handles.size
  }

  /** Every container that has a process now (init, app and ephemeral ones), by name. */
  runningContainers(): { name: string; handle: ContainerHandle }[] {
    return [...this.handles].map(([name, handle]) => ({ name, handle }))
  }

  handle(name: string): ContainerHandle | undefined {
    return this.handles.get(name)
  }

  /** Some container that runs now is ready (its endpoints may be offered to proxies). */
  anyReady(): boolean {
    return [...this.observed.values()].some((o) => o.ready && this.handles.has(o.name))
  }

  /** Every run of a container the agent knows, newest first. */
  runs(name: string): ContainerRun[] {
    const o = this.observed.get(name)
    return [o?.current, o?.previous].filter((r): r is ContainerRun => !!r)
  }

  definition(name: string): Container | undefined {
    return allContainers(this.host.pod).find((c) => c.name === name)
  }

  /** The spec a running container was started with (adopted ones get theirs rebuilt). */
  async spec(name: string): Promise<ContainerSpec | undefined> {
    const known = this.specs.get(name)
    if (known) return known
    const c = this.definition(name)
    if (!c) return undefined
    const env = await containerEnv(this.deps, this.host.pod, this.host.podIP, c)
    const spec = containerSpecOf(this.host.pod, c, 'env' in env ? env.env : {}, this.observed.get(name)?.restartCount ?? 0, false)
    this.specs.set(name, spec)
    return spec
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string, name: string): void {
    const pod = this.host.pod
    this.deps.events.event(pod, type, reason, message, fieldPath(pod, name))
  }

  /** Crash-loop back-off, image, env, start, postStart: a container that cannot start yet waits (o.waiting) and the sync is retried. */
  async start(c: Container): Promise<void> {
    const pod = this.host.pod
    const name = c.name
    const o: ContainerObservation = this.observed.get(name) ?? { name, restartCount: 0, ready: false, started: false }
    this.observed.set(name, o)
    const now = this.deps.clock().getTime()

    // Crash loop back-off: the first restart is immediate, then 10 s, 20 s, ... 5 min.
    if (o.current?.finishedAt) {
      const fin = o.current.finishedAt.getTime()
      if (this.crashBackOff.isInBackOffSince(name, fin, now)) {
        o.waiting = { reason: reasons.crashLoopBackOff, message: msg.crashLoopWaiting(this.crashBackOff.get(name), name, podDesc(pod)) }
        this.event('Warning', reasons.backOff, msg.backOffRestart(name, podDesc(pod)), name)
        this.host.wakeAfter(this.crashBackOff.remaining(name, fin, now))
        return
      }
      this.crashBackOff.next(name, fin, now)
    }

    const pulled = await this.images.ensure(c, (type, reason, message) => this.event(type, reason, message, name))
    if ('waiting' in pulled) {
      o.waiting = pulled.waiting
      if (pulled.retry) this.host.wakeAfter(this.host.retryDelay())
      return
    }

    const env = await containerEnv(this.deps, pod, this.host.podIP, c)
    if ('error' in env) {
      o.waiting = { reason: reasons.createContainerConfigError, message: env.error }
      this.event('Warning', reasons.failed, msg.error(env.error), name)
      this.host.wakeAfter(this.host.retryDelay())
      return
    }
    const restartCount = o.current ? o.restartCount + 1 : 0
    const spec = containerSpecOf(pod, c, env.env, restartCount, true)
    this.event('Normal', reasons.created, msg.created(name), name)
    let h: ContainerHandle
    try {
      h = await this.deps.runtime.startContainer(this.host.sandbox(), spec)
    } catch (err) {
      const text = (err as Error).message
      o.waiting = { reason: 'RunContainerError', message: text }
      this.event('Warning', reasons.failed, msg.error(text), name)
      this.host.wakeAfter(this.host.retryDelay())
      return
    }
    if (this.host.closed) {
      await h.stop(minGraceSeconds).catch(() => undefined)
      return
    }
    if (o.current) o.previous = o.current
    o.current = { containerID: h.id, image: c.image ?? '', imageID: pulled.image.imageID, startedAt: h.startedAt, logPath: h.logPath }
    o.restartCount = restartCount
    o.waiting = undefined
    this.specs.set(name, spec)
    this.event('Normal', reasons.started, msg.started(name), name)
    this.attach(c, h)

    if (c.lifecycle?.postStart) {
      const err = await runHook(c.lifecycle.postStart, c, this.probeTarget(c), (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000)
      if (err && this.handles.get(name) === h) {
        this.event('Warning', reasons.failedPostStartHook, msg.postStartFailed, name)
        await this.kill(name, 'FailedPostStartHook', pod.spec?.terminationGracePeriodSeconds ?? 30)
      }
    }
  }

  /** Track a running container: its exit, its probes. */
  private attach(c: Container, h: ContainerHandle, carried?: ProbeResults): void {
    const name = c.name
    this.handles.set(name, h)
    this.flags.delete(name)
    const o = this.observed.get(name)!
    o.ready = carried?.ready ?? !c.readinessProbe
    o.started = carried?.started ?? !c.startupProbe
    void h.exited.then(
      (st) => this.onExit(name, h, st),
      (err) => this.onExit(name, h, { exitCode: 128, reason: 'Error', startedAt: h.startedAt, finishedAt: this.deps.clock(), message: String(err) }),
    )
    if (c.readinessProbe || c.livenessProbe || c.startupProbe) {
      const pod = this.host.pod
      const prober = new ContainerProber(c, h.startedAt, this.probeTarget(c), {
        onChange: (kind, result) => {
          if (this.handles.get(name) !== h) return
          if (kind === 'readiness') o.ready = result === true
          if (kind === 'startup') o.started = result === true
          if (kind === 'startup' && result === false) this.flags.set(name, { ...this.flags.get(name), startupFailed: true })
          if (kind === 'liveness' && result === false) this.flags.set(name, { ...this.flags.get(name), livenessFailed: true })
          if (kind === 'startup' && result && !c.readinessProbe) o.ready = true
          this.host.kick()
        },
        onFailure: (kind: ProbeKind, output: string) => {
          if (this.handles.get(name) !== h || !this.host.active) return
          this.deps.events.event(this.host.pod ?? pod, 'Warning', reasons.unhealthy, msg.probeFailed(kind, output), fieldPath(pod, name))
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
    const o = this.observed.get(name)
    if (o?.current && o.current.containerID === h.id) {
      // The runtime's last lines of output become the message only under FallbackToLogsOnError, on failure.
      const fallback = st.reason === 'ContainerCannotRun' || (this.definition(name)?.terminationMessagePolicy === 'FallbackToLogsOnError' && st.exitCode !== 0)
      o.current = { ...o.current, finishedAt: st.finishedAt, exitCode: st.exitCode, reason: st.reason, message: fallback ? st.message : undefined }
      o.ready = false
      o.started = false
    }
    this.host.kick()
  }

  /** Where probes and hooks reach the container: its pod's address, exec through the runtime. */
  probeTarget(c: Container): ProbeTarget {
    const host = this.host
    return {
      // Read at each probe: an adopted container's prober starts before the address is known.
      get podIP() {
        return host.podIP ?? ''
      },
      container: c,
      exec: async (command, timeoutMs) => {
        const spec = await this.spec(c.name)
        if (!spec) throw new Error(`container ${c.name} not found`)
        const out = collector()
        const ac = new AbortController()
        let timedOut = false
        const timer = this.deps.timers.setTimeout(() => {
          timedOut = true
          ac.abort()
        }, timeoutMs)
        try {
          const exitCode = await this.deps.runtime.exec(host.sandbox(), spec, command, { stdout: out.stream, stderr: out.stream, signal: ac.signal })
          return { exitCode, output: out.text(), timedOut }
        } catch (err) {
          if (timedOut) return { exitCode: -1, output: out.text(), timedOut }
          throw err
        } finally {
          this.deps.timers.clearTimeout(timer)
        }
      },
    }
  }

  /** Killing event, preStop, then SIGTERM and SIGKILL after the rest of the grace period (min 2 s). */
  async kill(name: string, message: string, graceSeconds: number): Promise<void> {
    const h = this.handles.get(name)
    if (!h) return
    const c = this.definition(name)
    this.event('Normal', reasons.killing, message, name)
    this.probers.get(name)?.stop()
    const deadline = this.deps.timers.now() + graceSeconds * 1000
    if (c?.lifecycle?.preStop && graceSeconds > 0) await this.preStop(c, deadline)
    await this.stopRun(name, h, this.secondsLeft(deadline))
  }

  /** The preStop hook of a running container, within the deadline (epoch ms); a failure is an event. */
  async preStop(c: Container, deadline: number): Promise<void> {
    const err = await runHook(c.lifecycle!.preStop!, c, this.probeTarget(c), deadline - this.deps.timers.now())
    if (err) this.event('Warning', reasons.failedPreStopHook, msg.preStopFailed, c.name)
  }

  /** Seconds left until deadline (epoch ms), never below the minimum grace period. */
  secondsLeft(deadline: number): number {
    return Math.max(minGraceSeconds, Math.ceil((deadline - this.deps.timers.now()) / 1000))
  }

  /** SIGTERM, then SIGKILL after graceSeconds; the exit is recorded. */
  async stopRun(name: string, h: ContainerHandle, graceSeconds: number): Promise<void> {
    const st = await h.stop(graceSeconds).catch(() => undefined)
    if (st) this.onExit(name, h, st)
  }

  /** Stop every container that runs now, each given graceSeconds. */
  async stopAll(graceSeconds: number): Promise<void> {
    await Promise.all([...this.handles].map(([name, h]) => this.stopRun(name, h, graceSeconds)))
  }

  stopProbers(): void {
    for (const p of this.probers.values()) p.stop()
    this.probers.clear()
  }
}
