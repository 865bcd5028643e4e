import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Container, Pod } from 'kubernetes-types/core/v1.js'
import { expand, expandCommand, referencedSources, resolveEnv, type EnvContext, type EnvSources } from './env.js'
import { serviceEnv } from './service-env.js'

const b64 = (s: string) => Buffer.from(s).toString('base64')

const pod: Pod = {
  metadata: { name: 'web-abc', namespace: 'prod', uid: 'u-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'hi' } },
  spec: { nodeName: 'kubelite', serviceAccountName: 'default', containers: [] },
}
const ctx: EnvContext = { pod, podIPs: ['127.244.0.5'], hostIPs: ['127.0.0.1'], serviceEnv: { DB_SERVICE_HOST: '127.96.0.9' } }
const sources: EnvSources = {
  configMaps: new Map([
    ['cfg', { data: { MODE: 'fast', LEVEL: '3' } }],
    ['missing', null],
  ]),
  secrets: new Map([['creds', { data: { PASSWORD: b64('s3cret') } }]]),
}

test('expand follows upstream expansion rules', () => {
  const vars: Record<string, string> = { A: 'a', B: 'b' }
  const look = (n: string) => vars[n]
  const cases: [string, string][] = [
    ['$(A)', 'a'],
    ['x$(A)y$(B)z', 'xaybz'],
    ['$$(A)', '$(A)'],
    ['$(C)', '$(C)'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['a$', 'a$'],
    ['$$$(A)', '$a'],
    ['', ''],
  ]
  for (const [input, want] of cases) assert.equal(expand(input, look), want, input)
})

test('resolveEnv: table of sources', () => {
  const cases: { name: string; c: Partial<Container>; want: Record<string, string> | { error: string } }[] = [
    { name: 'plain value', c: { env: [{ name: 'X', value: '1' }] }, want: { X: '1', DB_SERVICE_HOST: '127.96.0.9' } },
    {
      name: 'expansion sees earlier vars and services, not later ones',
      c: { env: [{ name: 'A', value: 'x' }, { name: 'B', value: '$(A)-$(DB_SERVICE_HOST)-$(C)' }, { name: 'C', value: 'c' }] },
      want: { A: 'x', B: 'x-127.96.0.9-$(C)', C: 'c', DB_SERVICE_HOST: '127.96.0.9' },
    },
    {
      name: 'fieldRef',
      c: {
        env: [
          { name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'NONE', valueFrom: { fieldRef: { fieldPath: "metadata.labels['nope']" } } },
          { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        ],
      },
      want: {
        N: 'web-abc',
        NS: 'prod',
        UID: 'u-1',
        APP: 'web',
        NONE: '',
        LABELS: 'app="web"\ntier="front"',
        NODE: 'kubelite',
        SA: 'default',
        IP: '127.244.0.5',
        HOST: '127.0.0.1',
        DB_SERVICE_HOST: '127.96.0.9',
      },
    },
    {
      name: 'configMapKeyRef and secretKeyRef',
      c: { env: [{ name: 'M', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } }, { name: 'P', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } }] },
      want: { M: 'fast', P: 's3cret', DB_SERVICE_HOST: '127.96.0.9' },
    },
    { name: 'missing configmap', c: { env: [{ name: 'M', valueFrom: { configMapKeyRef: { name: 'missing', key: 'MODE' } } }] }, want: { error: 'configmap "missing" not found' } },
    { name: 'missing secret', c: { env: [{ name: 'M', valueFrom: { secretKeyRef: { name: 'nope', key: 'x' } } }] }, want: { error: 'secret "nope" not found' } },
    { name: 'missing key', c: { env: [{ name: 'M', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'NOPE' } } }] }, want: { error: "couldn't find key NOPE in ConfigMap prod/cfg" } },
    { name: 'missing secret key', c: { env: [{ name: 'M', valueFrom: { secretKeyRef: { name: 'creds', key: 'NOPE' } } }] }, want: { error: "couldn't find key NOPE in Secret prod/creds" } },
    {
      name: 'optional refs are skipped',
      c: { env: [{ name: 'M', valueFrom: { configMapKeyRef: { name: 'missing', key: 'MODE', optional: true } } }, { name: 'K', valueFrom: { secretKeyRef: { name: 'creds', key: 'NOPE', optional: true } } }] },
      want: { DB_SERVICE_HOST: '127.96.0.9' },
    },
    {
      name: 'envFrom with prefix, env overrides',
      c: { envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'C_' }, { secretRef: { name: 'creds' } }], env: [{ name: 'C_MODE', value: 'slow' }] },
      want: { C_MODE: 'slow', C_LEVEL: '3', PASSWORD: 's3cret', DB_SERVICE_HOST: '127.96.0.9' },
    },
    { name: 'envFrom missing', c: { envFrom: [{ configMapRef: { name: 'missing' } }] }, want: { error: 'configmap "missing" not found' } },
    { name: 'envFrom optional missing', c: { envFrom: [{ configMapRef: { name: 'missing', optional: true } }] }, want: { DB_SERVICE_HOST: '127.96.0.9' } },
    { name: 'user var wins over service var', c: { env: [{ name: 'DB_SERVICE_HOST', value: 'mine' }] }, want: { DB_SERVICE_HOST: 'mine' } },
    {
      name: 'resourceFieldRef with divisor; unset limit falls back to allocatable',
      c: {
        resources: { requests: { memory: '64Mi', cpu: '250m' } },
        env: [
          { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } },
          { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
          { name: 'LIMCPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        ],
      },
      want: { MEM: '64', CPU: '1', LIMCPU: '2', DB_SERVICE_HOST: '127.96.0.9' },
    },
  ]
  for (const tc of cases) {
    const c = { name: 'web', image: 'x', ...tc.c } as Container
    const got = resolveEnv(c, { ...ctx, nodeAllocatable: { cpu: '2' } }, sources)
    if ('error' in tc.want) assert.deepEqual(got, tc.want, tc.name)
    else assert.deepEqual(got, { env: tc.want }, tc.name)
  }
})

