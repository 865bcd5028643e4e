import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fieldErrorMessage } from '../validation.js'
import { computeQOSClass, defaultImagePullPolicy, defaultPodSpec, defaultPodTemplateSpec, validatePodSpec, validatePodTemplateSpec } from './pod.js'

const spec = (containers: unknown[], extra: Record<string, unknown> = {}) => {
  const s: Record<string, unknown> = { containers, ...extra }
  defaultPodSpec(s)
  return s
}
const messages = (s: unknown, path = 'spec') => validatePodSpec(s, path).map(fieldErrorMessage)

test('image pull policy follows the tag', () => {
  for (const [image, want] of [
    ['nginx', 'Always'], ['nginx:latest', 'Always'], ['nginx:1.27', 'IfNotPresent'],
    ['gcr.io/google-samples/kubernetes-bootcamp:v1', 'IfNotPresent'], ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v2', 'IfNotPresent'], [`app@sha256:${'a'.repeat(64)}`, 'IfNotPresent'], ['Bad/Name', 'IfNotPresent'],
  ]) assert.equal(defaultImagePullPolicy(image), want, image)
})

test('pod spec defaults', () => {
  const s = spec([{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }], readinessProbe: { httpGet: { port: 80 } } }])
  assert.deepEqual(s, {
    containers: [{
      name: 'web', image: 'nginx', imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File', resources: {}, ports: [{ containerPort: 80, protocol: 'TCP' }],
      readinessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
    }],
    dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler',
  })
})

test('template defaults touch only the spec; bad shapes do not throw', () => {
  const t: Record<string, unknown> = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'a', image: 'x:1' }] } }
  defaultPodTemplateSpec(t)
  assert.equal((t.spec as { restartPolicy: string }).restartPolicy, 'Always')
  for (const bad of [null, 3, 'x', [], { containers: 'x' }, { containers: [null, 1] }]) {
    assert.doesNotThrow(() => defaultPodSpec(bad as never))
    assert.doesNotThrow(() => validatePodSpec(bad, 'spec'))
  }
})

const labelMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

test('pod spec validation errors, as upstream words them', () => {
  const cases: [string, unknown, string[]][] = [
    ['no containers', spec([]), ['spec.containers: Required value']],
    ['no image', spec([{ name: 'web' }]), ['spec.containers[0].image: Required value']],
    ['bad name', spec([{ name: 'Web', image: 'x' }]), [`spec.containers[0].name: Invalid value: "Web": ${labelMsg}`]],
    ['duplicate names', spec([{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }]), ['spec.containers[1].name: Duplicate value: "a"']],
    ['port range', spec([{ name: 'a', image: 'x', ports: [{ containerPort: 70000 }] }]), ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['port required', spec([{ name: 'a', image: 'x', ports: [{ name: 'http' }] }]), ['spec.containers[0].ports[0].containerPort: Required value']],
    ['restart policy', spec([{ name: 'a', image: 'x' }], { restartPolicy: 'Sometimes' }), ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
    ['protocol', spec([{ name: 'a', image: 'x', ports: [{ containerPort: 80, protocol: 'HTTP' }] }]), ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']],
    ['liveness successThreshold', spec([{ name: 'a', image: 'x', livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 } }]), ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1']],
    ['probe without handler', spec([{ name: 'a', image: 'x', readinessProbe: {} }]), ['spec.containers[0].readinessProbe: Required value: must specify a handler type']],
    ['env name', spec([{ name: 'a', image: 'x', env: [{ name: '1X' }] }]), ["spec.containers[0].env[0].name: Invalid value: \"1X\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"]],
    ['request above limit', spec([{ name: 'a', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }]), ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1']],
  ]
  for (const [name, s, want] of cases) assert.deepEqual(messages(s), want, name)
})

test('pod template validation uses template paths', () => {
  const t: Record<string, unknown> = { metadata: { labels: { app: 'a b' } }, spec: { containers: [{ name: 'a' }] } }
  defaultPodTemplateSpec(t)
  const msgs = validatePodTemplateSpec(t, 'spec.template').map(fieldErrorMessage)
  assert.equal(msgs.length, 2)
  assert.match(msgs[0], /^spec\.template\.labels: Invalid value: "a b": a valid label must be/)
  assert.equal(msgs[1], 'spec.template.spec.containers[0].image: Required value')
  assert.deepEqual(validatePodTemplateSpec({ spec: spec([{ name: 'a', image: 'x' }]) }, 'spec.template'), [])
})

test('QoS class', () => {
  const c = (resources: unknown) => ({ containers: [{ name: 'a', image: 'x', resources }] })
  assert.equal(computeQOSClass(c({}) as never), 'BestEffort')
  assert.equal(computeQOSClass(c({ requests: { cpu: '100m' } }) as never), 'Burstable')
  assert.equal(computeQOSClass(c({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1000m', memory: '1Gi' } }) as never), 'Guaranteed')
  assert.equal(computeQOSClass(c({ requests: { cpu: '1' }, limits: { cpu: '1' } }) as never), 'Burstable')
})
