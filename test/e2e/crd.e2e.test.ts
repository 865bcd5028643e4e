// CustomResourceDefinitions through the real kubectl: the CronTab example of the Kubernetes docs
// (printer columns, short name, explain, a bad instance rejected with upstream's message, pruning,
// defaulting, scale and status subresources, merge patch, server-side apply, strategic merge patch
// refused), served again after a restart, `kubectl delete crd` removing its instances; a CRD with
// two versions (conversion None, a deprecated one warning) in the category `all`; a name conflict;
// cert-manager's published CRDs with a Certificate validated as upstream; and Argo Rollouts'
// published Rollout CRD, accepted while the built-in argoproj.io kind keeps serving.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { parseTable, startCluster, until, type Cluster } from './harness.js'

type Obj = Record<string, any>

const testdata = new URL('./testdata/', import.meta.url).pathname
const crontabCrd = `${testdata}crontab-crd.yaml`

const crontab = (name: string, spec: string) => `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: ${name}
spec:
${spec}`

const twoVersions = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.shop.example.com
spec:
  group: shop.example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    categories: [all]
  versions:
  - name: v1beta1
    served: true
    storage: false
    deprecated: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size:
                x-kubernetes-int-or-string: true
              template:
                type: object
                x-kubernetes-embedded-resource: true
                x-kubernetes-preserve-unknown-fields: true
            x-kubernetes-validations:
            - rule: "self.size != 'huge'"
              message: no huge widgets
