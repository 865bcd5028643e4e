// After upstream's plugin/pkg/admission/resourcequota/admission_test.go, limitranger/admission_test.go
// and pkg/quota/v1/evaluator/core/pods_test.go: messages and arithmetic, in-process.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { canonicalQuantity } from '../../apis/core/quantity-format.js'
import { podConstraints, podUsage } from '../../apis/core/usage.js'
import { StatusError } from '../../apis/status.js'
import { fieldErrorMessage } from '../../apis/validation.js'
import { ApiServer } from '../../api/server.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { builtInResources } from '../index.js'
import { limitRanger, resourceQuotaAdmission } from './admission.js'
import { defaultLimitRange, limitRanges, type LimitRangeObj } from './limitrange.js'
import { quotaCells, resourceQuotas } from './resourcequota.js'

const pod = (name: string, resources?: Record<string, Record<string, string>>, extra: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause', ...(resources ? { resources } : {}) }], ...extra },
})

async function setup() {
  const store = new MemoryStore()
  let api: ApiServer
  api = new ApiServer({
    resources: builtInResources(),
    store,
    serverAddress: '127.0.0.1:0',
    admission: [
      limitRanger({ listLimitRanges: async (ns) => (await api.resource('', 'limitranges')!.list(ns)).items }),
      resourceQuotaAdmission({ quotas: () => api.resource('', 'resourcequotas')! }),
    ],
  })
  await api.resource('', 'namespaces')!.create(undefined, { metadata: { name: 'default' } })
  const quotas = api.resource('', 'resourcequotas')!
  const makeQuota = async (name: string, hard: Record<string, string>) => {
    const q = await quotas.create('default', { metadata: { name }, spec: { hard } })
    // What the quota controller writes first: hard from spec, nothing used.
    await quotas.update('default', name, { ...q, status: { hard, used: Object.fromEntries(Object.keys(hard).map((k) => [k, '0'])) } }, { subresource: 'status' })
  }
  return { api, pods: api.resource('', 'pods')!, quotas, makeQuota, limits: api.resource('', 'limitranges')! }
}

async function forbidden(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err))
    assert.equal(err.status.code, 403)
    return err.status.message ?? ''
  }
  assert.fail('admitted')
}

describe('quantities', () => {
  it('print as Quantity.String()', () => {
    assert.deepEqual(['500m', '1', '1500', '2000', '1.5', '128Mi', '1536Mi', '1Gi', '100M', '0'].map(canonicalQuantity), ['500m', '1', '1500', '2k', '1500m', '128Mi', '1536Mi', '1Gi', '100M', '0'])
  })
})

