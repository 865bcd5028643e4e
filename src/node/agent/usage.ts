// The node's resource figures for `kubectl top` and the HorizontalPodAutoscaler (upstream: the
// kubelet's cAdvisor housekeeping and /metrics/resource, scraped by metrics-server every 15 s).
// Every resolution the sampler asks the runtime what each running container has used so far
// (cumulative CPU seconds, resident memory) and keeps the last two samples per container; a figure
// is the CPU rate between them — metrics-server's `window` — and the memory of the newer one, its
// `timestamp`. A container restarted gets a new ID and starts over, so it has a figure again one
// resolution after its first sample (15–30 s after it starts, as with metrics-server).
import type { NodeResourceUsage, UsageSample } from '../../client/node-connection.js'
import type { ContainerHandle, ContainerUsage, Runtime } from '../runtime/types.js'

/** metrics-server's default --metric-resolution. */
export const defaultUsageResolutionMs = 15_000

export interface Sample {
  /** When it was taken, ms since the epoch. */
  at: number
  cpuSeconds: number
  memoryBytes: number
}

/** The usage over the window between two samples of one counter (undefined: no window). */
export function usageBetween(prev: Sample, cur: Sample): UsageSample | undefined {
  const seconds = (cur.at - prev.at) / 1000
  if (!(seconds > 0)) return undefined
  // A counter that went back (a child reaped outside the tree took its time along) reads as idle.
  const cpu = Math.max(0, cur.cpuSeconds - prev.cpuSeconds)
  return {
    timestamp: new Date(cur.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    windowSeconds: Math.round(seconds * 1000) / 1000,
    cpuNanoCores: Math.round((cpu / seconds) * 1e9),
    memoryBytes: Math.max(0, Math.round(cur.memoryBytes)),
  }
}

export interface RunningPod {
  namespace: string
  name: string
  uid: string
  containers: { name: string; handle: ContainerHandle }[]
}

/** This process's own CPU seconds and resident memory (the node's share beyond its pods). */
export function ownUsage(): ContainerUsage {
  const cpu = process.cpuUsage()
  return { cpuSeconds: (cpu.user + cpu.system) / 1e6, memoryBytes: process.memoryUsage.rss() }
}

interface Pair {
  prev?: Sample
  cur: Sample
}

export class UsageSampler {
  /** By container ID. */
  private readonly containers = new Map<string, Pair>()
  private node?: Pair
  private ownCpuSeconds?: number
  private last: RunningPod[] = []

  constructor(
    private readonly runtime: Pick<Runtime, 'measure'>,
    private readonly runningPods: () => RunningPod[],
    private readonly clock: () => Date = () => new Date(),
    private readonly own: () => ContainerUsage = ownUsage,
  ) {}

  /** Takes one sample of every running container and of the node. */
  sample(): void {
    const at = this.clock().getTime()
    const pods = this.runningPods()
    const handles = pods.flatMap((p) => p.containers.map((c) => c.handle))
    const measured = this.runtime.measure?.(handles) ?? handles.map(() => undefined)
    const seen = new Set<string>()
    // The node's CPU counter is a running sum of increments (an exited container's time must not
    // leave it): each container's growth since its last sample, all of a new one's time, and this
    // process's growth.
    let cpuIncrement = 0
    let memoryBytes = 0
    handles.forEach((h, i) => {
      const u = measured[i]
      if (!u) return
      seen.add(h.id)
      const before = this.containers.get(h.id)
      this.containers.set(h.id, { prev: before?.cur, cur: { at, ...u } })
      cpuIncrement += Math.max(0, u.cpuSeconds - (before?.cur.cpuSeconds ?? 0))
      memoryBytes += u.memoryBytes
    })
    for (const id of [...this.containers.keys()]) if (!seen.has(id)) this.containers.delete(id)
    const self = this.own()
    cpuIncrement += Math.max(0, self.cpuSeconds - (this.ownCpuSeconds ?? self.cpuSeconds))
    this.ownCpuSeconds = self.cpuSeconds
    const prevNode = this.node?.cur
    this.node = { prev: prevNode, cur: { at, cpuSeconds: (prevNode?.cpuSeconds ?? 0) + (prevNode ? cpuIncrement : 0), memoryBytes: self.memoryBytes + memoryBytes } }
    this.last = pods
  }

  /** The figures of the last window: the node's and those of pods with one for every running container. */
  usage(): NodeResourceUsage {
    const out: NodeResourceUsage = { pods: [] }
    if (this.node?.prev) out.node = usageBetween(this.node.prev, this.node.cur)
    for (const p of this.last) {
      const containers: ({ name: string } & UsageSample)[] = []
      for (const c of p.containers) {
        const pair = this.containers.get(c.handle.id)
        const u = pair?.prev ? usageBetween(pair.prev, pair.cur) : undefined
        if (!u) {
          containers.length = 0
          break
        }
        containers.push({ name: c.name, ...u })
      }
      if (containers.length) out.pods.push({ namespace: p.namespace, name: p.name, uid: p.uid, containers })
    }
    return out
  }

  /** Samples now and every `intervalMs` until the signal aborts. */
  async start(signal: AbortSignal, intervalMs = defaultUsageResolutionMs): Promise<void> {
    if (signal.aborted) return
    this.sample()
    const timer = setInterval(() => this.sample(), intervalMs)
    timer.unref()
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
    clearInterval(timer)
  }
}
