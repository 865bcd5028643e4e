// The Node object the agent registers and its status (upstream kubelet_node_status.go and
// nodestatus/setters.go): labels, capacity/allocatable, addresses, conditions, nodeInfo. Pure.
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js'
import { wellKnown } from '../../apis/meta.js'
import { rfc3339 } from '../../lib/duration.js'

export const kubeletVersion = 'v1.32.4+kubelite'

export interface HostInfo {
  hostname: string
  cpus: number
  memoryBytes: number
  /** Capacity of the file system holding the agent's data (ephemeral-storage). */
  diskBytes: number
  osImage: string
  kernelVersion: string
  /** Go's GOARCH: amd64, arm64... */
  architecture: string
  machineID: string
  systemUUID: string
  bootID: string
}

export interface NodeSpecInput {
  name: string
  address: string
  /** Empty: the node registers without one and node IPAM assigns it (an agent that joined). */
  podCIDR: string
  /** Where the agent serves the API server (status.daemonEndpoints; default 10250). */
  kubeletPort?: number
  controlPlane: boolean
  maxPods: number
  containerRuntimeVersion: string
  host: HostInfo
}

/** Node.js's process.arch → Go's GOARCH. */
export function goArch(arch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[arch] ?? arch
}

export function nodeLabels(n: NodeSpecInput): Record<string, string> {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': n.host.architecture,
    'beta.kubernetes.io/os': 'linux',
    [wellKnown.arch]: n.host.architecture,
    [wellKnown.hostname]: n.name,
    [wellKnown.os]: 'linux',
  }
  if (n.controlPlane) {
    labels[wellKnown.controlPlaneRole] = ''
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = ''
  }
  return labels
}

const ki = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`

/** Capacity and allocatable as the kubelet reports them (hard eviction: memory 100Mi, nodefs 10%). */
export function nodeResources(n: NodeSpecInput): Pick<NodeStatus, 'capacity' | 'allocatable'> {
  const capacity = {
    cpu: String(n.host.cpus),
    'ephemeral-storage': ki(n.host.diskBytes),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: ki(n.host.memoryBytes),
    pods: String(n.maxPods),
  }
  const allocatable = {
    ...capacity,
    'ephemeral-storage': String(Math.floor(n.host.diskBytes * 0.9)),
    memory: ki(Math.max(0, n.host.memoryBytes - 100 * 1024 * 1024)),
  }
  return { capacity, allocatable }
}

type Health = { memoryPressure?: boolean; diskPressure?: boolean; pidPressure?: boolean; ready: boolean; notReadyMessage?: string }

/** The four kubelet conditions in upstream order, with their reasons and messages. */
export function nodeConditions(h: Health, now: Date, old: NodeCondition[] = []): NodeCondition[] {
  const mk = (type: string, bad: boolean, trueReason: string, trueMsg: string, falseReason: string, falseMsg: string, badIsTrue: boolean): NodeCondition => {
    const status = badIsTrue ? (bad ? 'True' : 'False') : bad ? 'False' : 'True'
    const [reason, message] = bad ? [trueReason, trueMsg] : [falseReason, falseMsg]
    const prev = old.find((c) => c.type === type)
    return {
      type,
      status,
      lastHeartbeatTime: rfc3339(now),
      lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
      reason,
      message,
    }
  }
  return [
    mk('MemoryPressure', !!h.memoryPressure, 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', true),
    mk('DiskPressure', !!h.diskPressure, 'KubeletHasDiskPressure', 'kubelet has disk pressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', true),
    mk('PIDPressure', !!h.pidPressure, 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', true),
    mk('Ready', !h.ready, 'KubeletNotReady', h.notReadyMessage ?? 'container runtime is down', 'KubeletReady', 'kubelet is posting ready status', false),
  ]
}

export function nodeStatus(n: NodeSpecInput, health: Health, now: Date, old?: NodeStatus): NodeStatus {
  return {
    ...nodeResources(n),
    conditions: nodeConditions(health, now, old?.conditions),
    addresses: [
      { type: 'InternalIP', address: n.address },
      { type: 'Hostname', address: n.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: n.kubeletPort ?? 10250 } },
    nodeInfo: {
      machineID: n.host.machineID,
      systemUUID: n.host.systemUUID,
      bootID: n.host.bootID,
      kernelVersion: n.host.kernelVersion,
      osImage: n.host.osImage,
      containerRuntimeVersion: n.containerRuntimeVersion,
      kubeletVersion,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: n.host.architecture,
    },
  }
}

/** The Node to create on first registration. */
export function newNode(n: NodeSpecInput, health: Health, now: Date): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      labels: nodeLabels(n),
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: n.podCIDR ? { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] } : {},
    status: nodeStatus(n, health, now),
  }
}

/** Whether two statuses differ in more than heartbeat times (upstream posts those only every 5 min). */
export function statusChanged(a: NodeStatus | undefined, b: NodeStatus): boolean {
  const strip = (s: NodeStatus | undefined) => JSON.stringify({ ...s, conditions: (s?.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: undefined })) })
  return strip(a) !== strip(b)
}
