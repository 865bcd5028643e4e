// admissionregistration.k8s.io/v1 through the real kubectl: the Kubernetes docs' ValidatingAdmissionPolicy
// example (replicas <= 5 in namespaces labelled environment=test) denying with upstream's words,
// a Warn binding printing kubectl's `Warning:` line, the printer columns of all four kinds, and a
// webhook configuration stored (kubelite calls no webhook).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTable, startCluster, type Cluster } from './harness.js'

const docsPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "demo-policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
    - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "demo-binding-test.example.com"
spec:
  policyName: "demo-policy.example.com"
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: test
`

const warnPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: pinned-images
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.template.spec.containers.all(c, c.image.contains(':') && !c.image.endsWith(':' + params.data.forbiddenTag))"
    messageExpression: "'images must be pinned, not :' + params.data.forbiddenTag"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: pinned-images-warn
spec:
  policyName: pinned-images
  validationActions: [Warn]
  paramRef: {name: image-rules, namespace: default, parameterNotFoundAction: Deny}
`

const webhook = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: cert-manager-webhook
webhooks:
- name: webhook.cert-manager.io
  admissionReviewVersions: ["v1"]
  sideEffects: None
  clientConfig:
    service: {name: cert-manager-webhook, namespace: cert-manager, path: /validate}
  rules:
  - apiGroups: ["cert-manager.io"]
    apiVersions: ["v1"]
    operations: ["CREATE", "UPDATE"]
    resources: ["*/*"]
`

describe('ValidatingAdmissionPolicy and webhook configurations', () => {
  let c: Cluster
  before(async () => {
    c = await startCluster()
  })
  after(async () => {
    await c?.destroy()
  })

  test('the docs example denies 6 replicas in a test namespace with upstream message; other namespaces are not bound', async () => {
    assert.equal(
      await c.k('apply', '-f', c.file('policy.yaml', docsPolicy)),
      'validatingadmissionpolicy.admissionregistration.k8s.io/demo-policy.example.com created\nvalidatingadmissionpolicybinding.admissionregistration.k8s.io/demo-binding-test.example.com created\n',
    )
    await c.k('create', 'namespace', 'test')
    await c.k('label', 'namespace', 'test', 'environment=test')
    const denied = await c.kubectl(['create', 'deployment', 'nginx', '--image=nginx', '--replicas=6', '-n', 'test'])
    assert.equal(denied.code, 1)
    assert.equal(
      denied.stderr,
      `error: failed to create deployment: deployments.apps "nginx" is forbidden: ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5\n`,
    )
    const applied = await c.kubectl(['apply', '-n', 'test', '-f', '-'], { stdin: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nginx}\nspec:\n  replicas: 6\n  selector: {matchLabels: {app: nginx}}\n  template:\n    metadata: {labels: {app: nginx}}\n    spec: {containers: [{name: nginx, image: nginx}]}\n' })
    assert.equal(
      applied.stderr,
      `The deployments "nginx" is invalid: : ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5\n`,
    )
    assert.equal(await c.k('create', 'deployment', 'nginx', '--image=nginx', '--replicas=5', '-n', 'test'), 'deployment.apps/nginx created\n')
    assert.equal((await c.kubectl(['scale', 'deployment', 'nginx', '-n', 'test', '--replicas=7'])).code, 0, 'scale goes through /scale, which the rule does not match')
    assert.equal(await c.k('create', 'deployment', 'big', '--image=nginx', '--replicas=6'), 'deployment.apps/big created\n')
    const [row] = parseTable(await c.k('get', 'validatingadmissionpolicies'))
    assert.deepEqual([row.NAME, row.VALIDATIONS, row.PARAMKIND], ['demo-policy.example.com', '1', '<unset>'])
    const [b] = parseTable(await c.k('get', 'validatingadmissionpolicybindings'))
    assert.deepEqual([b.NAME, b.POLICYNAME, b.PARAMREF], ['demo-binding-test.example.com', 'demo-policy.example.com', '<unset>'])
  })

  test('a Warn binding with params: the write goes through and kubectl prints the warning', async () => {
    await c.k('create', 'configmap', 'image-rules', '--from-literal=forbiddenTag=latest')
    await c.k('apply', '-f', c.file('warn.yaml', warnPolicy))
    const r = await c.kubectl(['create', 'deployment', 'unpinned', '--image=nginx:latest'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'deployment.apps/unpinned created\n')
    assert.equal(r.stderr, "Warning: Validation failed for ValidatingAdmissionPolicy 'pinned-images' with binding 'pinned-images-warn': images must be pinned, not :latest\n")
    const pinned = await c.kubectl(['create', 'deployment', 'pinned', '--image=nginx:1.27'])
    assert.equal(pinned.stderr, '')
    const [b] = parseTable(await c.k('get', 'validatingadmissionpolicybinding', 'pinned-images-warn'))
    assert.equal(b.PARAMREF, 'default/image-rules')
  })

  test('a webhook configuration is stored with upstream defaults and columns; a bad one is refused', async () => {
    assert.equal(await c.k('apply', '-f', c.file('webhook.yaml', webhook)), 'validatingwebhookconfiguration.admissionregistration.k8s.io/cert-manager-webhook created\n')
    const [row] = parseTable(await c.k('get', 'validatingwebhookconfigurations'))
    assert.deepEqual([row.NAME, row.WEBHOOKS], ['cert-manager-webhook', '1'])
    const w = JSON.parse(await c.k('get', 'validatingwebhookconfiguration', 'cert-manager-webhook', '-o', 'json')).webhooks[0]
    assert.deepEqual([w.failurePolicy, w.matchPolicy, w.timeoutSeconds, w.clientConfig.service.port, w.rules[0].scope], ['Fail', 'Equivalent', 10, 443, '*'])
    const bad = await c.kubectl(['apply', '-f', '-'], { stdin: webhook.replace('  sideEffects: None\n', '').replace('webhook.cert-manager.io', 'short.io') })
    assert.match(bad.stderr, /webhooks\[0\]\.name: Invalid value: "short\.io": should be a domain with at least three segments separated by dots/)
    assert.match(bad.stderr, /webhooks\[0\]\.sideEffects: Required value: must specify one of None, NoneOnDryRun/)
    assert.match(await c.k('explain', 'validatingadmissionpolicy.spec.validations'), /expression\s+<string> -required-|expression\t<string>/)
  })
})
