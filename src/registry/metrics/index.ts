// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, computed on request from the nodes' resource
// figures, as metrics-server (an aggregated API upstream) serves them: get and list only, pods in
// the Running phase with a figure for every container, sorted by namespace and name, carrying
// their pod's labels (so `kubectl top pod -l` selects on them). kubectl top formats the figures itself.
import { errors } from '../../apis/status.js'
import type { StoredObject } from '../../apis/meta.js'
import { metricsGroup, metricsVersion, nodeMetrics, podMetrics, type NodeResourceUsage } from '../../apis/metrics/usage.js'
import { column, nameColumn } from '../columns.js'
import type { ResourceDef, TableDef } from '../types.js'

export interface MetricsSources {
  listPods(namespace: string | undefined): Promise<StoredObject[]>
  getPod(namespace: string, name: string): Promise<StoredObject>
  listNodes(): Promise<StoredObject[]>
  getNode(name: string): Promise<StoredObject>
  /** A node's latest figures, or undefined when it cannot tell (no agent, an agent without them). */
  nodeUsage(nodeName: string): Promise<NodeResourceUsage | undefined>
  clock?: () => Date
}

type Obj = StoredObject & Record<string, unknown>

const table: TableDef = {
  // metrics-server's table (pkg/api/table.go).
  columns: [nameColumn, column('CPU', 'string', 'CPU usage'), column('Memory', 'string', 'Memory usage'), column('Window', 'string', 'Interval from which metrics were collected')],
  cells: (o) => {
    const obj = o as Obj
    const sum = (key: 'cpu' | 'memory') => {
      if (obj.usage) return (obj.usage as Record<string, string>)[key]
      const list = (obj.containers as { usage: Record<string, string> }[]) ?? []
      return list.length === 1 ? list[0].usage[key] : list.map((c) => c.usage[key]).join('+')
    }
    return [obj.metadata.name, sum('cpu'), sum('memory'), obj.window]
  },
}

const noName = () => []
const notFound = (resource: string, name: string) => errors.notFound({ group: metricsGroup, resource }, name)

const phaseOf = (pod: StoredObject) => (pod as { status?: { phase?: string } }).status?.phase
const nodeOf = (pod: StoredObject) => (pod as { spec?: { nodeName?: string } }).spec?.nodeName

export function metricsResources(src: MetricsSources): ResourceDef[] {
  const now = () => (src.clock ?? (() => new Date()))()
  const usageOf = async (node: string) => {
    try {
      return await src.nodeUsage(node)
    } catch {
      return undefined // a node that does not answer has no figures, as metrics-server skips it
    }
  }
  const podsWithUsage = async (pods: StoredObject[]): Promise<StoredObject[]> => {
    const running = pods.filter((p) => phaseOf(p) === 'Running' && nodeOf(p))
    const byNode = new Map<string, NodeResourceUsage | undefined>()
    for (const node of new Set(running.map((p) => nodeOf(p)!))) byNode.set(node, await usageOf(node))
    const out: StoredObject[] = []
    for (const pod of running) {
      const u = byNode.get(nodeOf(pod)!)?.pods.find((x) => x.uid === pod.metadata.uid)
      if (u && u.containers.length) out.push(podMetrics(pod, u, now()))
    }
    return out.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))
  }
  const nodeWithUsage = async (node: StoredObject): Promise<StoredObject | undefined> => {
    const u = (await usageOf(node.metadata.name ?? ""))?.node
    return u ? nodeMetrics(node, u, now()) : undefined
  }
  const nodes: ResourceDef = {
    group: metricsGroup,
    version: metricsVersion,
    kind: 'NodeMetrics',
    resource: 'nodes',
    singular: '',
    namespaced: false,
    verbs: ['get', 'list'],
    nameValidator: noName,
    table,
    computed: {
      list: async () => (await Promise.all((await src.listNodes()).map(nodeWithUsage))).filter((n): n is StoredObject => n !== undefined).sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "")),
      get: async (_ns, name) => {
        const m = await nodeWithUsage(await src.getNode(name))
        if (!m) throw notFound('nodemetrics', name)
        return m
      },
    },
  }
  const pods: ResourceDef = {
    group: metricsGroup,
    version: metricsVersion,
    kind: 'PodMetrics',
    resource: 'pods',
    singular: '',
    namespaced: true,
    verbs: ['get', 'list'],
    nameValidator: noName,
    table,
    computed: {
      list: async (ns) => podsWithUsage(await src.listPods(ns)),
      get: async (ns, name) => {
        const [m] = await podsWithUsage([await src.getPod(ns ?? '', name)])
        if (!m) throw notFound('podmetrics', `${ns}/${name}`)
        return m
      },
    },
  }
  return [nodes, pods]
}