`

describe('CustomResourceDefinitions through kubectl', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster(['--runtime', 'sim', '--no-dashboard'])
  })
  after(async () => {
    await c?.destroy()
  })

  test('the CronTab CRD is established at once and listed with NAME and CREATED AT', async () => {
    assert.match(await c.k('apply', '-f', crontabCrd), /customresourcedefinition.apiextensions.k8s.io\/crontabs.stable.example.com created/)
    await c.k('wait', '--for=condition=established', '--timeout=20s', 'crd/crontabs.stable.example.com')
    const rows = parseTable(await c.k('get', 'crd'))
    const row = rows.find((r) => r.NAME === 'crontabs.stable.example.com')
    assert.ok(row, 'the CRD is listed')
    assert.match(row['CREATED AT'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const crd: Obj = JSON.parse(await c.k('get', 'crd', 'crontabs.stable.example.com', '-o', 'json'))
    const conds = Object.fromEntries(crd.status.conditions.map((x: Obj) => [x.type, x]))
    assert.equal(conds.NamesAccepted.reason, 'NoConflicts')
    assert.equal(conds.Established.status, 'True')
    assert.equal(conds.Established.reason, 'InitialNamesAccepted')
    assert.deepEqual(crd.status.acceptedNames, { kind: 'CronTab', listKind: 'CronTabList', plural: 'crontabs', shortNames: ['ct'], singular: 'crontab' })
    assert.deepEqual(crd.status.storedVersions, ['v1'])
    assert.match(await c.k('api-resources', '--api-group=stable.example.com'), /crontabs\s+ct\s+stable.example.com\/v1\s+true\s+CronTab/)
  })

  test('instances: printer columns, short name, defaulting, pruning and explain', async () => {
    await c.k('apply', '-f', c.file('ct.yaml', crontab('my-new-cron-object', '  cronSpec: "* * * * */5"\n  image: my-awesome-cron-image\n')))
    const rows = parseTable(await c.k('get', 'crontabs'))
    assert.deepEqual(Object.keys(rows[0]), ['NAME', 'SPEC', 'REPLICAS', 'AGE'])
    assert.equal(rows[0].NAME, 'my-new-cron-object')
    assert.equal(rows[0].SPEC, '* * * * */5')
    assert.equal(rows[0].REPLICAS, '1', 'replicas defaulted from the schema')
    assert.equal(parseTable(await c.k('get', 'ct'))[0].NAME, 'my-new-cron-object')
    // kubectl validates strictly: an unknown field is refused; without validation it is pruned.
    const extra = c.file('extra.yaml', crontab('extra', '  image: x\n  bogus: 1\n'))
    const strict = await c.kubectl(['apply', '-f', extra])
    assert.notEqual(strict.code, 0)
    assert.match(strict.stderr, /strict decoding error: unknown field "spec.bogus"/)
    await c.k('apply', '--validate=false', '-f', extra)
    const pruned: Obj = JSON.parse(await c.k('get', 'ct', 'extra', '-o', 'json'))
    assert.deepEqual(pruned.spec, { image: 'x', replicas: 1 })
    await c.k('delete', 'ct', 'extra')
    const explain = await c.k('explain', 'crontab.spec')
    assert.match(explain, /KIND:\s+CronTab/)
    assert.match(explain, /replicas\s+<integer>/)
    assert.match(explain, /cronSpec\s+<string>/)
  })

  test('a bad instance is rejected with upstream\'s messages', async () => {
    const bad = c.file('bad.yaml', crontab('bad', '  cronSpec: "* * * *"\n  replicas: "string"\n'))
    const r = await c.kubectl(['apply', '-f', bad])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /The CronTab "bad" is invalid/)
    assert.match(r.stderr, /spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"/)
    assert.match(r.stderr, /spec.cronSpec: Invalid value: "\* \* \* \*": spec.cronSpec in body should match/)
    const big = await c.kubectl(['apply', '-f', c.file('big.yaml', crontab('big', '  replicas: 11\n'))])
    assert.match(big.stderr, /spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10/)
  })

  test('scale and status subresources', async () => {
    assert.match(await c.k('scale', 'ct', 'my-new-cron-object', '--replicas=3'), /scaled/)
    assert.equal(parseTable(await c.k('get', 'ct'))[0].REPLICAS, '3')
    await c.k('patch', 'ct', 'my-new-cron-object', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":3,"labelSelector":"app=cron"},"spec":{"image":"ignored"}}')
    const scale: Obj = JSON.parse(await c.k('get', '--raw', '/apis/stable.example.com/v1/namespaces/default/crontabs/my-new-cron-object/scale'))
    assert.deepEqual([scale.kind, scale.spec, scale.status], ['Scale', { replicas: 3 }, { replicas: 3, selector: 'app=cron' }])
    // The main resource ignores status; /status ignored the spec.
    await c.k('patch', 'ct', 'my-new-cron-object', '--type=merge', '-p', '{"spec":{"image":"new-image"},"status":{"replicas":9}}')
    const obj: Obj = JSON.parse(await c.k('get', 'ct', 'my-new-cron-object', '-o', 'json'))
    assert.equal(obj.spec.image, 'new-image')
    assert.equal(obj.status.replicas, 3)
    assert.equal(obj.metadata.generation, 3, 'scale and the spec patch bumped the generation, the status patch did not')
  })

  test('patches: JSON patch and server-side apply work, strategic merge patch is refused', async () => {
    await c.k('patch', 'ct', 'my-new-cron-object', '--type=json', '-p', '[{"op":"replace","path":"/spec/image","value":"json-image"}]')
    const smp = await c.kubectl(['patch', 'ct', 'my-new-cron-object', '-p', '{"spec":{"image":"smp"}}'])
    assert.notEqual(smp.code, 0)
    assert.match(smp.stderr, /application\/strategic-merge-patch\+json is not supported by stable.example.com\/v1, Kind=CronTab: the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/)
    const applied = c.file('ssa.yaml', crontab('applied', '  cronSpec: "0 * * * *"\n  image: ssa\n  replicas: 2\n'))
    assert.match(await c.k('apply', '--server-side', '-f', applied), /serverside-applied/)
    const obj: Obj = JSON.parse(await c.k('get', 'ct', 'applied', '-o', 'json', '--show-managed-fields'))
    assert.equal(obj.spec.replicas, 2)
    assert.ok(obj.metadata.managedFields.some((m: Obj) => m.manager === 'kubectl' && m.operation === 'Apply'))
    await c.k('patch', 'ct', 'applied', '--type=merge', '-p', '{"spec":{"image":"other"}}')
    const conflict = await c.kubectl(['apply', '--server-side', '-f', applied])
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl-patch" using stable.example.com\/v1: .spec.image/)
  })

  test('label and field selectors, and watch', async () => {
    await c.k('label', 'ct', 'applied', 'tier=web')
    assert.deepEqual(parseTable(await c.k('get', 'ct', '-l', 'tier=web')).map((r) => r.NAME), ['applied'])
    assert.deepEqual(parseTable(await c.k('get', 'ct', '--field-selector', 'metadata.name=my-new-cron-object')).map((r) => r.NAME), ['my-new-cron-object'])
    const seen: string[] = []
    const stop = await c.watch('/apis/stable.example.com/v1/namespaces/default/crontabs', (type, obj) => seen.push(`${type} ${obj.metadata?.name}`))
    await c.k('apply', '-f', c.file('w.yaml', crontab('watched', '  image: w\n')))
    await until('the watch sees the new CronTab', async () => seen.includes('ADDED watched'))
    stop()
    await c.k('delete', 'ct', 'watched')
  })

  test('deleting a namespace deletes the custom resources in it', async () => {
    await c.k('create', 'namespace', 'crons')
    await c.k('apply', '-n', 'crons', '-f', c.file('nsct.yaml', crontab('in-ns', '  image: nsimage\n')))
    await c.k('delete', 'namespace', 'crons', '--wait=false')
    await until('the namespace and its CronTab are gone', async () => (await c.kubectl(['get', 'namespace', 'crons'])).code !== 0, 60_000)
    assert.match((await c.kubectl(['get', 'ct', '-n', 'crons'])).stderr, /No resources found/)
  })

  test('served again after a restart', async () => {
    assert.equal(await c.stop(), 0)
    await c.restart()
    const rows = parseTable(await c.k('get', 'ct'))
    assert.deepEqual(rows.map((r) => r.NAME).sort(), ['applied', 'my-new-cron-object'])
  })

  test('two versions with conversion None, a deprecated one warning, in the category all', async () => {
    await c.k('apply', '-f', c.file('widgets.yaml', twoVersions))
    await c.k('wait', '--for=condition=established', '--timeout=20s', 'crd/widgets.shop.example.com')
    const old = await c.kubectl(['apply', '-f', c.file('w1.yaml', 'apiVersion: shop.example.com/v1beta1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n  anything: kept\n')])
    assert.equal(old.code, 0, old.stderr)
    assert.match(old.stderr, /Warning: shop.example.com\/v1beta1 Widget is deprecated; use shop.example.com\/v1 Widget/)
    const v1: Obj = JSON.parse(await c.k('get', 'widgets.v1.shop.example.com', 'w1', '-o', 'json'))
    assert.equal(v1.apiVersion, 'shop.example.com/v1')
    assert.equal(v1.spec.size, 3)
    await c.k('apply', '-f', c.file('w2.yaml', 'apiVersion: shop.example.com/v1\nkind: Widget\nmetadata:\n  name: w2\nspec:\n  size: "50%"\n  template:\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: inner\n    data:\n      a: b\n'))
    const w2: Obj = JSON.parse(await c.k('get', 'widget', 'w2', '-o', 'json'))
    assert.equal(w2.spec.size, '50%')
    assert.equal(w2.spec.template.data.a, 'b')
    const bad = await c.kubectl(['apply', '-f', c.file('w3.yaml', 'apiVersion: shop.example.com/v1\nkind: Widget\nmetadata:\n  name: w3\nspec:\n  size: true\n')])
    assert.match(bad.stderr, /spec.size: Invalid value: "boolean": spec.size in body must be of type integer,string: "boolean"/)
    // The CEL rule of the v1 schema (x-kubernetes-validations) is evaluated.
    const huge = await c.kubectl(['apply', '-f', c.file('w4.yaml', 'apiVersion: shop.example.com/v1\nkind: Widget\nmetadata:\n  name: w4\nspec:\n  size: huge\n')])
    assert.match(huge.stderr, /The Widget "w4" is invalid: spec: Invalid value: "object": no huge widgets/)
    const all = await c.k('get', 'all')
    assert.match(all, /widget.shop.example.com\/w1/)
    assert.match(all, /widget.shop.example.com\/w2/)
  })

  test('a second CRD claiming a taken name is not accepted', async () => {
    const clash = twoVersions.replace('widgets.shop.example.com', 'gadgets.shop.example.com').replace('plural: widgets', 'plural: gadgets').replace('singular: widget', 'singular: gadget')
    await c.k('apply', '-f', c.file('clash.yaml', clash))
    const crd = await until('the naming check', async () => {
      const o: Obj = JSON.parse(await c.k('get', 'crd', 'gadgets.shop.example.com', '-o', 'json'))
      return o.status?.conditions?.length ? o : undefined
    })
    const conds = Object.fromEntries(crd.status.conditions.map((x: Obj) => [x.type, x]))
    assert.deepEqual([conds.NamesAccepted.status, conds.NamesAccepted.reason, conds.NamesAccepted.message], ['False', 'KindConflict', '"Widget" is already in use'])
    assert.deepEqual([conds.Established.status, conds.Established.reason], ['False', 'NotAccepted'])
    await c.k('delete', 'crd', 'gadgets.shop.example.com')
  })

  test('an invalid CRD is refused with upstream\'s messages', async () => {
    const bad = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: things, singular: thing, kind: Thing}
  versions:
  - name: v1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            properties:
              a: {type: string}
`
    const r = await c.kubectl(['apply', '-f', c.file('badcrd.yaml', bad)])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /The CustomResourceDefinition "things.example.com" is invalid/)
    assert.match(r.stderr, /spec.versions: Invalid value: .*must have exactly one version marked as storage version/)
    assert.match(r.stderr, /spec.versions\[0\].schema.openAPIV3Schema.properties\[spec\].type: Required value: must not be empty for specified object fields/)
  })

  test('kubectl delete crd deletes the instances and stops serving the kind', async () => {
    assert.match(await c.k('delete', 'crd', 'crontabs.stable.example.com'), /deleted/)
    await until('the CRD is gone', async () => (await c.kubectl(['get', 'crd', 'crontabs.stable.example.com'])).code !== 0)
    const raw = await c.kubectl(['get', '--raw', '/apis/stable.example.com/v1'])
    assert.notEqual(raw.code, 0)
    assert.match(raw.stderr, /NotFound|not found/i)
    // Created again, the kind starts empty: its instances went with the CRD.
    await c.k('apply', '-f', crontabCrd)
    await c.k('wait', '--for=condition=established', '--timeout=20s', 'crd/crontabs.stable.example.com')
    assert.match((await c.kubectl(['get', 'crontabs'])).stderr, /No resources found/)
  })

  test("cert-manager's CRDs apply unchanged and a Certificate validates as upstream", async () => {
    await c.k('apply', '-f', `${testdata}cert-manager/`)
    await c.k('wait', '--for=condition=established', '--timeout=20s', 'crd/certificates.cert-manager.io', 'crd/certificaterequests.cert-manager.io')
    const cert = `apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: example
spec:
  secretName: example-tls
  dnsNames: [example.com]
  issuerRef: {name: ca-issuer, kind: Issuer}
  privateKey: {algorithm: ECDSA, size: 256}
`
    await c.k('apply', '-f', c.file('cert.yaml', cert))
    const rows = parseTable(await c.k('get', 'certs'))
    assert.deepEqual([rows[0].NAME, rows[0].SECRET], ['example', 'example-tls'])
    const bad = await c.kubectl(['apply', '-f', c.file('badcert.yaml', cert.replace('ECDSA', 'DSA').replace('name: example\n', 'name: bad\n'))])
    assert.match(bad.stderr, /The Certificate "bad" is invalid: spec.privateKey.algorithm: Unsupported value: "DSA": supported values: "RSA", "ECDSA", "Ed25519"/)
    const missing = await c.kubectl(['apply', '-f', c.file('missing.yaml', 'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: missing\nspec:\n  dnsNames: [example.com]\n')])
    assert.match(missing.stderr, /spec.issuerRef: Required value/)
    assert.match(missing.stderr, /spec.secretName: Required value/)
  })

  test("Argo Rollouts' published Rollout CRD is accepted; the built-in kind keeps serving and survives its deletion", async () => {
    const mirror = '/work/.mirror/argoproj+argo-rollouts/repo'
    let yaml: string
    try {
      yaml = execFileSync('git', ['--git-dir', mirror, 'show', 'HEAD:manifests/crds/rollout-crd.yaml'], { encoding: 'utf8', maxBuffer: 64 << 20 })
    } catch {
      return // no copy of Argo Rollouts on this machine: nothing to apply
    }
    // Over 256 KiB: client-side apply's last-applied annotation cannot hold it (as upstream); server-side apply can.
    await c.k('apply', '--server-side', '-f', c.file('rollout-crd.yaml', yaml))
    await c.k('wait', '--for=condition=established', '--timeout=20s', 'crd/rollouts.argoproj.io')
    await c.k('apply', '-f', c.file('ro.yaml', 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: ro\nspec:\n  selector: {matchLabels: {app: ro}}\n  template:\n    metadata: {labels: {app: ro}}\n    spec:\n      containers: [{name: c, image: busybox}]\n  strategy: {canary: {steps: [{setWeight: 20}]}}\n'))
    await c.k('delete', 'crd', 'rollouts.argoproj.io')
    await until('the Rollout CRD is gone', async () => (await c.kubectl(['get', 'crd', 'rollouts.argoproj.io'])).code !== 0)
    assert.equal(JSON.parse(await c.k('get', 'rollout', 'ro', '-o', 'json')).metadata.name, 'ro')
  })
})
