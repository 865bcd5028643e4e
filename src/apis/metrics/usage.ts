// metrics.k8s.io/v1beta1 (k8s.io/metrics): what a node reports about its resource use and the
// NodeMetrics/PodMetrics objects built from it, as metrics-server serves them.
import type { StoredObject } from '../meta.js'

/** Resource use over one sampling window (metrics-server's `timestamp` and `window`). */
export interface UsageSample {
  /** The end of the window, RFC 3339. */
  timestamp: string
  /** Its length, seconds. */
  windowSeconds: number
  /** Average CPU over the window, nanocores (1e9 = one core busy). */
  cpuNanoCores: number
  /** Working set at the end of the window, bytes. */
  memoryBytes: number
}

export interface PodUsage {
  namespace: string
  name: string
  uid: string
  containers: ({ name: string } & UsageSample)[]
}

export interface NodeResourceUsage {
  /** The whole node (its pods and the agent's own process); undefined until two samples exist. */
  node?: UsageSample
  /** Pods with a figure for every running container. */
  pods: PodUsage[]
}

export const metricsGroup = 'metrics.k8s.io'
export const metricsVersion = 'v1beta1'
const apiVersion = `${metricsGroup}/${metricsVersion}`

/** A CPU quantity from nanocores in resource.Quantity's canonical form: `12345678n`, `250m`, `2`. */
export function cpuQuantity(nanoCores: number): string {
  let n = Math.max(0, Math.round(nanoCores))
  if (n === 0) return '0'
  const suffixes = ['n', 'u', 'm', '']
  let i = 0
  while (i < 3 && n % 1000 === 0) {
    n /= 1000
    i++
  }
  return `${n}${suffixes[i]}`
}

/** A memory quantity in BinarySI's canonical form: `204800Ki`, `3Mi`, or plain bytes. */
export function memoryQuantity(bytes: number): string {
  let n = Math.max(0, Math.round(bytes))
  if (n === 0) return '0'
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti']
  let i = 0
  while (i < 4 && n % 1024 === 0) {
    n /= 1024
    i++
  }
  return `${n}${suffixes[i]}`
}

/** Go's metav1.Duration for a window: `15s`, `14.998s`, `1m0s`. */
export function windowString(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000))
  if (ms === 0) return '0s'
  const m = Math.floor(ms / 60_000)
  const rest = ms % 60_000
  const s = rest % 1000 ? `${Math.floor(rest / 1000)}.${String(rest % 1000).padStart(3, '0').replace(/0+$/, '')}s` : `${rest / 1000}s`
  return m ? `${m}m${s}` : s
}

const usageOf = (u: UsageSample) => ({ cpu: cpuQuantity(u.cpuNanoCores), memory: memoryQuantity(u.memoryBytes) })

/** NodeMetrics for a node (metadata as metrics-server: name, labels, creationTimestamp = now). */
export function nodeMetrics(node: StoredObject, usage: UsageSample, now: Date): StoredObject {
  return {
    apiVersion,
    kind: 'NodeMetrics',
    metadata: { name: node.metadata.name, creationTimestamp: rfc3339(now), ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) },
    timestamp: usage.timestamp,
    window: windowString(usage.windowSeconds),
    usage: usageOf(usage),
  } as StoredObject
}

/** PodMetrics for a pod: one entry per container, in the pod's container order. */
export function podMetrics(pod: StoredObject, usage: PodUsage, now: Date): StoredObject {
  const spec = (pod as { spec?: { containers?: { name: string }[] } }).spec
  const order = (spec?.containers ?? []).map((c) => c.name)
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length)
  const containers = [...usage.containers].sort((a, b) => rank(a.name) - rank(b.name))
  const first = containers[0]
  return {
    apiVersion,
    kind: 'PodMetrics',
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: rfc3339(now), ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}) },
    timestamp: first.timestamp,
    window: windowString(first.windowSeconds),
    containers: containers.map((c) => ({ name: c.name, usage: usageOf(c) })),
  } as StoredObject
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
