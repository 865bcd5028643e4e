// The scheduler: the thin shell around planSchedule. Informers on pods and nodes keep the
// snapshot (what each node already runs) current one event at a time; a work queue of
// unscheduled pods is worked off by planning, "assuming" the pod onto its node in the snapshot at
// once (so the next pod sees it), then POSTing pods/binding. A pod that fits nowhere gets a
// FailedScheduling event and PodScheduled=False/Unschedulable, and waits in an unschedulable set
// until a node or a bound pod changes (upstream's scheduling queue, with its 1 s → 10 s back-off
// and a 5-minute sweep).
import { isDeepStrictEqual } from 'node:util'
import type { Binding, Node, Pod } from 'kubernetes-types/core/v1.js'
import { clone, type StoredObject } from '../../apis/meta.js'
import { isConflict, isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import { gvrs, type InformerFactory } from '../../client/factory.js'
import { objectKey, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { rfc3339 } from '../../lib/duration.js'
import { runWorkers, type Reconciler, type Result, type RunnerLog } from '../runtime/runner.js'
import { planSchedule, type Decision } from './plan.js'
import { Snapshot, podPriority, usageOf } from './snapshot.js'
import type { PodObj } from '../../apis/core/pod.js'
import type { PDB } from '../../apis/policy/pdb.js'
import { annBoundByController, annSelectedNode } from '../../apis/storage.js'
import { disruptionTarget, preemptedEventMessage, preemptionByScheduler, preemptionConditionMessage } from './preemption.js'
import type { ClassObj, VolumeAction, VolumeView } from './volumes.js'
import type { ClaimObj, VolumeObj } from '../volume/plan.js'

export const defaultSchedulerName = 'default-scheduler'

type NodeObj = StoredObject & Node
type StoredClass = StoredObject & ClassObj

const schedulerGVRs = {
  claims: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  volumes: { group: '', version: 'v1', resource: 'persistentvolumes' },
  classes: { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' },
  pdbs: { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' },
} as const

/** How long a bind waits for its pod's claims to be bound (upstream VolumeBindingArgs.bindTimeoutSeconds). */
const volumeBindTimeoutMs = 600_000

export interface SchedulerOptions {
  /**
   * Performs the binding. Default: `create` of the Binding on the pods/binding subresource through
   * the client (the HTTP client's POST .../pods/{name}/binding).
   */
  bind?: (namespace: string, binding: Binding) => Promise<void>
  log?: RunnerLog
  clock?: () => Date
  /** Concurrent bindings in flight (default 4). */
  workers?: number
  /** How long a bind waits for the pod's claims to be bound (default 600 s, as upstream). */
  volumeBindTimeoutMs?: number
}

const initialBackoffMs = 1000
const maxBackoffMs = 10_000
/** Unschedulable pods are retried at least this often (upstream podMaxInUnschedulablePodsDuration). */
const maxUnschedulableMs = 5 * 60_000

interface Waiting {
  attempts: number
  lastTry: number
  /** A cluster change may have made room: retry once the back-off has passed. */
  wake: boolean
}

const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed'

/** Node changes that can make a pod fit (labels, taints, cordon, capacity, readiness); heartbeats cannot. */
function schedulingPropertiesChanged(a: Node, b: Node): boolean {
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status
  return (
    !isDeepStrictEqual(a.metadata?.labels, b.metadata?.labels) ||
    !isDeepStrictEqual(a.spec?.taints, b.spec?.taints) ||
    Boolean(a.spec?.unschedulable) !== Boolean(b.spec?.unschedulable) ||
    !isDeepStrictEqual(a.status?.allocatable, b.status?.allocatable) ||
    ready(a) !== ready(b)
  )
}

/** Binding cycles running at once (upstream's are goroutines; here they share one thread). */
const maxBindsInFlight = 16

export class Scheduler implements Reconciler {
  readonly name = defaultSchedulerName
  private readonly queue = new WorkQueue({ baseDelayMs: initialBackoffMs, maxDelayMs: maxBackoffMs })
  private readonly pods: Informer<PodObj>
  private readonly nodes: Informer<NodeObj>
  private readonly claims: Informer<ClaimObj>
  private readonly volumes: Informer<VolumeObj>
  private readonly classes: Informer<StoredClass>
  private readonly pdbs: Informer<PDB>
  private readonly volumeView: VolumeView
  /** Binds waiting for claims to be bound: woken on every claim change. */
  private readonly claimWaiters = new Set<() => void>()
  private readonly snapshot = new Snapshot()
  /** Pods with a binding in flight: counted on their node already, not to be planned again. */
  private readonly assumed = new Set<string>()
  private bindsInFlight = 0
  private readonly bindSlots: (() => void)[] = []
  private readonly waiting = new Map<string, Waiting>()
  private readonly recorder: EventRecorder
  private readonly clock: () => Date
  private readonly bindFn: (namespace: string, binding: Binding) => Promise<void>
  private flushTimer: NodeJS.Timeout | undefined
  private flushAt = Infinity
  /** Bumped on every cluster change that may free room (see reconcile). */
  private changes = 0

  /** `client` writes (bindings, status, events) as the scheduler; pods and nodes come from `informers`. */
  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.recorder = new EventRecorder(client, { component: defaultSchedulerName }, this.clock, (err) => opts.log?.error({ err }, 'scheduler event'))
    const podsClient = client.resource<PodObj>(gvrs.pods)
    this.bindFn =
      opts.bind ??
      (async (ns, binding) => {
        await podsClient.create(ns, binding as never, { subresource: 'binding' })
      })
    this.pods = informers.informer<PodObj>(gvrs.pods)
    this.nodes = informers.informer<NodeObj>(gvrs.nodes)
    this.pods.on({
      add: (p) => this.observePod(p),
      update: (old, p) => this.observePod(p, old),
      delete: (p) => this.forgetPod(p),
    })
    this.nodes.on({
      add: (n) => {
        this.snapshot.setNode(n)
        this.wakeAll()
      },
      update: (old, n) => {
        this.snapshot.setNode(n)
        if (schedulingPropertiesChanged(old, n)) this.wakeAll()
      },
      delete: (n) => this.snapshot.removeNode(n.metadata.name!),
    })
    this.claims = informers.informer<ClaimObj>(schedulerGVRs.claims)
    this.volumes = informers.informer<VolumeObj>(schedulerGVRs.volumes)
    this.classes = informers.informer<StoredClass>(schedulerGVRs.classes)
    this.pdbs = informers.informer<PDB>(schedulerGVRs.pdbs)
    // A claim bound, a volume made or freed, a class added: a pod waiting on its volumes may fit now.
    const volumeChange = () => {
      for (const w of [...this.claimWaiters]) w()
      this.wakeAll()
    }
    this.claims.on({ add: volumeChange, update: volumeChange, delete: volumeChange })
    this.volumes.on({ add: volumeChange, update: volumeChange, delete: volumeChange })
    this.classes.on({ add: volumeChange, update: volumeChange })
    this.volumeView = {
      claim: (ns, name) => this.claims.get(ns, name),
      volume: (name) => this.volumes.get(undefined, name),
      storageClass: (name) => this.classes.get(undefined, name),
      volumes: () => this.volumes.list(),
    }
  }

  /** Runs until the signal aborts; the informers are started by the factory's owner. */
  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.pods.waitForSync(), this.nodes.waitForSync(), this.claims.waitForSync(), this.volumes.waitForSync(), this.classes.waitForSync(), this.pdbs.waitForSync()])
    const sweep = setInterval(() => this.sweep(), 30_000)
    sweep.unref?.()
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(sweep)
        if (this.flushTimer) clearTimeout(this.flushTimer)
      },
      { once: true },
    )
    await runWorkers(this.queue, this, this.opts.workers ?? 4, signal, this.opts.log)
  }

  /** Resolves once the events recorded so far are written (tests). */
  flushEvents(): Promise<void> {
    return this.recorder.flush()
  }

  // ---- informer events ------------------------------------------------------------------------

  private isOurs(p: Pod): boolean {
    return (p.spec?.schedulerName ?? defaultSchedulerName) === defaultSchedulerName
  }

  private observePod(p: PodObj, old?: PodObj): void {
    const key = objectKey(p)
    const nodeName = p.spec?.nodeName
    const nominated = !nodeName && !p.metadata.deletionTimestamp && !isTerminal(p) ? p.status?.nominatedNodeName : undefined
    if (nominated) this.snapshot.setNominated(key, { node: nominated, priority: podPriority(p), usage: usageOf(p, nominated) })
    else if (this.snapshot.nominatedNode(key)) this.snapshot.setNominated(key, undefined)
    if (nodeName) {
      this.assumed.delete(key)
      this.waiting.delete(key)
      if (isTerminal(p)) {
        if (this.snapshot.hasPod(key)) {
          this.snapshot.setPod(key, undefined)
          this.wakeAll()
        }
      } else if (this.snapshot.podNode(key) !== nodeName) {
        this.snapshot.setPod(key, usageOf(p, nodeName))
      } else this.snapshot.refreshPod(key, p)
      return
    }
    if (this.assumed.has(key) || !this.isOurs(p) || p.metadata.deletionTimestamp || isTerminal(p)) return
    const w = this.waiting.get(key)
    if (w) {
      // Our own status write comes back as an update: only a change the user made retries.
      if (old && (!isDeepStrictEqual(old.spec, p.spec) || !isDeepStrictEqual(old.metadata.labels, p.metadata.labels))) {
        w.wake = true
        this.scheduleFlush(0)
      }
      return
    }
    this.queue.add(key)
  }

  private forgetPod(p: PodObj): void {
    const key = objectKey(p)
    for (const w of [...this.claimWaiters]) w()
    this.snapshot.setNominated(key, undefined)
    this.assumed.delete(key)
    this.waiting.delete(key)
    if (this.snapshot.hasPod(key)) {
      this.snapshot.setPod(key, undefined)
      this.wakeAll()
    }
  }

  // ---- the unschedulable set ------------------------------------------------------------------

  private backoff(attempts: number): number {
    return Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.max(0, attempts - 1))
  }

  private wakeAll(): void {
    this.changes++
    if (this.waiting.size === 0) return
    for (const w of this.waiting.values()) w.wake = true
    this.scheduleFlush(0)
  }

  private scheduleFlush(ms: number): void {
    const at = Date.now() + ms
    if (this.flushTimer && this.flushAt <= at) return
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushAt = at
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      this.flushAt = Infinity
      this.flush()
    }, ms)
    this.flushTimer.unref?.()
  }

  /** Move woken pods whose back-off has passed back to the queue. */
  private flush(): void {
    const now = this.clock().getTime()
    let next = Infinity
    for (const [key, w] of this.waiting) {
      if (!w.wake) continue
      const due = w.lastTry + this.backoff(w.attempts)
      if (due <= now) {
        this.waiting.delete(key)
        this.queue.add(key)
      } else next = Math.min(next, due)
    }
    if (next < Infinity) this.scheduleFlush(next - now)
  }

  private sweep(): void {
    const now = this.clock().getTime()
    let any = false
    for (const w of this.waiting.values()) {
      if (now - w.lastTry >= maxUnschedulableMs) {
        w.wake = true
        any = true
      }
    }
    if (any) this.scheduleFlush(0)
  }

  // ---- reconcile ------------------------------------------------------------------------------

  async reconcile(key: string): Promise<Result | void> {
    const pod = this.pods.getByKey(key)
    if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp || !this.isOurs(pod) || isTerminal(pod)) return
    if ((pod.spec?.schedulingGates ?? []).length > 0 || this.assumed.has(key) || this.waiting.has(key)) return
    const changesBefore = this.changes
    const decision = planSchedule(pod, this.snapshot, { key, volumes: this.volumeView, pdbs: this.pdbs.list() })
    const ns = pod.metadata.namespace ?? 'default'
    const name = pod.metadata.name!
    const ref = { ...pod, apiVersion: 'v1', kind: 'Pod' } as PodObj

    if (decision.type === 'bind') {
      // The pod is assumed on the node at once (the snapshot counts it), and the bind runs on its
      // own, as upstream's binding cycle: the next pod is decided without waiting for the write.
      this.assumed.add(key)
      this.snapshot.setPod(key, usageOf(pod, decision.node))
      const binding: Binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns, uid: pod.metadata.uid }, target: { kind: 'Node', name: decision.node } }
      // At most maxBindsInFlight at once: an unbounded burst of writes would starve the API.
      while (this.bindsInFlight >= maxBindsInFlight) await new Promise<void>((r) => this.bindSlots.push(r))
      this.bindsInFlight++
      void this.bind(key, ref, binding, decision.volumes ?? []).finally(() => {
        this.bindsInFlight--
        this.bindSlots.shift()?.()
      })
      return
    }

    this.recorder.event(ref, 'Warning', 'FailedScheduling', decision.message)
    if (decision.preempt) await this.preempt(ref, decision.preempt)
    const prior = this.waiting.get(key)
    const w: Waiting = { attempts: (prior?.attempts ?? 0) + 1, lastTry: this.clock().getTime(), wake: false }
    this.waiting.set(key, w)
    try {
      await this.setUnschedulable(pod, decision)
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err
    }
    // No nodes at all is an error upstream, retried after the back-off; a change that happened
    // while we were deciding must not be lost either.
    if (decision.reason === 'SchedulerError' || this.changes !== changesBefore) {
      w.wake = true
      this.scheduleFlush(this.backoff(w.attempts))
    }
  }

  /**
   * Evict the victims (upstream Evaluator.PreemptPod): DisruptionTarget=True with reason
   * PreemptionByScheduler on each victim's status, a graceful delete, and a `Preempted` event.
   */
  private async preempt(preemptor: PodObj, p: NonNullable<Extract<Decision, { type: 'unschedulable' }>['preempt']>): Promise<void> {
    const podsApi = this.client.resource<PodObj>(gvrs.pods)
    await Promise.all(
      p.victims.map(async (v) => {
        if (v.metadata?.deletionTimestamp) return
        const ns = v.metadata?.namespace ?? 'default'
        const name = v.metadata?.name ?? ''
        try {
          const live = await podsApi.get(ns, name)
          if (live.metadata.uid !== v.metadata?.uid) return
          const conds = live.status?.conditions ?? []
          const cur = conds.find((c) => c.type === disruptionTarget)
          if (!(cur?.status === 'True' && cur.reason === preemptionByScheduler)) {
            const next = clone(live) as PodObj & { status: Record<string, unknown> }
            const cond = {
              type: disruptionTarget,
              status: 'True',
              lastProbeTime: null as unknown as string,
              lastTransitionTime: rfc3339(this.clock()),
              reason: preemptionByScheduler,
              message: preemptionConditionMessage(preemptor.spec?.schedulerName ?? defaultSchedulerName),
            }
            next.status = { ...(next.status ?? {}), conditions: [...conds.filter((c) => c.type !== disruptionTarget), cond] }
            await podsApi.update(next, { subresource: 'status' })
          }
          await podsApi.delete(ns, name, { preconditions: { uid: live.metadata.uid } })
        } catch (err) {
          if (isNotFound(err)) return
          throw err
        }
        this.recorder.event({ ...(v as PodObj), apiVersion: 'v1', kind: 'Pod' }, 'Normal', 'Preempted', preemptedEventMessage(preemptor.metadata.uid ?? '', p.node))
      }),
    )
    // Pods of lower priority nominated to that node may no longer fit there: their nomination is
    // cleared so they look elsewhere (upstream getLowerPriorityNominatedPods).
    const priority = podPriority(preemptor)
    const lower = this.pods.list((x) => !x.spec?.nodeName && x.status?.nominatedNodeName === p.node && podPriority(x) < priority && x.metadata.uid !== preemptor.metadata.uid)
    for (const x of lower) {
      const next = clone(x) as PodObj & { status: Record<string, unknown> }
      delete next.status.nominatedNodeName
      try {
        await podsApi.update(next, { subresource: 'status' })
      } catch (err) {
        // Not critical, as upstream: the pod's next attempt re-nominates or clears it.
        if (!isNotFound(err) && !isConflict(err)) this.opts.log?.error({ err, pod: objectKey(x) }, 'clearing a nomination failed')
      }
    }
  }

  /** Resolves when `done()` holds, re-checked on every claim or volume change; rejects after the timeout. */
  private waitForVolumes(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return
        cleanup()
        resolve()
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error('binding volumes: context deadline exceeded'))
      }, this.opts.volumeBindTimeoutMs ?? volumeBindTimeoutMs)
      timer.unref?.()
      const cleanup = () => {
        clearTimeout(timer)
        this.claimWaiters.delete(check)
      }
      this.claimWaiters.add(check)
    })
  }

  /**
   * PreBind of VolumeBinding: a static volume gets the claim in its claimRef, a claim to provision
   * gets the selected node; then the pod waits until every claim it mounts is bound.
   */
  private async bindVolumes(pod: PodObj, actions: VolumeAction[]): Promise<void> {
    for (const a of actions) {
      if (a.kind === 'bindVolume') {
        const v = this.volumes.get(undefined, a.volume)
        const c = this.claims.get(a.namespace, a.claim)
        if (!v || !c) throw new Error(`binding volumes: volume ${a.volume} or claim ${a.namespace}/${a.claim} is gone`)
        const next = clone(v)
        next.spec = { ...next.spec, claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: a.namespace, name: a.claim, uid: c.metadata.uid, resourceVersion: c.metadata.resourceVersion } }
        next.metadata.annotations = { ...next.metadata.annotations, [annBoundByController]: 'yes' }
        await this.client.resource<VolumeObj>(schedulerGVRs.volumes).update(next)
      } else {
        const c = this.claims.get(a.namespace, a.claim)
        if (!c) throw new Error(`binding volumes: persistentvolumeclaim "${a.claim}" not found`)
        const next = clone(c)
        next.metadata.annotations = { ...next.metadata.annotations, [annSelectedNode]: a.node }
        await this.client.resource<ClaimObj>(schedulerGVRs.claims).update(next)
      }
    }
    const ns = pod.metadata.namespace ?? 'default'
    const names = actions.map((a) => a.claim)
    // Done when every claim is bound, or the pod is gone (the bind then fails NotFound and stops).
    const gone = () => this.pods.getByKey(objectKey(pod))?.metadata.uid !== pod.metadata.uid
    if (names.length) await this.waitForVolumes(() => gone() || names.every((n) => Boolean(this.claims.get(ns, n)?.spec?.volumeName)))
  }

  /** The binding cycle of one assumed pod; a failure un-assumes it and retries with back-off. */
  private async bind(key: string, ref: PodObj, binding: Binding, volumes: VolumeAction[]): Promise<void> {
    const ns = binding.metadata!.namespace!
    try {
      if (volumes.length) await this.bindVolumes(ref, volumes)
      await this.bindFn(ns, binding)
    } catch (err) {
      this.assumed.delete(key)
      // Unless the informer has meanwhile seen the pod bound (by us or anyone), take it back off the node.
      if (!this.pods.getByKey(key)?.spec?.nodeName) this.snapshot.setPod(key, undefined)
      if (isNotFound(err) || isConflict(err)) return // gone, deleting, or bound elsewhere: the informer will tell
      this.recorder.event(ref, 'Warning', 'FailedScheduling', `binding rejected: ${(err as Error).message ?? String(err)}`)
      this.opts.log?.error({ err, pod: key }, 'binding failed; will retry')
      this.queue.addRateLimited(key)
      return
    }
    this.recorder.event(ref, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${binding.metadata!.name} to ${binding.target!.name}`)
  }

  /** PodScheduled=False with the reason and message (and the nominated node), written only when they change. */
  private async setUnschedulable(pod: PodObj, d: Extract<Decision, { type: 'unschedulable' }>): Promise<void> {
    const { reason, message } = d
    const conds = pod.status?.conditions ?? []
    const cur = conds.find((c) => c.type === 'PodScheduled')
    const nominate = d.nominatedNodeName !== undefined && d.nominatedNodeName !== (pod.status?.nominatedNodeName ?? '')
    if (cur && cur.status === 'False' && cur.reason === reason && cur.message === message && !nominate) return
    const next = clone(pod) as PodObj & { status: Record<string, unknown> }
    next.status = (next.status ?? {}) as Record<string, unknown>
    const status = next.status
    const cond = {
      type: 'PodScheduled',
      status: 'False',
      lastProbeTime: null as unknown as string,
      lastTransitionTime: cur && cur.status === 'False' && cur.lastTransitionTime ? cur.lastTransitionTime : rfc3339(this.clock()),
      reason,
      message,
    }
    status.conditions = cur ? conds.map((c) => (c.type === 'PodScheduled' ? cond : c)) : [...conds, cond]
    if (d.nominatedNodeName) status.nominatedNodeName = d.nominatedNodeName
    else if (d.nominatedNodeName === '') delete status.nominatedNodeName
    await this.client.resource<PodObj>(gvrs.pods).update(next, { subresource: 'status' })
  }
}
