// RBAC through the real kubectl: `kubectl auth can-i` (with --as and --list), `kubectl create
// role|rolebinding`, a service account's own token (`kubectl create token`) refused with
// upstream's words before a RoleBinding and let through after, `kubectl auth whoami`, aggregation
// into `view`, escalation refused, `kubectl auth reconcile`.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

describe('RBAC', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster(['--runtime', 'sim', '--no-dashboard'])
  })
  after(async () => {
    await c?.destroy()
  })

  const sa = 'system:serviceaccount:default:reader'

  test('can-i for a service account: no, then a Role and RoleBinding, then yes; its token gets a 403 with upstream words, then the list', async () => {
    await c.k('create', 'serviceaccount', 'reader')
    const before = await c.kubectl(['auth', 'can-i', 'list', 'pods', `--as=${sa}`])
    assert.equal(before.stdout.trim(), 'no')
    assert.equal(before.code, 1)

    const token = (await c.k('create', 'token', 'reader', '--duration=10m')).trim()
    assert.match(token, /^ey[\w-]+\.[\w-]+\.[\w-]+$/)
    const denied = await c.kubectl(['--token', token, 'get', 'pods'])
    assert.equal(denied.code, 1)
    assert.equal(denied.stderr.trim(), `Error from server (Forbidden): pods is forbidden: User "${sa}" cannot list resource "pods" in API group "" in the namespace "default"`)
    const ns = await c.kubectl(['--token', token, 'get', 'namespace', 'default'])
    assert.equal(ns.stderr.trim(), `Error from server (Forbidden): namespaces "default" is forbidden: User "${sa}" cannot get resource "namespaces" in API group "" in the namespace "default"`)

    assert.equal((await c.k('create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods')).trim(), 'role.rbac.authorization.k8s.io/pod-reader created')
    assert.equal((await c.k('create', 'rolebinding', 'reader', '--role=pod-reader', '--serviceaccount=default:reader')).trim(), 'rolebinding.rbac.authorization.k8s.io/reader created')
    const wide = parseTable(await c.k('get', 'rolebinding', 'reader', '-o', 'wide'))
    assert.deepEqual(wide, [{ NAME: 'reader', ROLE: 'Role/pod-reader', AGE: wide[0].AGE, USERS: '', GROUPS: '', SERVICEACCOUNTS: 'default/reader' }])

    const yes = await c.kubectl(['auth', 'can-i', 'list', 'pods', `--as=${sa}`])
    assert.equal(yes.stdout.trim(), 'yes', yes.stderr)
    const otherNs = await c.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'kube-system', `--as=${sa}`])
    assert.equal(otherNs.stdout.trim(), 'no')

    const allowed = await c.kubectl(['--token', token, 'get', 'pods'])
    assert.equal(allowed.code, 0, allowed.stderr)
    assert.match(allowed.stderr, /No resources found in default namespace/)
    const stillDenied = await c.kubectl(['--token', token, 'delete', 'pod', 'x'])
    assert.equal(stillDenied.stderr.trim(), `Error from server (Forbidden): pods "x" is forbidden: User "${sa}" cannot delete resource "pods" in API group "" in the namespace "default"`)

    const list = await c.k('--token', token, 'auth', 'can-i', '--list')
    assert.match(list, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/m)
    assert.match(list, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m)
    assert.match(list, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m)
    assert.match(list, /^\s+\[\/apis\/\*\]\s+\[\]\s+\[get\]$/m)
    assert.doesNotMatch(list, /deployments/)

    const whoami = await c.k('--token', token, 'auth', 'whoami')
    const who = Object.fromEntries(parseTable(whoami).map((r) => [r.ATTRIBUTE, r.VALUE]))
    assert.equal(who.Username, sa)
    assert.equal(who.Groups, '[system:serviceaccounts system:serviceaccounts:default system:authenticated]')
    assert.match(who.UID, /^[0-9a-f-]{36}$/)
    assert.match(who['Extra: authentication.kubernetes.io/credential-id'], /^\[JTI=[0-9a-f-]{36}\]$/, whoami)
  })

  test('whoami for the admin kubeconfig; the admin can do anything', async () => {
    const who = Object.fromEntries(parseTable(await c.k('auth', 'whoami')).map((r) => [r.ATTRIBUTE, r.VALUE]))
    assert.deepEqual(who, { Username: 'kubernetes-admin', Groups: '[system:masters system:authenticated]' })
    assert.equal((await c.k('auth', 'can-i', 'delete', 'nodes')).trim(), 'yes')
    assert.equal((await c.k('auth', 'can-i', '*', '*')).trim(), 'yes')
  })

  test('a ClusterRole labelled aggregate-to-view extends view', async () => {
    await c.k('create', 'clusterrole', 'widgets-view', '--verb=get', '--resource=secrets', '--resource-name=widgets')
    await c.k('label', 'clusterrole', 'widgets-view', 'rbac.authorization.k8s.io/aggregate-to-view=true')
    await c.k('create', 'clusterrolebinding', 'amy-view', '--clusterrole=view', '--user=amy')
    assert.equal((await c.kubectl(['auth', 'can-i', 'list', 'pods', '--as=amy'])).stdout.trim(), 'yes')
    await until('view to aggregate widgets-view', async () => (await c.kubectl(['auth', 'can-i', 'get', 'secrets/widgets', '--as=amy'])).stdout.trim() === 'yes')
    assert.equal((await c.kubectl(['auth', 'can-i', 'get', 'secrets/other', '--as=amy'])).stdout.trim(), 'no')
    const rules = JSON.parse(await c.k('get', 'clusterrole', 'view', '-o', 'json')).rules as { resourceNames?: string[] }[]
    assert.ok(rules.some((r) => r.resourceNames?.includes('widgets')))
  })

  test('escalation is refused with upstream words; holding the permissions is enough', async () => {
    await c.k('create', 'rolebinding', 'jane-admin', '--clusterrole=admin', '--user=jane')
    const big = await c.kubectl(['--as=jane', 'create', 'role', 'big', '--verb=get,list', '--resource=nodes'])
    assert.equal(big.code, 1)
    assert.equal(
      big.stderr.trim(),
      'Error from server (Forbidden): roles.rbac.authorization.k8s.io "big" is forbidden: user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}',
    )
    const bind = await c.kubectl(['--as=jane', 'create', 'rolebinding', 'x', '--clusterrole=cluster-admin', '--user=bob'])
    assert.equal(bind.code, 1)
    assert.match(bind.stderr, /rolebindings.rbac.authorization.k8s.io "x" is forbidden: user "jane" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}\n\{NonResourceURLs:\["\*"\], Verbs:\["\*"\]\}/)
    const small = await c.kubectl(['--as=jane', 'create', 'role', 'small', '--verb=get', '--resource=pods'])
    assert.equal(small.code, 0, small.stderr)
  })

  test('roleRef is immutable; bad rules are a 422 with upstream words; auth reconcile creates and fills in', async () => {
    await c.k('create', 'role', 'r2', '--verb=get', '--resource=secrets')
    const patch = await c.kubectl(['patch', 'rolebinding', 'reader', '--type=merge', '-p', '{"roleRef":{"name":"r2"}}'])
    assert.equal(patch.stderr.trim(), 'The RoleBinding "reader" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"r2"}: cannot change roleRef')
    const bad = await c.kubectl(['apply', '-f', '-'], {
      stdin: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: bad}\nrules:\n- resources: [pods]\n  verbs: []\n',
    })
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /The Role "bad" is invalid: \n\* rules\[0\]\.verbs: Required value: verbs must contain at least one value\n\* rules\[0\]\.apiGroups: Required value: resource rules must supply at least one api group/)

    const manifest = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: cm-reader, namespace: default}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: cm-reader, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cm-reader}
subjects:
- {kind: User, name: carl, apiGroup: rbac.authorization.k8s.io}
`
    const out = await c.k('auth', 'reconcile', '-f', c.file('reconcile.yaml', manifest))
    assert.match(out, /role.rbac.authorization.k8s.io\/cm-reader reconciled/)
    assert.match(out, /rolebinding.rbac.authorization.k8s.io\/cm-reader reconciled/)
    assert.equal((await c.kubectl(['auth', 'can-i', 'get', 'configmaps', '--as=carl'])).stdout.trim(), 'yes')
  })
})