describe('pod usage (PodUsageFunc)', () => {
  it('counts pods and compute, the largest init container, and only count/pods once finished', () => {
    const p = {
      metadata: { name: 'p' },
      spec: {
        containers: [{ name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m' } } }, { name: 'b', resources: { requests: { cpu: '150m' } } }],
        initContainers: [{ name: 'i', resources: { requests: { cpu: '500m' } } }],
      },
    }
    const u = podUsage(p, new Date())
    assert.deepEqual(Object.fromEntries(Object.entries(u).map(([k, v]) => [k, canonicalQuantity(String(v.nano) + 'n')])), {
      'count/pods': '1', pods: '1', cpu: '500m', 'requests.cpu': '500m', memory: '67108864', 'requests.memory': '67108864', 'limits.cpu': '200m',
    })
    assert.deepEqual(Object.keys(podUsage({ ...p, status: { phase: 'Succeeded' } }, new Date())), ['count/pods'])
  })
  it('must specify the quota-limited compute resources in every container', () => {
    assert.equal(podConstraints(pod('x') as never, ['pods', 'limits.cpu', 'requests.memory']), 'must specify limits.cpu for: c; requests.memory for: c')
    assert.equal(podConstraints(pod('x', { limits: { cpu: '1' }, requests: { memory: '1Mi' } }) as never, ['limits.cpu', 'requests.memory']), undefined)
  })
})

describe('ResourceQuota admission', () => {
  it('refuses the third pod with upstream message and reserves usage as it admits', async () => {
    const t = await setup()
    await t.makeQuota('q', { pods: '2' })
    await t.pods.create('default', pod('a'))
    await t.pods.create('default', pod('b'))
    assert.deepEqual((await t.quotas.get('default', 'q')).status, { hard: { pods: '2' }, used: { pods: '2' } })
    assert.equal(await forbidden(t.pods.create('default', pod('c'))), 'pods "c" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2')
  })

  it('compute quota: must specify, then the sum against the limit', async () => {
    const t = await setup()
    await t.makeQuota('compute', { 'limits.cpu': '1' })
    assert.equal(await forbidden(t.pods.create('default', pod('x'))), 'pods "x" is forbidden: failed quota: compute: must specify limits.cpu for: c')
    await t.pods.create('default', pod('y', { limits: { cpu: '600m' } }))
    assert.equal(
      await forbidden(t.pods.create('default', pod('z', { limits: { cpu: '600m' } }))),
      'pods "z" is forbidden: exceeded quota: compute, requested: limits.cpu=600m, used: limits.cpu=600m, limited: limits.cpu=1',
    )
  })

  it('count/<resource> syntax counts any kind; a quota the controller has not seen yet is not enforced', async () => {
    const t = await setup()
    await t.makeQuota('cm', { 'count/configmaps': '1', configmaps: '5' })
    const cms = t.api.resource('', 'configmaps')!
    await cms.create('default', { metadata: { name: 'one' } })
    assert.equal(
      await forbidden(cms.create('default', { metadata: { name: 'two' } })),
      'configmaps "two" is forbidden: exceeded quota: cm, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1',
    )
    await t.quotas.create('default', { metadata: { name: 'fresh' }, spec: { hard: { pods: '0' } } })
    await t.pods.create('default', pod('ok'))
  })

  it('validates hard limits and prints REQUEST and LIMIT', () => {
    const q = { metadata: { name: 'q' }, spec: { hard: { pods: '1.5', bogus: '1', cpu: '-1' } } }
    assert.deepEqual(resourceQuotas.validate!(q).map(fieldErrorMessage), [
      'spec.hard[pods]: Invalid value: "1.5": must be an integer',
      'spec.hard[bogus]: Invalid value: "bogus": must be a standard resource for quota',
      'spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0',
    ])
    assert.deepEqual(quotaCells({ metadata: {}, status: { hard: { pods: '2', 'limits.cpu': '1', 'requests.memory': '1Gi' }, used: { pods: '1', 'limits.cpu': '500m', 'requests.memory': '256Mi' } } }), [
      'pods: 1/2, requests.memory: 256Mi/1Gi',
      'limits.cpu: 500m/1',
    ])
  })
})

describe('LimitRanger', () => {
  it('defaults limits and requests, annotates, and refuses what exceeds max', async () => {
    const t = await setup()
    await t.limits.create('default', { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '250m' }, max: { cpu: '1' } }] } })
    const p = (await t.pods.create('default', pod('p'))) as { spec: { containers: { resources: unknown }[] }; metadata: { annotations: Record<string, string> }; status: { qosClass: string } }
    assert.deepEqual(p.spec.containers[0].resources, { limits: { cpu: '500m' }, requests: { cpu: '250m' } })
    assert.equal(p.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container c; cpu limit for container c')
    assert.equal(p.status.qosClass, 'Burstable')
    assert.equal(await forbidden(t.pods.create('default', pod('big', { limits: { cpu: '2' } }))), 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2')
  })

  it('defaults a Container item (default ← max, defaultRequest ← default ← min) and validates', () => {
    const lr: LimitRangeObj = { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { memory: '1Mi' } }] } }
    defaultLimitRange(lr)
    assert.deepEqual(lr.spec!.limits![0], { type: 'Container', max: { cpu: '1' }, min: { memory: '1Mi' }, default: { cpu: '1' }, defaultRequest: { cpu: '1', memory: '1Mi' } })
    const bad: LimitRangeObj = { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] } }
    assert.deepEqual(limitRanges.validate!(bad).map(fieldErrorMessage), ['spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1'])
  })
})
