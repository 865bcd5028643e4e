// The kubectl commands of the foundation issue, each checked on what kubectl prints and on the
// object the server then holds.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { kubectlBin, parseTable, startCluster, until, type Cluster } from './harness.js'

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
  const rolledOut = (name: string) => c.k('rollout', 'status', `deployment/${name}`, '--timeout=60s')
  /** Waits until no ReplicaSet or pod matches the selector (the garbage collector is done). */
  const goneAll = (selector: string) =>
    until(`no ReplicaSets or pods with ${selector}`, async () => {
      const r = await c.kubectl(['get', 'rs,pods', '-l', selector])
      return r.code === 0 && r.stdout === '' && r.stderr.trim() === 'No resources found in default namespace.'
    })
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
    // The Deployment controller writes status (and the revision annotation) through /status as
    // kube-controller-manager; the entries are sorted by operation, then time, then manager, so
    // look kubectl's up by name.
    await rolledOut('kubernetes-bootcamp')
    const managed = JSON.parse(await c.k('get', 'deploy', 'kubernetes-bootcamp', '-o', 'json', '--show-managed-fields'))
    const entries = managed.metadata.managedFields.map((m: Record<string, unknown>) => [m.manager, m.operation, m.subresource ?? ''])
    assert.deepEqual(entries.sort(), [
      ['kube-controller-manager', 'Update', 'status'],
      ['kubectl-create', 'Update', ''],
    ])
    const byKubectl = managed.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl-create')
    assert.deepEqual(Object.keys(byKubectl.fieldsV1).sort(), ['f:metadata', 'f:spec'])
    assert.ok(byKubectl.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"kubernetes-bootcamp"}']['f:image'])
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
    // The image change rolled out a second ReplicaSet; once it is done the scale subresource's
    // status counts the two pods left, and the new ReplicaSet carries the change-cause.
    await rolledOut('kubernetes-bootcamp')
    const scale = JSON.parse(await c.k('get', '--raw', '/apis/apps/v1/namespaces/default/deployments/kubernetes-bootcamp/scale'))
    assert.deepEqual(scale.spec, { replicas: 2 })
    assert.deepEqual(scale.status, { replicas: 2, selector: 'app=kubernetes-bootcamp' })
    assert.match(await c.k('rollout', 'history', 'deployment/kubernetes-bootcamp'), /\nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+update to v2\n/)
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
    // web has had three templates (apply, apply with a new image, patch with env) and ends at 2
    // replicas after edit: revision 3, and two old ReplicaSets scaled to 0.
    await rolledOut('web')
    const out = await c.k('describe', 'deployment', 'web')
    assert.match(out, /^Name:\s+web$/m)
    assert.match(out, /^Namespace:\s+default$/m)
    assert.match(out, /^Annotations:\s+deployment\.kubernetes\.io\/revision: 3$/m)
    assert.match(out, /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m)
    assert.match(out, /^StrategyType:\s+RollingUpdate$/m)
    assert.match(out, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m)
    assert.match(out, /^Conditions:\n\s+Type\s+Status\s+Reason\n\s+----\s+------\s+------\n(\s+\w+\s+True\s+\w+\n){2}/m)
    assert.match(out, /^\s+Available\s+True\s+MinimumReplicasAvailable$/m)
    assert.match(out, /^\s+Progressing\s+True\s+NewReplicaSetAvailable$/m)
    // kubectl lists every old ReplicaSet (oldest first), even those scaled to 0. (ssa's ReplicaSets
    // match app=web too, but web does not control them.)
    type RS = { metadata: { name: string; creationTimestamp: string; annotations: Record<string, string>; ownerReferences: { uid: string }[] } }
    const web = await get('deploy', 'web')
    const rss = ((await get('rs', '-l', 'app=web')).items as RS[]).filter((x) => x.metadata.ownerReferences?.[0]?.uid === web.metadata.uid)
    const byRevision = (r: string) => rss.find((x) => x.metadata.annotations['deployment.kubernetes.io/revision'] === r)!.metadata.name
    assert.equal(rss.length, 3)
    const [first, second, newRS] = [byRevision('1'), byRevision('2'), byRevision('3')]
    const old = rss
      .filter((x) => x.metadata.name !== newRS)
      .sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name))
      .map((x) => `${x.metadata.name} (0/0 replicas created)`)
    assert.match(out, new RegExp(`^OldReplicaSets:\\s+${old.join(', ').replace(/[()]/g, '\\$&')}$`, 'm'))
    assert.match(out, new RegExp(`^NewReplicaSet:\\s+${newRS} \\(2/2 replicas created\\)$`, 'm'))
    // The controller's ScalingReplicaSet events, one per resize. The first ReplicaSet came up to 3
    // from the apply; the second was created (from 0) within the next two. (client-go folds the
    // 10th and later distinct messages about one object within 10 minutes into one "(combined from
    // similar events)" event, so only the early ones are named here.)
    assert.match(out, /^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n\s+----/m)
    const events = [...out.matchAll(/^\s+Normal\s+ScalingReplicaSet\s+\S+(?: \(x\d+ over \S+\))?\s+deployment-controller\s+(.*)$/gm)].map((m) => m[1])
    assert.ok(events.length >= 4, events.join('\n'))
    assert.equal(out.split('\n').filter((l) => /^\s+(Normal|Warning)\s/.test(l)).length, events.length, 'only ScalingReplicaSet events')
    const names = [first, second, newRS].join('|')
    for (const e of events) assert.match(e, new RegExp(`^(\\(combined from similar events\\): )?Scaled (up|down) replica set (${names}) from \\d+ to \\d+$`))
    assert.ok(events.includes(`Scaled up replica set ${first} from 0 to 3`), events.join('\n'))
    assert.ok(events.some((e) => e.startsWith(`Scaled up replica set ${second} from 0 to `)), events.join('\n'))
  })

  test('get -w streams changes as table rows', async () => {
    await rolledOut('web')
    const w = spawn(kubectlBin, ['--kubeconfig', c.kubeconfig, '--cache-dir', `${c.dir}/kubectl-cache`, 'get', 'deploy', 'web', '-w', '--request-timeout=0'])
    let out = ''
    w.stdout.on('data', (d) => (out += d))
    const waitFor = (re: RegExp) => until(`a row matching ${re}`, async () => re.test(out)).catch(() => assert.match(out, re))
    try {
      await waitFor(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+2\/2\s+2\s+2\s+\S+\n/)
      await c.k('scale', 'deploy', 'web', '--replicas=3')
      // The spec change itself (2 of 3 ready), then the controllers' status writes as the third
      // pod comes up, ending at 3/3.
      await waitFor(/\nweb\s+2\/3\s+2\s+2\s+\S+\n/)
      await waitFor(/\nweb\s+3\/3\s+3\s+3\s+\S+\n/)
      const rows = parseTable(out)
      assert.ok(rows.length >= 3, out)
      assert.ok(rows.every((r) => r.NAME === 'web' && /^[23]\/[23]$/.test(r.READY)), out)
    } finally {
      w.kill()
    }
  })

  test('events: created as objects, listed with field selectors', async () => {
    await rolledOut('web')
    const d = await get('deploy', 'web')
    const now = new Date().toISOString().replace(/\.\d+Z/, 'Z')
    const ev = c.file('ev.yaml', `apiVersion: v1
kind: Event
metadata: {name: web.1, namespace: default}
involvedObject: {kind: Deployment, name: web, namespace: default, uid: ${d.metadata.uid}, apiVersion: apps/v1}
reason: Audited
message: Checked by the end-to-end test
type: Warning
source: {component: e2e-auditor}
firstTimestamp: "${now}"
lastTimestamp: "${now}"
count: 1
`)
    assert.equal((await c.k('create', '-f', ev)).trim(), 'event/web.1 created')
    const mine = parseTable(await c.k('get', 'events', '--field-selector', 'involvedObject.kind=Deployment,involvedObject.name=web,reason=Audited'))
    assert.equal(mine.length, 1)
    assert.equal(mine[0].TYPE, 'Warning')
    assert.equal(mine[0].REASON, 'Audited')
    assert.equal(mine[0].OBJECT, 'deployment/web')
    assert.equal(mine[0].MESSAGE, 'Checked by the end-to-end test')
    assert.deepEqual(parseTable(await c.k('get', 'events', '--field-selector', 'source=e2e-auditor,type=Warning')).map((r) => r.MESSAGE), ['Checked by the end-to-end test'])
    // The selector picks on the server exactly the events a client-side filter of the full list finds:
    // the one above and the Deployment controller's ScalingReplicaSet events about web.
    const all = (await get('events')).items as { metadata: { name: string }; involvedObject: { kind: string; name: string }; reason: string }[]
    const expected = all.filter((e) => e.involvedObject.kind === 'Deployment' && e.involvedObject.name === 'web')
    const selected = (await get('events', '--field-selector', 'involvedObject.kind=Deployment,involvedObject.name=web')).items as typeof all
    assert.deepEqual(selected.map((e) => e.metadata.name).sort(), expected.map((e) => e.metadata.name).sort())
    assert.deepEqual([...new Set(selected.map((e) => e.reason))].sort(), ['Audited', 'ScalingReplicaSet'])
    assert.ok(selected.length < all.length, 'the selector left out the other objects\' events')
    const none = await c.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=other'])
    assert.equal(none.stderr.trim(), 'No resources found in default namespace.')
    const bad = await c.kubectl(['get', 'events', '--field-selector', 'spec.bogus=1'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /field label not supported: spec\.bogus/)
    const described = await c.k('describe', 'deployment', 'web')
    assert.match(described, /^\s+Warning\s+Audited\s+\S+\s+e2e-auditor\s+Checked by the end-to-end test$/m)
    assert.match(described, /^\s+Normal\s+ScalingReplicaSet\s+.*deployment-controller\s+Scaled up replica set web-/m)
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
    type Obj = { metadata: { name: string; uid: string; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] } }
    /** A Deployment of two pods, rolled out: its ReplicaSet (owned by it) and the pods (owned by that). */
    const owner = async () => {
      await c.k('create', 'deployment', 'owner', '--image=nginx', '--replicas=2')
      await rolledOut('owner')
      const d = (await get('deploy', 'owner')) as Obj
      const rss = (await get('rs', '-l', 'app=owner')).items as Obj[]
      assert.equal(rss.length, 1)
      assert.deepEqual(rss[0].metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['Deployment', 'owner', d.metadata.uid, true]])
      const pods = (await get('pods', '-l', 'app=owner')).items as Obj[]
      assert.equal(pods.length, 2)
      for (const p of pods) assert.deepEqual(p.metadata.ownerReferences?.map((r) => [r.kind, r.uid]), [['ReplicaSet', rss[0].metadata.uid]])
      return { rs: rss[0], pods }
    }
    // Background: the Deployment goes at once, then the collector deletes the ReplicaSet and,
    // through it, the pods.
    await owner()
    assert.equal((await c.k('delete', 'deploy', 'owner', '--cascade=background')).trim(), 'deployment.apps "owner" deleted')
    await goneAll('app=owner')
    // Foreground: the Deployment waits for its dependents (which wait for theirs, blockOwnerDeletion),
    // so by the time kubectl has seen it go, the ReplicaSet and pods are gone too.
    await owner()
    assert.equal((await c.k('delete', 'deploy', 'owner', '--cascade=foreground')).trim(), 'deployment.apps "owner" deleted')
    const after = await c.kubectl(['get', 'rs,pods', '-l', 'app=owner'])
    assert.equal(after.stdout, '')
    assert.equal(after.stderr.trim(), 'No resources found in default namespace.')
    // Orphan: the ReplicaSet loses its owner reference before the Deployment goes, and keeps its pods.
    const { rs, pods } = await owner()
    await c.k('delete', 'deploy', 'owner', '--cascade=orphan')
    const orphan = (await get('rs', rs.metadata.name)) as Obj & { spec: { replicas: number } }
    assert.equal(orphan.metadata.uid, rs.metadata.uid)
    assert.equal(orphan.metadata.ownerReferences, undefined)
    assert.equal(orphan.spec.replicas, 2)
    const left = (await get('pods', '-l', 'app=owner')).items as Obj[]
    assert.deepEqual(left.map((p) => p.metadata.uid).sort(), pods.map((p) => p.metadata.uid).sort())
    for (const p of left) assert.equal(p.metadata.ownerReferences?.[0].uid, rs.metadata.uid)
    await c.k('delete', 'rs', rs.metadata.name)
    await goneAll('app=owner')
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
    type Obj = { metadata: { uid: string; ownerReferences?: { uid: string }[] } }
    const owners = new Set([(await get('deploy', 'web')).metadata.uid, (await get('deploy', 'idle')).metadata.uid])
    const ownedBy = (objs: Obj[], uids: Set<string>) => objs.filter((o) => o.metadata.ownerReferences?.some((r) => uids.has(r.uid)))
    const rss = ownedBy((await get('rs')).items, owners)
    assert.equal(rss.length, 4, 'web has three ReplicaSets, idle one')
    const rsUIDs = new Set(rss.map((x) => x.metadata.uid))
    const live = (pods: (Obj & { metadata: { deletionTimestamp?: string } })[]) => pods.filter((p) => !p.metadata.deletionTimestamp)
    assert.equal(live(ownedBy((await get('pods')).items, rsUIDs)).length, 3, 'web has three pods, idle none')
    assert.equal((await c.k('delete', 'deployment', 'web', 'idle')).trim(), 'deployment.apps "web" deleted\ndeployment.apps "idle" deleted')
    const r = await c.kubectl(['delete', 'deployment', 'web'])
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): deployments.apps "web" not found')
    // The default (background) cascade: the collector then removes their ReplicaSets and pods.
    await until('the ReplicaSets and pods of web and idle to be collected', async () =>
      ownedBy((await get('rs')).items, owners).length === 0 && ownedBy((await get('pods')).items, rsUIDs).length === 0)
  })
})
