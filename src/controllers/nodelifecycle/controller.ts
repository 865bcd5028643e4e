// The node lifecycle controller (upstream pkg/controller/nodelifecycle), three passes over the nodes:
// - NoSchedule (per node, on every change): cordon and conditions → their NoSchedule taints (plan.ts);
// - health (every --node-monitor-period, 5 s): a node whose kubelet stopped renewing its Lease and
//   posting status for --node-monitor-grace-period gets its conditions set Unknown, its pods
//   Ready=False (so Endpoints drop them), and is queued for the NoExecute taint of its Ready
//   condition (health.ts);
// - NoExecute tainting (every second): queued nodes get `node.kubernetes.io/unreachable` (Ready
//   Unknown) or `not-ready` (Ready False) NoExecute, at --node-eviction-rate (0.1/s: one node every
//   10 s) per zone, none while a whole zone is down. The taint eviction controller
//   (controllers/tainteviction) then evicts the pods that do not tolerate it.
import type { Lease } from 'kubernetes-types/coordination/v1.js'
import type { Node, Pod } from 'kubernetes-types/core/v1.js'
import type { StoredObject } from '../../apis/meta.js'
import { isConflict, isNotFound } from '../../client/errors.js'
import { EventRecorder } from '../../client/events.js'
import type { InformerFactory } from '../../client/factory.js'
import { gvrs } from '../../client/factory.js'
import { byNodeName, nodeNameIndex, objectKey, type Informer } from '../../client/informer.js'
import type { Client } from '../../client/types.js'
import { WorkQueue } from '../../client/workqueue.js'
import { sleepUnlessAborted } from '../../lib/clock.js'
import { runWorkers, type ControllerOptions, type Reconciler } from '../runtime/runner.js'
import {
  computeNodeHealth,
  computeZoneState,
  defaultNodeMonitorGracePeriodMs,
  defaultNodeMonitorPeriodMs,
  defaultNodeStartupGracePeriodMs,
  evictionLimiterQPS,
  excludedFromDisruption,
  hasNoExecuteTaint,
  notReadyTaintKey,
  planNoExecuteTaint,
  planPodNotReady,
  planTaintBasedEviction,
  swapNoExecuteTaints,
  takeToken,
  unreachableTaintKey,
  zoneEvictionQPS,
  zoneKey,
  type NodeHealth,
  type ZoneState,
} from './health.js'
import { planNoScheduleTaints } from './plan.js'

type NodeObj = StoredObject & Node
type PodObj = StoredObject & Pod
type LeaseObj = StoredObject & Lease

export const nodeControllerComponent = 'node-controller'
const leasesGVR = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' }
const nodeLeaseNamespace = 'kube-node-lease'
/** How often queued nodes are tainted (upstream's NodeEvictionPeriod is 100 ms; the rate limit is what counts). */
const taintingPeriodMs = 1000

export interface NodeLifecycleOptions extends ControllerOptions, NodeMonitorOptions {}

export interface NodeMonitorOptions {
  /** --node-monitor-period (default 5 s). */
  monitorPeriodMs?: number
  /** --node-monitor-grace-period (default 50 s). */
  monitorGracePeriodMs?: number
  /** --node-startup-grace-period (default 60 s). */
  startupGracePeriodMs?: number
}

interface Zone {
  state: ZoneState
  qps: number
  lastToken?: number
  /** Nodes waiting for their NoExecute taint, in order (name → uid). */
  queue: Map<string, string>
}

export class NodeLifecycleController implements Reconciler {
  readonly name = 'node-lifecycle-controller'
  private readonly queue = new WorkQueue()
  private readonly nodes: Informer<NodeObj>
  private readonly pods: Informer<PodObj>
  private readonly leases: Informer<LeaseObj>
  private readonly recorder: EventRecorder
  private readonly clock: () => Date
  private readonly health = new Map<string, NodeHealth>()
  private readonly known = new Map<string, NodeObj>()
  private readonly zones = new Map<string, Zone>()
  /** Nodes whose pods still need marking not ready (a failed MarkPodsNotReady). */
  private readonly retry = new Set<string>()
  private readonly period: number
  private readonly grace: number
  private readonly startupGrace: number

