import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fieldErrorMessage } from '../../apis/validation.js'
import { clone } from '../../apis/meta.js'
import { nodesResource as d, type NodeObj } from './nodes.js'

const now = new Date('2025-01-01T12:00:00Z')
const node = (extra: Record<string, unknown> = {}): NodeObj => ({
  metadata: { name: 'kubelite-1', creationTimestamp: '2025-01-01T11:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '' } },
  status: {
    conditions: [{ type: 'Ready', status: 'True' }],
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'kubelite-1' }],
    nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'kubelite://0.1.0', machineID: '', systemUUID: '', bootID: '', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64' },
    capacity: { cpu: '2', memory: '4Gi', pods: '110' },
  },
  ...extra,
}) as unknown as NodeObj

test('discovery facts', () => {
  assert.deepEqual([d.kind, d.resource, d.singular, d.namespaced, d.shortNames, d.hasStatus], ['Node', 'nodes', 'node', false, ['no'], true])
})

test('allocatable defaults to capacity', () => {
  const n = node()
  d.defaults!(n)
  assert.deepEqual(n.status?.allocatable, { cpu: '2', memory: '4Gi', pods: '110' })
})

test('table cells', () => {
  assert.deepEqual(d.table.cells(node(), now), ['kubelite-1', 'Ready', 'control-plane', '60m', 'v1.32.0', '127.0.0.1', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0', 'kubelite://0.1.0'])
  const cordoned = node({ spec: { unschedulable: true } })
  cordoned.metadata.labels = {}
  assert.deepEqual(d.table.cells(cordoned, now).slice(1, 3), ['Ready,SchedulingDisabled', '<none>'])
  const unknown = node()
  ;(unknown.status as Record<string, unknown>).conditions = []
  assert.equal(d.table.cells(unknown, now)[1], 'Unknown')
  assert.equal(d.fieldSelectors!['spec.unschedulable'](cordoned), 'true')
})

test('taints and update rules', () => {
  const n = node({ spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } })
  assert.deepEqual(d.validate!(n).map(fieldErrorMessage), ['metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'])
  const old = node({ spec: { podCIDRs: ['127.244.0.0/16'], providerID: 'kubelite://1' } })
  const next = clone(old)
  next.spec = { podCIDRs: ['127.245.0.0/16'], providerID: 'kubelite://1' }
  assert.deepEqual(d.validateUpdate!(next, old).map(fieldErrorMessage), ['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid'])
})
