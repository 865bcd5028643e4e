import { test } from 'node:test'
import assert from 'node:assert/strict'
import { prettyName } from './host-info.js'
import { goArch, newNode, nodeConditions, nodeStatus, statusChanged, type NodeSpecInput } from './node-status.js'

const input: NodeSpecInput = {
  name: 'kubelite',
  address: '127.0.0.1',
  podCIDR: '127.244.0.0/24',
  controlPlane: true,
  maxPods: 110,
  containerRuntimeVersion: 'kubelite://0.1.0',
  host: {
    hostname: 'box',
    cpus: 2,
    memoryBytes: 4 * 1024 ** 3,
    diskBytes: 100 * 1024 ** 3,
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    kernelVersion: '6.1.0-18-amd64',
    architecture: 'amd64',
    machineID: 'm',
    systemUUID: 'm',
    bootID: 'b',
  },
}
const t0 = new Date('2026-01-01T00:00:00Z')

test('a new Node looks like a kubelet registration', () => {
  const n = newNode(input, { ready: true }, t0)
  assert.deepEqual(n.metadata!.labels, {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': 'kubelite',
    'kubernetes.io/os': 'linux',
    'node-role.kubernetes.io/control-plane': '',
    'node.kubernetes.io/exclude-from-external-load-balancers': '',
  })
  assert.deepEqual(n.spec, { podCIDR: '127.244.0.0/24', podCIDRs: ['127.244.0.0/24'] })
  const s = n.status!
  assert.deepEqual(s.capacity, { cpu: '2', 'ephemeral-storage': '104857600Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '4194304Ki', pods: '110' })
  assert.equal(s.allocatable!.memory, '4091904Ki')
  assert.deepEqual(s.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'kubelite' }])
  assert.deepEqual(
    s.conditions!.map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
    ],
  )
  assert.equal(s.nodeInfo!.kubeletVersion, 'v1.32.4+kubelite')
  assert.equal(s.nodeInfo!.osImage, 'Debian GNU/Linux 12 (bookworm)')
  assert.equal(newNode({ ...input, controlPlane: false }, { ready: true }, t0).metadata!.labels!['node-role.kubernetes.io/control-plane'], undefined)
})

test('conditions keep lastTransitionTime, heartbeat-only changes are not status changes', () => {
  const t1 = new Date('2026-01-01T00:00:10Z')
  const first = nodeStatus(input, { ready: true }, t0)
  const second = nodeStatus(input, { ready: true }, t1, first)
  assert.equal(second.conditions![3].lastTransitionTime, '2026-01-01T00:00:00Z')
  assert.equal(second.conditions![3].lastHeartbeatTime, '2026-01-01T00:00:10Z')
  assert.equal(statusChanged(first, second), false)
  const notReady = nodeConditions({ ready: false, notReadyMessage: 'PLEG is not healthy' }, t1, first.conditions)
  assert.deepEqual([notReady[3].status, notReady[3].reason, notReady[3].message, notReady[3].lastTransitionTime], ['False', 'KubeletNotReady', 'PLEG is not healthy', '2026-01-01T00:00:10Z'])
})

test('host facts', () => {
  assert.equal(prettyName('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)')
  assert.equal(prettyName(undefined), 'Linux')
  assert.equal(goArch('x64'), 'amd64')
  assert.equal(goArch('arm64'), 'arm64')
})
