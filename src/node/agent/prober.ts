// Probe workers for one container run (upstream prober/worker.go): each probe ticks every
// periodSeconds after initialDelaySeconds; readiness and liveness wait for the startup probe.
// Results go to `onChange`; every failed attempt is reported (Unhealthy events).
import type { Container, Probe } from 'kubernetes-types/core/v1.js'
import type { ProbeKind } from './messages.js'
import { initialProbeState, nextProbeState, runProbe, type ProbeState, type ProbeTarget } from './probe.js'

export interface ProberCallbacks {
  /** A probe's published result changed. */
  onChange(kind: ProbeKind, result: boolean | undefined): void
  /** One probe attempt failed (output: upstream text). */
  onFailure(kind: ProbeKind, output: string): void
}

/** Probe results published for a container run. */
export interface ProbeResults {
  ready: boolean
  started: boolean
}

export class ContainerProber {
  private readonly states = new Map<ProbeKind, ProbeState>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private stopped = false

  constructor(
    private readonly container: Container,
    private readonly startedAt: Date,
    private readonly target: ProbeTarget,
    private readonly cb: ProberCallbacks,
    private readonly now: () => number = Date.now,
  ) {}

  /** Current results: ready (readiness passed or none), started (startup passed or none), live. */
  get ready(): boolean {
    return this.container.readinessProbe ? this.states.get('readiness')?.result === true : this.started
  }
  get started(): boolean {
    return this.container.startupProbe ? this.states.get('startup')?.result === true : true
  }

  /**
   * Starts probing. `carried`: the results an earlier agent published for this same run (a restart
   * adopting a live container): a passed startup probe is not run again, and readiness starts from
   * what it was rather than from failure, then follows its thresholds as an uninterrupted worker.
   */
  start(carried?: ProbeResults): void {
    const c = this.container
    if (c.startupProbe && carried?.started) this.states.set('startup', { result: true, lastResult: true, run: 1 })
    if (c.startupProbe && !carried?.started) this.loop('startup', c.startupProbe)
    else this.startMain(carried)
  }

  /** Readiness and liveness begin once the container has started (startup probe passed). */
  private startMain(carried?: ProbeResults): void {
    const c = this.container
    const seed = carried?.ready ? { result: true, lastResult: true, run: 1 } : undefined
    if (c.readinessProbe) this.loop('readiness', c.readinessProbe, seed)
    if (c.livenessProbe) this.loop('liveness', c.livenessProbe)
  }

  stop(): void {
    this.stopped = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private schedule(ms: number, fn: () => void): void {
    if (this.stopped) return
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    t.unref?.()
    this.timers.add(t)
  }

  private loop(kind: ProbeKind, probe: Probe, seed?: ProbeState): void {
    this.states.set(kind, seed ?? initialProbeState(kind))
    const periodMs = (probe.periodSeconds ?? 10) * 1000
    const initialDelayMs = (probe.initialDelaySeconds ?? 0) * 1000
    const tick = async () => {
      if (this.stopped) return
      const sinceStart = this.now() - this.startedAt.getTime()
      if (sinceStart < initialDelayMs) return this.schedule(initialDelayMs - sinceStart, () => void tick())
      const outcome = await runProbe(probe, this.target)
      if (this.stopped) return
      const state = this.states.get(kind)!
      const next = nextProbeState(state, outcome.ok, probe)
      this.states.set(kind, next)
      if (!outcome.ok) this.cb.onFailure(kind, outcome.output)
      if (next.result !== state.result) {
        if (kind === 'startup' && next.result) this.startMain()
        this.cb.onChange(kind, next.result)
      }
      // Startup probing ends once it passes; a failed liveness/startup probe ends this run (it is killed).
      if (kind === 'startup' && next.result) return
      if (kind !== 'readiness' && next.result === false) return
      this.schedule(periodMs, () => void tick())
    }
    this.schedule(0, () => void tick())
  }
}