  constructor(
    private readonly client: Client,
    informers: InformerFactory,
    private readonly opts: NodeLifecycleOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date())
    this.period = opts.monitorPeriodMs ?? defaultNodeMonitorPeriodMs
    this.grace = opts.monitorGracePeriodMs ?? defaultNodeMonitorGracePeriodMs
    this.startupGrace = opts.startupGracePeriodMs ?? defaultNodeStartupGracePeriodMs
    this.recorder = new EventRecorder(client, { component: nodeControllerComponent }, this.clock, (err) => opts.log?.error({ err }, 'node lifecycle event'))
    this.nodes = informers.informer<NodeObj>(gvrs.nodes)
    this.pods = informers.informer<PodObj>(gvrs.pods).addIndex(nodeNameIndex, byNodeName)
    this.leases = informers.informer<LeaseObj>(leasesGVR)
    const enqueue = (n: NodeObj) => {
      if (planNoScheduleTaints(n)) this.queue.add(objectKey(n))
    }
    this.nodes.on({ add: enqueue, update: (_, n) => enqueue(n) })
    // A pod bound to a node that is not Ready is marked not ready at once (upstream processPod).
    this.pods.on({
      add: (p) => this.podAssigned(p),
      update: (old, p) => {
        if (p.spec?.nodeName !== old.spec?.nodeName) this.podAssigned(p)
      },
    })
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.nodes.waitForSync(), this.pods.waitForSync(), this.leases.waitForSync()])
    await Promise.all([runWorkers(this.queue, this, 1, signal, this.opts.log), this.every(this.period, signal, () => this.monitorNodeHealth()), this.every(taintingPeriodMs, signal, () => this.taintingPass())])
  }

  private async every(ms: number, signal: AbortSignal, pass: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      try {
        await pass()
      } catch (err) {
        if (!signal.aborted) this.opts.log?.error({ err, controller: this.name }, 'node lifecycle pass failed')
      }
      await sleepUnlessAborted(ms, signal)
    }
  }

  /** The NoSchedule pass for one node (doNoScheduleTaintingPass). */
  async reconcile(key: string): Promise<void> {
    const node = this.nodes.getByKey(key)
    if (!node) return
    const taints = planNoScheduleTaints(node)
    if (!taints) return
    // A 409 (the node changed meanwhile: its agent posts status often) requeues quietly.
    try {
      await this.client.resource<NodeObj>(gvrs.nodes).update({ ...node, spec: { ...node.spec, taints } })
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }

  private now(): number {
    return this.clock().getTime()
  }

  private nodeRef(node: NodeObj): NodeObj {
    return { ...node, apiVersion: 'v1', kind: 'Node' }
  }

  // ---- health ------------------------------------------------------------------------------

  /** monitorNodeHealth: one pass over every node. */
  async monitorNodeHealth(): Promise<void> {
    const nodes = this.nodes.list()
    const seen = new Set(nodes.map((n) => n.metadata.name!))
    for (const node of nodes) {
      const name = node.metadata.name!
      this.zoneOf(node)
      if (!this.known.has(name)) {
        this.known.set(name, node)
        this.recorder.event(this.nodeRef(node), 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`)
        await this.markReachable(node).catch((err) => this.opts.log?.error({ err, node: name }, 'removing NoExecute taints failed'))
      }
    }
    for (const [name, node] of this.known) {
      if (seen.has(name)) continue
      this.known.delete(name)
      this.health.delete(name)
      this.retry.delete(name)
      for (const z of this.zones.values()) z.queue.delete(name)
      this.recorder.event(this.nodeRef(node), 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`)
    }

    const byZone = new Map<string, (ReturnType<typeof computeNodeHealth>['currentReady'])[]>()
    for (const cached of nodes) {
      let node = cached
      let result: ReturnType<typeof computeNodeHealth> | undefined
      // A conflict (the kubelet posted meanwhile) is retried on the fresh node, as upstream's 5 tries.
      for (let attempt = 0; attempt < 5 && !result; attempt++) {
        result = await this.updateNodeHealth(node).catch(async (err) => {
          if (!isConflict(err)) throw err
          node = (await this.client.resource<NodeObj>(gvrs.nodes).get(undefined, node.metadata.name!)) as NodeObj
          return undefined
        })
      }
      if (!result) continue
      const { observedReady, currentReady } = result
      if (!excludedFromDisruption(node)) {
        const z = zoneKey(node)
        byZone.set(z, [...(byZone.get(z) ?? []), currentReady])
      }
      if (!currentReady) continue
      await this.taintBasedEviction(node, observedReady).catch((err) => this.opts.log?.error({ err, node: node.metadata.name }, 'NoExecute taint failed; next pass retries'))
      const name = node.metadata.name!
      const transition = currentReady.status !== 'True' && observedReady.status === 'True'
      if (transition) this.recorder.event(this.nodeRef(node), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`)
      if (transition || (this.retry.has(name) && observedReady.status !== 'True')) {
        try {
          await this.markPodsNotReady(name)
        } catch (err) {
          this.opts.log?.error({ err, node: name }, 'marking pods not ready failed; queued for retry')
          this.retry.add(name)
          continue
        }
      }
      this.retry.delete(name)
    }
    await this.handleDisruption(byZone, nodes)
  }

  /** tryUpdateNodeHealth: judge, write Unknown conditions when due, remember. */
  private async updateNodeHealth(node: NodeObj) {
    const name = node.metadata.name!
    const lease = this.leases.get(nodeLeaseNamespace, name)
    const result = computeNodeHealth({
      node,
      leaseRenewTime: lease?.spec?.renewTime ?? undefined,
      saved: this.health.get(name),
      now: this.now(),
      gracePeriodMs: this.grace,
      startupGracePeriodMs: this.startupGrace,
    })
    if (result.conditions) {
      await this.client.resource<NodeObj>(gvrs.nodes).update(structuredClone({ ...node, status: { ...node.status, conditions: result.conditions } }), { subresource: 'status' })
    }
    this.health.set(name, result.health)
    return result
  }

  /** MarkPodsNotReady: every pod on the node with Ready=True gets Ready=False, and a NodeNotReady event. */
  private async markPodsNotReady(nodeName: string, only?: PodObj[]): Promise<void> {
    const errs: unknown[] = []
    for (const pod of only ?? this.pods.byIndex(nodeNameIndex, nodeName)) {
      const conditions = planPodNotReady(pod, nodeName, this.now())
      if (!conditions) continue
      try {
        // A copy: the cached pod is frozen, and decoding the write normalizes it in place.
        await this.client.resource<PodObj>(gvrs.pods).update(structuredClone({ ...pod, status: { ...pod.status, conditions } }), { subresource: 'status' })
        this.recorder.event({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'NodeNotReady', 'Node is not ready')
      } catch (err) {
        if (!isNotFound(err)) errs.push(err)
      }
    }
    if (errs.length) throw errs[0]
  }

  private podAssigned(pod: PodObj): void {
    const nodeName = pod.spec?.nodeName
    if (!nodeName) return
    const ready = this.health.get(nodeName)?.ready
    if (!ready || ready.status === 'True') return
    void this.markPodsNotReady(nodeName, [pod]).catch(() => this.retry.add(nodeName))
  }

  // ---- NoExecute taints --------------------------------------------------------------------

  private zoneOf(node: Node): Zone {
    const key = zoneKey(node)
    let z = this.zones.get(key)
    if (!z) this.zones.set(key, (z = { state: 'Initial', qps: evictionLimiterQPS, queue: new Map() }))
    return z
  }

  /** processTaintBaseEviction. */
  private async taintBasedEviction(node: NodeObj, observedReady: Parameters<typeof planTaintBasedEviction>[1]): Promise<void> {
    const decision = planTaintBasedEviction(node, observedReady)
    if (!decision) return
    const name = node.metadata.name!
    const zone = this.zoneOf(node)
    switch (decision.kind) {
      case 'swap':
        await this.swapTaints(node, decision.add, [decision.remove])
        return
      case 'queue': {
        // markNodeForTainting: a node not yet carrying its taint goes to the back of the queue afresh.
        const key = decision.status === 'False' ? notReadyTaintKey : unreachableTaintKey
        if (!hasNoExecuteTaint(node, key)) zone.queue.delete(name)
        if (!zone.queue.has(name)) zone.queue.set(name, node.metadata.uid ?? '')
        return
      }
      case 'reachable':
        await this.markReachable(node)
    }
  }

  /** markNodeAsReachable: both NoExecute taints off, out of the tainting queue. */
  private async markReachable(node: NodeObj): Promise<void> {
    await this.swapTaints(node, undefined, [unreachableTaintKey, notReadyTaintKey])
    this.zoneOf(node).queue.delete(node.metadata.name!)
  }

  /** SwapNodeControllerTaint: NoExecute `add` on (stamped now), `remove` off, on the latest node. */
  private async swapTaints(node: NodeObj, add: string | undefined, remove: string[]): Promise<void> {
    // Read-modify-write: the kubelet and the NoSchedule pass write the node too.
    const nodes = this.client.resource<NodeObj>(gvrs.nodes)
    for (let attempt = 0; ; attempt++) {
      const latest = attempt === 0 ? node : await nodes.get(undefined, node.metadata.name!)
      const taints = swapNoExecuteTaints(latest, add, remove, this.now())
      if (!taints) return
      try {
        await nodes.update(structuredClone({ ...latest, spec: { ...latest.spec, taints } }))
        return
      } catch (err) {
        if (isNotFound(err)) return
        if (!isConflict(err) || attempt >= 4) throw err
      }
    }
  }

  /** doNoExecuteTaintingPass: queued nodes get their NoExecute taint, as the zone's rate allows. */
  async taintingPass(): Promise<void> {
    for (const zone of this.zones.values()) {
      for (const [name, uid] of [...zone.queue]) {
        const node = this.nodes.get(undefined, name)
        if (!node || (uid && node.metadata.uid !== uid)) {
          zone.queue.delete(name)
          continue
        }
        if (!takeToken(zone.lastToken, zone.qps, this.now())) break
        zone.lastToken = this.now()
        const plan = planNoExecuteTaint(node)
        if (plan) {
          try {
            await this.swapTaints(node, plan.add, [plan.remove])
          } catch (err) {
            this.opts.log?.error({ err, node: name }, 'NoExecute taint failed; retrying')
            continue
          }
        }
        zone.queue.delete(name)
      }
    }
  }

  /** handleDisruption: zone states, their tainting rates, and the all-zones-down rule. */
  private async handleDisruption(byZone: Map<string, (ReturnType<typeof computeNodeHealth>['currentReady'])[]>, nodes: NodeObj[]): Promise<void> {
    const next = new Map<string, ZoneState>()
    for (const [k, conditions] of byZone) next.set(k, computeZoneState(conditions).state)
    for (const k of [...this.zones.keys()]) if (!byZone.has(k) && this.zones.get(k)!.queue.size === 0) this.zones.delete(k)
    const allNow = next.size > 0 && [...next.values()].every((s) => s === 'FullDisruption')
    const allBefore = [...this.zones.keys()].every((k) => this.zones.get(k)!.state === 'FullDisruption')
    if (allNow && allBefore) return
    if (allNow) {
      // Every node is unreachable: the control plane is more likely the one cut off. Evict nothing.
      this.opts.log?.error({ controller: this.name }, 'Controller detected that all Nodes are not-Ready. Entering master disruption mode')
      for (const n of nodes) await this.markReachable(n).catch((err) => this.opts.log?.error({ err, node: n.metadata.name }, 'removing NoExecute taints failed'))
      for (const z of this.zones.values()) Object.assign(z, { qps: 0, state: 'FullDisruption' })
      return
    }
    if (allBefore && this.zones.size > 0) {
      // Back from it: every node gets a fresh grace period.
      const now = this.now()
      for (const [name, h] of this.health) this.health.set(name, { ...h, probeTimestamp: now, readyTransitionTimestamp: now })
    }
    for (const [k, state] of next) {
      const z = this.zones.get(k)
      if (!z || (z.state === state && !allBefore)) continue
      z.state = state
      z.qps = zoneEvictionQPS(state, byZone.get(k)!.length)
    }
  }
}