test('referencedSources and command expansion', () => {
  const c: Container = {
    name: 'web',
    envFrom: [{ configMapRef: { name: 'a' } }, { secretRef: { name: 'b' } }],
    env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }, { name: 'Y', value: 'v', valueFrom: { secretKeyRef: { name: 'skip', key: 'k' } } }],
  }
  assert.deepEqual(referencedSources(c), { configMaps: new Set(['a', 'c']), secrets: new Set(['b']) })
  assert.deepEqual(expandCommand(['echo', '$(X)', '$$(X)', '$(Z)'], { X: 'hi' }), ['echo', 'hi', '$(X)', '$(Z)'])
})

test('service env vars like upstream envvars.FromServices', () => {
  const svc = (ns: string, name: string, ip: string, ports: { name?: string; port: number; protocol?: string }[]) => ({
    metadata: { namespace: ns, name },
    spec: { clusterIP: ip, ports },
  })
  const services = [
    svc('default', 'kubernetes', '127.96.0.1', [{ name: 'https', port: 443 }]),
    svc('prod', 'my-app', '127.96.0.10', [{ port: 8080 }, { name: 'metrics', port: 9090, protocol: 'TCP' }]),
    svc('prod', 'headless', 'None', [{ port: 80 }]),
    svc('other', 'x', '127.96.0.11', [{ port: 80 }]),
  ]
  const env = serviceEnv(services, 'prod', true)
  assert.deepEqual(env, {
    KUBERNETES_SERVICE_HOST: '127.96.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: 'tcp://127.96.0.1:443',
    KUBERNETES_PORT_443_TCP: 'tcp://127.96.0.1:443',
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: '127.96.0.1',
    MY_APP_SERVICE_HOST: '127.96.0.10',
    MY_APP_SERVICE_PORT: '8080',
    MY_APP_SERVICE_PORT_METRICS: '9090',
    MY_APP_PORT: 'tcp://127.96.0.10:8080',
    MY_APP_PORT_8080_TCP: 'tcp://127.96.0.10:8080',
    MY_APP_PORT_8080_TCP_PROTO: 'tcp',
    MY_APP_PORT_8080_TCP_PORT: '8080',
    MY_APP_PORT_8080_TCP_ADDR: '127.96.0.10',
    MY_APP_PORT_9090_TCP: 'tcp://127.96.0.10:9090',
    MY_APP_PORT_9090_TCP_PROTO: 'tcp',
    MY_APP_PORT_9090_TCP_PORT: '9090',
    MY_APP_PORT_9090_TCP_ADDR: '127.96.0.10',
  })
  assert.deepEqual(Object.keys(serviceEnv(services, 'prod', false)).filter((k) => k.startsWith('MY_APP')), [], 'enableServiceLinks: false keeps only kubernetes')
  assert.ok(serviceEnv(services, 'prod', false).KUBERNETES_SERVICE_HOST)
})
