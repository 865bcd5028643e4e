// The kubectl commands of the foundation issue, each checked on what kubectl prints and on the
// object the server then holds.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { parseTable, startCluster, type Cluster } from './harness.js'

const webYaml = (image: string, replicas = 3) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ${image}
        ports: [{containerPort: 8080}]
`

describe('kubectl commands', () => {
  let c: Cluster
  const get = async (...args: string[]) => JSON.parse(await c.k('get', ...args, '-o', 'json'))
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('create deployment (protobuf body) stores what kubectl generated, with defaults', async () => {
    const out = await c.k('create', 'deployment', 'kubernetes-bootcamp', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--replicas=4', '--port=8080')
    assert.equal(out.trim(), 'deployment.apps/kubernetes-bootcamp created')
    const d = await get('deploy', 'kubernetes-bootcamp')
    assert.equal(d.spec.replicas, 4)
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'kubernetes-bootcamp' } })
    assert.equal(d.spec.template.spec.containers[0].image, 'gcr.io/google-samples/kubernetes-bootcamp:v1')
    assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }])
    assert.equal(d.spec.strategy.type, 'RollingUpdate')
    const managed = JSON.parse(await c.k('get', 'deploy', 'kubernetes-bootcamp', '-o', 'json', '--show-managed-fields'))
    assert.equal(managed.metadata.managedFields[0].manager, 'kubectl-create')
    assert.equal(managed.metadata.managedFields[0].operation, 'Update')
    const zero = await c.k('create', 'deployment', 'idle', '--image=nginx', '--replicas=0')
    assert.equal(zero.trim(), 'deployment.apps/idle created')
    assert.equal((await get('deploy', 'idle')).spec.replicas, 0)
  })

  test('scale, set image, label, annotate go through the scale subresource and patches', async () => {
    assert.equal((await c.k('scale', 'deploy', 'kubernetes-bootcamp', '--replicas=2')).trim(), 'deployment.apps/kubernetes-bootcamp scaled')
    assert.equal((await c.k('set', 'image', 'deployments/kubernetes-bootcamp', 'kubernetes-bootcamp=jocatalin/kubernetes-bootcamp:v2')).trim(), 'deployment.apps/kubernetes-bootcamp image updated')
    assert.equal((await c.k('label', 'deploy', 'kubernetes-bootcamp', 'tier=web')).trim(), 'deployment.apps/kubernetes-bootcamp labeled')
    assert.equal((await c.k('annotate', 'deploy', 'kubernetes-bootcamp', 'kubernetes.io/change-cause=update to v2')).trim(), 'deployment.apps/kubernetes-bootcamp annotated')
    const d = await get('deploy', 'kubernetes-bootcamp')
    assert.equal(d.spec.replicas, 2)
    assert.equal(d.spec.template.spec.containers[0].image, 'jocatalin/kubernetes-bootcamp:v2')
    assert.equal(d.metadata.labels.tier, 'web')
    assert.equal(d.metadata.annotations['kubernetes.io/change-cause'], 'update to v2')
    // scale and set image change the spec; so does annotate for Deployments (upstream counts
    // annotation changes, a leftover of annotation-driven rollbacks); label does not.
    assert.equal(d.metadata.generation, 4)
    const relabel = await c.kubectl(['label', 'deploy', 'kubernetes-bootcamp', 'tier=api'])
    assert.equal(relabel.code, 1)
    assert.match(relabel.stderr, /'tier' already has a value \(web\), and --overwrite is false/)
    const scale = await c.k('get', '--raw', '/apis/apps/v1/namespaces/default/deployments/kubernetes-bootcamp/scale')
    assert.deepEqual(JSON.parse(scale).status, { replicas: 0, selector: 'app=kubernetes-bootcamp' })
  })

  test('apply twice is unchanged the second time; a change is configured', async () => {
    const f = c.file('web.yaml', webYaml('nginx:1.25'))
    assert.equal((await c.k('apply', '-f', f)).trim(), 'deployment.apps/web created')
    assert.equal((await c.k('apply', '-f', f)).trim(), 'deployment.apps/web unchanged')
    c.file('web.yaml', webYaml('nginx:1.26', 5))
    assert.equal((await c.k('apply', '-f', f)).trim(), 'deployment.apps/web configured')
    const d = await get('deploy', 'web')
    assert.equal(d.spec.replicas, 5)
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.26')
    assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }])
    assert.ok(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'].includes('nginx:1.26'))
  })

  test('apply --validate=strict rejects unknown fields with the server-side message', async () => {
    const bad = c.file('bad.yaml', webYaml('nginx:1.26').replace('  replicas: 3', '  replicas: 3\n  bogus: true'))
    const r = await c.kubectl(['apply', '-f', bad, '--validate=strict'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /strict decoding error: unknown field "spec\.bogus"/)
  })

  test('apply --server-side creates, then conflicts with another manager unless forced', async () => {
    const f = c.file('ssa.yaml', webYaml('nginx:1.25', 2).replace(/name: web\n  labels/, 'name: ssa\n  labels'))
    assert.equal((await c.k('apply', '--server-side', '-f', f)).trim(), 'deployment.apps/ssa serverside-applied')
    assert.equal((await c.k('apply', '--server-side', '-f', f)).trim(), 'deployment.apps/ssa serverside-applied')
    await c.k('scale', 'deploy', 'ssa', '--replicas=7')
    const conflict = await c.kubectl(['apply', '--server-side', '-f', f])
    assert.equal(conflict.code, 1)
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas/)
    assert.equal((await c.k('apply', '--server-side', '--force-conflicts', '-f', f)).trim(), 'deployment.apps/ssa serverside-applied')
    const d = await get('deploy', 'ssa')
    assert.equal(d.spec.replicas, 2)
    const withManaged = JSON.parse(await c.k('get', 'deploy', 'ssa', '-o', 'json', '--show-managed-fields'))
    const managers = withManaged.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`)
    assert.ok(managers.includes('kubectl/Apply'), managers.join(','))
  })

  test('patch with strategic merge, merge and JSON patch', async () => {
    await c.k('patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"A","value":"1"}]}]}}}}')
    let d = await get('deploy', 'web')
    assert.equal(d.spec.template.spec.containers.length, 1, 'containers merge by name')
    assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }])
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.26')
    await c.k('patch', 'deploy', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"team":"blue"}}}')
    await c.k('patch', 'deploy', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":1}]')
    d = await get('deploy', 'web')
    assert.equal(d.metadata.labels.team, 'blue')
    assert.equal(d.spec.replicas, 1)
    const bad = await c.kubectl(['patch', 'deploy', 'web', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":9}]'])
    assert.equal(bad.code, 1)
    assert.equal(bad.stderr.trim(), 'The request is invalid: the server rejected our request due to an error in our request')
  })

  test('edit with a non-interactive editor patches the spec and ignores status', async () => {
    const editor = c.file('editor.sh', '#!/bin/sh\nsed -i -e "s/replicas: 1$/replicas: 2/" "$1"\n')
    await c.k('get', 'deploy', 'web') // exists
    const r = await c.kubectl(['edit', 'deployment', 'web'], { env: { EDITOR: `sh ${editor}`, KUBE_EDITOR: `sh ${editor}` } })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim(), 'deployment.apps/web edited')
    assert.equal((await get('deploy', 'web')).spec.replicas, 2)
    const none = await c.kubectl(['edit', 'deployment', 'web'], { env: { EDITOR: 'true', KUBE_EDITOR: 'true' } })
    assert.match(none.stderr + none.stdout, /Edit cancelled, no changes made\./)
  })

  test('describe deployment prints replicas, strategy and events', async () => {
    const out = await c.k('describe', 'deployment', 'web')
    assert.match(out, /^Name:\s+web$/m)
    assert.match(out, /^Namespace:\s+default$/m)
    assert.match(out, /^Replicas:\s+2 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m)
    assert.match(out, /^StrategyType:\s+RollingUpdate$/m)
    assert.match(out, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m)
    assert.match(out, /^Events:\s+<none>$/m)
  })

  test('get -w streams changes as table rows', async () => {
    const w = spawn('/usr/bin/kubectl', ['--kubeconfig', c.kubeconfig, '--cache-dir', `${c.dir}/kubectl-cache`, 'get', 'deploy', 'web', '-w', '--request-timeout=0'])
    let out = ''
    w.stdout.on('data', (d) => (out += d))
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 100 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 100))
      assert.match(out, re)
    }
    try {
      await waitFor(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2/)
      await c.k('scale', 'deploy', 'web', '--replicas=3')
      await waitFor(/\nweb\s+0\/3/)
    } finally {
      w.kill()
    }
  })

  test('events: created as objects, listed with field selectors', async () => {
    const d = await get('deploy', 'web')
    const ev = c.file('ev.yaml', `apiVersion: v1
kind: Event
metadata: {name: web.1, namespace: default}
involvedObject: {kind: Deployment, name: web, namespace: default, uid: ${d.metadata.uid}, apiVersion: apps/v1}
reason: ScalingReplicaSet
message: Scaled up replica set web-abc to 3
type: Normal
source: {component: deployment-controller}
firstTimestamp: "${new Date().toISOString().replace(/\.\d+Z/, 'Z')}"
lastTimestamp: "${new Date().toISOString().replace(/\.\d+Z/, 'Z')}"
count: 1
`)
    await c.k('create', '-f', ev)
    const rows = parseTable(await c.k('get', 'events', '--field-selector', 'involvedObject.kind=Deployment,involvedObject.name=web'))
    assert.equal(rows.length, 1)
    assert.equal(rows[0].TYPE, 'Normal')
    assert.equal(rows[0].REASON, 'ScalingReplicaSet')
    assert.equal(rows[0].OBJECT, 'deployment/web')
    assert.equal(rows[0].MESSAGE, 'Scaled up replica set web-abc to 3')
    const none = await c.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=other'])
    assert.equal(none.stderr.trim(), 'No resources found in default namespace.')
    const bad = await c.kubectl(['get', 'events', '--field-selector', 'spec.bogus=1'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /field label not supported: spec\.bogus/)
    const described = await c.k('describe', 'deployment', 'web')
    assert.match(described, /Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-abc to 3/)
  })

  test('explain renders the served OpenAPI schema', async () => {
    const out = await c.k('explain', 'deployment.spec.strategy')
    assert.match(out, /^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/)
    assert.match(out, /FIELD: strategy <DeploymentStrategy>/)
    assert.match(out, /rollingUpdate\t<RollingUpdateDeployment>/)
    const pods = await c.k('explain', 'pods.spec.containers.image')
    assert.match(pods, /FIELD: image <string>/)
  })

  test('namespaces: create, content, delete cascades, system namespaces are protected', async () => {
    await c.k('create', 'namespace', 'dev')
    await c.k('-n', 'dev', 'create', 'configmap', 'cfg', '--from-literal=a=b')
    await c.k('-n', 'dev', 'create', 'deployment', 'app', '--image=nginx')
    assert.equal((await c.k('delete', 'namespace', 'dev')).trim(), 'namespace "dev" deleted')
    const gone = await c.kubectl(['get', 'namespace', 'dev'])
    assert.equal(gone.stderr.trim(), 'Error from server (NotFound): namespaces "dev" not found')
    const protectedNs = await c.kubectl(['delete', 'namespace', 'default'])
    assert.equal(protectedNs.code, 1)
    assert.match(protectedNs.stderr, /Error from server \(Forbidden\): namespaces "default" is forbidden: this namespace may not be deleted/)
    const missing = await c.kubectl(['-n', 'nowhere', 'create', 'configmap', 'x', '--from-literal=a=b'])
    assert.equal(missing.stderr.trim(), 'error: failed to create configmap: namespaces "nowhere" not found')
  })

  test('deleting an owner removes its dependents (background, foreground) or orphans them', async () => {
    const rsFor = (owner: { metadata: { uid: string } }, name: string) =>
      c.file(`${name}.yaml`, `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: ${name}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: owner, uid: ${owner.metadata.uid}, controller: true, blockOwnerDeletion: true}]
spec:
  replicas: 0
  selector: {matchLabels: {app: owner}}
  template:
    metadata: {labels: {app: owner}}
    spec: {containers: [{name: web, image: nginx}]}
`)
    const waitGone = async (name: string) => {
      for (let i = 0; i < 50; i++) {
        if ((await c.kubectl(['get', 'rs', name])).code !== 0) return
        await new Promise((r) => setTimeout(r, 100))
      }
      assert.fail(`replicaset ${name} was not garbage collected`)
    }
    for (const cascade of ['background', 'foreground']) {
      await c.k('create', 'deployment', 'owner', '--image=nginx')
      await c.k('create', '-f', rsFor(await get('deploy', 'owner'), `owned-${cascade}`))
      await c.k('delete', 'deploy', 'owner', `--cascade=${cascade}`)
      await waitGone(`owned-${cascade}`)
    }
    await c.k('create', 'deployment', 'owner', '--image=nginx')
    await c.k('create', '-f', rsFor(await get('deploy', 'owner'), 'orphaned'))
    await c.k('delete', 'deploy', 'owner', '--cascade=orphan')
    const rs = await get('rs', 'orphaned')
    assert.equal(rs.metadata.ownerReferences, undefined)
  })

  test('bad input gets clean 4xx errors', async () => {
    const badJson = await c.kubectl(['create', '--raw', '/apis/apps/v1/namespaces/default/deployments', '-f', c.file('garbage.json', '{"kind": ')])
    assert.equal(badJson.code, 1)
    assert.match(badJson.stderr, /Error from server \(BadRequest\)/)
    const wrongKind = await c.kubectl(['create', '--raw', '/apis/apps/v1/namespaces/default/deployments', '-f', c.file('wrong.json', '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}')])
    assert.equal(wrongKind.code, 1)
    assert.match(wrongKind.stderr, /Error from server \(BadRequest\)/)
    const big = await c.kubectl(['create', '--raw', '/api/v1/namespaces/default/configmaps', '-f', c.file('big.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(4 * 1024 * 1024) } }))])
    assert.equal(big.code, 1)
    assert.match(big.stderr, /RequestEntityTooLarge|Request entity too large/)
    // A value of the wrong type (YAML 1.1 reads `y` as true) is rejected as upstream's decoder does;
    // kubectl checks it too, so send it raw. kubectl's own message is the same Go text.
    const yes = await c.kubectl(['create', '--raw', '/apis/apps/v1/namespaces/default/deployments', '-f', c.file('yes.json', JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'yes', labels: { app: true } }, spec: { replicas: 'two' } }))])
    assert.equal(yes.code, 1)
    assert.match(yes.stderr, /Error from server \(BadRequest\): Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal bool into Go struct field ObjectMeta\.metadata\.labels of type string/)
    const badSel = await c.kubectl(['get', 'pods', '-l', 'a in (b'])
    assert.equal(badSel.code, 1)
    const conflict = await c.kubectl(['replace', '-f', c.file('stale.json', JSON.stringify({ ...(await get('deploy', 'web')), metadata: { ...(await get('deploy', 'web')).metadata, resourceVersion: '1' } }))])
    assert.equal(conflict.code, 1)
    assert.match(conflict.stderr, /Error from server \(Conflict\): .*Operation cannot be fulfilled on deployments\.apps "web": the object has been modified; please apply your changes to the latest version and try again/)
    assert.equal((await c.k('get', '--raw', '/readyz')), 'ok', 'the server is still healthy')
  })

  test('delete removes the object and kubectl waits for it', async () => {
    assert.equal((await c.k('delete', 'deployment', 'web', 'idle')).trim(), 'deployment.apps "web" deleted\ndeployment.apps "idle" deleted')
    const r = await c.kubectl(['delete', 'deployment', 'web'])
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): deployments.apps "web" not found')
  })
})
