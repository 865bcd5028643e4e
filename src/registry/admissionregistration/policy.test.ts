import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StatusError } from '../../apis/status.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { bootstrapNamespaces, buildApiServer } from '../../cli/wiring.js'
import { MemoryStore } from '../../store/memory/memory.js'

async function cluster() {
  let now = 0
  const store = new MemoryStore()
  const api = buildApiServer({ store, serverAddress: '127.0.0.1:6443' })
  await bootstrapNamespaces(api)
  const ar = (r: string) => api.resource('admissionregistration.k8s.io', r)!
  return { api, store, policies: ar('validatingadmissionpolicies'), bindings: ar('validatingadmissionpolicybindings'), deployments: api.resource('apps', 'deployments')!, advance: (ms: number) => (now += ms), now: () => now }
}

const deployment = (name: string, replicas: number, labels: Record<string, string> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
})

const policy = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec })
const binding = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec })
const deploymentsRule = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] }

async function refusal(p: Promise<unknown>): Promise<StatusError['status']> {
  try {
    await p
  } catch (err) {
    if (err instanceof StatusError) return err.status
    throw err
  }
  assert.fail('expected a refusal')
}

test('the docs example: replicas <= 5 denies a Deployment of 6 with upstream message and reason', async () => {
  const c = await cluster()
  await c.policies.create(undefined, policy('demo-policy.example.com', { failurePolicy: 'Fail', matchConstraints: deploymentsRule, validations: [{ expression: 'object.spec.replicas <= 5' }] }))
  await c.bindings.create(undefined, binding('demo-binding-test.example.com', { policyName: 'demo-policy.example.com', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { environment: 'test' } } } }))
  // Only namespaces labelled environment=test: default is not.
  await c.deployments.create('default', deployment('ok', 6))
  await c.api.resource('', 'namespaces')!.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'test', labels: { environment: 'test' } } })
  await c.deployments.create('test', deployment('small', 5))
  const s = await refusal(c.deployments.create('test', deployment('nginx', 6)))
  assert.equal(s.code, 422)
  assert.equal(s.reason, 'Invalid')
  assert.equal(s.message, `deployments.apps "nginx" is forbidden: ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5`)
  assert.deepEqual(s.details?.causes, [{ message: `ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5` }])
  assert.equal(s.details?.kind, 'deployments')
  await c.store.close()
})

test('message, messageExpression, reason, variables, matchConditions, params and the Warn action', async () => {
  const c = await cluster()
  await c.api.resource('', 'configmaps')!.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits' }, data: { max: '3' } })
  await c.policies.create(
    undefined,
    policy('max-replicas', {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: deploymentsRule,
      matchConditions: [{ name: 'not-exempt', expression: "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)" }],
      variables: [{ name: 'max', expression: 'int(params.data.max)' }],
      validations: [
        { expression: 'object.spec.replicas <= variables.max', messageExpression: "'replicas ' + string(object.spec.replicas) + ' is over ' + string(variables.max)", reason: 'Forbidden' },
        { expression: "object.metadata.name.startsWith('app-')", message: 'names start with app-' },
      ],
    }),
  )
  await c.bindings.create(undefined, binding('max-replicas-binding', { policyName: 'max-replicas', validationActions: ['Deny'], paramRef: { name: 'limits', namespace: 'default' } }))
  let s = await refusal(c.deployments.create('default', deployment('app-web', 4)))
  assert.equal(s.code, 403)
  assert.equal(s.reason, 'Forbidden')
  assert.match(s.message!, /denied request: replicas 4 is over 3$/)
  s = await refusal(c.deployments.create('default', deployment('web', 2)))
  assert.match(s.message!, /denied request: names start with app-$/)
  await c.deployments.create('default', deployment('web', 9, { exempt: 'yes' })) // matchConditions exclude it
  await c.deployments.create('default', deployment('app-ok', 3))

  // Warn: the write goes through with a warning.
  await c.policies.create(undefined, policy('no-latest', { matchConstraints: deploymentsRule, validations: [{ expression: "object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))", message: 'pin your images' }] }))
  await c.bindings.create(undefined, binding('no-latest', { policyName: 'no-latest', validationActions: ['Warn'] }))
  c.advance(5000)
  const warnings: string[] = []
  const d = deployment('app-latest', 1, { exempt: 'yes' })
  d.spec.template.spec.containers[0].image = 'nginx:latest'
  await c.deployments.create('default', d, { warnings })
  assert.deepEqual(warnings, ["Validation failed for ValidatingAdmissionPolicy 'no-latest' with binding 'no-latest': pin your images"])
  await c.store.close()
})

test('an expression that errors follows failurePolicy; a missing param with parameterNotFoundAction Deny denies', async () => {
  const c = await cluster()
  await c.policies.create(undefined, policy('strict', { matchConstraints: deploymentsRule, validations: [{ expression: 'object.spec.nosuchfield > 1' }] }))
  await c.bindings.create(undefined, binding('strict', { policyName: 'strict', validationActions: ['Deny'] }))
  const s = await refusal(c.deployments.create('default', deployment('web', 1)))
  assert.match(s.message!, /denied request: expression 'object.spec.nosuchfield > 1' resulted in error: /)
  await c.policies.update(undefined, 'strict', { ...(await c.policies.get(undefined, 'strict')), spec: { ...((await c.policies.get(undefined, 'strict')) as any).spec, failurePolicy: 'Ignore' } } as never)
  await c.deployments.create('default', deployment('web', 1))

  await c.policies.create(undefined, policy('with-params', { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, matchConstraints: deploymentsRule, validations: [{ expression: 'true' }] }))
  await c.bindings.create(undefined, binding('with-params', { policyName: 'with-params', validationActions: ['Deny'], paramRef: { name: 'absent', namespace: 'default' } }))
  assert.match((await refusal(c.deployments.create('default', deployment('other', 1)))).message!, /no params found for policy binding with `Deny` parameterNotFoundAction$/)
  await c.store.close()
})

test('policies and bindings are validated as upstream', async () => {
  const c = await cluster()
  const messages = async (p: Promise<unknown>) => ((await refusal(p)).details?.causes ?? []).map((x) => `${x.field}: ${x.message}`)
  assert.deepEqual(await messages(c.policies.create(undefined, policy('bad', { validations: [{ expression: 'object.spec.replicas <=' }] }))), [
    'spec.matchConstraints: Required value',
    'spec.validations[0].expression: Invalid value: "object.spec.replicas <=": compilation failed: ERROR: <input>: Unexpected token: EOF',
  ])
  assert.deepEqual(await messages(c.bindings.create(undefined, binding('bad', { policyName: 'p', validationActions: ['Deny', 'Warn'] }))), [
    'spec.validationActions: Invalid value: ["Deny","Warn"]: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
  ])
  void fieldErrorMessage
  await c.store.close()
})
