import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { AdmissionAttributes } from '../rest.js'
import { nodeRestriction } from './noderestriction.js'

const worker = { username: 'system:node:worker-1', groups: ['system:nodes', 'system:authenticated'] }
const def = (group: string, resource: string) => ({ group, resource }) as AdmissionAttributes['def']
const attrs = (over: Partial<AdmissionAttributes>): AdmissionAttributes => ({ operation: 'UPDATE', def: def('', 'nodes'), namespace: undefined, name: 'worker-1', dryRun: false, user: worker, ...over })
const refused = (a: AdmissionAttributes) => nodeRestriction.admit(a).then(() => undefined, (err: { status: { code: number; message: string } }) => `${err.status.code} ${err.status.message}`)

test('a node writes only its own Node, its own Lease and the status of its own pods', async () => {
  assert.equal(await refused(attrs({})), undefined)
  assert.equal(await refused(attrs({ name: 'kubelite' })), '403 nodes "kubelite" is forbidden: node "worker-1" is not allowed to modify node "kubelite"')
  assert.equal(await refused(attrs({ def: def('coordination.k8s.io', 'leases'), namespace: 'kube-node-lease', name: 'kubelite', operation: 'CREATE' })), '403 leases.coordination.k8s.io "kubelite" is forbidden: can only access node lease with the same name as the requesting node')
  assert.equal(await refused(attrs({ def: def('coordination.k8s.io', 'leases'), namespace: 'kube-node-lease', name: 'worker-1' })), undefined)
  const pod = (nodeName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName } })
  assert.equal(await refused(attrs({ def: def('', 'pods'), namespace: 'default', name: 'p', subresource: 'status', oldObject: pod('worker-1') })), undefined)
  assert.equal(await refused(attrs({ def: def('', 'pods'), namespace: 'default', name: 'p', subresource: 'status', oldObject: pod('kubelite') })), '403 pods "p" is forbidden: node "worker-1" can only update pod status for pods with spec.nodeName set to itself')
  // Anyone else (the admin, in-process components) is not a node.
  assert.equal(await refused(attrs({ name: 'kubelite', user: { username: 'kubernetes-admin', groups: ['system:masters'] } })), undefined)
  assert.equal(await refused(attrs({ name: 'kubelite', user: undefined })), undefined)
})
