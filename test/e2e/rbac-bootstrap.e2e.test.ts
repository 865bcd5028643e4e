// Upstream's component and controller roles through the real kubectl: `kubectl get clusterroles`
// lists system:node, system:kube-scheduler, system:controller:*, and `kubectl auth can-i --as` a
// controller's service account answers as on a kubeadm cluster.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, type Cluster } from './harness.js'

describe('RBAC bootstrap roles', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('kubectl get clusterroles and clusterrolebindings list the component and controller roles', async () => {
    const roles = parseTable(await c.k('get', 'clusterroles')).map((r) => r.NAME)
    for (const name of ['system:node', 'system:node-proxier', 'system:kube-scheduler', 'system:kube-controller-manager', 'system:volume-scheduler', 'system:controller:deployment-controller', 'system:controller:generic-garbage-collector'])
      assert.ok(roles.includes(name), name)
    const bindings = parseTable(await c.k('get', 'clusterrolebindings', '-o', 'wide'))
    const dc = bindings.find((b) => b.NAME === 'system:controller:deployment-controller')!
    assert.deepEqual([dc.ROLE, dc.SERVICEACCOUNTS], ['ClusterRole/system:controller:deployment-controller', 'kube-system/deployment-controller'])
    const scheduler = bindings.find((b) => b.NAME === 'system:kube-scheduler')!
    assert.equal(scheduler.USERS, 'system:kube-scheduler')
    const describe = await c.k('describe', 'clusterrole', 'system:controller:replicaset-controller')
    assert.match(describe, /pods\s+\[\]\s+\[\]\s+\[create delete list patch watch\]/)
    assert.match(describe, /replicasets\.apps\s+\[\]\s+\[\]\s+\[get list update watch\]/)
  })

  test('kubectl auth can-i --as a controller service account or the scheduler answers as upstream', async () => {
    const can = async (as: string, ...args: string[]) => (await c.kubectl(['auth', 'can-i', `--as=${as}`, ...args])).stdout.trim()
    const dc = 'system:serviceaccount:kube-system:deployment-controller'
    assert.equal(await can(dc, 'create', 'replicasets.apps'), 'yes')
    assert.equal(await can(dc, 'update', 'deployments.apps', '--subresource=status'), 'yes')
    assert.equal(await can(dc, 'delete', 'deployments.apps'), 'no')
    assert.equal(await can(dc, 'get', 'secrets'), 'no')
    assert.equal(await can('system:serviceaccount:kube-system:namespace-controller', 'deletecollection', 'pods', '-A'), 'yes')
    assert.equal(await can('system:kube-scheduler', 'create', 'pods', '--subresource=binding'), 'yes')
    assert.equal(await can('system:kube-scheduler', 'update', 'persistentvolumeclaims'), 'yes')
    assert.equal(await can('system:kube-scheduler', 'create', 'deployments.apps'), 'no')
    assert.equal(await can('system:kube-proxy', 'watch', 'endpointslices.discovery.k8s.io', '-A'), 'yes')
    // The list of what the statefulset controller may do (SelfSubjectRulesReview).
    const list = (await c.kubectl(['auth', 'can-i', '--list', '--as=system:serviceaccount:kube-system:statefulset-controller'])).stdout
    assert.match(list, /controllerrevisions\.apps\s+\[\]\s+\[\]\s+\[create delete get list patch update watch\]/)
  })
})
