// The controllers' work-queue metrics on /metrics, under client-go's names and label
// (k8s.io/component-base/metrics/prometheus/workqueue): workqueue_depth, workqueue_adds_total,
// workqueue_queue_duration_seconds, workqueue_work_duration_seconds and workqueue_retries_total,
// each by `name` (the queue's: the controller's name). The glue between client/workqueue.ts's
// provider hook and prom-client lives here, so controllers/ and client/ know nothing of prom-client.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { setWorkQueueMetricsProvider, workQueueMetricsProvider, type WorkQueueMetricsProvider } from '../client/workqueue.js'

/** client-go's buckets for both durations: prometheus.ExponentialBuckets(10e-9, 10, 10), 10 ns … 10 s. */
export const workQueueBuckets = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]

/** A provider that reports every named queue to `registry`. */
export function promWorkQueueMetrics(registry: Registry): WorkQueueMetricsProvider {
  const registers = [registry]
  const labelNames = ['name'] as const
  const depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames, registers })
  const adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames, registers })
  const latency = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested.',
    labelNames,
    buckets: workQueueBuckets,
    registers,
  })
  const work = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes.',
    labelNames,
    buckets: workQueueBuckets,
    registers,
  })
  const retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames, registers })
  // A queue's series appear, zeroed, when it is named (client-go makes them with the queue); a
  // second queue of the same name adds to the first one's instead of zeroing them.
  const seen = new Set<string>()
  const zero = (name: string) => {
    if (seen.has(name)) return
    seen.add(name)
    for (const m of [depth, adds, retries]) m.inc({ name }, 0)
    for (const h of [latency, work]) h.zero({ name })
  }
  return {
    depth: (name) => {
      zero(name)
      const g = depth.labels({ name })
      return (delta) => (delta > 0 ? g.inc() : g.dec())
    },
    adds: (name) => {
      zero(name)
      const c = adds.labels({ name })
      return () => c.inc()
    },
    retries: (name) => {
      zero(name)
      const c = retries.labels({ name })
      return () => c.inc()
    },
    queueDuration: (name) => {
      zero(name)
      const h = latency.labels({ name })
      return (s) => h.observe(s)
    },
    workDuration: (name) => {
      zero(name)
      const h = work.labels({ name })
      return (s) => h.observe(s)
    },
  }
}

/** Every method of each provider, called in turn. */
function both(a: WorkQueueMetricsProvider, b: WorkQueueMetricsProvider): WorkQueueMetricsProvider {
  type Observer<T extends unknown[]> = ((...args: T) => void) | undefined
  const pair =
    <T extends unknown[]>(x: Observer<T>, y: Observer<T>) =>
    (...args: T) => {
      x?.(...args)
      y?.(...args)
    }
  return {
    depth: (n) => pair(a.depth?.(n), b.depth?.(n)),
    adds: (n) => pair(a.adds?.(n), b.adds?.(n)),
    retries: (n) => pair(a.retries?.(n), b.retries?.(n)),
    queueDuration: (n) => pair(a.queueDuration(n), b.queueDuration(n)),
    workDuration: (n) => pair(a.workDuration?.(n), b.workDuration?.(n)),
  }
}

/** Providers installed here → the provider that was there before (someone else's, kept fed). */
const installed = new WeakMap<WorkQueueMetricsProvider, WorkQueueMetricsProvider | undefined>()

/**
 * Queues made from now on report to `registry` too. A provider someone else set before (a profiler
 * preloaded with `node --import`) keeps getting everything; one installed here for an earlier
 * cluster of the same process is replaced, not chained. Returns the uninstall (for close).
 */
export function installWorkQueueMetrics(registry: Registry): () => void {
  const current = workQueueMetricsProvider()
  const before = current && installed.has(current) ? installed.get(current) : current
  const mine = promWorkQueueMetrics(registry)
  const provider = before ? both(before, mine) : mine
  installed.set(provider, before)
  setWorkQueueMetricsProvider(provider)
  return () => {
    if (workQueueMetricsProvider() === provider) setWorkQueueMetricsProvider(before)
  }
}
