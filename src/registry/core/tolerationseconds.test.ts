// upstream plugin/pkg/admission/defaulttolerationseconds/admission_test.go, and through an API server.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Toleration } from 'kubernetes-types/core/v1.js'
import { ApiServer } from '../../api/server.js'
import { MemoryStore } from '../../store/memory/memory.js'
import { builtInResources } from '../index.js'
import { computeDefaultTolerations, defaultTolerationSeconds } from './tolerationseconds.js'

const notReady = (s = 300): Toleration => ({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s })
const unreachable = (s = 300): Toleration => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s })

describe('computeDefaultTolerations', () => {
  const cases: { name: string; have: Toleration[]; want: Toleration[] }[] = [
    { name: 'none: both, 300 s', have: [], want: [notReady(), unreachable()] },
    { name: 'an unrelated toleration changes nothing', have: [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' }], want: [notReady(), unreachable()] },
    { name: 'not-ready NoExecute already: only unreachable', have: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 700 }], want: [unreachable()] },
    { name: 'unreachable with every effect: only not-ready', have: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }], want: [notReady()] },
    { name: 'not-ready NoSchedule does not count', have: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }], want: [notReady(), unreachable()] },
    { name: 'every key with NoExecute: nothing', have: [{ operator: 'Exists', effect: 'NoExecute' }], want: [] },
    { name: 'every key, every effect: nothing', have: [{ operator: 'Exists' }], want: [] },
  ]
  for (const c of cases) it(c.name, () => assert.deepEqual(computeDefaultTolerations(c.have), c.want))

  it('the seconds come from the options (the kube-apiserver flags)', () => {
    assert.deepEqual(computeDefaultTolerations([], { notReadySeconds: 5, unreachableSeconds: 7 }), [notReady(5), unreachable(7)])
  })
})

describe('DefaultTolerationSeconds admission', () => {
  async function setup(opts = {}) {
    const api = new ApiServer({ resources: builtInResources(), store: new MemoryStore(), serverAddress: '127.0.0.1:0', admission: [defaultTolerationSeconds(opts)] })
    await api.resource('', 'namespaces')!.create(undefined, { metadata: { name: 'default' } })
    return api.resource('', 'pods')!
  }
  const spec = (tolerations?: Toleration[]) => ({ containers: [{ name: 'c', image: 'x' }], ...(tolerations ? { tolerations } : {}) })

  it('a new pod gets both tolerations after its own', async () => {
    const pods = await setup({ notReadySeconds: 5 })
    const own: Toleration = { key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }
    const p = await pods.create('default', { metadata: { name: 'a' }, spec: spec([own]) })
    assert.deepEqual((p.spec as { tolerations: Toleration[] }).tolerations, [own, notReady(5), unreachable()])
  })

  it('an update of a pod stored without them adds them (upstream admits updates too); status updates do not', async () => {
    const store = new MemoryStore()
    const bare = new ApiServer({ resources: builtInResources(), store, serverAddress: '127.0.0.1:0' })
    const withPlugin = new ApiServer({ resources: builtInResources(), store, serverAddress: '127.0.0.1:0', admission: [defaultTolerationSeconds()] })
    await bare.resource('', 'namespaces')!.create(undefined, { metadata: { name: 'default' } })
    const old = await bare.resource('', 'pods')!.create('default', { metadata: { name: 'old' }, spec: spec() })
    assert.equal((old.spec as { tolerations?: unknown }).tolerations, undefined)
    const pods = withPlugin.resource('', 'pods')!
    const status = await pods.update('default', 'old', { ...old, status: { phase: 'Running' } }, { subresource: 'status' })
    assert.equal((status.spec as { tolerations?: unknown }).tolerations, undefined)
    const relabelled = await pods.update('default', 'old', { ...status, metadata: { ...status.metadata, labels: { x: 'y' } } })
    assert.deepEqual((relabelled.spec as { tolerations: Toleration[] }).tolerations, [notReady(), unreachable()])
  })

  it('a pod that tolerates everything is left as it is', async () => {
    const pods = await setup()
    const created = await pods.create('default', { metadata: { name: 'b' }, spec: spec([{ operator: 'Exists' }]) })
    assert.deepEqual((created.spec as { tolerations: Toleration[] }).tolerations, [{ operator: 'Exists' }])
  })
})
